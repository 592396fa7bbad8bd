"""The cell types of the NEST backend: GLIF3Alpha on the glif3_alpha module, and a spike source.

:class:`GLIF3Alpha` is the simulator-independent cell type with the names pyNN.nest reads.  Its
``nest_name`` mapping loads the module into the current kernel when pyNN.nest looks the model up
(right before it creates the neurons), so a Population can be made before or after ``setup()``.

Spike sources without relay neurons: PyNN's ``SpikeSourceArray`` on NEST is a ``spike_generator``
on every thread plus a ``parrot_neuron_ps`` per source, three nodes per source that NEST visits
every step.  With the 17,400 LGN units of the V1 model these outnumbered the V1 neurons, and each
visit reads memory that is not in cache.  NEST's ``spike_train_injector`` is one node per source,
on one thread, whose spikes are sent like a neuron's.  A spike at time T reaches a target over a
delay of k steps in the same step as a PyNN ``SpikeSourceArray`` spike at T (PyNN shifts its
generator times by the parrot's step), so :mod:`pynn_glif3.model.timing` holds for both.
"""

import collections.abc

from pyNN.nest.cells import NativeCellType
from pyNN.parameters import Sequence

from pynn_glif3.backends import standard
from pynn_glif3.backends.nest import kernel


class _NestModelName(collections.abc.Mapping):
    """``GLIF3Alpha.nest_name``: {'on_grid': 'glif3_alpha', 'off_grid': 'glif3_alpha'}; every
    lookup makes sure the model is installed in the current kernel."""
    _keys = ("on_grid", "off_grid")

    def __getitem__(self, precision):
        if precision not in self._keys:
            raise KeyError(precision)
        return kernel.install()

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __repr__(self):
        return f"{{'on_grid': {kernel.MODEL_NAME!r}, 'off_grid': {kernel.MODEL_NAME!r}}}"


class GLIF3Alpha(standard.GLIF3Alpha):
    __doc__ = standard.GLIF3Alpha.__doc__ + """
    On NEST: the ``glif3_alpha`` extension module (built on first use and loaded into every
    kernel), with the extra parameter ``trial_steps`` for many trials in one run (docs/timing.md).
    """
    nest_name = _NestModelName()


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
