"""glif3_alpha on NEST against the NumPy reference: recurrent networks, spike for spike.

Networks: 300+ heterogeneous neurons, recurrent delays of 1..5 steps (drawn in ms, clipped and
rounded as in training), all four receptors, signed weights, input spike sources and the ten
background sources, 1000+ steps.  The spike trains are drawn once and given to both.  NEST runs
with 1 and 2 threads; rasters must be identical to the reference and voltages within 1e-9 mV.
"""

import numpy as np
import pytest

nest = pytest.importorskip("nest")
sim = pytest.importorskip("pyNN.nest")

from pynn_glif3.model import delay_steps  # noqa: E402
from pynn_glif3.verification.nest_replay import PyNESTNetwork, PyNNNetwork  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.oracles.reference import simulate  # noqa: E402
from acceptance import (acceptance_network, assert_long_delays_match, assert_matches,  # noqa: E402
                        assert_rows_match, check_builder_at_step, check_network_is_demanding,
                        long_delay_network, network_at, plain_pynn_network, segment_rows)



# ---------------------------------------------------------------------------------------------
# Through PyNN: GLIF3Alpha, SpikeSourceArrays, Projections with receptor_type="synN"

@pytest.fixture(scope="module")
def pynn_network():
    net = acceptance_network()
    runs = {}
    for threads in (1, 2):
        sim.setup(timestep=net.dt, min_delay=net.dt, threads=threads)
        assert nest.local_num_threads == threads
        network = PyNNNetwork(sim, net, record=("spikes", "v"))
        network.run()
        runs[threads] = (network.result(), network.native_kwargs())
    return net, runs


@pytest.mark.parametrize("threads", [1, 2])
def test_pynn_network_matches_reference(pynn_network, threads):
    net, runs = pynn_network
    result, native = runs[threads]
    ref = simulate(**native)
    assert 2000 < ref.spikes.sum() < 0.5 * ref.spikes.size     # active, not saturated
    assert_matches(result, ref, f"PyNN, {threads} thread(s), reference on NEST's values")


def test_pynn_network_values_are_the_intended_ones(pynn_network):
    """What NEST holds is the network's values up to one rounding of PyNN's nA -> pA scaling,
    and the reference on the network's own values gives the same raster."""
    net, runs = pynn_network
    result, native = runs[1]
    p, q = net.neurons, native["neurons"]
    for name in ("E_L", "V_th", "V_reset", "C_m", "t_ref", "k", "asc_amps", "tau_syn"):
        np.testing.assert_allclose(getattr(q, name), getattr(p, name), rtol=4e-16, atol=0, err_msg=name)
    np.testing.assert_allclose(q.g, p.g, rtol=1e-15)
    order_net = np.lexsort((net.recurrent.weight, net.recurrent.receptor, net.recurrent.target,
                            net.recurrent.source))
    rec = native["recurrent"]
    order_nest = np.lexsort((rec.weight, rec.receptor, rec.target, rec.source))
    np.testing.assert_array_equal(rec.source[order_nest], net.recurrent.source[order_net])
    np.testing.assert_array_equal(rec.receptor[order_nest], net.recurrent.receptor[order_net])
    np.testing.assert_allclose(rec.weight[order_nest], net.recurrent.weight[order_net], rtol=4e-16)
    np.testing.assert_array_equal(rec.delay[order_nest],
                                  delay_steps(net.recurrent.delay, net.dt)[order_net] * net.dt)
    np.testing.assert_allclose(native["bkg_weights"], net.bkg_weights, rtol=4e-16)
    assert_matches(result, simulate(**net.kwargs()), "PyNN vs reference on the network's own values")


def test_pynn_network_identical_with_one_and_two_threads(pynn_network):
    _, runs = pynn_network
    one, two = runs[1][0], runs[2][0]
    np.testing.assert_array_equal(one.spikes, two.spikes)
    # Input sums are order independent (compensated), so even the voltages are bit for bit equal.
    np.testing.assert_array_equal(one.v, two.v)


# ---------------------------------------------------------------------------------------------
# Directly with PyNEST: another network, refractory times that hit the float-accumulation rule,
# and the currents

@pytest.fixture(scope="module")
def pynest_network():
    net = random_network(n_neurons=400, n_steps=1200, seed=12, synapses_per_neuron=60,
                         t_ref_choices=[1.0, 2.0, 3.0, 3.4, 2.7], weight_scale=1.2)
    net.input_spikes[0, :5] = 1
    if net.bkg_counts[0] == 0:
        net.bkg_counts[0] = 2.0
    check_network_is_demanding(net)
    runs = {}
    for threads in (1, 2):
        network = PyNESTNetwork(net, threads=threads, record_currents=True)
        network.run()
        runs[threads] = network.result()
    return net, runs


@pytest.mark.parametrize("threads", [1, 2])
def test_pynest_network_matches_reference(pynest_network, threads):
    net, runs = pynest_network
    ref = simulate(**net.kwargs(), record_currents=True)
    assert 2000 < ref.spikes.sum() < 0.5 * ref.spikes.size
    result = runs[threads]
    assert_matches(result, ref, f"PyNEST, {threads} thread(s)")
    assert np.abs(result.asc - ref.asc).max() <= 1e-9
    assert np.abs(result.psc - ref.psc).max() <= 1e-9


def test_pynest_network_identical_with_one_and_two_threads(pynest_network):
    _, runs = pynest_network
    np.testing.assert_array_equal(runs[1].spikes, runs[2].spikes)
    np.testing.assert_array_equal(runs[1].v, runs[2].v)
    np.testing.assert_array_equal(runs[1].psc, runs[2].psc)


def test_delays_beyond_the_inline_ring_equal_the_reference():
    """min_delay + max_delay above the 16 slots held inside the neuron: the ring is on the heap."""
    from pynn_glif3 import builder

    net = long_delay_network()
    assert net.recurrent.delay.max() > 16
    sim.setup(timestep=1.0, min_delay=1.0, max_delay=30.0, threads=2)
    try:
        options = builder.BuildOptions(delays="raw", variables=("spikes", "v"))
        built = builder.build(sim, net, net.input_spikes, net.bkg_counts, options)
        built.run(net.n_steps)
        assert nest.min_delay + nest.max_delay > 16
        spikes = built.raster(built.get_data(), net.n_steps)
    finally:
        sim.end()
    assert_long_delays_match(net, spikes)


# ---------------------------------------------------------------------------------------------
# Steps other than 1 ms: every time on the step grid (docs/timing.md)

@pytest.mark.parametrize("dt", [0.1, 0.25])
def test_builder_at_other_steps_matches_reference(dt):
    check_builder_at_step(sim, dt)


@pytest.mark.parametrize("dt", [0.1, 0.25])
def test_plain_pynn_script_at_other_steps_matches_reference(dt):
    """SpikeSourceArray + GLIF3Alpha + Projections, times from StepTiming: pyNN.nest subtracts
    the minimum delay from the source times in floating point, and the result must stay on the
    grid (0.30000000000000004 - 0.1 would be emitted a step late)."""
    from pynn_glif3.model.timing import StepTiming

    net = network_at(dt, seed=22)
    timing = StepTiming(dt=dt)
    sim.setup(timestep=dt, min_delay=dt)
    try:
        cells = plain_pynn_network(sim, net, timing)
        sim.run(timing.run_time(net.n_steps))
        spikes, v = segment_rows(cells.get_data().segments[-1], timing, net.n_steps)
    finally:
        sim.end()
    ref = simulate(net.neurons, net.n_steps, dt=dt, recurrent=net.recurrent, inputs=net.inputs,
                   input_spikes=net.input_spikes)
    assert_rows_match(spikes, v, ref, f"PyNN script at dt = {dt} ms")


# ---------------------------------------------------------------------------------------------
# sim.reset(): the next segment is the run a new setup() would give

@pytest.mark.parametrize("t_flush", [None, 7.0])
def test_reset_gives_the_run_of_a_new_setup(t_flush):
    """PyNN's reset on NEST runs on for t_flush ms and restores the initial values only; the
    binding restarts GLIF3Alpha (hidden state, buffers, spikes in transit, the hold) so that
    every segment equals the reference.  Without t_flush, nothing needs flushing."""
    from pynn_glif3.model.timing import StepTiming

    net = random_network(n_neurons=40, n_steps=150, seed=4, synapses_per_neuron=15, n_inputs=30,
                         inputs_per_neuron=6, input_rate_hz=80.0)
    net.input_spikes[0, :5] = 1
    timing = StepTiming(dt=1.0)
    extra = {} if t_flush is None else {"t_flush": t_flush}
    sim.setup(timestep=1.0, min_delay=1.0, **extra)
    try:
        cells = plain_pynn_network(sim, net, timing)
        for _ in range(3):
            sim.run(timing.run_time(net.n_steps))
            sim.reset()
        segments = [segment_rows(segment, timing, net.n_steps) for segment in cells.get_data().segments]
    finally:
        sim.end()
    ref = simulate(net.neurons, net.n_steps, recurrent=net.recurrent, inputs=net.inputs,
                   input_spikes=net.input_spikes)
    assert len(segments) == 3
    for k, (spikes, v) in enumerate(segments):
        assert_rows_match(spikes, v, ref, f"segment {k} after {k} reset(s), t_flush={t_flush}")


def test_reset_restarts_the_builders_network():
    """The builder's spike_train_injector sources and background are re-timed at reset()."""
    from pynn_glif3 import builder

    net = random_network(n_neurons=40, n_steps=120, seed=5, synapses_per_neuron=15, n_inputs=30,
                         inputs_per_neuron=6, input_rate_hz=80.0)
    sim.setup(timestep=1.0, min_delay=1.0)
    try:
        built = builder.build(sim, net, net.input_spikes, net.bkg_counts,
                              builder.BuildOptions(variables=("spikes", "v")))
        built.run(net.n_steps)
        sim.reset()
        built.run(net.n_steps)
        segments = [segment_rows(segment, built.timing, net.n_steps)
                    for segment in built.get_data().segments]
    finally:
        sim.end()
    ref = simulate(**net.kwargs())
    assert len(segments) == 2
    for k, (spikes, v) in enumerate(segments):
        assert_rows_match(spikes, v, ref, f"builder, segment {k}")
