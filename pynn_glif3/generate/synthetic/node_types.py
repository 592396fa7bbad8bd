"""GLIF3 parameters of the 111 node types: drawn around fitted Allen cells, inside the V1 core's ranges."""

import numpy as np

from pynn_glif3.model import ALLEN_CELLS, BILLEH_TAU_SYN, V1_CORE_RANGES

from . import streams
from .cell_classes import CLASSES

#: Fitted Allen GLIF3 cells that anchor the per-type parameters, and the V1 core's ranges.
ANCHOR_CELLS = ALLEN_CELLS
RANGES = V1_CORE_RANGES

#: Allen cells each family's types are drawn around; the family's first type is the first cell itself.
ANCHORS_BY_FAMILY = {"E": ("318808427", "480124551"), "Pvalb": ("478958894",),
                     "Sst": ("593618144", "480124551"), "Htr3a": ("593618144", "318808427")}
TAU_M_RANGE_MS = {"E": (12.0, 28.0), "Pvalb": (5.0, 10.0), "Sst": (9.0, 20.0), "Htr3a": (9.0, 20.0)}
T_REF_RANGE_MS = {"E": (2.0, 6.6), "Pvalb": (1.5, 2.6), "Sst": (1.8, 4.0), "Htr3a": (1.8, 4.5)}


def _clip(value, key):
    return float(np.clip(value, *RANGES[key]))


def node_types(seed):
    """Per-type parameters (float64, T = 111 types), the class index of each type, its pop_name."""
    rng = streams.rng(seed, streams.NODE_TYPES)
    type_class = np.repeat(np.arange(len(CLASSES)), [c.n_types for c in CLASSES])
    T = type_class.size
    out = {k: np.zeros(T) for k in ("C_m", "E_L", "V_reset", "V_th", "g", "t_ref")}
    out["k"] = np.zeros((T, 2))
    out["asc_amps"] = np.zeros((T, 2))
    out["tau_syn"] = np.tile(BILLEH_TAU_SYN, (T, 1)).astype(np.float64)
    seen = set()
    names = []
    for t in range(T):
        c = CLASSES[type_class[t]]
        fam = c.family
        choices = ANCHORS_BY_FAMILY[fam]
        a = ANCHOR_CELLS[choices[int(rng.integers(len(choices)))]]
        names.append(c.pop_names[(t - int(np.flatnonzero(type_class == type_class[t])[0]))
                                 % len(c.pop_names)])
        draws = rng.random(8)
        if fam not in seen:
            # the family's first type is its anchor cell; the draws above are taken all the same,
            # so that the types after it get the same numbers whatever the anchors
            seen.add(fam)
            a = ANCHOR_CELLS[choices[0]]
            C_m, g, E_L, vs, tr = a["C_m"], a["g"], a["E_L"], a["V_th"] - a["E_L"], a["t_ref"]
            k, asc = a["k"], a["asc_amps"]
        else:
            lo, hi = TAU_M_RANGE_MS[fam]
            tm = lo * (hi / lo) ** draws[0]
            C_m = _clip(a["C_m"] * (0.85 + (2.4 if fam == "E" else 0.8) * draws[1]), "C_m")
            g = _clip(C_m / tm, "g")
            C_m = _clip(g * tm, "C_m")
            E_L = _clip(a["E_L"] + 6.0 * (draws[2] - 0.5), "E_L")
            vs = _clip((a["V_th"] - a["E_L"]) * (0.8 + 0.45 * draws[3]), "vs")
            lo, hi = T_REF_RANGE_MS[fam]
            tr = round(lo + (hi - lo) * draws[4], 1)
            k = (_clip(a["k"][0] * (1.0 + 2.0 * draws[5]) if a["k"][0] < 0.05 else a["k"][0], "k_1"),
                 _clip(a["k"][1] * (0.5 + draws[6]), "k_2"))
            asc = (_clip(a["asc_amps"][0] * (0.6 + 0.8 * draws[7]), "asc_1"),
                   _clip(a["asc_amps"][1] * (0.6 + 0.8 * draws[6]), "asc_2"))
        out["C_m"][t], out["g"][t], out["E_L"][t] = C_m, g, E_L
        out["V_reset"][t], out["V_th"][t], out["t_ref"][t] = E_L, E_L + vs, tr
        out["k"][t], out["asc_amps"][t] = k, asc
    return out, type_class, tuple(names)
