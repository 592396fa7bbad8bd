"""The one place where pyNN.nest is adapted for GLIF3Alpha, where PyNN offers no hook.

* Kernel reset: NEST unloads every extension module at ``ResetKernel``, which pyNN.nest's
  ``setup()`` (and ``end()``) call; the state's ``clear`` is wrapped to load glif3_alpha again.
* Populations: pyNN.nest reads NEST names from the cell type, which the simulator-independent
  GLIF3Alpha does not carry; ``Population`` is given NEST's GLIF3Alpha instead (the same values).
* Initial values: pyNN.nest passes ``initialize()`` values to NEST unscaled, but the after-spike
  currents and PSCs are nA in PyNN and pA in the module; they are scaled here.

:func:`adapt` applies all three, once; importing this module imports NEST.
"""

import warnings

from pynn_glif3 import model
from pynn_glif3.backends import standard
from pynn_glif3.backends.nest import build, cells, kernel

_ADAPTED = "_pynn_glif3_adapted"


def _reload_after_reset(state_class):
    original_clear = state_class.clear

    def clear(self):
        original_clear(self)          # ends with nest.ResetKernel(): modules are gone
        try:
            kernel.install()
        except build.BuildError as err:   # reported again when a GLIF3Alpha is created
            warnings.warn(f"pynn_glif3: the glif3_alpha NEST module is not available: {err}")

    clear.__doc__ = original_clear.__doc__
    state_class.clear = clear


def _nest_cell_type(cellclass):
    """NEST's GLIF3Alpha for the simulator-independent one (class or instance); else unchanged."""
    if isinstance(cellclass, type):
        if issubclass(cellclass, standard.GLIF3Alpha) and not issubclass(cellclass, cells.GLIF3Alpha):
            return cells.GLIF3Alpha
        return cellclass
    if isinstance(cellclass, standard.GLIF3Alpha) and not isinstance(cellclass, cells.GLIF3Alpha):
        return cells.GLIF3Alpha.adopt(cellclass)
    return cellclass


def _nest_cells_in_populations(population_class):
    original_init = population_class.__init__

    def __init__(self, size, cellclass, *args, **kwargs):
        original_init(self, size, _nest_cell_type(cellclass), *args, **kwargs)

    __init__.__doc__ = original_init.__doc__
    population_class.__init__ = __init__


def _scaled_initial_values(population_class):
    original_set = population_class._set_initial_value_array

    def _set_initial_value_array(self, variable, value):
        if isinstance(self.celltype, standard.GLIF3Alpha) and variable in model.NATIVE_STATE:
            scale = model.NATIVE_STATE[variable][1]
            if scale != 1.0:
                value = value * scale
        return original_set(self, variable, value)

    population_class._set_initial_value_array = _set_initial_value_array


def adapt():
    """Adapt pyNN.nest (idempotent)."""
    import pyNN.nest.populations as populations
    import pyNN.nest.simulator as simulator

    if getattr(simulator, _ADAPTED, False):
        return
    _reload_after_reset(type(simulator.state))
    _nest_cells_in_populations(populations.Population)
    _scaled_initial_values(populations.Population)
    setattr(simulator, _ADAPTED, True)
