"""Synapses as sorted keys ``target * n_sources + source``: one per pair, in (target, source) order."""

import numpy as np


def unique_sorted_keys(key, keep=None):
    """``key[keep]`` (all of ``key`` when None) sorted, each value once."""
    key = key[keep] if keep is not None else key.copy()
    key.sort()
    if key.size:
        key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return key
