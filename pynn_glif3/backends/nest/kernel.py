"""The glif3_alpha module in the NEST kernel: loading it (building it first if needed).

NEST forgets modules at every ``ResetKernel`` (PyNN's ``setup()`` calls it) and refuses to load
one once any node exists; :mod:`.pynn_patches` makes ``pyNN.nest`` reload it after each reset.
Importing this module imports NEST.
"""

import ctypes
import os

import nest  # the NEST simulator (absolute import; this package is pynn_glif3.backends.nest)

from pynn_glif3.backends.nest import build

MODEL_NAME = build.MODEL_NAME


class ModuleLoadError(RuntimeError):
    """The glif3_alpha module could not be loaded into the NEST kernel."""


def is_installed():
    """True when the current NEST kernel knows the glif3_alpha model."""
    return MODEL_NAME in nest.node_models


def network_size():
    return int(nest.GetKernelStatus("network_size"))


def install(build_if_needed=True, verbose=True):
    """Make ``glif3_alpha`` available in the current NEST kernel; returns the model name.

    Builds the module first when it is not in the cache (and ``build_if_needed``).  Must run
    before any node is created in the kernel (NEST's rule); ``pyNN.nest``'s ``setup()`` does it
    once the NEST backend is prepared (:mod:`.pynn_patches`).
    """
    if is_installed():
        return MODEL_NAME
    path = build.module_path(build=build_if_needed, verbose=verbose)
    if network_size() > 0:
        raise ModuleLoadError(
            "the glif3_alpha NEST module can only be loaded into a NEST kernel without nodes, and "
            f"this one has {network_size()}.  With PyNN: import pynn_glif3 (or create a "
            "GLIF3Alpha cell type) before calling sim.setup(), then sim.setup() loads it; with "
            "PyNEST: call pynn_glif3.backends.nest.install() right after nest.ResetKernel().")
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
