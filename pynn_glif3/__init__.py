"""pynn_glif3: the GLIF3 neuron with alpha synapses of the Billeh V1 model, on any PyNN simulator."""

__version__ = "0.1.0"

# Names resolved on first use, so that `import pynn_glif3` needs numpy only.
_LAZY = {"GLIF3Alpha": "pynn_glif3.celltype", "GLIF3AlphaBase": "pynn_glif3.celltype"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name)
        if name == "GLIF3Alpha":
            module.activate_backends()   # prepare the imported simulator (e.g. pyNN.nest)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pynn_glif3' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
