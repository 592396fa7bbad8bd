"""GLIF3Alpha as a PyNN standard cell type: what every simulator's GLIF3Alpha shares.

Like PyNN's own standard cells (``pyNN.standardmodels.cells.IF_curr_exp`` and its subclass in each
``pyNN.<simulator>``), :class:`GLIF3Alpha` here is simulator-independent: parameters, units,
defaults, validation and the native names all come from :mod:`pynn_glif3.model`.  Each backend
subclasses it with what its simulator reads (``nest_name`` on NEST, say); a script passes this
class, or an instance, to any simulator's ``Population`` and the backend uses its own (see
:mod:`pynn_glif3.backends`).  Imports PyNN, no simulator.
"""

import numpy as np
from pyNN.standardmodels import StandardCellType, build_translations

from pynn_glif3 import model
from pynn_glif3.model.timing import START_STEP


class GLIF3Alpha(StandardCellType):
    """GLIF3 neuron (LIF with two after-spike currents) with four alpha-shaped current synapses.

    The dynamics are those of the Billeh V1 training model, step for step (docs/model.md).
    Receptors ``syn1`` .. ``syn4``; weights are signed currents in nA.  Parameters may be
    per-neuron arrays.  Recordables: ``spikes``, ``v`` (mV), ``asc_1``, ``asc_2``, ``psc_1`` ..
    ``psc_4`` (nA).

    Initial values are separate from parameters, as everywhere in PyNN: ``v`` starts at the
    ``v_reset`` given when the cell type is made (the training model's initial state); a later
    ``set(v_reset=...)`` leaves it where it was, ``initialize(v=...)`` moves it.  Drive it with the
    times of :mod:`pynn_glif3.model.timing` to reproduce the training model step for step
    (docs/timing.md): the neurons hold their initial state until ``timing.START_STEP`` steps.

    Works on every simulator with a backend here: ``pyNN.nest``, ``pyNN.spiNNaker``,
    ``pyNN.neuron`` and ``pynn_glif3.genn``.
    """

    default_parameters = dict(model.DEFAULT_PARAMETERS)
    # The PSCs start at 0 like every state but v; listing them lets PyNN report their value at t = 0.
    default_initial_values = dict(model.DEFAULT_INITIAL_VALUES,
                                  **{f"psc_{r}": 0.0 for r in range(1, model.N_RECEPTORS + 1)})
    units = dict(model.UNITS, **model.RECORDABLE_UNITS)
    recordable = list(model.RECORDABLES)
    receptor_types = model.RECEPTORS
    conductance_based = False
    injectable = True
    translations = build_translations(*model.NATIVE_TRANSLATIONS)

    # The native view shared by the native models (names and units of model.NATIVE_STATE):
    # recorded variables and their scale back to PyNN units.
    variable_map = {name: native for name, (native, _) in model.NATIVE_STATE.items()}
    scale_factors = {name: 1.0 / scale for name, (_, scale) in model.NATIVE_STATE.items()}
    # Receptors are named syn1..syn4 (ports 1..4), not 'excitatory'/'inhibitory'.
    standard_receptor_type = False
    # Native parameter of every backend's model: the step of the first update (docs/timing.md).
    extra_parameters = {"start_step": START_STEP}

    def __init__(self, **parameters):
        for name, value in parameters.items():
            if name in model.PARAMETERS_BY_NAME and _is_numeric(value):
                model.check_parameter(name, value)
        if "v_thresh" in parameters or "v_rest" in parameters:
            numeric = {k: parameters[k] for k in ("v_thresh", "v_rest")
                       if k in parameters and _is_numeric(parameters[k])}
            if numeric:
                model.validate(numeric)
        super().__init__(**parameters)
        self.given_parameters = dict(parameters)      # for backends whose cells are not PyNN's
        self.default_initial_values = dict(self.default_initial_values)
        if "v_reset" in parameters:
            self.default_initial_values["v"] = parameters["v_reset"]
        # The simulator modules imported by now get the backend that understands this cell type.
        # The registry sits above this module (it imports the backends, which subclass this
        # class), hence the import here.
        from pynn_glif3.backends import prepare_imported_simulators
        prepare_imported_simulators()

    @classmethod
    def adopt(cls, cell):
        """``cell`` (a GLIF3Alpha of any backend) as an instance of ``cls``, sharing its values."""
        if type(cell) is cls:
            return cell
        out = object.__new__(cls)
        out.__dict__.update(cell.__dict__)
        return out

    def get_receptor_type(self, name):
        """The native port (1..4) of receptor ``name`` ('syn1' .. 'syn4')."""
        try:
            return model.RECEPTOR_PORTS[name]
        except KeyError:
            raise ValueError(f"GLIF3Alpha has no receptor {name!r}; "
                             f"receptors: {', '.join(model.RECEPTORS)}") from None

    def translate(self, parameters, copy=True):
        """Validate the explicit values (PyNN units) of ``parameters``, then translate them.

        PyNN calls this when creating neurons and on every ``Population.set()``; random or lazy
        values are checked by the simulator's native model instead.
        """
        explicit = {}
        for name in parameters.keys():
            value = parameters[name]
            base = getattr(value, "base_value", value)
            if getattr(value, "operations", None) or not _is_numeric(base):
                continue
            if name in model.PARAMETERS_BY_NAME:
                model.check_parameter(name, base)
                explicit[name] = base
        if "v_thresh" in explicit and "v_rest" in explicit:
            model.validate({"v_thresh": explicit["v_thresh"], "v_rest": explicit["v_rest"]})
        return super().translate(parameters, copy=copy)


def _is_numeric(value):
    if isinstance(value, (str, bytes)) or callable(value):
        return False
    try:
        np.asarray(value, dtype=float)
        return True
    except (TypeError, ValueError):
        return False


def as_backend_cell_type(cellclass, backend_class):
    """``backend_class`` (a backend's GLIF3Alpha) for the simulator-independent GLIF3Alpha given as
    a class or an instance (the instance's values kept); anything else unchanged."""
    if isinstance(cellclass, type):
        if issubclass(cellclass, GLIF3Alpha) and not issubclass(cellclass, backend_class):
            return backend_class
        return cellclass
    if isinstance(cellclass, GLIF3Alpha) and not isinstance(cellclass, backend_class):
        return backend_class.adopt(cellclass)
    return cellclass


def populations_take_standard_cells(population_class, backend_class):
    """Make ``population_class`` (a PyNN simulator's Population) use ``backend_class`` when given
    the simulator-independent GLIF3Alpha.  PyNN has no hook for a cell type to choose its
    simulator's class, so each backend applies this in its ``pynn_patches``."""
    original_init = population_class.__init__

    def __init__(self, size, cellclass, *args, **kwargs):
        original_init(self, size, as_backend_cell_type(cellclass, backend_class), *args, **kwargs)

    __init__.__doc__ = original_init.__doc__
    population_class.__init__ = __init__
