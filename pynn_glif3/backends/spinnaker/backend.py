"""The SpiNNaker backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.spinnaker import cells, pynn_patches


class SpiNNakerBackend(Backend):
    """pyNN.spiNNaker (sPyNNaker) with the GLIF3Alpha binary: signed projections from arrays;
    one trial per build."""

    label = "SpiNNaker"
    cell_type = cells.GLIF3Alpha

    def prepare(self):
        pynn_patches.adapt()

    def spike_source_type(self):
        return self.sim.SpikeSourceArray
