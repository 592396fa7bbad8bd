"""Training utilities: BPTT learns, Dale's law holds, trained weights come back in pA."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from pynn_glif3.oracles import reference  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.jobs.training import ReadoutTrainer  # noqa: E402


def _task(n_inputs, n_steps, n_samples, seed):
    """Two classes: input units 0..n/2 or n/2..n are active; probabilities per step."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n_samples)
    probs = np.full((n_samples, n_steps, n_inputs), 0.01, np.float32)
    half = n_inputs // 2
    for i, c in enumerate(labels):
        probs[i, :, c * half:(c + 1) * half] = 0.08
    return probs, labels


def _trainer(seed=0):
    net = random_network(120, 40, seed=seed, n_inputs=40, inputs_per_neuron=8)
    readout = np.flatnonzero(net.excitatory)[:20].reshape(2, 10)
    return net, ReadoutTrainer(net.neurons, net.recurrent, net.inputs, 40, net.bkg_weights,
                               readout, window=(20, 40), n_steps=40, learning_rate=5e-3, seed=seed)


def test_untrained_weights_round_trip_in_pA():
    net, trainer = _trainer()
    rec, inp = trainer.trained_synapses()
    np.testing.assert_allclose(rec.weight, net.recurrent.weight, rtol=1e-6)
    np.testing.assert_allclose(inp.weight, net.inputs.weight, rtol=1e-6)
    np.testing.assert_array_equal(rec.source, net.recurrent.source)


def test_training_improves_and_keeps_dale_law():
    net, trainer = _trainer()
    probs, labels = _task(40, 40, 64, seed=1)
    history = trainer.fit(probs, labels, epochs=6, batch_size=16, log=None)
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["accuracy"] > 0.8
    rec, inp = trainer.trained_synapses()
    assert not np.allclose(rec.weight, net.recurrent.weight)          # something was learned
    assert np.all(rec.weight * np.sign(net.recurrent.weight) >= 0)      # Dale's law
    assert np.all(inp.weight * np.sign(net.inputs.weight) >= 0)


def test_trained_network_prediction_matches_reference_spikes():
    """The trainer's float32 forward pass is the same model: compare with the reference."""
    net, trainer = _trainer(seed=2)
    probs, _ = _task(40, 40, 1, seed=3)
    spikes_in = (np.random.default_rng(4).random(probs.shape) < probs).astype(np.float32)
    counts = np.random.default_rng(5).binomial(10, 0.1, size=(1, 40)).astype(np.float32)
    _, z = trainer.predict(spikes_in, counts)
    ref = reference.simulate(net.neurons, 40, recurrent=net.recurrent, inputs=net.inputs,
                             input_spikes=spikes_in[0], bkg_weights=net.bkg_weights,
                             bkg_counts=counts[0])
    assert ref.spikes.sum() > 20
    assert (z[0] == ref.spikes).mean() > 0.999
