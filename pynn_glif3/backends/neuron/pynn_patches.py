"""The one place where pyNN.neuron is adapted for GLIF3Alpha, where PyNN offers no hook.

* Populations: pyNN.neuron builds cells from the cell type's ``model`` class, which the
  simulator-independent GLIF3Alpha does not carry; ``Population`` is given NEURON's GLIF3Alpha
  instead (the same values).
* Parameter checks: NEST's model refuses a ``set()`` that leaves ``v_thresh`` at or below
  ``v_rest`` (one given, the other already there); pyNN.neuron sets values one name at a time, so
  the check is made on the whole set, which is undone if it fails.
* Connection delays: a glif3_alpha cell takes each input 7/8 of a step before its PyNN time
  (native/neuron/glif3_alpha.mod), so a NetCon onto it is that much shorter than the connection's
  delay, which is taken in whole steps as on NEST; the connection reports the PyNN delay.

:func:`adapt` applies them all, once; importing this module imports NEURON.
"""

import numpy as np
from pyNN.neuron import populations, simulator

from pynn_glif3.backends import standard
from pynn_glif3.backends.neuron import cells

_PATCHED = "_pynn_glif3_patched"


def _checked_set(mixin_class):
    original = mixin_class._set_parameters

    def _set_parameters(self, parameter_space):
        if not isinstance(self.celltype, cells.GLIF3Alpha):
            return original(self, parameter_space)
        local = [cell_id._cell for cell_id in self]
        before = [dict(cell._native) for cell in local]
        original(self, parameter_space)
        for index, cell in enumerate(local):
            if not cell._native["V_th"] > cell._native["E_L"]:
                bad = dict(cell._native)
                for c, values in zip(local, before):
                    if c._native != values:
                        c._native.update(values)
                        c._apply()
                raise ValueError(f"GLIF3Alpha parameter 'v_thresh' = {bad['V_th']!r} mV is not above "
                                 f"'v_rest' = {bad['E_L']!r} mV (neuron {index} of the set): allowed "
                                 f"(v_rest, inf) mV; nothing was changed")

    _set_parameters.__doc__ = original.__doc__
    mixin_class._set_parameters = _set_parameters


def input_lead_ms():
    """How much shorter than its PyNN delay a NetCon onto a glif3_alpha cell is, in ms."""
    return cells.INPUT_LEAD * simulator.state.dt


def netcon_delay(delay_ms):
    """The NetCon delay (ms) of a connection of ``delay_ms`` onto glif3_alpha cells: whole steps
    (rounded like NEST's), at least one, less the input lead."""
    dt = simulator.state.dt
    delay_ms = np.asarray(delay_ms, dtype=float)
    steps = np.rint(delay_ms / dt)
    if np.any(~np.isfinite(delay_ms)) or np.any(steps < 1):
        bad = delay_ms[~(np.isfinite(delay_ms) & (steps >= 1))].ravel()[0]
        raise ValueError(f"a connection onto GLIF3Alpha has delay {bad!r} ms; on NEURON the delay "
                         f"must be at least one time step ({dt} ms)")
    return steps * dt - cells.INPUT_LEAD * dt


def _targets_glif3(connection):
    return getattr(connection.postsynaptic_cell._cell, "type", None) is cells.GLIF3Alpha


def _lead_onto_glif3(connection_class):
    original_init = connection_class.__init__
    original_get, original_set = connection_class._get_delay, connection_class._set_delay

    def __init__(self, projection, pre, post, cell_obj, target_object, **parameters):
        original_init(self, projection, pre, post, cell_obj, target_object, **parameters)
        if _targets_glif3(self):
            self.nc.delay = float(netcon_delay(self.nc.delay))

    def _get_delay(self):
        delay = original_get(self)
        return delay + input_lead_ms() if _targets_glif3(self) else delay

    def _set_delay(self, d):
        original_set(self, float(netcon_delay(d)) if _targets_glif3(self) else d)

    connection_class.__init__ = __init__
    connection_class._get_delay, connection_class._set_delay = _get_delay, _set_delay
    connection_class.delay = property(_get_delay, _set_delay)


def adapt():
    """Apply the adaptations to pyNN.neuron (idempotent)."""
    if getattr(simulator, _PATCHED, False):
        return
    standard.populations_take_standard_cells(populations.Population, cells.GLIF3Alpha)
    _lead_onto_glif3(simulator.Connection)
    _checked_set(populations.PopulationMixin)
    setattr(simulator, _PATCHED, True)
