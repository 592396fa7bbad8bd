"""Where the neurons are and what they are: class, node type, position, preferred orientation."""

from dataclasses import dataclass
import math

import numpy as np

from . import streams
from .cell_classes import CLASSES, LAYER_DEPTH, class_counts
from .node_types import node_types
from .v1_core import CORE_RADIUS_UM, FULL_N_NEURONS


@dataclass
class Layout:
    n: int
    cls: np.ndarray          # (N,) class index
    type_ids: np.ndarray     # (N,)
    type_class: np.ndarray   # (T,) class of each type
    positions: np.ndarray    # (N, 3) float64 (x, y, z) µm; y = depth
    tuning: np.ndarray       # (N,) degrees
    radius: float            # µm
    table: dict              # per-type parameters (float64, in range)
    type_names: tuple

    def vs(self):
        """V_th - E_L (mV) of each neuron: the users' files store weights divided by it."""
        return (self.table["V_th"] - self.table["E_L"])[self.type_ids]


def lay_out(n_neurons, seed):
    counts = class_counts(n_neurons)
    table, type_class, names = node_types(seed)
    rng = streams.rng(seed, streams.NEURON_PLACES)
    cls = np.repeat(np.arange(len(CLASSES)), counts)
    type_ids = np.empty(n_neurons, dtype=np.int64)
    start = 0
    for ci, c in enumerate(CLASSES):
        types = np.flatnonzero(type_class == ci)
        share = rng.dirichlet(np.full(types.size, 2.0))
        k = counts[ci]
        # deterministic split by largest remainder, neurons grouped by type
        raw = share * k
        per = np.floor(raw).astype(np.int64)
        per[np.argsort(-(raw - per), kind="stable")[:k - per.sum()]] += 1
        type_ids[start:start + k] = np.repeat(types, per)
        start += k
    radius = CORE_RADIUS_UM * math.sqrt(n_neurons / FULL_N_NEURONS)
    r = radius * np.sqrt(rng.random(n_neurons))
    phi = 2.0 * np.pi * rng.random(n_neurons)
    depth = np.empty(n_neurons)
    for ci, c in enumerate(CLASSES):
        sel = cls == ci
        lo, hi = LAYER_DEPTH[c.layer]
        depth[sel] = lo + (hi - lo) * rng.random(int(sel.sum()))
    positions = np.stack([r * np.cos(phi), depth, r * np.sin(phi)], axis=1)
    # as stored (float32) so that the network in memory equals the one read from a file
    positions = positions.astype(np.float32).astype(np.float64)
    tuning = 360.0 * rng.random(n_neurons)
    table = {k: v.astype(np.float32).astype(np.float64) for k, v in table.items()}
    return Layout(n_neurons, cls, type_ids, type_class, positions, tuning, radius, table, names)
