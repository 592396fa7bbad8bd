"""The spiking neuron of converted networks: a non-leaky integrate-and-fire cell, in two variants.

The converted network needs a cell that sums its inputs ``sum_j w_ij * spikes_j`` on the membrane
without leak and fires when the sum crosses a threshold.  What it does at a spike is the choice
``SpikingSettings.reset``:

* ``"subtract"`` (the default): the project's ``GLIF3Alpha`` made non-leaky.  It resets by
  subtraction, ``V <- V - (V_th - V_reset)`` with no clamp, so the charge above the threshold is
  kept for the next spike (Rueckauer et al. 2017) and the firing rate follows the input exactly,
  whatever the size of the single inputs.  It runs wherever GLIF3Alpha does: NEST (pyNN.nest),
  the project's GeNN backend (``pynn_glif3.genn``) and SpiNNaker (pyNN.spiNNaker).
* ``"zero"``: PyNN's standard ``IF_curr_exp``, reset to the resting potential as Diehl et al. 2015
  do; the charge above the threshold is lost at each spike.  Every PyNN backend has the cell.

Units (both variants): the threshold is 1 mV above the resting potential 0 mV, and each synaptic
weight is chosen so that a spike moves the membrane by the ANN weight in units of the threshold
(:func:`weight_to_current_na`).  An ANN activation ``a`` (after normalisation) is then a firing
rate ``a * max_rate_hz``, and a bias ``b`` a constant current that alone raises the membrane by
``b * max_rate_hz * dt`` thresholds per step (:func:`drive_to_current_na`).

GLIF3Alpha as a non-leaky cell (docs/model.md for its step): ``tau_m`` 10^9 ms (the model accepts
any finite value; the leak over a 1 s presentation is then 1e-6 of the membrane), after-spike
currents zero, ``tau_refrac`` 0 (allowed: the cell may fire in every step), ``v_reset = v_rest``
so that a spike subtracts exactly one threshold, and alpha synapses with ``tau_syn = dt / 3``: a
spike's PSC then delivers 90 % of its charge to the membrane in one step, 99.3 % within two.  The
alpha PSC of weight ``w`` carries ``w e tau`` in continuous time; in the model's discrete step the
membrane receives ``F h P S / (1 - S)^2`` per unit weight (``sum_k k S^k`` of the PSC samples
``Y_k = k h S^k P w``), which is what :func:`weight_to_current_na` inverts.

IF_curr_exp as a non-leaky cell: ``tau_m`` 10 s, finite because SpiNNaker's s16.15 arithmetic
holds the membrane resistance ``tau_m / cm`` (at most 65535 MOhm) and ``exp(-dt / tau_m)`` to 2^-15;
``tau_syn`` a tenth of a step, so that an input spike's charge (weight * tau_syn) reaches the
membrane within the step after its arrival.  IF_curr_delta would be the natural choice, but
pyNN.nest (0.12) cannot set or record its membrane potential.  Normalisation keeps each single
input below the threshold, which bounds the charge lost at a reset.

Refractory period: 0 ms for both, so a neuron can fire in every step: the highest rate is 1 / dt,
and ``max_rate_hz * dt`` must not exceed 1.
"""

from dataclasses import dataclass

import numpy as np

from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.model.propagators import propagators

#: Reset modes: ``subtract`` (GLIF3Alpha) and ``zero`` (IF_curr_exp).
RESETS = ("subtract", "zero")
#: Threshold above rest (mV): a weight of 1 mV is one threshold.
THRESHOLD_MV = 1.0
#: IF_curr_exp only: a sum of inputs that reaches the threshold in exact arithmetic must fire even
#: though the slight leak (dt / 2 tau_m per step: 5e-5 at the defaults) and rounding leave it a hair
#: below; else a pixel of value 1 would drive its input cell every second step instead of every
#: step.  So that threshold sits this far below 1 mV (0.1 %, a negligible change of the rates).
#: Reset by subtraction needs no margin: a hair below only delays the first spike by a step.
THRESHOLD_MARGIN_MV = 1e-3
#: Synaptic time constant in time steps, per reset mode: short, so that a spike's charge lands
#: within a step or two (the alpha PSC needs a few tenths of a step to be sampled at all).
TAU_SYN_STEPS = {"subtract": 1.0 / 3.0, "zero": 0.1}
#: Membrane time constant (ms) per reset mode, when SpikingSettings.tau_m_ms is not given.
DEFAULT_TAU_M_MS = {"subtract": 1.0e9, "zero": 1.0e4}
#: Receptors of (positive, negative) weights per reset mode.  Negative weights stay negative
#: (PyNN's convention for current synapses); GLIF3Alpha's receptors take either sign, the split
#: just keeps every projection of one sign.
RECEPTORS = {"subtract": ("syn1", "syn2"), "zero": ("excitatory", "inhibitory")}


@dataclass(frozen=True)
class SpikingSettings:
    """Time step, rate scale, membrane and reset of a converted network."""
    dt_ms: float = 1.0
    max_rate_hz: float = 500.0       # rate of an activation of 1 (and of a pixel of value 1)
    tau_m_ms: float = None           # membrane time constant; None: DEFAULT_TAU_M_MS[reset]
    cm_nf: float = 1.0
    reset: str = "subtract"          # one of RESETS

    def __post_init__(self):
        if self.reset not in RESETS:
            raise ValueError(f"SpikingSettings.reset = {self.reset!r}: expected one of "
                             f"{', '.join(RESETS)}")
        for name, value in (("dt_ms", self.dt_ms), ("max_rate_hz", self.max_rate_hz),
                            ("tau_m_ms", self.membrane_tau_ms), ("cm_nf", self.cm_nf)):
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"SpikingSettings.{name} = {value!r}: expected a positive number")
        if self.max_rate_hz * self.dt_ms / 1000.0 > 1.0 + 1e-12:
            raise ValueError(
                f"max_rate_hz = {self.max_rate_hz:g} Hz with dt = {self.dt_ms:g} ms asks for more "
                f"than one spike per step; use max_rate_hz <= {1000.0 / self.dt_ms:g}")

    @property
    def membrane_tau_ms(self):
        """``tau_m_ms``, or the reset mode's default: long, so that the membrane hardly leaks."""
        return DEFAULT_TAU_M_MS[self.reset] if self.tau_m_ms is None else self.tau_m_ms

    @property
    def tau_syn_ms(self):
        return TAU_SYN_STEPS[self.reset] * self.dt_ms

    @property
    def receptors(self):
        """Receptor names of (positive, negative) weights."""
        return RECEPTORS[self.reset]

    def bias_per_step(self):
        """Membrane increment (in thresholds) per step for an activation (or bias) of 1."""
        return self.max_rate_hz * self.dt_ms / 1000.0


def _glif3_step(settings):
    """The step constants of the converter's GLIF3Alpha cell (one neuron, physical units)."""
    c_m = float(units.nF_to_pF(settings.cm_nf))
    cell = NeuronParameters(
        E_L=0.0, V_th=THRESHOLD_MV, V_reset=0.0, C_m=c_m,
        g=float(units.g_nS(settings.cm_nf, settings.membrane_tau_ms)), t_ref=0.0,
        k=np.zeros(2), asc_amps=np.zeros(2), tau_syn=np.full(4, settings.tau_syn_ms))
    return propagators(cell, settings.dt_ms)


def _glif3_drive_mv_per_pa(settings):
    """GLIF3Alpha's F = (1 - D) / g (mV per pA over one step), as its backends compute it."""
    return float(_glif3_step(settings).drive_v[0])


def _glif3_membrane_mv_per_pa(settings):
    """The membrane change (mV) that one input of weight 1 pA causes in total on GLIF3Alpha:
    F times the sum of its PSC samples ``Y_k = k h S^k P`` (leak over those steps neglected)."""
    c = _glif3_step(settings)
    s = float(c.decay_syn[0, 0])
    return float(c.drive_v[0]) * float(c.rise_to_psc[0, 0]) / (1.0 - s) ** 2


def drive_to_current_na(per_step, settings):
    """The constant current (nA) that raises the membrane by ``per_step`` thresholds per step."""
    per_step = np.asarray(per_step, dtype=np.float64)
    if settings.reset == "subtract":
        return units.pA_to_nA(per_step * THRESHOLD_MV / _glif3_drive_mv_per_pa(settings))
    # dv/dt = I / cm  (mV/ms = nA/nF)
    return per_step / settings.dt_ms * THRESHOLD_MV * settings.cm_nf


def weight_to_current_na(weights, settings):
    """The synaptic weight (nA) whose charge moves the membrane by ``weights`` thresholds."""
    weights = np.asarray(weights, dtype=np.float64)
    if settings.reset == "subtract":
        return units.pA_to_nA(weights * THRESHOLD_MV / _glif3_membrane_mv_per_pa(settings))
    # IF_curr_exp: charge = weight * tau_syn; voltage = charge / cm
    return weights * THRESHOLD_MV * settings.cm_nf / settings.tau_syn_ms


def glif3_parameters(settings, i_offset_na=0.0):
    """GLIF3Alpha's PyNN parameters for the non-leaky, subtracting cell of ``settings``."""
    params = dict(v_rest=0.0, v_reset=0.0, v_thresh=THRESHOLD_MV, cm=settings.cm_nf,
                  tau_m=settings.membrane_tau_ms, tau_refrac=0.0, i_offset=i_offset_na,
                  asc_amp_1=0.0, asc_amp_2=0.0, asc_decay_1=0.0, asc_decay_2=0.0)
    params.update({f"tau_syn_{r}": settings.tau_syn_ms for r in range(1, 5)})
    return params


def _celltype(sim, settings, i_offset_na):
    if settings.reset == "subtract":
        from pynn_glif3.backends import backend_for  # needs PyNN, unlike the rest here
        return backend_for(sim).cell_type(**glif3_parameters(settings, i_offset_na))
    celltype = getattr(sim, "IF_curr_exp", None)
    if celltype is None:
        raise NotImplementedError(
            f"reset='zero' needs PyNN's standard IF_curr_exp cell type, which the simulator "
            f"module {getattr(sim, '__name__', repr(sim))} does not provide; use GLIF3Alpha "
            f"there, with reset='subtract'")
    return celltype(v_rest=0.0, v_reset=0.0, v_thresh=THRESHOLD_MV - THRESHOLD_MARGIN_MV,
                    tau_m=settings.membrane_tau_ms, cm=settings.cm_nf, tau_refrac=0.0,
                    i_offset=i_offset_na, tau_syn_E=settings.tau_syn_ms,
                    tau_syn_I=settings.tau_syn_ms)


def if_population(sim, size, settings, drive_per_step=0.0, label=None):
    """A population of the non-leaky cell of ``settings.reset`` on ``sim`` (a PyNN module),
    starting at rest, with a constant drive of ``drive_per_step`` thresholds per step (a scalar
    or one value per cell).

    NotImplementedError if ``sim`` lacks the cell type (IF_curr_exp on pynn_glif3.genn).
    """
    current_na = drive_to_current_na(drive_per_step, settings)
    if current_na.ndim == 0:
        current_na = float(current_na)
    cells = sim.Population(size, _celltype(sim, settings, current_na), label=label)
    cells.initialize(v=0.0)
    return cells
