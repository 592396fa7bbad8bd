"""GLIF3Alpha on pyNN.nest: the glif3_alpha module in every NEST kernel, and PyNN's few needs.

* :func:`install` loads the module into the current NEST kernel (building it first if needed).
  NEST forgets modules at every ``ResetKernel`` (PyNN's ``setup()`` calls it) and refuses to load
  one once any node exists, so this module also makes ``pyNN.nest``'s kernel reset reinstall it.
* :data:`NEST_NAME` is the cell type's ``nest_name``: looking a name up makes sure the model exists
  in the current kernel, so a Population can be created before or after ``setup()``.
* Initial values: PyNN's NEST backend passes ``initialize()`` values through unscaled; the
  after-spike currents are nA in PyNN and pA in the module, so they are scaled here.

Importing this module imports NEST.
"""

import collections.abc
import ctypes
import os
import warnings

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


def activate():
    """Called when pyNN.nest is in use: patch it and, if the kernel is empty, install now."""
    patch_pynn_nest()
    if not is_installed() and _network_size() == 0:
        try:
            install()
        except build.BuildError as err:
            warnings.warn(f"pynn_glif3: the glif3_alpha NEST module is not available: {err}")
