"""The order in which a network is generated, handed part by part to a sink.

A sink takes ``neurons(layout, readout)``, then ``recurrent(...)`` and ``inputs(...)`` once per
block of targets (arrays in the users' layout), then ``background(stored)``: so a file is written
block by block at any size, and the network in memory is the same arrays concatenated.
"""

import numpy as np

from .background import background_stored
from .cell_classes import CLASSES
from .layout import lay_out
from .lgn_inputs import DEFAULT_LGN_RF_WIDTH, input_block
from .readout import readout_pools
from .recurrent import source_class_means, recurrent_block
from .spatial import SpatialIndex

#: Targets per generation block: each block has its own random stream, so this is part of the
#: definition of a network (do not change).
TARGETS_PER_BLOCK = 4096


def _check_args(n_neurons, n_lgn):
    if int(n_neurons) != n_neurons or n_neurons < 1:
        raise ValueError(f"n_neurons must be a positive integer, got {n_neurons!r}")
    if int(n_lgn) != n_lgn or n_lgn < 1:
        raise ValueError(f"n_lgn must be a positive integer, got {n_lgn!r}")


def _blocks(n):
    for b, start in enumerate(range(0, n, TARGETS_PER_BLOCK)):
        yield b, np.arange(start, min(n, start + TARGETS_PER_BLOCK))


def generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
             bkg_weight_scale, sink, indegree_scale=1.0, lgn_rf_width=DEFAULT_LGN_RF_WIDTH):
    """Generate the network into ``sink``; returns its layout."""
    _check_args(n_neurons, n_lgn)
    if not 0.0 < indegree_scale <= 1.0:
        raise ValueError(f"indegree_scale must be in (0, 1], got {indegree_scale!r}")
    lay = lay_out(int(n_neurons), seed)
    readout = readout_pools(lay, seed, n_classes, pool_size) if n_classes else None
    sink.neurons(lay, readout)
    counts = np.bincount(lay.cls, minlength=len(CLASSES))
    means = source_class_means(counts) * indegree_scale
    index = [SpatialIndex(np.flatnonzero(lay.cls == s), lay.positions, lay.radius)
             for s in range(len(CLASSES))]
    for b, targets in _blocks(lay.n):
        sink.recurrent(*recurrent_block(lay, means, index, targets, seed, b, weight_scale))
    for b, targets in _blocks(lay.n):
        sink.inputs(*input_block(lay, int(n_lgn), targets, seed, b, lgn_weight_scale, lgn_rf_width))
    sink.background(background_stored(lay, seed, bkg_weight_scale))
    return lay
