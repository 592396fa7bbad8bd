"""Stimulus files (docs/formats.md section 2) for the synthetic V1: one LGN activity pattern per class."""

import os

import numpy as np

from . import streams
from .lgn_grid import lgn_positions
from .provenance import stimulus_file_attrs
from .v1_core import DEFAULT_N_LGN

#: The users' files store firing probabilities times this factor.
STORED_PER_PROBABILITY = 1.3


def class_patterns(n_classes, n_lgn=DEFAULT_N_LGN, seed=0, blobs=3, width=0.12):
    """One LGN activity pattern per class, values in [0, 1]: (n_classes, n_lgn).

    Each pattern is a sum of ``blobs`` Gaussian blobs (width in visual-field units) at seeded
    positions on the LGN grid, clipped to 1.
    """
    pos = lgn_positions(n_lgn)
    out = np.zeros((n_classes, n_lgn))
    for c in range(n_classes):
        rng = streams.rng(seed, streams.CLASS_PATTERNS, c)
        # centres kept away from the edges, so that each blob lies mostly on the grid
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
    rng = streams.rng(seed, streams.STIMULUS_SAMPLE, sample)
    noise = rng.uniform(0.8, 1.0, n_lgn)
    p_img = np.clip(p_spont + (p_max - p_spont) * patterns[label] * noise, 0.0, 1.0)
    seq_len = pre_delay + im_slice + post_delay
    values = np.full((seq_len, n_lgn), p_spont * STORED_PER_PROBABILITY, dtype=np.float32)
    values[pre_delay:pre_delay + im_slice] = (p_img * STORED_PER_PROBABILITY).astype(np.float32)
    return values


def write_synthetic_stimulus(path, n_samples=10, n_classes=10, n_lgn=DEFAULT_N_LGN, seed=0,
                             pre_delay=50, im_slice=100, post_delay=450, response_window=(50, 100),
                             p_spont=0.005, p_max=0.105, compression="gzip"):
    """Write a stimulus file (the users' layout) with per-class LGN patterns; returns ``path``.

    Labels cycle through the classes in a seeded order.  Same arguments, same content.
    """
    from pynn_glif3.io.stimulus_h5 import write_stimulus
    rng = streams.rng(seed, streams.STIMULUS_LABELS)
    labels = rng.permutation(np.arange(n_samples) % n_classes) if n_samples else np.zeros(0, int)
    patterns = class_patterns(n_classes, n_lgn, seed)
    samples = (synthetic_stimulus_sample(int(labels[i]), i, n_classes, n_lgn, seed, pre_delay,
                                         im_slice, post_delay, p_spont, p_max, patterns)
               for i in range(n_samples))
    write_stimulus(path, samples, labels, response_window=response_window, n_samples=n_samples,
                   pre_delay=pre_delay, im_slice=im_slice, post_delay=post_delay,
                   compression=compression, attrs=stimulus_file_attrs(seed))
    return os.fspath(path)
