"""Simulator-specific code named as ``"package.module:attribute"`` and imported only when used.

The simulator-independent modules (cell type, connector, network builder) keep tables from a
simulator name to such paths, so that a backend is imported only by a script that uses it.
"""

import importlib


def load(path):
    """The attribute that ``"package.module:attribute"`` names."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)
