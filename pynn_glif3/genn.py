"""``import pynn_glif3.genn as sim``: the PyNN simulator module of GeNN 5.

The backend itself is :mod:`pynn_glif3.backends.genn`; this module is the name scripts import,
and gives every PyNN name (``sim.setup``, ``sim.Population``, ...) from there.
"""

from pynn_glif3.backends import genn as _backend
from pynn_glif3.backends.genn import __all__  # noqa: F401


def __getattr__(name):
    return getattr(_backend, name)


def __dir__():
    return sorted(__all__)
