"""Background weights: one receptor per neuron (syn1 for E, syn3 for I), jittered around a median."""

import numpy as np

from pynn_glif3.model import N_RECEPTORS

from . import streams
from .cell_classes import excitatory_of

#: Median background weight (pA per background count) of excitatory and inhibitory neurons.
BKG_WEIGHT_PA = {"E": 9.0, "I": 9.0}


def background_stored(lay, seed, bkg_scale):
    """Stored background values 10 * b / vs (float32, (N, 4)), as in the users' files."""
    rng = streams.rng(seed, streams.BACKGROUND)
    exc = excitatory_of(lay.cls)
    b = np.zeros((lay.n, N_RECEPTORS))
    amp = np.where(exc, BKG_WEIGHT_PA["E"], BKG_WEIGHT_PA["I"]) * bkg_scale * rng.uniform(0.8, 1.2, lay.n)
    b[exc, 0] = amp[exc]
    b[~exc, 2] = amp[~exc]
    return (10.0 * b / lay.vs()[:, None]).astype(np.float32)
