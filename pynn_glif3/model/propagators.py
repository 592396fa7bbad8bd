"""The constants of one GLIF3Alpha step: the one place where the step's maths is computed.

Every Python implementation (the NumPy reference, the TensorFlow layer in float64, the GeNN
variables, the SpiNNaker structs and their error bounds, the ANN converter) takes its decays and
factors from :func:`propagators`; the native models (``native/nest_module``, ``native/genn``,
``native/spinnaker``) compute or receive the same expressions and say so in a comment.  The
equations they enter are in ``docs/model.md`` ("derived constants").  Imports numpy only.
"""

from dataclasses import dataclass

import numpy as np

from pynn_glif3.model.physical import NeuronParameters


@dataclass(frozen=True)
class Propagators:
    """Per-neuron constants of a step of ``dt`` ms (physical units, float64).

    Shapes: (N,) for the membrane, (N, 2) for the after-spike currents, (N, 4) for the receptors.
    """
    dt: float
    decay_v: np.ndarray          # D = exp(-dt g / C_m)
    drive_v: np.ndarray          # F = (1 - D) / g, mV per pA over one step
    leak_drive: np.ndarray       # g E_L, pA
    reset_jump: np.ndarray       # V_reset - V_th, mV (added on the step after a spike)
    decay_asc: np.ndarray        # E_j = exp(-dt k_j)
    decay_syn: np.ndarray        # S_r = exp(-dt / tau_syn_r)
    rise_gain: np.ndarray        # P_r = e / tau_syn_r, 1/ms: a weight w peaks at w at t = tau
    rise_step: np.ndarray        # dt S_r, ms: the PSC gains rise_step * X (the previous rise)
    rise_to_psc: np.ndarray      # K_r = dt S_r P_r: the same for a rise counted in weight units


def propagators(neurons, dt):
    """The :class:`Propagators` of ``neurons`` (a NeuronParameters or a mapping with the physical
    names of :data:`pynn_glif3.model.PHYSICAL_UNITS`) for a step of ``dt`` ms."""
    p = NeuronParameters.coerce(neurons)
    h = float(dt)
    if not (np.isfinite(h) and h > 0.0):
        raise ValueError(f"dt must be a positive number of ms, got {dt!r}")
    decay_v = np.exp(-h * p.g / p.C_m)
    decay_syn = np.exp(-h / p.tau_syn)
    rise_gain = np.e / p.tau_syn
    return Propagators(
        dt=h, decay_v=decay_v, drive_v=(1.0 - decay_v) / p.g, leak_drive=p.g * p.E_L,
        reset_jump=p.V_reset - p.V_th, decay_asc=np.exp(-h * p.k), decay_syn=decay_syn,
        rise_gain=rise_gain, rise_step=h * decay_syn, rise_to_psc=h * decay_syn * rise_gain)
