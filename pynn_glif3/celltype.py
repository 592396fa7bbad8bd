"""GLIF3Alpha as a PyNN standard cell type, the same class on every simulator.

Everything here is derived from :mod:`pynn_glif3.model`; this module imports no simulator.  What a
simulator needs beyond the standard cell-type interface comes from its backend, imported lazily:

* attributes a PyNN backend reads from the cell type (pyNN.nest reads ``nest_name``) are
  :class:`_BackendAttribute` descriptors naming the backend module that provides them;
* a backend whose PyNN implementation needs instances of its own class registers it with
  :func:`register_backend_class`; ``GLIF3Alpha(...)`` then returns such an instance when that
  simulator is the one imported;
* a backend that must adapt its simulator's PyNN module registers an activation function with
  :func:`register_backend_activation`, run as soon as both that module and GLIF3Alpha are used
  (whichever is imported first).

So a script changes only its ``import pyNN.<simulator> as sim`` line to change simulator.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

import numpy as np
from pyNN.standardmodels import StandardCellType, build_translations

from . import model
from .hooks import load
from .timing import START_STEP


class GLIF3AlphaBase(StandardCellType):
    """GLIF3 neuron (LIF with two after-spike currents) with four alpha-shaped current synapses.

    The dynamics are those of the Billeh V1 training model, step for step (docs/model.md).
    Receptors ``syn1`` .. ``syn4``; weights are signed currents in nA.  The initial membrane
    potential defaults to the ``v_reset`` given here (a separate initial value, as in PyNN:
    ``Population.set(v_reset=...)`` later does not move it; ``initialize(v=...)`` does).
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
        # v starts at v_reset (the training model's initial state), whatever v_reset is.
        self.default_initial_values = dict(self.default_initial_values)
        if "v_reset" in parameters:
            self.default_initial_values["v"] = parameters["v_reset"]

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


# ---------------------------------------------------------------------------------------------
# Backend hooks

class _BackendAttribute:
    """A class attribute provided by a simulator backend, imported on first access.

    A backend that is not installed makes the attribute absent (AttributeError), so ``hasattr``
    stays safe.
    """

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __set_name__(self, owner, attribute):
        self.attribute = attribute

    def __get__(self, obj, owner=None):
        try:
            backend = importlib.import_module(self.module)
        except ImportError as err:
            raise AttributeError(f"{self.attribute}: backend {self.module} is unavailable ({err})") from err
        return getattr(backend, self.name)


#: simulator module -> "package.module:Class" of the cell type that simulator needs.
_BACKEND_CLASSES = {"pyNN.spiNNaker": "pynn_glif3.spinnaker.binding:GLIF3Alpha"}
#: simulator module -> "package.module:function" run once that simulator is in use.
_BACKEND_ACTIVATIONS = {"pyNN.nest": "pynn_glif3.nest.binding:activate",
                        "pyNN.spiNNaker": "pynn_glif3.spinnaker.binding:activate"}
_activated = set()


def register_backend_class(simulator_module, class_path):
    """``GLIF3Alpha(...)`` returns an instance of ``class_path`` when ``simulator_module`` is imported.

    ``class_path`` is "package.module:Class", imported lazily; the class must accept the same
    PyNN parameters (e.g. subclass the simulator's own cell-type base and use
    :mod:`pynn_glif3.model`).
    """
    _BACKEND_CLASSES[simulator_module] = class_path


def register_backend_activation(simulator_module, function_path):
    """Run ``function_path`` ("package.module:function") once ``simulator_module`` is in use."""
    _BACKEND_ACTIVATIONS[simulator_module] = function_path
    activate_backends()


def _activate(simulator_module):
    if simulator_module in _activated:
        return
    _activated.add(simulator_module)
    try:
        load(_BACKEND_ACTIVATIONS[simulator_module])()
    except Exception as err:  # noqa: BLE001 - reported; the backend raises again when used
        warnings.warn(f"pynn_glif3: cannot prepare {simulator_module} for GLIF3Alpha: "
                      f"{type(err).__name__}: {err}")


def activate_backends():
    """Activate the backends of every imported simulator; watch for the others' import."""
    for simulator_module in _BACKEND_ACTIVATIONS:
        if simulator_module in _activated:
            continue
        if simulator_module in sys.modules:
            _activate(simulator_module)
        else:
            _PostImportHook.watch(simulator_module)


class _PostImportHook(importlib.abc.MetaPathFinder):
    """Runs a backend's activation right after its simulator module is imported."""

    _watched = set()
    _instance = None

    @classmethod
    def watch(cls, name):
        cls._watched.add(name)
        if cls._instance is None:
            cls._instance = cls()
            sys.meta_path.insert(0, cls._instance)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._watched:
            return None
        self._watched.discard(fullname)           # also keeps the lookup below from recursing
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader_exec = spec.loader.exec_module

        def exec_module(module):
            loader_exec(module)
            _activate(fullname)   # never raises: failures are warnings

        spec.loader.exec_module = exec_module
        return spec


class GLIF3Alpha(GLIF3AlphaBase):
    __doc__ = GLIF3AlphaBase.__doc__ + """
    Works with ``pyNN.nest`` (native module ``glif3_alpha``, built and loaded automatically).
    Parameters may be per-neuron arrays.  Connect with ``receptor_type="syn1"`` .. ``"syn4"``.
    Recordables: ``spikes``, ``v`` (mV), ``asc_1``, ``asc_2``, ``psc_1`` .. ``psc_4`` (nA).
    Drive it with the times of :mod:`pynn_glif3.timing` to reproduce the training model step for
    step (docs/timing.md): the neurons hold their initial state until ``timing.START_STEP`` steps.
    """

    # pyNN.nest: the native model, installed into the current kernel when looked up.
    nest_name = _BackendAttribute("pynn_glif3.nest.binding", "NEST_NAME")
    # Native parameter of every backend's model: the step of the first update (docs/timing.md).
    extra_parameters = {"start_step": START_STEP}

    def __new__(cls, *args, **kwargs):
        if cls is GLIF3Alpha:
            activate_backends()     # also when a backend's class is returned (no __init__ here)
            imported = [m for m in _BACKEND_CLASSES if m in sys.modules]
            if len(imported) > 1:
                raise RuntimeError(f"GLIF3Alpha: several simulators are imported ({', '.join(imported)}); "
                                   "use the backend's own GLIF3Alpha class explicitly")
            if imported:
                backend_class = load(_BACKEND_CLASSES[imported[0]])
                if backend_class is not cls:
                    return backend_class(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, **parameters):
        activate_backends()
        super().__init__(**parameters)
