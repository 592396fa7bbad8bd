"""The model description: what GLIF3Alpha is, independent of any simulator.  Imports numpy only.

This module is the one definition of the parameters: PyNN names and units, defaults, validation,
receptors, recordables, the physical view's table and the native names.  Beside it:

* :mod:`.units` -- conversions between the files' units and PyNN's;
* :mod:`.physical` -- per-neuron parameters and synapses as plain arrays in the physical view;
* :mod:`.propagators` -- the one function that computes a step's constants;
* :mod:`.timing` -- training steps <-> simulator times (docs/timing.md);
* :mod:`.network` -- a trained V1 network in memory (what every reader returns);
* :mod:`.noise` -- the decoded-noise background of the published training;
* :mod:`.results` -- what a run returns, in training rows.

Two views of the same parameters exist:

* the PyNN view (``v_rest`` mV, ``cm`` nF, ``tau_m`` ms, currents in nA, ...), used by cell types;
* the physical view of the Allen / NEST data files (``E_L`` mV, ``C_m`` pF, ``g`` nS, currents in
  pA, ...), used by the readers, the oracles and the native models.

:mod:`.units` converts between them.  The model equations are in ``docs/model.md``.
"""

from dataclasses import dataclass
import math

import numpy as np

#: Fitted Allen Cell Types GLIF3 cells (physical units; ``k`` 1/ms, ``asc_amps`` pA): the default
#: cell of the cell type and the anchors of the synthetic V1's per-type parameters.
ALLEN_CELLS = {
    "318808427": dict(C_m=68.14035162092856, E_L=-76.1691640218099, V_th=-40.8824438029048,
                      g=3.93819351064843, t_ref=2.4, k=(0.003, 0.1),
                      asc_amps=(-13.00889622, -200.00774016)),
    "478958894": dict(C_m=81.21058405283176, E_L=-70.45950889587401, V_th=-44.23152364988978,
                      g=9.195230009748064, t_ref=1.5, k=(0.003, 0.3),
                      asc_amps=(-4.08182729, -291.97668209)),
    "480124551": dict(C_m=52.353697808027725, E_L=-73.30062357584633, V_th=-37.57837016608795,
                      g=6.846284605100222, t_ref=3.2, k=(0.003, 0.1),
                      asc_amps=(-10.17435274, -119.53883788)),
    "593618144": dict(C_m=58.60769058316611, E_L=-69.4755859375, V_th=-46.40370561385434,
                      g=5.875377136608159, t_ref=2.6, k=(0.1, 0.3),
                      asc_amps=(-36.93387266, -65.30848816)),
}
#: The specimen whose parameters are the defaults (reset to E_L, the Billeh receptors).
DEFAULT_SPECIMEN = "478958894"
#: The Billeh model's alpha time constants of receptors syn1..syn4 (ms).
BILLEH_TAU_SYN = (5.5, 8.5, 2.8, 5.8)
#: Ranges of the 111 V1 core node types (physical units; ``vs`` = V_th - E_L, ``k_j`` and
#: ``asc_j`` the after-spike currents' rates and jumps): generated networks stay inside them.
V1_CORE_RANGES = {"C_m": (52.0, 190.0), "E_L": (-78.0, -68.0), "vs": (21.0, 36.0), "g": (3.9, 17.0),
                  "t_ref": (1.5, 6.6), "k_1": (0.003, 0.1), "k_2": (0.03, 0.3),
                  "asc_1": (-37.0, -4.0), "asc_2": (-292.0, -65.0)}
_DEFAULT_CELL = dict(ALLEN_CELLS[DEFAULT_SPECIMEN], V_reset=ALLEN_CELLS[DEFAULT_SPECIMEN]["E_L"],
                     tau_syn=BILLEH_TAU_SYN)

RECEPTORS = ("syn1", "syn2", "syn3", "syn4")
#: NEST / Allen port numbers of the receptors (1 = E->E and LGN, 2 = I->E, 3 = E->I, 4 = I->I).
RECEPTOR_PORTS = {name: i + 1 for i, name in enumerate(RECEPTORS)}
N_RECEPTORS = len(RECEPTORS)
N_ASC = 2

_POSITIVE = (0.0, math.inf, False)       # (low, high, low is allowed)
_NON_NEGATIVE = (0.0, math.inf, True)
_ANY = (-math.inf, math.inf, True)


@dataclass(frozen=True)
class Parameter:
    """One PyNN-facing parameter of the cell type."""
    name: str          # PyNN name
    unit: str          # PyNN unit
    default: float
    bounds: tuple      # (low, high, low_inclusive); high is always exclusive
    doc: str

    def allowed(self):
        low, high, inclusive = self.bounds
        if low == -math.inf:
            return "any finite number"
        return f"{'[' if inclusive else '('}{low:g}, {'inf' if high == math.inf else f'{high:g}'})"


def _p(name, unit, default, bounds, doc):
    return Parameter(name, unit, float(default), bounds, doc)


_c = _DEFAULT_CELL
PARAMETERS = (
    _p("v_rest", "mV", _c["E_L"], _ANY, "resting potential E_L"),
    _p("v_thresh", "mV", _c["V_th"], _ANY, "spike threshold V_th (must be above v_rest)"),
    _p("v_reset", "mV", _c["V_reset"], _ANY, "reset potential; V_reset - V_th is added after a spike"),
    _p("cm", "nF", _c["C_m"] / 1000.0, _POSITIVE, "membrane capacitance C_m"),
    _p("tau_m", "ms", _c["C_m"] / _c["g"], _POSITIVE, "membrane time constant C_m / g"),
    _p("tau_refrac", "ms", _c["t_ref"], _NON_NEGATIVE, "refractory time t_ref (blocks spiking only)"),
    _p("i_offset", "nA", 0.0, _ANY, "constant injected current"),
    _p("asc_amp_1", "nA", _c["asc_amps"][0] / 1000.0, _ANY, "jump of after-spike current 1"),
    _p("asc_amp_2", "nA", _c["asc_amps"][1] / 1000.0, _ANY, "jump of after-spike current 2"),
    _p("asc_decay_1", "1/ms", _c["k"][0], _NON_NEGATIVE, "decay rate k_1 of after-spike current 1"),
    _p("asc_decay_2", "1/ms", _c["k"][1], _NON_NEGATIVE, "decay rate k_2 of after-spike current 2"),
) + tuple(
    _p(f"tau_syn_{r}", "ms", _c["tau_syn"][r - 1], _POSITIVE,
       f"alpha time constant of receptor syn{r} (the PSC peaks at t = tau_syn_{r})")
    for r in range(1, N_RECEPTORS + 1)
)
del _c

PARAMETER_NAMES = tuple(p.name for p in PARAMETERS)
PARAMETERS_BY_NAME = {p.name: p for p in PARAMETERS}
DEFAULT_PARAMETERS = {p.name: p.default for p in PARAMETERS}
UNITS = {p.name: p.unit for p in PARAMETERS}

#: State variables that can be initialised, with their PyNN units.  ``v`` defaults to ``v_reset``.
STATE_UNITS = {"v": "mV", "asc_1": "nA", "asc_2": "nA"}
DEFAULT_INITIAL_VALUES = {"v": DEFAULT_PARAMETERS["v_reset"], "asc_1": 0.0, "asc_2": 0.0}

#: What can be recorded, with PyNN units.  ``psc_r`` is receptor r's current (where a backend can).
RECORDABLE_UNITS = dict(STATE_UNITS, **{f"psc_{r}": "nA" for r in range(1, N_RECEPTORS + 1)})
RECORDABLES = ("spikes",) + tuple(RECORDABLE_UNITS)

#: The physical view (the Allen / NEST data files' names, as the reference takes them):
#: name -> (unit, values per neuron: None for one, else the number of columns).  Every reader and
#: the plain-array description (:class:`pynn_glif3.model.physical.NeuronParameters`) take it from here.
PHYSICAL = {
    "E_L": ("mV", None), "V_th": ("mV", None), "V_reset": ("mV", None), "C_m": ("pF", None),
    "g": ("nS", None), "t_ref": ("ms", None), "k": ("1/ms", N_ASC), "asc_amps": ("pA", N_ASC),
    "tau_syn": ("ms", N_RECEPTORS), "I_offset": ("pA", None),
}
PHYSICAL_UNITS = {name: unit for name, (unit, _) in PHYSICAL.items()}
#: Columns per neuron of each physical parameter (None: one value).
PHYSICAL_COLUMNS = {name: columns for name, (_, columns) in PHYSICAL.items()}
#: The physical parameters a fitted GLIF3 cell (a node type of the data files) carries: all but the
#: injected current, which no file of the training model holds.
CELL_PARAMETERS = tuple(name for name in PHYSICAL if name != "I_offset")

#: Delays longer than this were clipped by the published training (``max_delay``), in ms.
TRAINING_MAX_DELAY_MS = 5.0


def _describe(value):
    return "NaN" if isinstance(value, float) and math.isnan(value) else repr(value)


def check_parameter(name, values):
    """Raise ValueError unless every value of PyNN parameter ``name`` is finite and in range."""
    spec = PARAMETERS_BY_NAME[name]
    arr = np.asarray(values, dtype=float)
    low, high, inclusive = spec.bounds
    bad = ~np.isfinite(arr) | (arr >= high)
    bad |= (arr < low) if inclusive else (arr <= low)
    if np.any(bad):
        first = arr.ravel()[np.flatnonzero(bad.ravel())[0]]
        where = "" if arr.ndim == 0 else f" (neuron {int(np.flatnonzero(bad.ravel())[0])})"
        raise ValueError(
            f"GLIF3Alpha parameter {name!r} = {_describe(float(first))} {spec.unit}{where} is out of "
            f"range: allowed {spec.allowed()} {spec.unit}")


def validate(params):
    """Check a mapping of PyNN parameter values (scalars or per-neuron arrays).

    Checks each parameter's range and that ``v_thresh`` is above ``v_rest``.  Returns ``params``.
    Unknown names raise ValueError listing the known ones.
    """
    unknown = set(params) - set(PARAMETER_NAMES)
    if unknown:
        raise ValueError(f"unknown GLIF3Alpha parameter(s) {sorted(unknown)}; "
                         f"known: {', '.join(PARAMETER_NAMES)}")
    for name, values in params.items():
        check_parameter(name, values)
    if "v_thresh" in params or "v_rest" in params:
        v_th = np.asarray(params.get("v_thresh", DEFAULT_PARAMETERS["v_thresh"]), dtype=float)
        v_rest = np.asarray(params.get("v_rest", DEFAULT_PARAMETERS["v_rest"]), dtype=float)
        bad = ~(v_th > v_rest)
        if np.any(bad):
            i = int(np.flatnonzero(np.broadcast_to(bad, np.broadcast(v_th, v_rest).shape).ravel())[0])
            th = float(np.broadcast_to(v_th, bad.shape).ravel()[i])
            rest = float(np.broadcast_to(v_rest, bad.shape).ravel()[i])
            raise ValueError(
                f"GLIF3Alpha parameter 'v_thresh' = {th!r} mV is not above 'v_rest' = {rest!r} mV: "
                f"allowed (v_rest, inf) mV")
    return params


def delay_steps(delays_ms, dt, max_delay_ms=TRAINING_MAX_DELAY_MS):
    """Synaptic delays in whole steps, as the training model computes them.

    Delays are clipped to ``[dt, max_delay_ms]`` and rounded half-to-even (numpy's rounding, as the
    training code uses); ``max_delay_ms=None`` keeps long delays (only the lower clip applies).
    """
    d = np.asarray(delays_ms, dtype=float)
    if np.any(~np.isfinite(d)):
        raise ValueError("synaptic delays must be finite (ms)")
    upper = np.inf if max_delay_ms is None else max(float(max_delay_ms), dt)
    return np.round(np.clip(d, dt, upper) / dt).astype(np.int64)


#: Physical-view checks: (name, bounds) with the same conventions as the PyNN view.
_PHYSICAL_BOUNDS = {
    "E_L": _ANY, "V_th": _ANY, "V_reset": _ANY, "C_m": _POSITIVE, "g": _POSITIVE,
    "t_ref": _NON_NEGATIVE, "k": _NON_NEGATIVE, "asc_amps": _ANY, "tau_syn": _POSITIVE,
    "I_offset": _ANY,
}


def validate_physical(params, source="neuron parameters"):
    """Check per-neuron parameters in the physical view (the data files' units).

    ``params`` maps names of :data:`PHYSICAL_UNITS` to arrays.  ``source`` names where they came
    from (a file and dataset, say) and is put in the error message.
    """
    for name, values in params.items():
        if name not in _PHYSICAL_BOUNDS:
            raise ValueError(f"{source}: unknown parameter {name!r}; known: {', '.join(_PHYSICAL_BOUNDS)}")
        arr = np.asarray(values, dtype=float)
        low, high, inclusive = _PHYSICAL_BOUNDS[name]
        bad = ~np.isfinite(arr) | (arr >= high)
        bad |= (arr < low) if inclusive else (arr <= low)
        if np.any(bad):
            flat = int(np.flatnonzero(bad.ravel())[0])
            index = [int(i) for i in np.unravel_index(flat, arr.shape)] if arr.ndim else []
            spec = Parameter(name, PHYSICAL_UNITS[name], 0.0, _PHYSICAL_BOUNDS[name], "")
            raise ValueError(
                f"{source}: {name}{index if index else ''} = {_describe(float(arr.ravel()[flat]))} "
                f"{spec.unit} is out of range: allowed {spec.allowed()} {spec.unit}")
    if "V_th" in params and "E_L" in params:
        v_th, e_l = np.broadcast_arrays(np.asarray(params["V_th"], float), np.asarray(params["E_L"], float))
        bad = ~(v_th > e_l)
        if np.any(bad):
            i = int(np.flatnonzero(bad.ravel())[0])
            raise ValueError(f"{source}: V_th[{i}] = {float(v_th.ravel()[i])!r} mV is not above "
                             f"E_L[{i}] = {float(e_l.ravel()[i])!r} mV: allowed (E_L, inf) mV")
    return params


# ---------------------------------------------------------------------------------------------
# The native view: names and units shared by every native implementation (NEST module, GeNN
# snippets, SpiNNaker structs).  Each entry: (PyNN name, native name, forward, reverse), in the
# form of PyNN's ``build_translations``; the expressions use PyNN names forward, native names back.
NATIVE_TRANSLATIONS = (
    ("v_rest", "E_L"),
    ("v_thresh", "V_th"),
    ("v_reset", "V_reset"),
    ("cm", "C_m", 1000.0),                                # nF -> pF
    ("tau_m", "g", "1000.0 * cm / tau_m", "C_m / g"),     # ms -> nS
    ("tau_refrac", "t_ref"),
    ("i_offset", "I_e", 1000.0),                          # nA -> pA
    ("asc_amp_1", "asc_amp_1", 1000.0),                   # nA -> pA
    ("asc_amp_2", "asc_amp_2", 1000.0),
    ("asc_decay_1", "k_1"),
    ("asc_decay_2", "k_2"),
) + tuple((f"tau_syn_{r}", f"tau_syn_{r}") for r in range(1, N_RECEPTORS + 1))

#: Native state variable names with their scale from PyNN units (native = PyNN * scale).
NATIVE_STATE = {"v": ("V_m", 1.0), "asc_1": ("I_asc_1", 1000.0), "asc_2": ("I_asc_2", 1000.0)}
NATIVE_STATE.update({f"psc_{r}": (f"I_syn_{r}", 1000.0) for r in range(1, N_RECEPTORS + 1)})
