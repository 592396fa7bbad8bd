"""GLIF3Alpha on pyNN.neuron: one ``glif3_alpha`` artificial cell (native/neuron) per neuron.

The cell object PyNN builds (``GLIF3Alpha.model``) holds the native parameters of
:mod:`pynn_glif3.model` (``E_L``, ``V_th``, ... as on NEST) and writes the step constants of
:func:`pynn_glif3.model.propagators.propagators` into the mechanism whenever a parameter or the
time step changes.  Every receptor name (``syn1`` .. ``syn4``) is the cell itself: PyNN connects a
NetCon to it and sets the NetCon's second weight to the receptor's index.
"""

import collections


from pynn_glif3 import model
from pynn_glif3.backends import standard
from pynn_glif3.backends.neuron import build
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.model.propagators import propagators

#: How much earlier than its PyNN time every input reaches a glif3_alpha cell, in steps
#: (native/neuron/glif3_alpha.mod explains the schedule): NetCon delay = delay - INPUT_LEAD * dt.
INPUT_LEAD = 0.875

#: The native parameters (pynn_glif3.model.NATIVE_TRANSLATIONS) and extra parameters.
NATIVE_NAMES = tuple(t[1] for t in model.NATIVE_TRANSLATIONS)
#: Native parameters the mechanism uses as they are, under its own names.
_DIRECT = {"V_th": "v_threshold", "t_ref": "refractory", "I_e": "offset_current",
           "asc_amp_1": "asc_jump_1", "asc_amp_2": "asc_jump_2"}

#: Recorded variables: PyNN name -> the mechanism's variable (PyNN units: mV, nA).
VARIABLES = {"v": "V_m", "asc_1": "asc_1", "asc_2": "asc_2"}
VARIABLES.update({f"psc_{r}": f"psc_{r}" for r in range(1, model.N_RECEPTORS + 1)})
#: Initial values: the mechanism variable's initial-value parameter.
_INITIAL = {"V_m": "V_init", "asc_1": "asc_1_init", "asc_2": "asc_2_init"}
_INITIAL.update({f"psc_{r}": f"psc_{r}_init" for r in range(1, model.N_RECEPTORS + 1)})

_constants_cache = {}


class _Recordables:
    """``cell.recordable``: pyNN.neuron records a variable the cell lists here from the pointer
    given (otherwise it would record ``v`` of a section, which an artificial cell has not)."""

    def __init__(self, cell):
        self._cell = cell

    def __contains__(self, variable):
        return getattr(variable, "name", variable) in VARIABLES

    def __getitem__(self, variable):
        return getattr(self._cell, "_ref_" + VARIABLES[getattr(variable, "name", variable)])


def load_mechanism():
    """Compile (once, cached) and load the glif3_alpha mechanism into this NEURON process."""
    from neuron import h

    if not hasattr(h, "glif3_alpha"):
        h.nrn_load_dll(str(build.build()))
    return h.glif3_alpha


def step_constants(native, dt):
    """The mechanism's step constants for native parameters ``native`` (a mapping) and step
    ``dt`` ms, from :func:`propagators`."""
    key = (tuple(float(native[name]) for name in NATIVE_NAMES), float(dt))
    constants = _constants_cache.get(key)
    if constants is None:
        neurons = NeuronParameters(
            E_L=[native["E_L"]], V_th=[native["V_th"]], V_reset=[native["V_reset"]], C_m=[native["C_m"]],
            g=[native["g"]], t_ref=[native["t_ref"]], k=[[native["k_1"], native["k_2"]]],
            asc_amps=[[native["asc_amp_1"], native["asc_amp_2"]]],
            tau_syn=[[native[f"tau_syn_{r}"] for r in range(1, model.N_RECEPTORS + 1)]],
            I_offset=[native["I_e"]])
        c = propagators(neurons, dt)
        constants = {"step_ms": c.dt, "decay_v": c.decay_v[0], "drive_v": c.drive_v[0],
                     "leak_drive": c.leak_drive[0], "reset_jump": c.reset_jump[0]}
        for j in range(model.N_ASC):
            constants[f"decay_asc_{j + 1}"] = c.decay_asc[0, j]
        for r in range(model.N_RECEPTORS):
            constants[f"decay_syn_{r + 1}"] = c.decay_syn[0, r]
            constants[f"rise_gain_{r + 1}"] = c.rise_gain[0, r]
            constants[f"rise_step_{r + 1}"] = c.rise_step[0, r]
        constants = {name: float(value) for name, value in constants.items()}
        if len(_constants_cache) > 100_000:
            _constants_cache.clear()
        _constants_cache[key] = constants
    return constants


_cell_class = None


def cell_class():
    """The class of one GLIF3Alpha cell in NEURON (made once the mechanism is loaded)."""
    global _cell_class
    if _cell_class is not None:
        return _cell_class
    from neuron import h, hclass

    load_mechanism()

    class GLIF3AlphaCell(hclass(h.glif3_alpha)):
        """One glif3_alpha artificial cell with PyNN's cell interface."""

        def __init__(self, start_step=standard.GLIF3Alpha.extra_parameters["start_step"], trial_steps=0,
                     **native):
            self._native = dict.fromkeys(NATIVE_NAMES, 0.0)
            self._native.update({k: float(v) for k, v in native.items()})
            self._dt = None
            if int(start_step) != start_step or start_step < 0:
                raise ValueError(f"GLIF3Alpha: start_step = {start_step!r} must be a whole number >= 0")
            if int(trial_steps) != trial_steps or (trial_steps != 0 and trial_steps <= start_step):
                raise ValueError(f"GLIF3Alpha: trial_steps = {trial_steps!r} must be 0 (one trial) or "
                                 f"a whole number above start_step = {start_step}")
            self.first_step = int(start_step)
            self.trial_steps = int(trial_steps)
            self.source = self
            self.source_section = None
            self.rec = h.NetCon(self, None)
            self.spike_times = h.Vector(0)
            self.traces = collections.defaultdict(list)
            self.recordable = _Recordables(self)
            self.recording_time = 0
            self.initial_values = {}
            # receptors: PyNN connects to getattr(cell, receptor) and sets weight[1] from `type`
            for name in model.RECEPTORS:
                setattr(self, name, self)
            self.type = GLIF3Alpha
            self._apply()

        def __new__(cls, *args, **kwargs):
            return super().__new__(cls)

        @property
        def start_step(self):
            return int(self.first_step)

        def _apply(self):
            """Write the parameters and their step constants into the mechanism."""
            self._dt = float(h.dt)
            for name, mech in _DIRECT.items():
                setattr(self, mech, self._native[name])
            for name, value in step_constants(self._native, self._dt).items():
                setattr(self, name, value)

        def set_native(self, values):
            """Set several native parameters (already checked together) with one write of the
            step constants, where setting them one by one writes them once per name."""
            self._native.update({name: float(value) for name, value in values.items()})
            self._apply()

        def memb_init(self):
            """Called by PyNN before NEURON initialises the cells: initial values, and the step
            constants again if the time step changed."""
            if self._dt != float(h.dt):
                self._apply()       # also after an inconsistent set (raises: it says which)
            for variable, value in self.initial_values.items():
                setattr(self, _INITIAL[variable], float(value))

    def _native_property(name):
        def get(self):
            return self._native[name]

        def set_(self, value):
            self._native[name] = float(value)
            # PyNN sets one name at a time: a threshold at or below the resting potential may be
            # a step of a valid set (checked on the whole set, pynn_patches), applied when whole
            if self._native["V_th"] > self._native["E_L"]:
                self._apply()
            else:
                self._dt = None

        return property(get, set_)

    for name in NATIVE_NAMES:
        setattr(GLIF3AlphaCell, name, _native_property(name))
    _cell_class = GLIF3AlphaCell
    return _cell_class


class _CellClass:
    """``GLIF3Alpha.model``: the cell class, made (and the mechanism compiled) on first use."""

    def __get__(self, instance, owner):
        return cell_class()


class GLIF3Alpha(standard.GLIF3Alpha):
    __doc__ = standard.GLIF3Alpha.__doc__ + """
    On NEURON: the ``glif3_alpha`` NMODL mechanism (compiled with nrnivmodl on first use and
    cached), an artificial cell without a section: current sources cannot be injected (use
    ``i_offset``).  Like NEST's, it takes the extra parameter ``trial_steps`` for many trials in
    one run (docs/timing.md).
    """
    model = _CellClass()
    variable_map = dict(VARIABLES)
    # the mechanism records in PyNN units and pyNN.neuron applies no scale factors
    scale_factors = {name: 1.0 for name in VARIABLES}
    injectable = False
