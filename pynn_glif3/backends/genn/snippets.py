"""The GeNN snippets of native/genn, with the host-side values of their variables.

``load()`` returns the code strings and variable declarations; ``neuron_var_values`` and
``psm_var_values`` compute each neuron's variable values from the physical parameters (with
:func:`pynn_glif3.model.propagators.propagators`); ``undeclared_names`` checks that a snippet uses only names it
declares or GeNN defines.
"""

import importlib.util
import re

import numpy as np

from pynn_glif3.backends.native import native_dir
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.model.propagators import propagators

#: Names GeNN 5 defines inside neuron and postsynaptic code, and the C maths used here.
GENN_NEURON_NAMES = {"Isyn", "dt", "t", "id", "fmax", "fmin", "exp", "log", "sqrt", "fabs"}
GENN_PSM_NAMES = {"inSyn", "injectCurrent", "dt", "t", "id", "fmax", "fmin", "exp"}


def load():
    """The snippet module of native/genn (code strings and variable tables)."""
    path = native_dir("genn") / "glif3_alpha_snippets.py"
    spec = importlib.util.spec_from_file_location("glif3_alpha_snippets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def neuron_var_values(neurons, dt):
    """Initial values of the neuron variables, one array per variable (physical units)."""
    p = NeuronParameters.coerce(neurons)
    c = propagators(p, dt)
    zeros = np.zeros(p.n)
    return {
        "V": p.V_reset.copy(), "A1": zeros, "A2": zeros.copy(), "R": zeros.copy(), "Zprev": zeros.copy(),
        "D": c.decay_v, "F": c.drive_v, "GEL": c.leak_drive, "Ie": p.I_offset, "Vth": p.V_th,
        "ResetJump": c.reset_jump, "E1": c.decay_asc[:, 0], "E2": c.decay_asc[:, 1],
        "Amp1": p.asc_amps[:, 0], "Amp2": p.asc_amps[:, 1], "TRef": p.t_ref,
    }


def psm_var_values(neurons, dt, receptor):
    """Initial values of receptor ``receptor`` (0..3)'s postsynaptic variables."""
    p = NeuronParameters.coerce(neurons)
    c = propagators(p, dt)
    zeros = np.zeros(p.n)
    return {"X": zeros, "Y": zeros.copy(), "S": c.decay_syn[:, receptor], "P": c.rise_gain[:, receptor]}


_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")


def undeclared_names(code, declared, builtins):
    """Identifiers in ``code`` that are neither declared variables nor GeNN-defined names."""
    return sorted(set(_IDENT.findall(code)) - set(declared) - set(builtins))
