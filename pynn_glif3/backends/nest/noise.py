"""Decoded-noise background on NEST: per-step input to each receptor's PSC rise.

``glif3_alpha`` holds the values itself, in its ``rise_input`` table (pA, four per training row:
receptors 1..4 of row 0, then row 1, ...); the update of row ``m`` adds row ``m`` to the PSC rise
input ``u`` after the step's spikes, as :func:`pynn_glif3.oracles.reference.simulate` adds its noise term.
No device and no event per step is needed (the model's header documents the table).
"""

import numpy as np

from pynn_glif3.model import N_RECEPTORS


def inject_receptor_currents(cells, values_pA):
    """Add ``values_pA[m]`` ((n_steps, N, 4), pA) to the PSC rise input of row ``m`` of the
    GLIF3Alpha Population ``cells``.  Returns the cells' NodeCollection."""
    values = np.asarray(values_pA, dtype=np.float64)
    n_steps, n, n_rec = values.shape
    if n != cells.size or n_rec != N_RECEPTORS:
        raise ValueError(f"receptor currents: expected (n_steps, {cells.size}, {N_RECEPTORS}), "
                         f"got {values.shape}")
    nodes = cells.node_collection
    per_neuron = np.ascontiguousarray(values.transpose(1, 0, 2)).reshape(n, n_steps * N_RECEPTORS)
    nodes.set([{"rise_input": row} for row in per_neuron])
    return nodes
