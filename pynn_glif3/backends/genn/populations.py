"""Population, PopulationView and Assembly of the GeNN backend.

A Population keeps its parameters on the host in the cell type's native view (for GLIF3Alpha the
physical names and units of :data:`pynn_glif3.model.NATIVE_TRANSLATIONS`) and its initial values
in PyNN units.  The GeNN model is made from them at the first ``run()``; later changes
(``set()``, ``initialize()``) are written into the running model before the next step.
"""

import numpy as np
from pyNN import common, errors
from pyNN.parameters import LazyArray, ParameterSpace, simplify

from pynn_glif3.model.physical import from_native
from pynn_glif3.backends.genn import simulator
from pynn_glif3.backends.genn.genn_models import NEURON_STATE, PSC_STATE
from pynn_glif3.backends.genn.recording import Recorder
from pynn_glif3.backends.genn.standardmodels import GLIF3, cell_kind


def _per_cell(value, size):
    """An evaluated parameter as a fresh array with one entry per cell (objects kept, e.g. Sequence)."""
    if isinstance(value, np.ndarray) and value.shape == (size,):
        return value.copy()
    if isinstance(value, np.ndarray) and value.dtype != object:
        return np.array(np.broadcast_to(value, (size,)))
    out = np.empty(size, dtype=object)
    if isinstance(value, np.ndarray) and value.size == size:
        out[:] = list(value.ravel())
    else:
        for i in range(size):
            out[i] = value
    return out


class Assembly(common.Assembly):
    _simulator = simulator


class _ParameterAccess:
    """Parameter get/set shared by Population and PopulationView (through the root Population)."""

    def _root_and_indices(self):
        raise NotImplementedError

    def _get_parameters(self, *names):
        if any(name in self.celltype.computed_parameters() for name in names):
            native_names = self.celltype.get_native_names()   # all are needed to compute these
        else:
            native_names = self.celltype.get_native_names(*names)
        return self.celltype.reverse_translate(self._get_native_parameters(*native_names))

    def _get_native_parameters(self, *names):
        root, index = self._root_and_indices()
        values = {}
        for name in names:
            value = root._parameters[name]
            values[name] = simplify(value if index is None else value[index])
        return ParameterSpace(values, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        """``parameter_space`` holds native parameters of this population's cells."""
        root, index = self._root_and_indices()
        parameter_space.evaluate(simplify=False)
        size = root.size if index is None else len(index)
        for name, value in parameter_space.items():
            value = _per_cell(value, size)
            try:
                if index is None:
                    root._parameters[name] = value
                else:
                    root._parameters[name][index] = value
            except ValueError as err:
                raise errors.InvalidParameterValueError(
                    f"{name} should not be of type {type(value)}: {err}") from None
        root._parameters_changed()


class PopulationView(_ParameterAccess, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _root_and_indices(self):
        return self.grandparent, self.index_in_grandparent(np.arange(self.size))

    def initialize(self, **initial_values):
        """Set initial values of state variables of the cells of this view (PyNN units)."""
        root, index = self._root_and_indices()
        for variable, value in initial_values.items():
            values = LazyArray(value, shape=(self.size,), dtype=float).evaluate(simplify=False)
            root._update_initial_values(variable, np.asarray(values, dtype=float), index)

    def _set_initial_value_array(self, variable, initial_values):
        root, index = self._root_and_indices()
        values = np.asarray(initial_values.evaluate(simplify=False), dtype=float)
        root._update_initial_values(variable, values, index)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_ParameterAccess, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _root_and_indices(self):
        return self, None

    def _create_cells(self):
        state = simulator.state
        self.kind = cell_kind(self.celltype)
        state.register_population(self)
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = {name: _per_cell(value, self.size) for name, value in parameter_space.items()}
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    # -- initial values ----------------------------------------------------------------------------

    def _set_initial_value_array(self, variable, initial_values):
        # common.Population.initialize stores the LazyArray in self.initial_values afterwards
        values = np.asarray(initial_values.evaluate(simplify=False), dtype=float)
        self._check_state_variable(variable)
        self._state_changed(variable, values, None)

    def _update_initial_values(self, variable, values, index):
        """Set the initial value of ``variable`` for cells ``index`` (None: all)."""
        self._check_state_variable(variable)
        current = self.initial_value_array(variable)
        if index is None:
            current = np.broadcast_to(values, (self.size,)).astype(float)
        else:
            current[index] = values
        self.initial_values[variable] = LazyArray(current, shape=(self.size,), dtype=float)
        self._state_changed(variable, current[index] if index is not None else current, index)

    def _check_state_variable(self, variable):
        known = list(NEURON_STATE) + list(PSC_STATE) if self.kind == GLIF3 else []
        if variable not in known:
            raise errors.NonExistentParameterError(variable, self.celltype.__class__.__name__, known)

    def initial_value_array(self, variable):
        """The initial values of ``variable`` (PyNN units) as a float array, one per cell."""
        value = self.initial_values.get(variable)
        if value is None:
            value = self.celltype.default_initial_values.get(variable, 0.0)
        if isinstance(value, LazyArray):
            value.shape = (self.size,)
            return np.array(value.evaluate(simplify=False), dtype=float)
        return np.array(np.broadcast_to(np.asarray(value, dtype=float), (self.size,)))

    # -- link to the running model ---------------------------------------------------------------

    def _parameters_changed(self):
        engine = simulator.state.engine
        if engine is not None:
            engine.population_changed(self)

    def _state_changed(self, variable, values, index):
        # like NEST, initialize() after a run also sets the current state
        engine = simulator.state.engine
        if engine is not None:
            engine.set_state(self, variable, values, index)

    # -- physical parameters -----------------------------------------------------------------------

    def physical_parameters(self):
        """GLIF3Alpha parameters of every cell in the physical view (validated)."""
        if self.kind != GLIF3:
            raise TypeError(f"{self.label} is not a GLIF3Alpha population")
        try:
            return from_native(self._parameters)
        except ValueError as err:
            raise ValueError(f"population {self.label!r}: {err}") from None
