"""Helpers to build one- or two-neuron problems for clause tests, and one neuron's reference."""

import numpy as np

from pynn_glif3 import model
from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.oracles.reference import simulate

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


def reference_single(params, inputs=(), n_steps=40):
    """The reference for one GLIF3Alpha with PyNN parameters ``params`` (defaults for the rest);
    ``inputs`` are (row, receptor index, weight nA), one input unit each."""
    neurons = NeuronParameters(**units.pynn_to_physical(dict(model.DEFAULT_PARAMETERS, **params)))
    kwargs = {}
    if inputs:
        rows, receptors, weights = (np.array(column) for column in zip(*inputs))
        spikes = np.zeros((n_steps, len(inputs)))
        spikes[rows, np.arange(len(inputs))] = 1
        kwargs = dict(inputs=Synapses(np.arange(len(inputs)), np.zeros(len(inputs)), receptors,
                                      weights * 1000.0), input_spikes=spikes)
    return simulate(neurons, n_steps, record_currents=True, **kwargs)


def per_neuron_parameters(n, rng):
    """PyNN parameters of ``n`` neurons, each value drawn around the cell type's default."""
    values = {}
    for spec in model.PARAMETERS:
        base = spec.default
        if spec.name in ("v_rest", "v_thresh", "v_reset", "i_offset", "asc_amp_1", "asc_amp_2"):
            values[spec.name] = base + rng.uniform(-2.0, 2.0, n) * (0.01 if spec.unit == "nA" else 1.0)
        else:
            values[spec.name] = base * rng.uniform(0.8, 1.25, n)
    return values
