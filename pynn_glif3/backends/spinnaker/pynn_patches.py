"""The one place where pyNN.spiNNaker is adapted for GLIF3Alpha, where PyNN offers no hook.

* Populations: sPyNNaker's cells are its own model classes, not PyNN standard cell types; a
  Population given the simulator-independent GLIF3Alpha gets the sPyNNaker one
  (:class:`.cells.GLIF3Alpha`, same values) instead.
* Projections: sPyNNaker keeps one sign per projection; ``Projection`` becomes
  :func:`.projections.Projection`, which splits signed weights onto GLIF3Alpha's receptors.
* Spike sources: sPyNNaker's SpikeSourceArray is given spike times as PyNN ``Sequence`` objects
  by PyNN scripts and the builder; :func:`.cells.spike_source_array_class` accepts them.
* Binaries: sPyNNaker finds an extra model's binary only in registered directories; the one
  ``pynn-glif3 build-spinnaker`` writes to is registered (a set: registering again is harmless).

:func:`adapt` applies them, once.
"""

from pynn_glif3.backends import standard
from pynn_glif3.backends.spinnaker import build, cells, projections

_ADAPTED = "_pynn_glif3_adapted"


def _spinnaker_cell_type(cellclass, cellparams):
    """sPyNNaker's GLIF3Alpha for the simulator-independent one (class or instance)."""
    if isinstance(cellclass, type) and issubclass(cellclass, standard.GLIF3Alpha):
        return cells.GLIF3Alpha(**(cellparams or {})), None
    if isinstance(cellclass, standard.GLIF3Alpha):
        return cells.GLIF3Alpha.from_standard(cellclass), cellparams
    return cellclass, cellparams


def _spinnaker_cells_in_populations(population_class):
    original_init = population_class.__init__

    def __init__(self, size, cellclass, cellparams=None, *args, **kwargs):
        cellclass, cellparams = _spinnaker_cell_type(cellclass, cellparams)
        original_init(self, size, cellclass, cellparams, *args, **kwargs)

    __init__.__doc__ = original_init.__doc__
    population_class.__init__ = __init__


def adapt():
    """Adapt pyNN.spiNNaker (idempotent)."""
    import pyNN.spiNNaker as sim
    from spynnaker.pyNN.data import SpynnakerDataView
    from spynnaker.pyNN.models.populations import Population

    SpynnakerDataView.register_binary_search_path(build.BINARY_DIR)
    if getattr(sim, _ADAPTED, False):
        return
    _spinnaker_cells_in_populations(Population)
    sim.Projection = projections.Projection
    sim.SpikeSourceArray = cells.spike_source_array_class()
    setattr(sim, _ADAPTED, True)
