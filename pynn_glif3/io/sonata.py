"""The Allen Institute's SONATA release of the Billeh et al. (2020) V1 model.

A network directory holds (``docs/formats.md`` section 4):

* ``v1_nodes.h5`` (``/nodes/v1/node_id``, ``node_type_id``, group ``0`` with ``x, y, z,
  tuning_angle``) and ``v1_node_types.csv`` (space-delimited; ``node_type_id``, ``pop_name``,
  ``dynamics_params`` naming a NEST-units GLIF3 JSON in the cell models directory);
* ``v1_v1_edges.h5`` (``/edges/<population>/{source_node_id, target_node_id, edge_type_id}``,
  group ``0`` with per-edge ``syn_weight``, ``nsyns``) and ``v1_v1_edge_types.csv`` (``delay``,
  ``syn_weight``, ``weight_function``, ``weight_sigma``, ``dynamics_params`` naming a synapse JSON
  holding ``receptor_type``);
* the same for the LGN (``lgn_nodes.h5``, ``lgn_v1_edges.h5``, ``lgn_v1_edge_types.csv``) and the
  background (``bkg_nodes.h5``, ``bkg_v1_edges.h5``, ``bkg_v1_edge_types.csv``).

The effective weight of an edge is what BMTK gives NEST, not ``syn_weight``: the model's weight
rules (:mod:`pynn_glif3.model.billeh_weights`).  Other weight functions can be supplied through
``weight_functions``.  Each
edge type carries its own receptor (``receptor_type`` 1..4 of its synapse JSON), which PyNN's and
NEST's SONATA readers cannot express.  Edges are read in chunks, so the full model (70 M edges)
stays within modest memory when a core is selected.

Property precedence: a per-edge dataset in the edge group wins over a column of the edge types
table, which wins over the key in the synapse JSON.
"""

import csv
import json
import math
import os

import numpy as np

from pynn_glif3.model import CELL_PARAMETERS, N_ASC, N_RECEPTORS
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.network import CELL_CLASSES, V1Network, cell_class_of_pop_name
from pynn_glif3.model.billeh_weights import (NEEDS as _NEEDS, WEIGHT_FUNCTIONS, direction_rule_ee,
                                             direction_rule_others)
from ._common import FormatError, check_range, dataset, guard, has, num, open_h5, physical, read, where

FORMAT = "sonata-billeh"
_MISSING = ("", "none", "null", "nan", "na")


# ---------------------------------------------------------------------------------------------
def find_network_dir(path):
    """The directory holding ``v1_nodes.h5``: ``path`` itself or ``path/network``."""
    path = os.fspath(path)
    for d in (path, os.path.join(path, "network")):
        if os.path.isfile(os.path.join(d, "v1_nodes.h5")):
            return d
    raise FormatError(f"{path}: no v1_nodes.h5 here or in {os.path.join(path, 'network')}; "
                      f"expected the SONATA network directory of the Billeh model")


def _read_table(path):
    """A space-delimited SONATA types table as a list of dicts (quotes respected)."""
    if not os.path.isfile(path):
        raise FormatError(f"{path}: no such file")
    with open(path, newline="") as f:
        text = f.read()
    rows = list(csv.DictReader(text.splitlines(), delimiter=" ", skipinitialspace=True))
    if not rows:
        raise FormatError(f"{path}: empty table; expected a space-delimited header and rows")
    for i, r in enumerate(rows):
        if None in r or any(v is None for v in r.values()):
            raise FormatError(f"{path}: row {i + 2} does not have the header's "
                              f"{len(rows[0])} space-delimited columns")
    return rows


def _is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        (isinstance(value, str) and value.strip().lower() in _MISSING)


def _float(value, w):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FormatError(f"{w}: is {value!r}, expected a number") from None


def _candidate_dirs(network_dir, kind):
    root = os.path.dirname(os.path.abspath(network_dir))
    sub = "cell_models" if kind == "cell" else "synaptic_models"
    return [os.path.join(root, "components", sub, "nest_models"),
            os.path.join(root, "components", sub),
            os.path.join(root, "models", sub, "nest_models"),
            os.path.join(root, "models", sub),
            os.path.join(network_dir, "components", sub),
            network_dir]


def _load_json(name, dirs, what):
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            try:
                with open(p) as f:
                    return json.load(f), p
            except (ValueError, OSError) as e:
                raise FormatError(f"{p}: cannot be read as JSON ({e})") from None
    raise FormatError(f"{name}: {what} JSON not found; looked in {', '.join(dirs)} (pass the "
                      f"directory explicitly)")


def _cell_params(js, p):
    out = {}
    for key in ("V_th", "g", "E_L", "C_m", "t_ref"):
        if key not in js:
            raise FormatError(f"{p}: missing {key!r}; expected a NEST-units GLIF3 (glif_psc) parameter set")
        out[key] = _float(js[key], f"{p}:{key}")
    if "V_reset" in js:
        out["V_reset"] = _float(js["V_reset"], f"{p}:V_reset")
    elif "V_m" in js:
        out["V_reset"] = _float(js["V_m"], f"{p}:V_m")
    else:
        raise FormatError(f"{p}: missing 'V_reset' (or 'V_m')")
    for key, alt, n in (("asc_amps", None, N_ASC), ("asc_decay", "k", N_ASC), ("tau_syn", None, N_RECEPTORS)):
        value = js.get(key, js.get(alt) if alt else None)
        if value is None:
            raise FormatError(f"{p}: missing {key!r}" + (f" (or {alt!r})" if alt else ""))
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape != (n,):
            raise FormatError(f"{p}:{key}: has shape {arr.shape}, expected ({n},)")
        out["k" if key == "asc_decay" else key] = arr
    return out


# ---------------------------------------------------------------------------------------------
class _Nodes:
    """A SONATA node population: ids, type ids and group properties, in node-id order."""

    def __init__(self, path, population=None, props=()):
        self.path = os.fspath(path)
        with open_h5(self.path) as f:
            if not has(f, "nodes"):
                raise FormatError(f"{where(self.path, 'nodes')}: missing group (required)")
            pops = list(f["nodes"].keys())
            if population is None:
                if len(pops) != 1:
                    raise FormatError(f"{where(self.path, 'nodes')}: {len(pops)} populations "
                                      f"({', '.join(pops)}); expected one")
                population = pops[0]
            elif population not in pops:
                raise FormatError(f"{where(self.path, 'nodes/' + population)}: missing population "
                                  f"(found {', '.join(pops) or 'none'})")
            self.population = population
            base = f"nodes/{population}"
            ids = read(f, f"{base}/node_id", self.path, ndim=1, kind="i").astype(np.int64)
            n = ids.size
            self.type_ids = read(f, f"{base}/node_type_id", self.path, shape=(n,), kind="i",
                                 required=False)
            gid = read(f, f"{base}/node_group_id", self.path, shape=(n,), kind="i", required=False)
            gidx = read(f, f"{base}/node_group_index", self.path, shape=(n,), kind="i", required=False)
            if gid is None:
                gid = np.zeros(n, np.int64)
            if gidx is None:
                gidx = np.arange(n)
            order = np.argsort(ids, kind="stable")
            self.ids = ids[order]
            if n and np.unique(self.ids).size != n:
                raise FormatError(f"{where(self.path, base + '/node_id')}: duplicate node ids")
            if self.type_ids is not None:
                self.type_ids = self.type_ids[order].astype(np.int64)
            self.props = {}
            for name in props:
                values = np.full(n, np.nan)
                for g in np.unique(gid):
                    rows = np.flatnonzero(gid == g)
                    ds_name = f"{base}/{int(g)}/{name}"
                    col = read(f, ds_name, self.path, ndim=1, kind="f", required=False)
                    if col is None:
                        break
                    check_range(gidx[rows], 0, col.size, where(self.path, f"{base}/node_group_index"),
                                f"indices into group {int(g)}")
                    values[rows] = col[gidx[rows]]
                else:
                    values = values[order]
                    if not np.all(np.isfinite(values)):
                        raise FormatError(f"{where(self.path, base + '/0/' + name)}: non-finite values")
                    self.props[name] = values
        self.n = self.ids.size
        # dense lookup node id -> row
        self.lookup = np.full(int(self.ids.max()) + 1 if self.n else 0, -1, dtype=np.int64)
        self.lookup[self.ids] = np.arange(self.n)

    def rows(self, node_ids, w):
        node_ids = np.asarray(node_ids, dtype=np.int64)
        bad = (node_ids < 0) | (node_ids >= self.lookup.size)
        rows = np.full(node_ids.size, -1, dtype=np.int64)
        rows[~bad] = self.lookup[node_ids[~bad]]
        if np.any(rows < 0):
            i = int(np.flatnonzero(rows < 0)[0])
            raise FormatError(f"{w}: node id {node_ids[i]} (entry {i}) is not a node of "
                              f"{self.path}:{self.population}")
        return rows

    def need(self, name, what):
        if name not in self.props:
            raise FormatError(f"{where(self.path, f'nodes/{self.population}/0/{name}')}: missing "
                              f"dataset, needed by {what}")
        return self.props[name]


def _edge_types(csv_path, synaptic_dirs, weight_functions):
    rows = _read_table(csv_path)
    if "edge_type_id" not in rows[0]:
        raise FormatError(f"{csv_path}: no 'edge_type_id' column")
    types = {}
    for i, r in enumerate(rows):
        w = f"{csv_path}: row {i + 2}"
        tid = int(_float(r["edge_type_id"], f"{w} edge_type_id"))
        js, js_path = {}, None
        dyn = r.get("dynamics_params")
        if not _is_missing(dyn):
            js, js_path = _load_json(dyn.strip(), synaptic_dirs, "synapse dynamics")

        def prop(key, default=None):
            if key in r and not _is_missing(r[key]):
                return r[key]
            if key in js and not _is_missing(js[key]):
                return js[key]
            return default

        rtype = prop("receptor_type")
        if rtype is None:
            raise FormatError(f"{js_path or csv_path}: edge type {tid}: no 'receptor_type' (1..4) in "
                              f"its synapse JSON or the table")
        rtype_f = _float(rtype, f"{js_path or csv_path}: receptor_type")
        if rtype_f != int(rtype_f) or not 1 <= rtype_f <= N_RECEPTORS:
            raise FormatError(f"{js_path or csv_path}: edge type {tid}: receptor_type {rtype!r}, "
                              f"expected 1..{N_RECEPTORS}")
        fn_name = prop("weight_function")
        fn_name = None if _is_missing(fn_name) else str(fn_name).strip()
        table = dict(WEIGHT_FUNCTIONS)
        table.update(weight_functions or {})
        if fn_name not in table:
            raise FormatError(f"{csv_path}: edge type {tid}: unknown weight_function {fn_name!r}; known: "
                              f"{', '.join(k for k in table if k)}; pass weight_functions="
                              f"{{{fn_name!r}: function(edges, src, tgt)}}")
        sigma = prop("weight_sigma")
        types[tid] = dict(
            receptor=int(rtype_f) - 1,
            function=table[fn_name], function_name=fn_name,
            delay=None if prop("delay") is None else _float(prop("delay"), f"{w} delay"),
            syn_weight=None if prop("syn_weight") is None else _float(prop("syn_weight"), f"{w} syn_weight"),
            nsyns=None if prop("nsyns") is None else _float(prop("nsyns"), f"{w} nsyns"),
            weight_sigma=None if sigma is None else _float(sigma, f"{w} weight_sigma"))
    return types


def _edges(edge_h5, csv_path, synaptic_dirs, weight_functions, src_nodes, tgt_nodes, src_keep,
           tgt_index, chunk_size, with_delay, notes):
    """Read one edge file in chunks: returns (source rows, target indices, receptor, weight pA,
    delay ms or None), restricted to kept targets (and kept sources when ``src_keep`` given)."""
    types = _edge_types(csv_path, synaptic_dirs, weight_functions)
    path = os.fspath(edge_h5)
    out = []
    with open_h5(path) as f:
        if not has(f, "edges"):
            raise FormatError(f"{where(path, 'edges')}: missing group (required)")
        pops = list(f["edges"].keys())
        if len(pops) != 1:
            raise FormatError(f"{where(path, 'edges')}: {len(pops)} edge populations "
                              f"({', '.join(pops)}); expected one")
        base = f"edges/{pops[0]}"
        ds_src = dataset(f, f"{base}/source_node_id", path)
        ds_tgt = dataset(f, f"{base}/target_node_id", path)
        ds_type = dataset(f, f"{base}/edge_type_id", path)
        n_edges = ds_src.shape[0] if ds_src.ndim == 1 else -1
        for ds in (ds_src, ds_tgt, ds_type):
            if ds.ndim != 1 or ds.shape[0] != n_edges:
                raise FormatError(f"{where(path, ds.name.lstrip('/'))}: has shape {ds.shape}, expected "
                                  f"({n_edges},) like {base}/source_node_id; truncated or mis-shaped")
            if ds.dtype.kind not in "iu":
                raise FormatError(f"{where(path, ds.name.lstrip('/'))}: has dtype {ds.dtype}, expected integers")
        gid = dataset(f, f"{base}/edge_group_id", path, required=False)
        gidx = dataset(f, f"{base}/edge_group_index", path, required=False)
        group_cols = {}
        for key in ("syn_weight", "nsyns", "delay", "weight_sigma"):
            col = dataset(f, f"{base}/0/{key}", path, required=False)
            if col is not None:
                if col.ndim != 1:
                    raise FormatError(f"{where(path, col.name.lstrip('/'))}: has shape {col.shape}, expected 1-D")
                group_cols[key] = col
        multi_group = False
        if gid is not None:
            if gid.shape != (n_edges,) or gidx is None or gidx.shape != (n_edges,):
                raise FormatError(f"{where(path, base + '/edge_group_index')}: expected edge_group_id and "
                                  f"edge_group_index of shape ({n_edges},)")
        for start in range(0, n_edges, chunk_size):
            sl = slice(start, min(n_edges, start + chunk_size))
            w_chunk = f"{where(path, base)} edges {sl.start}..{sl.stop - 1}"
            try:
                s_ids, t_ids, e_types = ds_src[sl], ds_tgt[sl], ds_type[sl]
                g_ids = None if gid is None else gid[sl]
                g_idx = None if gidx is None else gidx[sl]
            except (OSError, RuntimeError, ValueError) as e:
                raise FormatError(f"{w_chunk}: cannot be read ({e}); the file is damaged or truncated") from None
            if g_ids is not None and np.any(g_ids != 0):
                multi_group = True
            t_rows = tgt_nodes.rows(t_ids, f"{where(path, base + '/target_node_id')}")
            s_rows = src_nodes.rows(s_ids, f"{where(path, base + '/source_node_id')}")
            t_new = tgt_index[t_rows]
            keep = t_new >= 0
            if src_keep is not None:
                keep &= src_keep[s_rows]
            if not np.any(keep):
                continue
            # per-edge group values
            if g_idx is None:
                pos = np.arange(sl.start, sl.stop)
            else:
                pos = np.asarray(g_idx, dtype=np.int64)
            values = {}
            for key, col in group_cols.items():
                if multi_group:
                    raise FormatError(f"{where(path, base + '/edge_group_id')}: several edge groups; "
                                      f"only group 0 is supported")
                p = pos[keep]
                if p.size and (p.min() < 0 or p.max() >= col.shape[0]):
                    raise FormatError(f"{where(path, col.name.lstrip('/'))}: has {col.shape[0]} entries; "
                                      f"edge group indices reach {p.max()}; truncated dataset")
                lo, hi = int(p.min()), int(p.max()) + 1
                try:
                    block = col[lo:hi]
                except (OSError, RuntimeError, ValueError) as e:
                    raise FormatError(f"{where(path, col.name.lstrip('/'))}: cannot be read ({e})") from None
                values[key] = np.asarray(block, dtype=np.float64)[p - lo]
                if not np.all(np.isfinite(values[key])):
                    bad = int(np.flatnonzero(~np.isfinite(values[key]))[0])
                    raise FormatError(f"{where(path, col.name.lstrip('/'))}: entry {int(p[bad])} is "
                                      f"{num(values[key][bad])}; expected finite numbers")
            et = np.asarray(e_types)[keep]
            sr, tr, tn = s_rows[keep], t_rows[keep], t_new[keep]
            weight = np.empty(et.size)
            receptor = np.empty(et.size, dtype=np.int64)
            delay = np.empty(et.size) if with_delay else None
            order = np.argsort(et, kind="stable")
            uniq, starts = np.unique(et[order], return_index=True)
            stops = np.append(starts[1:], et.size)
            for tid, a, b in zip(uniq, starts, stops):
                sel = order[a:b]                   # the edges of this type (indices into the chunk)
                if int(tid) not in types:
                    raise FormatError(f"{where(path, base + '/edge_type_id')}: edge type {int(tid)} is "
                                      f"not in {csv_path}")
                ty = types[int(tid)]
                props = {}
                for key in ("syn_weight", "nsyns", "weight_sigma", "delay"):
                    if key in values:
                        props[key] = values[key][sel]
                    elif ty[key] is not None:
                        props[key] = np.full(sel.size, ty[key])
                    elif key == "nsyns":
                        props[key] = np.ones(sel.size)
                if "syn_weight" not in props:
                    raise FormatError(f"{csv_path}: edge type {int(tid)} has no syn_weight (column, JSON "
                                      f"or {base}/0/syn_weight)")
                fn = ty["function"]
                if fn in (direction_rule_others, direction_rule_ee) and "weight_sigma" not in props:
                    raise FormatError(f"{csv_path}: edge type {int(tid)} uses {ty['function_name']} "
                                      f"but has no weight_sigma")
                what = f"weight_function {ty['function_name']} of edge type {int(tid)}"
                if fn in _NEEDS:
                    src_p = {k: src_nodes.need(k, what)[sr[sel]] for k in _NEEDS[fn]}
                    tgt_p = {k: tgt_nodes.need(k, what)[tr[sel]] for k in _NEEDS[fn]}
                else:   # a user-supplied function gets every property there is
                    src_p = {k: v[sr[sel]] for k, v in src_nodes.props.items()}
                    tgt_p = {k: v[tr[sel]] for k, v in tgt_nodes.props.items()}
                wv = np.asarray(fn(props, src_p, tgt_p), dtype=np.float64)
                if wv.shape != (sel.size,) or not np.all(np.isfinite(wv)):
                    raise FormatError(f"{csv_path}: {what} gave non-finite or mis-shaped weights")
                weight[sel] = wv
                receptor[sel] = ty["receptor"]
                if with_delay:
                    if "delay" not in props:
                        raise FormatError(f"{csv_path}: edge type {int(tid)} has no delay")
                    d = props["delay"]
                    if np.any(~np.isfinite(d) | (d < 0)):
                        raise FormatError(f"{csv_path}: edge type {int(tid)} has a delay "
                                          f"{num(d[~np.isfinite(d) | (d < 0)][0])}; expected >= 0 ms")
                    delay[sel] = d
            out.append((sr, tn, receptor, weight, delay))
    if not out:
        z = np.zeros(0, np.int64)
        return z, z, z, np.zeros(0), (np.zeros(0) if with_delay else None)
    return tuple(np.concatenate([o[i] for o in out]) if (i < 4 or with_delay) else None
                 for i in range(5))


@guard()
def read_sonata(path, cell_models_dir=None, synaptic_models_dir=None, core_radius=None,
                weight_functions=None, chunk_size=4_000_000, v1_population="v1"):
    """Read the Billeh model's SONATA files into a :class:`V1Network` (physical units).

    ``path``: the network directory (with ``v1_nodes.h5``) or its parent.  ``cell_models_dir`` and
    ``synaptic_models_dir`` hold the dynamics JSON files (default: the usual places next to the
    network directory, ``components/cell_models/nest_models`` etc.).  ``core_radius`` (µm) keeps
    only neurons with ``sqrt(x^2 + z^2) < core_radius`` (the training code uses 400); None keeps
    all.  ``weight_functions`` maps extra weight function names to ``f(edges, src, tgt)`` with
    dicts of arrays.  LGN and background files are optional (noted in the provenance when absent).
    """
    net_dir = find_network_dir(path)
    notes = []
    cell_dirs = [os.fspath(cell_models_dir)] if cell_models_dir else _candidate_dirs(net_dir, "cell")
    syn_dirs = [os.fspath(synaptic_models_dir)] if synaptic_models_dir else _candidate_dirs(net_dir, "syn")

    nodes = _Nodes(os.path.join(net_dir, "v1_nodes.h5"), v1_population,
                   props=("x", "y", "z", "tuning_angle"))
    if nodes.type_ids is None:
        raise FormatError(f"{where(nodes.path, f'nodes/{nodes.population}/node_type_id')}: missing dataset (required)")
    types_csv = os.path.join(net_dir, "v1_node_types.csv")
    rows = _read_table(types_csv)
    for col in ("node_type_id", "dynamics_params"):
        if col not in rows[0]:
            raise FormatError(f"{types_csv}: no {col!r} column")
    type_index = {}
    table = {k: [] for k in CELL_PARAMETERS}
    names = []
    for i, r in enumerate(rows):
        tid = int(_float(r["node_type_id"], f"{types_csv}: row {i + 2} node_type_id"))
        js, p = _load_json(r["dynamics_params"].strip(), cell_dirs, "cell dynamics")
        params = _cell_params(js, p)
        for k in table:
            table[k].append(params[k])
        type_index[tid] = i
        names.append(r.get("pop_name") or str(tid))
    table = {k: np.asarray(v, dtype=np.float64) for k, v in table.items()}
    physical(table, f"{types_csv}:dynamics_params")
    lut = np.full(int(max(max(type_index), nodes.type_ids.max() if nodes.n else 0)) + 1, -1, np.int64)
    for tid, i in type_index.items():
        lut[tid] = i
    bad = (nodes.type_ids < 0) | (lut[np.clip(nodes.type_ids, 0, lut.size - 1)] < 0)
    if np.any(bad):
        raise FormatError(f"{where(nodes.path, f'nodes/{nodes.population}/node_type_id')}: node type "
                          f"{int(nodes.type_ids[bad][0])} is not in {types_csv}")
    type_of = lut[nodes.type_ids]

    x, z = nodes.need("x", "the positions"), nodes.need("z", "the positions")
    keep = np.ones(nodes.n, bool) if core_radius is None else np.hypot(x, z) < float(core_radius)
    new_index = np.full(nodes.n, -1, np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    n = int(keep.sum())
    node_type_ids = type_of[keep]
    neurons = NeuronParameters(**{k: v[node_type_ids] for k, v in table.items()})

    # recurrent
    sr, tn, rec, wgt, dly = _edges(os.path.join(net_dir, "v1_v1_edges.h5"),
                                   os.path.join(net_dir, "v1_v1_edge_types.csv"), syn_dirs,
                                   weight_functions, nodes, nodes, keep, new_index, chunk_size, True, notes)
    recurrent = Synapses(new_index[sr], tn, rec, wgt, dly)

    # LGN
    lgn_edges = os.path.join(net_dir, "lgn_v1_edges.h5")
    if os.path.isfile(lgn_edges):
        lgn_nodes_path = os.path.join(net_dir, "lgn_nodes.h5")
        if not os.path.isfile(lgn_nodes_path):
            raise FormatError(f"{lgn_nodes_path}: no such file (needed by {lgn_edges})")
        lgn = _Nodes(lgn_nodes_path, None, props=("x", "y", "z", "tuning_angle"))
        sr, tn, rec, wgt, _ = _edges(lgn_edges, os.path.join(net_dir, "lgn_v1_edge_types.csv"),
                                     syn_dirs, weight_functions, lgn, nodes, None, new_index,
                                     chunk_size, False, notes)
        inputs, n_inputs = Synapses(sr, tn, rec, wgt), lgn.n
        notes.append("LGN edge delays are not used: the training model applies LGN spikes with zero "
                     "delay")
    else:
        inputs, n_inputs = Synapses.empty(with_delay=False), 0
        notes.append("no lgn_v1_edges.h5: no LGN input")

    # background
    bkg_edges = os.path.join(net_dir, "bkg_v1_edges.h5")
    bkg = None
    if os.path.isfile(bkg_edges):
        bkg_nodes_path = os.path.join(net_dir, "bkg_nodes.h5")
        if not os.path.isfile(bkg_nodes_path):
            raise FormatError(f"{bkg_nodes_path}: no such file (needed by {bkg_edges})")
        bnodes = _Nodes(bkg_nodes_path, None)
        sr, tn, rec, wgt, _ = _edges(bkg_edges, os.path.join(net_dir, "bkg_v1_edge_types.csv"),
                                     syn_dirs, weight_functions, bnodes, nodes, None, new_index,
                                     chunk_size, False, notes)
        if np.unique(sr).size > 1:
            notes.append(f"{np.unique(sr).size} background source nodes merged into one background "
                         f"weight per neuron and receptor (each taken as the 1 kHz source)")
        bkg = np.zeros(n * N_RECEPTORS)
        np.add.at(bkg, tn * N_RECEPTORS + rec, wgt)
        bkg = bkg.reshape(n, N_RECEPTORS)
    else:
        notes.append("no bkg_v1_edges.h5: no background weights")

    codes = np.array([CELL_CLASSES.index(c) if (c := cell_class_of_pop_name(s)) else -1 for s in names],
                     dtype=np.int64)
    pos = np.stack([nodes.props["x"], nodes.need("y", "the positions"), nodes.props["z"]], axis=1)[keep]
    tuning = nodes.props.get("tuning_angle")
    provenance = {"source": os.path.abspath(net_dir), "format": FORMAT,
                  "variant": "SONATA with nsyns and orientation weight rules applied",
                  "core_radius_um": None if core_radius is None else float(core_radius),
                  "node_ids": "neurons are the kept V1 nodes in node-id order",
                  "notes": notes}
    return V1Network(neurons=neurons, recurrent=recurrent, inputs=inputs, n_inputs=n_inputs,
                     bkg_weights=bkg, positions=pos, node_type_ids=node_type_ids,
                     node_type_names=tuple(names), cell_class=codes[node_type_ids],
                     tuning_angles=None if tuning is None else tuning[keep], provenance=provenance)
