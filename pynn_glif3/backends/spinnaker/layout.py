"""The data the SpiNNaker GLIF3Alpha model reads: struct layouts, host-computed constants, encoding.

The C structs are in ``native/spinnaker/src/glif3``; the tables here list their fields in order
with sPyNNaker's data types, so that a sPyNNaker ``Struct`` built from them writes exactly the
bytes the C code reads (``tests/test_spinnaker_layout.py`` checks this against the compiled
structs).  Every derived constant is computed here, on the host, in double precision:

* ``decay_v`` D = exp(-h g / C_m), ``drive_v`` F = (1 - D) / g (mV/pA), ``decay_asc_j`` E_j, and
  per receptor ``decay_r`` S_r = exp(-h / tau_r) and ``rise_to_psc_r`` K_r = h S_r e / tau_r, all
  unsigned 0.32 fractions (the alpha normalisation e / tau_r is folded into K_r, so no
  fixed-point exponential or ``e`` constant is ever evaluated on the core);
* ``refract_steps``, the number of steps blocked after a spike, by replaying the contract's
  floating-point recursion ``R = max(0, R + z t_ref - h)`` (see :func:`refractory_steps`);
* voltages relative to E_L (``v_init``, ``threshold`` = V_th - E_L, ``reset_jump``);
* ``hold_init`` of the neuron and of the synapse type, the time steps (ticks) during which both keep
  their initial state, from the cell type's ``start_step`` (see :func:`hold_ticks`).

This module needs numpy only.
"""

from decimal import Decimal
import math

import numpy as np

from pynn_glif3.model import N_RECEPTORS
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.model.propagators import propagators
from pynn_glif3.model.timing import START_STEP

S1615 = "S1615"     # signed 16.15 fixed point (C REAL / accum)
U032 = "U032"       # unsigned 0.32 fixed point (C unsigned long fract)
UINT32 = "UINT32"

FRACTION_BITS = 15
#: Resolution of an s16.15 value.
LSB = 2.0 ** -FRACTION_BITS
#: Range of the fixed-point types, as sPyNNaker's DataType states them.
_RANGES = {
    S1615: (Decimal(-65536), Decimal(2 ** 31 - 1) / Decimal(2 ** 15), Decimal(2 ** 15)),
    U032: (Decimal(0), Decimal(2 ** 32 - 1) / Decimal(2 ** 32), Decimal(2 ** 32)),
}
#: The largest u0.32 value, 1 - 2^-32.
U032_MAX = (2 ** 32 - 1) / 2 ** 32

NEURON_PARAMS_FIELDS = (
    (S1615, "v_init"), (S1615, "asc_1_init"), (S1615, "asc_2_init"),
    (UINT32, "refract_init"), (UINT32, "spiked_init"), (UINT32, "hold_init"),
    (S1615, "e_l"), (U032, "decay_v"), (U032, "drive_v"),
    (U032, "decay_asc_1"), (U032, "decay_asc_2"),
    (S1615, "asc_amp_1"), (S1615, "asc_amp_2"), (S1615, "i_offset"),
    (S1615, "reset_jump"), (UINT32, "refract_steps"),
)
THRESHOLD_PARAMS_FIELDS = ((S1615, "threshold"),)
_RECEPTOR_FIELDS = ((S1615, "rise_init"), (S1615, "psc_init"), (U032, "decay"), (U032, "rise_to_psc"))
SYNAPSE_PARAMS_FIELDS = tuple((kind, f"{name}_{r}") for r in range(1, N_RECEPTORS + 1)
                              for kind, name in _RECEPTOR_FIELDS) + ((UINT32, "hold_init"),)

#: Bytes per neuron of the structs kept in DTCM (neuron_t, synapse_types_t, threshold_type_t,
#: the current input type's empty input_type_t); checked against the compiled C.
DTCM_STRUCT_BYTES = {"neuron_t": 64, "synapse_types_t": 84, "threshold_type_t": 4, "input_type_t": 0}

#: Synapse types: 0..3 positive weights of syn1..syn4, 4..7 magnitudes of their negative weights.
N_SYNAPSE_TYPES = 2 * N_RECEPTORS
SYNAPSE_TYPE_NAMES = tuple(f"syn{r}" for r in range(1, N_RECEPTORS + 1)) + tuple(
    f"syn{r}_negative" for r in range(1, N_RECEPTORS + 1))


def c_field_name(struct, name):
    """The C member path of a field of the tables (``decay_2`` -> ``receptor2.decay``)."""
    if struct == "synapse_types_params_t" and name[-1].isdigit():
        base, r = name.rsplit("_", 1)
        return f"receptor{r}.{base}"
    return name


def synapse_type(receptor, weight):
    """Synapse type index (0..7) of receptor index 0..3 and signed weight."""
    return np.asarray(receptor) + N_RECEPTORS * (np.asarray(weight) < 0)


#: sPyNNaker stamps what its time step ``t`` (counted from 0) produces with the time ``t h``, so its
#: step ``t`` is the update that docs/timing.md calls step ``t - 1``: its first step comes before
#: timing.md's step 0.
TICK_OF_STEP_0 = 1


def hold_ticks(start_step):
    """sPyNNaker time steps during which GLIF3Alpha keeps its initial state: ``start_step + 1``.

    The neuron holds through timing.md's steps ``0 .. start_step - 1``, which are sPyNNaker's steps
    ``1 .. start_step``, and through sPyNNaker's step 0 (before timing.md's step 0); training row
    ``m`` is then computed in sPyNNaker's step ``start_step + 1 + m``, whose spikes sPyNNaker stamps
    ``(start_step + 1 + m) h``, as :meth:`pynn_glif3.model.timing.StepTiming.row_times` expects.
    """
    steps = np.asarray(start_step, dtype=np.float64)
    if not np.all((steps >= 0) & (steps < 2 ** 32 - TICK_OF_STEP_0) & (steps == np.rint(steps))):
        raise ValueError(f"start_step must be a whole number of steps >= 0, got {start_step!r}")
    return steps.astype(np.int64) + TICK_OF_STEP_0


def refractory_steps(t_ref, dt):
    """Steps during which spiking is blocked after a spike, exactly as the contract decides.

    A neuron only spikes with ``R == 0``, so after a spike ``R`` runs through the same float64
    sequence every time: ``R = max(0, (0 + t_ref) - h)``, then ``R = max(0, R - h)`` until it is
    0.  The count of positive values is the number of blocked steps (t_ref 3.0, h 1 -> 2, the next
    spike can come 3 steps later; t_ref 3.4 -> 3, 4 steps later).
    """
    t_ref = np.asarray(t_ref, dtype=np.float64)
    h = float(dt)
    out = np.zeros(t_ref.shape, dtype=np.int64)
    for value in np.unique(t_ref):
        if not math.isfinite(value) or value / h > 1e7:
            raise ValueError(f"refractory time {value!r} ms is not usable with dt = {h} ms")
        remaining = max(0.0, (0.0 + float(value)) - h)
        blocked = 0
        while remaining > 0.0:
            blocked += 1
            remaining = max(0.0, remaining - h)
        out[t_ref == value] = blocked
    return out


def _u032(values, what):
    """Clip a constant in [0, 1] to the u0.32 range (1.0 becomes 1 - 2^-32)."""
    values = np.asarray(values, dtype=np.float64)
    if np.any(~np.isfinite(values)) or np.any(values < 0.0) or np.any(values > 1.0):
        bad = values[~((values >= 0.0) & (values <= 1.0))][0]
        raise ValueError(f"{what} = {bad!r} is outside [0, 1]: it cannot be a u0.32 constant")
    return np.minimum(values, U032_MAX)


def derive(neurons, dt=1.0, v_init=None, start_step=START_STEP):
    """Field values (float, physical units) of the three per-neuron parameter structs.

    Returns ``(neuron, threshold, synapse)`` dicts keyed by the field names of
    :data:`NEURON_PARAMS_FIELDS`, :data:`THRESHOLD_PARAMS_FIELDS`, :data:`SYNAPSE_PARAMS_FIELDS`.
    ``v_init`` (mV) defaults to V_reset, the contract's initial state; ``start_step`` (one value
    or one per neuron) is the cell type's, from which the hold follows (:func:`hold_ticks`).
    """
    p = NeuronParameters.coerce(neurons)
    h = float(dt)
    if not h > 0.0:
        raise ValueError(f"dt must be positive, got {dt!r}")
    n = p.n
    c = propagators(p, h)
    D, F, S, K, E = c.decay_v, c.drive_v, c.decay_syn, c.rise_to_psc, c.decay_asc
    if np.any(F >= 1.0):
        i = int(np.flatnonzero(F >= 1.0)[0])
        raise ValueError(f"neuron {i}: (1 - D) / g = {F[i]!r} mV/pA is not below 1 (C_m = {p.C_m[i]!r} pF "
                         f"is too small for dt = {h} ms); the SpiNNaker model cannot represent it")
    V0 = p.V_reset if v_init is None else np.broadcast_to(np.asarray(v_init, float), (n,))
    zeros = np.zeros(n)
    hold = np.broadcast_to(hold_ticks(start_step), (n,))
    neuron = {
        "v_init": V0 - p.E_L, "asc_1_init": zeros, "asc_2_init": zeros,
        "refract_init": np.zeros(n, dtype=np.int64), "spiked_init": np.zeros(n, dtype=np.int64),
        "hold_init": hold,
        "e_l": p.E_L, "decay_v": _u032(D, "D"), "drive_v": _u032(F, "F"),
        "decay_asc_1": _u032(E[:, 0], "E_1"), "decay_asc_2": _u032(E[:, 1], "E_2"),
        "asc_amp_1": p.asc_amps[:, 0], "asc_amp_2": p.asc_amps[:, 1], "i_offset": p.I_offset,
        "reset_jump": p.V_reset - p.V_th, "refract_steps": refractory_steps(p.t_ref, h),
    }
    threshold = {"threshold": p.V_th - p.E_L}
    synapse = {}
    for r in range(1, N_RECEPTORS + 1):
        synapse[f"rise_init_{r}"] = zeros
        synapse[f"psc_init_{r}"] = zeros
        synapse[f"decay_{r}"] = _u032(S[:, r - 1], f"S_{r}")
        synapse[f"rise_to_psc_{r}"] = _u032(K[:, r - 1], f"K_{r}")
    synapse["hold_init"] = hold
    return neuron, threshold, synapse


def encode(values, kind, what="value"):
    """Raw integers of ``values`` in a sPyNNaker data type, rounded as sPyNNaker's ``convert_to``.

    Fixed-point values are converted the way sPyNNaker's ``DataType.encode_as_int`` does:
    ``round(Decimal(str(value)) * scale)`` (half to even), after the same range check.  S1615
    gives int32 values, U032 and UINT32 uint32 values (as int64 arrays).
    """
    values = np.asarray(values)
    if kind == UINT32:
        ints = np.asarray(values, dtype=np.int64)
        if np.any(ints != values) or np.any(ints < 0) or np.any(ints >= 2 ** 32):
            raise ValueError(f"{what}: not a 32-bit unsigned integer")
        return ints
    low, high, scale = _RANGES[kind]
    flat = values.astype(np.float64).ravel()
    out = np.empty(flat.shape, dtype=np.int64)
    unique, inverse = np.unique(flat, return_inverse=True)
    encoded = np.empty(unique.shape, dtype=np.int64)
    for i, v in enumerate(unique):
        if not math.isfinite(v):
            raise ValueError(f"{what} = {v!r} cannot be converted to {kind}")
        if not low <= Decimal(float(v)) <= high:      # exact comparison, as sPyNNaker's
            raise ValueError(f"{what} = {v!r} cannot be converted to {kind}: out of range "
                             f"[{float(low)}, {float(high)}]")
        encoded[i] = int(round(Decimal(str(float(v))) * scale))
    out[:] = encoded[inverse.ravel()]
    return out.reshape(values.shape)


def decode(raw, kind):
    """Values of raw integers of a data type (exact in float64)."""
    raw = np.asarray(raw, dtype=np.int64)
    if kind == S1615:
        return raw / 2.0 ** 15
    if kind == U032:
        return raw / 2.0 ** 32
    return raw


def encode_fields(values, fields, what):
    """Encode a dict of field values (see :func:`derive`) into raw integers, per field."""
    return {name: encode(values[name], kind, f"{what} field {name!r}") for kind, name in fields}


def numpy_dtype(fields):
    """Little-endian structured dtype of a struct (all fields are 32-bit: no padding)."""
    return np.dtype([(name, "<i4" if kind == S1615 else "<u4") for kind, name in fields])


def pack(raw, fields, n):
    """Bytes of ``n`` consecutive structs from raw integer fields."""
    data = np.zeros(n, dtype=numpy_dtype(fields))
    for kind, name in fields:
        column = np.broadcast_to(np.asarray(raw[name], dtype=np.int64), (n,))
        data[name] = column.astype(np.int32 if kind == S1615 else np.uint32)
    return data.tobytes()


def unpack(data, fields, n):
    """Raw integer fields (int64 arrays) of ``n`` structs read from bytes."""
    arr = np.frombuffer(data, dtype=numpy_dtype(fields), count=n)
    return {name: arr[name].astype(np.int64) for _, name in fields}


def dtcm_bytes(neurons_per_core, delay_slots, synapse_types=N_SYNAPSE_TYPES, recorded_words=3,
               fixed_overhead=None):
    """DTCM estimate (bytes) of one GLIF3Alpha core.  See docs/spinnaker.md.

    Per neuron: the DTCM structs (:data:`DTCM_STRUCT_BYTES`), 16-bit ring-buffer entries for
    every synapse type and delay slot, and the recording buffers (``recorded_words`` 32-bit values
    plus one spike bit).  ``fixed_overhead`` is everything that does not scale with the neurons
    (stack, heap bookkeeping, spike input queue, DMA row buffers, master population table and
    connectivity bit fields); the default is the estimate in docs/spinnaker.md.
    Returns a dict of the parts and the total.
    """
    n = int(neurons_per_core)
    peak = 1 << max(0, (n - 1).bit_length())     # ring buffers are sized for a power of two
    structs = n * sum(DTCM_STRUCT_BYTES.values())
    ring = peak * synapse_types * delay_slots * 2
    recording = n * 4 * recorded_words + (n + 31) // 32 * 4
    if fixed_overhead is None:
        fixed_overhead = 24 * 1024
    total = structs + ring + recording + fixed_overhead
    return {"structs": structs, "ring_buffers": ring, "recording": recording,
            "fixed_overhead": fixed_overhead, "total": total}
