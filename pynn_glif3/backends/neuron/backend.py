"""The NEURON backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

import numpy as np

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.neuron import cells, connect, noise, pynn_patches


class NEURONBackend(Backend):
    """pyNN.neuron with the glif3_alpha mechanism: bulk connections, many trials in one run,
    per-step receptor input."""

    label = "NEURON"
    trials_in_one_run = True
    cell_type = cells.GLIF3Alpha

    def prepare(self):
        pynn_patches.adapt()

    def write_native_parameters(self, cells_population, values):
        # each cell's values at once: set one by one, each would recompute its step constants
        for i in np.flatnonzero(cells_population._mask_local):
            cells_population.all_cells[i]._cell.set_native({name: column[i]
                                                            for name, column in values.items()})

    def connect_arrays(self, connector, projection):
        connect.connect_arrays(connector, projection)

    def inject_receptor_currents(self, cells_population, values_pA):
        return noise.inject_receptor_currents(cells_population, values_pA)

    def check_receptor_currents(self):
        pass        # glif3_alpha's noise_r, set each step by Vector.play
