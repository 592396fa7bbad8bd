"""Helpers to build one- or two-neuron problems for clause tests."""

import numpy as np

from pynn_glif3.netspec import NeuronParameters, Synapses

BASE = dict(E_L=-70.0, V_th=-45.0, V_reset=-70.0, C_m=80.0, g=8.0, t_ref=2.0,
            k=[[0.05, 0.3]], asc_amps=[[-10.0, -100.0]], tau_syn=[[5.0, 8.0, 2.0, 4.0]], I_offset=0.0)


def neuron(n=1, **overrides):
    params = dict(BASE)
    params.update(overrides)
    return NeuronParameters(**{k: np.broadcast_to(np.asarray(v, float),
                                                  (n,) + np.shape(BASE[k])[1:]).copy()
                               for k, v in params.items()})


def one_input(step, receptor, weight_pA, n_steps, target=0):
    """One input unit that spikes once at ``step``, on ``receptor`` of ``target``."""
    spikes = np.zeros((n_steps, 1))
    spikes[step, 0] = 1
    return Synapses([0], [target], [receptor], [weight_pA]), spikes
