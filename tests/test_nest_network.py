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
from pynn_glif3.random_network import random_network  # noqa: E402
from pynn_glif3.reference import simulate  # noqa: E402

V_TOL = 1e-9  # mV


def _check_network_is_demanding(net, min_neurons=300, min_steps=1000):
    assert net.neurons.n >= min_neurons and net.n_steps >= min_steps
    steps = delay_steps(net.recurrent.delay, net.dt)
    assert set(np.unique(steps)) == {1, 2, 3, 4, 5}
    assert set(np.unique(net.recurrent.receptor)) == {0, 1, 2, 3}
    assert (net.recurrent.weight < 0).any() and (net.recurrent.weight > 0).any()
    assert np.unique(net.neurons.C_m).size == net.neurons.n
    assert net.input_spikes[0].any(), "input at the very first training step must be exercised"
    assert net.bkg_counts[0] > 0


def _assert_matches(result, ref, what):
    mismatch = np.argwhere(result.spikes != ref.spikes)
    assert mismatch.size == 0, (f"{what}: {len(mismatch)} spike mismatches, first at (row, neuron) "
                                f"{mismatch[0].tolist()}")
    dv = np.abs(result.v - ref.v).max()
    assert dv <= V_TOL, f"{what}: max |V - V_ref| = {dv} mV"


# ---------------------------------------------------------------------------------------------
# Through PyNN: GLIF3Alpha, SpikeSourceArrays, Projections with receptor_type="synN"

@pytest.fixture(scope="module")
def pynn_network():
    net = random_network(n_neurons=320, n_steps=1000, seed=7, input_rate_hz=30.0)
    net.input_spikes[0, :5] = 1          # input in row 0: the step no simulator can reach directly
    if net.bkg_counts[0] == 0:
        net.bkg_counts[0] = 1.0
    _check_network_is_demanding(net)
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
    _assert_matches(result, ref, f"PyNN, {threads} thread(s), reference on NEST's values")


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
    _assert_matches(result, simulate(**net.kwargs()), "PyNN vs reference on the network's own values")


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
    _check_network_is_demanding(net)
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
    _assert_matches(result, ref, f"PyNEST, {threads} thread(s)")
    assert np.abs(result.asc - ref.asc).max() <= 1e-9
    assert np.abs(result.psc - ref.psc).max() <= 1e-9


def test_pynest_network_identical_with_one_and_two_threads(pynest_network):
    _, runs = pynest_network
    np.testing.assert_array_equal(runs[1].spikes, runs[2].spikes)
    np.testing.assert_array_equal(runs[1].v, runs[2].v)
    np.testing.assert_array_equal(runs[1].psc, runs[2].psc)


def test_delays_beyond_the_inline_ring_equal_the_reference():
    """min_delay + max_delay above the 16 slots held inside the neuron: the ring is on the heap."""
    from pynn_glif3 import network

    net = random_network(n_neurons=120, n_steps=300, seed=9, delay_range_ms=(1.0, 24.0))
    net.recurrent.delay = np.rint(net.recurrent.delay)       # whole steps: "raw" keeps them exactly
    assert net.recurrent.delay.max() > 16
    sim.setup(timestep=1.0, min_delay=1.0, max_delay=30.0, threads=2)
    try:
        options = network.BuildOptions(delays="raw", variables=("spikes", "v"))
        built = network.build(sim, net, net.input_spikes, net.bkg_counts, options)
        built.run(net.n_steps)
        assert nest.min_delay + nest.max_delay > 16
        spikes = built.raster(built.get_data(), net.n_steps)
    finally:
        sim.end()
    drive = dict(recurrent=net.recurrent, inputs=net.inputs, input_spikes=net.input_spikes,
                 bkg_weights=net.bkg_weights, bkg_counts=net.bkg_counts)
    ref = simulate(net.neurons, net.n_steps, max_delay_ms=None, **drive)
    clipped = simulate(net.neurons, net.n_steps, max_delay_ms=5.0, **drive)
    assert ref.spikes.sum() > 400 and (ref.spikes != clipped.spikes).sum() > 50   # long delays matter
    np.testing.assert_array_equal(spikes, ref.spikes)
