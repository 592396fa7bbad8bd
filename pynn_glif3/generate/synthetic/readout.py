"""Readout pools: disjoint sets of L5 excitatory neurons, one per class of the task."""

import numpy as np

from pynn_glif3.model.network import CELL_CLASSES

from . import streams


def readout_pools(lay, seed, n_classes, pool_size):
    """(n_classes, pool_size) int64 neuron ids."""
    l5e = np.flatnonzero(lay.cls == CELL_CLASSES.index("L5_E"))
    need = n_classes * pool_size
    if need > l5e.size:
        raise ValueError(f"synthetic V1: {n_classes} readout pools of {pool_size} need {need} L5 "
                         f"excitatory neurons, the network of {lay.n} has {l5e.size}; use a larger "
                         f"network or smaller pools")
    rng = streams.rng(seed, streams.READOUT)
    return rng.choice(l5e, size=need, replace=False).reshape(n_classes, pool_size).astype(np.int64)
