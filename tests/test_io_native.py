"""The package's own format: lossless round trip, units and provenance in attributes, corruptions."""

import json

import h5py
import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import detect_format, read_network
from pynn_glif3.io.native_h5 import FORMAT, FORMAT_VERSION, read_native, write_native
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.network import V1Network
from io_helpers import assert_networks_equal, copy_with, dataset, raises_naming, truncate_bytes


@pytest.fixture(scope="module")
def net():
    return synthetic.generate_v1(250, seed=9, n_lgn=300, n_classes=2, pool_size=4)


@pytest.fixture(scope="module")
def native_file(tmp_path_factory, net):
    p = tmp_path_factory.mktemp("native") / "net.h5"
    write_native(p, net)
    return p


def _full_featured():
    """A network using every optional field, with values that are not float32-exact."""
    rng = np.random.default_rng(3)
    n = 40
    E_L = rng.uniform(-75, -65, n)
    neurons = NeuronParameters(E_L=E_L, V_th=E_L + rng.uniform(20, 30, n), V_reset=E_L - rng.random(n),
                               C_m=rng.uniform(50, 150, n), g=rng.uniform(4, 15, n),
                               t_ref=rng.uniform(1, 5, n), k=rng.uniform(0.003, 0.3, (n, 2)),
                               asc_amps=-rng.uniform(4, 200, (n, 2)),
                               tau_syn=rng.uniform(2, 9, (n, 4)), I_offset=rng.normal(0, 10, n))
    rec = Synapses(rng.integers(0, n, 500), rng.integers(0, n, 500), rng.integers(0, 4, 500),
                   rng.normal(0, 10, 500), rng.uniform(0.1, 9.0, 500))
    inp = Synapses(rng.integers(0, 7, 60), rng.integers(0, n, 60), np.zeros(60), rng.random(60) * 20)
    return V1Network(neurons, rec, inp, 7, bkg_weights=rng.random((n, 4)),
                     readout_ids=np.arange(12).reshape(3, 4), positions=rng.normal(0, 100, (n, 3)),
                     node_type_ids=np.arange(n) % 5, node_type_names=("e4Rorb", "i4Pvalb", "x", "e5Rbp4", "?"),
                     cell_class=np.where(np.arange(n) % 5 == 2, -1, 5), tuning_angles=rng.random(n) * 360,
                     provenance={"source": "made in a test", "format": "none", "variant": "v",
                                 "notes": ["a", "b"], "nested": {"k": [1, 2.5]}})


def test_round_trip_is_bit_exact(tmp_path, net, native_file):
    back = read_native(native_file)
    assert_networks_equal(back, net)
    assert back.provenance == net.provenance
    full = _full_featured()
    write_native(tmp_path / "full.h5", full, compression="gzip")
    back = read_native(tmp_path / "full.h5")
    assert_networks_equal(back, full)
    assert back.provenance == full.provenance
    assert detect_format(tmp_path / "full.h5") == "native"
    assert_networks_equal(read_network(tmp_path / "full.h5"), full)


def test_empty_network_round_trip(tmp_path):
    n = NeuronParameters(E_L=[-70.0], V_th=[-45.0], V_reset=[-70.0], C_m=[80.0], g=[9.0], t_ref=[1.5],
                         k=[[0.003, 0.3]], asc_amps=[[-4.0, -290.0]], tau_syn=[[5.5, 8.5, 2.8, 5.8]])
    net = V1Network(n, None, None, 0)
    write_native(tmp_path / "e.h5", net)
    assert_networks_equal(read_native(tmp_path / "e.h5"), net)


def test_units_provenance_and_version_in_attributes(native_file):
    with h5py.File(native_file) as f:
        # text is stored as fixed-length UTF-8 bytes; the format's name as docs/formats.md gives it
        assert f.attrs["format"] == b"pynn_glif3.network" == FORMAT.encode()
        assert f.attrs["format_version"] == FORMAT_VERSION
        unit = lambda name: f[name].attrs["unit"].decode()  # noqa: E731
        assert unit("neurons/C_m") == "pF" and unit("neurons/g") == "nS" and unit("neurons/k") == "1/ms"
        assert unit("recurrent/weight") == "pA" and unit("recurrent/delay") == "ms"
        assert unit("background/weights") == "pA" and unit("neurons/positions") == "um"
        assert json.loads(f.attrs["provenance"].decode())["generator"] == "pynn_glif3.synthetic"


def test_converts_from_users_file(tmp_path):
    from pynn_glif3.io.users_h5 import read_users_h5
    p = synthetic.write_synthetic_v1(tmp_path / "u.h5", 200, seed=1, n_lgn=100, n_classes=1, pool_size=3)
    users = read_users_h5(p)
    write_native(tmp_path / "n.h5", users)
    assert_networks_equal(read_native(tmp_path / "n.h5"), users)


def _mods(path):
    n = int(dataset(path, "neurons/E_L").size)
    tau = dataset(path, "neurons/tau_syn").copy()
    tau[2, 1] = -1.0
    w = dataset(path, "recurrent/weight").copy()
    w[5] = np.nan
    tgt = dataset(path, "recurrent/target").copy()
    tgt[0] = n
    return [
        (dict(delete=["recurrent/delay"]), ["recurrent/delay", "missing"]),
        (dict(delete=["neurons/g"]), ["neurons/g", "missing"]),
        (dict(set={"recurrent/weight": dataset(path, "recurrent/weight")[:-1]}), ["recurrent/weight", "entries"]),
        (dict(set={"neurons/k": np.zeros((n, 3))}), ["neurons/k", "shape"]),
        (dict(set={"neurons/tau_syn": tau}), ["neurons/tau_syn", "out of range"]),
        (dict(set={"recurrent/weight": w}), ["recurrent/weight", "nan"]),
        (dict(set={"recurrent/target": tgt}), ["recurrent/target", "out of range"]),
        (dict(set={"recurrent/receptor": np.full(dataset(path, "recurrent/receptor").size, 4, np.int8)}),
         ["recurrent/receptor", "0..3"]),
        (dict(set={"background/weights": np.zeros((n, 3))}), ["background/weights", "shape"]),
        (dict(attrs={"format": "something else"}), ["format", FORMAT]),
        (dict(attrs={"format_version": FORMAT_VERSION + 1}), ["format_version"]),
        (dict(attrs={"provenance": "{not json"}), ["provenance", "JSON"]),
        (dict(attrs={"n_neurons": None}), ["n_neurons", "missing"]),
    ]


@pytest.mark.parametrize("case", range(13))
def test_corrupted_native_file_rejected(tmp_path, native_file, case):
    mod, fragments = _mods(native_file)[case]
    p = copy_with(native_file, tmp_path / "bad.h5", **mod)
    raises_naming(lambda: read_native(p), str(p), *fragments)


def test_truncated_native_file(tmp_path, native_file):
    cut = truncate_bytes(native_file, tmp_path / "cut.h5", 0.7)
    raises_naming(lambda: read_native(cut), str(cut))
