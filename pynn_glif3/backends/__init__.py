"""The simulator backends: one :class:`~pynn_glif3.backends.base.Backend` per PyNN simulator.

The network builder and the jobs hold the PyNN module a user passes (``sim``) and ask
:func:`backend_for` what they need of it: its GLIF3Alpha class, its spike sources, bulk
connection, whether many trials fit in one simulation, per-step receptor input.  They never test a
simulator's name; the difference lives in the backend.  docs/architecture.md describes the
contract and how to add a backend.

Each backend imports its simulator, so it is imported here only when its simulator is used.
"""

import importlib
import sys

from pynn_glif3.backends.base import Backend, SimulatorUnavailable

#: Simulators by their command-line name: (PyNN module, how to install it).
SIMULATORS = {
    "nest": ("pyNN.nest", "pip install 'pynn_glif3[nest]' (NEST and PyNN from PyPI)"),
    "genn": ("pynn_glif3.genn", "install PyGeNN 5 from GeNN's source (see docs/genn.md)"),
    "spinnaker": ("pyNN.spiNNaker", "pip install 'pynn_glif3[spinnaker]' (sPyNNaker)"),
    "neuron": ("pyNN.neuron", "pip install 'pynn_glif3[neuron]' (NEURON and PyNN from PyPI), then "
               "python -m pynn_glif3 build-neuron"),
    "brian2": ("pyNN.brian2", "pip install 'pynn_glif3[brian2]' (Brian2 and PyNN from PyPI)"),
}

#: The simulator of the command line when none is given: the one installed with the package.
DEFAULT_SIMULATOR = "nest"

#: The PyNN simulator modules with a backend here (each named in :func:`_backend_class`).
SIMULATOR_MODULES = ("pyNN.nest", "pyNN.spiNNaker", "pyNN.neuron", "pyNN.brian2",
                     "pynn_glif3.backends.genn")

_backends = {}


def _backend_class(module_name):
    """The Backend class of the PyNN simulator module named ``module_name``."""
    if module_name == "pyNN.nest":
        from pynn_glif3.backends.nest.backend import NESTBackend
        return NESTBackend
    if module_name == "pyNN.spiNNaker":
        from pynn_glif3.backends.spinnaker.backend import SpiNNakerBackend
        return SpiNNakerBackend
    if module_name == "pyNN.neuron":
        from pynn_glif3.backends.neuron.backend import NEURONBackend
        return NEURONBackend
    if module_name == "pyNN.brian2":
        from pynn_glif3.backends.brian2.backend import Brian2Backend
        return Brian2Backend
    if module_name == "pynn_glif3.backends.genn":
        from pynn_glif3.backends.genn.backend import GeNNBackend
        return GeNNBackend
    return Backend


def simulator_module_name(sim):
    """The name of the PyNN simulator module of ``sim``: the module itself, one of its submodules
    (a projection's ``_simulator``, say) or such a name."""
    name = sim if isinstance(sim, str) else getattr(sim, "__name__", type(sim).__module__)
    if name == "pynn_glif3.genn":           # the name scripts import; the backend's own package
        return "pynn_glif3.backends.genn"
    for package in SIMULATOR_MODULES:
        if name == package or name.startswith(package + "."):
            return package
    return name


def backend_for(sim):
    """The backend of the PyNN simulator ``sim`` (a module such as ``pyNN.nest``, a submodule of
    it, or its name), prepared for GLIF3Alpha; one object per simulator."""
    name = simulator_module_name(sim)
    backend = _backends.get(name)
    if backend is None:
        module = sys.modules.get(name) or importlib.import_module(name)
        backend = _backend_class(name)(module)
        backend.prepare()
        _backends[name] = backend
    return backend


def prepare_imported_simulators():
    """Prepare the backend of each PyNN simulator module already imported (a script may import
    pynn_glif3 before or after its simulator; GLIF3Alpha calls this when it is made)."""
    for name in SIMULATOR_MODULES:
        if name in sys.modules and name not in _backends:
            backend_for(sys.modules[name])


def import_simulator(name):
    """The PyNN ``sim`` module for ``name``: a key of :data:`SIMULATORS` or a module path.

    Raises :class:`SimulatorUnavailable` with an install hint when it cannot be imported.
    """
    module, hint = SIMULATORS.get(name, (name, f"is {name!r} an importable PyNN simulator module?"))
    try:
        sim = importlib.import_module(module)
    except (ImportError, OSError) as err:      # pyNN.neuron: OSError while its mechanisms are not compiled
        raise SimulatorUnavailable(f"simulator {name!r} is not available ({err}); {hint}") from err
    prepare_imported_simulators()       # adapted before the caller's first setup()
    return sim


__all__ = ["Backend", "DEFAULT_SIMULATOR", "SIMULATORS", "SimulatorUnavailable", "backend_for",
           "import_simulator", "prepare_imported_simulators", "simulator_module_name"]
