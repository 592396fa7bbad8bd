"""The cell and synapse types of the GeNN backend, and what it refuses.

Cells: :class:`GLIF3Alpha` (the package's cell type; the simulator-independent class a script
passes to ``pyNN.nest`` works too), :class:`SpikeSourceArray`, :class:`SpikeSourcePoisson`.  Synapses:
:class:`StaticSynapse`.  Parameters keep PyNN's names and units here; the conversion to the
physical units of the GeNN model happens when the network is built (:mod:`.population_values`).

Everything else PyNN offers raises NotImplementedError naming the feature: other cell types,
plastic or stochastic synapses, current sources.
"""

from pyNN.standardmodels import build_translations, cells, synapses

from pynn_glif3.backends import standard
from pynn_glif3.backends.genn.simulator import state

GLIF3 = "glif3"
ARRAY = "array"
POISSON = "poisson"


class GLIF3Alpha(standard.GLIF3Alpha):
    __doc__ = standard.GLIF3Alpha.__doc__ + """
    On GeNN: the snippets of native/genn, with per-neuron values computed on the host; the
    simulator-independent GLIF3Alpha works as well (a Population takes either).
    """


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__ + """
    On GeNN, a spike at time T (ms) is emitted in step round(T / dt) - 1, the step whose end is T,
    so it reaches its targets at T + delay as on NEST.  Several spikes at one time count as many.
    """
    translations = build_translations(("spike_times", "spike_times"))


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__ + """
    On GeNN: at most one spike per step, with probability rate * dt, for spike times in
    (start, start + duration]; drawn on the device (seed: ``setup(rng_seed=...)``).
    """
    translations = build_translations(("rate", "rate"), ("start", "start"), ("duration", "duration"))


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__ + """
    Weights are signed currents (nA) on any receptor; delays (ms) are rounded to whole steps and
    must be at least one step.
    """
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        d = state.min_delay
        if d == "auto":
            d = state.dt
        return d


def cell_kind(celltype):
    """Which GeNN model implements ``celltype``; NotImplementedError for the others."""
    if isinstance(celltype, standard.GLIF3Alpha):
        return GLIF3
    if isinstance(celltype, cells.SpikeSourceArray):
        return ARRAY
    if isinstance(celltype, cells.SpikeSourcePoisson):
        return POISSON
    raise NotImplementedError(
        f"the GeNN backend of pynn_glif3 does not support the cell type "
        f"{type(celltype).__name__}; supported: GLIF3Alpha, SpikeSourceArray, SpikeSourcePoisson")


def check_synapse_type(synapse_type):
    """NotImplementedError unless ``synapse_type`` is this backend's StaticSynapse."""
    if isinstance(synapse_type, StaticSynapse):
        return
    kind = type(synapse_type).__name__
    if isinstance(synapse_type, synapses.StaticSynapse):
        raise TypeError(f"{kind} of another PyNN backend: use this backend's sim.StaticSynapse")
    what = "plastic synapses" if ("STDP" in kind or "Tsodyks" in kind) else "the synapse type"
    raise NotImplementedError(
        f"the GeNN backend of pynn_glif3 does not support {what} {kind}; only StaticSynapse")


class _Unsupported:
    """A PyNN name the backend knows but does not implement: using it raises at once."""

    feature = "this feature"

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"the GeNN backend of pynn_glif3 does not support {self.feature}")


def _unsupported(name, feature):
    return type(name, (_Unsupported,), {"feature": feature, "__doc__": f"Not supported on GeNN: {feature}."})


_CURRENT = ("current injection ({}); use GLIF3Alpha's i_offset (settable between runs) for a "
            "constant current")
DCSource = _unsupported("DCSource", _CURRENT.format("DCSource"))
ACSource = _unsupported("ACSource", _CURRENT.format("ACSource"))
StepCurrentSource = _unsupported("StepCurrentSource", _CURRENT.format("StepCurrentSource"))
NoisyCurrentSource = _unsupported("NoisyCurrentSource", _CURRENT.format("NoisyCurrentSource"))
TsodyksMarkramSynapse = _unsupported("TsodyksMarkramSynapse",
                                     "plastic synapses (TsodyksMarkramSynapse); only StaticSynapse")
STDPMechanism = _unsupported("STDPMechanism", "plastic synapses (STDPMechanism); only StaticSynapse")
SimpleStochasticSynapse = _unsupported("SimpleStochasticSynapse",
                                       "stochastic synapses (SimpleStochasticSynapse); only StaticSynapse")
ElectricalSynapse = _unsupported("ElectricalSynapse", "gap junctions (ElectricalSynapse)")

CELL_TYPES = (GLIF3Alpha, SpikeSourceArray, SpikeSourcePoisson)
