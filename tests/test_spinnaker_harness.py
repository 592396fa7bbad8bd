"""The SpiNNaker C model headers, compiled for the ARM968 and run under qemu-arm, against the reference.

Every clause of the contract on a single neuron (the cases of tests/single_neuron.py): spikes equal
to the reference's, traces within the bound derived in pynn_glif3/spinnaker/tolerance.py (and that
bound certifies the spike decisions), and the C equal bit for bit to the NumPy fixed-point model.
A 200-neuron recurrent network with all receptors and inhibition: C == NumPy model bit for bit,
firing rates within tolerance.RATE_CRITERIA of the reference, and inhibition that inhibits: the
earlier port's defect (negative weights delivered as excitation) fails the rate criteria.

Needs Debian's gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-user; skips without them.
"""

import dataclasses
import math

import numpy as np
import pytest

from pynn_glif3.oracles import reference
from pynn_glif3.model.physical import Synapses
from pynn_glif3.generate.random_network import random_network
from pynn_glif3.verification import spinnaker_fixed_point as fp
from pynn_glif3.verification import spinnaker_harness as harness, spinnaker_tolerance as tolerance
from pynn_glif3.model.timing import START_STEP
from single_neuron import BASE, neuron, offset_and_reset_case, one_input, without_hold

NO_SPIKE = dict(V_th=1000.0)


@pytest.fixture(scope="module")
def elf():
    ok, reason = harness.available()
    if not ok:
        pytest.skip(reason)
    return harness.build()


def _prepare(kw, **options):
    return fp.prepare(**{k: v for k, v in kw.items() if k != "record_currents"}, **options)


def run_case(kw, elf):
    """Reference, NumPy model, C under qemu and the derived bound for one problem."""
    kw = dict(kw, record_currents=True)
    ref = reference.simulate(**kw)
    net = _prepare(kw)
    fx = fp.run(net, record_currents=True)
    c = harness.run(net, record_currents=True, elf=elf)
    # the C and the NumPy model agree to the bit
    np.testing.assert_array_equal(c.spikes, fx.spikes)
    np.testing.assert_array_equal(c.v_raw, fx.v_raw)
    np.testing.assert_array_equal(c.asc_raw, fx.asc_raw)
    np.testing.assert_array_equal(c.psc_raw, fx.psc_raw)
    return ref, c, tolerance.bounds(net, kw, ref)


def assert_matches_reference(ref, c, bound, certain=True, v_limit=0.01, current_limit=0.01):
    """Same spikes, traces within the derived bound; ``certain``: the bound proves the spikes equal.

    ``v_limit`` (mV) and ``current_limit`` (pA) check that the bound itself is small enough to
    mean something.
    """
    np.testing.assert_array_equal(c.spikes, ref.spikes)
    if certain:
        assert bound.spikes_certain, "a threshold decision is within the fixed-point error bound"
    for name in ("v", "asc", "psc"):
        err = np.abs(getattr(c, name) - getattr(ref, name))
        limit = getattr(bound, name)
        assert np.all(err <= limit), f"{name}: error {err.max():.3g} above the bound at {np.argmax(err - limit)}"
    assert bound.v.max() < v_limit
    assert bound.psc.max() < current_limit and bound.asc.max() < current_limit


# ---------------------------------------------------------------------------------------------
# The contract's clauses, one neuron (or two)

@pytest.mark.parametrize("receptor", [0, 1, 2, 3])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_alpha_psc_peaks_at_w_at_tau_with_either_sign(elf, receptor, sign):
    tau = int(BASE["tau_syn"][0][receptor])
    w = 37.5 * sign
    syn, spikes = one_input(step=0, receptor=receptor, weight_pA=w, n_steps=30)
    ref, c, bound = run_case(dict(neurons=neuron(**NO_SPIKE), n_steps=30, inputs=syn, input_spikes=spikes), elf)
    assert_matches_reference(ref, c, bound)
    psc = c.psc[:, 0, receptor]
    assert psc[tau] == pytest.approx(w, abs=bound.psc[tau, 0, receptor])     # e/tau, not (e-2)/tau
    assert np.argmax(sign * psc) == tau
    assert np.all(np.delete(c.psc_raw[:, 0, :], receptor, axis=1) == 0)
    # the sign reaches the membrane: a negative weight hyperpolarises
    free = harness.simulate(neuron(**NO_SPIKE), 30, elf=elf)
    assert np.all(sign * (c.v[3:, 0] - free.v[3:, 0]) > 0)


def test_input_reaches_v_two_steps_later(elf):
    syn, spikes = one_input(step=3, receptor=0, weight_pA=50.0, n_steps=10)
    free = harness.simulate(neuron(**NO_SPIKE), 10, elf=elf)
    driven = harness.simulate(neuron(**NO_SPIKE), 10, inputs=syn, input_spikes=spikes, elf=elf)
    same = np.flatnonzero(free.v_raw[:, 0] == driven.v_raw[:, 0])
    np.testing.assert_array_equal(same, [0, 1, 2, 3, 4])


def test_subtractive_reset_on_the_step_after_the_spike(elf):
    p = neuron(I_offset=600.0, t_ref=0.0)
    ref, c, bound = run_case(dict(neurons=p, n_steps=60), elf)
    assert_matches_reference(ref, c, bound)
    n = np.flatnonzero(c.spikes[:, 0])[0]
    D = math.exp(-p.g[0] / p.C_m[0])
    F = (1 - D) / p.g[0]
    expected = D * c.v[n, 0] + F * (c.asc[n, 0].sum() + 600.0 + p.g[0] * p.E_L[0]) + (p.V_reset[0] - p.V_th[0])
    assert c.v[n + 1, 0] == pytest.approx(expected, abs=1e-3)
    assert abs(c.v[n + 1, 0] - p.V_reset[0]) > 1.0     # not clamped


def test_voltage_integrates_during_refractoriness(elf):
    p = neuron(I_offset=5000.0, t_ref=6.0)
    ref, c, bound = run_case(dict(neurons=p, n_steps=12), elf)
    assert_matches_reference(ref, c, bound)
    n = np.flatnonzero(c.spikes[:, 0])[0]
    assert np.all(c.v[n + 1:n + 6, 0] > p.V_th[0])
    assert not c.spikes[n + 1:n + 6, 0].any()
    assert c.spikes[n + 6, 0]


@pytest.mark.parametrize("t_ref, interval", [(3.0, 3), (3.4, 4), (0.0, 1), (1.0, 1), (2.5, 3)])
def test_refractory_count(elf, t_ref, interval):
    """3.0 ms -> next spike at n+3, 3.4 ms -> n+4: no truncation of the refractory time."""
    ref, c, bound = run_case(dict(neurons=neuron(I_offset=20000.0, t_ref=t_ref), n_steps=40), elf)
    assert_matches_reference(ref, c, bound)
    steps = np.flatnonzero(c.spikes[:, 0])
    assert steps.size > 5
    np.testing.assert_array_equal(np.diff(steps), interval)


@pytest.mark.parametrize("t_ref", [0.3, 0.2, 0.25])
def test_refractory_count_with_a_small_step(elf, t_ref):
    kw = dict(neurons=neuron(I_offset=20000.0, t_ref=t_ref), n_steps=60, dt=0.1)
    ref = reference.simulate(**kw)
    c = harness.simulate(**kw, elf=elf)
    np.testing.assert_array_equal(c.spikes, ref.spikes)
    assert ref.spikes.sum() > 10


def test_after_spike_current_jumps_on_the_step_after_the_spike(elf):
    p = neuron(I_offset=600.0, t_ref=1.0)
    ref, c, bound = run_case(dict(neurons=p, n_steps=60), elf)
    assert_matches_reference(ref, c, bound)
    n = np.flatnonzero(c.spikes[:, 0])[0]
    assert np.all(c.asc_raw[:n + 1, 0] == 0)
    np.testing.assert_allclose(c.asc[n + 1, 0], p.asc_amps[0], atol=2 ** -16)   # a_j, no exp(-k t_ref)
    np.testing.assert_allclose(c.asc[n + 2, 0], np.exp(-p.k[0]) * p.asc_amps[0], atol=1e-4)


def test_recurrent_delay_and_spikes_during_refractoriness(elf):
    """Spikes of neuron 0 reach neuron 1 through the harness's ring buffer 3 steps later."""
    p = neuron(n=2, I_offset=[20000.0, 0.0], t_ref=[3.0, 50.0], V_th=[-45.0, -69.99])
    rec = Synapses([0], [1], [1], [10.0], [2.6])
    ref, c, bound = run_case(dict(neurons=p, n_steps=30, recurrent=rec), elf)
    assert_matches_reference(ref, c, bound)
    s0 = np.flatnonzero(c.spikes[:, 0])
    assert c.spikes[:, 1].sum() == 1
    assert np.flatnonzero(c.psc_raw[:, 1, 1])[0] == s0[0] + 3 + 1


def test_background_count_is_shared_and_scaled_with_signs(elf):
    counts = np.zeros(20)
    counts[2] = 3
    w = np.zeros((3, 4))
    w[:, 2] = [1.0, 2.0, -4.0]
    ref, c, bound = run_case(dict(neurons=neuron(n=3, **NO_SPIKE), n_steps=20, bkg_weights=w,
                                  bkg_counts=counts), elf)
    assert_matches_reference(ref, c, bound)
    assert np.all(c.psc[4:, 2, 2] < 0) and np.all(c.psc[4:, 0, 2] > 0)


def test_initial_state_is_v_reset(elf):
    p = neuron(V_reset=-60.0, E_L=-70.0, **NO_SPIKE)
    ref, c, bound = run_case(dict(neurons=p, n_steps=3), elf)
    assert_matches_reference(ref, c, bound)


def test_hold_then_spikes_on_the_reference_steps_from_row_0(elf):
    """V_reset above E_L, an offset current, input in row 0: the C holds the initial state for
    start_step + 1 time steps, then spikes on the reference's steps; without the hold it does not."""
    kw = offset_and_reset_case()
    ref, c, bound = run_case(kw, elf)
    assert_matches_reference(ref, c, bound)
    assert ref.spikes[:, 0].sum() >= 3
    net = _prepare(kw)
    first = net.first_tick
    assert first == START_STEP + 1
    every = harness.run(net, elf=elf, include_hold=True)
    model = fp.run(net, record_currents=True, include_hold=True)
    for name in ("spikes", "v_raw", "asc_raw", "psc_raw"):
        np.testing.assert_array_equal(getattr(every, name), getattr(model, name), err_msg=name)
    assert not every.spikes[:first].any()
    np.testing.assert_array_equal(every.v_raw[:first], fp.to_raw(np.full((first, 2), -60.0)))
    assert not every.asc_raw[:first].any() and not every.psc_raw[:first + 1].any()
    # the C updating from its first time step (before the hold): other spikes, other voltages
    free_net = without_hold(net)
    free = harness.run(free_net, elf=elf)
    np.testing.assert_array_equal(free.v_raw, fp.run(free_net).v_raw)
    assert not np.array_equal(free.spikes, ref.spikes)
    assert np.abs(free.v[:, 1] - ref.v[:, 1]).max() > 100 * bound.v.max()


def test_input_arriving_during_the_hold_is_dropped(elf):
    """Weights that reach a neuron while it holds its state are discarded, as NEST's
    glif3_alpha does before start_step: input of row 0 sent two ticks early changes nothing."""
    def run(rows, first_tick):
        spikes = np.zeros((12, 1))
        spikes[rows, 0] = 1
        kw = dict(neurons=neuron(V_reset=-60.0, **NO_SPIKE), n_steps=12,
                  inputs=Synapses([0], [0], [2], [40.0]), input_spikes=spikes)
        net = dataclasses.replace(_prepare(kw), first_tick=first_tick)
        c = harness.run(net, elf=elf, include_hold=True)
        np.testing.assert_array_equal(c.psc_raw, fp.run(net, record_currents=True, include_hold=True).psc_raw)
        return c

    early, only_late = run([0, 6], 1), run([6], 1)
    np.testing.assert_array_equal(early.psc_raw, only_late.psc_raw)
    np.testing.assert_array_equal(early.v_raw, only_late.v_raw)
    assert early.psc_raw[8, 0, 2] != 0           # row 6 (tick 7) does arrive
    on_time = run([0, 6], START_STEP + 1)        # row 0 in the first tick after the hold counts
    assert on_time.psc_raw[START_STEP + 2, 0, 2] != 0


def test_heterogeneous_neurons_with_all_inputs_for_1000_steps(elf):
    """Several neurons, every receptor with both signs, input spikes and background, spiking."""
    rng = np.random.default_rng(7)
    n, n_steps, n_in = 6, 1000, 40
    net = random_network(n_neurons=n, n_steps=n_steps, seed=7)
    syn = Synapses(rng.integers(0, n_in, 120), np.repeat(np.arange(n), 20), rng.integers(0, 4, 120),
                   rng.choice([-1.0, 1.0], 120, p=[0.3, 0.7]) * rng.uniform(10, 60, 120))
    spikes = (rng.random((n_steps, n_in)) < 0.03).astype(np.uint8)
    bkg = rng.uniform(-3, 10, (n, 4))
    ref, c, bound = run_case(dict(neurons=net.neurons, n_steps=n_steps, inputs=syn, input_spikes=spikes,
                                  bkg_weights=bkg, bkg_counts=net.bkg_counts), elf)
    assert ref.spikes.sum() > 50
    # Here the weights' rounding to their synapse types' ring-buffer resolution (2^-8..2^-6 pA)
    # dominates: the bound reaches 0.2 pA on the PSC and 0.05 mV on V, and a few of the 6000
    # threshold decisions fall inside it, so equal spikes are observed, not guaranteed.
    assert_matches_reference(ref, c, bound, certain=False, v_limit=0.1, current_limit=0.5)
    assert np.sum(bound.margin <= 0) <= 5


def test_state_is_written_back(elf):
    p = neuron(I_offset=600.0, t_ref=2.0)
    c = harness.simulate(p, 37, record_currents=True, elf=elf)
    assert c.final_neuron["v_init"][0] + c.network.raw[0]["e_l"][0] == c.v_raw[-1, 0]
    assert c.final_neuron["asc_1_init"][0] == c.asc_raw[-1, 0, 0]
    assert c.final_synapse["psc_init_1"][0] == c.psc_raw[-1, 0, 0]
    assert c.final_neuron["hold_init"][0] == c.final_synapse["hold_init"][0] == 0
    # a run that stops during the hold keeps the rest of it for the next run
    short = dataclasses.replace(c.network, n_steps=0, first_tick=2)
    assert short.n_ticks == 2
    paused = harness.run(short, elf=elf)
    hold = int(c.network.raw[0]["hold_init"][0])
    assert paused.final_neuron["hold_init"][0] == paused.final_synapse["hold_init"][0] == hold - 2


# ---------------------------------------------------------------------------------------------
# Compiler independence and the arithmetic itself

def test_compiler_arithmetic_is_what_the_numpy_model_assumes(elf):
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.integers(-2 ** 31, 2 ** 31, 20000), rng.integers(-2 ** 20, 2 ** 20, 20000)])
    b = rng.integers(-2 ** 31, 2 ** 31, a.size)
    for flags, thumb in ((("-O2",), False), (("-Os", "-mthumb"), True)):
        r = harness.probe_arithmetic(a, b, opt_flags=flags)
        np.testing.assert_array_equal(r[:, 0], fp.mul_accum(a, b, thumb=thumb))
        np.testing.assert_array_equal(r[:, 1], fp.wrap32(a + b))
        np.testing.assert_array_equal(r[:, 2], fp.wrap32(a - b))
        np.testing.assert_array_equal(r[:, 3], fp.scale_u032(a, b & 0xFFFFFFFF))


def test_results_do_not_depend_on_optimisation_or_instruction_set(elf):
    net = _prepare(random_network(n_neurons=40, n_steps=200, seed=11).kwargs())
    fx = fp.run(net)
    for flags in (("-O0",), ("-Os", "-mthumb")):
        c = harness.run(net, elf=harness.build(flags))
        np.testing.assert_array_equal(c.v_raw, fx.v_raw)
        np.testing.assert_array_equal(c.spikes, fx.spikes)


def test_saturating_ring_buffers_match(elf):
    """A too small weight range: ring-buffer entries saturate at 0xFFFF in the C and the model alike."""
    net = _prepare(random_network(n_neurons=60, n_steps=300, seed=9).kwargs(), max_summed_weights=40.0)
    fx = fp.run(net, record_currents=True)
    c = harness.run(net, elf=elf)
    assert fx.saturated_entries > 0 and c.saturation_events > 0
    np.testing.assert_array_equal(c.v_raw, fx.v_raw)
    np.testing.assert_array_equal(c.psc_raw, fx.psc_raw)


# ---------------------------------------------------------------------------------------------
# A recurrent network

def _without_inhibition(kw):
    kw = dict(kw)
    r = kw["recurrent"]
    keep = r.weight > 0
    kw["recurrent"] = Synapses(r.source[keep], r.target[keep], r.receptor[keep], r.weight[keep], r.delay[keep])
    kw["bkg_weights"] = np.maximum(kw["bkg_weights"], 0.0)
    return kw


@pytest.fixture(scope="module")
def network(elf):
    """200 neurons, 1000 steps: syn1..syn4 (E->E, I->E, E->I, I->I), inhibition, delays, LGN, background."""
    kw = random_network(n_neurons=200, n_steps=1000, seed=0).kwargs()
    ref = reference.simulate(**kw)
    net = _prepare(kw)
    c = harness.run(net, elf=elf)
    return kw, ref, net, c


def test_network_c_equals_numpy_model(network):
    _, _, net, c = network
    fx = fp.run(net, record_currents=True)
    np.testing.assert_array_equal(c.spikes, fx.spikes)
    np.testing.assert_array_equal(c.v_raw, fx.v_raw)
    np.testing.assert_array_equal(c.asc_raw, fx.asc_raw)
    np.testing.assert_array_equal(c.psc_raw, fx.psc_raw)
    assert c.saturation_events == 0 and fx.saturated_entries == 0


def test_network_rates_match_reference(network):
    kw, ref, net, c = network
    assert set(np.unique(kw["recurrent"].receptor)) == {0, 1, 2, 3}
    assert (kw["recurrent"].weight < 0).mean() > 0.1
    rates = tolerance.compare_rates(ref.spikes, c.spikes)
    assert rates["ok"], rates
    assert rates["population_rate_ref_hz"] > 10


def test_network_raster_equals_reference_given_board_weights(network):
    """With the weights the board holds (16-bit ring-buffer values), the float64 reference and the
    C spike identically for 1000 steps: the rate differences above come from weight resolution,
    not from the fixed-point arithmetic."""
    kw, ref, net, c = network
    ref_on_grid = reference.simulate(**fp.board_weights(kw, net))
    np.testing.assert_array_equal(c.spikes, ref_on_grid.spikes)
    assert not np.array_equal(ref_on_grid.spikes, ref.spikes)


def test_inhibition_inhibits_and_the_sign_defect_is_caught(network, elf):
    kw, ref, net, c = network
    intact = c.spikes.mean()
    # without inhibitory synapses the network fires much more: inhibition measurably inhibits
    no_inh = harness.run(_prepare(_without_inhibition(kw)), elf=elf)
    assert no_inh.spikes.mean() > 1.3 * intact
    # the earlier port's defect: negative weights delivered as excitation
    defect = harness.run(_prepare(kw, route_negative_to_excitatory=True), elf=elf)
    assert defect.spikes.mean() > 2.0 * intact
    assert not tolerance.compare_rates(ref.spikes, defect.spikes)["ok"]


def test_network_with_both_signs_on_every_receptor(elf):
    rng = np.random.default_rng(5)
    kw = random_network(n_neurons=100, n_steps=500, seed=5).kwargs()
    r, i = kw["recurrent"], kw["inputs"]
    kw["recurrent"] = Synapses(r.source, r.target, rng.integers(0, 4, r.n), r.weight, r.delay)
    kw["inputs"] = Synapses(i.source, i.target, rng.integers(0, 4, i.n), i.weight)
    ref = reference.simulate(**kw)
    net = _prepare(kw)
    c = harness.run(net, elf=elf)
    np.testing.assert_array_equal(c.v_raw, fp.run(net).v_raw)
    assert tolerance.compare_rates(ref.spikes, c.spikes)["ok"]
