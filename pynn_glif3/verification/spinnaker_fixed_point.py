"""A NumPy model of the SpiNNaker GLIF3Alpha port, bit for bit.

:func:`simulate` takes the arguments of :func:`pynn_glif3.oracles.reference.simulate` and runs the network
the way a SpiNNaker board running ``native/spinnaker`` would: parameters encoded as sPyNNaker
encodes them, weights quantised to 16-bit ring-buffer values per synapse type with sPyNNaker's
power-of-two weight scaling, signed weights split onto the positive and negative synapse types,
ring buffers that saturate at 0xFFFF, and the s16.15 / u0.32 arithmetic of the C headers.  It
reproduces the C compiled for the ARM968 and run under qemu exactly (identical raw traces and
spikes; ``tests/test_spinnaker_fixed_point.py``), so the accuracy a trained network will have on a
board can be predicted on a workstation.

The arithmetic, as measured with arm-none-eabi-gcc 12.2 under qemu-arm:

* ``accum + accum`` and ``accum - accum``: 32-bit two's complement addition of the raw values
  (wraps, no saturation) -- :func:`wrap32`;
* ``accum * accum`` (GCC's stdfix multiplication) depends on the instruction set: in ARM code GCC
  inlines ``smull`` and shifts the 64-bit product right by 15 (rounds towards minus infinity); in
  Thumb code it calls libgcc's ``__gnu_mulsa3``, which rounds to nearest (ties up); both wrap to
  32 bits -- :func:`mul_accum`.  Because the result would depend on how a board build is
  configured, the model never multiplies two accums;
* the model's own multiplication by a u0.32 constant, ``glif3_scale``: 64-bit product plus 2^31,
  arithmetic shift right by 32 (round to nearest, ties up) -- :func:`scale_u032`.
"""

from dataclasses import dataclass, field
import math

import numpy as np

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.physical import Synapses
from pynn_glif3.model.results import SimulationResult
from pynn_glif3.oracles.reference import check_arguments
from pynn_glif3.model.timing import START_STEP
from pynn_glif3.backends.spinnaker import layout
from pynn_glif3.backends.spinnaker.layout import (N_SYNAPSE_TYPES, NEURON_PARAMS_FIELDS,
                                                  SYNAPSE_PARAMS_FIELDS, THRESHOLD_PARAMS_FIELDS)

#: Largest ring-buffer entry (16-bit weights).
RING_MAX = 0xFFFF
_INT32_MIN = -(2 ** 31)


# -------------------------------------------------------------------------------------------------
# Arithmetic on raw values (int64 arrays holding 32-bit quantities)

def wrap32(x):
    """Wrap integers to signed 32 bits, as 32-bit two's complement arithmetic does."""
    x = np.asarray(x, dtype=np.int64)
    return ((x + 2 ** 31) & 0xFFFFFFFF) - 2 ** 31


def mul_accum(a, b, thumb=False):
    """GCC's ``accum * accum`` on raw s16.15 values, wrapped to 32 bits.

    ARM code (GCC inlines ``smull``): floor(a b / 2^15).  Thumb code (GCC calls libgcc's
    ``__gnu_mulsa3``): round to nearest, ties up, floor((a b + 2^14) / 2^15).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    return wrap32((a * b + (2 ** 14 if thumb else 0)) >> 15)


def scale_u032(x, c):
    """``glif3_scale``: raw s16.15 ``x`` times raw u0.32 ``c``, rounded to nearest (ties up)."""
    x = np.asarray(x, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    return (x * c + 2 ** 31) >> 32


def na_to_pa(x):
    """``glif3_na_to_pa``: raw value times 1000, wrapped (an nA current in pA)."""
    return wrap32(np.asarray(x, dtype=np.int64) * 1000)


def to_raw(values):
    """Nearest s16.15 raw values (round half to even) of float values."""
    return np.round(np.asarray(values, dtype=np.float64) * 2.0 ** 15).astype(np.int64)


def from_raw(raw):
    """Float values of raw s16.15 values."""
    return np.asarray(raw, dtype=np.int64) / 2.0 ** 15


# -------------------------------------------------------------------------------------------------
# Weights: sPyNNaker's ring-buffer representation

def ring_buffer_shift(max_weight):
    """sPyNNaker's left shift for a synapse type whose ring-buffer sums reach ``max_weight``.

    The smallest power p with 2^p > max_weight (p >= 0); a 16-bit ring-buffer value v then stands
    for v 2^(p - 15) (``PopulationVertex.get_ring_buffer_shifts``).
    """
    w = float(max_weight)
    if not math.isfinite(w) or w < 0:
        raise ValueError(f"maximum summed weight {max_weight!r} must be finite and >= 0")
    power = 0 if w <= 0 else int(math.ceil(max(0.0, math.log2(w))))
    if 2 ** power <= w:
        power += 1
    return power


def weight_scale(shift):
    """Multiplier from a weight (pA) to ring-buffer units: 2^(16 - (shift + 1))."""
    return 2.0 ** (16 - (int(shift) + 1))


def quantise_weights(magnitudes, shifts):
    """16-bit ring-buffer weights of non-negative magnitudes (pA), one shift per entry.

    ``rint(|w| * 2^(15 - shift))`` as sPyNNaker's synaptic matrix generation does (it would keep
    only the low 16 bits of a larger value; here that raises).
    """
    magnitudes = np.asarray(magnitudes, dtype=np.float64)
    shifts = np.asarray(shifts, dtype=np.int64)
    q = np.rint(magnitudes * np.exp2(15 - shifts)).astype(np.int64)
    if q.size and q.max() > RING_MAX:
        raise ValueError(f"a weight of {magnitudes.ravel()[np.argmax(q)]!r} pA does not fit 16 bits "
                         f"with its synapse type's shift: raise the maximum summed weight")
    return q


def ring_value_to_raw(values, shifts):
    """Raw s16.15 input of ring-buffer values (``value << shift``, as sPyNNaker converts)."""
    return wrap32(np.asarray(values, dtype=np.int64) << np.asarray(shifts, dtype=np.int64))


def _n_bits(n_values):
    """pacman's get_n_bits: bits to express ``n_values`` values."""
    if n_values <= 1:
        return int(n_values)
    return int(math.ceil(math.log2(n_values)))


# -------------------------------------------------------------------------------------------------
# The problem as a board holds it

class _Rows:
    """Synapses grouped by source (CSR)."""

    def __init__(self, source, n_sources, *columns):
        order = np.argsort(source, kind="stable")
        self.start = np.concatenate([[0], np.cumsum(np.bincount(source, minlength=n_sources))])
        self.columns = [np.asarray(c)[order] for c in columns]

    def select(self, sources):
        starts, stops = self.start[sources], self.start[sources + 1]
        lengths = stops - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), lengths
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return np.arange(total) + offsets, lengths


@dataclass
class BoardNetwork:
    """A network in the integer form the SpiNNaker port uses (see :func:`prepare`).

    Time runs in sPyNNaker's time steps ("ticks"): training row ``m`` is computed in tick
    ``first_tick + m``, where its external input arrives; the ticks before are the hold
    (``layout.hold_ticks``).
    """
    n: int
    n_steps: int                # training rows
    dt: float
    first_tick: int             # the tick of row 0
    values: tuple               # (neuron, threshold, synapse) field values, physical units
    raw: tuple                  # the same, encoded (int64 arrays)
    shifts: np.ndarray          # (8,) ring-buffer left shift per synapse type
    n_slots: int                # delay slots (power of two >= the longest delay)
    recurrent: _Rows            # columns: target, type, delay (steps), weight (16-bit)
    inputs: _Rows               # columns: target, type, weight (16-bit)
    input_spikes: np.ndarray    # (n_steps, n_inputs) integer counts
    bkg: np.ndarray             # (8, N) 16-bit background weight per synapse type
    bkg_counts: np.ndarray      # (n_steps,) integer counts
    stats: dict = field(default_factory=dict)

    @property
    def n_ticks(self):
        """Ticks simulated for all rows: the hold, then one per row."""
        return self.first_tick + self.n_steps

    def external_at(self, tick):
        """Ring-buffer values (8, N) that input spikes and background add at ``tick``: those of
        row ``tick - first_tick`` (sources spiking one tick earlier on one-tick connections,
        as the builder sends them), nothing in the ticks of the hold."""
        row = tick - self.first_tick
        if 0 <= row < self.n_steps:
            return self.external(row)
        return np.zeros((N_SYNAPSE_TYPES, self.n), dtype=np.int64)

    def external(self, step):
        """Ring-buffer values (8, N) added by input spikes and background of training row ``step``."""
        n = self.n
        out = np.zeros(N_SYNAPSE_TYPES * n, dtype=np.int64)
        if self.input_spikes is not None and self.input_spikes.shape[1]:
            row = self.input_spikes[step]
            active = np.flatnonzero(row)
            if active.size:
                sel, lengths = self.inputs.select(active)
                target, stype, weight = (c[sel] for c in self.inputs.columns)
                counts = np.repeat(row[active].astype(np.int64), lengths)
                sums = np.bincount(stype * n + target, weight * counts, minlength=out.size)
                out += np.rint(sums).astype(np.int64)     # integer sums: exact in float64
        out = out.reshape(N_SYNAPSE_TYPES, n)
        if self.bkg_counts is not None and self.bkg_counts[step]:
            out = out + self.bkg * int(self.bkg_counts[step])
        return out


def _as_counts(values, what):
    arr = np.asarray(values)
    ints = np.rint(np.asarray(arr, dtype=np.float64)).astype(np.int64)
    if np.any(ints != arr) or np.any(ints < 0):
        raise ValueError(f"{what} must be non-negative whole numbers (spike counts)")
    return ints


def prepare(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
            bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
            ring_buffer_shifts=None, max_summed_weights=None,
            route_negative_to_excitatory=False, start_step=START_STEP):
    """Convert a network (the arguments of reference.simulate) into a :class:`BoardNetwork`.

    ``start_step`` is the cell type's (docs/timing.md): the neurons hold their initial state for
    ``layout.hold_ticks(start_step)`` ticks and compute training row ``m`` in the tick after them.

    Weight representation, per synapse type (0..3 positive weights of syn1..syn4, 4..7 the
    magnitudes of negative weights):

    ``ring_buffer_shifts``
        8 explicit left shifts (sPyNNaker chooses them per population);
    ``max_summed_weights``
        8 values (or one), pA: the largest sum of weights one ring-buffer entry must hold, as
        sPyNNaker's ``max_expected_summed_weight``; shifts follow sPyNNaker's rule;
    neither
        the exact worst case of this network: every synapse of a type onto a neuron arriving in
        the same step, with the largest input count and background count, so that no ring-buffer
        entry can saturate.

    ``route_negative_to_excitatory`` reproduces the defect of the earlier port (the magnitudes of
    negative weights delivered on the positive synapse types); it exists so that tests can show
    that this defect is detected.
    """
    p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts = check_arguments(
        neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts)
    n = p.n
    h = float(dt)
    if np.ndim(start_step) != 0:
        raise ValueError("start_step must be one number for the whole network")
    values = layout.derive(p, h, start_step=start_step)
    raw = tuple(layout.encode_fields(v, f, what) for v, f, what in zip(
        values, (NEURON_PARAMS_FIELDS, THRESHOLD_PARAMS_FIELDS, SYNAPSE_PARAMS_FIELDS),
        ("neuron_params_t", "threshold_type_params_t", "synapse_types_params_t")))

    def types_of(receptor, weight):
        if route_negative_to_excitatory:
            return np.asarray(receptor, dtype=np.int64)
        return layout.synapse_type(receptor, weight).astype(np.int64)

    stats = {}
    # Recurrent synapses: delays by the training rule.
    if recurrent is not None and recurrent.n:
        d = delay_steps(recurrent.delay, h, max_delay_ms)
        if max_delay_ms is not None:
            stats["delays_clipped"] = int(np.sum(recurrent.delay > max(float(max_delay_ms), h)))
        rec_type = types_of(recurrent.receptor, recurrent.weight)
        rec = (recurrent.source, recurrent.target, rec_type, d, np.abs(recurrent.weight))
    else:
        rec = tuple(np.zeros(0, dtype=np.int64) for _ in range(4)) + (np.zeros(0),)
    if inputs is not None and inputs.n:
        input_spikes = _as_counts(input_spikes[:n_steps], "input_spikes")
        in_type = types_of(inputs.receptor, inputs.weight)
        inp = (inputs.source, inputs.target, in_type, np.abs(inputs.weight))
        n_inputs = input_spikes.shape[1]
    else:
        input_spikes = None
        inp = tuple(np.zeros(0, dtype=np.int64) for _ in range(3)) + (np.zeros(0),)
        n_inputs = 0
    if bkg_weights is not None:
        bkg_counts = _as_counts(bkg_counts[:n_steps], "bkg_counts")
        receptor = np.broadcast_to(np.arange(N_RECEPTORS), (n, N_RECEPTORS))
        bkg_type = types_of(receptor, bkg_weights)
        bkg_abs = np.abs(bkg_weights)
    else:
        bkg_counts = None

    # Shifts per synapse type.
    if ring_buffer_shifts is not None:
        shifts = np.asarray(ring_buffer_shifts, dtype=np.int64).reshape(-1)
        if shifts.shape != (N_SYNAPSE_TYPES,):
            raise ValueError(f"ring_buffer_shifts needs {N_SYNAPSE_TYPES} values")
    else:
        if max_summed_weights is None:
            worst = np.zeros((N_SYNAPSE_TYPES, n))
            np.add.at(worst, (rec[2], rec[1]), rec[4])
            if n_inputs:
                max_count = input_spikes.max(axis=0) if input_spikes.size else np.zeros(n_inputs)
                np.add.at(worst, (inp[2], inp[1]), inp[3] * max_count[inp[0]])
            if bkg_counts is not None and bkg_counts.size:
                np.add.at(worst, (bkg_type, np.arange(n)[:, None]), bkg_abs * bkg_counts.max())
            max_summed_weights = worst.max(axis=1) if n else np.zeros(N_SYNAPSE_TYPES)
        maxw = np.broadcast_to(np.asarray(max_summed_weights, dtype=np.float64), (N_SYNAPSE_TYPES,))
        shifts = np.array([ring_buffer_shift(w) for w in maxw], dtype=np.int64)
        stats["max_summed_weights"] = maxw.copy()
    if shifts.min() < 0 or shifts.max() > 15:
        raise ValueError(f"ring-buffer shifts must be 0..15 (weights below 32768 pA), got {shifts}")

    # Quantised weights.
    rec_q = quantise_weights(rec[4], shifts[rec[2]])
    in_q = quantise_weights(inp[3], shifts[inp[2]])
    keep_rec, keep_in = rec_q > 0, in_q > 0
    stats["weights_rounded_to_zero"] = int(np.sum(~keep_rec & (rec[4] > 0)) + np.sum(~keep_in & (inp[3] > 0)))
    recurrent_rows = _Rows(rec[0][keep_rec], n, rec[1][keep_rec], rec[2][keep_rec],
                           rec[3][keep_rec], rec_q[keep_rec])
    input_rows = _Rows(inp[0][keep_in], n_inputs, inp[1][keep_in], inp[2][keep_in], in_q[keep_in])
    bkg = np.zeros((N_SYNAPSE_TYPES, n), dtype=np.int64)
    if bkg_counts is not None:
        q = quantise_weights(bkg_abs, shifts[bkg_type])
        np.add.at(bkg, (bkg_type, np.broadcast_to(np.arange(n)[:, None], bkg_type.shape)), q)
    max_delay = int(rec[3].max()) if rec[3].size else 1
    n_slots = 2 ** _n_bits(max_delay)
    return BoardNetwork(n, int(n_steps), h, int(layout.hold_ticks(start_step)), values, raw, shifts,
                        n_slots, recurrent_rows, input_rows, input_spikes, bkg, bkg_counts, stats)


def board_weights(kwargs, net):
    """The network arguments with every weight replaced by the value the board holds for it.

    Each weight becomes its 16-bit ring-buffer value times its synapse type's resolution
    2^(shift - 15) pA, with its sign.  Running the float64 reference on these separates the two
    sources of difference between a board and the reference: weight resolution and arithmetic.
    """
    lsb = np.exp2(net.shifts - 15.0)

    def on_grid(weight, receptor):
        weight = np.asarray(weight, dtype=np.float64)
        t = layout.synapse_type(receptor, weight)
        return np.sign(weight) * quantise_weights(np.abs(weight), net.shifts[t]) * lsb[t]

    out = dict(kwargs)
    for key in ("recurrent", "inputs"):
        syn = Synapses.coerce(kwargs.get(key))
        if syn is not None:
            out[key] = Synapses(syn.source, syn.target, syn.receptor, on_grid(syn.weight, syn.receptor),
                                syn.delay)
    if kwargs.get("bkg_weights") is not None:
        bw = np.asarray(kwargs["bkg_weights"], dtype=np.float64)
        out["bkg_weights"] = on_grid(bw, np.broadcast_to(np.arange(N_RECEPTORS), bw.shape))
    return out


# -------------------------------------------------------------------------------------------------
# The stepper

@dataclass
class FixedPointResult(SimulationResult):
    """A :class:`SimulationResult` with the raw s16.15 traces and the board-level details.

    Rows are training rows (the ticks of the hold left out), unless the run was asked to
    ``include_hold``: then row ``t`` is tick ``t`` and training row ``m`` is ``first_tick + m``.
    """
    v_raw: np.ndarray = None     # (n_steps, N) int64
    asc_raw: np.ndarray = None   # (n_steps, N, 2)
    psc_raw: np.ndarray = None   # (n_steps, N, 4)
    saturated_entries: int = 0   # ring-buffer entries that hit 0xFFFF
    network: BoardNetwork = None
    first_row_tick: int = 0      # tick of row 0 of these arrays (0 with include_hold)


def run(net, record_currents=False, record_v=True, include_hold=False):
    """Step a :class:`BoardNetwork` with the exact integer arithmetic of the C headers.

    Spikes are always returned; voltages when ``record_v``, after-spike currents and PSCs when
    ``record_currents`` (leave both off for large networks: they take 8 bytes per value).
    Rows are training rows; with ``include_hold``, ticks from 0 (the hold included).
    """
    n, T = net.n, N_SYNAPSE_TYPES
    nr, tr, sr = net.raw
    v = nr["v_init"].copy()
    a1, a2 = nr["asc_1_init"].copy(), nr["asc_2_init"].copy()
    refract = nr["refract_init"].copy()
    spiked = nr["spiked_init"].astype(bool)     # a spike not yet applied
    hold = np.broadcast_to(nr["hold_init"], (n,)).copy()
    syn_hold = np.broadcast_to(sr["hold_init"], (n,)).copy()
    e_l, D, F = nr["e_l"], nr["decay_v"], nr["drive_v"]
    E1, E2, amp1, amp2 = nr["decay_asc_1"], nr["decay_asc_2"], nr["asc_amp_1"], nr["asc_amp_2"]
    i_offset, jump, blocked = nr["i_offset"], nr["reset_jump"], nr["refract_steps"]
    theta = tr["threshold"]
    S = np.stack([sr[f"decay_{r}"] for r in range(1, N_RECEPTORS + 1)])
    K = np.stack([sr[f"rise_to_psc_{r}"] for r in range(1, N_RECEPTORS + 1)])
    rise = np.stack([sr[f"rise_init_{r}"] for r in range(1, N_RECEPTORS + 1)])
    psc = np.stack([sr[f"psc_init_{r}"] for r in range(1, N_RECEPTORS + 1)])
    bias = na_to_pa(0)     # no additional input or current source in this model of a core

    mask = net.n_slots - 1
    ring = np.zeros((net.n_slots, T, n), dtype=np.int64)
    shifts = net.shifts[:, None]
    n_ticks = net.n_ticks
    spikes = np.zeros((n_ticks, n), dtype=bool)
    v_out = np.zeros((n_ticks, n), dtype=np.int64) if record_v else None
    asc_out = np.zeros((n_ticks, n, 2), dtype=np.int64) if record_currents else None
    psc_out = np.zeros((n_ticks, n, N_RECEPTORS), dtype=np.int64) if record_currents else None
    saturated = 0
    target, stype, delay, weight = net.recurrent.columns

    for step in range(n_ticks):
        slot = step & mask
        ring[slot] += net.external_at(step)
        over = ring[slot] > RING_MAX
        saturated += int(over.sum())
        values = np.minimum(ring[slot], RING_MAX)
        ring[slot] = 0
        inputs = np.where(values > 0, ring_value_to_raw(values, shifts), 0)
        arriving = wrap32(inputs[:N_RECEPTORS] - inputs[N_RECEPTORS:])

        # neuron update from the state of the previous step (none while holding)
        holding = hold > 0
        excitatory = np.where(psc > 0, psc, 0).sum(axis=0)
        inhibitory = np.where(psc < 0, -psc, 0).sum(axis=0)
        current = wrap32(excitatory - inhibitory + a1 + a2 + i_offset + bias)
        v_new = scale_u032(v, D) + scale_u032(current, F)
        a1_new = scale_u032(a1, E1)
        a2_new = scale_u032(a2, E2)
        refract_new = np.maximum(refract - 1, 0)
        v_new = wrap32(np.where(spiked, v_new + jump, v_new))
        a1_new = wrap32(np.where(spiked, a1_new + amp1, a1_new))
        a2_new = wrap32(np.where(spiked, a2_new + amp2, a2_new))
        refract_new = np.where(spiked, blocked, refract_new)
        fired = ~holding & (refract_new == 0) & (v_new > theta)
        v, a1, a2 = (np.where(holding, old, new) for old, new in ((v, v_new), (a1, a1_new), (a2, a2_new)))
        refract = np.where(holding, refract, refract_new)
        spiked = np.where(holding, spiked, fired)
        hold = np.where(holding, hold - 1, hold)

        # synapse shaping: Y from the old rise first, then the rise (while holding: the state
        # stays, the arriving weights are dropped)
        shaping = syn_hold == 0
        psc = np.where(shaping, wrap32(scale_u032(psc, S) + scale_u032(rise, K)), psc)
        rise = np.where(shaping, wrap32(scale_u032(rise, S) + arriving), rise)
        syn_hold = np.where(shaping, syn_hold, syn_hold - 1)

        spikes[step] = fired
        if record_v:
            v_out[step] = wrap32(v + e_l)
        if record_currents:
            asc_out[step, :, 0], asc_out[step, :, 1] = a1, a2
            psc_out[step] = psc.T

        if fired.any():
            sel, _ = net.recurrent.select(np.flatnonzero(fired))
            if sel.size:
                slots = (step + delay[sel]) & mask
                np.add.at(ring, (slots, stype[sel], target[sel]), weight[sel])

    rows = slice(0 if include_hold else net.first_tick, None)
    spikes, v_out, asc_out, psc_out = (None if a is None else a[rows]
                                       for a in (spikes, v_out, asc_out, psc_out))
    return FixedPointResult(
        spikes=spikes, v=from_raw(v_out) if record_v else None,
        asc=from_raw(asc_out) if record_currents else None,
        psc=from_raw(psc_out) if record_currents else None, dt=net.dt,
        v_raw=v_out, asc_raw=asc_out, psc_raw=psc_out, saturated_entries=saturated, network=net,
        first_row_tick=rows.start)


def simulate(neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             record_currents=False, ring_buffer_shifts=None, max_summed_weights=None,
             route_negative_to_excitatory=False, record_v=True, start_step=START_STEP):
    """Run the network "as SpiNNaker would".  Arguments as :func:`pynn_glif3.oracles.reference.simulate`,
    plus the weight representation and ``start_step`` of :func:`prepare`.  Returns a
    :class:`FixedPointResult` (voltages in mV, currents in pA, rows = state after each training
    step, like the reference; the ticks of the hold are simulated and left out).
    """
    net = prepare(neurons, n_steps, dt, recurrent, inputs, input_spikes, bkg_weights, bkg_counts,
                  max_delay_ms, ring_buffer_shifts, max_summed_weights, route_negative_to_excitatory,
                  start_step)
    return run(net, record_currents, record_v)
