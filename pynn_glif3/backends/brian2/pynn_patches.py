"""The one place where pyNN.brian2 (and Brian2's code generation) is adapted for GLIF3Alpha,
where PyNN offers no hook.

* Populations: pyNN.brian2 reads the NeuronGroup to make from the cell type, which the
  simulator-independent GLIF3Alpha does not carry; ``Population`` is given Brian2's GLIF3Alpha
  instead (the same values).
* Delays onto GLIF3Alpha: Brian2 stamps a spike with the start of the step whose thresholder saw
  it and delivers it ``D`` steps after that stamp, into input the neuron reads in that step's
  update; NEST reads it one step earlier, which docs/timing.md defines as PyNN's delay.  A
  projection onto GLIF3Alpha therefore gets a copy of its synapse type whose delays are one step
  shorter inside Brian2 (and read back one step longer), so that the times of docs/timing.md hold
  unchanged; the shortest PyNN delay, one step, is a Brian2 delay of 0.
* Spike sources on the simulation's clock: pyNN.brian2's ``SpikeSourceArray`` is a Brian2
  ``SpikeGeneratorGroup`` made without a clock, so it and its synapses step on Brian2's default
  clock (0.1 ms) whatever the time step; ``setup()`` now sets the default clock's step as well.
* Several synapses between one pair of cells: pyNN.brian2 sets each new synapse's weight and
  delay by (pre, post) index, which addresses every synapse of the pair, so all of them get the
  last one's values (a training model's networks have such pairs).  The values are set by synapse
  index instead.
* ``setup(min_delay='auto')``: pyNN.brian2 computes the smallest delay as if every step were
  0.1 ms (its delays in seconds times 10,000, then times the step), so with 1 ms steps a 1 ms
  delay became a 10 ms minimum, and the default delay of later projections with it.  The minimum
  is computed here in steps of the simulation, one step added back onto GLIF3Alpha.
* A new ``setup()`` discards the Brian2 objects of the last one; those never run (a job's setup
  before the one it builds in, say) would each make Brian2 warn, on the terminal, that an object
  "was never included in a network".  They are marked as belonging to the discarded network.
* A ``SpikeSourceArray`` of one source reaches pyNN.brian2's ``SpikeGeneratorGroup`` as one
  Sequence instead of an array of one, which it refuses; it is given the array.
* ``set()``: NEST's module refuses a parameter set that leaves a neuron inconsistent (a threshold
  below its resting potential, say) and keeps the old values; here the group is checked after
  pyNN.brian2 sets the values, which are put back when the check fails; ``run()`` checks every
  GLIF3Alpha group again (values written into Brian2 directly) and raises the ValueError itself,
  before Brian2 would wrap it in its own exception.
* Compiled code: Brian2 compiles with ``-ffast-math`` by default, which lets the compiler reorder
  and contract the step's sums and products; the step must be the reference's operations in its
  order, so the GCC flags drop it and add ``-ffp-contract=off`` (no fused multiply-add), as the
  NEST module is built.  Brian2's Cython cache, unless set, goes under pynn_glif3's cache
  (``$PYNN_GLIF3_CACHE``, else ``$XDG_CACHE_HOME/pynn_glif3`` or ``~/.cache/pynn_glif3``).
  ``$PYNN_GLIF3_BRIAN2_TARGET`` (``numpy`` or ``cython``), when set, chooses Brian2's code
  generation target (its preference ``codegen.target``), also for a job's subprocesses: Cython
  compiles each new object for seconds once, NumPy runs without compiling but slower.

:func:`adapt` applies them all, once; importing this module imports Brian2 and pyNN.brian2.
"""

import copy
import importlib
import os

import brian2
import numpy as np
from pyNN import common
from pyNN.brian2 import populations, projections, simulator
from pyNN.parameters import Sequence

from pynn_glif3.backends.native import cache_root
from pynn_glif3.backends import standard
from pynn_glif3.backends.brian2 import cells

_ADAPTED = "_pynn_glif3_adapted"

#: GCC flags of Brian2's compiled code: Brian2's defaults without fast-math, no contraction.
COMPILE_ARGS = ["-w", "-O3", "-march=native", "-ffp-contract=off", "-std=c++11"]


def cython_cache_dir():
    return cache_root() / f"brian2-{brian2.__version__}" / "cython"


def _set_code_generation():
    prefs = brian2.prefs
    prefs.codegen.cpp.extra_compile_args_gcc = list(COMPILE_ARGS)
    if os.environ.get("PYNN_GLIF3_BRIAN2_TARGET"):
        prefs.codegen.target = os.environ["PYNN_GLIF3_BRIAN2_TARGET"]
    if prefs.codegen.runtime.cython.cache_dir is None:
        prefs.codegen.runtime.cython.cache_dir = str(cython_cache_dir())


# -- populations ---------------------------------------------------------------------------------

def _checked_set(view_class):
    original_set_parameters = view_class._set_parameters

    def _set_parameters(self, parameter_space):
        group = getattr(self, "brian2_group", None)
        if not isinstance(group, cells.GLIF3NeuronGroup):
            return original_set_parameters(self, parameter_space)
        before = {name: getattr(group, name)[:].copy() for name in parameter_space.keys()
                  if name in cells.PARAMETERS}
        original_set_parameters(self, parameter_space)
        try:
            group.check_parameters()
        except ValueError:
            for name, values in before.items():
                getattr(group, name)[:] = values
            raise

    _set_parameters.__doc__ = original_set_parameters.__doc__
    view_class._set_parameters = _set_parameters


# -- delays onto GLIF3Alpha ----------------------------------------------------------------------

def targets_glif3(post):
    """Whether the cells ``post`` (Population, PopulationView or Assembly) are GLIF3Alpha on Brian2;
    an Assembly mixing them with other cells cannot be given one delay rule and is refused."""
    if isinstance(post, common.Assembly):
        kinds = {isinstance(p.celltype, cells.GLIF3Alpha) for p in post.populations}
        if len(kinds) > 1:
            raise NotImplementedError("a projection onto an Assembly of GLIF3Alpha and other cells "
                                      "is not supported on Brian2; project onto each population")
        return kinds == {True}
    return isinstance(getattr(post, "celltype", None), cells.GLIF3Alpha)


def one_step_earlier(synapse_type):
    """A copy of ``synapse_type`` whose native (Brian2) delay is one step less than its PyNN delay."""
    shifted = copy.copy(synapse_type)
    shifted.translations = copy.deepcopy(synapse_type.translations)
    delay = shifted.translations["delay"]
    forward, reverse = delay["forward_transform"], delay["reverse_transform"]

    def to_brian2(**parameters):
        parameters = dict(parameters, delay=parameters["delay"] - simulator.state.dt)
        return forward(**parameters) if callable(forward) else eval(forward, {}, parameters)

    def from_brian2(**native):
        pynn = reverse(**native) if callable(reverse) else eval(reverse, {}, dict(native))
        return pynn + simulator.state.dt

    delay["forward_transform"], delay["reverse_transform"] = to_brian2, from_brian2
    shifted._pynn_glif3_one_step_earlier = True
    return shifted


def _earlier_delays_onto_glif3(projection_class):
    original_init = projection_class.__init__

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, *args, **kwargs):
        if targets_glif3(postsynaptic_population):
            synapse_type = one_step_earlier(synapse_type or projection_class._static_synapse_class())
        original_init(self, presynaptic_population, postsynaptic_population, connector,
                      synapse_type, *args, **kwargs)

    __init__.__doc__ = original_init.__doc__
    projection_class.__init__ = __init__


def _default_clock_follows_setup(state_class):
    original = state_class.dt

    def set_dt(self, timestep):
        original.fset(self, timestep)
        brian2.defaultclock.dt = timestep * brian2.ms

    state_class.dt = property(fget=original.fget, fset=set_dt, doc=original.__doc__)
    brian2.defaultclock.dt = simulator.state.dt * brian2.ms     # setup() may have run already


def _one_source_spike_arrays(generator_class):
    original_init = generator_class.__init__

    def __init__(self, n, equations, spike_time_sequences=None):
        if isinstance(spike_time_sequences, Sequence):
            one = np.empty(1, dtype=object)
            one[0] = spike_time_sequences
            spike_time_sequences = one
        original_init(self, n, equations, spike_time_sequences)

    generator_class.__init__ = __init__


def _values_per_synapse(projection_class):
    original = projection_class._convergent_connect

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None or isinstance(self.pre, common.Assembly) \
                or isinstance(self.post, common.Assembly):
            return original(self, presynaptic_indices, postsynaptic_index, location_selector,
                            **connection_parameters)
        connection_parameters.pop("dendritic_delay_fraction", None)
        (sources,) = self._partition(presynaptic_indices)
        j_group, target = self._localize_index(postsynaptic_index)
        if sources.size == 0:
            return
        synapses = self._brian2_synapses[0][j_group]
        first = len(synapses)
        synapses.connect(i=sources, j=target)       # appended in the order of ``sources``
        self._n_connections += sources.size
        new = slice(first, first + sources.size)
        for name, value in list(connection_parameters.items()) + \
                list(self.synapse_type.initial_conditions.items()):
            if name == "delay":                     # whole steps, as pyNN.brian2 rounds them
                scale = self._simulator.state.dt * brian2.ms
                value = np.round(value / scale) * scale
            try:
                getattr(synapses, name)[new] = value
            except TypeError as err:
                if "read-only" not in str(err):
                    raise

    _convergent_connect.__doc__ = original.__doc__
    projection_class._convergent_connect = _convergent_connect


def _checked_run(state_class):
    original_run = state_class.run

    def run(self, simtime):
        for obj in self.network.objects:
            if isinstance(obj, cells.GLIF3NeuronGroup):
                obj.check_parameters()
        return original_run(self, simtime)

    run.__doc__ = original_run.__doc__
    state_class.run = run


def _quiet_clear(state_class):
    original_clear = state_class.clear

    def clear(self):
        network = getattr(self, "network", None)
        if network is not None:
            for obj in network.objects:
                if getattr(obj, "_network", "unset") is None:
                    obj._network = network.id
        original_clear(self)

    clear.__doc__ = original_clear.__doc__
    state_class.clear = clear


def _auto_min_delay(state_class):
    original = state_class.min_delay

    def get_min_delay(self):
        if self._min_delay == "auto":
            steps = np.inf
            for item in self.network.sorted_objects:
                if isinstance(item, brian2.Synapses) and len(item):
                    delay_steps = np.round(np.asarray(item.delay[:]) / (self.dt * 1e-3)).min()
                    if isinstance(item.target, cells.GLIF3NeuronGroup):
                        delay_steps += 1         # its delays are one step shorter inside Brian2
                    steps = min(steps, delay_steps)
            self._min_delay = self.dt if np.isinf(steps) else float(steps) * self.dt
        return self._min_delay

    state_class.min_delay = property(fget=get_min_delay, fset=original.fset, doc=original.__doc__)


def adapt():
    """Adapt pyNN.brian2 and Brian2's code generation (idempotent)."""
    if getattr(simulator, _ADAPTED, False):
        return
    _set_code_generation()
    _default_clock_follows_setup(type(simulator.state))
    # the module: pyNN.brian2's namespace has PyNN's standard cells under the name ``cells``
    _one_source_spike_arrays(importlib.import_module("pyNN.brian2.cells").SpikeGeneratorGroup)
    standard.populations_take_standard_cells(populations.Population, cells.GLIF3Alpha)
    _checked_set(populations.Population)
    _checked_set(populations.PopulationView)
    _checked_run(type(simulator.state))
    _quiet_clear(type(simulator.state))
    _auto_min_delay(type(simulator.state))
    _earlier_delays_onto_glif3(projections.Projection)
    _values_per_synapse(projections.Projection)
    setattr(simulator, _ADAPTED, True)
