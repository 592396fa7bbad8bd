"""GLIF3Alpha on pyNN.nest: the cell type's API and single-neuron clauses, against the reference."""

import os
from pathlib import Path
import subprocess
import sys
import textwrap

import numpy as np
import pytest

nest = pytest.importorskip("nest")
sim = pytest.importorskip("pyNN.nest")

from pyNN.errors import ConnectionError as PyNNConnectionError  # noqa: E402

import pynn_glif3  # noqa: E402
from pynn_glif3 import GLIF3Alpha, model  # noqa: E402
from pynn_glif3.model import units
from pynn_glif3.verification.nest_replay import PyNNNetwork  # noqa: E402
from pynn_glif3.model.physical import NeuronParameters, Synapses  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.oracles.reference import simulate  # noqa: E402
from pynn_glif3.model.timing import StepTiming  # noqa: E402
import readme_example  # noqa: E402
from single_neuron import per_neuron_parameters, reference_single  # noqa: E402

TIMING = StepTiming(dt=1.0)
CELL = dict(v_rest=-70.0, v_thresh=-50.0, v_reset=-66.0, cm=0.08, tau_m=10.0, tau_refrac=3.0,
            i_offset=0.0, asc_amp_1=-0.01, asc_amp_2=-0.1, asc_decay_1=0.05, asc_decay_2=0.3,
            tau_syn_1=2.0, tau_syn_2=4.0, tau_syn_3=7.0, tau_syn_4=9.0)


def run_single(params, inputs=(), n_steps=40, record=("spikes", "v"), threads=1):
    """One GLIF3Alpha through PyNN; ``inputs`` are (row, receptor index, weight nA)."""
    sim.setup(timestep=TIMING.dt, min_delay=TIMING.dt, threads=threads)
    cell = sim.Population(1, GLIF3Alpha(**params))
    projections = []
    for row, receptor, weight in inputs:
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=TIMING.source_times([row])))
        projections.append(sim.Projection(
            source, cell, sim.AllToAllConnector(),
            sim.StaticSynapse(weight=weight, delay=TIMING.input_delay), receptor_type=f"syn{receptor + 1}"))
    cell.record(list(record))
    sim.run(TIMING.run_time(n_steps))
    segment = cell.get_data().segments[-1]
    out = {}
    if segment.spiketrains:
        out["spikes"] = TIMING.spike_raster([st.magnitude for st in segment.spiketrains], n_steps)[:, 0]
    for signal in segment.analogsignals:
        out[signal.name] = TIMING.signal_rows(signal.times.magnitude, signal.magnitude, n_steps)[:, 0]
        out[signal.name + "_signal"] = signal
    return out, cell, projections


# ---------------------------------------------------------------------------------------------
# Receptors, refractoriness, initial state (each compared with the reference)

def test_syn3_reaches_port_3_with_its_tau():
    inputs = [(4, 2, 0.25)]
    record = ("spikes", "v", "psc_1", "psc_2", "psc_3", "psc_4")
    out, _, (projection,) = run_single(CELL, inputs, record=record)
    assert set(projection.nest_connections.get("receptor") if len(projection.nest_connections) > 1
               else [projection.nest_connections.get("receptor")]) == {3}
    ref = reference_single(CELL, inputs)
    for r in (1, 2, 4):
        assert not np.any(out[f"psc_{r}"]), f"psc_{r} moved"
    np.testing.assert_allclose(out["psc_3"], units.pA_to_nA(ref.psc[:, 0, 2]), rtol=0, atol=1e-15)
    # The alpha PSC peaks at the weight, tau_syn_3 = 7 steps after the input row.
    assert np.argmax(out["psc_3"]) == 4 + 7
    assert out["psc_3"].max() == pytest.approx(0.25, rel=1e-12)
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)
    assert out["psc_3_signal"].units.dimensionality.string == "nA"


def test_connections_need_a_receptor():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha())
    with pytest.raises(PyNNConnectionError):
        sim.Projection(cells, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                       receptor_type="excitatory")
    # Natively, port 0 (NEST's default) is refused rather than landing somewhere.
    with pytest.raises(nest.NESTError, match="(?i)receptor"):
        nest.Connect(cells.node_collection[:1], cells.node_collection[1:], "one_to_one", {"weight": 1.0})
    with pytest.raises(nest.NESTError, match="(?i)receptor"):
        nest.Connect(cells.node_collection[:1], cells.node_collection[1:], "one_to_one",
                     {"weight": 1.0, "receptor_type": 5})


def test_input_during_refractoriness_is_counted():
    params = dict(CELL, i_offset=2.5)
    ref_free = reference_single(params, n_steps=60)
    first = int(np.flatnonzero(ref_free.spikes[:, 0])[0])
    inputs = [(first + 1, 0, 0.5)]                 # arrives on the step after the spike
    ref = reference_single(params, inputs, n_steps=60)
    assert ref.psc[first + 2, 0, 0] > 0            # the reference counts it
    out, _, _ = run_single(params, inputs, n_steps=60, record=("spikes", "v", "psc_1"))
    assert out["psc_1"][first + 2] > 0
    np.testing.assert_array_equal(out["spikes"], ref.spikes[:, 0])
    np.testing.assert_allclose(out["psc_1"], units.pA_to_nA(ref.psc[:, 0, 0]), rtol=0, atol=1e-15)
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("t_ref, interval", [(3.0, 3), (3.4, 4)])
def test_refractory_time_accumulates_in_floating_point(t_ref, interval):
    params = dict(CELL, tau_refrac=t_ref, i_offset=20.0, asc_amp_1=0.0, asc_amp_2=0.0)
    ref = reference_single(params, n_steps=40)
    out, _, _ = run_single(params, n_steps=40)
    np.testing.assert_array_equal(out["spikes"], ref.spikes[:, 0])
    rows = np.flatnonzero(out["spikes"])
    assert rows.size > 5 and set(np.diff(rows)) == {interval}
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)


def test_v_starts_at_v_reset_and_holds_until_the_first_row():
    params = dict(CELL, v_reset=-62.5, i_offset=0.3)
    out, _, _ = run_single(params, n_steps=20, record=("v",))
    signal = out["v_signal"]
    times = signal.times.magnitude
    # t = 0 (PyNN's initial value) and the steps before the first training row: exactly v_reset.
    held = signal.magnitude[times <= TIMING.origin, 0]
    assert held.size == TIMING.start_step + 1 and np.all(held == -62.5)
    ref = reference_single(params, n_steps=20)
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)
    assert out["v"][0] != -62.5


def test_current_source_from_t0_acts_like_i_offset():
    """PyNN current sources reach the model (CurrentEvents); a DC from t = 0 equals i_offset."""
    sim.setup(timestep=1.0, min_delay=1.0)
    params = dict(CELL, i_offset=0.0)
    cells = sim.Population(2, GLIF3Alpha(**params))
    cells[0:1].set(i_offset=0.9)
    sim.DCSource(amplitude=0.9, start=0.0, stop=1e9).inject_into(cells[1:2])
    cells.record(["spikes", "v"])
    sim.run(TIMING.run_time(60))
    segment = cells.get_data().segments[0]
    v = TIMING.signal_rows(segment.analogsignals[0].times.magnitude, segment.analogsignals[0].magnitude, 60)
    np.testing.assert_array_equal(v[:, 0], v[:, 1])
    ref = reference_single(dict(params, i_offset=0.9), n_steps=60)
    assert ref.spikes.sum() >= 2
    np.testing.assert_allclose(v[:, 0], ref.v[:, 0], rtol=0, atol=1e-9)


def test_initial_values_are_set_in_native_units():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(3, GLIF3Alpha(**CELL))
    cells.initialize(v=[-60.0, -61.0, -62.0], asc_1=0.01, asc_2=[-0.02, 0.0, 0.5])
    status = cells.node_collection.get(["V_m", "I_asc_1", "I_asc_2"])
    np.testing.assert_array_equal(status["V_m"], [-60.0, -61.0, -62.0])
    np.testing.assert_allclose(status["I_asc_1"], [10.0] * 3, rtol=1e-15)
    np.testing.assert_allclose(status["I_asc_2"], [-20.0, 0.0, 500.0], rtol=1e-15)
    cells.record(["asc_1"])
    sim.run(5.0)
    asc = cells.get_data().segments[-1].filter(name="asc_1")[0]
    assert asc.units.dimensionality.string == "nA"
    np.testing.assert_allclose(asc.magnitude[0], [0.01] * 3, rtol=1e-15)        # t = 0
    np.testing.assert_allclose(asc.magnitude[1], [0.01] * 3, rtol=1e-15)        # held


# ---------------------------------------------------------------------------------------------
# Parameters: per-neuron arrays, get/set round trips, validation

def test_get_and_set_every_parameter_per_neuron():
    rng = np.random.default_rng(3)
    n = 6
    params = per_neuron_parameters(n, rng)
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(n, GLIF3Alpha(**params))
    for name, value in params.items():
        got = np.asarray(cells.get(name), dtype=float)
        np.testing.assert_allclose(got, value, rtol=2e-15, atol=0, err_msg=name)
    native = cells.node_collection.get(["C_m", "g", "I_e", "asc_amp_2", "tau_syn_3", "start_step"])
    np.testing.assert_array_equal(native["C_m"], params["cm"] * 1000.0)
    np.testing.assert_array_equal(native["g"], 1000.0 * params["cm"] / params["tau_m"])
    np.testing.assert_array_equal(native["I_e"], params["i_offset"] * 1000.0)
    np.testing.assert_array_equal(native["asc_amp_2"], params["asc_amp_2"] * 1000.0)
    np.testing.assert_array_equal(native["tau_syn_3"], params["tau_syn_3"])
    assert set(native["start_step"]) == {TIMING.start_step}

    new = per_neuron_parameters(n, np.random.default_rng(4))
    for name, value in new.items():
        cells.set(**{name: value})
        np.testing.assert_allclose(np.asarray(cells.get(name), dtype=float), value, rtol=2e-15, err_msg=name)
    cells.set(tau_m=12.5, tau_syn_2=3.25)
    np.testing.assert_allclose(cells.get("tau_m"), 12.5, rtol=2e-15)
    np.testing.assert_allclose(cells.get("cm"), new["cm"], rtol=2e-15)     # unchanged by tau_m
    np.testing.assert_array_equal(cells.get("tau_syn_2"), 3.25)
    # PopulationView and single-cell access
    cells[1:3].set(v_reset=-71.0)
    assert list(cells.get("v_reset")[1:3]) == [-71.0, -71.0]


@pytest.mark.parametrize("bad, match", [
    (dict(cm=-0.1), "cm"), (dict(tau_m=0.0), "tau_m"), (dict(tau_refrac=-1.0), "tau_refrac"),
    (dict(tau_syn_3=0.0), "tau_syn_3"), (dict(asc_decay_1=-0.1), "asc_decay_1"),
    (dict(v_thresh=float("nan")), "v_thresh"), (dict(v_thresh=-80.0, v_rest=-70.0), "v_thresh"),
])
def test_bad_parameters_are_refused(bad, match):
    with pytest.raises(ValueError, match=match):
        GLIF3Alpha(**bad)
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha())
    before = {name: cells.get(name) for name in bad}
    with pytest.raises(ValueError, match=match):
        cells.set(**bad)
    for name, value in before.items():
        np.testing.assert_array_equal(cells.get(name), value)


def test_inconsistent_set_is_refused_by_the_native_model():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(v_rest=-70.0, v_thresh=-50.0))
    with pytest.raises(nest.NESTError, match="V_th"):
        cells.set(v_thresh=-75.0)          # below the neurons' v_rest: only the model knows
    np.testing.assert_array_equal(cells.get("v_thresh"), -50.0)
    with pytest.raises(nest.NESTError, match="C_m"):
        cells.node_collection.set(C_m=-1.0)


def test_signed_weights_in_nA():
    sim.setup(timestep=1.0, min_delay=1.0)
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=TIMING.source_times([3])))
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    # PyNN wants one sign per postsynaptic batch (one column here); Dale's law gives that.
    weights = np.array([[0.3, -0.45], [1.2, -0.0625]])
    projection = sim.Projection(source, cells, sim.AllToAllConnector(),
                                sim.StaticSynapse(weight=weights, delay=1.0), receptor_type="syn2")
    np.testing.assert_array_equal(projection.get("weight", format="array"), weights)
    connections = projection.nest_connections.get(["source", "target", "weight", "receptor"])
    native = np.zeros((2, 2))
    sources = np.asarray(source.node_collection.tolist())
    targets = np.asarray(cells.node_collection.tolist())
    native[np.searchsorted(sources, connections["source"]),
           np.searchsorted(targets, connections["target"])] = connections["weight"]
    np.testing.assert_allclose(native, weights * 1000.0, rtol=1e-15)
    assert set(connections["receptor"]) == {2}


def test_connector_that_releases_its_arrays_connects_once():
    from pynn_glif3.backends.connectors import FromArraysConnector

    sim.setup(timestep=1.0, min_delay=1.0)
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=TIMING.source_times([3])))
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    connector = FromArraysConnector([0, 1], [1, 0], [0.25, 0.5], [1.0, 2.0], keep_arrays=False)
    projection = sim.Projection(source, cells, connector, sim.StaticSynapse(), receptor_type="syn1")
    assert sorted(projection.get(["weight", "delay"], format="list")) == [(0, 1, 0.25, 1.0), (1, 0, 0.5, 2.0)]
    assert connector.sources.size == connector.weights.size == 0
    with pytest.raises(RuntimeError, match="released its arrays; make a new one"):
        sim.Projection(source, cells, connector, sim.StaticSynapse(), receptor_type="syn1")


# ---------------------------------------------------------------------------------------------
# Recording into neo, several setups in one process, import order

def test_record_everything_into_neo():
    net = random_network(n_neurons=30, n_steps=150, seed=5, n_inputs=20)
    sim.setup(timestep=1.0, min_delay=1.0)
    recordables = [name for name in model.RECORDABLES]
    network = PyNNNetwork(sim, net, record=recordables)
    network.run()
    block = network.cells.get_data()
    names = {signal.name for signal in block.segments[0].analogsignals}
    assert names == set(recordables) - {"spikes"}
    for signal in block.segments[0].analogsignals:
        assert signal.units.dimensionality.string == model.RECORDABLE_UNITS[signal.name]
    result = network.result()
    ref = simulate(**network.native_kwargs(), record_currents=True)
    np.testing.assert_array_equal(result.spikes, ref.spikes)
    assert ref.spikes.sum() > 20
    np.testing.assert_allclose(result.v, ref.v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.asc, ref.asc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.psc, ref.psc, rtol=0, atol=1e-9)


def test_repeated_setup_reinstalls_the_module():
    for threads in (1, 2, 1):
        sim.setup(timestep=1.0, min_delay=1.0, threads=threads)
        assert "glif3_alpha" in nest.node_models
        # Another population first: NEST then refuses new modules, so setup() must have loaded it.
        source = sim.Population(3, sim.SpikeSourceArray(spike_times=TIMING.source_times([0, 1, 2])))
        cells = sim.Population(4, GLIF3Alpha(**CELL))
        sim.Projection(source, cells, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=1.0, delay=1.0), receptor_type="syn1")
        cells.record("spikes")
        sim.run(TIMING.run_time(10))
        assert nest.local_num_threads == threads
        assert sum(len(st) for st in cells.get_data().segments[0].spiketrains) > 0


_SCRIPT = textwrap.dedent("""
    import nest
    {imports}
    celltype = GLIF3Alpha(v_thresh=[-50.0, -49.0, -48.0])
    {setup}
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=[2.0, 3.0]))
    cells = sim.Population(3, celltype)
    sim.Projection(source, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.5, delay=1.0),
                   receptor_type="syn3")
    sim.run(20.0)
    assert cells.get("v_thresh").tolist() == [-50.0, -49.0, -48.0]
    assert nest.GetStatus(cells.node_collection, "I_syn_3")[0] > 0
    print("ok")
""")


@pytest.mark.parametrize("imports, setup", [
    ("from pynn_glif3 import GLIF3Alpha\nimport pyNN.nest as sim", "sim.setup(timestep=1.0, min_delay=1.0)"),
    ("import pyNN.nest as sim\nfrom pynn_glif3 import GLIF3Alpha", "nest.resolution = 1.0"),
], ids=["pynn_glif3-imported-first", "no-setup"])
def test_import_order_and_no_setup(imports, setup, tmp_path):
    """The cell type is made before setup(); pynn_glif3 is imported before or after pyNN.nest;
    and without any setup() (PyNN's own get_data needs setup(), so only the state is checked)."""
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT.format(imports=imports, setup=setup))
    root = str(Path(pynn_glif3.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout


def test_a_population_of_the_standard_cell_type_gets_the_nest_class():
    """A script's simulator-independent GLIF3Alpha (instance or class) becomes the NEST backend's
    in a Population, with the values it was given; the backend object names the same class."""
    from pynn_glif3.backends import backend_for
    from pynn_glif3.backends.nest.cells import GLIF3Alpha as NESTGLIF3Alpha

    sim.setup(timestep=1.0, min_delay=1.0)
    cell = GLIF3Alpha(v_thresh=[-51.0, -50.5])
    assert type(cell) is GLIF3Alpha
    cells = sim.Population(2, cell)
    assert type(cells.celltype) is NESTGLIF3Alpha
    assert cells.get("v_thresh").tolist() == [-51.0, -50.5]
    more = sim.Population(1, GLIF3Alpha, {"v_thresh": -52.0})
    assert type(more.celltype) is NESTGLIF3Alpha and float(more.get("v_thresh")) == -52.0
    assert NESTGLIF3Alpha.nest_name["on_grid"] == "glif3_alpha"
    assert backend_for(sim).cell_type is NESTGLIF3Alpha


# ---------------------------------------------------------------------------------------------
# The README's PyNN example, as written, against the reference; min_delay='auto' on NEST

def test_readme_pynn_example_matches_the_reference():
    code = readme_example.code()
    assert "min_delay=timing.dt" in code
    ns, ref = readme_example.run(sim, code)
    assert 100 < ref.spikes.sum() < 0.3 * ref.spikes.size          # active, not saturated
    np.testing.assert_array_equal(ns["spikes"], ref.spikes)
    v = ns["segment"].filter(name="v")[0]
    np.testing.assert_allclose(ns["timing"].signal_rows(v.times.magnitude, v.magnitude, ns["n_steps"]),
                               ref.v, rtol=0, atol=1e-9)


def test_readme_example_with_min_delay_auto_gives_the_same_spikes():
    """What the README says of min_delay='auto' on NEST: the input projection (1 ms) is created
    after a 2 ms one, so PyNN alone would shift the source times by 2 ms (row 0's 2 ms to 0, which
    NEST refuses) and relay them with 1 ms.  With the binding the script's times hold."""
    import warnings

    code = readme_example.code().replace("min_delay=timing.dt", "min_delay='auto'")
    assert "min_delay='auto'" in code
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ns, ref = readme_example.run(sim, code.replace("sim.run(", "lgn.record('spikes')\nsim.run("))
    assert nest.min_delay == 1.0
    assert not [w for w in caught if "min_delay" in str(w.message)], "nothing to correct here"
    np.testing.assert_array_equal(ns["spikes"], ref.spikes)
    timing, input_spikes = ns["timing"], ns["input_spikes"]
    relayed = ns["lgn"].get_data().segments[0].spiketrains
    assert len(relayed) == input_spikes.shape[1]
    for unit, train in enumerate(relayed):
        np.testing.assert_array_equal(train.magnitude, timing.input_spike_times(input_spikes)[unit])


def test_auto_min_delay_above_one_step_is_corrected():
    """Every connection 2 ms: the relay's delay becomes 2 ms only at the first run; spikes still
    reach the neuron in the steps StepTiming computes them for."""
    timing = StepTiming(dt=1.0, input_delay_steps=2)
    sim.setup(timestep=1.0, min_delay="auto")
    try:
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=timing.source_times([2, 5])))
        cells = sim.Population(1, GLIF3Alpha(**CELL))
        sim.Projection(source, cells, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=0.5, delay=timing.input_delay), receptor_type="syn1")
        source.record("spikes")
        cells.record(["spikes", "v", "psc_1"])
        asked = timing.source_times([2, 5])
        np.testing.assert_array_equal(np.ravel(source.get("spike_times").value), asked)   # read back before
        with pytest.warns(UserWarning, match="min_delay='auto'"):
            sim.run(timing.run_time(30))
        assert nest.min_delay == 2.0
        np.testing.assert_array_equal(np.ravel(source.get("spike_times").value), asked)   # and after the run
        np.testing.assert_array_equal(source.get_data().segments[0].spiketrains[0].magnitude,
                                      timing.source_times([2, 5]))
        segment = cells.get_data().segments[0]
        psc = segment.filter(name="psc_1")[0]
        got = timing.signal_rows(psc.times.magnitude, psc.magnitude, 30)[:, 0]
    finally:
        sim.end()
    ref = reference_single(CELL, [(2, 0, 0.5), (5, 0, 0.5)], n_steps=30)
    np.testing.assert_allclose(got, units.pA_to_nA(ref.psc[:, 0, 0]), rtol=0, atol=1e-15)


def test_source_times_stay_on_the_grid_after_pynn_subtracts_min_delay():
    """At dt = 0.1 ms, 4.4 - 0.1 = 4.300000000000001 in floating point: NEST's precise spike
    generator would emit it a step late.  Rows 42, 642, 647 are such times (from StepTiming)."""
    timing = StepTiming(dt=0.1)
    rows = [42, 642, 647]
    assert all(float(t) - 0.1 > round(float(t) - 0.1, 9) for t in timing.source_times(rows))
    sim.setup(timestep=0.1, min_delay=0.1)
    try:
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=timing.source_times(rows)))
        cells = sim.Population(1, GLIF3Alpha(**CELL))
        sim.Projection(source, cells, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=0.5, delay=timing.input_delay), receptor_type="syn1")
        source.record("spikes")
        cells.record(["psc_1"])
        sim.run(timing.run_time(660))
        np.testing.assert_array_equal(source.get_data().segments[0].spiketrains[0].magnitude,
                                      timing.source_times(rows))
        psc = cells.get_data().segments[0].filter(name="psc_1")[0]
        got = timing.signal_rows(psc.times.magnitude, psc.magnitude, 660)[:, 0]
    finally:
        sim.end()
    physical = units.pynn_to_physical(dict(model.DEFAULT_PARAMETERS, **CELL))
    spikes = np.zeros((660, 1))
    spikes[rows, 0] = 1
    ref = simulate(NeuronParameters(**physical), 660, dt=0.1, inputs=Synapses([0], [0], [0], [500.0]),
                   input_spikes=spikes, record_currents=True)
    np.testing.assert_allclose(got, units.pA_to_nA(ref.psc[:, 0, 0]), rtol=0, atol=1e-15)


def test_initial_v_is_the_v_reset_given_at_creation_not_a_later_one():
    """docs/model.md: v starts at the v_reset the cell type was created with; a later
    set(v_reset=...) changes the reset only (PyNN's separate initial values); initialize moves v."""
    sim.setup(timestep=1.0, min_delay=1.0)
    try:
        cells = sim.Population(3, GLIF3Alpha(**dict(CELL, v_reset=-61.0)))
        cells[1:].set(v_reset=-64.0)
        cells.initialize(v=[-61.0, -61.0, -64.0])
        cells.record("v")
        sim.run(TIMING.run_time(1))
        v = cells.get_data().segments[0].filter(name="v")[0]
        assert list(cells.get("v_reset")) == [-61.0, -64.0, -64.0]
        np.testing.assert_array_equal(v.magnitude[0], [-61.0, -61.0, -64.0])       # t = 0
        np.testing.assert_array_equal(v.magnitude[TIMING.start_step], [-61.0, -61.0, -64.0])
    finally:
        sim.end()
