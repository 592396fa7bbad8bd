"""Helpers of the reader tests: small files and controlled corruptions."""

import os
import shutil

import h5py
import numpy as np
import pytest

from pynn_glif3.io import FormatError


def copy_with(src, dst, set=None, delete=(), attrs=None):
    """Copy an HDF5 file, then delete datasets, replace datasets (name -> array) and set root
    attributes (name -> value, None deletes)."""
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        for name in delete:
            del f[name]
        for name, data in (set or {}).items():
            if name in f:
                del f[name]
            f.create_dataset(name, data=data)
        for name, value in (attrs or {}).items():
            if value is None:
                del f.attrs[name]
            else:
                f.attrs[name] = value
    return dst


def dataset(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def raises_naming(fn, *fragments):
    """Call ``fn``; it must raise FormatError whose message contains every fragment
    (case-insensitive).  Returns the message."""
    with pytest.raises(FormatError) as err:
        fn()
    msg = str(err.value)
    if os.environ.get("PYNN_GLIF3_SHOW_ERRORS"):
        print("\n" + msg)
    for frag in fragments:
        assert str(frag).lower() in msg.lower(), f"{frag!r} not in message: {msg}"
    return msg


def truncate_bytes(src, dst, keep_fraction=0.5):
    data = open(src, "rb").read()
    with open(dst, "wb") as f:
        f.write(data[:int(len(data) * keep_fraction)])
    return dst


def assert_synapses_equal(a, b):
    for name in ("source", "target", "receptor", "weight"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.delay is None) == (b.delay is None)
    if a.delay is not None:
        assert np.array_equal(a.delay, b.delay)


def assert_networks_equal(a, b, bitwise=True):
    """Every array of two V1Networks equal (bit for bit with ``bitwise``)."""
    for name in ("E_L", "V_th", "V_reset", "C_m", "g", "t_ref", "k", "asc_amps", "tau_syn", "I_offset"):
        x, y = getattr(a.neurons, name), getattr(b.neurons, name)
        assert x.dtype == y.dtype and np.array_equal(x.view(np.uint64), y.view(np.uint64)), name
    for syn in ("recurrent", "inputs"):
        sa, sb = getattr(a, syn), getattr(b, syn)
        assert_synapses_equal(sa, sb)
        if bitwise:
            assert np.array_equal(sa.weight.view(np.uint64), sb.weight.view(np.uint64))
    assert a.n_inputs == b.n_inputs
    for name in ("bkg_weights", "readout_ids", "positions", "node_type_ids", "cell_class",
                 "tuning_angles"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.node_type_names == b.node_type_names
