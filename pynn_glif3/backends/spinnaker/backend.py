"""The SpiNNaker backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.model import units
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

    def set_neuron_parameters(self, cells, neurons):
        """Give the GLIF3Alpha Population ``cells`` the parameters ``neurons`` (physical view, one
        row per cell) and start ``v`` at ``V_reset``.

        sPyNNaker's dictionary gets the PyNN values (``Population.get`` and ``set`` answer and take
        PyNN units), and the cell type keeps ``neurons`` beside them: the structs are computed from
        these physical values directly, for every neuron a later ``set`` has not changed
        (:class:`.components.GivenPhysical`), instead of from the PyNN values converted back,
        which may differ from them by a rounding step.
        """
        neurons = one_row_per_cell(neurons, cells)
        given = getattr(cells.celltype, "given_physical", None)
        if given is None:
            raise TypeError(f"set_neuron_parameters: {cells.label!r} is not a GLIF3Alpha "
                            f"Population on SpiNNaker ({type(cells.celltype).__name__})")
        pynn = units.physical_to_pynn(**neurons.as_dict())
        cells.set(**pynn)
        cells.initialize(v=neurons.V_reset)
        given.keep(neurons, pynn)
