"""Independent random streams, one per part of the network, keyed on the seed.

A part draws from its own stream, so changing how one part is drawn leaves the others as they were.
The stream numbers and the version are part of the definition: changing either changes every
network and stimulus made with a given seed.
"""

import numpy as np

GENERATOR_VERSION = 1

NODE_TYPES = 1
NEURON_PLACES = 2
RECURRENT = 3              # one stream per block of targets
LGN_INPUTS = 4             # one stream per block of targets
BACKGROUND = 5
READOUT = 6
CLASS_PATTERNS = 7         # one stream per class
STIMULUS_SAMPLE = 8        # one stream per sample
STIMULUS_LABELS = 9


def rng(seed, *stream):
    return np.random.default_rng([int(seed), GENERATOR_VERSION, *stream])
