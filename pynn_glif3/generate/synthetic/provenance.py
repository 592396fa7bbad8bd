"""What generated a network or stimulus, as written into it.

The strings stay as they are: files already written carry them (the generator's name is older
than the module's place under ``pynn_glif3.generate``).
"""

import numpy as np

from .lgn_inputs import DEFAULT_LGN_RF_WIDTH
from .streams import GENERATOR_VERSION

GENERATOR_NAME = "pynn_glif3.synthetic"


def network_provenance(n_neurons, seed, n_lgn, indegree_scale=1.0, lgn_rf_width=DEFAULT_LGN_RF_WIDTH):
    """Provenance of a network in memory.  The options appear only where they differ from their
    defaults, so that a network made with the defaults has the provenance it had before them."""
    defaults = {"indegree_scale": 1.0, "lgn_rf_width": DEFAULT_LGN_RF_WIDTH}
    options = {"indegree_scale": indegree_scale, "lgn_rf_width": lgn_rf_width}
    extra = {k: float(v) for k, v in options.items() if v != defaults[k]}
    return {"format": "synthetic", "variant": "Billeh-like synthetic V1",
            "generator": GENERATOR_NAME, "generator_version": GENERATOR_VERSION,
            "seed": int(seed), "n_neurons": int(n_neurons), "n_lgn": int(n_lgn), **extra}


def network_file_attrs(seed):
    """Root attributes of a network file."""
    return {"generator": GENERATOR_NAME, "generator_version": np.int64(GENERATOR_VERSION),
            "seed": np.int64(seed)}


def stimulus_file_attrs(seed):
    """Root attributes of a stimulus file."""
    return {"generator": GENERATOR_NAME, "seed": np.int64(seed)}
