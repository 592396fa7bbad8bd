"""Recurrent synapses: in-degrees by class and layer, local sources, Dale's law, receptors,
orientation-tuned weights and distance-dependent delays."""

import math

import numpy as np

from . import streams
from .cell_classes import CLASSES, LAYERS, class_fractions, excitatory_of
from .spatial import reflect_into_disk
from .synapse_keys import unique_sorted_keys
from .v1_core import FULL_N_NEURONS, FULL_N_RECURRENT

#: Mean recurrent in-degree per target family before normalisation to FULL_N_RECURRENT.
MEAN_INDEGREE = {"E": 270.0, "Pvalb": 380.0, "Sst": 300.0, "Htr3a": 200.0}
#: Excitatory projections between layers (source layer, target layer) -> relative strength.
E_LAYER_AFFINITY = {("L4", "L23"): 1.0, ("L23", "L5"): 1.0, ("L4", "L5"): 0.5, ("L6", "L4"): 0.5,
                    ("L5", "L23"): 0.3, ("L23", "L4"): 0.2, ("L5", "L6"): 0.5, ("L1", "L23"): 0.3}
#: Excitatory projections between layers not listed above.
E_OTHER_LAYER_AFFINITY = 0.15
#: Inhibitory sources in the same layer, the next layer, further away.
I_LAYER_AFFINITY = (1.0, 0.25, 0.05)
#: Inhibitory family -> target family preference.
I_TARGET_AFFINITY = {("Pvalb", "E"): 1.5, ("Pvalb", "Pvalb"): 1.5, ("Pvalb", "Sst"): 0.5,
                     ("Pvalb", "Htr3a"): 0.3, ("Sst", "E"): 1.0, ("Sst", "Pvalb"): 1.0,
                     ("Sst", "Sst"): 0.1, ("Sst", "Htr3a"): 1.0, ("Htr3a", "E"): 0.3,
                     ("Htr3a", "Pvalb"): 0.3, ("Htr3a", "Sst"): 1.5, ("Htr3a", "Htr3a"): 0.3}
#: Relative weight of inhibitory sources, set so that about 22% of synapses are inhibitory.
I_SOURCE_SHARE = 2.2
#: Drawn synapses per kept one: duplicates and autapses are dropped.
DRAWN_PER_KEPT = 1.025
#: Spatial spread (µm, standard deviation in x and z) of the source around the target, by source.
SOURCE_SPREAD_UM = {"E": 150.0, "I": 100.0}

#: Median weights (pA) by (source E/I, target E/I) before the orientation factor.
WEIGHTS_PA = {("E", "E"): 6.0, ("E", "I"): 9.0, ("I", "E"): -20.0, ("I", "I"): -12.0}
#: Multiplier of excitatory weights onto each inhibitory family (fast-spiking Pvalb cells get the most).
E_TO_I_FAMILY = {"Pvalb": 1.5, "Sst": 0.6, "Htr3a": 0.8}
#: Standard deviation of the weights' lognormal spread (log units).
WEIGHT_LOG_SIGMA = 0.5
#: Orientation tuning width (deg) of the weight rule, as the Billeh model's weight functions.
TUNING_WIDTH_DEG = {("E", "E"): 30.0, ("E", "I"): 90.0, ("I", "E"): 90.0, ("I", "I"): 50.0}
#: Base delays (ms) by (source, target) E/I; plus distance / velocity, times a lognormal jitter.
DELAY_BASE_MS = {("E", "E"): 1.3, ("E", "I"): 1.0, ("I", "E"): 0.8, ("I", "I"): 0.8}
CONDUCTION_VELOCITY_UM_PER_MS = 300.0
DELAY_JITTER_LOG_SIGMA = 0.35


def source_class_means(counts):
    """(17 target classes, 17 source classes): mean number of synapses per target neuron."""
    n_cls = len(CLASSES)
    frac = class_fractions()
    w = np.zeros((n_cls, n_cls))
    for t, ct in enumerate(CLASSES):
        lt = LAYERS.index(ct.layer)
        for s, cs in enumerate(CLASSES):
            ls = LAYERS.index(cs.layer)
            if cs.excitatory:
                aff = 1.0 if ls == lt else E_LAYER_AFFINITY.get((cs.layer, ct.layer), E_OTHER_LAYER_AFFINITY)
            else:
                aff = I_LAYER_AFFINITY[min(abs(ls - lt), 2)]
                aff *= I_SOURCE_SHARE * I_TARGET_AFFINITY[(cs.family, ct.family)]
            w[t, s] = frac[s] * aff
    w /= w.sum(axis=1, keepdims=True)
    k = np.array([MEAN_INDEGREE[c.family] for c in CLASSES])
    # normalise to the full-scale synapse count
    scale = FULL_N_RECURRENT / (FULL_N_NEURONS * float(np.dot(frac / frac.sum(), k)))
    means = w * (k * scale * DRAWN_PER_KEPT)[:, None]
    # in-degrees do not shrink with the size, but a small network cannot give more than half a class
    return np.minimum(means, 0.5 * np.asarray(counts, dtype=np.float64)[None, :])


def recurrent_block(lay, means, index, targets, seed, block, weight_scale):
    """Recurrent synapses onto ``targets`` in the users' layout, sorted by (target, source):
    source, target, receptor (int32), weight / vs of the target, delay (ms) (float32)."""
    rng = streams.rng(seed, streams.RECURRENT, block)
    tcls = lay.cls[targets]
    counts = rng.poisson(means[tcls])                       # (B, 17)
    srcs, tgts = [], []
    for s in range(len(CLASSES)):
        k = counts[:, s]
        total = int(k.sum())
        if total == 0 or index[s].n == 0:
            continue
        t = np.repeat(targets, k)
        sigma = SOURCE_SPREAD_UM["E" if CLASSES[s].excitatory else "I"]
        x = lay.positions[t, 0] + sigma * rng.standard_normal(total)
        z = lay.positions[t, 2] + sigma * rng.standard_normal(total)
        x, z = reflect_into_disk(x, z, lay.radius, rng)
        srcs.append(index[s].sample(x, z, rng))
        tgts.append(t)
    if not srcs:
        e = np.zeros(0)
        return (e.astype(np.int32), e.astype(np.int32), e.astype(np.int32), e.astype(np.float32),
                e.astype(np.float32))
    src = np.concatenate(srcs)
    tgt = np.concatenate(tgts)
    key = unique_sorted_keys(tgt * lay.n + src, src != tgt)     # no autapses
    tgt, src = key // lay.n, key % lay.n
    m = src.size
    exc = excitatory_of(lay.cls)
    se, te = exc[src], exc[tgt]
    receptor = np.where(te, np.where(se, 0, 1), np.where(se, 2, 3))
    # weights (pA): median by E/I pair, lognormal spread, orientation rule normalised to mean 1
    base = np.empty(m)
    sigma = np.empty(m)
    mean_tuning = np.empty(m)
    dbase = np.empty(m)
    for (a, b), w in WEIGHTS_PA.items():
        sel = (se == (a == "E")) & (te == (b == "E"))
        sg = TUNING_WIDTH_DEG[(a, b)]
        base[sel], sigma[sel], dbase[sel] = w, sg, DELAY_BASE_MS[(a, b)]
        # mean of exp(-(d/sg)^2) for d uniform in [0, 180]
        mean_tuning[sel] = sg * math.sqrt(math.pi) / 2.0 * math.erf(180.0 / sg) / 180.0
    fam_mult = np.array([E_TO_I_FAMILY.get(c.family, 1.0) for c in CLASSES])[lay.cls[tgt]]
    base = np.where(se & ~te, base * fam_mult, base)
    d_theta = np.abs(np.abs(np.mod(np.abs(lay.tuning[tgt] - lay.tuning[src]), 360.0) - 180.0) - 180.0)
    tuning = np.exp(-(d_theta / sigma) ** 2)
    w_pA = (base * weight_scale * rng.lognormal(0.0, WEIGHT_LOG_SIGMA, m)
            * (0.25 + 0.75 * tuning / mean_tuning))
    w_norm = (w_pA / lay.vs()[tgt]).astype(np.float32)
    dist = np.linalg.norm(lay.positions[tgt] - lay.positions[src], axis=1)
    delay = ((dbase + dist / CONDUCTION_VELOCITY_UM_PER_MS)
             * rng.lognormal(0.0, DELAY_JITTER_LOG_SIGMA, m)).astype(np.float32)
    return (src.astype(np.int32), tgt.astype(np.int32), receptor.astype(np.int32), w_norm, delay)
