"""The training code's own files: ``network_dat.pkl``, ``input_dat.pkl`` and the TF checkpoint.

``network_dat.pkl`` holds the whole Billeh V1 model by node type (``nodes``: ``ids`` and physical
``params``) and edge type (``edges``: ``source``/``target`` node ids, ``params`` with a ``weight``
array in pA, a scalar ``delay`` in ms and ``receptor_type`` 1..4).  ``input_dat.pkl`` is a list of
input populations, LGN first (17,400 units) and the background second, each
``(population, [edge types])``.  The training code keeps the "core": the neurons within
``core_radius`` (400 µm) of the column axis, ``sqrt(x^2 + z^2) < 400`` with x, z from
``network/v1_nodes.h5``; a neuron's index is its rank among the kept node ids.

The checkpoint (TensorBundle) stores the trained values under the training code's variable
names: ``model/layer_with_weights-1/cell/recurrent_indices`` (row ``4 * target + receptor``,
column ``source + N * (delay_steps - 1)``), ``recurrent_weight_values`` (divided by the target's
``vs``), the per-neuron normalised parameters, and under ``model/layer_with_weights-0/``
``_indices``, ``_weights`` (LGN) and ``_bkg_weights`` (``10 * b / vs``, receptor-minor).

The training code's ``load_sparse.load_network`` builds the synapse arrays edge type after edge
type, then sorts ``indices`` and ``weights`` into its order (``sort_indices``) but leaves
``delays`` in edge order: the synapse at sorted position ``i`` runs with the delay of the edge that
sat at position ``i`` before sorting, and the trained network and its checkpoint carry those
delays.  :func:`load_training_network` reproduces that by default (``delays="training"``) and
reports how many synapses it gives another edge's delay; ``delays="edge"`` gives every synapse its
own edge type's delay.

The checkpoint has lost the raw delays: they come back as whole steps (``steps * dt`` ms, after
the training clip to ``[dt, max_delay]``).  Given the pickles as well, :func:`load_training_network`
takes the structure and the raw delays from the pickles, the trained weights from the checkpoint,
and checks that the two describe the same synapses.

Pickles can run code when loaded: read only files you trust.  TensorFlow is imported only when a
checkpoint is read.
"""

import csv
import os
import pickle
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from ..model import (CELL_PARAMETERS, N_ASC, N_RECEPTORS, PHYSICAL_COLUMNS, TRAINING_MAX_DELAY_MS,
                     delay_steps)
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.network import CELL_CLASSES, V1Network, cell_class_of_pop_name
from ._common import FormatError, check_range, guard, num, open_h5, physical, read, where

FORMAT = "training-pickles"
CELL_PREFIX = "model/layer_with_weights-1/cell/"
INPUT_PREFIX = "model/layer_with_weights-0/"
SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
CORE_RADIUS_UM = 400.0
#: ``delays=`` of :func:`load_training_network`: the training code's assignment, or each edge's own.
DELAY_ASSIGNMENTS = ("training", "edge")
_NODE_PARAMS = {name: PHYSICAL_COLUMNS[name] for name in CELL_PARAMETERS}


# ---------------------------------------------------------------------------------------------
# pickles
def _load_pickle(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
            TypeError, ValueError) as e:
        raise FormatError(f"{path}: cannot be unpickled ({type(e).__name__}: {e}); the file is "
                          f"truncated or not a pickle") from None


def _get(obj, key, w, kinds=(dict,)):
    if not isinstance(obj, kinds):
        raise FormatError(f"{w}: expected a {' or '.join(k.__name__ for k in kinds)}, "
                          f"found {type(obj).__name__}")
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError):
        raise FormatError(f"{w}[{key!r}]: missing (required)") from None


def _array(value, w, kind, ndim=1, length=None):
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001
        raise FormatError(f"{w}: not an array") from None
    if arr.ndim != ndim:
        raise FormatError(f"{w}: has shape {arr.shape}, expected {ndim} dimension(s)")
    ok = arr.dtype.kind in ("iu" if kind == "i" else "fiu")
    if not ok:
        raise FormatError(f"{w}: has dtype {arr.dtype}, expected {'integers' if kind == 'i' else 'numbers'}")
    if length is not None and arr.shape[0] != length:
        raise FormatError(f"{w}: has {arr.shape[0]} entries, expected {length} (as 'source'); "
                          f"truncated or mismatched arrays")
    if kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise FormatError(f"{w}: entry {bad} is {num(arr.ravel()[bad])}; expected finite numbers")
    return arr


@guard()
def read_node_positions(nodes_h5, population="v1"):
    """(x, y, z) in µm of every node of ``population`` in a SONATA nodes file, in node-id order.

    The training code requires ``node_id`` to be 0, 1, 2, ...; so does this reader.
    """
    path = os.fspath(nodes_h5)
    base = f"nodes/{population}"
    with open_h5(path) as f:
        ids = read(f, f"{base}/node_id", path, ndim=1, kind="i")
        if ids.size and not np.array_equal(ids, np.arange(ids.size)):
            raise FormatError(f"{where(path, base + '/node_id')}: expected node ids 0, 1, 2, ... "
                              f"(row order), as the training code assumes")
        xyz = [read(f, f"{base}/0/{c}", path, shape=(ids.size,), kind="f", finite=True)
               .astype(np.float64) for c in "xyz"]
    return np.stack(xyz, axis=1)


def _node_type_csv(path):
    """Rows of a space-delimited SONATA node types CSV as dicts."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FormatError(f"{path}: no such file")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter=" ", skipinitialspace=True))
    if not rows or "pop_name" not in rows[0]:
        raise FormatError(f"{path}: expected a space-delimited table with a 'pop_name' column")
    return rows


@guard()
def load_training_network(network_pkl, input_pkl, nodes_h5, checkpoint=None,
                          core_radius=CORE_RADIUS_UM, node_types_csv=None, n_classes=10,
                          pool_size=30, readout_seed=3000, readout_ids=None, dt=1.0,
                          checkpoint_weight_scale=1.0, delays="training"):
    """The network of the training code's files as a :class:`V1Network` (physical units).

    Parameters
    ----------
    network_pkl, input_pkl : paths of ``network_dat.pkl`` and ``input_dat.pkl``.
    nodes_h5 : path of ``network/v1_nodes.h5`` (positions for the core selection).
    checkpoint : optional TF checkpoint prefix (e.g. ``.../ckpt_51978-153``): its trained
        recurrent, LGN and background weights replace the initial ones of the pickles.
    core_radius : keep neurons with ``sqrt(x^2 + z^2) < core_radius`` µm (None: all).
    node_types_csv : optional ``v1_node_types.csv`` (same row order as the pickle's node types):
        gives the pop names (cell classes) and the readout pools, chosen as the training code does
        (``RandomState(readout_seed).choice`` of L5 excitatory neurons, ``n_classes`` x
        ``pool_size``).  ``readout_ids`` (n_classes, pool_size) overrides.
    dt : step (ms), used to map the checkpoint's whole-step delays.
    checkpoint_weight_scale : multiplies the checkpoint's weight values (for training-code variants
        that store weights divided by a learning-rate scale); 1 for the published code.
    delays : ``"training"`` (default): the delays the training code ran, i.e. synapse ``i`` of the
        training order takes the delay of the ``i``-th synapse in edge order (its loader sorts the
        indices and weights but not the delays); with a checkpoint, the assignment the checkpoint
        carries.  ``"edge"``: every synapse its own edge type's delay.  Either way
        ``provenance["delay_assignment"]`` says how many synapses carry another edge's delay, and a
        warning is issued when most of them change by whole steps.
    """
    network_pkl, input_pkl = os.fspath(network_pkl), os.fspath(input_pkl)
    if delays not in DELAY_ASSIGNMENTS:
        raise ValueError(f"delays must be one of {', '.join(DELAY_ASSIGNMENTS)}; got {delays!r}")
    notes = []
    positions_all = read_node_positions(nodes_h5)
    n_all = positions_all.shape[0]
    if core_radius is None:
        keep = np.ones(n_all, dtype=bool)
    else:
        keep = np.hypot(positions_all[:, 0], positions_all[:, 2]) < float(core_radius)
    bmtk_to_tf = np.full(n_all, -1, dtype=np.int64)
    bmtk_to_tf[keep] = np.arange(int(keep.sum()))
    n = int(keep.sum())

    d = _load_pickle(network_pkl)
    nodes = _get(d, "nodes", network_pkl)
    edges = _get(d, "edges", network_pkl)
    for name, v in (("nodes", nodes), ("edges", edges)):
        if not isinstance(v, (list, tuple)):
            raise FormatError(f"{network_pkl}['{name}']: expected a list, found {type(v).__name__}")
    n_types = len(nodes)
    table = {k: np.zeros((n_types,) if c is None else (n_types, c)) for k, c in _NODE_PARAMS.items()}
    type_all = np.full(n_all, -1, dtype=np.int64)
    for i, node in enumerate(nodes):
        w = f"{network_pkl}['nodes'][{i}]"
        ids = _array(_get(node, "ids", w), f"{w}['ids']", "i")
        check_range(ids, 0, n_all, f"{w}['ids']", f"node ids (of {nodes_h5})")
        if np.any(type_all[ids] >= 0):
            raise FormatError(f"{w}['ids']: node {int(ids[type_all[ids] >= 0][0])} already belongs to "
                              f"node type {int(type_all[ids[type_all[ids] >= 0][0]])}")
        type_all[ids] = i
        params = _get(node, "params", w)
        for key, cols in _NODE_PARAMS.items():
            value = _get(params, key, f"{w}['params']")
            arr = np.asarray(value, dtype=np.float64) if not isinstance(value, str) else None
            expected = () if cols is None else (cols,)
            if arr is None or arr.shape != expected:
                raise FormatError(f"{w}['params'][{key!r}]: has shape "
                                  f"{None if arr is None else arr.shape}, expected {expected or 'a scalar'}")
            table[key][i] = arr
    physical(table, f"{network_pkl}:nodes[*]['params']")
    if np.any(type_all[keep] < 0):
        missing = int(np.flatnonzero(keep & (type_all < 0))[0])
        raise FormatError(f"{network_pkl}['nodes']: node {missing} of {nodes_h5} is in no node type")
    node_type_ids = type_all[keep]
    neurons = NeuronParameters(**{k: v[node_type_ids] for k, v in table.items()})

    # recurrent edges
    parts = []
    for j, edge in enumerate(edges):
        w = f"{network_pkl}['edges'][{j}]"
        src = _array(_get(edge, "source", w), f"{w}['source']", "i")
        tgt = _array(_get(edge, "target", w), f"{w}['target']", "i", length=src.size)
        params = _get(edge, "params", w)
        weight = _array(_get(params, "weight", f"{w}['params']"), f"{w}['params']['weight']", "f",
                        length=src.size)
        delay = _get(params, "delay", f"{w}['params']")
        rtype = _get(params, "receptor_type", f"{w}['params']")
        if np.ndim(delay) != 0 or not np.isfinite(float(delay)) or float(delay) < 0:
            raise FormatError(f"{w}['params']['delay']: is {delay!r}, expected one delay >= 0 ms")
        if np.ndim(rtype) != 0 or int(rtype) != rtype or not 1 <= int(rtype) <= N_RECEPTORS:
            raise FormatError(f"{w}['params']['receptor_type']: is {rtype!r}, expected 1..{N_RECEPTORS}")
        check_range(src, 0, n_all, f"{w}['source']", f"node ids (of {nodes_h5})")
        check_range(tgt, 0, n_all, f"{w}['target']", f"node ids (of {nodes_h5})")
        s, t = bmtk_to_tf[src], bmtk_to_tf[tgt]
        ok = (s >= 0) & (t >= 0)
        parts.append((s[ok], t[ok], np.full(int(ok.sum()), int(rtype) - 1),
                      weight[ok].astype(np.float64), np.full(int(ok.sum()), float(delay))))
    src, tgt, rec, wgt, dly = (np.concatenate([p[i] for p in parts]) if parts else np.zeros(0)
                               for i in range(5))
    order = training_order(tgt * N_RECEPTORS + rec, src)
    # the training code's loader leaves the delays in edge order (see the module's docstring)
    edge_delays, training_delays = dly[order], dly
    recurrent = Synapses(src[order], tgt[order], rec[order], wgt[order], edge_delays)

    # inputs: LGN and background
    lgn, bkg = _read_inputs(input_pkl, bmtk_to_tf, n_all, n, nodes_h5, notes)
    inputs, n_inputs = lgn

    variant = "initial weights of the pickles"
    ran = training_delays                 # the delays the training code ran
    if checkpoint is not None:
        ck = read_checkpoint(checkpoint, dt=dt, weight_scale=checkpoint_weight_scale)
        recurrent, inputs, bkg, ran = _merge_checkpoint(ck, neurons, recurrent, inputs, n_inputs, dt,
                                                        network_pkl, os.fspath(checkpoint),
                                                        training_delays)
        variant = "trained weights of the checkpoint"
        which = ("as the training code assigns them" if ran is training_delays
                 else "each synapse its own edge's delay")
        notes.append(f"the checkpoint's recurrent delays ({ck['max_delay_steps']} steps at most) "
                     f"agree with the pickles' raw delays, {which}; the raw delays are kept")
    report = DelayAssignment.of(recurrent.delay, ran, dt, delays)
    if delays == "training":
        recurrent = Synapses(recurrent.source, recurrent.target, recurrent.receptor,
                             recurrent.weight, ran)
    notes.append(str(report))
    if report.most_change_steps:
        warnings.warn(f"{network_pkl}: most synapses change: {report}", stacklevel=3)

    type_names, cell_class = None, None
    if node_types_csv is not None:
        rows = _node_type_csv(node_types_csv)
        if len(rows) != n_types:
            raise FormatError(f"{os.fspath(node_types_csv)}: has {len(rows)} node types, "
                              f"{network_pkl} has {n_types}; expected the same types in the same order")
        type_names = tuple(r["pop_name"] for r in rows)
        codes = np.array([CELL_CLASSES.index(c) if (c := cell_class_of_pop_name(s)) else -1
                          for s in type_names], dtype=np.int64)
        cell_class = codes[node_type_ids]
        if readout_ids is None and n_classes:
            l5e_types = [i for i, s in enumerate(type_names) if s.startswith("e5")]
            l5e = np.flatnonzero(np.isin(node_type_ids, l5e_types))
            if l5e.size < n_classes * pool_size:
                raise FormatError(f"{os.fspath(node_types_csv)}: {l5e.size} L5 excitatory neurons in the "
                                  f"selection, {n_classes} x {pool_size} needed for the readout")
            rs = np.random.RandomState(seed=readout_seed)
            readout_ids = rs.choice(l5e, size=n_classes * pool_size, replace=False).reshape(
                n_classes, pool_size)
            notes.append(f"readout pools drawn as the training code does (RandomState({readout_seed}))")
    provenance = {"source": network_pkl, "inputs": input_pkl, "nodes": os.fspath(nodes_h5),
                  "checkpoint": None if checkpoint is None else os.fspath(checkpoint),
                  "format": FORMAT, "variant": variant,
                  "core_radius_um": None if core_radius is None else float(core_radius),
                  "delays": delays, "delay_assignment": asdict(report), "delay_report": str(report),
                  "notes": notes}
    return V1Network(neurons=neurons, recurrent=recurrent, inputs=inputs, n_inputs=n_inputs,
                     bkg_weights=bkg, readout_ids=readout_ids, positions=positions_all[keep],
                     node_type_ids=node_type_ids, node_type_names=type_names,
                     cell_class=cell_class, provenance=provenance)


def training_order(rows, columns):
    """The permutation into the training code's synapse order: by row (``4 * target + receptor``),
    then column (source), as its ``sort_indices`` orders ``row * (max + 1) + column``.  Stable,
    so synapses with the same row and column keep their edge order (the training code's
    quicksort may order such duplicates otherwise)."""
    return np.lexsort((np.asarray(columns), np.asarray(rows)))


@dataclass
class DelayAssignment:
    """How the delays the training code ran differ from each synapse's own edge's delay."""
    n_synapses: int
    other_edge: int          # synapses the training code ran with another edge's delay (ms differ)
    other_steps: int         # ... and by a different number of steps under the training rule
    chosen: str              # "training" or "edge": the delays of the loaded network

    @classmethod
    def of(cls, edge_delays_ms, ran_delays_ms, dt, chosen):
        edge, ran = np.asarray(edge_delays_ms, float), np.asarray(ran_delays_ms, float)
        steps = lambda d: delay_steps(d, dt, TRAINING_MAX_DELAY_MS)  # noqa: E731
        return cls(int(edge.size), int(np.count_nonzero(edge != ran)),
                   int(np.count_nonzero(steps(edge) != steps(ran))), chosen)

    @property
    def most_change_steps(self):
        return self.other_steps > self.n_synapses / 2

    def __str__(self):
        what = ("the loaded network keeps the delays the training code ran (delays='edge' gives "
                "each synapse its own)" if self.chosen == "training" else
                "the loaded network gives each synapse its own edge's delay instead (delays='edge')")
        return (f"delays: the training code ran {self.other_edge} of {self.n_synapses} synapses "
                f"with the delay of another edge than their own ({self.other_steps} by a different "
                f"number of steps); {what}")


def read_training_dir(network_pkl, delays="training", **kwargs):
    """:func:`load_training_network` with the files laid out as the training code reads them:
    ``input_dat.pkl`` next to ``network_dat.pkl``, and ``network/v1_nodes.h5`` and (for the
    readout pools, when present) ``network/v1_node_types.csv`` below that directory.  ``kwargs``
    go to :func:`load_training_network` (e.g. ``checkpoint=``) and override these paths."""
    network_pkl = os.fspath(network_pkl)
    base = os.path.dirname(os.path.abspath(network_pkl))
    found = dict(input_pkl=os.path.join(base, "input_dat.pkl"),
                 nodes_h5=os.path.join(base, "network", "v1_nodes.h5"))
    for name, path in found.items():
        if name not in kwargs and not os.path.exists(path):
            raise FormatError(f"{network_pkl}: the training code's files are incomplete: no {path} "
                              f"(expected next to network_dat.pkl as the training code lays them out)")
    csv_path = os.path.join(base, "network", "v1_node_types.csv")
    if os.path.exists(csv_path):
        found["node_types_csv"] = csv_path
    found.update(kwargs)
    return load_training_network(network_pkl, delays=delays, **found)


def _read_inputs(input_pkl, bmtk_to_tf, n_all, n, nodes_h5, notes):
    d = _load_pickle(input_pkl)
    if not isinstance(d, (list, tuple)) or len(d) < 2:
        raise FormatError(f"{input_pkl}: expected a list of input populations [LGN, background], "
                          f"found {type(d).__name__}{'' if not hasattr(d, '__len__') else f' of length {len(d)}'}")
    results = []
    for p, label in ((0, "LGN"), (1, "background")):
        w = f"{input_pkl}[{p}]"
        item = d[p]
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise FormatError(f"{w}: expected ({label} population, [edge types])")
        pop, edges = item
        n_units = np.asarray(_get(pop, "ids", f"{w}[0]")).size
        if not isinstance(edges, (list, tuple)):
            raise FormatError(f"{w}[1]: expected a list of edge types, found {type(edges).__name__}")
        parts = []
        for j, edge in enumerate(edges):
            we = f"{w}[1][{j}]"
            src = _array(_get(edge, "source", we), f"{we}['source']", "i")
            tgt = _array(_get(edge, "target", we), f"{we}['target']", "i", length=src.size)
            params = _get(edge, "params", we)
            weight = np.broadcast_to(_array(np.atleast_1d(_get(params, "weight", f"{we}['params']")),
                                            f"{we}['params']['weight']", "f"), src.shape)
            rtype = _get(params, "receptor_type", f"{we}['params']")
            if np.ndim(rtype) != 0 or int(rtype) != rtype or not 1 <= int(rtype) <= N_RECEPTORS:
                raise FormatError(f"{we}['params']['receptor_type']: is {rtype!r}, expected 1..{N_RECEPTORS}")
            check_range(src, 0, n_units, f"{we}['source']", f"{label} unit indices")
            check_range(tgt, 0, n_all, f"{we}['target']", f"node ids (of {nodes_h5})")
            t = bmtk_to_tf[tgt]
            ok = t >= 0
            parts.append((src[ok], t[ok], np.full(int(ok.sum()), int(rtype) - 1),
                          np.asarray(weight, dtype=np.float64)[ok]))
        arrays = [np.concatenate([q[i] for q in parts]) if parts else np.zeros(0, np.int64)
                  for i in range(4)]
        results.append((n_units, arrays))
    (n_lgn, (src, tgt, rec, wgt)) = results[0]
    order = training_order(tgt * N_RECEPTORS + rec, src)
    lgn = Synapses(src[order], tgt[order], rec[order], wgt[order])
    _, (bsrc, btgt, brec, bw) = results[1]
    bkg = np.zeros((n, N_RECEPTORS))
    flat = btgt * N_RECEPTORS + brec
    if np.unique(flat).size != flat.size:
        notes.append("several background edges onto the same neuron and receptor: the last one is "
                     "kept, as the training code's assignment does")
    # last occurrence wins, deterministically
    rev = flat[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    last = flat.size - 1 - first_in_rev
    bkg.reshape(-1)[flat[last]] = bw[last]
    return (lgn, n_lgn), bkg


# ---------------------------------------------------------------------------------------------
# checkpoint
def _checkpoint_reader(path):
    path = os.fspath(path)
    try:
        import tensorflow as tf
    except ImportError:
        raise ImportError("reading a TF checkpoint needs TensorFlow: pip install 'pynn_glif3[tf]'") from None
    try:
        reader = tf.train.load_checkpoint(path)
    except Exception as e:  # noqa: BLE001 - TF raises several error types here
        raise FormatError(f"{path}: cannot be read as a TensorFlow checkpoint ({type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}); give the prefix, e.g. "
                          f"'.../ckpt_51978-153'") from None
    return reader, set(reader.get_variable_to_shape_map())


def _key(keys, prefix, name, path, required=True):
    exact = f"{prefix}{name}{SUFFIX}"
    if exact in keys:
        return exact
    tail = f"/{name}{SUFFIX}"
    found = sorted(k for k in keys if k.endswith(tail) and ".OPTIMIZER_SLOT" not in k)
    if len(found) == 1:
        return found[0]
    if not required:
        return None
    if found:
        raise FormatError(f"{path}: several variables named {name!r} ({', '.join(found)}); expected "
                          f"{exact}")
    raise FormatError(f"{path}: missing variable {exact} (the training code's name)")


def _tensor(reader, keys, prefix, name, path, shape=None, required=True):
    key = _key(keys, prefix, name, path, required)
    if key is None:
        return None
    try:
        value = np.asarray(reader.get_tensor(key))
    except Exception as e:  # noqa: BLE001
        raise FormatError(f"{path}:{key}: cannot be read ({e}); the checkpoint is damaged") from None
    if shape is not None and (value.ndim != len(shape) or
                              any(s is not None and s != v for s, v in zip(shape, value.shape))):
        raise FormatError(f"{path}:{key}: has shape {value.shape}, expected "
                          f"({', '.join('any' if s is None else str(s) for s in shape)})")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        bad = int(np.flatnonzero(~np.isfinite(value.ravel()))[0])
        raise FormatError(f"{path}:{key}: entry {bad} is {num(value.ravel()[bad])}; expected finite numbers")
    return value


def synapses_from_training_indices(indices, values, n_neurons, vs, dt=1.0, what="recurrent",
                                   n_sources=None):
    """Undo the training code's sparse storage.

    Recurrent (``n_sources`` None): row ``4 * target + receptor``, column
    ``source + N * (delay_steps - 1)`` -> Synapses with delay ``delay_steps * dt`` ms.  Input
    (``n_sources`` given): column = source unit, no delay.  Weights: ``values * vs[target]`` pA.
    Raises ValueError for indices out of range.
    """
    idx = np.asarray(indices, dtype=np.int64).reshape(-1, 2)
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size != idx.shape[0]:
        raise ValueError(f"{what}: {idx.shape[0]} index rows but {values.size} values")
    n = int(n_neurons)
    row, col = idx[:, 0], idx[:, 1]
    if row.size and (row.min() < 0 or row.max() >= N_RECEPTORS * n):
        raise ValueError(f"{what}: row indices span {row.min()}..{row.max()}, expected 0..{N_RECEPTORS * n - 1}")
    if col.size and col.min() < 0:
        raise ValueError(f"{what}: negative column index {col.min()}")
    target, receptor = row // N_RECEPTORS, row % N_RECEPTORS
    weight = values * np.asarray(vs, dtype=np.float64)[target]
    if n_sources is not None:
        if col.size and col.max() >= n_sources:
            raise ValueError(f"{what}: column indices span {col.min()}..{col.max()}, expected 0..{n_sources - 1}")
        return Synapses(col, target, receptor, weight)
    return Synapses(col % n, target, receptor, weight, (col // n + 1) * float(dt))


def read_checkpoint(path, dt=1.0, weight_scale=1.0):
    """The trained network stored in a TF checkpoint with the training code's variable names.

    Returns a dict: ``neurons`` (NeuronParameters derived from the normalised per-neuron
    variables: ``E_L = e_l * vs + offset``, ``V_th``, ``V_reset`` alike, ``g = param_g``,
    ``C_m = g * tau_m`` with ``tau_m = -dt / log(decay)``, ``k = sigmoid(param_k)``,
    ``asc_amps = asc_amps * vs``, ``tau_syn = -dt / log(syn_decay)``; float32 precision),
    ``recurrent`` (Synapses; delays whole steps * dt), ``inputs``, ``n_inputs`` (largest LGN column
    + 1, a lower bound), ``bkg_weights`` ((N, 4) pA: ``stored * vs / 10``), ``max_delay_steps``,
    ``vs``, and the raw arrays ``recurrent_indices``, ``recurrent_values``, ``input_indices``,
    ``input_values``, ``bkg_stored``.
    """
    path = os.fspath(path)
    reader, keys = _checkpoint_reader(path)
    c = lambda name, shape=None, req=True: _tensor(reader, keys, CELL_PREFIX, name, path, shape, req)  # noqa: E731
    vs = c("voltage_scale", (None,)).astype(np.float64)
    n = vs.size
    if n == 0:
        raise FormatError(f"{path}:{CELL_PREFIX}voltage_scale{SUFFIX}: empty")
    offset = c("voltage_offset", (n,)).astype(np.float64)
    v_th, e_l, v_reset = (c(x, (n,)).astype(np.float64) for x in ("v_th", "e_l", "v_reset"))
    g = c("param_g", (n,)).astype(np.float64)
    t_ref = c("t_ref", (n,)).astype(np.float64)
    decay = c("decay", (n,)).astype(np.float64)
    asc = c("asc_amps", (n, N_ASC)).astype(np.float64)
    param_k = c("param_k", (n, N_ASC)).astype(np.float64)
    syn_decay = c("syn_decay", (n, N_RECEPTORS)).astype(np.float64)
    for name, arr in (("decay", decay), ("syn_decay", syn_decay)):
        if np.any((arr <= 0) | (arr >= 1)):
            bad = int(np.flatnonzero(((arr <= 0) | (arr >= 1)).ravel())[0])
            raise FormatError(f"{path}:{CELL_PREFIX}{name}{SUFFIX}: entry {bad} is "
                              f"{num(arr.ravel()[bad])}; expected exp(-dt/tau) in (0, 1)")
    tau_m = -dt / np.log(decay)
    params = dict(E_L=e_l * vs + offset, V_th=v_th * vs + offset, V_reset=v_reset * vs + offset,
                  g=g, C_m=g * tau_m, t_ref=t_ref, k=1.0 / (1.0 + np.exp(-param_k)),
                  asc_amps=asc * vs[:, None], tau_syn=-dt / np.log(syn_decay))
    physical(params, f"{path}:{CELL_PREFIX}*")
    neurons = NeuronParameters(**params)

    rec_idx = c("recurrent_indices", (None, 2))
    rec_val = c("recurrent_weight_values", (rec_idx.shape[0],)) * float(weight_scale)
    i = lambda name, shape=None, req=True: _tensor(reader, keys, INPUT_PREFIX, name, path, shape, req)  # noqa: E731
    in_idx = i("_indices", (None, 2))
    in_val = i("_weights", (in_idx.shape[0],)) * float(weight_scale)
    bkg_stored = i("_bkg_weights", (N_RECEPTORS * n,), req=False)
    try:
        recurrent = synapses_from_training_indices(rec_idx, rec_val, n, vs, dt)
        n_inputs = int(in_idx[:, 1].max()) + 1 if in_idx.size else 0
        inputs = synapses_from_training_indices(in_idx, in_val, n, vs, dt, "input", n_inputs)
    except ValueError as e:
        raise FormatError(f"{path}: {e}") from None
    bkg = None if bkg_stored is None else bkg_stored.astype(np.float64).reshape(n, N_RECEPTORS) * vs[:, None] / 10.0
    max_steps = int(rec_idx[:, 1].max() // n + 1) if rec_idx.size else 1
    return dict(neurons=neurons, recurrent=recurrent, inputs=inputs, n_inputs=n_inputs,
                bkg_weights=bkg, max_delay_steps=max_steps, vs=vs,
                recurrent_indices=rec_idx, recurrent_values=rec_val, input_indices=in_idx,
                input_values=in_val, bkg_stored=bkg_stored)


def read_checkpoint_network(path, dt=1.0, weight_scale=1.0):
    """A V1Network from a checkpoint alone (delays are whole steps; no node types, positions or
    readout).  Prefer :func:`load_training_network` with the pickles when you have them."""
    ck = read_checkpoint(path, dt, weight_scale)
    return V1Network(neurons=ck["neurons"], recurrent=ck["recurrent"], inputs=ck["inputs"],
                     n_inputs=ck["n_inputs"], bkg_weights=ck["bkg_weights"],
                     provenance={"source": os.fspath(path), "format": "tf-checkpoint",
                                 "variant": "checkpoint only",
                                 "notes": [f"delays are whole steps of {dt} ms (clipped to "
                                           f"{ck['max_delay_steps']} steps by the training), the raw "
                                           f"delays are not in a checkpoint",
                                           "n_inputs is the largest LGN index + 1"]})


def _merge_checkpoint(ck, neurons, recurrent, inputs, n_inputs, dt, pkl_path, ck_path,
                      training_delays):
    """The pickles' synapses with the checkpoint's trained weights, and the delays (ms) the
    checkpoint ran: ``training_delays`` (the training code's assignment) or, for a checkpoint
    of a loader that kept every synapse's own delay, ``recurrent.delay``."""
    n = neurons.n
    if ck["neurons"].n != n:
        raise FormatError(f"{ck_path}: has {ck['neurons'].n} neurons, the pickles' core selection has "
                          f"{n}; the checkpoint was trained on another selection")
    vs = neurons.V_th - neurons.E_L
    if not np.allclose(ck["vs"], vs, rtol=1e-5, atol=1e-4):
        i = int(np.flatnonzero(~np.isclose(ck["vs"], vs, rtol=1e-5, atol=1e-4))[0])
        raise FormatError(f"{ck_path}:{CELL_PREFIX}voltage_scale{SUFFIX}: neuron {i} has "
                          f"{num(ck['vs'][i])} mV, the pickles give V_th - E_L = {num(vs[i])} mV")
    # recurrent: same synapses in the same (training) order
    idx = ck["recurrent_indices"].astype(np.int64)
    row, col = idx[:, 0], idx[:, 1]
    ck_src = col % n
    ref_row = recurrent.target * N_RECEPTORS + recurrent.receptor
    if row.size != ref_row.size:
        raise FormatError(f"{ck_path}:{CELL_PREFIX}recurrent_indices{SUFFIX}: has {row.size} synapses, "
                          f"{pkl_path} has {ref_row.size} in the selection")
    if not (np.array_equal(row, ref_row) and np.array_equal(ck_src, recurrent.source)):
        order = np.lexsort((ck_src, row))
        if not (np.array_equal(row[order], ref_row) and np.array_equal(ck_src[order], recurrent.source)):
            raise FormatError(f"{ck_path}:{CELL_PREFIX}recurrent_indices{SUFFIX}: the synapses "
                              f"(target, receptor, source) differ from those of {pkl_path}")
        row, col, values = row[order], col[order], ck["recurrent_values"][order]
    else:
        values = ck["recurrent_values"]
    steps = col // n + 1
    max_ms = ck["max_delay_steps"] * dt
    expected = delay_steps(training_delays, dt, max_ms)
    own = delay_steps(recurrent.delay, dt, max_ms)
    if np.array_equal(steps, expected):
        ran = training_delays
    elif np.array_equal(steps, own):
        ran = recurrent.delay
    else:
        # name a synapse that matches neither reading if there is one
        bad = (steps != expected) & (steps != own)
        i = int(np.flatnonzero(bad if bad.any() else steps != expected)[0])
        raise FormatError(f"{ck_path}:{CELL_PREFIX}recurrent_indices{SUFFIX}: synapse {i} has a delay "
                          f"of {steps[i]} steps; the pickles' {num(training_delays[i])} ms (as the "
                          f"training code assigns delays) gives {expected[i]} steps, its own edge's "
                          f"{num(recurrent.delay[i])} ms gives {own[i]}"
                          + ("" if bad.any() else "; the checkpoint follows neither assignment throughout"))
    new_rec = Synapses(recurrent.source, recurrent.target, recurrent.receptor,
                       values.astype(np.float64) * vs[recurrent.target], recurrent.delay)
    # inputs
    iidx = ck["input_indices"].astype(np.int64)
    irow, icol = iidx[:, 0], iidx[:, 1]
    ref = inputs.target * N_RECEPTORS + inputs.receptor
    if irow.size != ref.size:
        raise FormatError(f"{ck_path}:{INPUT_PREFIX}_indices{SUFFIX}: has {irow.size} synapses, the "
                          f"input pickle has {ref.size} onto the selection")
    ivalues = ck["input_values"]
    if not (np.array_equal(irow, ref) and np.array_equal(icol, inputs.source)):
        order = np.lexsort((icol, irow))
        if not (np.array_equal(irow[order], ref) and np.array_equal(icol[order], inputs.source)):
            raise FormatError(f"{ck_path}:{INPUT_PREFIX}_indices{SUFFIX}: the LGN synapses differ from "
                              f"those of the input pickle")
        ivalues = ivalues[order]
    if icol.size and icol.max() >= n_inputs:
        raise FormatError(f"{ck_path}:{INPUT_PREFIX}_indices{SUFFIX}: LGN index {icol.max()} >= "
                          f"{n_inputs} units")
    new_in = Synapses(inputs.source, inputs.target, inputs.receptor,
                      ivalues.astype(np.float64) * vs[inputs.target])
    if ck["bkg_stored"] is None:
        raise FormatError(f"{ck_path}: missing variable {INPUT_PREFIX}_bkg_weights{SUFFIX}")
    bkg = ck["bkg_stored"].astype(np.float64).reshape(n, N_RECEPTORS) * vs[:, None] / 10.0
    return new_rec, new_in, bkg, ran
