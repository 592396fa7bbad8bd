"""Spike sources on NEST without relay neurons: ``spike_train_injector`` nodes.

PyNN's ``SpikeSourceArray`` on NEST is a ``spike_generator`` on every thread plus a
``parrot_neuron_ps`` per source, three nodes per source that NEST visits every step.  With the
17,400 LGN units of the V1 model these outnumbered the V1 neurons, and each visit reads memory
that is not in cache.  NEST's ``spike_train_injector`` is one node per source, on one thread,
whose spikes are sent like a neuron's.  A spike at time T reaches a target over a delay of k
steps in the same step as a PyNN ``SpikeSourceArray`` spike at T (PyNN shifts its generator
times by the parrot's step), so :mod:`pynn_glif3.timing` holds for both.
"""

from pyNN.nest.cells import NativeCellType
from pyNN.parameters import Sequence


class SpikeTrainInjector(NativeCellType):
    """One NEST ``spike_train_injector`` per cell; ``spike_times`` in ms, on the time grid."""
    nest_model = "spike_train_injector"
    nest_name = {"on_grid": nest_model, "off_grid": nest_model}
    default_parameters = {"spike_times": Sequence([])}
    default_initial_values = {}
    receptor_types = ["excitatory", "inhibitory"]
    standard_receptor_type = True
    recordable = ["spikes"]
    units = {"spikes": "ms"}
    injectable = False
    conductance_based = False
    always_local = False
    uses_parrot = False


def spike_source_type(sim):
    """SpikeTrainInjector; on a NEST built without ``spike_train_injector`` (a reduced model set),
    PyNN's SpikeSourceArray."""
    import nest

    return SpikeTrainInjector if SpikeTrainInjector.nest_model in nest.node_models else sim.SpikeSourceArray
