"""What a run of GLIF3Alpha returns, in training rows: the same type from every oracle, verification
tool and backend replay, so that results compare directly."""

from dataclasses import dataclass

import numpy as np


@dataclass
class SimulationResult:
    """What a stepper returns.  Row i is the state after step i + 1 (after consuming input row i)."""
    spikes: np.ndarray          # (n_steps, N) bool
    v: np.ndarray               # (n_steps, N) mV
    asc: np.ndarray = None      # (n_steps, N, 2) pA, when currents are recorded
    psc: np.ndarray = None      # (n_steps, N, 4) pA, when currents are recorded
    dt: float = 1.0

    @property
    def spike_steps(self):
        """(step index, neuron index) of every spike, sorted by step then neuron."""
        return np.argwhere(self.spikes)
