"""pynn_glif3: the GLIF3 neuron with alpha synapses of the Billeh V1 model, on any PyNN simulator.

``from pynn_glif3 import GLIF3Alpha`` gives the simulator-independent cell type
(:class:`pynn_glif3.backends.standard.GLIF3Alpha`); it needs PyNN, so it is imported on first use
and ``import pynn_glif3`` needs numpy only.  The package's layers: docs/architecture.md.
"""

__version__ = "0.1.0"


def __getattr__(name):
    if name == "GLIF3Alpha":
        from pynn_glif3.backends import prepare_imported_simulators
        from pynn_glif3.backends.standard import GLIF3Alpha

        prepare_imported_simulators()       # e.g. pyNN.nest: load glif3_alpha before setup()
        globals()[name] = GLIF3Alpha
        return GLIF3Alpha
    raise AttributeError(f"module 'pynn_glif3' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + ["GLIF3Alpha"])
