"""Helpers to build one- or two-neuron problems for clause tests."""

import numpy as np

from pynn_glif3.model.physical import NeuronParameters, Synapses

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


def offset_and_reset_case(n_steps=60):
    """Two neurons whose state moves from the first step: V_reset above E_L, for neuron 0 an offset
    current that makes it spike (first in row 6), and input spikes in rows 0 and 7 on syn1.

    A simulator that starts updating before the training model's row 0 (or delivers input a step
    late) gets other spike steps and voltages for these neurons; with V_reset == E_L, I_e == 0 and
    no input the state would stay at rest and hide it.
    """
    p = neuron(n=2, V_reset=-60.0, I_offset=[300.0, 0.0], t_ref=3.0)
    spikes = np.zeros((n_steps, 1))
    spikes[[0, 7], 0] = 1
    syn = Synapses([0, 0], [0, 1], [0, 0], [30.0, 30.0])
    return dict(neurons=p, n_steps=n_steps, inputs=syn, input_spikes=spikes)


def without_hold(net):
    """A SpiNNaker BoardNetwork whose neurons update from the first time step, as the port did
    before it held the initial state (the input still arrives in the ticks of its rows)."""
    import dataclasses
    nr, tr, sr = net.raw
    none = np.zeros_like(nr["hold_init"])
    return dataclasses.replace(net, raw=(dict(nr, hold_init=none), tr, dict(sr, hold_init=none)))
