"""The users' trained-network HDF5 (``ckpt_51978-153.h5`` and the like), read and written.

Layout (``docs/formats.md`` section 1): per-node-type GLIF3 parameters in physical units under
``neurons/glif3_params``, the node type of each neuron, recurrent and LGN synapses as parallel
arrays with weights divided by the target's ``vs = V_th - E_L``, raw recurrent delays in ms,
optional background weights (``10 * b / vs``, either ``input/bkg_weights`` (N, 4) or
``background/weights``), and the readout pools.

:func:`read_users_h5` returns a :class:`~pynn_glif3.model.network.V1Network` in physical units:
recurrent and input weights ``stored * vs[target]`` pA, background ``b = stored * vs / 10`` pA per
count.  It accepts the good variants (with ``input/bkg_weights``, with ``background/weights``, or
without background weights) and rejects the known broken one (a converter that stored the
checkpoint's ``exp(-dt / tau_syn)`` in place of ``tau_syn`` and delay-offset source indices).

:class:`UsersH5Writer` writes the layout, in chunks if wanted; :func:`write_users_h5` writes a
:class:`V1Network`.
"""

import os

import numpy as np

from ..model import CELL_PARAMETERS, N_RECEPTORS, PHYSICAL_COLUMNS
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.network import CELL_CLASSES, V1Network, cell_class_of_pop_name
from ._common import (FormatError, attr, check_length, check_range, dataset, decode, guard, has, num,
                      open_h5, physical, read, text, texts, where)

FORMAT = "users-trained-h5"
PARAMS_GROUP = "neurons/glif3_params"
#: Per-type parameter datasets: name -> number of columns (None: a vector).
TYPE_PARAMS = {name: PHYSICAL_COLUMNS[name] for name in CELL_PARAMETERS}
#: Names of the checkpoint's normalised per-neuron variables; a file holding these in place of the
#: physical parameters was written by the broken converter variant.
_CHECKPOINT_NAMES = ("syn_decay", "psc_initial", "v_th", "e_l", "voltage_scale", "current_factor")
_BROKEN_HINT = ("this is the known broken converter variant (it stored the checkpoint's "
                "exp(-dt/tau_syn) and normalised per-neuron values in place of the physical per-type "
                "parameters, and delay-offset source indices); convert the checkpoint again with a "
                "converter that writes tau_syn in ms, or read the checkpoint and pickles directly "
                "with pynn_glif3.io.training_pickles")


@guard()
def read_users_h5(path, n_readout_classes=None):
    """Read a users' trained-network HDF5 file into a :class:`V1Network` (physical units).

    ``n_readout_classes`` overrides the file's ``n_output`` attribute for splitting
    ``readout/neuron_ids`` into class-major pools.  Raises :class:`FormatError` naming the file and
    dataset for any missing, mis-shaped, out-of-range or non-finite content.
    """
    path = os.fspath(path)
    with open_h5(path) as f:
        return _read(f, path, n_readout_classes)


def _read(f, path, n_readout_classes):
    notes = []
    if not has(f, PARAMS_GROUP):
        raise FormatError(f"{where(path, PARAMS_GROUP)}: missing group (required); expected the "
                          f"per-node-type GLIF3 parameters {', '.join(TYPE_PARAMS)}")
    group = f[PARAMS_GROUP]
    present = set(group.keys()) if hasattr(group, "keys") else set()
    if "tau_syn" not in present and present & set(_CHECKPOINT_NAMES):
        raise FormatError(f"{where(path, PARAMS_GROUP)}: holds {sorted(present & set(_CHECKPOINT_NAMES))} "
                          f"but no tau_syn: {_BROKEN_HINT}")

    # --- neurons -----------------------------------------------------------------------------
    type_ids = read(f, "neurons/node_type_ids", path, ndim=1, kind="i")
    n = type_ids.size
    n_attr = attr(f, "n_neurons", path, kind="i")
    if n_attr is not None and n_attr != n:
        raise FormatError(f"{where(path, 'neurons/node_type_ids')}: has {n} entries but the file "
                          f"attribute n_neurons is {n_attr}; the dataset is truncated or the "
                          f"attribute is wrong")
    c_m = read(f, f"{PARAMS_GROUP}/C_m", path, ndim=1, kind="f")
    n_types = c_m.size
    table = {"C_m": c_m.astype(np.float64)}
    for name, cols in TYPE_PARAMS.items():
        if name == "C_m":
            continue
        shape = (n_types,) if cols is None else (n_types, cols)
        table[name] = read(f, f"{PARAMS_GROUP}/{name}", path, shape=shape, kind="f").astype(np.float64)
    tau = table["tau_syn"]
    if tau.size and np.all(np.isfinite(tau)) and np.all(tau < 1.0) and np.all(tau > 0.0):
        raise FormatError(f"{where(path, PARAMS_GROUP + '/tau_syn')}: every entry is below 1 ms "
                          f"({tau.min():.4g}..{tau.max():.4g}): these are exp(-dt/tau_syn) factors, "
                          f"not time constants in ms; {_BROKEN_HINT}")
    physical(table, where(path, PARAMS_GROUP))
    check_range(type_ids, 0, n_types, where(path, "neurons/node_type_ids"), "node type ids")
    type_names = None
    if has(f, "neurons/node_type_names"):
        raw = read(f, "neurons/node_type_names", path, shape=(n_types,))
        type_names = tuple(decode(s) for s in raw.tolist())

    pos_names = [f"neurons/positions_{c}" for c in "xyz"]
    pos_present = [has(f, p) for p in pos_names]
    positions = None
    if any(pos_present):
        if not all(pos_present):
            missing = [p for p, ok in zip(pos_names, pos_present) if not ok]
            raise FormatError(f"{where(path, missing[0])}: missing dataset while "
                              f"{', '.join(p for p, ok in zip(pos_names, pos_present) if ok)} exist; "
                              f"expected all three coordinates or none")
        positions = np.stack([read(f, p, path, shape=(n,), kind="f", finite=True).astype(np.float64)
                              for p in pos_names], axis=1)

    # --- recurrent synapses ------------------------------------------------------------------
    names = ["recurrent/sources", "recurrent/targets", "recurrent/receptor_types",
             "recurrent/weights", "recurrent/delays"]
    arrays = [read(f, names[0], path, ndim=1, kind="i"), read(f, names[1], path, ndim=1, kind="i"),
              read(f, names[2], path, ndim=1, kind="i"),
              read(f, names[3], path, ndim=1, kind="f", finite=True),
              read(f, names[4], path, ndim=1, kind="f", finite=True)]
    check_length(arrays, [where(path, x) for x in names])
    src, tgt, rec, w, delay = arrays
    beyond = np.count_nonzero(src >= n) if src.size else 0
    if beyond > max(1, src.size // 100) and src.min() >= 0 and src.max() < 64 * n:
        raise FormatError(f"{where(path, names[0])}: {beyond} of {src.size} source indices are >= "
                          f"N = {n} (up to {src.max()}): values source + N*(delay-1) are the "
                          f"training code's delay-offset columns: {_BROKEN_HINT}")
    check_range(src, 0, n, where(path, names[0]), "neuron indices")
    check_range(tgt, 0, n, where(path, names[1]), "neuron indices")
    check_range(rec, 0, N_RECEPTORS, where(path, names[2]), "receptor types")
    if delay.size and delay.min() < 0:
        bad = int(np.flatnonzero(delay < 0)[0])
        raise FormatError(f"{where(path, names[4])}: entry {bad} is {num(delay[bad])} ms; expected "
                          f"delays >= 0 ms")

    # --- input synapses ----------------------------------------------------------------------
    names = ["input/sources", "input/targets", "input/receptor_types", "input/weights"]
    arrays = [read(f, names[0], path, ndim=1, kind="i"), read(f, names[1], path, ndim=1, kind="i"),
              read(f, names[2], path, ndim=1, kind="i"),
              read(f, names[3], path, ndim=1, kind="f", finite=True)]
    check_length(arrays, [where(path, x) for x in names])
    isrc, itgt, irec, iw = arrays
    n_input = attr(f, "n_input", path, kind="i")
    if n_input is None:
        n_input = int(isrc.max()) + 1 if isrc.size else 0
        notes.append("no n_input attribute: the number of LGN units is taken as the largest "
                     "source index + 1")
    check_range(isrc, 0, n_input, where(path, names[0]), "LGN unit indices")
    check_range(itgt, 0, n, where(path, names[1]), "neuron indices")
    check_range(irec, 0, N_RECEPTORS, where(path, names[2]), "receptor types")

    # --- background --------------------------------------------------------------------------
    bkg, variant = None, "no background weights"
    for name, label in (("input/bkg_weights", "input/bkg_weights"),
                        ("background/weights", "background/weights")):
        if has(f, name):
            ds = dataset(f, name, path)
            if ds.shape not in ((n, N_RECEPTORS), (n * N_RECEPTORS,)):
                raise FormatError(f"{where(path, name)}: has shape {ds.shape}, expected "
                                  f"({n}, {N_RECEPTORS}) or ({n * N_RECEPTORS},) (receptor-minor)")
            bkg = read(f, name, path, kind="f", finite=True).reshape(n, N_RECEPTORS)
            variant = f"background weights in {label}"
            break
    if bkg is None:
        notes.append("the file has no background weights (older converter)")

    # --- readout -----------------------------------------------------------------------------
    readout = None
    if has(f, "readout/neuron_ids"):
        ids = read(f, "readout/neuron_ids", path, kind="i")
        n_out = n_readout_classes if n_readout_classes is not None else attr(f, "n_output", path, kind="i")
        w_ids = where(path, "readout/neuron_ids")
        if ids.ndim == 2:
            if n_out is not None and ids.shape[0] != n_out:
                raise FormatError(f"{w_ids}: has shape {ids.shape}, expected {n_out} rows (n_output)")
            readout = ids
        elif ids.ndim == 1:
            if n_out is None:
                raise FormatError(f"{w_ids}: cannot split {ids.size} ids into classes: the file has "
                                  f"no n_output attribute; pass n_readout_classes")
            if n_out <= 0 or ids.size % n_out:
                raise FormatError(f"{w_ids}: has {ids.size} entries, expected a multiple of "
                                  f"n_output = {n_out} (class-major pools)")
            readout = ids.reshape(n_out, ids.size // n_out)
        else:
            raise FormatError(f"{w_ids}: has shape {ids.shape}, expected (n_output * pool_size,)")
        check_range(readout.ravel(), 0, n, w_ids, "neuron indices")
    else:
        notes.append("the file has no readout/neuron_ids")

    provenance = {"source": os.path.abspath(path), "format": FORMAT, "variant": variant,
                  "notes": notes}
    for key in ("generator", "seed", "generator_version"):
        value = attr(f, key, path)
        if value is not None:
            provenance[key] = decode(value) if isinstance(value, (bytes, np.bytes_, str)) else value
    return network_from_arrays(
        type_ids, table, (src, tgt, rec, w, delay), (isrc, itgt, irec, iw), n_input,
        bkg_stored=bkg, readout_ids=readout, positions=positions, node_type_names=type_names,
        provenance=provenance)


def network_from_arrays(node_type_ids, type_params, recurrent, inputs, n_input, bkg_stored=None,
                        readout_ids=None, positions=None, node_type_names=None, provenance=None):
    """A V1Network from arrays in the users' layout (checked already).

    ``recurrent`` = (sources, targets, receptors, normalised weights, delays ms), ``inputs`` =
    (sources, targets, receptors, normalised weights), ``bkg_stored`` (N, 4) = 10 * b / vs.
    Values are taken to float64 first; weights become ``stored * vs[target]`` pA and background
    weights ``stored * vs / 10`` pA per count, with ``vs = V_th - E_L`` of the neuron's type.
    """
    type_ids = np.asarray(node_type_ids, dtype=np.int64)
    table = {k: np.asarray(v, dtype=np.float64) for k, v in type_params.items()}
    neurons = NeuronParameters(**{k: v[type_ids] for k, v in table.items()})
    vs = (table["V_th"] - table["E_L"])[type_ids]
    src, tgt, rec, w, delay = recurrent
    tgt = np.asarray(tgt, dtype=np.int64)
    rec_syn = Synapses(src, tgt, rec, np.asarray(w, dtype=np.float64) * vs[tgt],
                       np.asarray(delay, dtype=np.float64))
    isrc, itgt, irec, iw = inputs
    itgt = np.asarray(itgt, dtype=np.int64)
    in_syn = Synapses(isrc, itgt, irec, np.asarray(iw, dtype=np.float64) * vs[itgt])
    bkg = None
    if bkg_stored is not None:
        bkg = np.asarray(bkg_stored, dtype=np.float64).reshape(-1, N_RECEPTORS) * vs[:, None] / 10.0
    cell_class = None
    if node_type_names is not None:
        codes = np.array([CELL_CLASSES.index(c) if (c := cell_class_of_pop_name(s)) else -1
                          for s in node_type_names], dtype=np.int64)
        cell_class = codes[type_ids] if codes.size else np.zeros(type_ids.size, np.int64)
    provenance = dict(provenance or {})
    provenance.setdefault("weights", "stored weight * vs of the target (pA)")
    provenance.setdefault("bkg_weights", None if bkg is None else
                          "stored * vs / 10 (pA per background count)")
    return V1Network(neurons=neurons, recurrent=rec_syn, inputs=in_syn, n_inputs=n_input,
                     bkg_weights=bkg, readout_ids=readout_ids,
                     positions=None if positions is None else np.asarray(positions, np.float64),
                     node_type_ids=type_ids, node_type_names=node_type_names,
                     cell_class=cell_class, provenance=provenance)


# ---------------------------------------------------------------------------------------------
class UsersH5Writer:
    """Write the users' layout, with synapses appended in chunks.

    Use as a context manager::

        with UsersH5Writer(path, n_input=17400, n_output=10) as w:
            w.write_neurons(node_type_ids, type_params, positions)
            w.append_recurrent(src, tgt, receptor, weights_normalised, delays_ms)   # repeatable
            w.append_input(src, tgt, receptor, weights_normalised)                  # repeatable
            w.write_background(stored)          # (N, 4) = 10 * b / vs, or None
            w.write_readout(readout_ids)        # (n_classes, pool) -> class-major (K,)

    ``background="input"`` writes ``input/bkg_weights`` (N, 4) (newer files); ``"background"``
    writes ``background/weights`` flat (4N,) (the other good variant).  Arrays are stored with the
    dtypes of the users' files (int32 indices, float32 values, int64 node types).
    """

    def __init__(self, path, n_input, n_output, background="input", compression=None, attrs=None):
        if background not in ("input", "background"):
            raise ValueError("background must be 'input' or 'background'")
        self.path = os.fspath(path)
        self.n_input, self.n_output = int(n_input), int(n_output)
        self.background = background
        self.compression = compression
        self._attrs = dict(attrs or {})
        self._f = None
        self.n = None

    def __enter__(self):
        import h5py
        self._f = h5py.File(self.path, "w", track_order=False)
        self._f.attrs["n_input"] = np.int64(self.n_input)
        self._f.attrs["n_output"] = np.int64(self.n_output)
        for k, v in self._attrs.items():
            self._f.attrs[k] = text(v) if isinstance(v, str) else v
        self._growing = {}
        return self

    def __exit__(self, *exc):
        self._f.close()
        self._f = None
        return False

    def _create(self, name, data, dtype):
        self._f.create_dataset(name, data=np.asarray(data, dtype=dtype), compression=self.compression)

    def write_neurons(self, node_type_ids, type_params, positions=None, node_type_names=None):
        """``type_params``: mapping of the 9 physical per-type arrays (see :data:`TYPE_PARAMS`)."""
        ids = np.asarray(node_type_ids, dtype=np.int64)
        self.n = ids.size
        self._f.attrs["n_neurons"] = np.int64(self.n)
        self._create("neurons/node_type_ids", ids, np.int64)
        if positions is not None:
            pos = np.asarray(positions)
            for i, c in enumerate("xyz"):
                self._create(f"neurons/positions_{c}", pos[:, i], np.float32)
        for name in TYPE_PARAMS:
            self._create(f"{PARAMS_GROUP}/{name}", type_params[name], np.float32)
        if node_type_names is not None:
            self._f.create_dataset("neurons/node_type_names", data=texts(node_type_names))

    def _append(self, name, values, dtype):
        values = np.asarray(values, dtype=dtype).ravel()
        ds = self._growing.get(name)
        if ds is None:
            chunk = 1 << 18
            ds = self._f.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype,
                                        chunks=(chunk,), compression=self.compression)
            self._growing[name] = ds
        start = ds.shape[0]
        ds.resize((start + values.size,))
        ds[start:] = values

    def append_recurrent(self, source, target, receptor, weight, delay):
        """Append recurrent synapses: weights already divided by the target's vs; delays in ms."""
        for name, v, dt in (("sources", source, np.int32), ("targets", target, np.int32),
                            ("receptor_types", receptor, np.int32), ("weights", weight, np.float32),
                            ("delays", delay, np.float32)):
            self._append(f"recurrent/{name}", v, dt)

    def append_input(self, source, target, receptor, weight):
        for name, v, dt in (("sources", source, np.int32), ("targets", target, np.int32),
                            ("receptor_types", receptor, np.int32), ("weights", weight, np.float32)):
            self._append(f"input/{name}", v, dt)

    def ensure_synapse_datasets(self):
        """Create empty synapse datasets that were never appended to."""
        for name, dt in (("sources", np.int32), ("targets", np.int32), ("receptor_types", np.int32),
                         ("weights", np.float32), ("delays", np.float32)):
            if f"recurrent/{name}" not in self._growing:
                self._append(f"recurrent/{name}", [], dt)
            if name != "delays" and f"input/{name}" not in self._growing:
                self._append(f"input/{name}", [], dt)

    def write_background(self, stored):
        """``stored``: (N, 4) values of ``10 * b / vs`` (None: write nothing, as older files)."""
        if stored is None:
            return
        stored = np.asarray(stored, dtype=np.float32).reshape(-1, N_RECEPTORS)
        if self.background == "input":
            self._create("input/bkg_weights", stored, np.float32)
        else:
            self._create("background/weights", stored.ravel(), np.float32)

    def write_readout(self, readout_ids):
        if readout_ids is None:
            return
        self._create("readout/neuron_ids", np.asarray(readout_ids).ravel(), np.int32)


def type_table(network):
    """(node_type_ids, per-type parameter table) of a V1Network: its own node types if the
    parameters are uniform within each type (types without neurons get the first neuron's
    parameters, so the table stays valid), else one type per distinct parameter set."""
    p = network.neurons
    cols = [getattr(p, name).reshape(p.n, -1) for name in TYPE_PARAMS]
    flat = np.column_stack(cols) if p.n else np.zeros((0, 1))
    if network.node_type_ids is not None and p.n:
        t = network.node_type_ids
        n_types = max(int(t.max()) + 1, len(network.node_type_names or ()))
        rep = np.zeros(n_types, dtype=np.int64)          # unused types: neuron 0
        rep[t[::-1]] = np.arange(t.size)[::-1]           # first neuron of each type
        if np.array_equal(flat, flat[rep[t]]):
            return t, {name: getattr(p, name)[rep] for name in TYPE_PARAMS}
    _, first, ids = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    return ids.ravel(), {name: getattr(p, name)[first] for name in TYPE_PARAMS}


def write_users_h5(path, network, background="input", compression=None):
    """Write a :class:`V1Network` in the users' layout (weights divided by vs, float32).

    This is lossy: the users' layout stores float32 values and per-type parameters.
    """
    type_ids, table = type_table(network)
    vs = network.vs
    n_out = 0 if network.readout_ids is None else network.readout_ids.shape[0]
    with UsersH5Writer(path, network.n_inputs, n_out, background=background,
                       compression=compression) as w:
        names = network.node_type_names if (network.node_type_ids is not None and
                                            np.array_equal(type_ids, network.node_type_ids)) else None
        w.write_neurons(type_ids, table, network.positions, names)
        r = network.recurrent
        w.append_recurrent(r.source, r.target, r.receptor, r.weight / vs[r.target], r.delay)
        i = network.inputs
        w.append_input(i.source, i.target, i.receptor, i.weight / vs[i.target])
        w.ensure_synapse_datasets()
        w.write_background(None if network.bkg_weights is None else
                           network.bkg_weights * 10.0 / vs[:, None])
        w.write_readout(network.readout_ids)
