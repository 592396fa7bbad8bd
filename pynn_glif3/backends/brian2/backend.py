"""The Brian2 backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.brian2 import cells, connect, noise, pynn_patches


class Brian2Backend(Backend):
    """pyNN.brian2 with GLIF3Alpha as Brian2 code per step: bulk connections, many trials in one
    run, per-step receptor input."""

    label = "Brian2"
    trials_in_one_run = True
    cell_type = cells.GLIF3Alpha

    def prepare(self):
        pynn_patches.adapt()

    def connect_arrays(self, connector, projection):
        if connect.can_connect_in_bulk(projection):
            connect.connect_arrays(connector, projection)
        else:
            super().connect_arrays(connector, projection)

    def inject_receptor_currents(self, cells_population, values_pA):
        return noise.inject_receptor_currents(cells_population, values_pA, self.sim.get_time_step())

    def check_receptor_currents(self):
        pass        # TimedArrays read by the step code
