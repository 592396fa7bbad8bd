"""The NEURON backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.neuron import cells, connect, pynn_patches


class NEURONBackend(Backend):
    """pyNN.neuron with the glif3_alpha mechanism: bulk connections, many trials in one run."""

    label = "NEURON"
    trials_in_one_run = True
    cell_type = cells.GLIF3Alpha

    def prepare(self):
        pynn_patches.adapt()

    def connect_arrays(self, connector, projection):
        connect.connect_arrays(connector, projection)

    def check_receptor_currents(self):
        raise NotImplementedError(
            "per-step input into each receptor (the decoded-noise background) is not available on "
            "NEURON: the glif3_alpha mechanism has no per-step input table; use "
            "background='shared', 'independent' or 'none' here")
