"""The users' trained-network HDF5: good variants load and agree with what was written; every kind
of corruption is rejected with a FormatError naming the file and the dataset."""

import os

import h5py
import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import FormatError, read_network
from pynn_glif3.io.users_h5 import read_users_h5, write_users_h5
from io_helpers import (assert_networks_equal, copy_with, dataset, raises_naming, truncate_bytes)

KW = dict(n_neurons=300, seed=4, n_lgn=400, n_classes=2, pool_size=5)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return synthetic.write_synthetic_v1(tmp_path_factory.mktemp("users") / "net.h5", **KW)


@pytest.fixture(scope="module")
def expected():
    return synthetic.generate_v1(**KW)


def test_good_file_loads_and_equals_the_generated_network(good, expected):
    net = read_users_h5(good)
    assert_networks_equal(net, expected)
    assert net.provenance["format"] == "users-trained-h5"
    assert net.provenance["variant"] == "background weights in input/bkg_weights"
    assert net.provenance["source"] == os.path.abspath(good)
    assert read_network(good).n_neurons == KW["n_neurons"]


def test_weights_are_stored_values_times_vs_of_the_target(good):
    net = read_users_h5(good)
    vs_type = (dataset(good, "neurons/glif3_params/V_th").astype(float)
               - dataset(good, "neurons/glif3_params/E_L").astype(float))
    vs = vs_type[dataset(good, "neurons/node_type_ids")]
    tgt = dataset(good, "recurrent/targets")
    assert np.array_equal(net.recurrent.weight, dataset(good, "recurrent/weights").astype(float) * vs[tgt])
    itgt = dataset(good, "input/targets")
    assert np.array_equal(net.inputs.weight, dataset(good, "input/weights").astype(float) * vs[itgt])
    # background: files store 10 * b / vs  ->  b = stored * vs / 10
    stored = dataset(good, "input/bkg_weights").astype(float)
    assert np.array_equal(net.bkg_weights, stored * vs[:, None] / 10.0)
    assert np.array_equal(net.recurrent.delay, dataset(good, "recurrent/delays").astype(float))
    ids = dataset(good, "readout/neuron_ids")
    assert np.array_equal(net.readout_ids, ids.reshape(2, 5))      # class-major


def test_background_weights_variant(tmp_path, expected):
    p = synthetic.write_synthetic_v1(tmp_path / "bg.h5", background="background", **KW)
    with h5py.File(p) as f:
        assert "background/weights" in f and "input/bkg_weights" not in f
        assert f["background/weights"].shape == (4 * KW["n_neurons"],)
    net = read_users_h5(p)
    assert net.provenance["variant"] == "background weights in background/weights"
    assert_networks_equal(net, expected)


def test_older_files_without_background_weights(tmp_path, good):
    p = copy_with(good, tmp_path / "old.h5", delete=["input/bkg_weights"])
    net = read_users_h5(p)
    assert net.bkg_weights is None
    assert net.provenance["variant"] == "no background weights"
    assert any("no background" in n for n in net.provenance["notes"])


def test_positions_may_be_absent(tmp_path, good):
    p = copy_with(good, tmp_path / "nopos.h5",
                  delete=["neurons/positions_x", "neurons/positions_y", "neurons/positions_z"])
    assert read_users_h5(p).positions is None


def test_writer_round_trip_of_a_network(tmp_path, expected):
    p = tmp_path / "rt.h5"
    write_users_h5(p, expected)
    back = read_users_h5(p)
    assert_networks_equal(back, expected)     # values already float32-exact: lossless here


# --------------------------------------------------------------------------------------------
# corruptions: (description, modification, fragments the message must contain)
N = KW["n_neurons"]


def _mods(good):
    src = dataset(good, "recurrent/sources")
    tgt = dataset(good, "recurrent/targets")
    w = dataset(good, "recurrent/weights")
    d = dataset(good, "recurrent/delays")
    tau = dataset(good, "neurons/glif3_params/tau_syn")
    T = tau.shape[0]
    neg_tau = tau.copy()
    neg_tau[3, 2] = -2.5
    zero_g = dataset(good, "neurons/glif3_params/g").copy()
    zero_g[5] = 0.0
    neg_cm = dataset(good, "neurons/glif3_params/C_m").copy()
    neg_cm[0] = -81.0
    neg_tref = dataset(good, "neurons/glif3_params/t_ref").copy()
    neg_tref[1] = -1.0
    neg_k = dataset(good, "neurons/glif3_params/k").copy()
    neg_k[2, 1] = -0.3
    nan_w = w.copy()
    nan_w[17] = np.nan
    inf_d = d.copy()
    inf_d[3] = np.inf
    neg_d = d.copy()
    neg_d[9] = -1.0
    bad_tgt = tgt.copy()
    bad_tgt[11] = N
    neg_src = src.copy()
    neg_src[2] = -1
    rec = dataset(good, "recurrent/receptor_types").copy()
    rec[0] = 4
    types = dataset(good, "neurons/node_type_ids").copy()
    types[7] = T
    lgn = dataset(good, "input/sources").copy()
    lgn[1] = KW["n_lgn"]
    ro = dataset(good, "readout/neuron_ids").copy()
    ro[0] = N + 3
    nan_bkg = dataset(good, "input/bkg_weights").copy()
    nan_bkg[4, 0] = np.nan
    vth = dataset(good, "neurons/glif3_params/V_th").copy()
    vth[0] = dataset(good, "neurons/glif3_params/E_L")[0] - 1.0
    offset_src = src + N * (np.clip(np.round(d), 1, 5).astype(np.int32) - 1)
    return [
        ("missing dataset", dict(delete=["recurrent/delays"]), ["recurrent/delays", "missing"]),
        ("missing group", dict(delete=["neurons/glif3_params"]), ["neurons/glif3_params", "missing"]),
        ("missing input", dict(delete=["input/weights"]), ["input/weights", "missing"]),
        ("truncated weights", dict(set={"recurrent/weights": w[:-7]}), ["recurrent/weights", "entries"]),
        ("truncated targets", dict(set={"recurrent/targets": tgt[:100]}), ["recurrent/targets", "truncated"]),
        ("truncated node types", dict(set={"neurons/node_type_ids": types[:-1]}),
         ["neurons/node_type_ids", "n_neurons"]),
        ("truncated params", dict(set={"neurons/glif3_params/g": zero_g[:-1]}),
         ["neurons/glif3_params/g", "shape"]),
        ("wrong shape asc", dict(set={"neurons/glif3_params/asc_amps": np.zeros((T, 3), np.float32)}),
         ["neurons/glif3_params/asc_amps", "shape", f"({T}, 2)"]),
        ("wrong shape tau", dict(set={"neurons/glif3_params/tau_syn": tau[:, :3]}),
         ["neurons/glif3_params/tau_syn", "shape"]),
        ("2-D sources", dict(set={"recurrent/sources": src.reshape(-1, 1)}), ["recurrent/sources", "dimensions"]),
        ("bkg shape", dict(set={"input/bkg_weights": np.zeros((N, 3), np.float32)}),
         ["input/bkg_weights", "shape"]),
        ("negative tau_syn", dict(set={"neurons/glif3_params/tau_syn": neg_tau}),
         ["neurons/glif3_params/tau_syn", "tau_syn[3, 2] = -2.5", "out of range"]),
        ("zero g", dict(set={"neurons/glif3_params/g": zero_g}), ["neurons/glif3_params/g", "out of range"]),
        ("negative C_m", dict(set={"neurons/glif3_params/C_m": neg_cm}), ["neurons/glif3_params/C_m", "out of range"]),
        ("negative t_ref", dict(set={"neurons/glif3_params/t_ref": neg_tref}),
         ["neurons/glif3_params/t_ref", "out of range"]),
        ("negative k", dict(set={"neurons/glif3_params/k": neg_k}), ["neurons/glif3_params/k", "out of range"]),
        ("V_th below E_L", dict(set={"neurons/glif3_params/V_th": vth}), ["neurons/glif3_params/V_th", "E_L"]),
        ("NaN weight", dict(set={"recurrent/weights": nan_w}), ["recurrent/weights", "nan", "entry 17"]),
        ("inf delay", dict(set={"recurrent/delays": inf_d}), ["recurrent/delays", "inf"]),
        ("negative delay", dict(set={"recurrent/delays": neg_d}), ["recurrent/delays", ">= 0"]),
        ("NaN background", dict(set={"input/bkg_weights": nan_bkg}), ["input/bkg_weights", "nan"]),
        ("target out of range", dict(set={"recurrent/targets": bad_tgt}),
         ["recurrent/targets", "out of range", f"0..{N - 1}"]),
        ("negative source", dict(set={"recurrent/sources": neg_src}), ["recurrent/sources", "out of range"]),
        ("receptor out of range", dict(set={"recurrent/receptor_types": rec}),
         ["recurrent/receptor_types", "0..3"]),
        ("node type out of range", dict(set={"neurons/node_type_ids": types}),
         ["neurons/node_type_ids", f"0..{T - 1}"]),
        ("LGN unit out of range", dict(set={"input/sources": lgn}), ["input/sources", f"0..{KW['n_lgn'] - 1}"]),
        ("readout out of range", dict(set={"readout/neuron_ids": ro}), ["readout/neuron_ids", "out of range"]),
        ("readout not class-major", dict(set={"readout/neuron_ids": ro[:-1]}),
         ["readout/neuron_ids", "multiple of n_output"]),
        ("float indices", dict(set={"recurrent/targets": tgt.astype(np.float32)}),
         ["recurrent/targets", "integers"]),
        ("n_neurons attribute", dict(attrs={"n_neurons": N + 1}), ["neurons/node_type_ids", "n_neurons"]),
        ("broken variant: exp(-dt/tau) in tau_syn",
         dict(set={"neurons/glif3_params/tau_syn": np.exp(-1.0 / tau).astype(np.float32)}),
         ["neurons/glif3_params/tau_syn", "below 1 ms", "exp(-dt/tau_syn)", "broken"]),
        ("broken variant: delay-offset sources", dict(set={"recurrent/sources": offset_src}),
         ["recurrent/sources", "delay-offset", "broken"]),
        ("broken variant: checkpoint variables",
         dict(delete=["neurons/glif3_params/tau_syn"],
              set={"neurons/glif3_params/syn_decay": np.exp(-1.0 / tau).astype(np.float32)}),
         ["neurons/glif3_params", "syn_decay", "broken"]),
    ]


@pytest.mark.parametrize("case", range(33))
def test_corrupted_file_is_rejected_naming_the_dataset(tmp_path, good, case):
    mods = _mods(good)
    assert len(mods) == 33
    name, mod, fragments = mods[case]
    p = copy_with(good, tmp_path / "bad.h5", **mod)
    msg = raises_naming(lambda: read_users_h5(p), str(p), *fragments)
    assert "Traceback" not in msg


def test_partial_positions_rejected(tmp_path, good):
    p = copy_with(good, tmp_path / "pos.h5", delete=["neurons/positions_z"])
    raises_naming(lambda: read_users_h5(p), "neurons/positions_z", "missing")


def test_truncated_and_foreign_files(tmp_path, good):
    cut = truncate_bytes(good, tmp_path / "cut.h5", 0.6)
    raises_naming(lambda: read_users_h5(cut), str(cut))
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not an hdf5 file at all")
    raises_naming(lambda: read_users_h5(junk), str(junk), "not HDF5")
    raises_naming(lambda: read_users_h5(tmp_path / "absent.h5"), "no such file")


def test_format_error_is_a_value_error():
    assert issubclass(FormatError, ValueError)
