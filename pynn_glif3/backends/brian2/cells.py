"""GLIF3Alpha on pyNN.brian2: the cell type and the NeuronGroup that runs the training model's step.

The group has no differential equations.  Its state is the contract's (``V_m``, ``I_asc_j``, the
PSCs ``I_syn_r``, the rises ``X_r``, the refractory time ``R`` and the spike flag ``z``), in the
physical units of the data files (mV, pA, ms), as plain numbers: no unit conversion stands between
the step and the reference.  Once per time step, after Brian2 has delivered the step's spikes, one
block of Brian2 code (:func:`step_code`) computes the step in the contract's order from the
constants of :func:`pynn_glif3.model.propagators.propagators`, which the group recomputes from its
parameters before every run.

Time steps (docs/timing.md): Brian2 step ``b`` runs the code after the ``synapses`` slot, so it sees
every spike delivered in that step; the flag ``z`` it sets is the threshold that Brian2's
thresholder reads at the start of step ``b + 1`` and stamps ``(b + 1) h``, the time NEST gives the
spike of its step ``b``.  The state recorded at the end of step ``b`` is stamped ``(b + 1) h`` by
pyNN.brian2, as on NEST.  A spike thresholded in step ``b + 1`` with a Brian2 delay of ``D`` steps
is delivered in step ``b + 1 + D``: one step later than on NEST, which :mod:`.pynn_patches` takes
off every connection onto GLIF3Alpha.  Steps before ``start_step`` hold the initial state and
discard their input; with ``trial_steps = P`` step ``s`` is step ``s % P`` of trial ``s // P``, each
trial starting again from the state of step 0 (docs/timing.md, "Many trials in one run").
"""

import numpy as np
from pyNN.brian2 import simulator
from pyNN.brian2.cells import BaseNeuronGroup
from pyNN.standardmodels import build_translations

from pynn_glif3 import model
from pynn_glif3.backends import standard
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.model.propagators import propagators

RECEPTOR_INDICES = tuple(range(1, model.N_RECEPTORS + 1))
ASC_INDICES = tuple(range(1, model.N_ASC + 1))
#: The native parameters (model.NATIVE_TRANSLATIONS' names, physical units).
PARAMETERS = tuple(item[1] for item in model.NATIVE_TRANSLATIONS)
#: Variables a trial restarts from: those a user may initialise (model.NATIVE_STATE).
RESTORED = tuple(native for native, _ in model.NATIVE_STATE.values())
#: Trials of one run are at most this many steps long when ``trial_steps`` is 0 (one trial).
_ONE_TRIAL = 2 ** 31 - 1


def _equations():
    lines = [f"{name} : 1 (constant)" for name in PARAMETERS]
    lines += ["start_step : integer (constant)", "trial_steps : integer (constant)",
              "period : integer (constant)", "h : 1 (constant, shared)"]
    # the step's constants (propagators()): membrane, after-spike currents, receptors
    lines += [f"{name} : 1 (constant)" for name in ("decay_v", "drive_v", "leak_drive", "reset_jump")]
    lines += [f"decay_asc_{j} : 1 (constant)" for j in ASC_INDICES]
    lines += [f"{name}_{r} : 1 (constant)" for r in RECEPTOR_INDICES
              for name in ("decay_syn", "rise_gain", "rise_step")]
    # the state, and the state trials restart from
    state = ["V_m"] + [f"I_asc_{j}" for j in ASC_INDICES] + [f"I_syn_{r}" for r in RECEPTOR_INDICES] \
        + [f"X_{r}" for r in RECEPTOR_INDICES] + ["R", "z"]
    lines += [f"{name} : 1" for name in state]
    lines += [f"{name}_start : 1" for name in RESTORED]
    # weights arriving in this step (Brian2 synapses add amperes) and PyNN's injected current
    lines += [f"in_{r} : amp" for r in RECEPTOR_INDICES] + ["i_inj : amp"]
    return "\n".join(lines)


EQUATIONS = _equations()


def step_code(rise_input=False):
    """The Brian2 code of one step; ``rise_input`` adds the per-step table ``rise_input_r(t, i)``
    (pA) to each receptor's input, as the decoded-noise background of the reference."""
    keep = "(1 - go)"
    lines = [
        # where in its trial the step is: hold (and save or restore the state) or update
        "step = t_in_timesteps",
        "trial_step = step % period",
        "go = int(trial_step >= start_step)",
        "save = (1 - go) * int(step == 0)",
        "restore = (1 - go) * int(trial_step == 0) * int(step > 0)",
    ]
    for name in RESTORED:
        lines.append(f"{name}_start = save * {name} + (1 - save) * {name}_start")
        lines.append(f"{name} = restore * {name}_start + (1 - restore) * {name}")
    lines += [f"X_{r} = (1 - restore) * X_{r}" for r in RECEPTOR_INDICES]
    lines += ["R = (1 - restore) * R", "z = (1 - restore) * z"]
    # the contract's step: every right-hand side reads the previous step's state
    for r in RECEPTOR_INDICES:
        extra = f" + rise_input_{r}(t, i)" if rise_input else ""
        lines.append(f"u_{r} = in_{r} / pA{extra}")
        lines.append(f"X_new_{r} = decay_syn_{r} * X_{r} + rise_gain_{r} * u_{r}")
        lines.append(f"Y_new_{r} = decay_syn_{r} * I_syn_{r} + rise_step_{r} * X_{r}")
    lines.append("R_new = clip(R + z * t_ref - h, 0, inf)")
    for j in ASC_INDICES:
        lines.append(f"A_new_{j} = decay_asc_{j} * I_asc_{j} + z * asc_amp_{j}")
    # summed in the reference's order; the injected current after I_e, as NEST's module does
    lines.append("total = I_syn_1 + I_syn_2 + I_syn_3 + I_syn_4 + I_asc_1 + I_asc_2 + I_e"
                 " + i_inj / pA + leak_drive")
    lines.append("V_new = decay_v * V_m + drive_v * total + z * reset_jump")
    lines.append("z_new = int(V_new > V_th) * int(R_new == 0)")
    # x * 1 + y * 0 is x exactly: a held step leaves the state bit for bit
    for r in RECEPTOR_INDICES:
        lines.append(f"X_{r} = go * X_new_{r} + {keep} * X_{r}")
        lines.append(f"I_syn_{r} = go * Y_new_{r} + {keep} * I_syn_{r}")
    for j in ASC_INDICES:
        lines.append(f"I_asc_{j} = go * A_new_{j} + {keep} * I_asc_{j}")
    lines += [f"R = go * R_new + {keep} * R", f"V_m = go * V_new + {keep} * V_m",
              f"z = go * z_new + {keep} * z"]
    lines += [f"in_{r} = 0 * amp" for r in RECEPTOR_INDICES]
    return "\n".join(lines)


class GLIF3NeuronGroup(BaseNeuronGroup):
    """The Brian2 NeuronGroup of a GLIF3Alpha Population (see the module doc)."""

    def __init__(self, n, parameters, extra_parameters):
        BaseNeuronGroup.__init__(self, n, EQUATIONS, threshold="z > 0.5", reset="",
                                 refractory=False, method=None, **parameters)
        for name, value in extra_parameters.items():
            if name not in ("start_step", "trial_steps"):
                raise ValueError(f"GLIF3Alpha on Brian2 has no extra parameter {name!r}; "
                                 f"known: start_step, trial_steps")
            setattr(self, name, np.asarray(value, dtype=np.int64))
        self.namespace = {}
        self.add_attribute("step_runner")
        self.step_runner = self.run_regularly(step_code(), when="after_synapses",
                                              name=f"{self.name}_step")
        self.add_attribute("rise_input")
        self.rise_input = None

    def set_rise_input(self, tables):
        """Per-step receptor input: ``tables[r]`` a dimensionless TimedArray of pA (time, neuron)
        added to receptor r + 1's input (see :mod:`.noise`)."""
        for r, table in zip(RECEPTOR_INDICES, tables):
            self.namespace[f"rise_input_{r}"] = table
        self.rise_input = tables
        self.step_runner.abstract_code = step_code(rise_input=True)

    def neuron_parameters(self):
        """The parameters as :class:`NeuronParameters` (physical units)."""
        values = {name: np.array(getattr(self, name)[:], dtype=np.float64) for name in PARAMETERS}
        return NeuronParameters(
            E_L=values["E_L"], V_th=values["V_th"], V_reset=values["V_reset"], C_m=values["C_m"],
            g=values["g"], t_ref=values["t_ref"], I_offset=values["I_e"],
            k=np.stack([values[f"k_{j}"] for j in ASC_INDICES], axis=1),
            asc_amps=np.stack([values[f"asc_amp_{j}"] for j in ASC_INDICES], axis=1),
            tau_syn=np.stack([values[f"tau_syn_{r}"] for r in RECEPTOR_INDICES], axis=1))

    def check_parameters(self):
        """ValueError naming the parameter and neuron unless every value is in range (the checks
        of the NEST module, in the physical names it uses)."""
        p = self.neuron_parameters()
        model.validate_physical(
            {"E_L": p.E_L, "V_th": p.V_th, "V_reset": p.V_reset, "C_m": p.C_m, "g": p.g,
             "t_ref": p.t_ref, "k": p.k, "asc_amps": p.asc_amps, "tau_syn": p.tau_syn,
             "I_offset": p.I_offset}, source="GLIF3Alpha on Brian2")
        start, trial = np.asarray(self.start_step[:]), np.asarray(self.trial_steps[:])
        if np.any(start < 0):
            raise ValueError(f"GLIF3Alpha on Brian2: start_step = {int(start.min())} must be >= 0")
        bad = (trial != 0) & (trial <= start)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"GLIF3Alpha on Brian2: trial_steps = {int(trial[i])} must be 0 (one "
                             f"trial) or above start_step = {int(start[i])}")
        return p

    def update_constants(self):
        """Compute the step's constants from the current parameters and the simulator's step."""
        p = self.check_parameters()
        h = float(simulator.state.dt)
        c = propagators(p, h)
        self.h = h
        self.decay_v, self.drive_v = c.decay_v, c.drive_v
        self.leak_drive, self.reset_jump = c.leak_drive, c.reset_jump
        for j in ASC_INDICES:
            setattr(self, f"decay_asc_{j}", c.decay_asc[:, j - 1])
        for r in RECEPTOR_INDICES:
            setattr(self, f"decay_syn_{r}", c.decay_syn[:, r - 1])
            setattr(self, f"rise_gain_{r}", c.rise_gain[:, r - 1])
            setattr(self, f"rise_step_{r}", c.rise_step[:, r - 1])
        trial = np.asarray(self.trial_steps[:])
        self.period = np.where(trial > 0, trial, _ONE_TRIAL)

    def before_run(self, run_namespace):
        self.update_constants()        # parameters may have been set since the last run
        super().before_run(run_namespace)


def _scaled(pynn_name, native_name, scale):
    """A state-variable translation with callables both ways (pyNN.brian2's recorder calls the
    reverse one)."""
    return (pynn_name, native_name, lambda **p: p[pynn_name] * scale, lambda **p: p[native_name] / scale)


class GLIF3Alpha(standard.GLIF3Alpha):
    __doc__ = standard.GLIF3Alpha.__doc__ + """
    On Brian2: a NeuronGroup running the training model's step as Brian2 code once per time
    step (:mod:`pynn_glif3.backends.brian2.cells`), with the extra parameter ``trial_steps`` for
    many trials in one run (docs/timing.md).
    """
    eqs = EQUATIONS
    post_synaptic_variables = {name: f"in_{r}" for name, r in zip(model.RECEPTORS, RECEPTOR_INDICES)}
    state_variable_translations = build_translations(
        *(_scaled(name, native, scale) for name, (native, scale) in model.NATIVE_STATE.items()))

    def brian2_model(self, n, equations, **native_parameters):
        """The NeuronGroup of ``n`` cells (pyNN.brian2 calls this with the native parameters)."""
        return GLIF3NeuronGroup(n, native_parameters, dict(self.extra_parameters))


def group_of(population):
    """The GLIF3NeuronGroup of a GLIF3Alpha Population or PopulationView."""
    group = getattr(population, "brian2_group", None)
    if not isinstance(group, GLIF3NeuronGroup):
        raise TypeError(f"{population!r} is not a GLIF3Alpha population on Brian2")
    return group


__all__ = ["GLIF3Alpha", "GLIF3NeuronGroup", "EQUATIONS", "step_code", "group_of"]
