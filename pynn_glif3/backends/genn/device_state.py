"""Values between PyNN's objects and the loaded GeNN model: parameters and initial state pushed,
weights and delays pushed, state variables written and read.

On the PyNN side values are in PyNN's units (mV, nA); on the GeNN side in GeNN's (mV, pA), with
the scales of :data:`genn_models.NEURON_STATE` and :data:`genn_models.PSC_SCALE`.
"""

import numpy as np

from pynn_glif3.model import N_RECEPTORS
from pynn_glif3.backends.genn.genn_models import NEURON_STATE, PSC_SCALE, PSC_STATE, PSC_VAR
from pynn_glif3.backends.genn.population_values import glif3_values, poisson_values
from pynn_glif3.backends.genn.standardmodels import GLIF3, POISSON


class DeviceState:
    """Reads and writes the variables of ``description``'s model (a :class:`ModelDescription`)."""

    def __init__(self, description):
        self.description = description
        self.model = description.model
        self.groups = description.groups
        self.dt = description.dt
        self._psc_arrays = {}

    def find_psc_arrays(self):
        """Find the PSC arrays (one per postsynaptic model GeNN kept) of each receptor of each
        population; again after every load, which allocates them anew.

        GeNN fuses the postsynaptic models of the synapse groups onto one receptor of a population;
        the fused model's variables belong to one of them (the others have none).
        """
        self._psc_arrays = {pop: [[] for _ in range(N_RECEPTORS)]
                            for pop in self.description.populations if pop.kind == GLIF3}
        for part in self.description.parts:
            group = part.group
            if not group._ps_model_fused:
                array = group.psm_vars[PSC_VAR]
            else:
                try:
                    array = group._get_array(PSC_VAR, self.model.precision)
                except (IndexError, KeyError, RuntimeError):
                    continue    # fused into another group's model
            self._psc_arrays[part.target][part.projection.receptor_index].append(array)

    def push_population(self, pop, state=False):
        """The parameters of a GLIF3Alpha or SpikeSourcePoisson population into GeNN, with the
        initial state if ``state`` (at load; between runs only the parameters change)."""
        group = self.groups[pop]
        if pop.kind == GLIF3:
            values = glif3_values(pop, self.dt, state=state)
        elif pop.kind == POISSON:
            values = poisson_values(pop, self.dt)
            if not state:
                values.pop("Mult")
        else:
            raise NotImplementedError(pop.kind)    # spike-source arrays are fed, not pushed
        for name, value in values.items():
            var = group.vars[name]
            var.view[:] = value
            var.push_to_device()
        if state and pop.kind == GLIF3:
            for variable in PSC_STATE:
                initial = pop.initial_value_array(variable)
                if np.any(initial != 0.0):
                    self.write_state(pop, variable, initial, None)

    def push_part(self, part, loaded):
        """Weights and delays of ``part`` into GeNN (if ``loaded``) and into what a reload
        initialises them with."""
        weight, dendritic = self.description.synapse_values(part)
        order = part.group.synapse_order
        for name, value in (("g", weight), ("d", dendritic)):
            var = part.group.vars[name]
            var.set_init_values(value)
            if loaded:
                var.values = np.asarray(value)[order]
                var.push_to_device()

    def write_state(self, pop, variable, values, index):
        """Write ``values`` (PyNN units) of a state variable of cells ``index`` (None: all) of ``pop``."""
        where = slice(None) if index is None else index
        if variable in PSC_STATE:
            arrays = self._psc_arrays[pop][PSC_STATE[variable]]
            values = np.asarray(values, dtype=float) * PSC_SCALE
            if not arrays:
                if np.any(values != 0.0):
                    raise NotImplementedError(
                        f"{pop.label}: {variable} cannot start non-zero on GeNN without a projection "
                        f"onto receptor syn{PSC_STATE[variable] + 1}")
                return
            for k, array in enumerate(arrays):      # the whole current in the first model
                array.pull_from_device()
                array.view[where] = values if k == 0 else 0.0
                array.push_to_device()
            return
        genn_name, scale = NEURON_STATE[variable]
        var = self.groups[pop].vars[genn_name]
        var.pull_from_device()
        var.view[where] = np.asarray(values, dtype=float) * scale
        var.push_to_device()

    def read_state(self, pop, variable, indices):
        """Current values of a state variable of cells ``indices`` of ``pop``, in PyNN units."""
        if variable in PSC_STATE:
            total = np.zeros(len(indices))
            for array in self._psc_arrays[pop][PSC_STATE[variable]]:
                array.pull_from_device()
                total = total + array.view[indices]
            return total / PSC_SCALE
        genn_name, scale = NEURON_STATE[variable]
        var = self.groups[pop].vars[genn_name]
        var.pull_from_device()
        return np.asarray(var.view[indices], dtype=float) / scale
