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

Modules, one job each:

* ``v1_core``: the V1 core's sizes that the defaults scale to; ``streams``: the seeded random
  streams (one per part) and the generator's version;
* ``cell_classes``, ``node_types``, ``layout``: the 17 classes, the GLIF3 parameters of the 111
  types, where each neuron is and what it is;
* ``recurrent`` (with ``spatial`` and ``synapse_keys``), ``lgn_grid`` and ``lgn_inputs``,
  ``background``, ``readout``: the connections and the drive;
* ``generation``: the order in which the parts are drawn, handed to a sink block by block;
* ``in_memory``, ``users_h5_file``, ``stimulus``: the network in memory, the network file, the
  stimulus file; ``provenance``: the identifiers written into them.
"""

from pynn_glif3.model import ALLEN_CELLS, BILLEH_TAU_SYN, N_RECEPTORS, V1_CORE_RANGES
from pynn_glif3.model.network import CELL_CLASSES

from .background import BKG_WEIGHT_PA
from .cell_classes import CLASSES, LAYER_DEPTH, N_TYPES, CellClass, class_counts
from .in_memory import generate_v1
from .lgn_grid import lgn_positions
from .lgn_inputs import LGN_WEIGHT_PA
from .node_types import ANCHOR_CELLS, RANGES
from .recurrent import E_TO_I_FAMILY, WEIGHTS_PA
from .stimulus import class_patterns, synthetic_stimulus_sample, write_synthetic_stimulus
from .streams import GENERATOR_VERSION
from .users_h5_file import write_synthetic_v1
from .v1_core import DEFAULT_N_LGN, FULL_N_INPUT, FULL_N_NEURONS, FULL_N_RECURRENT

__all__ = [
    "generate_v1", "write_synthetic_v1", "write_synthetic_stimulus", "synthetic_stimulus_sample",
    "class_patterns", "lgn_positions", "class_counts",
    "CellClass", "CLASSES", "N_TYPES", "LAYER_DEPTH", "ANCHOR_CELLS", "RANGES",
    "WEIGHTS_PA", "E_TO_I_FAMILY", "LGN_WEIGHT_PA", "BKG_WEIGHT_PA",
    "FULL_N_NEURONS", "FULL_N_RECURRENT", "FULL_N_INPUT", "DEFAULT_N_LGN", "GENERATOR_VERSION",
    # the model's names the single module this package replaces had, for the scripts that took them from it
    "ALLEN_CELLS", "BILLEH_TAU_SYN", "N_RECEPTORS", "V1_CORE_RANGES", "CELL_CLASSES",
]
