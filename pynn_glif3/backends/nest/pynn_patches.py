"""The one place where pyNN.nest is adapted for GLIF3Alpha, where PyNN offers no hook.

* Kernel reset: NEST unloads every extension module at ``ResetKernel``, which pyNN.nest's
  ``setup()`` (and ``end()``) call; the state's ``clear`` is wrapped to load glif3_alpha again.
* Populations: pyNN.nest reads NEST names from the cell type, which the simulator-independent
  GLIF3Alpha does not carry; ``Population`` is given NEST's GLIF3Alpha instead (the same values).
* Initial values: pyNN.nest passes ``initialize()`` values to NEST unscaled, but the after-spike
  currents and PSCs are nA in PyNN and pA in the module; they are scaled here.
* Spike-source times: ``SpikeSourceArray`` times on the step grid stay on it after PyNN subtracts
  the minimum delay (in floating point, 0.3 - 0.1 lands past 0.2 and NEST's precise spike
  generator would emit in the next step).  With ``setup(min_delay='auto')`` PyNN shifts a
  source's times by the minimum delay known when the source is created, but relays them with the
  one known at the first run: there the times are shifted by one step at creation and, at the
  first run, the times of sources whose relay delay differs are moved, with a warning
  (docs/nest.md, "Spike sources and min_delay").
* ``reset()``: GLIF3Alpha neurons restart exactly as after a new ``setup()`` (their
  ``origin_step``), so no flush is needed (docs/nest.md, "reset()").

:func:`adapt` applies them all, once; importing this module imports NEST.
"""

import warnings

import nest
import numpy as np

from pynn_glif3 import model
from pynn_glif3.backends import standard
from pynn_glif3.backends.nest import build, cells, kernel

_ADAPTED = "_pynn_glif3_adapted"
_PATCHED = "_pynn_glif3_patched"


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


def _scaled_initial_values(population_class):
    original_set = population_class._set_initial_value_array

    def _set_initial_value_array(self, variable, value):
        if isinstance(self.celltype, standard.GLIF3Alpha) and variable in model.NATIVE_STATE:
            scale = model.NATIVE_STATE[variable][1]
            if scale != 1.0:
                value = value * scale
        return original_set(self, variable, value)

    population_class._set_initial_value_array = _set_initial_value_array


def _restarts_exactly(population):
    """Whether ``population`` starts again exactly as after a new setup() at PyNN's reset():
    GLIF3Alpha neurons (the binding sets their origin_step) and spike sources (re-timed)."""
    celltype = population.celltype
    return isinstance(celltype, (standard.GLIF3Alpha, cells.SpikeTrainInjector)) or _is_pynn_spike_source_array(population)


def _patch_reset(state_class):
    """``sim.reset()`` gives the run a new ``setup()`` and the same network would give.

    PyNN's reset on NEST runs on for ``t_flush`` ms, then sets the initial values and re-times the
    SpikeSourceArrays from the new time offset; everything else runs on.  GLIF3Alpha neurons get
    ``origin_step`` = the step of the new time 0: the module then clears their hidden state and
    buffers, ignores spikes sent before, and holds and counts rows from there (docs/nest.md,
    "reset()").  The builder's ``spike_train_injector`` sources are re-timed here.  When every
    population restarts exactly, no flush is needed and ``t_flush`` may be left out.
    """
    if getattr(state_class.reset, _PATCHED, False):
        return
    original_reset = state_class.reset

    def reset(self):
        populations = list(self.populations)
        old_offset = self._time_offset
        exact = bool(populations) and all(_restarts_exactly(p) for p in populations)
        t_flush = self.t_flush
        if exact and self.t > 0 and t_flush < 0:
            self.t_flush = 0.0          # nothing to flush: every population restarts exactly
        try:
            with warnings.catch_warnings():
                if exact:
                    warnings.filterwarnings("ignore", message="Full reset functionality is not available")
                original_reset(self)
        finally:
            self.t_flush = t_flush
        origin_step = int(round(self._time_offset / self.dt))
        for population in populations:
            if isinstance(population.celltype, standard.GLIF3Alpha):
                population.node_collection.set(origin_step=origin_step)
            elif isinstance(population.celltype, cells.SpikeTrainInjector) and self._time_offset != old_offset:
                nodes = population.node_collection
                times = nodes.get("spike_times")
                times = [times] if len(nodes) == 1 else list(times)
                shift = self._time_offset - old_offset
                nodes.set([{"spike_times": snap_to_grid(np.asarray(t, dtype=float) + shift, shift)}
                           for t in times])

    setattr(reset, _PATCHED, True)
    reset.__doc__ = original_reset.__doc__
    state_class.reset = reset


# -- spike-source times --------------------------------------------------------------------------

def snap_to_grid(times_ms, slack_ms=0.0):
    """``times_ms`` with values within a few ulps of a step boundary of the current NEST kernel
    replaced by that boundary as NEST computes it (``steps * resolution``), so that a precise
    spike generator emits them in that step with no offset.  Other values are left as they are.

    ``slack_ms`` is the magnitude of other operands the values went through (the minimum delay
    PyNN subtracted), whose rounding errors the tolerance must cover.
    """
    times = np.asarray(times_ms, dtype=float)
    if times.size == 0:
        return times
    tics_per_step = nest.GetKernelStatus("tics_per_step")
    ms_per_step = tics_per_step / nest.GetKernelStatus("tics_per_ms")
    steps = np.rint(times / ms_per_step)
    grid = steps * ms_per_step
    tolerance = 16.0 * np.spacing(np.abs(times) + abs(slack_ms))
    return np.where(np.abs(times - grid) <= tolerance, grid, times)


def _snap_sequences(value, slack_ms):
    """Apply :func:`snap_to_grid` to a Sequence, an array of Sequences or an array of times."""
    from pyNN.parameters import Sequence

    if isinstance(value, Sequence):
        return Sequence(snap_to_grid(value.value, slack_ms))
    if isinstance(value, np.ndarray) and value.dtype == object:
        out = np.empty(value.shape, dtype=object)
        for index, item in np.ndenumerate(value):
            out[index] = _snap_sequences(item, slack_ms)
        return out
    return snap_to_grid(value, slack_ms)


def _spike_source_shift(population):
    """The shift (ms) PyNN subtracted from the times of a SpikeSourceArray population, or None."""
    return getattr(population, "_pynn_glif3_time_shift_ms", None)


def _is_pynn_spike_source_array(population):
    from pyNN.nest.standardmodels.cells import SpikeSourceArray

    return isinstance(getattr(population, "celltype", None), SpikeSourceArray)


def _creation_shift(state):
    """The shift (ms) to give SpikeSourceArray times now.

    PyNN's is the kernel's minimum delay.  With ``min_delay='auto'`` that is not known before
    the first run (every new connection may lower it), so until then one step, the smallest the
    relay can have: no time of a step or later becomes 0, which NEST refuses.
    """
    if getattr(state, "_pynn_glif3_auto_min_delay", False) and nest.biological_time == 0.0:
        return state.dt
    return state.min_delay


def _correct_shift(population, min_delay_ms):
    """Move the generator times of ``population`` from the shift they were given to
    ``min_delay_ms`` (the delay of its relay) and say so."""
    shift = _spike_source_shift(population)
    generators = population.node_collection_source
    times = generators.get("spike_times")
    times = [times] if len(generators) == 1 else list(times)
    corrected = [snap_to_grid(np.asarray(t, dtype=float) + (shift - min_delay_ms), shift) for t in times]
    generators.set([{"spike_times": t} for t in corrected])
    population._pynn_glif3_time_shift_ms = min_delay_ms
    warnings.warn(
        f"pynn_glif3: sim.setup() had min_delay='auto', and the kernel's minimum delay became "
        f"{min_delay_ms} ms only once every connection existed; PyNN relays SpikeSourceArray "
        f"{population.label!r} with that delay but would have shifted its times by the "
        f"minimum delay known when it was created, so its spikes would arrive at other times than "
        f"asked.  Corrected (its times were set with a shift of {shift} ms); pass "
        f"min_delay=timestep to sim.setup() to avoid this.", stacklevel=4)


def _patch_spike_sources(populations, simulator):
    """Grid-exact SpikeSourceArray times and the min_delay='auto' correction (see module doc)."""
    from pyNN.nest.standardmodels.cells import SpikeSourceArray

    state_class = type(simulator.state)
    if not getattr(state_class.set_delays, _PATCHED, False):
        original_set_delays = state_class.set_delays

        def set_delays(self, min_delay, max_delay):
            self._pynn_glif3_auto_min_delay = min_delay == "auto"
            return original_set_delays(self, min_delay, max_delay)

        setattr(set_delays, _PATCHED, True)
        state_class.set_delays = set_delays

    translation = SpikeSourceArray.translations["spike_times"]
    if not getattr(translation["forward_transform"], _PATCHED, False):

        def forward(spike_times):
            shift = _creation_shift(simulator.state)
            shifted = spike_times - shift
            if hasattr(shifted, "apply"):                 # a lazy array: evaluated per cell later
                shifted.apply(lambda value: _snap_sequences(value, shift))
                return shifted
            return _snap_sequences(shifted, shift)

        def reverse(spike_times):
            return spike_times + _creation_shift(simulator.state)

        setattr(forward, _PATCHED, True)
        translation["forward_transform"] = forward
        translation["reverse_transform"] = reverse

    population_class = populations.Population
    if not getattr(population_class._create_cells, _PATCHED, False):
        original_create = population_class._create_cells
        original_set_parameters = population_class._set_parameters
        original_connect_parrots = population_class._connect_parrot_neurons

        def _create_cells(self):
            original_create(self)
            if _is_pynn_spike_source_array(self):
                self._pynn_glif3_time_shift_ms = _creation_shift(simulator.state)

        def _set_parameters(self, parameter_space):
            shift = _creation_shift(simulator.state)
            original_set_parameters(self, parameter_space)
            if _is_pynn_spike_source_array(self) and "spike_times" in parameter_space.keys():
                self._pynn_glif3_time_shift_ms = shift

        def _connect_parrot_neurons(self):
            # The relays get the kernel's minimum delay now; the times got the shift at creation.
            min_delay = simulator.state.min_delay
            shift = _spike_source_shift(self)
            if shift is not None and abs(shift - min_delay) > 1e-9 * min_delay:
                _correct_shift(self, min_delay)
            original_connect_parrots(self)

        for function in (_create_cells, _set_parameters, _connect_parrot_neurons):
            setattr(function, _PATCHED, True)
        population_class._create_cells = _create_cells
        population_class._set_parameters = _set_parameters
        population_class._connect_parrot_neurons = _connect_parrot_neurons


def adapt():
    """Adapt pyNN.nest (idempotent)."""
    import pyNN.nest.populations as populations
    import pyNN.nest.simulator as simulator

    if getattr(simulator, _ADAPTED, False):
        return
    _reload_after_reset(type(simulator.state))
    standard.populations_take_standard_cells(populations.Population, cells.GLIF3Alpha)
    _scaled_initial_values(populations.Population)
    _patch_spike_sources(populations, simulator)
    _patch_reset(type(simulator.state))
    setattr(simulator, _ADAPTED, True)
