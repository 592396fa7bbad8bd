"""The synthetic V1 as a :class:`~pynn_glif3.model.network.V1Network` in memory."""

import numpy as np

from .generation import generate
from .lgn_inputs import DEFAULT_LGN_RF_WIDTH
from .provenance import network_provenance
from .v1_core import DEFAULT_N_LGN, FULL_N_NEURONS


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


def _concatenated(blocks, n_arrays):
    return tuple(np.concatenate([block[i] for block in blocks]) for i in range(n_arrays))


def generate_v1(n_neurons=FULL_N_NEURONS, seed=0, n_lgn=DEFAULT_N_LGN, n_classes=10, pool_size=30,
                weight_scale=1.0, lgn_weight_scale=1.0, bkg_weight_scale=1.0, indegree_scale=1.0,
                lgn_rf_width=DEFAULT_LGN_RF_WIDTH):
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
    lay = generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
                   bkg_weight_scale, sink, indegree_scale, lgn_rf_width)
    return network_from_arrays(
        lay.type_ids, lay.table, _concatenated(sink.rec, 5), _concatenated(sink.inp, 4), int(n_lgn),
        bkg_stored=sink.bkg, readout_ids=sink.readout, positions=lay.positions,
        node_type_names=lay.type_names,
        provenance=network_provenance(n_neurons, seed, n_lgn, indegree_scale, lgn_rf_width))
