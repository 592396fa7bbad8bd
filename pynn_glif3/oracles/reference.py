"""The NumPy reference: a float64 network stepper that implements docs/model.md exactly.

This is the oracle every backend is compared with.  It is written for clarity of the update order
first and speed second (vectorised over neurons; synaptic delivery through a ring buffer).
"""

import numpy as np

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.model.propagators import propagators
from pynn_glif3.model.results import SimulationResult


class _SourceIndex:
    """Synapses grouped by source, so that the synapses of the spiking sources are found fast."""

    def __init__(self, source, n_sources, *columns):
        order = np.argsort(source, kind="stable")
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(source, minlength=n_sources))])
        self.columns = [np.asarray(c)[order] for c in columns]

    def select(self, sources):
        """Index arrays into ``columns`` of the synapses of ``sources``."""
        starts, stops = self.indptr[sources], self.indptr[sources + 1]
        lengths = stops - starts
        if lengths.sum() == 0:
            return np.zeros(0, dtype=np.int64), lengths
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return np.arange(lengths.sum()) + offsets, lengths


def check_arguments(neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts,
                  noise=None):
    """Coerce and check the arguments shared by every stepper; returns them normalised."""
    p = NeuronParameters.coerce(neurons)
    n = p.n
    recurrent = Synapses.coerce(recurrent)
    inputs = Synapses.coerce(inputs)
    if recurrent is not None:
        if recurrent.delay is None:
            raise ValueError("recurrent synapses need delays (ms)")
        recurrent.check_indices(n, n, "recurrent synapses")
    if inputs is not None:
        if input_spikes is None:
            raise ValueError("input synapses given without input_spikes")
        input_spikes = np.asarray(input_spikes)
        if input_spikes.ndim != 2 or input_spikes.shape[0] < n_steps:
            raise ValueError(f"input_spikes must have shape (n_steps >= {n_steps}, n_inputs), "
                             f"got {input_spikes.shape}")
        inputs.check_indices(input_spikes.shape[1], n, "input synapses")
    if (bkg_weights is None) != (bkg_counts is None):
        raise ValueError("give both bkg_weights (N, 4) and bkg_counts (n_steps,), or neither")
    if bkg_weights is not None:
        bkg_weights = np.asarray(bkg_weights, dtype=np.float64)
        bkg_counts = np.asarray(bkg_counts, dtype=np.float64)
        if bkg_weights.shape != (n, N_RECEPTORS):
            raise ValueError(f"bkg_weights must have shape ({n}, {N_RECEPTORS}), got {bkg_weights.shape}")
        if bkg_counts.ndim == 2 and bkg_counts.shape[1] == 1:
            bkg_counts = bkg_counts.ravel()
        if not (bkg_counts.ndim == 1 or (bkg_counts.ndim == 2 and bkg_counts.shape[1] == n)) \
                or bkg_counts.shape[0] < n_steps:
            raise ValueError(f"bkg_counts must have shape (n_steps >= {n_steps},) (one count shared by "
                             f"all neurons) or (n_steps, {n}) (one per neuron), got {bkg_counts.shape}")
    if noise is not None and (noise.n_steps < n_steps or noise.n_neurons != n):
        raise ValueError(f"decoded noise draws cover {noise.n_steps} steps of {noise.n_neurons} "
                         f"neurons; need {n_steps} steps of {n}")
    return p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts


def simulate(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             record_currents=False, noise=None):
    """Run the GLIF3Alpha network for ``n_steps`` steps of ``dt`` ms from the initial state.

    Parameters
    ----------
    neurons : NeuronParameters or mapping
        Per-neuron parameters in the data files' units: ``E_L``, ``V_th``, ``V_reset`` (mV),
        ``C_m`` (pF), ``g`` (nS), ``t_ref`` (ms), ``k`` (N, 2) 1/ms, ``asc_amps`` (N, 2) pA,
        ``tau_syn`` (N, 4) ms, optional ``I_offset`` pA.
    recurrent : Synapses or (source, target, receptor, weight, delay)
        Receptor 0..3, weight in pA (signed), delay in ms.  Delays become whole steps with the
        training model's rule (:func:`pynn_glif3.model.delay_steps` with ``max_delay_ms``).
    inputs : Synapses or (source, target, receptor, weight)
        External input synapses, weight in pA.  They act with zero delay: input spikes in row i of
        ``input_spikes`` (shape (n_steps, n_inputs), spike counts) enter the PSC rise at step i.
    bkg_weights, bkg_counts : (N, 4) pA and (n_steps,) or (n_steps, N)
        Background: row i adds ``bkg_weights * bkg_counts[i]`` to the synaptic input of step i;
        the count is shared by all neurons (the training model) or drawn per neuron.
    noise : pynn_glif3.model.noise.NoiseDraws, optional
        Decoded-noise background: row i adds ``noise.step_input(i) * vs`` (pA) to the synaptic
        input of step i (docs/model.md).
    record_currents : bool
        Also return the after-spike currents and the PSCs.

    Returns
    -------
    SimulationResult with ``spikes`` (n_steps, N) bool and ``v`` (n_steps, N) in mV.
    """
    p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts = check_arguments(
        neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts, noise)
    n = p.n
    h = float(dt)
    vs = p.V_th - p.E_L

    c = propagators(p, h)          # docs/model.md, "derived constants"
    D, F, S, P, E, hS = c.decay_v, c.drive_v, c.decay_syn, c.rise_gain, c.decay_asc, c.rise_step
    leak_drive, reset_jump = c.leak_drive, c.reset_jump

    V = p.V_reset.copy()
    A = np.zeros((n, 2))
    R = np.zeros(n)
    X = np.zeros((n, N_RECEPTORS))
    Y = np.zeros((n, N_RECEPTORS))
    z = np.zeros(n, dtype=bool)

    # Recurrent delivery: a ring of future synaptic input, one slot per step.
    if recurrent is not None and recurrent.n:
        d = delay_steps(recurrent.delay, h, max_delay_ms)
        ring_len = int(d.max()) + 1
        rec_index = _SourceIndex(recurrent.source, n,
                                 recurrent.target * N_RECEPTORS + recurrent.receptor,
                                 recurrent.weight, d)
    else:
        ring_len, rec_index = 1, None
    ring = np.zeros((ring_len, n * N_RECEPTORS))
    if inputs is not None and inputs.n:
        in_index = _SourceIndex(inputs.source, input_spikes.shape[1],
                                inputs.target * N_RECEPTORS + inputs.receptor, inputs.weight)
    else:
        in_index = None

    spikes = np.zeros((n_steps, n), dtype=bool)
    v_out = np.zeros((n_steps, n))
    asc_out = np.zeros((n_steps, n, 2)) if record_currents else None
    psc_out = np.zeros((n_steps, n, N_RECEPTORS)) if record_currents else None

    for i in range(n_steps):
        slot = i % ring_len
        u = ring[slot].copy()
        ring[slot] = 0.0
        if in_index is not None:
            active = np.flatnonzero(input_spikes[i])
            if active.size:
                sel, lengths = in_index.select(active)
                flat, w = in_index.columns[0][sel], in_index.columns[1][sel]
                counts = np.repeat(np.asarray(input_spikes[i][active], dtype=np.float64), lengths)
                u += np.bincount(flat, w * counts, minlength=u.size)
        u = u.reshape(n, N_RECEPTORS)
        if bkg_weights is not None:
            count = bkg_counts[i]
            u = u + bkg_weights * (count[:, None] if np.ndim(count) else count)
        if noise is not None:
            u = u + noise.step_input(i) * vs[:, None]

        # One step; every right-hand side uses the previous step's state.
        X_new = S * X + P * u
        Y_new = S * Y + hS * X
        R_new = np.maximum(0.0, R + z * p.t_ref - h)
        A_new = E * A + z[:, None] * p.asc_amps
        total = (Y[:, 0] + Y[:, 1] + Y[:, 2] + Y[:, 3]) + A[:, 0] + A[:, 1] + p.I_offset + leak_drive
        V_new = D * V + F * total + z * reset_jump
        z_new = (V_new > p.V_th) & (R_new == 0.0)
        X, Y, R, A, V, z = X_new, Y_new, R_new, A_new, V_new, z_new

        spikes[i] = z
        v_out[i] = V
        if record_currents:
            asc_out[i] = A
            psc_out[i] = Y
        if rec_index is not None and z.any():
            sel, _ = rec_index.select(np.flatnonzero(z))
            flat, w, dsteps = (c[sel] for c in rec_index.columns)
            slots = (i + dsteps) % ring_len
            np.add.at(ring, (slots, flat), w)
    return SimulationResult(spikes, v_out, asc_out, psc_out, h)
