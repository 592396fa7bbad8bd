"""GLIF3Alpha on pyNN.nest: the glif3_alpha module in every NEST kernel, and PyNN's few needs.

* :func:`install` loads the module into the current NEST kernel (building it first if needed).
  NEST forgets modules at every ``ResetKernel`` (PyNN's ``setup()`` calls it) and refuses to load
  one once any node exists, so this module also makes ``pyNN.nest``'s kernel reset reinstall it.
* :data:`NEST_NAME` is the cell type's ``nest_name``: looking a name up makes sure the model exists
  in the current kernel, so a Population can be created before or after ``setup()``.
* Initial values: PyNN's NEST backend passes ``initialize()`` values through unscaled; the
  after-spike currents are nA in PyNN and pA in the module, so they are scaled here.
* Spike-source times: ``SpikeSourceArray`` times on the step grid stay on it after PyNN subtracts
  the minimum delay (in floating point, 0.3 - 0.1 lands past 0.2 and NEST's precise spike
  generator would emit in the next step).  With ``setup(min_delay='auto')`` PyNN shifts a
  source's times by the minimum delay known when the source is created, but relays them with the
  one known at the first run: there the binding shifts by one step at creation and, at the first
  run, moves the times of sources whose relay delay differs, with a warning (docs/nest.md,
  "Spike sources and min_delay").

Importing this module imports NEST.
"""

import collections.abc
import ctypes
import os
import warnings

import numpy as np

import nest  # the NEST simulator (absolute import; this package is pynn_glif3.nest)

from pynn_glif3 import model
from pynn_glif3.nest import build

MODEL_NAME = build.MODEL_NAME


class ModuleLoadError(RuntimeError):
    """The glif3_alpha module could not be loaded into the NEST kernel."""


def is_installed():
    """True when the current NEST kernel knows the glif3_alpha model."""
    return MODEL_NAME in nest.node_models


def _network_size():
    return int(nest.GetKernelStatus("network_size"))


def install(build_if_needed=True, verbose=True):
    """Make ``glif3_alpha`` available in the current NEST kernel; returns the model name.

    Builds the module first when it is not in the cache (and ``build_if_needed``).  Must run
    before any node is created in the kernel (NEST's rule); ``pyNN.nest``'s ``setup()`` does it
    automatically once this module is imported.
    """
    if is_installed():
        return MODEL_NAME
    path = build.module_path(build=build_if_needed, verbose=verbose)
    if _network_size() > 0:
        raise ModuleLoadError(
            "the glif3_alpha NEST module can only be loaded into a NEST kernel without nodes, and "
            f"this one has {_network_size()}.  With PyNN: import pynn_glif3 (or create a "
            "GLIF3Alpha cell type) before calling sim.setup(), then sim.setup() loads it; with "
            "PyNEST: call pynn_glif3.nest.install() right after nest.ResetKernel().")
    try:
        nest.Install(path)
    except nest.NESTError as err:
        raise ModuleLoadError(f"NEST could not load {path}: {err}{_loader_diagnosis(path)}") from err
    if not is_installed():
        raise ModuleLoadError(f"{path} was loaded but did not register {MODEL_NAME}")
    return MODEL_NAME


def _loader_diagnosis(path):
    """The dynamic loader's own message (libltdl reports most failures as 'file not found')."""
    try:
        ctypes.CDLL(path + ".so", os.RTLD_NOW)
    except OSError as err:
        return (f"\nThe dynamic loader says: {err}\nRebuild with `python -m pynn_glif3 build-nest "
                "--force` (the module must be built for this NEST installation).")
    return ""


class _NestModelName(collections.abc.Mapping):
    """``GLIF3Alpha.nest_name``: {'on_grid': 'glif3_alpha', 'off_grid': 'glif3_alpha'}.

    Every lookup makes sure the model is installed in the current kernel (pyNN.nest looks it up
    right before creating the neurons).
    """
    _keys = ("on_grid", "off_grid")

    def __getitem__(self, precision):
        if precision not in self._keys:
            raise KeyError(precision)
        return install()

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __repr__(self):
        return f"{{'on_grid': {MODEL_NAME!r}, 'off_grid': {MODEL_NAME!r}}}"


NEST_NAME = _NestModelName()

_PATCHED = "_pynn_glif3_patched"


def patch_pynn_nest():
    """Adapt ``pyNN.nest`` (idempotent): reinstall the module after each kernel reset and scale
    initial values of GLIF3Alpha state variables to the module's units."""
    import pyNN.nest.populations as populations
    import pyNN.nest.simulator as simulator
    from pynn_glif3.celltype import GLIF3AlphaBase

    state_class = type(simulator.state)
    if not getattr(state_class.clear, _PATCHED, False):
        original_clear = state_class.clear

        def clear(self):
            original_clear(self)          # ends with nest.ResetKernel(): modules are gone
            try:
                install()
            except build.BuildError as err:   # reported again when a GLIF3Alpha is created
                warnings.warn(f"pynn_glif3: the glif3_alpha NEST module is not available: {err}")

        setattr(clear, _PATCHED, True)
        clear.__doc__ = original_clear.__doc__
        state_class.clear = clear

    population_class = populations.Population
    if not getattr(population_class._set_initial_value_array, _PATCHED, False):
        original_set = population_class._set_initial_value_array

        def _set_initial_value_array(self, variable, value):
            if isinstance(self.celltype, GLIF3AlphaBase) and variable in model.NATIVE_STATE:
                scale = model.NATIVE_STATE[variable][1]
                if scale != 1.0:
                    value = value * scale
            return original_set(self, variable, value)

        setattr(_set_initial_value_array, _PATCHED, True)
        population_class._set_initial_value_array = _set_initial_value_array

    _patch_spike_sources(populations, simulator)
    _patch_reset(state_class)


def _restarts_exactly(population):
    """Whether ``population`` starts again exactly as after a new setup() at PyNN's reset():
    GLIF3Alpha neurons (the binding sets their origin_step) and spike sources (re-timed)."""
    from pynn_glif3.celltype import GLIF3AlphaBase
    from pynn_glif3.nest.sources import SpikeTrainInjector

    celltype = population.celltype
    return isinstance(celltype, (GLIF3AlphaBase, SpikeTrainInjector)) or _is_pynn_spike_source_array(population)


def _patch_reset(state_class):
    """``sim.reset()`` gives the run a new ``setup()`` and the same network would give.

    PyNN's reset on NEST runs on for ``t_flush`` ms, then sets the initial values and re-times the
    SpikeSourceArrays from the new time offset; everything else runs on.  GLIF3Alpha neurons get
    ``origin_step`` = the step of the new time 0: the module then clears their hidden state and
    buffers, ignores spikes sent before, and holds and counts rows from there (docs/nest.md,
    "reset()").  The builder's ``spike_train_injector`` sources are re-timed here.  When every
    population restarts exactly, no flush is needed and ``t_flush`` may be left out.
    """
    from pynn_glif3.celltype import GLIF3AlphaBase
    from pynn_glif3.nest.sources import SpikeTrainInjector

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
            if isinstance(population.celltype, GLIF3AlphaBase):
                population.node_collection.set(origin_step=origin_step)
            elif isinstance(population.celltype, SpikeTrainInjector) and self._time_offset != old_offset:
                nodes = population.node_collection
                times = nodes.get("spike_times")
                times = [times] if len(nodes) == 1 else list(times)
                shift = self._time_offset - old_offset
                nodes.set([{"spike_times": snap_to_grid(np.asarray(t, dtype=float) + shift, shift)}
                           for t in times])

    setattr(reset, _PATCHED, True)
    reset.__doc__ = original_reset.__doc__
    state_class.reset = reset


# -- spike-source times ---------------------------------------------------------------------------

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


def activate():
    """Called when pyNN.nest is in use: patch it and, if the kernel is empty, install now."""
    patch_pynn_nest()
    if not is_installed() and _network_size() == 0:
        try:
            install()
        except build.BuildError as err:
            warnings.warn(f"pynn_glif3: the glif3_alpha NEST module is not available: {err}")
