"""Decoded-noise background on Brian2: per-step input to each receptor's PSC rise.

The values are one dimensionless Brian2 ``TimedArray`` per receptor, (time step, neuron) in pA,
which the neurons' step code adds to the weights that arrive in the step, as
:func:`pynn_glif3.oracles.reference.simulate` adds its noise term.  Row ``m`` is read in the step
of training row ``m``; steps outside the rows read zeros (a TimedArray repeats its last row).
"""

import numpy as np
from brian2 import TimedArray, ms

from pynn_glif3.backends.brian2.cells import group_of
from pynn_glif3.model import N_RECEPTORS


def inject_receptor_currents(cells, values_pA, dt_ms):
    """Add ``values_pA[m]`` ((n_rows, N, 4), pA) to the PSC rise input of training row ``m`` of
    the GLIF3Alpha Population ``cells``; returns the TimedArrays."""
    values = np.asarray(values_pA, dtype=np.float64)
    group = group_of(cells)
    if values.ndim != 3 or values.shape[1:] != (cells.size, N_RECEPTORS):
        raise ValueError(f"receptor currents: expected (n_steps, {cells.size}, {N_RECEPTORS}), "
                         f"got {values.shape}")
    start = np.asarray(group.start_step[:])
    if np.any(start != start[0]) or np.any(np.asarray(group.trial_steps[:]) != 0):
        raise NotImplementedError("receptor currents on Brian2 need one trial per run and the same "
                                  "start_step for every neuron")
    start = int(start[0])
    n_rows = values.shape[0]
    tables = []
    for r in range(N_RECEPTORS):
        table = np.zeros((start + n_rows + 1, cells.size))
        table[start:start + n_rows] = values[:, :, r]
        tables.append(TimedArray(table, dt=dt_ms * ms))
    group.set_rise_input(tables)
    return tables
