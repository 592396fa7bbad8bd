"""The SpiNNaker port's host side and its NumPy fixed-point model (no ARM toolchain needed).

Checks the encoding rules (sPyNNaker's), the host-computed constants (alpha normalisation e/tau,
refractory step counts), the ring-buffer weight representation, and the fixed-point model against
the float64 reference on the contract's single-neuron cases, within the derived bound.
That the model equals the C bit for bit is tests/test_spinnaker_harness.py's job.
"""

from decimal import Decimal
import math

import numpy as np
import pytest

from pynn_glif3.oracles import reference
from pynn_glif3.model.physical import Synapses
from pynn_glif3.verification import spinnaker_fixed_point as fp
from pynn_glif3.backends.spinnaker import layout
from pynn_glif3.verification import spinnaker_tolerance as tolerance
from pynn_glif3.model.timing import START_STEP, StepTiming
from single_neuron import BASE, neuron, offset_and_reset_case, one_input, without_hold

NO_SPIKE = dict(V_th=1000.0)   # out of reach, and representable in s16.15


# ---------------------------------------------------------------------------------------------
# Arithmetic and encoding

def test_wrap_and_rounding_primitives():
    assert fp.wrap32(2 ** 31) == -(2 ** 31)
    assert fp.wrap32(-(2 ** 31) - 1) == 2 ** 31 - 1
    # accum * accum: ARM floors, Thumb rounds to nearest (ties up)
    assert fp.mul_accum(-1, 1) == -1 and fp.mul_accum(-1, 1, thumb=True) == 0
    assert fp.mul_accum(3, 16384) == 1 and fp.mul_accum(3, 16384, thumb=True) == 2
    # glif3_scale: round to nearest, ties up, on a u0.32 multiplier
    half = 2 ** 31
    assert fp.scale_u032(1, half) == 1 and fp.scale_u032(-1, half) == 0
    assert fp.scale_u032(3, half) == 2 and fp.scale_u032(-3, half) == -1
    x = np.arange(-100000, 100000, 77)
    c = np.full(x.shape, 0xFFFFFFFF)
    assert np.all(np.abs(fp.scale_u032(x, c) - x * (c / 2 ** 32)) <= 0.5)


def test_encoding_follows_spynnaker_convert_to():
    # round(Decimal(str(v)) * scale), half to even, with sPyNNaker's range check
    assert layout.encode(0.5 / 32768, layout.S1615) == 0          # tie -> even
    assert layout.encode(1.5 / 32768, layout.S1615) == 2
    assert layout.encode(-70.45950889587401, layout.S1615) == int(round(Decimal("-70.45950889587401") * 32768))
    assert layout.encode(layout.U032_MAX, layout.U032) == 2 ** 32 - 1
    with pytest.raises(ValueError, match="out of range"):
        layout.encode(65536.0, layout.S1615)
    with pytest.raises(ValueError, match="out of range"):
        layout.encode(1.0, layout.U032)          # would wrap to 0 in a 32-bit field
    with pytest.raises(ValueError):
        layout.encode(1.5, layout.UINT32)


def test_alpha_normalisation_is_e_over_tau_not_e_minus_2():
    """K_r = h S_r e / tau_r to 2^-32: the earlier port's fixed-point type gave (e - 2) / tau."""
    tau = np.array([[5.5, 8.5, 2.8, 5.8]])
    values = layout.derive(neuron(tau_syn=tau), dt=1.0)[2]
    raw = layout.encode_fields(values, layout.SYNAPSE_PARAMS_FIELDS, "syn")
    for r in range(4):
        S = raw[f"decay_{r + 1}"][0] / 2 ** 32
        K = raw[f"rise_to_psc_{r + 1}"][0] / 2 ** 32
        assert S == pytest.approx(math.exp(-1.0 / tau[0, r]), abs=2 ** -32)
        assert K / S == pytest.approx(math.e / tau[0, r], rel=1e-8)
        assert abs(K / S - (math.e - 2) / tau[0, r]) > 0.1 / tau[0, r]
    # tau = h gives K = 1 exactly, stored as the largest u0.32 value (not wrapped to 0)
    values = layout.derive(neuron(tau_syn=[[1.0, 2.0, 3.0, 4.0]]), dt=1.0)[2]
    assert layout.encode(values["rise_to_psc_1"], layout.U032)[0] == 2 ** 32 - 1


@pytest.mark.parametrize("t_ref, dt, blocked", [
    (3.0, 1.0, 2), (3.4, 1.0, 3), (0.0, 1.0, 0), (1.0, 1.0, 0), (2.5, 1.0, 2), (1.5, 1.0, 1),
    (0.3, 0.1, 2), (0.2, 0.1, 1), (3.0000001, 1.0, 3), (2.9999999, 1.0, 2)])
def test_refractory_steps_replay_the_float_recursion(t_ref, dt, blocked):
    """Blocked steps after a spike: the next spike can come blocked + 1 steps later."""
    assert layout.refractory_steps(t_ref, dt) == blocked
    # the same count by the contract's own recursion, step by step
    R, z, count = 0.0, True, 0
    for _ in range(1000):
        R = max(0.0, R + z * t_ref - dt)
        z = False
        if R == 0.0:
            break
        count += 1
    assert count == blocked


def test_ring_buffer_shift_rule_and_weight_quantisation():
    assert [fp.ring_buffer_shift(w) for w in (0.0, 0.5, 1.0, 1.5, 2.0, 1000.0, 1024.0)] == [0, 0, 1, 1, 2, 10, 11]
    shift = fp.ring_buffer_shift(700.0)      # 10: one unit = 2^-5 pA
    q = fp.quantise_weights([6.0, 6.01, 6.02], [shift] * 3)
    np.testing.assert_array_equal(q, [192, 192, 193])
    np.testing.assert_array_equal(fp.ring_value_to_raw(q, shift) / 2 ** 15, [6.0, 6.0, 6.03125])
    with pytest.raises(ValueError, match="16 bits"):
        fp.quantise_weights([5000.0], [0])


def test_negative_weights_go_to_the_negative_synapse_types():
    assert list(layout.synapse_type([0, 1, 2, 3, 0, 3], [1.0, 1.0, 1.0, 1.0, -1.0, -2.0])) == [0, 1, 2, 3, 4, 7]
    syn = Synapses([0, 0, 0], [0, 0, 0], [1, 1, 2], [10.0, -4.0, -3.0])
    spikes = np.zeros((3, 1))
    spikes[1] = 1
    net = fp.prepare(neuron(**NO_SPIKE), 3, inputs=syn, input_spikes=spikes)
    ext = net.external(1)
    lsb = np.exp2(net.shifts - 15.0)
    assert ext[1, 0] * lsb[1] == 10.0          # syn2, positive part
    assert ext[5, 0] * lsb[5] == 4.0           # syn2, negative part
    assert ext[6, 0] * lsb[6] == 3.0           # syn3, negative part
    assert ext[[0, 2, 3, 4, 7], 0].sum() == 0
    buggy = fp.prepare(neuron(**NO_SPIKE), 3, inputs=syn, input_spikes=spikes,
                       route_negative_to_excitatory=True).external(1)
    assert buggy[4:].sum() == 0                # the defect: everything arrives as excitation


def test_hold_covers_the_steps_before_start_step():
    """sPyNNaker stamps its time step t with t h: holding through timing.md's steps before
    start_step takes start_step + 1 of its steps, and both structs carry the count."""
    assert layout.TICK_OF_STEP_0 == 1
    np.testing.assert_array_equal(layout.hold_ticks([0, 2, 5]), [1, 3, 6])
    neuron_values, _, synapse_values = layout.derive(neuron(n=2), dt=1.0)
    np.testing.assert_array_equal(neuron_values["hold_init"], [START_STEP + 1] * 2)
    np.testing.assert_array_equal(synapse_values["hold_init"], [START_STEP + 1] * 2)
    assert list(layout.derive(neuron(), start_step=4)[0]["hold_init"]) == [5]
    for bad in (-1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="start_step"):
            layout.hold_ticks(bad)


@pytest.mark.parametrize("dt", [1.0, 0.1, 0.25])
def test_builder_source_times_arrive_in_the_tick_of_their_row(dt):
    """The times pynn_glif3.model.timing gives every simulator, under sPyNNaker's rules: a source spike at
    T is sent in time step ceil(floor(1000 T) / h_us) and read delay / h steps later; the step's
    spikes are stamped (step) h.  Row m's input must arrive in tick hold + m, and the spikes of that
    tick must read back as row m."""
    timing = StepTiming(dt=dt)
    rows = np.arange(200)
    sent = np.ceil(np.floor(timing.source_times(rows) * 1000.0) / (dt * 1000.0)).astype(np.int64)
    arrives = sent + int(round(timing.input_delay / dt))
    first = int(layout.hold_ticks(timing.start_step))
    np.testing.assert_array_equal(arrives, first + rows)
    np.testing.assert_array_equal(timing.rows_of_times((first + rows) * dt), rows)
    net = fp.prepare(neuron(), 5, dt=dt)
    assert net.first_tick == first and net.n_ticks == first + 5


def test_unrepresentable_parameters_are_refused():
    with pytest.raises(ValueError, match="S1615"):
        fp.prepare(neuron(V_th=1e6), 5)
    with pytest.raises(ValueError, match="too small"):
        layout.derive(neuron(C_m=0.5, g=0.1), dt=1.0)


def test_dtcm_budget_for_64_neurons():
    budget = layout.dtcm_bytes(64, delay_slots=8)
    assert budget["ring_buffers"] == 64 * 8 * 8 * 2
    assert budget["structs"] == 64 * 152
    assert budget["total"] < 64 * 1024
    assert layout.dtcm_bytes(256, delay_slots=8)["total"] > 64 * 1024


# ---------------------------------------------------------------------------------------------
# The fixed-point model against the reference

def _compare(kw):
    kw = dict(kw, record_currents=True)
    ref = reference.simulate(**kw)
    fx = fp.simulate(**kw)
    b = tolerance.bounds(fx.network, kw, ref)
    return ref, fx, b


@pytest.mark.parametrize("t_ref, interval", [(3.0, 3), (3.4, 4), (0.0, 1), (1.0, 1), (2.5, 3)])
def test_fixed_point_refractory_intervals(t_ref, interval):
    ref, fx, b = _compare(dict(neurons=neuron(I_offset=20000.0, t_ref=t_ref), n_steps=40))
    np.testing.assert_array_equal(fx.spikes, ref.spikes)
    np.testing.assert_array_equal(np.diff(np.flatnonzero(fx.spikes[:, 0])), interval)
    assert b.spikes_certain
    assert np.all(np.abs(fx.v - ref.v) <= b.v)


@pytest.mark.parametrize("receptor", [0, 1, 2, 3])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_fixed_point_alpha_psc_any_sign(receptor, sign):
    w = 37.5 * sign
    syn, spikes = one_input(step=0, receptor=receptor, weight_pA=w, n_steps=30)
    ref, fx, b = _compare(dict(neurons=neuron(**NO_SPIKE), n_steps=30, inputs=syn, input_spikes=spikes))
    tau = int(BASE["tau_syn"][0][receptor])
    assert fx.psc[tau, 0, receptor] == pytest.approx(w, abs=b.psc[tau, 0, receptor])
    assert np.all(np.abs(fx.psc - ref.psc) <= b.psc)
    assert np.all(np.abs(fx.v - ref.v) <= b.v)
    assert np.all(np.sign(fx.psc[1:, 0, receptor]) == sign)


def test_fixed_point_spikes_on_the_reference_steps_from_row_0():
    """V_reset above E_L, an offset current and input in row 0: the state moves from the first
    step, so only a hold of exactly the right length and input in the right tick line up."""
    kw = offset_and_reset_case()
    ref, fx, b = _compare(kw)
    assert ref.spikes[:, 0].sum() >= 3 and not ref.spikes[:, 1].any()
    np.testing.assert_array_equal(fx.spikes, ref.spikes)
    assert b.spikes_certain
    assert np.all(np.abs(fx.v - ref.v) <= b.v)
    assert np.all(np.abs(fx.psc - ref.psc) <= b.psc)
    # the ticks of the hold: initial state, no spike, the input of row 0 not yet there
    net = fp.prepare(**kw)
    held = fp.run(net, record_currents=True, include_hold=True)
    first = net.first_tick
    assert first == START_STEP + 1
    np.testing.assert_array_equal(held.v_raw[first:], fx.v_raw)
    assert not held.spikes[:first].any()
    np.testing.assert_array_equal(held.v_raw[:first], fp.to_raw(np.broadcast_to([-60.0, -60.0], (first, 2))))
    assert not held.psc_raw[:first + 1].any() and held.psc_raw[first + 1, :, 0].all()
    # without the hold (the port before it) the neurons are ahead of the reference
    free = fp.run(without_hold(net), record_currents=True)
    assert not np.array_equal(free.spikes, ref.spikes)
    assert np.abs(free.v[:, 1] - ref.v[:, 1]).max() > 100 * b.v.max()


def test_fixed_point_network_rates_close_to_reference():
    from pynn_glif3.generate.random_network import random_network
    net = random_network(n_neurons=100, n_steps=400, seed=3)
    ref = reference.simulate(**net.kwargs())
    fx = fp.simulate(**net.kwargs())
    r_ref, r_fx = ref.spikes.sum(0), fx.spikes.sum(0)
    assert abs(r_fx.sum() - r_ref.sum()) <= 0.02 * r_ref.sum()
    assert np.corrcoef(r_ref, r_fx)[0, 1] > 0.99
    assert fx.saturated_entries == 0
