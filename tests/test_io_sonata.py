"""The Allen SONATA release of the Billeh model: tiny synthetic SONATA files written here, weights
with nsyns and the orientation rules, a receptor per edge type, LGN and background edges."""

import json
import math
import shutil

import h5py
import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.io import detect_format, read_network
from pynn_glif3.io.sonata import read_sonata
from io_helpers import raises_naming

N, N_LGN = 120, 40
SIGMA = {("e", "e"): 30.0, ("e", "i"): 90.0, ("i", "e"): 90.0, ("i", "i"): 50.0}
RULE = {("e", "e"): "DirectionRule_EE", ("e", "i"): "DirectionRule_others",
        ("i", "e"): "DirectionRule_others", ("i", "i"): "DirectionRule_others"}
JSON_OF = {("e", "e"): "e2e.json", ("i", "e"): "i2e.json", ("e", "i"): "e2i.json", ("i", "i"): "i2i.json"}
PORT = {"e2e.json": 1, "i2e.json": 2, "e2i.json": 3, "i2i.json": 4, "lgn.json": 1, "bkg_e.json": 1,
        "bkg_i.json": 3}


def _write_sonata(root):
    """Write the model directory layout; returns the expected per-edge data."""
    net = synthetic.generate_v1(N, seed=8, n_lgn=N_LGN, n_classes=0)
    rng = np.random.default_rng(4)
    netdir = root / "network"
    cells = root / "components" / "cell_models" / "nest_models"
    syns = root / "components" / "synaptic_models"
    for d in (netdir, cells, syns):
        d.mkdir(parents=True)
    for name, port in PORT.items():
        (syns / name).write_text(json.dumps({"receptor_type": port}))
    # i2i.json also carries the weight_sigma (the table leaves it empty for that type)
    (syns / "i2i.json").write_text(json.dumps({"receptor_type": 4, "weight_sigma": 50.0}))

    # nodes, stored in a shuffled row order with shuffled node ids
    node_id = rng.permutation(N) + 1000              # node ids need not start at 0
    rows_of_neuron = np.argsort(node_id)             # neuron i (node-id order) is row rows_of_neuron[i]
    pos = net.positions * (600.0 / np.hypot(net.positions[:, 0], net.positions[:, 2]).max())
    pos[:, 1] = net.positions[:, 1]
    tuning = rng.uniform(0, 360, N)
    p = net.neurons
    used = np.unique(net.node_type_ids)
    type_id = 500000 + net.node_type_ids
    row_data = np.empty(N, dtype=np.int64)
    row_data[rows_of_neuron] = np.arange(N)         # which neuron sits in each row
    with h5py.File(netdir / "v1_nodes.h5", "w") as f:
        g = f.create_group("nodes/v1")
        g["node_id"] = np.sort(node_id)[row_data]
        g["node_type_id"] = type_id[row_data]
        g["node_group_id"] = np.zeros(N, np.int64)
        g["node_group_index"] = np.arange(N)
        for i, c in enumerate("xyz"):
            g[f"0/{c}"] = pos[row_data, i]
        g["0/tuning_angle"] = tuning[row_data]
    ids_sorted = np.sort(node_id)                     # node id of neuron i
    with open(netdir / "v1_node_types.csv", "w") as f:
        f.write("node_type_id model_type model_template pop_name ei location dynamics_params\n")
        for k, t in enumerate(used):
            i0 = int(np.flatnonzero(net.node_type_ids == t)[0])
            name = net.node_type_names[t]
            js = {"V_th": p.V_th[i0], "g": p.g[i0], "E_L": p.E_L[i0], "C_m": p.C_m[i0],
                  "t_ref": p.t_ref[i0], "asc_amps": p.asc_amps[i0].tolist(),
                  "tau_syn": p.tau_syn[i0].tolist(), "V_m": p.V_reset[i0], "asc_init": [0.0, 0.0]}
            # older files: k instead of asc_decay; V_reset only as V_m in some
            js["k" if k % 2 else "asc_decay"] = p.k[i0].tolist()
            if k % 3:
                js["V_reset"] = p.V_reset[i0]
            (cells / f"{500000 + t}_glif_lif_asc_psc.json").write_text(json.dumps(js))
            f.write(f"{500000 + t} point_process nest:glif_lif_asc_psc {name} {name[0]} VisL "
                    f"{500000 + t}_glif_lif_asc_psc.json\n")

    # recurrent edges by E/I pair; plus one type without weight function
    exc = net.excitatory()
    rec = net.recurrent
    ei = np.where(exc, "e", "i")
    etype_of = {}
    with open(netdir / "v1_v1_edge_types.csv", "w") as f:
        f.write('edge_type_id target_query source_query delay dynamics_params model_template '
                'syn_weight weight_function weight_sigma\n')
        for k, (pair, js) in enumerate(JSON_OF.items()):
            etype_of[pair] = 100 + k
            sigma = "NULL" if pair == ("i", "i") else SIGMA[pair]
            f.write(f'{100 + k} "ei==\'{pair[1]}\'" "ei==\'{pair[0]}\'" {1.0 + 0.7 * k} {js} '
                    f'static_synapse NULL {RULE[pair]} {sigma}\n')
        f.write('199 "*" "*" 6.5 e2e.json static_synapse 2.5 NULL NULL\n')
    e_type = np.array([etype_of[(ei[s], ei[t])] for s, t in zip(rec.source, rec.target)])
    plain = rng.random(rec.n) < 0.1
    e_type[plain & exc[rec.source] & exc[rec.target]] = 199
    syn_weight = np.abs(rec.weight) / 10.0 * np.where(exc[rec.source], 1.0, -1.0)
    nsyns = rng.integers(1, 6, rec.n)
    with h5py.File(netdir / "v1_v1_edges.h5", "w") as f:
        g = f.create_group("edges/v1_to_v1")
        g["source_node_id"] = ids_sorted[rec.source]
        g["target_node_id"] = ids_sorted[rec.target]
        g["edge_type_id"] = e_type
        g["edge_group_id"] = np.zeros(rec.n, np.int64)
        g["edge_group_index"] = np.arange(rec.n)
        g["0/syn_weight"] = np.where(e_type == 199, np.nan, syn_weight)   # per-edge NaN: not used
        g["0/nsyns"] = nsyns
    # the per-edge column wins over the table: type 199 edges carry the table's value there too
    with h5py.File(netdir / "v1_v1_edges.h5", "r+") as f:
        sw = f["edges/v1_to_v1/0/syn_weight"][()]
        sw[e_type == 199] = 2.5
        f["edges/v1_to_v1/0/syn_weight"][...] = sw

    # LGN
    inp = net.inputs
    with h5py.File(netdir / "lgn_nodes.h5", "w") as f:
        f["nodes/lgn/node_id"] = np.arange(N_LGN)
        f["nodes/lgn/node_type_id"] = np.full(N_LGN, 7)
    lgn_nsyns = rng.integers(1, 4, inp.n)
    with h5py.File(netdir / "lgn_v1_edges.h5", "w") as f:
        g = f.create_group("edges/lgn_to_v1")
        g["source_node_id"] = inp.source
        g["target_node_id"] = ids_sorted[inp.target]
        g["edge_type_id"] = np.full(inp.n, 300)
        g["0/syn_weight"] = inp.weight / 3.0
        g["0/nsyns"] = lgn_nsyns
    (netdir / "lgn_v1_edge_types.csv").write_text(
        "edge_type_id target_query source_query delay dynamics_params model_template\n"
        '300 "*" "*" 1.7 lgn.json static_synapse\n')

    # background: one node, syn_weight per edge type (table), nsyns per edge
    with h5py.File(netdir / "bkg_nodes.h5", "w") as f:
        f["nodes/bkg/node_id"] = np.array([0])
        f["nodes/bkg/node_type_id"] = np.array([1])
    b_nsyns = rng.integers(1, 4, N)
    with h5py.File(netdir / "bkg_v1_edges.h5", "w") as f:
        g = f.create_group("edges/bkg_to_v1")
        g["source_node_id"] = np.zeros(N, np.int64)
        g["target_node_id"] = ids_sorted
        g["edge_type_id"] = np.where(exc, 400, 401)
        g["0/nsyns"] = b_nsyns
    (netdir / "bkg_v1_edge_types.csv").write_text(
        "edge_type_id target_query source_query delay dynamics_params model_template syn_weight\n"
        '400 "ei==\'e\'" "*" 1.0 bkg_e.json static_synapse 3.0\n'
        '401 "ei==\'i\'" "*" 1.0 bkg_i.json static_synapse 4.0\n')

    return dict(net=net, netdir=netdir, pos=pos, tuning=tuning, e_type=e_type, syn_weight=syn_weight,
                nsyns=nsyns, lgn_nsyns=lgn_nsyns, b_nsyns=b_nsyns, exc=exc)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return _write_sonata(tmp_path_factory.mktemp("sonata"))


def _expected_weight(m, i):
    """Weight of recurrent edge i, written out from the documented formulas, scalar math."""
    rec = m["net"].recurrent
    s, t = rec.source[i], rec.target[i]
    et = m["e_type"][i]
    if et == 199:
        return 2.5 * m["nsyns"][i]
    pair = ("e" if m["exc"][s] else "i", "e" if m["exc"][t] else "i")
    sigma = SIGMA[pair]
    ts, tt = m["tuning"][s], m["tuning"][t]
    d = abs(abs((abs(tt - ts) % 360.0) - 180.0) - 180.0)
    w = m["syn_weight"][i] * m["nsyns"][i] * math.exp(-(d / sigma) ** 2)
    if RULE[pair] == "DirectionRule_EE":
        dx = (m["pos"][t, 0] - m["pos"][s, 0]) * 0.07
        dz = (m["pos"][t, 2] - m["pos"][s, 2]) * 0.04
        th = math.radians(tt)
        xz = dx * math.cos(th) + dz * math.sin(th)
        scale = abs(abs(abs(180.0 - (abs(tt) % 360.0)) - 90.0) - 90.0)
        w *= math.exp(-xz * xz / 2.0) * (5.5 / 4.0 - 11.0 / 1680.0 * scale)
    return w


def test_reads_whole_model_with_weight_rules_and_receptors(model):
    net = read_sonata(model["netdir"])
    src = model["net"]
    assert detect_format(model["netdir"].parent) == "sonata"
    assert net.n_neurons == N and net.n_inputs == N_LGN
    names = np.array(net.node_type_names)[net.node_type_ids]
    assert np.array_equal(names, np.array(src.node_type_names)[src.node_type_ids])
    for name in ("E_L", "V_th", "V_reset", "C_m", "g", "t_ref", "k", "asc_amps", "tau_syn"):
        assert np.array_equal(getattr(net.neurons, name), getattr(src.neurons, name)), name
    rec = net.recurrent
    assert np.array_equal(rec.source, src.recurrent.source) and np.array_equal(rec.target, src.recurrent.target)
    expected = np.array([_expected_weight(model, i) for i in range(rec.n)])
    assert np.allclose(rec.weight, expected, rtol=1e-12, atol=0)
    # the rules change the weights: not just syn_weight * nsyns
    assert not np.allclose(rec.weight, model["syn_weight"] * model["nsyns"])
    # receptor from each edge type's JSON: E->E 1, I->E 2, E->I 3, I->I 4
    exc = model["exc"]
    se, te = exc[rec.source], exc[rec.target]
    assert np.array_equal(rec.receptor, np.where(te, np.where(se, 0, 1), np.where(se, 2, 3)))
    assert np.all(rec.weight[se] >= 0) and np.all(rec.weight[~se] < 0)   # far E->E pairs: phase underflows to 0
    delays = {100: 1.0, 101: 1.7, 102: 2.4, 103: 3.1, 199: 6.5}
    assert np.allclose(rec.delay, [delays[e] for e in model["e_type"]])
    # LGN: syn_weight * nsyns, receptor 1, no delay
    assert np.allclose(net.inputs.weight, src.inputs.weight / 3.0 * model["lgn_nsyns"])
    assert np.all(net.inputs.receptor == 0) and net.inputs.delay is None
    # background: table syn_weight * per-edge nsyns; syn1 for E, syn3 for I
    b = net.bkg_weights
    assert np.allclose(b[exc, 0], 3.0 * model["b_nsyns"][exc]) and np.allclose(b[~exc, 2], 4.0 * model["b_nsyns"][~exc])
    assert np.count_nonzero(b) == N
    assert np.allclose(net.tuning_angles, model["tuning"])
    assert np.allclose(net.positions, model["pos"])
    assert net.populations() and net.provenance["format"] == "sonata-billeh"


def test_chunked_reading_and_core_selection(model):
    full = read_sonata(model["netdir"])
    chunked = read_sonata(model["netdir"], chunk_size=7)
    for a, b in ((full.recurrent, chunked.recurrent), (full.inputs, chunked.inputs)):
        assert np.array_equal(a.source, b.source) and np.array_equal(a.weight, b.weight)
    assert np.array_equal(full.bkg_weights, chunked.bkg_weights)
    core = read_sonata(model["netdir"], core_radius=400.0)
    keep = np.hypot(model["pos"][:, 0], model["pos"][:, 2]) < 400.0
    assert 0 < core.n_neurons == keep.sum() < N
    sub = full.take(np.flatnonzero(keep))
    for a, b in ((core.recurrent, sub.recurrent), (core.inputs, sub.inputs)):
        order_a = np.lexsort((a.source, a.target))
        order_b = np.lexsort((b.source, b.target))
        assert np.array_equal(a.source[order_a], b.source[order_b])
        assert np.allclose(a.weight[order_a], b.weight[order_b])
    assert np.allclose(core.bkg_weights, sub.bkg_weights)
    assert core.n_neurons == read_network(model["netdir"], core_radius=400.0).n_neurons


def test_user_supplied_weight_function(model, tmp_path):
    root = tmp_path / "m"
    shutil.copytree(model["netdir"].parent, root)
    csv = root / "network" / "v1_v1_edge_types.csv"
    csv.write_text(csv.read_text().replace("static_synapse 2.5 NULL NULL", "static_synapse 2.5 Halve NULL"))
    raises_naming(lambda: read_sonata(root / "network"), "Halve", "weight_function")
    net = read_sonata(root / "network", weight_functions={"Halve": lambda e, s, t: e["syn_weight"] * 0.5})
    sel = model["e_type"] == 199
    assert np.allclose(net.recurrent.weight[sel], 1.25)


def _corrupt(model, tmp_path, fn):
    root = tmp_path / "m"
    shutil.copytree(model["netdir"].parent, root)
    fn(root / "network", root / "components")
    return root / "network"


def _h5set(path, name, value=None, delete=False):
    with h5py.File(path, "r+") as f:
        data = f[name][()]
        del f[name]
        if not delete:
            f[name] = value(data) if callable(value) else value


def _json_edit(path, **changes):
    js = json.loads(path.read_text())
    for k, v in changes.items():
        if v is None:
            js.pop(k, None)
        else:
            js[k] = v
    path.write_text(json.dumps(js))


def _first_cell_json(comp):
    return sorted((comp / "cell_models" / "nest_models").iterdir())[0]


CASES = [
    (lambda n, c: _h5set(n / "v1_nodes.h5", "nodes/v1/node_type_id", delete=True),
     ["v1_nodes.h5", "nodes/v1/node_type_id", "missing"]),
    (lambda n, c: _h5set(n / "v1_nodes.h5", "nodes/v1/0/tuning_angle", delete=True),
     ["nodes/v1/0/tuning_angle", "DirectionRule"]),
    (lambda n, c: _h5set(n / "v1_nodes.h5", "nodes/v1/node_type_id", lambda a: a + 1),
     ["nodes/v1/node_type_id", "v1_node_types.csv"]),
    (lambda n, c: _h5set(n / "v1_v1_edges.h5", "edges/v1_to_v1/0/syn_weight", lambda a: a[:-5]),
     ["edges/v1_to_v1/0/syn_weight", "truncated"]),
    (lambda n, c: _h5set(n / "v1_v1_edges.h5", "edges/v1_to_v1/target_node_id", lambda a: a[:-5]),
     ["edges/v1_to_v1/target_node_id", "shape"]),
    (lambda n, c: _h5set(n / "v1_v1_edges.h5", "edges/v1_to_v1/target_node_id",
                         lambda a: np.where(np.arange(a.size) == 3, 99999, a)),
     ["target_node_id", "node id 99999"]),
    (lambda n, c: _h5set(n / "v1_v1_edges.h5", "edges/v1_to_v1/edge_type_id",
                         lambda a: np.where(np.arange(a.size) == 0, 777, a)),
     ["edge_type_id", "777", "v1_v1_edge_types.csv"]),
    (lambda n, c: _h5set(n / "v1_v1_edges.h5", "edges/v1_to_v1/0/nsyns",
                         lambda a: np.where(np.arange(a.size) == 0, np.nan, a)),
     ["edges/v1_to_v1/0/nsyns", "entry 0 is nan"]),
    (lambda n, c: _h5set(n / "lgn_v1_edges.h5", "edges/lgn_to_v1/source_node_id", lambda a: a + N_LGN),
     ["lgn_v1_edges.h5", "source_node_id", "not a node"]),
    (lambda n, c: _json_edit(c / "synaptic_models" / "e2i.json", receptor_type=7),
     ["e2i.json", "receptor_type", "1..4"]),
    (lambda n, c: _json_edit(c / "synaptic_models" / "i2i.json", weight_sigma=None),
     ["v1_v1_edge_types.csv", "weight_sigma"]),
    (lambda n, c: _json_edit(_first_cell_json(c), tau_syn=[5.5, -8.5, 2.8, 5.8]),
     ["v1_node_types.csv", "tau_syn", "out of range"]),
    (lambda n, c: _json_edit(_first_cell_json(c), tau_syn=None), ["glif_lif_asc_psc.json", "tau_syn"]),
    (lambda n, c: _json_edit(_first_cell_json(c), g=0.0), ["/g", "out of range"]),
    (lambda n, c: _first_cell_json(c).unlink(), ["glif_lif_asc_psc.json", "not found"]),
    (lambda n, c: (n / "v1_v1_edge_types.csv").write_text(
        (n / "v1_v1_edge_types.csv").read_text().replace("NULL DirectionRule_EE 30.0", "NULL DirectionRule_EE abc")),
     ["weight_sigma", "abc"]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_corrupted_sonata_rejected_naming_the_file_and_dataset(model, tmp_path, case):
    fn, fragments = CASES[case]
    netdir = _corrupt(model, tmp_path, fn)
    raises_naming(lambda: read_sonata(netdir), *fragments)


def test_not_a_sonata_directory(tmp_path):
    raises_naming(lambda: read_sonata(tmp_path), "v1_nodes.h5")
