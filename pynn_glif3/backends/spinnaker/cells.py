"""The cell types of the SpiNNaker backend: GLIF3Alpha as a sPyNNaker model, and a spike source.

sPyNNaker's cells are not PyNN standard cell types: each is an ``AbstractPyNNNeuronModelStandard``
built from components (:mod:`.components`) and a binary (``native/spinnaker``).  A script's
simulator-independent GLIF3Alpha becomes one of these when a Population is made
(:mod:`.pynn_patches`).
"""

import numpy as np
from spynnaker.pyNN.models.defaults import default_initial_values
from spynnaker.pyNN.models.neuron import AbstractPyNNNeuronModelStandard

from pynn_glif3 import model
from pynn_glif3.model.timing import START_STEP
from pynn_glif3.backends.spinnaker.components import (CurrentInputPicoAmps, GivenPhysical,
                                                      GLIF3AlphaSynapseType, GLIF3NeuronModel,
                                                      GLIF3ThresholdType)
from pynn_glif3.backends.spinnaker.layout import hold_ticks

#: Name of the binary built by native/spinnaker (neurons and synapses on one core).
BINARY = "glif3_alpha.aplx"
MODEL_NAME = "GLIF3Alpha"

_D = model.DEFAULT_PARAMETERS


class GLIF3Alpha(AbstractPyNNNeuronModelStandard):
    """GLIF3Alpha on sPyNNaker, with the PyNN parameters of :mod:`pynn_glif3.model`.

    ``v`` defaults to ``v_reset``.  Receptors ``syn1`` .. ``syn4`` (negative weights through
    ``pyNN.spiNNaker.Projection`` with a FromArraysConnector, or receptors ``synN_negative``
    with weight magnitudes).  ``start_step`` (whole steps, default ``timing.START_STEP``): the
    neurons hold their initial state and compute training row m in the update that sPyNNaker
    stamps ``(start_step + 1 + m) h`` (docs/timing.md).

    ``given_physical`` (:class:`.components.GivenPhysical`) keeps parameters given in the physical
    view by the backend's ``set_neuron_parameters``, which the structs then use exactly.
    """

    @default_initial_values({"v", "asc_1", "asc_2", "psc_1", "psc_2", "psc_3", "psc_4"})
    def __init__(self, v_rest=_D["v_rest"], v_thresh=_D["v_thresh"], v_reset=_D["v_reset"],
                 cm=_D["cm"], tau_m=_D["tau_m"], tau_refrac=_D["tau_refrac"],
                 i_offset=_D["i_offset"], asc_amp_1=_D["asc_amp_1"], asc_amp_2=_D["asc_amp_2"],
                 asc_decay_1=_D["asc_decay_1"], asc_decay_2=_D["asc_decay_2"],
                 tau_syn_1=_D["tau_syn_1"], tau_syn_2=_D["tau_syn_2"],
                 tau_syn_3=_D["tau_syn_3"], tau_syn_4=_D["tau_syn_4"],
                 start_step=START_STEP,
                 v=None, asc_1=0.0, asc_2=0.0, psc_1=0.0, psc_2=0.0, psc_3=0.0, psc_4=0.0):
        values = dict(locals())
        values.pop("self")
        values.pop("__class__", None)
        if values["v"] is None:
            values["v"] = v_reset
        numeric = {name: values[name] for name in model.PARAMETER_NAMES
                   if not hasattr(values[name], "next")}
        model.validate(numeric)
        if not hasattr(start_step, "next"):
            hold_ticks(start_step)          # a whole number >= 0, or a clear error now
        self.given_physical = GivenPhysical()
        super().__init__(
            model_name=MODEL_NAME, binary=BINARY,
            neuron_model=GLIF3NeuronModel(values, self.given_physical),
            input_type=CurrentInputPicoAmps(),
            synapse_type=GLIF3AlphaSynapseType(values, self.given_physical),
            threshold_type=GLIF3ThresholdType(values, self.given_physical))

    @classmethod
    def from_standard(cls, cell):
        """The sPyNNaker cells for a simulator-independent GLIF3Alpha (its given values)."""
        return cls(**cell.given_parameters)


def _plain_times(times):
    """Spike times as sPyNNaker takes them: PyNN ``Sequence`` objects become arrays."""
    from pyNN.parameters import Sequence
    if isinstance(times, Sequence):
        return np.asarray(times.value, dtype=float)
    if isinstance(times, (list, tuple)) and any(isinstance(t, Sequence) for t in times):
        return [_plain_times(t) for t in times]
    return times


def spike_source_array_class():
    from spynnaker.pyNN.models.spike_source.spike_source_array import SpikeSourceArray as Base

    class SpikeSourceArray(Base):
        """sPyNNaker's SpikeSourceArray, also taking PyNN ``Sequence`` spike times (as PyNN's
        other simulators do)."""

        def __init__(self, spike_times=None):
            super().__init__(spike_times=_plain_times(spike_times))

    SpikeSourceArray.__module__ = __name__
    return SpikeSourceArray
