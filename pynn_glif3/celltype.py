"""GLIF3Alpha as a simulator-independent PyNN standard cell type.

Everything here is derived from :mod:`pynn_glif3.model`.  Backends add what their simulator needs
(a native model name, a loader) in their own module; this class knows no simulator.
"""

import numpy as np
from pyNN.standardmodels import StandardCellType, build_translations

from . import model


class GLIF3AlphaBase(StandardCellType):
    """GLIF3 neuron (LIF with two after-spike currents) with four alpha-shaped current synapses.

    The dynamics are those of the Billeh V1 training model, step for step (docs/model.md).
    Receptors ``syn1`` .. ``syn4``; weights are signed currents in nA.  The initial membrane
    potential defaults to ``v_reset``.
    """

    default_parameters = dict(model.DEFAULT_PARAMETERS)
    default_initial_values = dict(model.DEFAULT_INITIAL_VALUES)
    units = dict(model.UNITS, **model.RECORDABLE_UNITS)
    recordable = list(model.RECORDABLES)
    receptor_types = model.RECEPTORS
    conductance_based = False
    injectable = True
    translations = build_translations(*model.NATIVE_TRANSLATIONS)

    def __init__(self, **parameters):
        for name, value in parameters.items():
            if name in model.PARAMETERS_BY_NAME and _is_numeric(value):
                model.check_parameter(name, value)
        if "v_thresh" in parameters or "v_rest" in parameters:
            numeric = {k: parameters[k] for k in ("v_thresh", "v_rest")
                       if k in parameters and _is_numeric(parameters[k])}
            if numeric:
                model.validate(numeric)
        super().__init__(**parameters)
        # v starts at v_reset (the training model's initial state), whatever v_reset is.
        self.default_initial_values = dict(self.default_initial_values)
        if "v_reset" in parameters:
            self.default_initial_values["v"] = parameters["v_reset"]


def _is_numeric(value):
    try:
        np.asarray(value, dtype=float)
        return True
    except (TypeError, ValueError):
        return False
