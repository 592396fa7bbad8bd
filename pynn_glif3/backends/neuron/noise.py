"""Decoded-noise background on NEURON: per-step input to each receptor's PSC rise.

Each (neuron, receptor) with any non-zero value gets a NEURON ``Vector.play`` that sets the
mechanism's ``noise_r`` at ``(s + 1/8) h`` for the step ``s`` of each training row: after the
update of the step before, before the update of its own (native/neuron/glif3_alpha.mod); the
update adds it to the PSC rise input after the step's spikes, as the reference adds its noise term,
and clears it.
"""

import numpy as np

from pynn_glif3.model import N_RECEPTORS
from pynn_glif3.backends.neuron import cells as neuron_cells

#: Where in its step a row's value is set, in steps (before the update at 1/4).
VALUE_OFFSET = 0.125


def inject_receptor_currents(cells, values_pA):
    """Add ``values_pA[m]`` ((n_rows, N, 4), pA) to the PSC rise input of row ``m`` of the
    GLIF3Alpha Population ``cells``.  Returns the NEURON Vectors that hold the values (they must
    live as long as the network)."""
    from neuron import h
    from pyNN.neuron import simulator

    values = np.asarray(values_pA, dtype=np.float64)
    if values.ndim != 3 or values.shape[1:] != (cells.size, N_RECEPTORS):
        raise ValueError(f"receptor currents: expected (n_rows, {cells.size}, {N_RECEPTORS}) pA, "
                         f"got {values.shape}")
    if not isinstance(cells.celltype, neuron_cells.GLIF3Alpha):
        raise TypeError(f"receptor currents need GLIF3Alpha cells, not {type(cells.celltype).__name__}")
    dt = simulator.state.dt
    rows = np.arange(values.shape[0])
    held, times = [], {}
    for i, cell_id in enumerate(cells):
        cell = cell_id._cell
        start = cell.start_step
        if start not in times:
            times[start] = h.Vector((start + rows + VALUE_OFFSET) * dt)
        for r in range(N_RECEPTORS):
            column = values[:, i, r]
            if not column.any():
                continue
            vector = h.Vector(column)
            vector.play(getattr(cell, f"_ref_noise_{r + 1}"), times[start])
            held.append(vector)
    held.extend(times.values())
    return held
