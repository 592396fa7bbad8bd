"""GLIF3Alpha on pyNN.neuron: the cell type's PyNN API, against the reference and propagators()."""

import numpy as np
import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
sim = pytest.importorskip("pyNN.neuron")

from pyNN.parameters import Sequence  # noqa: E402

from pynn_glif3 import GLIF3Alpha, model  # noqa: E402
from pynn_glif3.backends import backend_for  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.model import units  # noqa: E402
from pynn_glif3.model.physical import NeuronParameters, Synapses  # noqa: E402
from pynn_glif3.model.propagators import propagators  # noqa: E402
from pynn_glif3.model.timing import StepTiming  # noqa: E402
from pynn_glif3.oracles.reference import simulate  # noqa: E402
from pynn_glif3.verification.nest_replay import PyNNNetwork  # noqa: E402
import readme_example  # noqa: E402

TIMING = StepTiming(dt=1.0)
CELL = dict(v_rest=-70.0, v_thresh=-50.0, v_reset=-66.0, cm=0.08, tau_m=10.0, tau_refrac=3.0,
            i_offset=0.0, asc_amp_1=-0.01, asc_amp_2=-0.1, asc_decay_1=0.05, asc_decay_2=0.3,
            tau_syn_1=2.0, tau_syn_2=4.0, tau_syn_3=7.0, tau_syn_4=9.0)


def _rows(signal, n_steps):
    return TIMING.signal_rows(signal.times.magnitude, signal.magnitude, n_steps)


def _reference_of(cells, n_steps, **kwargs):
    params = {name: np.full(cells.size, np.asarray(cells.get(name), dtype=float))
              for name in model.DEFAULT_PARAMETERS}
    return simulate(NeuronParameters(**units.pynn_to_physical(params)), n_steps, record_currents=True,
                    **kwargs)


def test_plain_pynn_script_matches_the_reference():
    """The README's script on pyNN.neuron: the standard GLIF3Alpha, PyNN's own connectors and
    SpikeSourceArrays, recurrent delays of 2 ms, signed weights."""
    sim.setup(timestep=TIMING.dt, min_delay=TIMING.dt)
    cells = sim.Population(60, GLIF3Alpha(tau_syn_3=2.8, v_thresh=-45.0))
    proj = sim.Projection(cells, cells, sim.FixedProbabilityConnector(0.1, rng=sim.NumpyRNG(1)),
                          sim.StaticSynapse(weight=-0.02, delay=2.0), receptor_type="syn2")
    n_steps = 200
    input_spikes = np.random.default_rng(0).random((n_steps, 20)) < 0.1
    lgn = sim.Population(20, sim.SpikeSourceArray(
        spike_times=[Sequence(t) for t in TIMING.input_spike_times(input_spikes)]))
    lgn_proj = sim.Projection(lgn, cells, sim.FixedProbabilityConnector(0.3, rng=sim.NumpyRNG(2)),
                              sim.StaticSynapse(weight=0.05, delay=TIMING.input_delay),
                              receptor_type="syn1")
    cells.record(["spikes", "v", "asc_1"])
    sim.run(TIMING.run_time(n_steps))
    segment = cells.get_data().segments[0]
    spikes = TIMING.spike_raster([st.magnitude for st in segment.spiketrains], n_steps)

    def synapses(projection, with_delay):
        i, j, w, d = (np.array(c) for c in zip(*projection.get(["weight", "delay"], format="list")))
        receptor = np.full(i.size, model.RECEPTORS.index(projection.receptor_type))
        return Synapses(i.astype(int), j.astype(int), receptor, units.nA_to_pA(w),
                        *([d] if with_delay else []))

    rec = synapses(proj, True)
    assert set(rec.delay) == {2.0}                  # the PyNN delay, not the NetCon's
    ref = _reference_of(cells, n_steps, recurrent=rec, inputs=synapses(lgn_proj, False),
                        input_spikes=input_spikes.astype(float))
    assert 100 < ref.spikes.sum() < 0.3 * ref.spikes.size
    np.testing.assert_array_equal(spikes, ref.spikes)
    np.testing.assert_allclose(_rows(segment.filter(name="v")[0], n_steps), ref.v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(_rows(segment.filter(name="asc_1")[0], n_steps), ref.asc[:, :, 0] / 1000,
                               rtol=0, atol=1e-12)


def test_standard_cell_type_becomes_neurons_and_receptors_are_checked():
    from pynn_glif3.backends.neuron.cells import GLIF3Alpha as NEURONGLIF3Alpha

    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(v_thresh=[-51.0, -50.5]))
    assert type(cells.celltype) is NEURONGLIF3Alpha
    assert cells.get("v_thresh").tolist() == [-51.0, -50.5]
    assert backend_for(sim).cell_type is NEURONGLIF3Alpha
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[3.0]))
    with pytest.raises(Exception, match="syn5|receptor"):
        sim.Projection(source, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=1.0),
                       receptor_type="syn5")
    with pytest.raises(ValueError, match="at least one time step"):
        sim.Projection(source, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1, delay=0.2),
                       receptor_type="syn1")


def test_v_starts_at_v_reset_and_holds_until_the_first_row():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(1, GLIF3Alpha(**dict(CELL, v_reset=-62.5, i_offset=0.3)))
    cells.record("v")
    sim.run(TIMING.run_time(20))
    signal = cells.get_data().segments[0].filter(name="v")[0]
    held = signal.magnitude[signal.times.magnitude <= TIMING.origin, 0]
    assert held.size == TIMING.start_step + 1 and np.all(held == -62.5)
    ref = _reference_of(cells, 20)
    np.testing.assert_allclose(_rows(signal, 20), ref.v, rtol=0, atol=1e-9)


def test_parameters_per_neuron_set_and_step_constants():
    rng = np.random.default_rng(3)
    n = 5
    params = {spec.name: spec.default * rng.uniform(0.8, 1.25, n) for spec in model.PARAMETERS}
    params["v_thresh"] = params["v_rest"] + 25.0
    params["v_reset"] = params["v_rest"] - 1.0
    sim.setup(timestep=0.5, min_delay=0.5)
    cells = sim.Population(n, GLIF3Alpha(**params))
    for name, value in params.items():
        np.testing.assert_allclose(np.asarray(cells.get(name), dtype=float), value, rtol=2e-15, err_msg=name)
    cells.set(tau_m=12.5, tau_syn_2=params["tau_syn_2"] * 0.5)
    np.testing.assert_allclose(cells.get("tau_m"), 12.5, rtol=2e-15)
    np.testing.assert_allclose(cells.get("cm"), params["cm"], rtol=2e-15)
    # the mechanism holds propagators()'s constants of the values set, for dt = 0.5 ms
    physical = {name: np.asarray(cells.get(name), dtype=float) for name in model.DEFAULT_PARAMETERS}
    c = propagators(NeuronParameters(**units.pynn_to_physical(physical)), 0.5)
    mech = [cell._cell for cell in cells]
    np.testing.assert_allclose([m.decay_v for m in mech], c.decay_v, rtol=1e-15)
    np.testing.assert_allclose([m.drive_v for m in mech], c.drive_v, rtol=1e-15)
    np.testing.assert_allclose([m.rise_gain_2 for m in mech], c.rise_gain[:, 1], rtol=1e-15)
    np.testing.assert_allclose([m.rise_step_2 for m in mech], c.rise_step[:, 1], rtol=1e-15)
    assert {m.step_ms for m in mech} == {0.5}
    with pytest.raises(ValueError, match="cm"):
        cells.set(cm=-0.1)


def test_inconsistent_set_is_refused_and_undone():
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(2, GLIF3Alpha(v_rest=-70.0, v_thresh=-50.0))
    with pytest.raises(ValueError, match="v_thresh.*not above 'v_rest'"):
        cells.set(v_thresh=-75.0)          # below the neurons' v_rest: only the cells know
    np.testing.assert_array_equal(cells.get("v_thresh"), -50.0)
    assert {cell._cell.v_threshold for cell in cells} == {-50.0}
    cells.set(v_rest=-80.0, v_thresh=-75.0)  # both at once: valid whatever the order of setting
    np.testing.assert_array_equal(cells.get("v_thresh"), -75.0)


def test_set_between_runs_takes_effect_at_once():
    """A parameter set after a run acts from the next step on, as on NEST: ``run_time(10)`` ends
    one step past row 9, so row 10 is computed with the old value and rows from 11 on with the new
    one (checked against the step's equations with propagators()'s constants)."""
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(1, GLIF3Alpha(**dict(CELL, i_offset=0.0)))
    cells.record("v")
    sim.run(TIMING.run_time(10))
    cells.set(i_offset=0.05)
    sim.run(10.0)
    v = _rows(cells.get_data().segments[0].filter(name="v")[0], 20)[:, 0]
    p = NeuronParameters(**units.pynn_to_physical({k: np.array([val]) for k, val in
                                                   dict(model.DEFAULT_PARAMETERS, **CELL).items()}))
    c = propagators(p, 1.0)
    expected, V = [], p.V_reset[0]
    for row in range(20):
        current = 50.0 if row >= 11 else 0.0
        V = c.decay_v[0] * V + c.drive_v[0] * (current + c.leak_drive[0])
        expected.append(V)
    assert V < p.V_th[0]
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-9)


def test_initialize_and_record_everything_into_neo():
    net = random_network(n_neurons=20, n_steps=120, seed=5, n_inputs=20)
    sim.setup(timestep=1.0, min_delay=1.0)
    recordables = list(model.RECORDABLES)
    network = PyNNNetwork(sim, net, record=recordables)
    network.run()
    block = network.cells.get_data()
    names = {signal.name for signal in block.segments[0].analogsignals}
    assert names == set(recordables) - {"spikes"}
    for signal in block.segments[0].analogsignals:
        assert signal.units.dimensionality.string == model.RECORDABLE_UNITS[signal.name]
    result = network.result()
    ref = simulate(**net.kwargs(), record_currents=True)
    assert ref.spikes.sum() > 20
    np.testing.assert_array_equal(result.spikes, ref.spikes)
    np.testing.assert_allclose(result.asc, ref.asc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.psc, ref.psc, rtol=0, atol=1e-9)

    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(3, GLIF3Alpha(**CELL))
    cells.initialize(v=[-60.0, -61.0, -62.0], asc_1=0.01, asc_2=[-0.02, 0.0, 0.5])
    cells.record(["v", "asc_1", "asc_2"])
    sim.run(2.0)
    segment = cells.get_data().segments[-1]
    np.testing.assert_array_equal(segment.filter(name="v")[0].magnitude[0], [-60.0, -61.0, -62.0])
    np.testing.assert_allclose(segment.filter(name="asc_1")[0].magnitude[:2], 0.01, rtol=1e-15)
    np.testing.assert_allclose(segment.filter(name="asc_2")[0].magnitude[1], [-0.02, 0.0, 0.5], rtol=1e-15)


def test_bulk_connections_hold_pynn_values():
    from pynn_glif3.backends.connectors import FromArraysConnector

    sim.setup(timestep=1.0, min_delay=1.0)
    source = sim.Population(2, sim.SpikeSourceArray(spike_times=[3.0]))
    cells = sim.Population(2, GLIF3Alpha(**CELL))
    connector = FromArraysConnector([0, 1, 1], [1, 0, 1], [0.25, -0.5, 0.125], [1.0, 2.0, 3.0])
    projection = sim.Projection(source, cells, connector, sim.StaticSynapse(), receptor_type="syn3")
    assert sorted(projection.get(["weight", "delay"], format="list")) == [
        (0, 1, 0.25, 1.0), (1, 0, -0.5, 2.0), (1, 1, 0.125, 3.0)]
    assert len(projection) == 3
    assert {c.nc.weight[1] for c in projection.connections} == {2.0}        # syn3


def test_current_injection_is_refused():
    """An artificial cell has no section for PyNN's current sources (i_offset is the way)."""
    sim.setup(timestep=1.0, min_delay=1.0)
    cells = sim.Population(1, GLIF3Alpha())
    with pytest.raises(TypeError):
        sim.DCSource(amplitude=0.5).inject_into(cells)


def test_reset_repeats_the_run_from_the_initial_values():
    net = random_network(n_neurons=30, n_steps=100, seed=9, n_inputs=20)
    sim.setup(timestep=1.0, min_delay=1.0)
    network = PyNNNetwork(sim, net, record=("spikes", "v"))
    network.cells.initialize(v=-60.0)
    network.run()
    first = network.result()
    sim.reset()
    network.run()
    segments = network.cells.get_data().segments
    assert len(segments) == 2
    second = network.result()
    assert first.spikes.sum() > 10
    np.testing.assert_array_equal(second.spikes, first.spikes)
    np.testing.assert_array_equal(second.v, first.v)
    assert segments[1].filter(name="v")[0].magnitude[0, 0] == -60.0


def test_readme_pynn_example_on_neuron_matches_the_reference():
    """The README's PyNN script as written, with its import naming pyNN.neuron."""
    ns, ref = readme_example.run(sim, readme_example.code("pyNN.neuron"))
    assert 100 < ref.spikes.sum() < 0.3 * ref.spikes.size
    np.testing.assert_array_equal(ns["spikes"], ref.spikes)

