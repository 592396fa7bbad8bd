"""GLIF3Alpha on sPyNNaker (pyNN.spiNNaker) in virtual-board mode: the V1 builder maps a synthetic
network; receptors, signed weights, delays and the parameter structs are checked.

Skips when sPyNNaker is not installed (``pip install spynnaker``).  The network is built in a
separate process (tests/spinnaker_virtual_job.py) with a temporary HOME holding a virtual-board
``.spynnaker.cfg``: importing pyNN.spiNNaker makes ``GLIF3Alpha(...)`` return sPyNNaker cells, which
must not leak into the other tests.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("spynnaker", reason="sPyNNaker is not installed (pip install spynnaker)")

from pynn_glif3 import model, builder  # noqa: E402
from pynn_glif3.io import read_network  # noqa: E402
from pynn_glif3.backends.spinnaker import layout  # noqa: E402
from pynn_glif3.model.timing import N_BACKGROUND_SOURCES, START_STEP, StepTiming  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOB = os.path.join(ROOT, "tests", "spinnaker_virtual_job.py")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import spinnaker_virtual_job  # noqa: E402


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    (home / ".spynnaker.cfg").write_text("[Machine]\nvirtual_board = True\nversion = 5\n")
    out = tmp_path_factory.mktemp("spinnaker_v1")
    paths = [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    env = dict(os.environ, HOME=str(home), PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.run([sys.executable, JOB, str(out)], cwd=str(out), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    with open(out / "result.json") as f:
        result = json.load(f)
    data = dict(np.load(out / "result.npz"))
    net = read_network(str(out / "v1.h5"))
    return result, data, net


def _expected(net, data):
    """label -> (sources, targets, signed weights nA, delays ms) the builder should have made."""
    options = builder.BuildOptions()
    timing = StepTiming(dt=options.dt)
    out = {}

    def add(prefix, source, target, receptor, weight_pA, delay):
        for r, name in enumerate(model.RECEPTORS):
            sel = receptor == r
            if sel.any():
                out[f"{prefix}->{name}"] = (source[sel], target[sel], weight_pA[sel] / 1000.0,
                                            delay[sel])

    rec = net.recurrent
    delays, _ = builder.simulator_delays(rec.delay, options)
    add("V1", rec.source, rec.target, rec.receptor, rec.weight, delays)
    inp = net.inputs
    add("LGN", inp.source, inp.target, inp.receptor, inp.weight, np.full(inp.n, timing.input_delay))
    w = np.asarray(net.bkg_weights, float)
    target, receptor = np.nonzero(w)
    k = N_BACKGROUND_SOURCES
    source = np.repeat(np.arange(k), target.size)
    tgt, rcp = np.tile(target, k), np.tile(receptor, k)
    add("background", source, tgt, rcp, w[tgt, rcp], np.full(source.size, timing.input_delay))
    s, t, wt, d = (np.asarray(a, float) for a in spinnaker_virtual_job.MIXED)
    out["mixed->syn3"] = (s, t, wt, d)
    s, t, wt = (np.asarray(a, float) for a in spinnaker_virtual_job.LIST)
    out["list->syn4"] = (s, t, wt, np.full(s.size, 3.0))
    out["scalar->syn2"] = None
    return out


def _grid_pA(values_pA):
    """The coarsest power-of-two grid (pA) on which every value lies."""
    for k in range(-8, 30):
        res = 2.0 ** -k
        q = values_pA / res
        if np.all(np.abs(q - np.round(q)) < 1e-6):
            return res
    raise AssertionError("weights are on no power-of-two grid")


def _sorted_rows(a):
    a = np.asarray(a, float).reshape(-1, 4)
    return a[np.lexsort((a[:, 3], a[:, 2], a[:, 1], a[:, 0]))]


def test_cell_type_is_the_spinnaker_backends(job):
    result, _, _ = job
    assert result["cell_type"] == "pynn_glif3.backends.spinnaker.cells.GLIF3Alpha"
    assert result["is_glif3"] and result["standard_cells_become_spinnaker_cells"]
    assert result["seconds"] < 90


def test_receptors_map_to_synapse_types_by_sign(job):
    result, _, _ = job
    seen = set()
    for prj in result["projections"]:
        assert prj["class"] == "SignedProjection"
        base = prj["receptor_type"]
        r = model.RECEPTORS.index(base)
        for sign, part in prj["parts"].items():
            if sign == "1":
                assert (part["receptor_type"], part["synapse_type"]) == (base, r)
            else:
                assert (part["receptor_type"], part["synapse_type"]) == \
                    (base + "_negative", r + model.N_RECEPTORS)
                assert layout.SYNAPSE_TYPE_NAMES[part["synapse_type"]] == part["receptor_type"]
            seen.add(part["synapse_type"])
    # the synthetic V1 has inhibitory receptors (syn2, syn4) and excitatory ones; the mixed
    # projection has both signs on syn3
    parts = {p["label"]: set(p["parts"]) for p in result["projections"]}
    assert parts["mixed->syn3"] == parts["list->syn4"] == {"1", "-1"}
    assert parts["scalar->syn2"] == {"-1"}
    assert {0, 2, 5, 7, 6} <= seen


def test_weights_with_sign_and_delays_equal_the_network(job):
    result, data, net = job
    expected = _expected(net, data)
    labels = [p["label"] for p in result["projections"]]
    assert sorted(labels) == sorted(expected)
    n_negative = 0
    for i, label in enumerate(labels):
        got = _sorted_rows(data[f"prj{i}"])
        if expected[label] is None:        # StaticSynapse(weight=-0.01, delay=2.0), all to all
            assert got.shape == (net.n_inputs * 3, 4)
            np.testing.assert_allclose(got[:, 2], -0.01, rtol=1e-3)
            np.testing.assert_array_equal(got[:, 3], 2.0)
            continue
        want = _sorted_rows(np.column_stack(expected[label]))
        assert got.shape == want.shape, label
        np.testing.assert_array_equal(got[:, :2], want[:, :2], err_msg=label)
        np.testing.assert_array_equal(np.sign(got[:, 2]), np.sign(want[:, 2]), err_msg=label)
        # sPyNNaker returns the weights as the board holds them: 16-bit magnitudes on a grid of
        # 2^(shift - 15) pA per synapse type (docs/spinnaker.md); each part is on one grid and
        # rounded to nearest
        for sign in (1, -1):
            sel = np.sign(want[:, 2]) == sign
            if sel.any():
                res = _grid_pA(np.abs(got[sel, 2]) * 1000.0)
                assert sel.sum() < 20 or res <= 2.0 ** -3, (label, res)
                err = np.abs(got[sel, 2] - want[sel, 2]) * 1000.0
                assert err.max() <= res / 2 + 1e-9, (label, sign, err.max(), res)
        np.testing.assert_array_equal(got[:, 3], want[:, 3], err_msg=label)
        n_negative += int((got[:, 2] < 0).sum())
    assert n_negative > 0
    # the training delay rule clipped or rounded some of the file's recurrent delays
    _, report = builder.simulator_delays(net.recurrent.delay, builder.BuildOptions())
    assert report.changed > 0


def test_parameter_structs_are_the_layout_encoding(job):
    _, data, net = job
    expected = layout.derive(net.neurons, 1.0)
    n = net.neurons.n
    for key, fields, values in (("neuron", layout.NEURON_PARAMS_FIELDS, expected[0]),
                                ("threshold", layout.THRESHOLD_PARAMS_FIELDS, expected[1]),
                                ("synapse", layout.SYNAPSE_PARAMS_FIELDS, expected[2])):
        raw = layout.unpack(data[f"struct_{key}"].tobytes(), fields, n)
        want = layout.encode_fields(values, fields, key)
        for _, name in fields:
            # the builder hands the file's values to the structs unconverted: every word exact
            np.testing.assert_array_equal(raw[name], want[name], err_msg=f"{key}.{name}")


def test_set_and_initialize_reach_the_structs(job):
    """Population.set / initialize after creation change the host-computed fields."""
    _, data, _ = job
    raw = layout.unpack(data["small_neuron"].tobytes(), layout.NEURON_PARAMS_FIELDS, 3)
    p = dict(model.DEFAULT_PARAMETERS, tau_m=spinnaker_virtual_job.SMALL_TAU_M)
    decay = layout.decode(raw["decay_v"], layout.U032)
    np.testing.assert_allclose(decay, np.exp(-1.0 / p["tau_m"]), atol=2.0 ** -32)
    np.testing.assert_allclose(layout.decode(raw["asc_amp_2"], layout.S1615), [100, 200, 300],
                               atol=2.0 ** -15)
    np.testing.assert_allclose(layout.decode(raw["v_init"], layout.S1615),
                               spinnaker_virtual_job.SMALL_V - p["v_rest"], atol=2.0 ** -15)
    np.testing.assert_array_equal(raw["hold_init"], spinnaker_virtual_job.SMALL_START_STEP + 1)


def _rows_of_sources(counts_per_source):
    """Per source (column), the training rows of its spikes, a row repeated for each count."""
    return [np.repeat(np.arange(c.size), c.astype(np.int64)) for c in counts_per_source.T]


def test_input_and_background_arrive_in_the_time_step_of_their_row(job):
    """The builder's source times and delays, as sPyNNaker sends and delivers them (a spike sent
    in time step t on a connection of d steps is read in step t + d), reach the neurons in the
    time step in which GLIF3Alpha computes their training row: the step after the hold that the
    structs carry.  The spikes of that step are stamped with its time, which the builder reads
    back as the same row."""
    result, data, net = job
    n = net.neurons.n
    neuron = layout.unpack(data["struct_neuron"].tobytes(), layout.NEURON_PARAMS_FIELDS, n)
    synapse = layout.unpack(data["struct_synapse"].tobytes(), layout.SYNAPSE_PARAMS_FIELDS, n)
    np.testing.assert_array_equal(neuron["hold_init"], layout.hold_ticks(START_STEP))
    np.testing.assert_array_equal(synapse["hold_init"], neuron["hold_init"])
    first_tick = int(neuron["hold_init"][0])
    timing = StepTiming(dt=builder.BuildOptions().dt)

    labels = [p["label"] for p in result["projections"]]
    spikes_in = data["spikes_in"]
    counts = {"lgn": spikes_in,
              "background": (data["bkg"][:, None] > np.arange(N_BACKGROUND_SOURCES)).astype(float)}
    for key, prefix in (("lgn", "LGN->"), ("background", "background->")):
        delays = np.unique(np.concatenate([data[f"prj{i}"][:, 3] for i, label in enumerate(labels)
                                           if label.startswith(prefix)]))
        assert delays.size == 1, (key, delays)
        delay_steps = delays[0] / timing.dt
        assert delay_steps == int(delay_steps) >= 1
        ticks, source = data[f"ticks_{key}"], data[f"ticks_{key}_source"]
        rows = _rows_of_sources(counts[key])
        assert len(rows) == data[f"ticks_{key}_n_sources"] and sum(r.size for r in rows) == ticks.size > 0
        for j, want in enumerate(rows):
            arrive = np.sort(ticks[source == j] + int(delay_steps))
            np.testing.assert_array_equal(arrive, first_tick + want, err_msg=f"{key} source {j}")
    # sPyNNaker stamps the spikes of time step t with t h: row m's come out at row_times(m)
    m = np.arange(data["spikes_in"].shape[0])
    np.testing.assert_allclose((first_tick + m) * timing.dt, timing.row_times(m))


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_spynnaker_sends_the_builder_times_in_the_step_before_their_row(dt):
    """sPyNNaker's own conversion of spike-source times to time steps, on the builder's times."""
    from spynnaker.pyNN.models.spike_source.spike_source_array_vertex import _send_buffer_times

    timing = StepTiming(dt=dt)
    rows = np.arange(300)
    sent = np.asarray(_send_buffer_times(list(timing.source_times(rows)), dt * 1000.0))
    first_tick = int(layout.hold_ticks(timing.start_step))
    np.testing.assert_array_equal(sent + timing.input_delay_steps, first_tick + rows)


def test_v1_job_runs_with_simulator_spinnaker_on_a_virtual_board(tmp_path):
    """`pynn-glif3 run --simulator spinnaker` maps and 'runs' the synthetic network (no board: the
    recordings are empty, so only the job's completion and its bookkeeping are checked)."""
    from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1

    home = tmp_path / "home"
    home.mkdir()
    (home / ".spynnaker.cfg").write_text("[Machine]\nvirtual_board = True\nversion = 5\n")
    net, stim, out = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5"), str(tmp_path / "results")
    write_synthetic_v1(net, n_neurons=300, seed=1, n_lgn=100, pool_size=2)
    write_synthetic_stimulus(stim, n_samples=2, n_lgn=100, seed=2, post_delay=50)
    paths = [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    env = dict(os.environ, HOME=str(home), PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.run([sys.executable, "-m", "pynn_glif3", "run", "--simulator", "spinnaker",
                           "--network", net, "--stimulus", stim, "--out", out, "--quiet", "--no-plots"],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    assert results["samples"] == 2
    with open(os.path.join(out, "run.json")) as f:
        assert json.load(f)["simulator"] == "spinnaker"


_FIND_BINARY = """
import os, sys
import pyNN.spiNNaker  # noqa: F401
from spynnaker.pyNN.data import SpynnakerDataView
from pynn_glif3 import GLIF3Alpha  # noqa: F401  (prepares the backend of the imported pyNN.spiNNaker)
from pynn_glif3.backends.spinnaker import build, cells
# sPyNNaker's own search, as mapping runs it: a KeyError when the directory is not registered
made_dir = not os.path.isdir(build.BINARY_DIR)
os.makedirs(build.BINARY_DIR, exist_ok=True)
path = os.path.join(build.BINARY_DIR, cells.BINARY)
placeholder = not os.path.exists(path)
if placeholder:
    open(path, "wb").close()
try:
    found = SpynnakerDataView.get_executable_path(cells.BINARY)
finally:
    if placeholder:
        os.remove(path)
    if made_dir:
        os.rmdir(build.BINARY_DIR)
print(found)
"""


def test_spynnaker_finds_the_binary_in_the_package(tmp_path):
    (tmp_path / ".spynnaker.cfg").write_text("[Machine]\nvirtual_board = True\nversion = 5\n")
    paths = [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    env = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.run([sys.executable, "-c", _FIND_BINARY], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = os.path.join(ROOT, "pynn_glif3", "backends", "spinnaker", "model_binaries", "glif3_alpha.aplx")
    assert proc.stdout.strip().splitlines()[-1] == expected
