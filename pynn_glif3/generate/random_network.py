"""Random GLIF3Alpha networks with real parameter ranges, for tests, examples and benchmarks.

Parameters are drawn in the ranges of the 111 V1 core node types (Allen GLIF3 fits); connectivity
follows Dale's law with 80% excitatory neurons and the Billeh receptor convention
(syn1 E->E, syn2 I->E, syn3 E->I, syn4 I->I).  Everything is drawn from one seed.
"""

from dataclasses import dataclass, field

import numpy as np

from pynn_glif3.model import BILLEH_TAU_SYN, N_RECEPTORS, V1_CORE_RANGES
from pynn_glif3.model.physical import NeuronParameters, Synapses

@dataclass
class RandomNetwork:
    """A network and its pre-drawn drive, ready for any stepper: ``simulate(**net.kwargs())``."""
    neurons: NeuronParameters
    excitatory: np.ndarray
    recurrent: Synapses
    inputs: Synapses
    input_spikes: np.ndarray      # (n_steps, n_inputs) 0/1
    bkg_weights: np.ndarray       # (N, 4) pA
    bkg_counts: np.ndarray        # (n_steps,) Binomial(10, 0.1)
    n_steps: int
    dt: float = 1.0
    seed: int = 0
    meta: dict = field(default_factory=dict)

    def kwargs(self):
        return dict(neurons=self.neurons, n_steps=self.n_steps, dt=self.dt, recurrent=self.recurrent,
                    inputs=self.inputs, input_spikes=self.input_spikes,
                    bkg_weights=self.bkg_weights, bkg_counts=self.bkg_counts)


def random_neurons(n, rng, t_ref_choices=None):
    """Heterogeneous GLIF3 parameters for ``n`` neurons (physical units)."""
    u = lambda key: rng.uniform(*V1_CORE_RANGES[key], size=n)  # noqa: E731
    E_L = u("E_L")
    t_ref = u("t_ref") if t_ref_choices is None else rng.choice(t_ref_choices, size=n)
    tau_syn = np.asarray(BILLEH_TAU_SYN) * rng.uniform(0.8, 1.25, size=(n, N_RECEPTORS))
    return NeuronParameters(
        E_L=E_L, V_th=E_L + u("vs"), V_reset=E_L + rng.uniform(-3.0, 3.0, size=n),
        C_m=u("C_m"), g=u("g"), t_ref=t_ref,
        k=np.stack([u("k_1"), u("k_2")], axis=1),
        asc_amps=np.stack([u("asc_1"), u("asc_2")], axis=1), tau_syn=tau_syn)


def random_network(n_neurons=300, n_steps=1000, seed=0, synapses_per_neuron=50, n_inputs=100,
                   inputs_per_neuron=10, input_rate_hz=20.0, weight_scale=1.0, dt=1.0,
                   delay_range_ms=(0.6, 5.4), t_ref_choices=None):
    """A random recurrent network with input and background drive drawn once.

    Delays are drawn uniformly in ``delay_range_ms`` (ms, not whole steps) so that the training
    model's clip-and-round rule is exercised; weights are in pA and signed by the source's type.
    """
    rng = np.random.default_rng(seed)
    n = n_neurons
    neurons = random_neurons(n, rng, t_ref_choices)
    excitatory = rng.random(n) < 0.8

    n_syn = n * synapses_per_neuron
    target = np.repeat(np.arange(n), synapses_per_neuron)
    source = rng.integers(0, n, size=n_syn)
    src_e, tgt_e = excitatory[source], excitatory[target]
    # Billeh ports: 1 E->E, 2 I->E, 3 E->I, 4 I->I  (receptor index = port - 1)
    receptor = np.where(tgt_e, np.where(src_e, 0, 1), np.where(src_e, 2, 3))
    magnitude = rng.lognormal(np.log(6.0), 0.5, size=n_syn) * weight_scale
    weight = np.where(src_e, magnitude, -2.5 * magnitude) * 50.0 / synapses_per_neuron
    delay = rng.uniform(*delay_range_ms, size=n_syn)
    recurrent = Synapses(source, target, receptor, weight, delay)

    n_in_syn = n * inputs_per_neuron
    inputs = Synapses(rng.integers(0, n_inputs, size=n_in_syn),
                      np.repeat(np.arange(n), inputs_per_neuron),
                      np.where(excitatory, 0, 2)[np.repeat(np.arange(n), inputs_per_neuron)],
                      rng.lognormal(np.log(30.0), 0.4, size=n_in_syn) * weight_scale)
    input_spikes = (rng.random((n_steps, n_inputs)) < input_rate_hz * dt / 1000.0).astype(np.uint8)

    bkg_weights = np.zeros((n, N_RECEPTORS))
    bkg_weights[:, 0] = np.where(excitatory, rng.uniform(7.0, 12.0, size=n), 0.0)
    bkg_weights[:, 2] = np.where(excitatory, 0.0, rng.uniform(7.0, 12.0, size=n))
    bkg_weights[:, 1] = -rng.uniform(0.0, 2.0, size=n) * ~excitatory
    bkg_weights[:, 3] = -rng.uniform(0.0, 2.0, size=n) * excitatory
    bkg_counts = rng.binomial(10, 0.1, size=n_steps)
    return RandomNetwork(neurons, excitatory, recurrent, inputs, input_spikes, bkg_weights,
                         bkg_counts.astype(np.float64), n_steps, dt, seed)
