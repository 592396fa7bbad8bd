"""Damaged files (random bytes overwritten): every reader either loads the file or raises
FormatError naming it; never another exception.  The package's own format checksums its data."""

import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import FormatError
from pynn_glif3.io.native_h5 import read_native, write_native
from pynn_glif3.io.stimulus_h5 import open_stimulus
from pynn_glif3.io.users_h5 import read_users_h5


def _read_stimulus(path):
    with open_stimulus(path) as s:
        for i in range(len(s)):
            s.values(i)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("damaged")
    users = synthetic.write_synthetic_v1(d / "users.h5", 150, seed=1, n_lgn=80, n_classes=1, pool_size=3)
    net = read_users_h5(users)
    net.provenance = {"source": "fixed, so that the file bytes do not depend on the temporary path"}
    write_native(d / "native.h5", net)
    stim = synthetic.write_synthetic_stimulus(d / "stim.h5", 2, 2, 80, seed=1)
    return {"users": (users, read_users_h5), "native": (d / "native.h5", read_native),
            "stimulus": (stim, _read_stimulus)}


@pytest.mark.parametrize("kind", ["users", "native", "stimulus"])
def test_random_damage_gives_format_errors_only(files, kind, tmp_path):
    src, reader = files[kind]
    data = open(src, "rb").read()
    rng = np.random.default_rng(17)
    outcomes = {"ok": 0, "FormatError": 0}
    for trial in range(60):
        d = bytearray(data)
        off = int(rng.integers(0, 8192 if trial % 2 else len(d)))   # metadata-heavy head, or anywhere
        n = int(rng.integers(1, 16))
        d[off:off + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        p = tmp_path / f"{trial}.h5"
        p.write_bytes(bytes(d))
        try:
            reader(p)
            outcomes["ok"] += 1
        except FormatError as e:
            assert str(p) in str(e)
            outcomes["FormatError"] += 1
    assert outcomes["FormatError"] > 5


def test_native_checksums_catch_damaged_values(files, tmp_path):
    import h5py
    src, _ = files["native"]
    with h5py.File(src) as f:
        ds = f["recurrent/weight"]
        assert ds.fletcher32
        offset = ds.id.get_offset() if ds.chunks is None else ds.id.get_chunk_info(0).byte_offset
    d = bytearray(open(src, "rb").read())
    d[offset + 16] ^= 0xFF                       # one flipped byte inside the weights
    p = tmp_path / "flip.h5"
    p.write_bytes(bytes(d))
    with pytest.raises(FormatError, match="recurrent/weight|damaged"):
        read_native(p)
