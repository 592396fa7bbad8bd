"""Hand-computed single-neuron cases, one per clause of docs/model.md, for each oracle and for
the simulators that can be installed from PyPI (Brian2, NEURON), through PyNN and the builder.

Expected values are computed here from the equations by hand (closed forms or a few explicit
steps), not by running another stepper.
"""

import math

import numpy as np
import pytest

from pynn_glif3.oracles import reference
from pynn_glif3.model.physical import Synapses
from single_neuron import BASE, neuron, one_input

NO_SPIKE = dict(V_th=1e6)   # threshold out of reach


def _tf_simulate(**kwargs):
    tf_layer = pytest.importorskip("pynn_glif3.oracles.tensorflow")
    return tf_layer.simulate(**kwargs, dtype="float64")


def _brian2_simulate(**kwargs):
    pytest.importorskip("brian2", reason="Brian2 is not installed: pip install 'pynn_glif3[brian2]'")
    import brian2
    import pyNN.brian2 as sim
    from pynn_glif3.verification.pynn_replay import simulate as on_simulator

    brian2.prefs.codegen.target = "numpy"       # small runs: no compilation
    return on_simulator(sim, **kwargs)


def _neuron_simulate(**kwargs):
    pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
    sim = pytest.importorskip("pyNN.neuron")
    from pynn_glif3.verification.pynn_replay import simulate as on_simulator

    return on_simulator(sim, **kwargs)


@pytest.fixture(params=["reference", "tensorflow", "brian2", "neuron"])
def simulate(request):
    return {"reference": reference.simulate, "tensorflow": _tf_simulate,
            "brian2": _brian2_simulate, "neuron": _neuron_simulate}[request.param]


@pytest.mark.parametrize("receptor", [0, 1, 2, 3])
def test_alpha_psc_peaks_at_exactly_w_at_tau(simulate, receptor):
    tau = BASE["tau_syn"][0][receptor]            # 5, 8, 2, 4 ms: whole steps
    w = 37.5
    syn, spikes = one_input(step=0, receptor=receptor, weight_pA=w, n_steps=30)
    r = simulate(neurons=neuron(**NO_SPIKE), n_steps=30, inputs=syn, input_spikes=spikes,
                 record_currents=True)
    psc = r.psc[:, 0, receptor]
    # input at row 0: Y[k] = k h S^k (e / tau) w, so Y[tau / h] = w exactly and is the maximum
    k = np.arange(30)
    expected = k * np.exp(-k / tau) * math.e / tau * w
    np.testing.assert_allclose(psc, expected, rtol=1e-12, atol=1e-12)
    assert psc[int(tau)] == pytest.approx(w, rel=1e-13)
    assert np.argmax(psc) == int(tau)
    others = np.delete(r.psc[:, 0, :], receptor, axis=1)
    assert np.all(others == 0.0)


def test_input_reaches_v_two_steps_later(simulate):
    """u enters X at its step, Y one step later, V one step after that."""
    syn, spikes = one_input(step=3, receptor=0, weight_pA=50.0, n_steps=10)
    free = simulate(neurons=neuron(**NO_SPIKE), n_steps=10)
    driven = simulate(neurons=neuron(**NO_SPIKE), n_steps=10, inputs=syn, input_spikes=spikes)
    same = np.flatnonzero(free.v[:, 0] == driven.v[:, 0])
    np.testing.assert_array_equal(same, [0, 1, 2, 3, 4])


def _driven(t_ref, I_pA=2000.0, n_steps=20):
    return neuron(I_offset=I_pA, t_ref=t_ref), n_steps


def _hand_voltage(p, n_steps):
    """V, z, R, A by hand from the equations, with constant I_offset and no synapses."""
    h = 1.0
    D = math.exp(-h * p.g[0] / p.C_m[0])
    F = (1 - D) / p.g[0]
    E = np.exp(-h * p.k[0])
    V, R, A, z = p.V_reset[0], 0.0, np.zeros(2), 0
    vs, zs, As = [], [], []
    for _ in range(n_steps):
        R_new = max(0.0, R + z * p.t_ref[0] - h)
        A_new = E * A + z * p.asc_amps[0]
        V_new = D * V + F * (0.0 + A[0] + A[1] + p.I_offset[0] + p.g[0] * p.E_L[0]) + z * (p.V_reset[0] - p.V_th[0])
        z = int(V_new > p.V_th[0] and R_new == 0.0)
        V, R, A = V_new, R_new, A_new
        vs.append(V)
        zs.append(z)
        As.append(A.copy())
    return np.array(vs), np.array(zs, bool), np.array(As)


def test_subtractive_reset_on_the_step_after_the_spike(simulate):
    p = neuron(I_offset=600.0, t_ref=0.0)
    r = simulate(neurons=p, n_steps=60, record_currents=True)
    steps = np.flatnonzero(r.spikes[:, 0])
    assert steps.size >= 2
    n = steps[0]
    D = math.exp(-p.g[0] / p.C_m[0])
    F = (1 - D) / p.g[0]
    A = r.asc[n, 0]
    # V[n+1] = D V[n] + F (sum Y + A1 + A2 + I + g E_L) + (V_reset - V_th): no clamp
    expected = D * r.v[n, 0] + F * (A.sum() + 600.0 + p.g[0] * p.E_L[0]) + (p.V_reset[0] - p.V_th[0])
    assert r.v[n + 1, 0] == pytest.approx(expected, abs=1e-9)
    assert r.v[n + 1, 0] != pytest.approx(p.V_reset[0], abs=1e-3)
    # the step of the spike itself has no reset
    expected_n = D * r.v[n - 1, 0] + F * (r.asc[n - 1, 0].sum() + 600.0 + p.g[0] * p.E_L[0])
    assert r.v[n, 0] == pytest.approx(expected_n, abs=1e-9)


def test_voltage_integrates_during_refractoriness(simulate):
    p = neuron(I_offset=5000.0, t_ref=6.0)
    r = simulate(neurons=p, n_steps=12)
    n = np.flatnonzero(r.spikes[:, 0])[0]
    v_hand, z_hand, _ = _hand_voltage(p, 12)
    np.testing.assert_allclose(r.v[:, 0], v_hand, atol=1e-9)
    # above threshold but refractory for the steps n+1 .. n+5: no spike, V keeps moving
    assert np.all(r.v[n + 1:n + 6, 0] > p.V_th[0])
    assert not r.spikes[n + 1:n + 6, 0].any()
    assert np.all(np.diff(r.v[n + 1:n + 6, 0]) != 0)
    assert r.spikes[n + 6, 0]


@pytest.mark.parametrize("t_ref, interval", [(3.0, 3), (3.4, 4), (0.0, 1), (1.0, 1), (2.5, 3)])
def test_refractory_count(simulate, t_ref, interval):
    """A neuron held far above threshold spikes as soon as R allows: every 3 steps for 3.0, 4 for 3.4."""
    p = neuron(I_offset=20000.0, t_ref=t_ref)
    r = simulate(neurons=p, n_steps=40)
    steps = np.flatnonzero(r.spikes[:, 0])
    assert steps.size > 5
    np.testing.assert_array_equal(np.diff(steps), interval)
    _, z_hand, _ = _hand_voltage(p, 40)
    np.testing.assert_array_equal(r.spikes[:, 0], z_hand)


def test_after_spike_current_jumps_on_the_step_after_the_spike(simulate):
    p = neuron(I_offset=600.0, t_ref=1.0)
    r = simulate(neurons=p, n_steps=60, record_currents=True)
    n = np.flatnonzero(r.spikes[:, 0])[0]
    E = np.exp(-p.k[0])
    assert np.all(r.asc[:n + 1, 0] == 0.0)             # nothing at the spike step itself
    np.testing.assert_allclose(r.asc[n + 1, 0], p.asc_amps[0], rtol=1e-14)  # a_j, no exp(-k t_ref)
    assert not r.spikes[n + 1, 0]
    np.testing.assert_allclose(r.asc[n + 2, 0], E * p.asc_amps[0], rtol=1e-12)
    _, _, A_hand = _hand_voltage(p, 60)
    np.testing.assert_allclose(r.asc[:, 0], A_hand, rtol=1e-12, atol=1e-12)


def test_recurrent_delay_and_spikes_during_refractoriness(simulate):
    """Neuron 0 fires; its spikes reach neuron 1 d steps later, even while 1 is refractory."""
    p = neuron(n=2, I_offset=[20000.0, 0.0], t_ref=[3.0, 50.0], V_th=[-45.0, -69.99])
    rec = Synapses([0], [1], [1], [10.0], [2.6])        # 2.6 ms -> 3 steps, receptor syn2
    r = simulate(neurons=p, n_steps=30, recurrent=rec, record_currents=True)
    s0 = np.flatnonzero(r.spikes[:, 0])
    assert s0.size >= 3
    assert r.spikes[:, 1].sum() == 1                     # long t_ref: neuron 1 refractory after
    # first arrival in X at s0[0] + 3, in Y one step later
    first_y = np.flatnonzero(r.psc[:, 1, 1])[0]
    assert first_y == s0[0] + 3 + 1
    # every presynaptic spike is counted: Y = sum of alpha kernels of all arrivals
    tau = p.tau_syn[1, 1]
    k = np.arange(30)[:, None] - (s0[None, :] + 3)
    expected = np.where(k > 0, k * np.exp(-k / tau) * math.e / tau * 10.0, 0.0).sum(axis=1)
    np.testing.assert_allclose(r.psc[:, 1, 1], expected, rtol=1e-10, atol=1e-12)


def test_background_count_is_shared_and_scaled(simulate):
    p = neuron(n=3, **NO_SPIKE)
    counts = np.zeros(20)
    counts[2] = 3
    w = np.zeros((3, 4))
    w[:, 2] = [1.0, 2.0, -4.0]
    r = simulate(neurons=p, n_steps=20, bkg_weights=w, bkg_counts=counts, record_currents=True)
    tau = p.tau_syn[0, 2]
    k = np.arange(20) - 2
    kernel = np.where(k > 0, k * np.exp(-k / tau) * math.e / tau, 0.0)
    np.testing.assert_allclose(r.psc[:, :, 2], kernel[:, None] * 3 * w[None, :, 2], rtol=1e-12, atol=1e-13)


def test_initial_state_is_v_reset_with_no_input(simulate):
    p = neuron(V_reset=-60.0, E_L=-70.0, **NO_SPIKE)
    r = simulate(neurons=p, n_steps=3)
    D = math.exp(-p.g[0] / p.C_m[0])
    assert r.v[0, 0] == pytest.approx(D * -60.0 + (1 - D) * -70.0, abs=1e-12)
