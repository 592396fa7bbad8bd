"""GLIF3Alpha on NEURON against the NumPy reference: the NEST acceptance networks, spike for spike.

Networks as in tests/test_nest_network.py: 320 heterogeneous neurons, recurrent delays of 1..5
steps, all four receptors, signed weights, input and background sources, 1000 steps, with input
in row 0; rasters must equal the reference's and voltages agree within 1e-9 mV.  Also with time
steps other than 1 ms (delays drawn in ms, so they become other numbers of steps).
"""

import numpy as np
import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
sim = pytest.importorskip("pyNN.neuron")

from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.oracles.reference import simulate  # noqa: E402
from pynn_glif3.verification.nest_replay import PyNNNetwork  # noqa: E402
from acceptance import acceptance_network, assert_matches  # noqa: E402



def _run(net, record=("spikes", "v")):
    sim.setup(timestep=net.dt, min_delay=net.dt)
    network = PyNNNetwork(sim, net, record=record)
    network.run()
    return network


def test_acceptance_network_matches_reference():
    net = acceptance_network()
    result = _run(net).result()
    ref = simulate(**net.kwargs())
    assert 2000 < ref.spikes.sum() < 0.5 * ref.spikes.size     # active, not saturated
    assert_matches(result, ref, "NEURON")


@pytest.mark.parametrize("dt", [0.1, 0.25])
def test_other_time_steps_match_reference(dt):
    net = random_network(n_neurons=80, n_steps=400, seed=3, input_rate_hz=30.0, dt=dt)
    result = _run(net).result()
    ref = simulate(**net.kwargs())
    assert ref.spikes.sum() > 100
    assert_matches(result, ref, f"NEURON, dt = {dt} ms")


def test_currents_match_reference():
    net = random_network(n_neurons=40, n_steps=300, seed=11, input_rate_hz=30.0)
    record = ("spikes", "v", "asc_1", "asc_2", "psc_1", "psc_2", "psc_3", "psc_4")
    result = _run(net, record).result()
    ref = simulate(**net.kwargs(), record_currents=True)
    assert_matches(result, ref, "NEURON")
    np.testing.assert_allclose(result.asc, ref.asc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.psc, ref.psc, rtol=0, atol=1e-9)
