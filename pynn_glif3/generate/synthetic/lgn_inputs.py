"""LGN synapses: about 15 per neuron (most onto L4), from the units around its receptive field."""

import numpy as np

from . import streams
from .cell_classes import CLASSES, class_fractions, excitatory_of
from .lgn_grid import lgn_unit_at
from .synapse_keys import unique_sorted_keys
from .v1_core import FULL_N_INPUT, FULL_N_NEURONS

#: Median LGN weight (pA) onto excitatory and inhibitory targets.
LGN_WEIGHT_PA = {"E": 18.0, "I": 5.0}
LGN_WEIGHT_LOG_SIGMA = 0.4
#: Spread of a neuron's LGN sources around its receptive-field centre (visual-field units).
DEFAULT_LGN_RF_WIDTH = 0.06
#: Drawn synapses per kept one: a unit drawn twice for a neuron gives one synapse.
DRAWN_PER_KEPT = 1.017


def input_block(lay, n_lgn, targets, seed, block, lgn_scale, rf_width=DEFAULT_LGN_RF_WIDTH):
    """LGN synapses onto ``targets`` in the users' layout, sorted by (target, source):
    source, target, receptor (int32), weight / vs of the target (float32)."""
    rng = streams.rng(seed, streams.LGN_INPUTS, block)
    tcls = lay.cls[targets]
    mean = np.array([c.lgn_indegree for c in CLASSES])
    frac = class_fractions()
    mean = mean * (FULL_N_INPUT / FULL_N_NEURONS) / float(np.dot(frac / frac.sum(), mean)) * DRAWN_PER_KEPT
    k = rng.poisson(mean[tcls])
    t = np.repeat(targets, k)
    total = t.size
    # receptive field centre: the neuron's place in the column mapped onto the visual field
    ru = 0.5 + 0.5 * lay.positions[targets, 0] / max(lay.radius, 1e-9)
    rv = 0.5 + 0.5 * lay.positions[targets, 2] / max(lay.radius, 1e-9)
    u = np.repeat(ru, k) + rf_width * rng.standard_normal(total)
    v = np.repeat(rv, k) + rf_width * rng.standard_normal(total)
    src = lgn_unit_at(np.mod(u, 1.0), np.mod(v, 1.0), n_lgn)
    key = unique_sorted_keys(t * n_lgn + src)
    t, src = key // n_lgn, key % n_lgn
    exc = excitatory_of(lay.cls)[t]
    w_pA = (np.where(exc, LGN_WEIGHT_PA["E"], LGN_WEIGHT_PA["I"]) * lgn_scale
            * rng.lognormal(0.0, LGN_WEIGHT_LOG_SIGMA, t.size))
    w_norm = (w_pA / lay.vs()[t]).astype(np.float32)
    receptor = np.zeros(t.size, dtype=np.int32)            # LGN -> port 1 for every target
    return src.astype(np.int32), t.astype(np.int32), receptor, w_norm
