"""GLIF3Alpha on pyNN.brian2: the cell type's PyNN API and single-neuron clauses, against the
reference, and its errors (those of the NEST backend, tests/test_nest_pynn.py)."""


import numpy as np
import pytest

brian2 = pytest.importorskip("brian2", reason="Brian2 is not installed: pip install 'pynn_glif3[brian2]'")
sim = pytest.importorskip("pyNN.brian2")

from pyNN.errors import ConnectionError as PyNNConnectionError  # noqa: E402

from pynn_glif3 import GLIF3Alpha, model  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.model import units  # noqa: E402
from pynn_glif3.model.physical import NeuronParameters, Synapses  # noqa: E402
from pynn_glif3.model.timing import StepTiming  # noqa: E402
from pynn_glif3.oracles.reference import simulate  # noqa: E402
from pynn_glif3.verification.nest_replay import PyNNNetwork  # noqa: E402
import readme_example  # noqa: E402
from single_neuron import per_neuron_parameters, reference_single  # noqa: E402

TIMING = StepTiming(dt=1.0)
CELL = dict(v_rest=-70.0, v_thresh=-50.0, v_reset=-66.0, cm=0.08, tau_m=10.0, tau_refrac=3.0,
            i_offset=0.0, asc_amp_1=-0.01, asc_amp_2=-0.1, asc_decay_1=0.05, asc_decay_2=0.3,
            tau_syn_1=2.0, tau_syn_2=4.0, tau_syn_3=7.0, tau_syn_4=9.0)


@pytest.fixture(autouse=True, scope="module")
def numpy_target():
    previous = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.codegen.target = previous


def run_single(params, inputs=(), n_steps=40, record=("spikes", "v")):
    """One GLIF3Alpha through PyNN; ``inputs`` are (row, receptor index, weight nA)."""
    sim.setup(timestep=TIMING.dt, min_delay=TIMING.dt)
    cell = sim.Population(1, GLIF3Alpha(**params))
    for row, receptor, weight in inputs:
        source = sim.Population(1, sim.SpikeSourceArray(spike_times=TIMING.source_times([row])))
        sim.Projection(source, cell, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=weight, delay=TIMING.input_delay),
                       receptor_type=f"syn{receptor + 1}")
    cell.record(list(record))
    sim.run(TIMING.run_time(n_steps))
    segment = cell.get_data().segments[-1]
    sim.end()
    out = {}
    if segment.spiketrains:
        out["spikes"] = TIMING.spike_raster([st.magnitude for st in segment.spiketrains], n_steps)[:, 0]
    for signal in segment.analogsignals:
        out[signal.name] = TIMING.signal_rows(signal.times.magnitude, signal.magnitude, n_steps)[:, 0]
        out[signal.name + "_signal"] = signal
    return out


# ---------------------------------------------------------------------------------------------
# Receptors, refractoriness, initial state, injected current (each against the reference)

@pytest.mark.parametrize("receptor", [0, 1, 2, 3])
def test_each_receptor_reaches_its_psc_with_its_tau_and_sign(receptor):
    weight = 0.25 if receptor % 2 == 0 else -0.25
    inputs = [(4, receptor, weight)]
    record = ("spikes", "v", "psc_1", "psc_2", "psc_3", "psc_4")
    out = run_single(CELL, inputs, record=record)
    ref = reference_single(CELL, inputs)
    for r in range(4):
        np.testing.assert_allclose(out[f"psc_{r + 1}"], units.pA_to_nA(ref.psc[:, 0, r]), rtol=0,
                                   atol=1e-15)
    tau = CELL[f"tau_syn_{receptor + 1}"]
    assert np.argmax(np.abs(out[f"psc_{receptor + 1}"])) == 4 + tau
    assert out[f"psc_{receptor + 1}"][4 + int(tau)] == pytest.approx(weight, rel=1e-12)
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)
    assert out[f"psc_{receptor + 1}_signal"].units.dimensionality.string == "nA"


def test_connections_need_a_receptor():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha())
    with pytest.raises(PyNNConnectionError):
        sim.Projection(cells, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                       receptor_type="excitatory")
    sim.end()


def test_input_during_refractoriness_is_counted():
    params = dict(CELL, i_offset=2.5)
    first = int(np.flatnonzero(reference_single(params, n_steps=60).spikes[:, 0])[0])
    inputs = [(first + 1, 0, 0.5)]                 # arrives on the step after the spike
    ref = reference_single(params, inputs, n_steps=60)
    assert ref.psc[first + 2, 0, 0] > 0
    out = run_single(params, inputs, n_steps=60, record=("spikes", "v", "psc_1"))
    np.testing.assert_array_equal(out["spikes"], ref.spikes[:, 0])
    np.testing.assert_allclose(out["psc_1"], units.pA_to_nA(ref.psc[:, 0, 0]), rtol=0, atol=1e-15)
    np.testing.assert_allclose(out["v"], ref.v[:, 0], rtol=0, atol=1e-9)


def test_v_starts_at_v_reset_and_holds_until_the_first_row():
    params = dict(CELL, v_reset=-62.5, i_offset=0.3)
    out = run_single(params, n_steps=20, record=("v",))
    signal = out["v_signal"]
    held = signal.magnitude[signal.times.magnitude <= TIMING.origin, 0]
    assert held.size == TIMING.start_step + 1 and np.all(held == -62.5)
    np.testing.assert_allclose(out["v"], reference_single(params, n_steps=20).v[:, 0], rtol=0, atol=1e-9)
    assert out["v"][0] != -62.5


def test_current_source_from_t0_acts_like_i_offset():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    cells[0:1].set(i_offset=0.9)
    sim.DCSource(amplitude=0.9, start=0.0, stop=1e9).inject_into(cells[1:2])
    cells.record(["spikes", "v"])
    sim.run(TIMING.run_time(60))
    signal = cells.get_data().segments[0].analogsignals[0]
    sim.end()
    v = TIMING.signal_rows(signal.times.magnitude, signal.magnitude, 60)
    # the current goes nA -> A -> pA, i_offset nA -> pA: equal up to that rounding
    np.testing.assert_allclose(v[:, 0], v[:, 1], rtol=0, atol=1e-12)
    ref = reference_single(dict(CELL, i_offset=0.9), n_steps=60)
    assert ref.spikes.sum() >= 2
    np.testing.assert_allclose(v[:, 0], ref.v[:, 0], rtol=0, atol=1e-9)


def test_initial_values_are_set_in_native_units():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(3, GLIF3Alpha(**CELL))
    cells.initialize(v=[-60.0, -61.0, -62.0], asc_1=0.01, asc_2=[-0.02, 0.0, 0.5])
    group = cells.brian2_group
    np.testing.assert_array_equal(group.V_m[:], [-60.0, -61.0, -62.0])
    np.testing.assert_allclose(group.I_asc_1[:], [10.0] * 3, rtol=1e-15)
    np.testing.assert_allclose(group.I_asc_2[:], [-20.0, 0.0, 500.0], rtol=1e-15)
    cells.record(["asc_1"])
    sim.run(5.0)
    asc = cells.get_data().segments[-1].filter(name="asc_1")[0]
    sim.end()
    assert asc.units.dimensionality.string == "nA"
    np.testing.assert_allclose(asc.magnitude[0], [0.01] * 3, rtol=1e-15)        # t = 0
    np.testing.assert_allclose(asc.magnitude[1], [0.01] * 3, rtol=1e-15)        # held


def test_initial_v_is_the_v_reset_given_at_creation_not_a_later_one():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(**dict(CELL, v_reset=-64.0)))
    cells.set(v_reset=-68.0)
    np.testing.assert_array_equal(cells.brian2_group.V_m[:], [-64.0, -64.0])
    sim.end()


# ---------------------------------------------------------------------------------------------
# Parameters: per-neuron arrays, RandomDistribution, get/set round trips, validation

def test_get_and_set_every_parameter_per_neuron():
    n = 6
    params = per_neuron_parameters(n, np.random.default_rng(3))
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(n, GLIF3Alpha(**params))
    for name, value in params.items():
        np.testing.assert_allclose(np.asarray(cells.get(name), dtype=float), value, rtol=2e-15,
                                   atol=0, err_msg=name)
    group = cells.brian2_group
    np.testing.assert_array_equal(group.C_m[:], params["cm"] * 1000.0)
    np.testing.assert_array_equal(group.g[:], 1000.0 * params["cm"] / params["tau_m"])
    np.testing.assert_array_equal(group.I_e[:], params["i_offset"] * 1000.0)
    np.testing.assert_array_equal(group.tau_syn_3[:], params["tau_syn_3"])
    assert set(group.start_step[:]) == {TIMING.start_step}
    new = per_neuron_parameters(n, np.random.default_rng(4))
    for name, value in new.items():
        cells.set(**{name: value})
        np.testing.assert_allclose(np.asarray(cells.get(name), dtype=float), value, rtol=2e-15, err_msg=name)
    cells.set(tau_m=12.5, tau_syn_2=3.25)
    np.testing.assert_allclose(cells.get("tau_m"), 12.5, rtol=2e-15)
    np.testing.assert_allclose(cells.get("cm"), new["cm"], rtol=2e-15)     # unchanged by tau_m
    cells[1:3].set(v_reset=-71.0)
    assert list(cells.get("v_reset")[1:3]) == [-71.0, -71.0]
    sim.end()


def test_random_distribution_and_changed_parameters_reach_the_step():
    """Values drawn by PyNN, then changed with set() between runs: the step's constants are
    recomputed before each run (reset() restarts from t = 0)."""
    n, n_steps = 20, 80
    sim.setup(timestep=1.0, min_delay=1.0)
    rng = sim.NumpyRNG(seed=5)
    cells = sim.Population(n, GLIF3Alpha(**dict(
        CELL, i_offset=0.6, tau_m=sim.RandomDistribution("uniform", (8.0, 14.0), rng=rng),
        tau_syn_1=sim.RandomDistribution("uniform", (1.5, 6.0), rng=rng))))
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=TIMING.source_times([3, 20])))
    sim.Projection(source, cells, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=0.4, delay=TIMING.input_delay), receptor_type="syn1")
    cells.record(["spikes", "v"])
    runs = []
    for change in ({}, {"tau_refrac": 1.0, "v_thresh": -52.0}):
        if change:
            sim.reset()
            cells.set(**change)
        sim.run(TIMING.run_time(n_steps))
        segment = cells.get_data().segments[-1]
        v = segment.filter(name="v")[0]
        params = {name: np.asarray(cells.get(name), dtype=float) * np.ones(n)
                  for name in model.DEFAULT_PARAMETERS}
        runs.append((TIMING.signal_rows(v.times.magnitude, v.magnitude, n_steps), params))
    sim.end()
    assert np.unique(runs[0][1]["tau_m"]).size == n
    for v, params in runs:
        spikes = np.zeros((n_steps, 1))
        spikes[[3, 20], 0] = 1
        ref = simulate(NeuronParameters(**units.pynn_to_physical(params)), n_steps,
                       inputs=Synapses(np.zeros(n, int), np.arange(n), np.zeros(n, int), np.full(n, 400.0)),
                       input_spikes=spikes)
        np.testing.assert_allclose(v, ref.v, rtol=0, atol=1e-9)
    assert np.abs(runs[0][0] - runs[1][0]).max() > 0.1


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
    sim.end()


def test_inconsistent_set_is_refused_by_the_model():
    """A threshold set below the neurons' resting potential: only the neurons know both."""
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(v_rest=-70.0, v_thresh=-50.0))
    with pytest.raises(ValueError, match=r"V_th\[0\] = -75.0 mV is not above E_L\[0\] = -70.0 mV"):
        cells.set(v_thresh=-75.0)
    np.testing.assert_array_equal(cells.get("v_thresh"), -50.0)
    with pytest.raises(ValueError, match=r"V_th\[1\] = -71.0 mV is not above E_L\[1\]"):
        cells[1:2].set(v_thresh=-71.0)
    np.testing.assert_array_equal(cells.get("v_thresh"), -50.0)
    cells.brian2_group.C_m = -1.0            # past PyNN, straight into Brian2: refused at run
    with pytest.raises(ValueError, match="C_m"):
        sim.run(5.0)
    sim.end()


def test_signed_weights_in_nA():
    sim.setup(timestep=1.0, min_delay=1.0)
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=TIMING.source_times([3])))
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    weights = np.array([[0.3, -0.45], [1.2, -0.0625]])
    projection = sim.Projection(source, cells, sim.AllToAllConnector(),
                                sim.StaticSynapse(weight=weights, delay=2.0), receptor_type="syn2")
    np.testing.assert_array_equal(projection.get("weight", format="array"), weights)
    np.testing.assert_array_equal(projection.get("delay", format="array"), 2.0)
    synapses = projection._brian2_synapses[0][0]
    native = np.zeros((2, 2))
    native[synapses.i[:], synapses.j[:]] = synapses.weight[:] / brian2.pA
    np.testing.assert_allclose(native, weights * 1000.0, rtol=1e-15)
    np.testing.assert_array_equal(synapses.delay[:] / brian2.ms, 1.0)   # one step less inside Brian2
    sim.end()


def test_connector_that_releases_its_arrays_connects_once():
    from pynn_glif3.backends.connectors import FromArraysConnector

    sim.setup(timestep=1.0, min_delay=1.0)
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=TIMING.source_times([3])))
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    connector = FromArraysConnector([0, 1, 1], [1, 0, 0], [0.25, 0.5, -0.75], [1.0, 2.0, 2.0],
                                    keep_arrays=False)
    projection = sim.Projection(source, cells, connector, sim.StaticSynapse(), receptor_type="syn1")
    assert sorted(projection.get(["weight", "delay"], format="list")) == \
        [(0, 1, 0.25, 1.0), (1, 0, -0.75, 2.0), (1, 0, 0.5, 2.0)]
    assert connector.sources.size == connector.weights.size == 0
    with pytest.raises(RuntimeError, match="released its arrays; make a new one"):
        sim.Projection(source, cells, connector, sim.StaticSynapse(), receptor_type="syn1")
    sim.end()


def test_record_everything_into_neo():
    net = random_network(n_neurons=30, n_steps=150, seed=5, n_inputs=20)
    sim.setup(timestep=1.0, min_delay=1.0)
    recordables = list(model.RECORDABLES)
    network = PyNNNetwork(sim, net, record=recordables)
    network.run()
    block = network.cells.get_data()
    result = network.result()
    sim.end()
    names = {signal.name for signal in block.segments[0].analogsignals}
    assert names == set(recordables) - {"spikes"}
    for signal in block.segments[0].analogsignals:
        assert signal.units.dimensionality.string == model.RECORDABLE_UNITS[signal.name]
    ref = simulate(**net.kwargs(), record_currents=True)
    np.testing.assert_array_equal(result.spikes, ref.spikes)
    assert ref.spikes.sum() > 20
    np.testing.assert_allclose(result.v, ref.v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.asc, ref.asc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.psc, ref.psc, rtol=0, atol=1e-9)


def test_reset_restarts_exactly():
    net = random_network(n_neurons=30, n_steps=100, seed=6, n_inputs=20)
    sim.setup(timestep=1.0, min_delay=1.0)
    network = PyNNNetwork(sim, net, record=("spikes", "v"))
    network.run()
    first = network.result()
    sim.reset()
    network.run()
    second = network.result()
    sim.end()
    assert first.spikes.sum() > 10
    np.testing.assert_array_equal(first.spikes, second.spikes)
    np.testing.assert_array_equal(first.v, second.v)


def test_a_population_of_the_standard_cell_type_gets_the_brian2_class():
    from pynn_glif3.backends import backend_for
    from pynn_glif3.backends.brian2.cells import GLIF3Alpha as Brian2GLIF3Alpha

    sim.setup(timestep=1.0, min_delay=1.0)
    cell = GLIF3Alpha(v_thresh=[-51.0, -50.5])
    assert type(cell) is GLIF3Alpha
    cells = sim.Population(2, cell)
    assert type(cells.celltype) is Brian2GLIF3Alpha
    assert cells.get("v_thresh").tolist() == [-51.0, -50.5]
    more = sim.Population(1, GLIF3Alpha, {"v_thresh": -52.0})
    assert type(more.celltype) is Brian2GLIF3Alpha and float(more.get("v_thresh")) == -52.0
    assert backend_for(sim).cell_type is Brian2GLIF3Alpha
    sim.end()


# ---------------------------------------------------------------------------------------------
# The README's PyNN example on Brian2

def test_readme_pynn_example_on_brian2_matches_the_reference():
    ns, ref = readme_example.run(sim, readme_example.code("pyNN.brian2"))
    assert 100 < ref.spikes.sum() < 0.3 * ref.spikes.size
    np.testing.assert_array_equal(ns["spikes"], ref.spikes)


def test_auto_min_delay_is_the_smallest_delay_in_steps():
    """pyNN.brian2 alone computed 'auto' as if steps were 0.1 ms (10 ms here for a 1 ms delay),
    which then became the default delay of new connections."""
    sim.setup(timestep=1.0)
    cells = sim.Population(3, GLIF3Alpha(**CELL))
    sim.Projection(cells, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=2.0),
                   receptor_type="syn1")
    assert sim.get_min_delay() == 2.0
    default = sim.Projection(cells, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.1),
                             receptor_type="syn2")
    np.testing.assert_array_equal(np.asarray(default.get("delay", format="list"))[:, 2], 2.0)
    sim.end()
