"""The synthetic V1 streamed to a users' trained-network HDF5 file (docs/formats.md section 1)."""

import os

from .generation import generate
from .provenance import network_file_attrs
from .v1_core import DEFAULT_N_LGN, FULL_N_NEURONS


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
    with UsersH5Writer(path, n_input=int(n_lgn), n_output=int(n_classes), background=background,
                       compression=compression, attrs=network_file_attrs(seed)) as w:
        generate(n_neurons, seed, n_lgn, n_classes, pool_size, weight_scale, lgn_weight_scale,
                 bkg_weight_scale, _FileSink(w))
    return os.fspath(path)
