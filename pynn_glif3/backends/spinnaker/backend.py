"""The SpiNNaker backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend, one_row_per_cell
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

    def set_neuron_parameters(self, cells_population, neurons):
        """sPyNNaker keeps the PyNN parameters (the structs are computed from them when written)."""
        from pynn_glif3.model import units
        p = one_row_per_cell(neurons, cells_population)
        cells_population.set(**units.physical_to_pynn(p.E_L, p.V_th, p.V_reset, p.C_m, p.g, p.t_ref,
                                                      p.k, p.asc_amps, p.tau_syn, p.I_offset))
        cells_population.initialize(v=p.V_reset)
