"""The package's own network file: one documented HDF5 layout that every other format converts
into, written and read back without loss.

Everything is stored per neuron and in physical units (float64; indices int32 when they fit, else
int64), with the unit of each dataset in its ``unit`` attribute and the provenance (source file,
format, variant, notes) as JSON in the root attribute ``provenance``.  The layout is in
``docs/formats.md`` ("The package's own format").  Reading returns arrays equal bit for bit to the
ones written.
"""

import json
import os

import numpy as np

from .. import __version__
from ..model import N_RECEPTORS, PHYSICAL_COLUMNS, PHYSICAL_UNITS
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.network import CELL_CLASSES, V1Network
from ._common import (FormatError, attr, check_length, check_range, decode, guard, has, num, open_h5,
                      physical, read, text, texts, where)

FORMAT = "pynn_glif3.network"
FORMAT_VERSION = 1


def _index_dtype(a, bound):
    return np.int32 if bound <= np.iinfo(np.int32).max and (a.size == 0 or a.min() >= 0) else np.int64


def write_native(path, network, compression=None, checksum=True):
    """Write a :class:`V1Network` to ``path`` in the package's own format (lossless).

    ``compression``: None (default, fastest), ``"gzip"`` or ``"lzf"``.  ``checksum`` stores a
    Fletcher-32 checksum with every non-empty dataset, so that damaged data is detected on reading.
    """
    import h5py
    net = network
    n = net.n_neurons
    with h5py.File(os.fspath(path), "w") as f:
        f.attrs["format"] = text(FORMAT)
        f.attrs["format_version"] = np.int64(FORMAT_VERSION)
        f.attrs["written_by"] = text(f"pynn_glif3 {__version__}")
        f.attrs["n_neurons"] = np.int64(n)
        f.attrs["n_inputs"] = np.int64(net.n_inputs)
        f.attrs["provenance"] = text(json.dumps(net.provenance, sort_keys=True))

        def put(name, data, unit=None, doc=None, dtype=None):
            data = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
            ds = f.create_dataset(name, data=data, compression=compression if data.size else None,
                                  fletcher32=bool(checksum and data.size))
            if unit is not None:
                ds.attrs["unit"] = text(unit)
            if doc:
                ds.attrs["description"] = text(doc)
            return ds

        g = f.create_group("neurons")
        g.attrs["description"] = text("GLIF3 parameters per neuron, physical units (see docs/model.md)")
        for name in PHYSICAL_COLUMNS:
            put(f"neurons/{name}", getattr(net.neurons, name), PHYSICAL_UNITS[name], dtype=np.float64)
        if net.node_type_ids is not None:
            put("neurons/node_type_ids", net.node_type_ids, dtype=np.int64)
        if net.node_type_names is not None:
            f.create_dataset("neurons/node_type_names", data=texts(net.node_type_names))
        if net.cell_class is not None:
            ds = put("neurons/cell_class", net.cell_class, dtype=np.int64,
                     doc="index into the attribute class_names; -1 unknown")
            ds.attrs["class_names"] = texts(CELL_CLASSES)
        if net.positions is not None:
            put("neurons/positions", net.positions, "um", "x, y, z (y: cortical depth)", np.float64)
        if net.tuning_angles is not None:
            put("neurons/tuning_angles", net.tuning_angles, "deg", dtype=np.float64)

        for group, syn, n_src, doc in (
                ("recurrent", net.recurrent, n, "neuron -> neuron; delay raw (not clipped/rounded)"),
                ("input", net.inputs, net.n_inputs, "LGN unit -> neuron; zero delay")):
            gr = f.create_group(group)
            gr.attrs["description"] = text(doc)
            put(f"{group}/source", syn.source, dtype=_index_dtype(syn.source, n_src))
            put(f"{group}/target", syn.target, dtype=_index_dtype(syn.target, n))
            put(f"{group}/receptor", syn.receptor, doc="0..3 = ports syn1..syn4", dtype=np.int8)
            put(f"{group}/weight", syn.weight, "pA", "signed current weight", np.float64)
            if syn.delay is not None:
                put(f"{group}/delay", syn.delay, "ms", dtype=np.float64)
        if net.bkg_weights is not None:
            put("background/weights", net.bkg_weights, "pA",
                "b per neuron and receptor: each step adds b * c, c ~ Binomial(10, 0.1) shared by "
                "all neurons", np.float64)
        if net.readout_ids is not None:
            put("readout/neuron_ids", net.readout_ids, doc="(n_classes, pool_size)", dtype=np.int64)


@guard()
def read_native(path):
    """Read a network written by :func:`write_native`.  Raises FormatError on any inconsistency."""
    path = os.fspath(path)
    with open_h5(path) as f:
        fmt = decode(attr(f, "format", path, required=True))
        if fmt != FORMAT:
            raise FormatError(f"{path}: attribute 'format' of / is {fmt!r}, expected {FORMAT!r}")
        version = attr(f, "format_version", path, kind="i", required=True)
        if version > FORMAT_VERSION:
            raise FormatError(f"{path}: attribute 'format_version' of / is {version}; this version "
                              f"of pynn_glif3 reads up to {FORMAT_VERSION}")
        n = attr(f, "n_neurons", path, kind="i", required=True)
        n_inputs = attr(f, "n_inputs", path, kind="i", required=True)
        prov_text = attr(f, "provenance", path, required=True)
        try:
            provenance = json.loads(decode(prov_text))
        except (TypeError, ValueError):
            raise FormatError(f"{path}: attribute 'provenance' of / is not JSON") from None

        params = {}
        for name, cols in PHYSICAL_COLUMNS.items():
            shape = (n,) if cols is None else (n, cols)
            params[name] = read(f, f"neurons/{name}", path, shape=shape, kind="f", dtype=np.float64)
        physical(params, where(path, "neurons"))
        neurons = NeuronParameters(**params)

        def optional(name, shape, kind, dtype):
            return read(f, name, path, shape=shape, kind=kind, required=False, dtype=dtype,
                        finite=kind == "f")

        type_ids = optional("neurons/node_type_ids", (n,), "i", np.int64)
        type_names = None
        if has(f, "neurons/node_type_names"):
            raw = read(f, "neurons/node_type_names", path, ndim=1)
            type_names = tuple(decode(s) for s in raw.tolist())
        if type_ids is not None:
            check_range(type_ids, 0, len(type_names) if type_names is not None else np.iinfo(np.int64).max,
                        where(path, "neurons/node_type_ids"), "node type ids")
        cell_class = optional("neurons/cell_class", (n,), "i", np.int64)
        if cell_class is not None:
            names = [decode(s) for s in np.asarray(f["neurons/cell_class"].attrs.get("class_names", [])).tolist()]
            check_range(cell_class, -1, len(names), where(path, "neurons/cell_class"), "class indices")
            remap = np.array([CELL_CLASSES.index(s) if s in CELL_CLASSES else -1 for s in names] + [-1],
                             dtype=np.int64)
            cell_class = remap[cell_class]
        positions = optional("neurons/positions", (n, 3), "f", np.float64)
        tuning = optional("neurons/tuning_angles", (n,), "f", np.float64)

        def synapses(group, n_src, with_delay):
            names = ["source", "target", "receptor", "weight"] + (["delay"] if with_delay else [])
            arrays = [read(f, f"{group}/{x}", path, ndim=1, kind="i" if x in ("source", "target", "receptor") else "f",
                           finite=x in ("weight", "delay")) for x in names]
            check_length(arrays, [where(path, f"{group}/{x}") for x in names])
            check_range(arrays[0], 0, n_src, where(path, f"{group}/source"), "source indices")
            check_range(arrays[1], 0, n, where(path, f"{group}/target"), "neuron indices")
            check_range(arrays[2], 0, N_RECEPTORS, where(path, f"{group}/receptor"), "receptors")
            if with_delay and arrays[4].size and arrays[4].min() < 0:
                raise FormatError(f"{where(path, group + '/delay')}: negative delay "
                                  f"{num(arrays[4].min())} ms; expected >= 0")
            return Synapses(*[a.astype(np.int64 if k < 3 else np.float64, copy=False)
                              for k, a in enumerate(arrays)])

        recurrent = synapses("recurrent", n, True)
        inputs = synapses("input", n_inputs, False)
        bkg = optional("background/weights", (n, N_RECEPTORS), "f", np.float64)
        readout = read(f, "readout/neuron_ids", path, ndim=2, kind="i", required=False)
        if readout is not None:
            check_range(readout.ravel(), 0, n, where(path, "readout/neuron_ids"), "neuron indices")
            readout = readout.astype(np.int64)
    return V1Network(neurons=neurons, recurrent=recurrent, inputs=inputs, n_inputs=n_inputs,
                     bkg_weights=bkg, readout_ids=readout, positions=positions,
                     node_type_ids=type_ids, node_type_names=type_names, cell_class=cell_class,
                     tuning_angles=tuning, provenance=provenance)
