"""The LGN units on a grid over the visual field [0, 1) x [0, 1), row by row."""

import math

import numpy as np


def _grid_shape(n_lgn):
    """(columns, rows) of the smallest near-square grid holding ``n_lgn`` units; the last row may be short."""
    side = int(math.ceil(math.sqrt(n_lgn)))
    return side, int(math.ceil(n_lgn / side))


def lgn_unit_at(u, v, n_lgn):
    """Index of the LGN unit nearest to visual-field points (u, v) in [0, 1)^2."""
    side, rows = _grid_shape(n_lgn)
    iu = np.clip(np.floor(u * side).astype(np.int64), 0, side - 1)
    iv = np.clip(np.floor(v * rows).astype(np.int64), 0, rows - 1)
    idx = iv * side + iu
    # past the end of a short last row: the unit above
    over = idx >= n_lgn
    idx[over] -= side
    return idx


def lgn_positions(n_lgn):
    """Visual-field position (u, v) in [0, 1)^2 of each LGN unit (centre of its grid cell)."""
    side, rows = _grid_shape(n_lgn)
    i = np.arange(n_lgn)
    return np.stack([(i % side + 0.5) / side, (i // side + 0.5) / rows], axis=1)
