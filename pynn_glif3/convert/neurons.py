"""The spiking neuron of converted networks: PyNN's standard ``IF_curr_exp``, made non-leaky.

Why this cell: IF_curr_exp is the one integrate-and-fire type that every PyNN backend provides
(pyNN.nest as iaf_psc_exp, sPyNNaker as IFCurrExpBase, GeNN's and Brian's PyNN backends too).
IF_curr_delta would be the natural choice, but pyNN.nest (0.12) cannot set or record its
membrane potential (its NEST cell starts at -70 mV whatever the script says).  With a synaptic
time constant of a tenth of a step, an input spike's charge (weight * tau_syn) reaches the
membrane within the step after its arrival, so the cell integrates ``sum_j w_ij * spikes_j`` as
a delta synapse would, one step later.

Units: the threshold is 1 mV above the resting and reset potential 0 mV, and the synaptic weight
is chosen so that a spike moves the membrane by the ANN weight in units of the threshold
(:func:`weight_to_current_na`).  An ANN activation ``a`` (after normalisation) is then a firing
rate ``a * max_rate_hz``, and a bias ``b`` a constant current that alone would fire the cell at
``b * max_rate_hz``.

Leak: ``tau_m`` is long (10 s by default) compared with a presentation (a few hundred ms), so the
membrane hardly leaks; it is finite because SpiNNaker's s16.15 arithmetic holds the membrane
resistance ``tau_m / cm`` (at most 65535 MOhm) and ``exp(-dt / tau_m)`` to 2^-15.

Reset: to 0 mV (the resting potential), as Diehl et al. 2015 do; PyNN's standard
integrate-and-fire types can only reset to a fixed potential.  Reset by subtraction (Rueckauer et
al. 2017) would keep the charge above threshold and so lose less, but no standard PyNN cell offers
it on every backend.  Normalisation keeps each single input below the threshold, which bounds the
charge lost at a reset.

Refractory period: 0 ms, so a neuron can fire in every step: the highest rate is 1 / dt, and
``max_rate_hz * dt`` must not exceed 1.
"""

from dataclasses import dataclass

import numpy as np

#: Threshold above rest and reset (mV): a weight of 1 mV is one threshold.
THRESHOLD_MV = 1.0
#: A sum of inputs that reaches the threshold in exact arithmetic must fire even though the slight
#: leak (dt / 2 tau_m per step: 5e-5 at the defaults) and rounding leave it a hair below; else a
#: pixel of value 1 would drive its input cell every second step instead of every step.  So the
#: threshold sits this far below 1 mV (0.1 %, a negligible change of the rates).
THRESHOLD_MARGIN_MV = 1e-3
#: Synaptic time constant in time steps: short, so that a spike's charge lands within one step.
TAU_SYN_STEPS = 0.1


@dataclass(frozen=True)
class SpikingSettings:
    """Time step, rate scale and membrane of a converted network."""
    dt_ms: float = 1.0
    max_rate_hz: float = 500.0       # rate of an activation of 1 (and of a pixel of value 1)
    tau_m_ms: float = 1.0e4          # membrane time constant: long, so that it hardly leaks
    cm_nf: float = 1.0

    def __post_init__(self):
        for name in ("dt_ms", "max_rate_hz", "tau_m_ms", "cm_nf"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"SpikingSettings.{name} = {value!r}: expected a positive number")
        if self.max_rate_hz * self.dt_ms / 1000.0 > 1.0 + 1e-12:
            raise ValueError(
                f"max_rate_hz = {self.max_rate_hz:g} Hz with dt = {self.dt_ms:g} ms asks for more "
                f"than one spike per step; use max_rate_hz <= {1000.0 / self.dt_ms:g}")

    @property
    def tau_syn_ms(self):
        return TAU_SYN_STEPS * self.dt_ms

    def bias_per_step(self):
        """Membrane increment (in thresholds) per step for an activation (or bias) of 1."""
        return self.max_rate_hz * self.dt_ms / 1000.0


def rate_to_current_na(rates_hz, settings):
    """The constant current (nA) that makes the non-leaky cell fire at ``rates_hz``."""
    # rate * threshold = dv/dt = I / cm  (mV/ms = nA/nF)
    return np.asarray(rates_hz, dtype=np.float64) / 1000.0 * THRESHOLD_MV * settings.cm_nf


def weight_to_current_na(weights, settings):
    """The IF_curr_exp weight (nA) whose charge moves the membrane by ``weights`` thresholds."""
    # charge = weight * tau_syn; voltage = charge / cm
    return np.asarray(weights, dtype=np.float64) * THRESHOLD_MV * settings.cm_nf / settings.tau_syn_ms


def if_population(sim, size, settings, i_offset_na=0.0, label=None):
    """A population of the non-leaky cell on ``sim`` (any PyNN module), starting at rest.

    NotImplementedError if ``sim`` lacks IF_curr_exp.
    """
    celltype = getattr(sim, "IF_curr_exp", None)
    if celltype is None:
        name = getattr(sim, "__name__", repr(sim))
        extra = (" (pynn_glif3.genn implements only the GLIF3Alpha cell type)"
                 if name.startswith("pynn_glif3.genn") else "")
        raise NotImplementedError(
            f"the converted network needs PyNN's standard IF_curr_exp cell type, which the "
            f"simulator module {name} does not provide{extra}; use pyNN.nest or pyNN.spiNNaker")
    cells = sim.Population(size, celltype(
        v_rest=0.0, v_reset=0.0, v_thresh=THRESHOLD_MV - THRESHOLD_MARGIN_MV,
        tau_m=settings.tau_m_ms, cm=settings.cm_nf, tau_refrac=0.0, i_offset=i_offset_na,
        tau_syn_E=settings.tau_syn_ms, tau_syn_I=settings.tau_syn_ms), label=label)
    cells.initialize(v=0.0)
    return cells
