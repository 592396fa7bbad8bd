"""The training code's files: network_dat.pkl / input_dat.pkl with the 400 µm core selection, and a
TF checkpoint with the training code's variable names (written here with those exact keys)."""

import math
import os
import pickle

import h5py
import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import FormatError
from pynn_glif3.io.training_pickles import (CELL_PREFIX, INPUT_PREFIX, SUFFIX, load_training_network,
                                            read_checkpoint_network, synapses_from_training_indices)
from pynn_glif3.model import delay_steps
from io_helpers import raises_naming, truncate_bytes

# the loads of the module's pickles warn that most synapses ran another edge's delay (checked below)
pytestmark = pytest.mark.filterwarnings("ignore:.*most synapses change")

N_ALL, N_LGN = 160, 60
DELAYS = (0.5, 1.0, 1.5, 2.5, 4.0, 6.0)     # per edge type; 0.5 and 6.0 are clipped by training


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Tiny files of exactly the training code's layouts, and the network they must give."""
    d = tmp_path_factory.mktemp("training")
    src_net = synthetic.generate_v1(N_ALL, seed=3, n_lgn=N_LGN, n_classes=0)
    rng = np.random.default_rng(11)
    pos = src_net.positions.copy()
    scale = 650.0 / np.hypot(pos[:, 0], pos[:, 2]).max()
    pos[:, 0] *= scale
    pos[:, 2] *= scale
    core = np.hypot(pos[:, 0], pos[:, 2]) < 400.0
    assert 0.2 < core.mean() < 0.8
    with h5py.File(d / "v1_nodes.h5", "w") as f:
        f["nodes/v1/node_id"] = np.arange(N_ALL)
        f["nodes/v1/node_type_id"] = 100000 + src_net.node_type_ids
        for i, c in enumerate("xyz"):
            f[f"nodes/v1/0/{c}"] = pos[:, i].astype(np.float32)
    pos = pos.astype(np.float32).astype(np.float64)
    core = np.hypot(pos[:, 0], pos[:, 2]) < 400.0

    # node types: python floats and lists, as the training code's pickle
    p = src_net.neurons
    types = np.arange(len(src_net.node_type_names))
    nodes = []
    for t in types:
        ids = np.flatnonzero(src_net.node_type_ids == t).astype(np.uint32)
        i0 = ids[0] if ids.size else 0
        nodes.append({"ids": ids, "params": {
            "V_th": float(p.V_th[i0]), "g": float(p.g[i0]), "E_L": float(p.E_L[i0]),
            "k": p.k[i0].tolist(), "C_m": float(p.C_m[i0]), "V_reset": float(p.V_reset[i0]),
            "tau_syn": p.tau_syn[i0].tolist(), "t_ref": float(p.t_ref[i0]),
            "asc_amps": p.asc_amps[i0].tolist(), "asc_init": [0.0, 0.0],
            "V_dynamics_method": "linear_exact"}})
    rec = src_net.recurrent
    delay = np.asarray(DELAYS)[rng.integers(0, len(DELAYS), rec.n)]
    edges, edge_order = [], []
    for r in range(4):
        for dl in DELAYS:
            sel = (rec.receptor == r) & (delay == dl)
            perm = rng.permutation(np.flatnonzero(sel))          # edge order is not the training order
            edge_order.append(perm)
            edges.append({"source": rec.source[perm].astype(np.uint64),
                          "target": rec.target[perm].astype(np.uint64),
                          "params": {"model": "static_synapse", "receptor_type": r + 1,
                                     "delay": float(dl), "weight": rec.weight[perm].copy()}})
    with open(d / "network_dat.pkl", "wb") as f:
        pickle.dump({"nodes": nodes, "edges": edges}, f)

    inp = src_net.inputs
    lgn_edges = [{"source": inp.source[k::2], "target": inp.target[k::2],
                  "params": {"weight": inp.weight[k::2], "delay": 1.7, "receptor_type": 1}}
                 for k in range(2)]
    bkg = src_net.bkg_weights
    bkg_edges = []
    for r in (0, 2):
        tg = np.flatnonzero(bkg[:, r] > 0)
        bkg_edges.append({"source": np.zeros(tg.size, np.int64), "target": tg,
                          "params": {"weight": bkg[tg, r], "delay": 1.0, "receptor_type": r + 1}})
    # a duplicate background edge onto neuron 0, receptor 0: the last one wins (training code)
    bkg_edges.append({"source": np.zeros(1, np.int64), "target": np.array([0]),
                      "params": {"weight": np.array([123.0]), "delay": 1.0, "receptor_type": 1}})
    lgn_pop = {"ids": np.arange(N_LGN), "spikes": [np.array([10.0, 20.0])] * N_LGN}
    with open(d / "input_dat.pkl", "wb") as f:
        pickle.dump([(lgn_pop, lgn_edges), ({"ids": np.array([0]), "spikes": [np.array([1.0])]}, bkg_edges)], f)
    with open(d / "v1_node_types.csv", "w") as f:
        f.write("node_type_id model_type pop_name ei location\n")
        for t in types:
            f.write(f"{100000 + t} point_process {src_net.node_type_names[t]} x VisL\n")

    # the expected core network, computed here from the raw arrays
    new = np.full(N_ALL, -1)
    new[core] = np.arange(core.sum())
    ok = core[rec.source] & core[rec.target]
    s, t, r_, w, dl = new[rec.source[ok]], new[rec.target[ok]], rec.receptor[ok], rec.weight[ok], delay[ok]
    order = np.lexsort((s, 4 * t + r_))
    # the training code's loader keeps the delays in edge order: position i of the sorted synapses
    # runs with the delay of the i-th kept synapse of the pickle's edges
    edge_order = np.concatenate(edge_order)
    ran = delay[edge_order][core[rec.source[edge_order]] & core[rec.target[edge_order]]]
    ok_in = core[inp.target]
    si, ti, wi = inp.source[ok_in], new[inp.target[ok_in]], inp.weight[ok_in]
    oi = np.lexsort((si, 4 * ti))
    b = bkg[core].copy()
    if core[0]:
        b[0, 0] = 123.0
    assert np.mean(ran != dl[order]) > 0.5            # edge types interleave when sorted
    truth = dict(core=core, rec=(s[order], t[order], r_[order], w[order], dl[order]), ran=ran,
                 inp=(si[oi], ti[oi], wi[oi]), bkg=b, neurons=p.take(np.flatnonzero(core)),
                 positions=pos[core], type_ids=src_net.node_type_ids[core],
                 names=src_net.node_type_names)
    return dict(dir=d, network_pkl=d / "network_dat.pkl", input_pkl=d / "input_dat.pkl",
                nodes_h5=d / "v1_nodes.h5", csv=d / "v1_node_types.csv", truth=truth)


def _load(files, **kw):
    return load_training_network(files["network_pkl"], files["input_pkl"], files["nodes_h5"], **kw)


def test_core_selection_and_arrays(files):
    tr = files["truth"]
    net = _load(files, node_types_csv=files["csv"], n_classes=2, pool_size=3)
    assert net.n_neurons == tr["core"].sum() < N_ALL
    s, t, r, w, dl = tr["rec"]
    assert np.array_equal(net.recurrent.source, s) and np.array_equal(net.recurrent.target, t)
    assert np.array_equal(net.recurrent.receptor, r) and np.array_equal(net.recurrent.weight, w)
    assert np.array_equal(net.recurrent.delay, tr["ran"])          # the training code's, raw
    assert net.recurrent.delay.min() == 0.5 and net.recurrent.delay.max() == 6.0
    own = _load(files, delays="edge")
    assert np.array_equal(own.recurrent.delay, dl)                 # each edge's own, raw
    assert np.array_equal(own.recurrent.weight, w) and np.array_equal(own.recurrent.source, s)
    si, ti, wi = tr["inp"]
    assert np.array_equal(net.inputs.source, si) and np.array_equal(net.inputs.target, ti)
    assert np.array_equal(net.inputs.weight, wi) and np.all(net.inputs.receptor == 0)
    assert net.n_inputs == N_LGN
    assert np.array_equal(net.bkg_weights, tr["bkg"])             # b in pA, last edge wins
    assert np.allclose(net.neurons.V_th, tr["neurons"].V_th) and np.allclose(net.neurons.tau_syn, tr["neurons"].tau_syn)
    assert np.array_equal(net.positions, tr["positions"])
    assert np.array_equal(net.node_type_ids, tr["type_ids"])
    assert net.node_type_names == tr["names"]
    # readout as the training code draws it: RandomState(3000).choice of L5 E neurons
    l5e = np.flatnonzero(np.isin(net.node_type_ids, [i for i, s in enumerate(tr["names"]) if s.startswith("e5")]))
    expected = np.random.RandomState(3000).choice(l5e, size=6, replace=False).reshape(2, 3)
    assert np.array_equal(net.readout_ids, expected)
    assert net.provenance["core_radius_um"] == 400.0
    assert _load(files, core_radius=None).n_neurons == N_ALL


def _training_steps(delays_ms, dt=1.0, max_delay=5):
    """Delay steps as the training code's column computes them (float32 delays)."""
    d = np.asarray(delays_ms, np.float32)
    max_delay = int(np.round(np.min([np.max(d), max_delay])))
    return np.round(np.clip(d, dt, max_delay) / dt).astype(np.int32)


def _checkpoint(files, prefix, trained, n_override=None, drop=(), nan=None, aligned=False):
    """Write a checkpoint with the training code's variable names for the core network; the
    delays folded into the columns are those the training code ran (``aligned``: each synapse's
    own edge's, as a loader that sorted the delays too would give)."""
    tf = pytest.importorskip("tensorflow")
    tr = files["truth"]
    p = tr["neurons"]
    n = p.n if n_override is None else n_override
    vs = (p.V_th - p.E_L)[:n]
    s, t, r, w, dl = tr["rec"]
    steps = _training_steps(dl if aligned else tr["ran"])
    idx = np.stack([4 * t + r, s + p.n * (steps - 1)], axis=1).astype(np.int64)
    si, ti, wi = tr["inp"]
    tau_m = p.C_m / p.g
    decay = np.exp(-1.0 / tau_m)
    k = p.k
    cell = {"recurrent_indices": idx, "recurrent_weight_values": (trained["rec"] / vs[t]).astype(np.float32),
            "recurrent_weight_positive": trained["rec"] >= 0, "input_weight_positive": trained["inp"] >= 0,
            "voltage_scale": vs, "voltage_offset": p.E_L[:n], "v_th": (p.V_th[:n] - p.E_L[:n]) / vs,
            "e_l": np.zeros(n), "v_reset": (p.V_reset[:n] - p.E_L[:n]) / vs, "param_g": p.g[:n],
            "t_ref": p.t_ref[:n], "decay": decay[:n], "current_factor": ((1 - decay) * tau_m / p.C_m)[:n],
            "asc_amps": p.asc_amps[:n] / vs[:, None], "param_k": np.log(k / (1 - k))[:n],
            "syn_decay": np.exp(-1.0 / p.tau_syn)[:n], "psc_initial": (math.e / p.tau_syn)[:n]}
    cell = {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in cell.items()}
    inp = {"_indices": np.stack([4 * ti, si], axis=1).astype(np.int64),
           "_weights": (trained["inp"] / vs[ti]).astype(np.float32),
           "_bkg_weights": (10.0 * trained["bkg"] / vs[:, None]).astype(np.float32).ravel()}
    for name in drop:
        cell.pop(name, None)
        inp.pop(name, None)
    if nan:
        cell[nan] = cell[nan].copy()
        cell[nan].ravel()[0] = np.nan
    root, l0, l1, c = tf.Module(), tf.Module(), tf.Module(), tf.Module()
    for key, v in inp.items():
        setattr(l0, key, tf.Variable(v))
    for key, v in cell.items():
        setattr(c, key, tf.Variable(v))
    l1.cell = c
    setattr(root, "layer_with_weights-0", l0)
    setattr(root, "layer_with_weights-1", l1)
    return tf.train.Checkpoint(model=root).write(str(prefix))


@pytest.fixture(scope="module")
def trained(files):
    tr = files["truth"]
    rng = np.random.default_rng(2)
    return {"rec": tr["rec"][3] * rng.uniform(0.5, 1.5, tr["rec"][3].size),
            "inp": tr["inp"][2] * rng.uniform(0.5, 1.5, tr["inp"][2].size),
            "bkg": tr["bkg"] * 1.25}


@pytest.fixture(scope="module")
def ckpt(files, trained, tmp_path_factory):
    return _checkpoint(files, tmp_path_factory.mktemp("ck") / "ckpt_test-1", trained)


def test_checkpoint_keys_are_the_training_codes(ckpt):
    tf = pytest.importorskip("tensorflow")
    keys = set(tf.train.load_checkpoint(ckpt).get_variable_to_shape_map())
    assert f"{CELL_PREFIX}recurrent_indices{SUFFIX}" in keys
    assert f"{CELL_PREFIX}recurrent_weight_values{SUFFIX}" in keys
    assert f"{INPUT_PREFIX}_bkg_weights{SUFFIX}" in keys
    assert "model/layer_with_weights-1/cell/param_k/.ATTRIBUTES/VARIABLE_VALUE" in keys


def test_trained_weights_from_checkpoint_with_raw_delays_from_pickles(files, trained, ckpt):
    tr = files["truth"]
    net = _load(files, checkpoint=ckpt)
    vs = tr["neurons"].V_th - tr["neurons"].E_L
    t = tr["rec"][1]
    expected = np.float32(trained["rec"] / vs[t]).astype(np.float64) * vs[t]
    assert np.array_equal(net.recurrent.weight, expected)
    assert np.allclose(net.recurrent.weight, trained["rec"], rtol=1e-6)
    assert np.array_equal(net.recurrent.delay, tr["ran"])            # raw delays, as trained
    own = _load(files, checkpoint=ckpt, delays="edge")
    assert np.array_equal(own.recurrent.delay, tr["rec"][4])
    assert np.array_equal(own.recurrent.weight, net.recurrent.weight)
    assert np.allclose(net.inputs.weight, trained["inp"], rtol=1e-6)
    assert np.allclose(net.bkg_weights, trained["bkg"], rtol=1e-6, atol=1e-9)
    assert net.provenance["variant"] == "trained weights of the checkpoint"


def test_checkpoint_alone_gives_whole_step_delays(files, trained, ckpt):
    tr = files["truth"]
    net = read_checkpoint_network(ckpt)
    p = tr["neurons"]
    assert net.n_neurons == p.n
    for name in ("E_L", "V_th", "V_reset", "C_m", "g", "t_ref", "k", "asc_amps", "tau_syn"):
        assert np.allclose(getattr(net.neurons, name), getattr(p, name), rtol=2e-5, atol=2e-4), name
    s, t, r, w, dl = tr["rec"]
    assert np.array_equal(net.recurrent.source, s) and np.array_equal(net.recurrent.receptor, r)
    assert np.array_equal(net.recurrent.delay, _training_steps(tr["ran"]).astype(float))
    assert set(np.unique(net.recurrent.delay)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert any("whole steps" in note for note in net.provenance["notes"])


def test_mapping_function_inverts_the_tensorflow_layer_storage(files):
    tfl = pytest.importorskip("pynn_glif3.oracles.tensorflow")
    from pynn_glif3.model.physical import Synapses
    tr = files["truth"]
    s, t, r, w, dl = tr["rec"]
    p = tr["neurons"]
    idx, values, _ = tfl.recurrent_sparse_arrays(Synapses(s, t, r, w, dl), p)
    back = synapses_from_training_indices(idx, values, p.n, p.V_th - p.E_L)
    assert np.array_equal(back.source, s) and np.array_equal(back.target, t)
    assert np.array_equal(back.receptor, r) and np.allclose(back.weight, w, rtol=1e-12)
    assert np.array_equal(back.delay, delay_steps(dl, 1.0, 5.0) * 1.0)
    with pytest.raises(ValueError, match="row indices"):
        synapses_from_training_indices([[4 * p.n, 0]], [1.0], p.n, p.V_th - p.E_L)


# --------------------------------------------------------------------------------------------
def _rewrite(files, tmp_path, which, fn):
    src = files["network_pkl"] if which == "network" else files["input_pkl"]
    with open(src, "rb") as f:
        d = pickle.load(f)
    d = fn(d) or d
    out = tmp_path / os.path.basename(src)
    with open(out, "wb") as f:
        pickle.dump(d, f)
    paths = dict(network_pkl=files["network_pkl"], input_pkl=files["input_pkl"])
    paths[f"{which}_pkl"] = out
    return lambda: load_training_network(paths["network_pkl"], paths["input_pkl"], files["nodes_h5"]), out


def _set(path_in_dict, value):
    def fn(d):
        obj = d
        for k in path_in_dict[:-1]:
            obj = obj[k]
        if value is KeyError:
            del obj[path_in_dict[-1]]
        else:
            obj[path_in_dict[-1]] = value(obj[path_in_dict[-1]]) if callable(value) else value
    return fn


def _first_nonempty_node(files):
    with open(files["network_pkl"], "rb") as f:
        d = pickle.load(f)
    return next(i for i, n in enumerate(d["nodes"]) if len(n["ids"]))


CASES = [
    ("network", ["edges"], KeyError, ["['edges']", "missing"]),
    ("network", ["edges", 3, "params", "weight"], lambda w: w[:-1], ["['edges'][3]['params']['weight']", "entries"]),
    ("network", ["edges", 2, "target"], lambda t: np.where(np.arange(t.size) == 0, 10 ** 6, t),
     ["['edges'][2]['target']", "out of range"]),
    ("network", ["edges", 1, "params", "receptor_type"], 5, ["receptor_type", "1..4"]),
    ("network", ["edges", 4, "params", "weight"], lambda w: np.where(np.arange(w.size) == 0, np.nan, w),
     ["['edges'][4]['params']['weight']", "nan"]),
    ("network", ["edges", 0, "params", "delay"], -1.0, ["['delay']", ">= 0"]),
    ("network", ["nodes", "FIRST", "params", "tau_syn"], [5.5, -8.5, 2.8, 5.8], ["tau_syn", "out of range"]),
    ("network", ["nodes", "FIRST", "params", "g"], 0.0, ["/g", "out of range"]),
    ("network", ["nodes", "FIRST", "params", "k"], [0.003], ["['k']", "shape"]),
    ("network", ["nodes", "FIRST", "params", "C_m"], KeyError, ["['C_m']", "missing"]),
    ("input", [0, 1, 0, "source"], lambda s: s + N_LGN, ["[0][1][0]['source']", "LGN unit"]),
    ("input", [1, 1, 0, "params", "receptor_type"], 0, ["[1][1][0]['params']['receptor_type']"]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_corrupted_pickles_rejected_naming_the_entry(files, tmp_path, case):
    which, where_, value, fragments = CASES[case]
    where_ = [(_first_nonempty_node(files) if k == "FIRST" else k) for k in where_]
    if which == "input":
        # tuples inside the input list: rebuild them as lists so they can be edited
        def fn(d, inner=_set(where_, value)):
            d = [[pop, [dict(e, params=dict(e["params"])) for e in edges]] for pop, edges in d]
            inner(d)
            return d
    else:
        fn = _set(where_, value)
    call, path = _rewrite(files, tmp_path, which, fn)
    raises_naming(call, str(path), *fragments)


def test_broken_pickle_files_and_nodes(files, tmp_path):
    cut = truncate_bytes(files["network_pkl"], tmp_path / "network_dat.pkl", 0.5)
    raises_naming(lambda: load_training_network(cut, files["input_pkl"], files["nodes_h5"]),
                  str(cut), "truncated")
    call, path = _rewrite(files, tmp_path, "input", lambda d: d[:1])
    raises_naming(call, str(path), "[LGN, background]")
    bad_nodes = tmp_path / "v1_nodes.h5"
    with h5py.File(files["nodes_h5"]) as f, h5py.File(bad_nodes, "w") as g:
        g["nodes/v1/node_id"] = f["nodes/v1/node_id"][()]
        g["nodes/v1/0/x"] = f["nodes/v1/0/x"][()]
        g["nodes/v1/0/z"] = f["nodes/v1/0/z"][()]
    raises_naming(lambda: load_training_network(files["network_pkl"], files["input_pkl"], bad_nodes),
                  str(bad_nodes), "nodes/v1/0/y", "missing")


def test_corrupted_or_mismatched_checkpoints(files, trained, tmp_path):
    tr = files["truth"]
    missing = _checkpoint(files, tmp_path / "a" / "ck", trained, drop=["recurrent_weight_values"])
    raises_naming(lambda: _load(files, checkpoint=missing), "recurrent_weight_values", "missing")
    nan = _checkpoint(files, tmp_path / "b" / "ck", trained, nan="syn_decay")
    raises_naming(lambda: read_checkpoint_network(nan), "syn_decay", "nan")
    raises_naming(lambda: read_checkpoint_network(tmp_path / "nothing"), "cannot be read as a TensorFlow checkpoint")
    # a checkpoint of another selection (fewer neurons) does not match the pickles
    other = dict(trained)
    small = _checkpoint(files, tmp_path / "c" / "ck", other, n_override=tr["neurons"].n)
    _ = small
    with pytest.raises(FormatError):
        load_training_network(files["network_pkl"], files["input_pkl"], files["nodes_h5"],
                              checkpoint=small, core_radius=300.0)


# --------------------------------------------------------------------------------------------
# the delays the training code ran

def _training_code_load_network(network_pkl, nodes_h5):
    """What the training code's ``load_sparse.load_network`` (core only) gives: indices
    ``[4 * target + receptor, source]`` and weights built edge type after edge type and sorted by
    ``sort_indices`` (``argsort`` of ``row * (max index + 1) + column``), the delays built the
    same way but not sorted."""
    with open(network_pkl, "rb") as f:
        d = pickle.load(f)
    with h5py.File(nodes_h5, "r") as f:
        x, z = f["nodes/v1/0/x"][()], f["nodes/v1/0/z"][()]
    sel = np.sqrt(x ** 2 + z ** 2) < 400
    bmtk_id_to_tf_id = np.full(sel.size, -1)
    bmtk_id_to_tf_id[np.flatnonzero(sel)] = np.arange(sel.sum())
    indices, weights, delays = [], [], []
    for edge in d["edges"]:
        r = edge["params"]["receptor_type"] - 1
        tgt = bmtk_id_to_tf_id[np.array(edge["target"])]
        src = bmtk_id_to_tf_id[np.array(edge["source"])]
        exists = (tgt >= 0) & (src >= 0)
        indices.append(np.array([tgt[exists] * 4 + r, src[exists]]).T)
        weights.append(np.asarray(edge["params"]["weight"])[exists].astype(np.float32))
        delays.append(np.full(exists.sum(), edge["params"]["delay"], np.float32))
    indices, weights, delays = np.concatenate(indices), np.concatenate(weights), np.concatenate(delays)
    q = indices[:, 0] * (np.max(indices) + 1) + indices[:, 1]
    sorted_ind = np.argsort(q)
    return indices[sorted_ind], weights[sorted_ind], delays, delays[sorted_ind]


@pytest.fixture(scope="module")
def interleaved(tmp_path_factory):
    """Pickles of a small network written from the format's description: edge types by source
    population and receptor, each with its own delay, whose synapses interleave when sorted by
    target; three of the 40 nodes lie outside the 400 µm core."""
    d = tmp_path_factory.mktemp("interleaved")
    n_all = 40
    rng = np.random.default_rng(5)
    x = rng.uniform(-250, 250, n_all)
    z = rng.uniform(-250, 250, n_all)
    x[[4, 17, 33]] = 500.0                           # outside the core
    with h5py.File(d / "v1_nodes.h5", "w") as f:
        f["nodes/v1/node_id"] = np.arange(n_all)
        f["nodes/v1/node_type_id"] = np.zeros(n_all, np.int64)
        for c, v in (("x", x), ("y", np.zeros(n_all)), ("z", z)):
            f[f"nodes/v1/0/{c}"] = v.astype(np.float32)
    params = {"V_th": -50.0, "g": 5.0, "E_L": -70.0, "k": [0.02, 0.1], "C_m": 100.0,
              "V_reset": -72.0, "tau_syn": [5.5, 8.5, 2.8, 5.8], "t_ref": 2.0,
              "asc_amps": [-10.0, -100.0]}
    nodes = [{"ids": np.arange(0, 20), "params": dict(params)},
             {"ids": np.arange(20, n_all), "params": dict(params, V_th=-48.0, C_m=60.0)}]
    edges = []
    # (source range, receptor, delay ms): every target gets synapses of several edge types
    for (lo, hi), receptor, delay in (((0, 20), 1, 1.2), ((20, 40), 2, 4.8), ((0, 20), 3, 2.6),
                                      ((20, 30), 1, 3.4), ((30, 40), 4, 0.7)):
        pairs = [(s_, t_) for s_ in range(lo, hi) for t_ in range(n_all) if rng.random() < 0.3]
        src, tgt = np.array(pairs).T
        perm = rng.permutation(src.size)
        edges.append({"source": src[perm].astype(np.uint64), "target": tgt[perm].astype(np.uint64),
                      "params": {"receptor_type": receptor, "delay": delay, "model": "static_synapse",
                                 "weight": rng.uniform(1, 20, src.size) * (1 if receptor in (1, 3) else -1)}})
    with open(d / "network_dat.pkl", "wb") as f:
        pickle.dump({"nodes": nodes, "edges": edges}, f)
    lgn_edges = [{"source": np.arange(n_all) % 5, "target": np.arange(n_all),
                  "params": {"weight": np.full(n_all, 10.0), "delay": 1.0, "receptor_type": 1}}]
    bkg_edges = [{"source": np.zeros(n_all, np.int64), "target": np.arange(n_all),
                  "params": {"weight": np.full(n_all, 5.0), "delay": 1.0, "receptor_type": 1}}]
    with open(d / "input_dat.pkl", "wb") as f:
        pickle.dump([({"ids": np.arange(5), "spikes": [np.array([])] * 5}, lgn_edges),
                     ({"ids": np.array([0]), "spikes": [np.array([])]}, bkg_edges)], f)
    return d


def _load_interleaved(d, **kw):
    return load_training_network(d / "network_dat.pkl", d / "input_dat.pkl", d / "v1_nodes.h5", **kw)


def test_delays_are_those_the_training_code_ran(interleaved):
    d = interleaved
    indices, weights, ran, own = _training_code_load_network(d / "network_dat.pkl", d / "v1_nodes.h5")
    assert np.mean(ran != own) > 0.5                   # edge types interleave
    with pytest.warns(UserWarning, match="another edge"):
        net = _load_interleaved(d)
    rec = net.recurrent
    assert net.n_neurons == 37
    assert np.array_equal(rec.target * 4 + rec.receptor, indices[:, 0])
    assert np.array_equal(rec.source, indices[:, 1])
    assert np.array_equal(rec.weight.astype(np.float32), weights)
    assert np.array_equal(rec.delay.astype(np.float32), ran)
    # the steps the training code's column derives from them
    max_delay = int(np.round(np.min([np.max(ran), 5])))
    steps = np.round(np.clip(ran, 1.0, max_delay) / 1.0).astype(np.int32)
    assert np.array_equal(net.delay_steps(1.0), steps)
    report = net.provenance["delay_assignment"]
    assert report["n_synapses"] == ran.size and report["other_edge"] == int(np.sum(ran != own))
    assert report["other_steps"] == int(np.sum(_training_steps(ran) != _training_steps(own)))
    assert any(f"ran {report['other_edge']} of {ran.size} synapses" in note
               for note in net.provenance["notes"])

    with pytest.warns(UserWarning, match="its own edge's delay instead"):
        edge = _load_interleaved(d, delays="edge")
    assert np.array_equal(edge.recurrent.delay.astype(np.float32), own)
    assert np.array_equal(edge.recurrent.weight, rec.weight)
    with pytest.raises(ValueError, match="delays must be one of training, edge"):
        _load_interleaved(d, delays="sorted")


def test_checkpoint_decides_which_delays_were_run(files, trained, tmp_path):
    """A checkpoint of the published training code carries the training code's assignment (the
    module's ``ckpt``); one of a loader that kept every synapse's own delay carries those: either
    is what the checkpoint ran, and anything else is refused naming both readings."""
    import warnings

    tr = files["truth"]
    aligned = _checkpoint(files, tmp_path / "a" / "ck", trained, aligned=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # nothing ran another edge's delay
        net = _load(files, checkpoint=aligned)
    assert np.array_equal(net.recurrent.delay, tr["rec"][4])
    assert net.provenance["delay_assignment"]["other_edge"] == 0
    assert any("each synapse its own edge's delay" in note for note in net.provenance["notes"])

    tf = pytest.importorskip("tensorflow")
    reader = tf.train.load_checkpoint(str(aligned))
    key = f"{CELL_PREFIX}recurrent_indices{SUFFIX}"
    idx = reader.get_tensor(key)
    n = tr["neurons"].n
    both = np.flatnonzero((_training_steps(tr["ran"]) != 1) & (_training_steps(tr["rec"][4]) != 1))[0]
    idx[both, 1] %= n                                  # one synapse now has a delay of 1 step
    values = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}
    values[key] = idx
    raises_naming(lambda: _load(files, checkpoint=_rewrite_checkpoint(values, tmp_path / "b" / "ck")),
                  f"synapse {both} has a delay of 1 steps", "as the training code assigns", "own edge's")


def _rewrite_checkpoint(values, prefix):
    """A checkpoint holding ``values`` (full key -> array) under the same keys."""
    tf = pytest.importorskip("tensorflow")
    root = tf.Module()
    modules = {"": root}
    for key, value in values.items():
        path = key[:-len(SUFFIX)].split("/")
        obj = root
        for depth, part in enumerate(path[:-1]):
            name = "/".join(path[:depth + 1])
            if name not in modules:
                modules[name] = tf.Module()
                setattr(obj, part, modules[name])
            obj = modules[name]
        setattr(obj, path[-1], tf.Variable(value))
    return tf.train.Checkpoint(**{k: getattr(root, k) for k in ("model",)}).write(str(prefix))


def test_read_network_and_the_v1_job_reach_the_delay_assignment(interleaved, tmp_path):
    """``read_network`` reads the training code's directory from its network_dat.pkl; the V1 job's
    --delays edge reaches the reader, and is refused for a format with one delay per synapse."""
    import argparse
    import shutil
    import warnings

    from pynn_glif3.jobs import v1
    from pynn_glif3.io import read_network
    from pynn_glif3.io.native_h5 import write_native

    d = tmp_path / "GLIF_network"
    (d / "network").mkdir(parents=True)
    for name in ("network_dat.pkl", "input_dat.pkl"):
        shutil.copy(interleaved / name, d / name)
    shutil.copy(interleaved / "v1_nodes.h5", d / "network" / "v1_nodes.h5")
    _, _, ran, own = _training_code_load_network(d / "network_dat.pkl", d / "network" / "v1_nodes.h5")
    parser = argparse.ArgumentParser()
    v1.add_arguments(parser)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for policy, expected in (("training", ran), ("edge", own), ("raw", ran)):
            args = parser.parse_args(["--network", str(d / "network_dat.pkl"), "--stimulus", "s.h5",
                                      "--delays", policy])
            net = read_network(args.network, **v1.options_from_args(args).network_read_options())
            assert net.provenance["format"] == "training-pickles"
            assert np.array_equal(net.recurrent.delay.astype(np.float32), expected), policy
        native = tmp_path / "net.h5"
        write_native(native, net)
    raises_naming(lambda: read_network(native, delays="edge"), str(native),
                  "applies to the training code's pickles")
    assert np.array_equal(read_network(native).recurrent.delay, net.recurrent.delay)
    os.remove(d / "input_dat.pkl")
    raises_naming(lambda: read_network(d / "network_dat.pkl"), "input_dat.pkl", "incomplete")
