"""How far the SpiNNaker port may be from the float64 reference: a bound derived from the arithmetic.

The port differs from the contract only by

1. the encoding of each constant: a u0.32 constant c is stored as c_q with
   |c_q - c| <= 2^-33, an s16.15 parameter p as p_q with |p_q - p| <= 2^-16 (half of the
   resolution lambda = 2^-15);
2. one rounding per multiplication: ``glif3_scale`` rounds to the nearest s16.15 value, an error of
   at most lambda / 2 = 2^-16; sums of s16.15 values are exact;
3. the weights: each is rounded to its synapse type's ring-buffer resolution 2^(shift - 15) pA,
   so the summed input of a step differs from the true one by a known amount e_u (computed here
   exactly from the quantised and the true weights).

Propagating 1-3 through the update (each state variable x of the contract is x_n = c x_{n-1} + ...,
and the C computes x^C_n = round(c_q x^C_{n-1}) + ...) gives, for the error e = x^C - x:

    e_n = c_q e_{n-1} + (c_q - c) x_{n-1} + rho_n + (other inputs' errors),  |rho_n| <= 2^-16

hence the bounds, with reference values x (the folded rise Xt = X / P, the PSC Y, the after-spike
currents A, the voltage v = V - E_L) and the reference's spikes z:

    b_Xt(n) = S_q b_Xt + dS |Xt| + 2^-16 + e_u(n)
    b_Y(n)  = S_q b_Y + dS |Y| + 2^-16 + K_q b_Xt + dK |Xt| + 2^-16
    b_A(n)  = E_q b_A + dE |A| + 2^-16 + z da
    b_I     = sum_r b_Y + b_A1 + b_A2 + dI
    b_v(n)  = D_q b_v + dD |v| + 2^-16 + F_q b_I + dF |I| + 2^-16 + z djump
    b_V     = b_v + dE_L

(right-hand sides at step n-1; d* are the exact encoding errors of each neuron's constants).
These hold as long as the spikes are the same; they are the same for sure where the reference
voltage is farther from threshold than b_V + d(V_th - E_L) whenever spiking is allowed
(:attr:`Bounds.spikes_certain`).  Steady state, for constant inputs, b_Xt <= (2^-16 + e_u) /
(1 - S) and so on: docs/spinnaker.md has the numbers for typical parameters.
"""

from dataclasses import dataclass

import numpy as np

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.propagators import propagators
from pynn_glif3.backends.spinnaker.layout import LSB, decode

HALF_LSB = LSB / 2.0
#: Allowance for the float64 reference's own rounding (mV, pA).
FLOAT_SLACK = 1e-9


@dataclass
class Bounds:
    """Bounds on |port - reference| for every step (rows as the simulation results)."""
    v: np.ndarray            # (n_steps, N) mV
    asc: np.ndarray          # (n_steps, N, 2) pA
    psc: np.ndarray          # (n_steps, N, 4) pA
    margin: np.ndarray       # (n_steps, N) |V_ref - V_th| - (b_V + d_theta) where spiking is allowed
    spikes_certain: bool     # True: the port must spike exactly when the reference does


def signed_inputs(net, kwargs, spikes):
    """Per-step summed input u (n_steps, N, 4), true (float64) and as the board holds it.

    ``kwargs`` are the reference.simulate arguments of ``net``; recurrent input is rebuilt from
    the raster ``spikes`` (the reference's), with the training model's delays.
    """
    n, n_steps, h = net.n, net.n_steps, net.dt
    true = np.zeros((n_steps, n, N_RECEPTORS))
    board = np.zeros((n_steps, n, N_RECEPTORS))
    lsb = np.exp2(net.shifts - 15.0)
    sign = np.where(np.arange(2 * N_RECEPTORS) < N_RECEPTORS, 1.0, -1.0)
    receptor_of = np.arange(2 * N_RECEPTORS) % N_RECEPTORS

    inputs = Synapses.coerce(kwargs.get("inputs"))
    if inputs is not None and inputs.n:
        counts = np.asarray(kwargs["input_spikes"], dtype=np.float64)[:n_steps]
        for step in range(n_steps):
            c = counts[step][inputs.source]
            np.add.at(true[step], (inputs.target, inputs.receptor), inputs.weight * c)
    if kwargs.get("bkg_weights") is not None:
        bw = np.asarray(kwargs["bkg_weights"], dtype=np.float64)
        bc = np.asarray(kwargs["bkg_counts"], dtype=np.float64)[:n_steps]
        true += bc[:, None, None] * bw[None]
    for step in range(n_steps):
        ext = net.external(step) * lsb[:, None] * sign[:, None]          # (8, N)
        for t in range(2 * N_RECEPTORS):
            board[step, :, receptor_of[t]] += ext[t]

    recurrent = Synapses.coerce(kwargs.get("recurrent"))
    if recurrent is not None and recurrent.n:
        d = delay_steps(recurrent.delay, h, kwargs.get("max_delay_ms", TRAINING_MAX_DELAY_MS))
        src_steps, src = np.nonzero(spikes)
        by_source = {}
        for m, j in zip(src_steps, src):
            by_source.setdefault(j, []).append(m)
        order = np.argsort(recurrent.source, kind="stable")
        starts = np.searchsorted(recurrent.source[order], np.arange(n + 1))
        for j, steps in by_source.items():
            idx = order[starts[j]:starts[j + 1]]
            for m in steps:
                arrive = m + d[idx]
                ok = arrive < n_steps
                np.add.at(true, (arrive[ok], recurrent.target[idx][ok], recurrent.receptor[idx][ok]),
                          recurrent.weight[idx][ok])
        target, stype, delay, weight = net.recurrent.columns
        start = net.recurrent.start
        for j, steps in by_source.items():
            sl = slice(start[j], start[j + 1])
            values = weight[sl] * lsb[stype[sl]] * sign[stype[sl]]
            for m in steps:
                arrive = m + delay[sl]
                ok = arrive < n_steps
                np.add.at(board, (arrive[ok], target[sl][ok], receptor_of[stype[sl]][ok]), values[ok])
    return true, board


def bounds(net, kwargs, reference_result):
    """The derived bound (:class:`Bounds`) for ``net`` against a reference run with currents.

    ``reference_result`` must come from reference.simulate(**kwargs, record_currents=True).
    Valid while the port's spikes equal the reference's; see :attr:`Bounds.spikes_certain`.
    """
    p = NeuronParameters.coerce(kwargs["neurons"])
    h = net.dt
    n, n_steps = net.n, net.n_steps
    nr, tr, sr = net.raw

    def u032(table, name):
        return decode(table[name], "U032")

    # The true constants (not clipped) and the encoded ones.
    c = propagators(p, h)
    D, F, E, S, K = c.decay_v, c.drive_v, c.decay_asc, c.decay_syn, c.rise_to_psc
    D_q, F_q = u032(nr, "decay_v"), u032(nr, "drive_v")
    E_q = np.stack([u032(nr, f"decay_asc_{j}") for j in (1, 2)], axis=1)
    S_q = np.stack([u032(sr, f"decay_{r}") for r in range(1, N_RECEPTORS + 1)], axis=1)
    K_q = np.stack([u032(sr, f"rise_to_psc_{r}") for r in range(1, N_RECEPTORS + 1)], axis=1)
    d_D, d_F, d_E, d_S, d_K = (np.abs(a - b) for a, b in ((D_q, D), (F_q, F), (E_q, E), (S_q, S), (K_q, K)))

    def enc_err(name, true_value):
        enc = decode(nr[name], "S1615")
        return np.abs(enc - true_value)

    d_a = np.stack([enc_err(f"asc_amp_{j}", p.asc_amps[:, j - 1]) for j in (1, 2)], axis=1)
    d_I = enc_err("i_offset", p.I_offset)
    d_jump = enc_err("reset_jump", p.V_reset - p.V_th)
    d_EL = enc_err("e_l", p.E_L)
    d_v0 = enc_err("v_init", p.V_reset - p.E_L)
    d_theta = np.abs(decode(tr["threshold"], "S1615") - (p.V_th - p.E_L))

    u_true, u_board = signed_inputs(net, kwargs, reference_result.spikes)
    e_u = np.abs(u_board - u_true)

    # Reference trajectories, with the initial state in front.
    Y = np.concatenate([np.zeros((1, n, 4)), reference_result.psc], axis=0)
    A = np.concatenate([np.zeros((1, n, 2)), reference_result.asc], axis=0)
    v = np.concatenate([(p.V_reset - p.E_L)[None], reference_result.v - p.E_L[None]], axis=0)
    z = np.concatenate([np.zeros((1, n), bool), reference_result.spikes], axis=0)
    Xt = np.zeros((n_steps + 1, n, 4))
    for i in range(n_steps):
        Xt[i + 1] = S * Xt[i] + u_true[i]     # the contract's rise X divided by e / tau

    b_X = np.zeros((n, 4))
    b_Y = np.zeros((n, 4))
    b_A = np.zeros((n, 2))
    b_v = d_v0.copy()
    out_v = np.zeros((n_steps, n))
    out_A = np.zeros((n_steps, n, 2))
    out_Y = np.zeros((n_steps, n, 4))
    for i in range(n_steps):
        current = Y[i].sum(axis=1) + A[i].sum(axis=1) + p.I_offset
        b_I = b_Y.sum(axis=1) + b_A.sum(axis=1) + d_I
        zi = z[i]
        b_v = (D_q * b_v + d_D * np.abs(v[i]) + HALF_LSB + F_q * b_I + d_F * np.abs(current) + HALF_LSB
               + zi * d_jump)
        b_A = E_q * b_A + d_E * np.abs(A[i]) + HALF_LSB + zi[:, None] * d_a
        b_Y_new = (S_q * b_Y + d_S * np.abs(Y[i]) + HALF_LSB + K_q * b_X + d_K * np.abs(Xt[i]) + HALF_LSB)
        b_X = S_q * b_X + d_S * np.abs(Xt[i]) + HALF_LSB + e_u[i]
        b_Y = b_Y_new
        out_v[i] = b_v + d_EL + FLOAT_SLACK * (1 + np.abs(reference_result.v[i]))
        out_A[i] = b_A + FLOAT_SLACK * (1 + np.abs(reference_result.asc[i]))
        out_Y[i] = b_Y + FLOAT_SLACK * (1 + np.abs(reference_result.psc[i]))

    # Where may the neuron spike?  Not within refract_steps steps after a spike.
    blocked_steps = nr["refract_steps"]
    allowed = np.ones((n_steps, n), bool)
    spike_steps, spike_neurons = np.nonzero(reference_result.spikes)
    for s, j in zip(spike_steps, spike_neurons):
        allowed[s + 1:s + 1 + blocked_steps[j], j] = False
    margin = np.abs(reference_result.v - p.V_th[None]) - (out_v + d_theta[None])
    margin = np.where(allowed, margin, np.inf)
    return Bounds(out_v, out_A, out_Y, margin, bool(np.all(margin > 0)))


# -------------------------------------------------------------------------------------------------
# Network firing rates

#: Agreement required between the port's and the reference's firing rates in a recurrent network.
#: Once a rounding difference flips one spike, a recurrent network's rasters diverge (chaos; the
#: float32 training code does the same), so rates are compared, not rasters:
#: population rate within 2 %, every neuron within 10 % + 3 Hz (3 spikes in 1 s: the spike-count
#: noise of a diverged raster), and a per-neuron rate correlation of at least 0.99.
RATE_CRITERIA = {"population_rel": 0.02, "neuron_rel": 0.10, "neuron_abs_hz": 3.0, "correlation": 0.99}


def compare_rates(reference_spikes, spikes, dt=1.0, criteria=RATE_CRITERIA):
    """Firing-rate agreement of two rasters (n_steps, N); returns the measures and ``ok``."""
    duration_s = reference_spikes.shape[0] * dt / 1000.0
    r_ref = reference_spikes.sum(axis=0) / duration_s
    r = spikes.sum(axis=0) / duration_s
    pop_ref, pop = r_ref.mean(), r.mean()
    population_rel = abs(pop - pop_ref) / pop_ref if pop_ref > 0 else float(pop > 0)
    excess = np.abs(r - r_ref) - (criteria["neuron_rel"] * r_ref + criteria["neuron_abs_hz"])
    corr = float(np.corrcoef(r_ref, r)[0, 1]) if r_ref.std() > 0 and r.std() > 0 else float("nan")
    ok = (population_rel <= criteria["population_rel"] and bool(np.all(excess <= 0))
          and corr >= criteria["correlation"])
    return {"population_rate_ref_hz": float(pop_ref), "population_rate_hz": float(pop),
            "population_rel_error": float(population_rel),
            "max_neuron_abs_error_hz": float(np.abs(r - r_ref).max()),
            "neurons_outside": int(np.sum(excess > 0)), "correlation": corr, "ok": bool(ok)}
