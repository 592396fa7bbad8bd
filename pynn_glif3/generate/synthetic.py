"""Synthetic Billeh-like V1 networks of any size, and matching stimulus files.

Deterministic for a seed.  The structure follows the Billeh et al. (2020) V1 model:

* the 17 cell classes (L1 Htr3a; L2/3, L4, L5, L6 each with E, Pvalb, Sst, Htr3a) in Billeh-like
  proportions (about 83% excitatory) and laminar depths, neurons in a cylinder whose radius
  grows with the size so that the density stays that of the 400 µm core at 51,978 neurons;
* node types (111 at any size, several per class) with GLIF3 parameters in the ranges of the
  V1 core node types, anchored on four fitted Allen cells (their numbers are copied below);
* recurrent synapses with class- and layer-dependent in-degrees (about 278 per neuron, so
  14.4 M at 51,978 neurons), local in space, Dale's law (E positive, I negative), the Billeh
  receptor rule (E->E syn1, I->E syn2, E->I syn3, I->I syn4), orientation-tuned weights and raw
  delays in ms (base + distance / conduction velocity, jittered; some below 1 ms and some above
  5 ms, so the training rule's clip matters);
* LGN synapses (receptor syn1) from ``n_lgn`` units on a retinotopic grid (about 15 per neuron,
  most onto L4), background weights ``b`` (pA per background count; syn1 for E, syn3 for I), and
  readout pools of L5 excitatory neurons.

In-degrees do not shrink with the network size (they are capped at half of a source class), so
small networks fire like large ones.  :func:`generate_v1` returns a
:class:`~pynn_glif3.model.network.V1Network`; :func:`write_synthetic_v1` streams the same network
to a users' trained-network HDF5 file (``docs/formats.md`` section 1) block by block, with float32
values exactly as the reader converts them back, so ``read_users_h5(write_synthetic_v1(...))``
equals ``generate_v1(...)`` array for array.  :func:`write_synthetic_stimulus` writes a stimulus
file (section 2) with one LGN activity pattern per class.
"""

from dataclasses import dataclass
import math
import os

import numpy as np

from pynn_glif3.model import ALLEN_CELLS, BILLEH_TAU_SYN, N_RECEPTORS, V1_CORE_RANGES
from pynn_glif3.model.network import CELL_CLASSES

#: Neurons and synapses of the V1 core the defaults are scaled to.
FULL_N_NEURONS = 51978
FULL_N_RECURRENT = 14_441_124
FULL_N_INPUT = 786_405
DEFAULT_N_LGN = 17400
GENERATOR_VERSION = 1
_BLOCK = 4096            # targets per generation block (part of the definition: do not change)

#: Fitted Allen GLIF3 cells that anchor the per-type parameters, and the V1 core's ranges.
ANCHOR_CELLS = ALLEN_CELLS
RANGES = V1_CORE_RANGES

#: Layer depth ranges (µm from the pia; the ``y`` coordinate).
LAYER_DEPTH = {"L1": (0.0, 100.0), "L23": (100.0, 310.0), "L4": (310.0, 430.0),
               "L5": (430.0, 650.0), "L6": (650.0, 860.0)}


@dataclass(frozen=True)
class CellClass:
    name: str
    layer: str
    family: str       # E, Pvalb, Sst, Htr3a
    fraction: float
    n_types: int
    pop_names: tuple  # Billeh pop_name of its node types (cycled)
    lgn_indegree: float

    @property
    def excitatory(self):
        return self.family == "E"


CLASSES = (
    CellClass("L1_Htr3a", "L1", "Htr3a", 0.015, 3, ("i1Htr3a",), 2.0),
    CellClass("L23_E", "L23", "E", 0.255, 10, ("e23Cux2",), 6.0),
    CellClass("L23_Pvalb", "L23", "Pvalb", 0.013, 5, ("i23Pvalb",), 8.0),
    CellClass("L23_Sst", "L23", "Sst", 0.009, 5, ("i23Sst",), 3.0),
    CellClass("L23_Htr3a", "L23", "Htr3a", 0.018, 6, ("i23Htr3a",), 4.0),
    CellClass("L4_E", "L4", "E", 0.180, 16, ("e4Scnn1a", "e4Rorb", "e4other", "e4Nr5a1"), 40.0),
    CellClass("L4_Pvalb", "L4", "Pvalb", 0.020, 5, ("i4Pvalb",), 45.0),
    CellClass("L4_Sst", "L4", "Sst", 0.009, 5, ("i4Sst",), 15.0),
    CellClass("L4_Htr3a", "L4", "Htr3a", 0.006, 5, ("i4Htr3a",), 15.0),
    CellClass("L5_E", "L5", "E", 0.165, 14, ("e5Rbp4", "e5noRbp4"), 12.0),
    CellClass("L5_Pvalb", "L5", "Pvalb", 0.017, 5, ("i5Pvalb",), 20.0),
    CellClass("L5_Sst", "L5", "Sst", 0.015, 5, ("i5Sst",), 6.0),
    CellClass("L5_Htr3a", "L5", "Htr3a", 0.005, 4, ("i5Htr3a",), 6.0),
    CellClass("L6_E", "L6", "E", 0.225, 12, ("e6Ntsr1",), 10.0),
    CellClass("L6_Pvalb", "L6", "Pvalb", 0.016, 4, ("i6Pvalb",), 15.0),
    CellClass("L6_Sst", "L6", "Sst", 0.017, 4, ("i6Sst",), 5.0),
    CellClass("L6_Htr3a", "L6", "Htr3a", 0.015, 3, ("i6Htr3a",), 5.0),
)
assert tuple(c.name for c in CLASSES) == CELL_CLASSES
assert sum(c.n_types for c in CLASSES) == 111
N_TYPES = 111
_LAYER_ORDER = ("L1", "L23", "L4", "L5", "L6")

#: Mean recurrent in-degree per target family before normalisation to FULL_N_RECURRENT.
_INDEGREE = {"E": 270.0, "Pvalb": 380.0, "Sst": 300.0, "Htr3a": 200.0}
#: Excitatory projections between layers (source layer, target layer) -> relative strength.
_E_LAYER = {("L4", "L23"): 1.0, ("L23", "L5"): 1.0, ("L4", "L5"): 0.5, ("L6", "L4"): 0.5,
            ("L5", "L23"): 0.3, ("L23", "L4"): 0.2, ("L5", "L6"): 0.5, ("L1", "L23"): 0.3}
#: Inhibitory family -> target family preference.
_I_TARGET = {("Pvalb", "E"): 1.5, ("Pvalb", "Pvalb"): 1.5, ("Pvalb", "Sst"): 0.5,
             ("Pvalb", "Htr3a"): 0.3, ("Sst", "E"): 1.0, ("Sst", "Pvalb"): 1.0, ("Sst", "Sst"): 0.1,
             ("Sst", "Htr3a"): 1.0, ("Htr3a", "E"): 0.3, ("Htr3a", "Pvalb"): 0.3,
             ("Htr3a", "Sst"): 1.5, ("Htr3a", "Htr3a"): 0.3}
#: Relative weight of inhibitory sources, set so that about 22% of synapses are inhibitory.
_I_SHARE = 2.2
#: Spatial spread (µm) of the source position around the target, by source family.
_SIGMA_XZ = {"E": 150.0, "I": 100.0}

#: Median weights (pA) by (source E/I, target E/I) before the orientation factor.
WEIGHTS_PA = {("E", "E"): 6.0, ("E", "I"): 9.0, ("I", "E"): -20.0, ("I", "I"): -12.0}
#: Multiplier of excitatory weights onto each inhibitory family (fast-spiking Pvalb cells get the most).
E_TO_I_FAMILY = {"Pvalb": 1.5, "Sst": 0.6, "Htr3a": 0.8}
#: Orientation tuning width (deg) of the weight rule, as the Billeh model's weight functions.
_TUNING_SIGMA = {("E", "E"): 30.0, ("E", "I"): 90.0, ("I", "E"): 90.0, ("I", "I"): 50.0}
#: Base delays (ms) by (source, target) E/I; plus distance / velocity, times a lognormal jitter.
_DELAY_BASE = {("E", "E"): 1.3, ("E", "I"): 1.0, ("I", "E"): 0.8, ("I", "I"): 0.8}
_VELOCITY_UM_PER_MS = 300.0
_DELAY_JITTER = 0.35
LGN_WEIGHT_PA = {"E": 18.0, "I": 5.0}
BKG_WEIGHT_PA = {"E": 9.0, "I": 9.0}
_LGN_RF_SIGMA = 0.06     # visual-field units (the LGN grid spans [0, 1) x [0, 1))


def _rng(seed, *stream):
    return np.random.default_rng([int(seed), GENERATOR_VERSION, *stream])


def class_counts(n_neurons):
    """Neurons per class for a network of ``n_neurons`` (largest remainder rounding)."""
    frac = np.array([c.fraction for c in CLASSES])
    frac = frac / frac.sum()
    raw = frac * n_neurons
    counts = np.floor(raw).astype(np.int64)
    rest = n_neurons - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


@dataclass
class _Layout:
    n: int
    cls: np.ndarray          # (N,) class index
    type_ids: np.ndarray     # (N,)
    type_class: np.ndarray   # (T,) class of each type
    positions: np.ndarray    # (N, 3) float64 (x, y, z) µm; y = depth
    tuning: np.ndarray       # (N,) degrees
    radius: float
    table: dict              # per-type parameters (float64, in range)
    type_names: tuple


def _types(seed):
    """Per-type parameters (T = 111) and the class of each type."""
    rng = _rng(seed, 1)
    type_class = np.repeat(np.arange(len(CLASSES)), [c.n_types for c in CLASSES])
    anchors = {"E": ("318808427", "480124551"), "Pvalb": ("478958894",),
               "Sst": ("593618144", "480124551"), "Htr3a": ("593618144", "318808427")}
    # membrane time constant ranges (ms) by family
    tau_m = {"E": (12.0, 28.0), "Pvalb": (5.0, 10.0), "Sst": (9.0, 20.0), "Htr3a": (9.0, 20.0)}
    t_ref = {"E": (2.0, 6.6), "Pvalb": (1.5, 2.6), "Sst": (1.8, 4.0), "Htr3a": (1.8, 4.5)}
    T = type_class.size
    out = {k: np.zeros(T) for k in ("C_m", "E_L", "V_reset", "V_th", "g", "t_ref")}
    out["k"] = np.zeros((T, 2))
    out["asc_amps"] = np.zeros((T, 2))
    out["tau_syn"] = np.tile(BILLEH_TAU_SYN, (T, 1)).astype(np.float64)
    clip = lambda v, key: float(np.clip(v, *RANGES[key]))  # noqa: E731
    seen = set()
    names = []
    for t in range(T):
        c = CLASSES[type_class[t]]
        fam = c.family
        choices = anchors[fam]
        a = ANCHOR_CELLS[choices[int(rng.integers(len(choices)))]]
        names.append(c.pop_names[(t - int(np.flatnonzero(type_class == type_class[t])[0]))
                                 % len(c.pop_names)])
        draws = rng.random(8)
        if fam not in seen:
            # the first type of each family is the anchor cell itself
            seen.add(fam)
            a = ANCHOR_CELLS[choices[0]]
            C_m, g, E_L, vs, tr = a["C_m"], a["g"], a["E_L"], a["V_th"] - a["E_L"], a["t_ref"]
            k, asc = a["k"], a["asc_amps"]
        else:
            lo, hi = tau_m[fam]
            tm = lo * (hi / lo) ** draws[0]
            C_m = clip(a["C_m"] * (0.85 + (2.4 if fam == "E" else 0.8) * draws[1]), "C_m")
            g = clip(C_m / tm, "g")
            C_m = clip(g * tm, "C_m")
            E_L = clip(a["E_L"] + 6.0 * (draws[2] - 0.5), "E_L")
            vs = clip((a["V_th"] - a["E_L"]) * (0.8 + 0.45 * draws[3]), "vs")
            lo, hi = t_ref[fam]
            tr = round(lo + (hi - lo) * draws[4], 1)
            k = (clip(a["k"][0] * (1.0 + 2.0 * draws[5]) if a["k"][0] < 0.05 else a["k"][0], "k_1"),
                 clip(a["k"][1] * (0.5 + draws[6]), "k_2"))
            asc = (clip(a["asc_amps"][0] * (0.6 + 0.8 * draws[7]), "asc_1"),
                   clip(a["asc_amps"][1] * (0.6 + 0.8 * draws[6]), "asc_2"))
        out["C_m"][t], out["g"][t], out["E_L"][t] = C_m, g, E_L
        out["V_reset"][t], out["V_th"][t], out["t_ref"][t] = E_L, E_L + vs, tr
        out["k"][t], out["asc_amps"][t] = k, asc
    return out, type_class, tuple(names)


def _layout(n_neurons, seed):
    counts = class_counts(n_neurons)
    table, type_class, names = _types(seed)
    rng = _rng(seed, 2)
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
    radius = 400.0 * math.sqrt(n_neurons / FULL_N_NEURONS)
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
    return _Layout(n_neurons, cls, type_ids, type_class, positions, tuning, radius, table, names)


def _source_class_means(counts):
    """(17 target classes, 17 source classes): mean number of synapses per target neuron."""
    n_cls = len(CLASSES)
    frac = np.array([c.fraction for c in CLASSES])
    w = np.zeros((n_cls, n_cls))
    for t, ct in enumerate(CLASSES):
        lt = _LAYER_ORDER.index(ct.layer)
        for s, cs in enumerate(CLASSES):
            ls = _LAYER_ORDER.index(cs.layer)
            if cs.excitatory:
                aff = 1.0 if ls == lt else _E_LAYER.get((cs.layer, ct.layer), 0.15)
            else:
                aff = 1.0 if ls == lt else (0.25 if abs(ls - lt) == 1 else 0.05)
                aff *= _I_SHARE * _I_TARGET[(cs.family, ct.family)]
            w[t, s] = frac[s] * aff
    w /= w.sum(axis=1, keepdims=True)
    k = np.array([_INDEGREE[c.family] for c in CLASSES])
    # normalise to the full-scale synapse count
    scale = FULL_N_RECURRENT / (FULL_N_NEURONS * float(np.dot(frac / frac.sum(), k)))
    means = w * (k * scale * 1.025)[:, None]       # 1.025: duplicates and autapses are dropped
    # cap at half of each source class (small networks)
    return np.minimum(means, 0.5 * np.asarray(counts, dtype=np.float64)[None, :])


class _SpatialIndex:
    """Neurons of one class bucketed on a square grid in the x-z plane."""

    def __init__(self, members, positions, radius):
        self.members = members
        self.n = members.size
        if self.n == 0:
            return
        area = math.pi * radius ** 2
        self.bin = max(30.0, math.sqrt(area * 6.0 / self.n))
        self.side = int(math.ceil(2.0 * radius / self.bin)) + 1
        self.radius = radius
        b = self._bin(positions[members, 0], positions[members, 2])
        order = np.argsort(b, kind="stable")
        self.sorted = members[order]
        counts = np.bincount(b, minlength=self.side * self.side)
        self.start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.count = counts

    def _bin(self, x, z):
        ix = np.clip(((x + self.radius) / self.bin).astype(np.int64), 0, self.side - 1)
        iz = np.clip(((z + self.radius) / self.bin).astype(np.int64), 0, self.side - 1)
        return iz * self.side + ix

    def sample(self, x, z, rng):
        """One member near each point (x, z); uniform over the class where a bin is empty."""
        b = self._bin(x, z)
        cnt = self.count[b]
        u = rng.random(x.size)
        pick = np.where(cnt > 0, self.start[b] + (u * cnt).astype(np.int64), 0)
        out = self.sorted[np.minimum(pick, self.n - 1)]
        empty = cnt == 0
        if np.any(empty):
            out[empty] = self.members[(u[empty] * self.n).astype(np.int64) % self.n]
        return out


def _reflect_into_disk(x, z, radius, rng):
    r = np.hypot(x, z)
    out = r > radius
    if np.any(out):
        r_new = 2.0 * radius - r[out]
        far = r_new < 0
        r_new[far] = radius * np.sqrt(rng.random(int(far.sum())))
        scale = r_new / np.maximum(r[out], 1e-12)
        x = x.copy()
        z = z.copy()
        x[out] *= scale
        z[out] *= scale
    return x, z


def _lgn_grid(n_lgn):
    side = int(math.ceil(math.sqrt(n_lgn)))
    return side


def _lgn_unit_at(u, v, n_lgn):
    """Index of the LGN unit nearest to visual-field points (u, v) in [0, 1)^2."""
    side = _lgn_grid(n_lgn)
    rows = int(math.ceil(n_lgn / side))
    iu = np.clip(np.floor(u * side).astype(np.int64), 0, side - 1)
    iv = np.clip(np.floor(v * rows).astype(np.int64), 0, rows - 1)
    idx = iv * side + iu
    over = idx >= n_lgn
    idx[over] -= side
    return idx


def lgn_positions(n_lgn):
    """Visual-field position (u, v) in [0, 1)^2 of each LGN unit (centre of its grid cell)."""
    side = _lgn_grid(n_lgn)
    rows = int(math.ceil(n_lgn / side))
    i = np.arange(n_lgn)
    return np.stack([(i % side + 0.5) / side, (i // side + 0.5) / rows], axis=1)


def _ei(cls_idx):
    return np.array([CLASSES[c].excitatory for c in range(len(CLASSES))])[cls_idx]


def _recurrent_block(lay, means, index, targets, seed, block, weight_scale):
    """Recurrent synapses onto ``targets``: arrays in the users' layout, sorted by (target, source)."""
    rng = _rng(seed, 3, block)
    tcls = lay.cls[targets]
    counts = rng.poisson(means[tcls])                       # (B, 17)
    srcs, tgts = [], []
    for s in range(len(CLASSES)):
        k = counts[:, s]
        total = int(k.sum())
        if total == 0 or index[s].n == 0:
            continue
        t = np.repeat(targets, k)
        sigma = _SIGMA_XZ["E" if CLASSES[s].excitatory else "I"]
        x = lay.positions[t, 0] + sigma * rng.standard_normal(total)
        z = lay.positions[t, 2] + sigma * rng.standard_normal(total)
        x, z = _reflect_into_disk(x, z, lay.radius, rng)
        srcs.append(index[s].sample(x, z, rng))
        tgts.append(t)
    if not srcs:
        e = np.zeros(0)
        return e.astype(np.int32), e.astype(np.int32), e.astype(np.int32), e.astype(np.float32), e.astype(np.float32)
    src = np.concatenate(srcs)
    tgt = np.concatenate(tgts)
    key = _sorted_unique(tgt * lay.n + src, src != tgt)    # sorted, no duplicates, no autapses
    tgt, src = key // lay.n, key % lay.n
    m = src.size
    exc = _ei(lay.cls)
    se, te = exc[src], exc[tgt]
    receptor = np.where(te, np.where(se, 0, 1), np.where(se, 2, 3))
    # weights (pA): median by E/I pair, lognormal spread, orientation rule normalised to mean 1
    base = np.empty(m)
    sigma = np.empty(m)
    mean_tuning = np.empty(m)
    dbase = np.empty(m)
    for (a, b), w in WEIGHTS_PA.items():
        sel = (se == (a == "E")) & (te == (b == "E"))
        sg = _TUNING_SIGMA[(a, b)]
        base[sel], sigma[sel], dbase[sel] = w, sg, _DELAY_BASE[(a, b)]
        # mean of exp(-(d/sg)^2) for d uniform in [0, 180]
        mean_tuning[sel] = sg * math.sqrt(math.pi) / 2.0 * math.erf(180.0 / sg) / 180.0
    fam_mult = np.array([E_TO_I_FAMILY.get(c.family, 1.0) for c in CLASSES])[lay.cls[tgt]]
    base = np.where(se & ~te, base * fam_mult, base)
    d_theta = np.abs(np.abs(np.mod(np.abs(lay.tuning[tgt] - lay.tuning[src]), 360.0) - 180.0) - 180.0)
    tuning = np.exp(-(d_theta / sigma) ** 2)
    w_pA = base * weight_scale * rng.lognormal(0.0, 0.5, m) * (0.25 + 0.75 * tuning / mean_tuning)
    vs = (lay.table["V_th"] - lay.table["E_L"])[lay.type_ids]
    w_norm = (w_pA / vs[tgt]).astype(np.float32)
    dist = np.linalg.norm(lay.positions[tgt] - lay.positions[src], axis=1)
    delay = ((dbase + dist / _VELOCITY_UM_PER_MS) * rng.lognormal(0.0, _DELAY_JITTER, m)).astype(np.float32)
    return (src.astype(np.int32), tgt.astype(np.int32), receptor.astype(np.int32), w_norm, delay)


def _sorted_unique(key, keep=None):
    key = key[keep] if keep is not None else key.copy()
    key.sort()
    if key.size:
        key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return key


def _input_block(lay, n_lgn, targets, seed, block, lgn_scale, rf_width=_LGN_RF_SIGMA):
    rng = _rng(seed, 4, block)
    tcls = lay.cls[targets]
    mean = np.array([c.lgn_indegree for c in CLASSES])
    frac = np.array([c.fraction for c in CLASSES])
    mean = mean * (FULL_N_INPUT / FULL_N_NEURONS) / float(np.dot(frac / frac.sum(), mean)) * 1.017
    k = rng.poisson(mean[tcls])
    t = np.repeat(targets, k)
    total = t.size
    # receptive field centre: the neuron's place in the column mapped onto the visual field
    ru = 0.5 + 0.5 * lay.positions[targets, 0] / max(lay.radius, 1e-9)
    rv = 0.5 + 0.5 * lay.positions[targets, 2] / max(lay.radius, 1e-9)
    u = np.repeat(ru, k) + rf_width * rng.standard_normal(total)
    v = np.repeat(rv, k) + rf_width * rng.standard_normal(total)
    src = _lgn_unit_at(np.mod(u, 1.0), np.mod(v, 1.0), n_lgn)
    key = _sorted_unique(t * n_lgn + src)
    t, src = key // n_lgn, key % n_lgn
    exc = _ei(lay.cls)[t]
    w_pA = np.where(exc, LGN_WEIGHT_PA["E"], LGN_WEIGHT_PA["I"]) * lgn_scale * rng.lognormal(0.0, 0.4, t.size)
    vs = (lay.table["V_th"] - lay.table["E_L"])[lay.type_ids]
    w_norm = (w_pA / vs[t]).astype(np.float32)
    receptor = np.zeros(t.size, dtype=np.int32)            # LGN -> port 1 for every target
    return src.astype(np.int32), t.astype(np.int32), receptor, w_norm


def _background(lay, seed, bkg_scale):
    """Stored background values 10 * b / vs (float32, (N, 4))."""
    rng = _rng(seed, 5)
    exc = _ei(lay.cls)
    b = np.zeros((lay.n, N_RECEPTORS))
    amp = np.where(exc, BKG_WEIGHT_PA["E"], BKG_WEIGHT_PA["I"]) * bkg_scale * rng.uniform(0.8, 1.2, lay.n)
    b[exc, 0] = amp[exc]
    b[~exc, 2] = amp[~exc]
    vs = (lay.table["V_th"] - lay.table["E_L"])[lay.type_ids]
    return (10.0 * b / vs[:, None]).astype(np.float32)


def _readout(lay, seed, n_classes, pool_size):
    l5e = np.flatnonzero(lay.cls == CELL_CLASSES.index("L5_E"))
    need = n_classes * pool_size
    if need > l5e.size:
        raise ValueError(f"synthetic V1: {n_classes} readout pools of {pool_size} need {need} L5 "
                         f"excitatory neurons, the network of {lay.n} has {l5e.size}; use a larger "
                         f"network or smaller pools")
    rng = _rng(seed, 6)
    return rng.choice(l5e, size=need, replace=False).reshape(n_classes, pool_size).astype(np.int64)


def _check_args(n_neurons, n_lgn):
    if int(n_neurons) != n_neurons or n_neurons < 1:
        raise ValueError(f"n_neurons must be a positive integer, got {n_neurons!r}")
    if int(n_lgn) != n_lgn or n_lgn < 1:
        raise ValueError(f"n_lgn must be a positive integer, got {n_lgn!r}")


def _blocks(n):
    for b, start in enumerate(range(0, n, _BLOCK)):
        yield b, np.arange(start, min(n, start + _BLOCK))


def _generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
              bkg_weight_scale, sink, indegree_scale=1.0, lgn_rf_width=_LGN_RF_SIGMA):
    """Drive the generation, handing arrays in the users' layout to ``sink``."""
    _check_args(n_neurons, n_lgn)
    if not 0.0 < indegree_scale <= 1.0:
        raise ValueError(f"indegree_scale must be in (0, 1], got {indegree_scale!r}")
    lay = _layout(int(n_neurons), seed)
    readout = _readout(lay, seed, n_classes, pool_size) if n_classes else None
    sink.neurons(lay, readout)
    counts = np.bincount(lay.cls, minlength=len(CLASSES))
    means = _source_class_means(counts) * indegree_scale
    index = [_SpatialIndex(np.flatnonzero(lay.cls == s), lay.positions, lay.radius)
             for s in range(len(CLASSES))]
    for b, targets in _blocks(lay.n):
        sink.recurrent(*_recurrent_block(lay, means, index, targets, seed, b, weight_scale))
    for b, targets in _blocks(lay.n):
        sink.inputs(*_input_block(lay, int(n_lgn), targets, seed, b, lgn_weight_scale, lgn_rf_width))
    sink.background(_background(lay, seed, bkg_weight_scale))
    return lay


def _non_default(**options):
    defaults = {"indegree_scale": 1.0, "lgn_rf_width": _LGN_RF_SIGMA}
    return {k: float(v) for k, v in options.items() if v != defaults[k]}


def _provenance(n_neurons, seed, n_lgn, **extra):
    return {"format": "synthetic", "variant": "Billeh-like synthetic V1",
            "generator": "pynn_glif3.synthetic", "generator_version": GENERATOR_VERSION,
            "seed": int(seed), "n_neurons": int(n_neurons), "n_lgn": int(n_lgn), **extra}


class _MemorySink:
    def __init__(self):
        self.rec, self.inp, self.bkg = [], [], None

    def neurons(self, lay, readout):
        self.lay, self.readout = lay, readout

    def recurrent(self, *arrays):
        self.rec.append(arrays)

    def inputs(self, *arrays):
        self.inp.append(arrays)

    def background(self, stored):
        self.bkg = stored


def generate_v1(n_neurons=FULL_N_NEURONS, seed=0, n_lgn=DEFAULT_N_LGN, n_classes=10, pool_size=30,
                weight_scale=1.0, lgn_weight_scale=1.0, bkg_weight_scale=1.0, indegree_scale=1.0,
                lgn_rf_width=_LGN_RF_SIGMA):
    """A synthetic Billeh-like V1 network as a :class:`~pynn_glif3.model.network.V1Network`.

    Identical, array for array, to reading the file :func:`write_synthetic_v1` writes with the
    same arguments.  ``n_classes=0`` gives no readout pools.  The scales multiply the recurrent,
    LGN and background weights; ``indegree_scale`` the mean number of recurrent synapses per
    neuron (a sparser network trains faster; scale the weights up to keep the drive);
    ``lgn_rf_width`` the spread (visual-field units, the LGN grid spanning [0, 1)) of the LGN units
    a neuron receives from around its receptive-field centre.
    """
    from pynn_glif3.io.users_h5 import network_from_arrays
    sink = _MemorySink()
    lay = _generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
                    bkg_weight_scale, sink, indegree_scale, lgn_rf_width)
    cat = lambda parts, i: np.concatenate([p[i] for p in parts])  # noqa: E731
    rec = tuple(cat(sink.rec, i) for i in range(5))
    inp = tuple(cat(sink.inp, i) for i in range(4))
    return network_from_arrays(
        lay.type_ids, lay.table, rec, inp, int(n_lgn), bkg_stored=sink.bkg,
        readout_ids=sink.readout, positions=lay.positions, node_type_names=lay.type_names,
        provenance=_provenance(n_neurons, seed, n_lgn,
                               **_non_default(indegree_scale=indegree_scale, lgn_rf_width=lgn_rf_width)))


class _FileSink:
    def __init__(self, writer):
        self.w = writer

    def neurons(self, lay, readout):
        self.w.write_neurons(lay.type_ids, lay.table, lay.positions, lay.type_names)
        self.w.write_readout(readout)

    def recurrent(self, src, tgt, rec, w, d):
        self.w.append_recurrent(src, tgt, rec, w, d)

    def inputs(self, src, tgt, rec, w):
        self.w.append_input(src, tgt, rec, w)

    def background(self, stored):
        self.w.ensure_synapse_datasets()
        self.w.write_background(stored)


def write_synthetic_v1(path, n_neurons=FULL_N_NEURONS, seed=0, n_lgn=DEFAULT_N_LGN, n_classes=10,
                       pool_size=30, weight_scale=1.0, lgn_weight_scale=1.0, bkg_weight_scale=1.0,
                       background="input", compression=None):
    """Write a synthetic V1 network in the users' trained-network HDF5 layout; returns ``path``.

    Synapses are generated and written in blocks of targets, so memory stays modest at full size.
    ``background`` chooses the variant: ``"input"`` (``input/bkg_weights``) or ``"background"``
    (``background/weights``).  Same arguments, same file bytes.
    """
    from pynn_glif3.io.users_h5 import UsersH5Writer
    attrs = {"generator": "pynn_glif3.synthetic", "generator_version": np.int64(GENERATOR_VERSION),
             "seed": np.int64(seed)}
    with UsersH5Writer(path, n_input=int(n_lgn), n_output=int(n_classes), background=background,
                       compression=compression, attrs=attrs) as w:
        _generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
                  bkg_weight_scale, _FileSink(w))
    return os.fspath(path)


# ---------------------------------------------------------------------------------------------
# Stimuli
def class_patterns(n_classes, n_lgn=DEFAULT_N_LGN, seed=0, blobs=3, width=0.12):
    """One LGN activity pattern per class, values in [0, 1]: (n_classes, n_lgn).

    Each pattern is a sum of ``blobs`` Gaussian blobs (width in visual-field units) at seeded
    positions on the LGN grid, clipped to 1.
    """
    pos = lgn_positions(n_lgn)
    out = np.zeros((n_classes, n_lgn))
    for c in range(n_classes):
        rng = _rng(seed, 7, c)
        centres = 0.15 + 0.7 * rng.random((blobs, 2))
        for cu, cv in centres:
            out[c] += np.exp(-((pos[:, 0] - cu) ** 2 + (pos[:, 1] - cv) ** 2) / (2 * width ** 2))
    return np.clip(out, 0.0, 1.0)


def synthetic_stimulus_sample(label, sample, n_classes, n_lgn=DEFAULT_N_LGN, seed=0,
                              pre_delay=50, im_slice=100, post_delay=450, p_spont=0.005,
                              p_max=0.105, patterns=None):
    """Stored values (probability x 1.3, float32 (seq_len, n_lgn)) of one synthetic sample.

    Spontaneous probability ``p_spont`` per step outside the image; during the image,
    ``p_spont + (p_max - p_spont) * pattern * a`` with a per-unit jitter ``a`` in [0.8, 1] drawn per
    sample (so values stay below ``p_max * 1.3``, about 0.14 as in the users' files).
    """
    if patterns is None:
        patterns = class_patterns(n_classes, n_lgn, seed)
    rng = _rng(seed, 8, sample)
    noise = rng.uniform(0.8, 1.0, n_lgn)
    p_img = np.clip(p_spont + (p_max - p_spont) * patterns[label] * noise, 0.0, 1.0)
    seq_len = pre_delay + im_slice + post_delay
    values = np.full((seq_len, n_lgn), p_spont * 1.3, dtype=np.float32)
    values[pre_delay:pre_delay + im_slice] = (p_img * 1.3).astype(np.float32)
    return values


def write_synthetic_stimulus(path, n_samples=10, n_classes=10, n_lgn=DEFAULT_N_LGN, seed=0,
                             pre_delay=50, im_slice=100, post_delay=450, response_window=(50, 100),
                             p_spont=0.005, p_max=0.105, compression="gzip"):
    """Write a stimulus file (the users' layout) with per-class LGN patterns; returns ``path``.

    Labels cycle through the classes in a seeded order.  Same arguments, same content.
    """
    from pynn_glif3.io.stimulus_h5 import write_stimulus
    rng = _rng(seed, 9)
    labels = rng.permutation(np.arange(n_samples) % n_classes) if n_samples else np.zeros(0, int)
    patterns = class_patterns(n_classes, n_lgn, seed)
    samples = (synthetic_stimulus_sample(int(labels[i]), i, n_classes, n_lgn, seed, pre_delay,
                                         im_slice, post_delay, p_spont, p_max, patterns)
               for i in range(n_samples))
    write_stimulus(path, samples, labels, response_window=response_window, n_samples=n_samples,
                   pre_delay=pre_delay, im_slice=im_slice, post_delay=post_delay,
                   compression=compression,
                   attrs={"generator": "pynn_glif3.synthetic", "seed": np.int64(seed)})
    return os.fspath(path)
