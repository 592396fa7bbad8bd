"""GLIF3Alpha on GeNN 5: a PyNN backend, plus the GeNN snippets and a g++ harness.

Use it as the ``sim`` module of a PyNN script::

    import pynn_glif3.genn as sim
    from pynn_glif3 import GLIF3Alpha
    sim.setup(timestep=1.0, min_delay=1.0, backend="cpu", precision="double")
    cells = sim.Population(300, GLIF3Alpha(...))
    ...
    sim.run(1000.0)

The submodules ``snippets`` (the GeNN code strings and their variable values) and ``harness`` (the
snippets stepped by g++ in GeNN's order) need neither PyNN nor GeNN.  The PyNN API is loaded on
first use of ``sim.<name>``; it needs PyNN, and ``setup()`` fails at once with install
instructions when PyGeNN (GeNN 5) is missing.  docs/genn.md describes the mapping.
"""

import importlib

#: Names of the PyNN API, provided by :mod:`pynn_glif3.backends.genn.api` on first use.
__all__ = [
    "setup", "end", "run", "run_until", "run_for", "reset", "initialize", "get_current_time",
    "get_time_step", "get_min_delay", "get_max_delay", "num_processes", "rank",
    "Population", "PopulationView", "Assembly", "Projection", "Network", "Space",
    "GLIF3Alpha", "SpikeSourceArray", "SpikeSourcePoisson", "StaticSynapse",
    "AllToAllConnector", "ArrayConnector", "CloneConnector", "DisplacementDependentProbabilityConnector",
    "DistanceDependentProbabilityConnector", "FixedNumberPostConnector", "FixedNumberPreConnector",
    "FixedProbabilityConnector", "FixedTotalNumberConnector", "FromFileConnector", "FromListConnector",
    "IndexBasedProbabilityConnector", "OneToOneConnector", "SmallWorldConnector",
    "NumpyRNG", "GSLRNG", "RandomDistribution", "errors", "random", "space",
    "DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource", "TsodyksMarkramSynapse",
    "STDPMechanism", "SimpleStochasticSynapse", "ElectricalSynapse",
    "create", "connect", "record", "record_v", "set", "list_standard_models", "GeNNUnavailable", "state",
]


def __getattr__(name):
    if name in __all__:
        api = importlib.import_module("pynn_glif3.backends.genn.api")
        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pynn_glif3.genn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
