"""Training a GLIF3Alpha network on a classification task, following the V1 training method.

Backpropagation through time through the spiking layer (:class:`~pynn_glif3.oracles.tensorflow.
GLIF3AlphaCell`, whose spike function has the training code's Gaussian pseudo-derivative),
Dale's law as a sign constraint on every recurrent and input weight, a firing-rate regulariser,
and readout pools: the logit of class c is the mean spike count of pool c in the response window.
Input spikes are drawn afresh for every batch (Bernoulli of probability per unit and step), and the
background is the training model's Binomial(10, 0.1) count per step.

The trained weights come back in pA, in the order the synapses were given, ready to be written to
a network file and run on any backend.
"""

import time

import numpy as np
import keras
import tensorflow as tf

from pynn_glif3.model import TRAINING_MAX_DELAY_MS
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.oracles import tensorflow as tf_layer


class ReadoutTrainer:
    """A GLIF3Alpha network with readout pools, trainable with BPTT.

    Parameters are the network (physical units, weights in pA), the readout pools
    ``readout_ids`` (n_classes, pool_size), the response ``window`` (first step, stop step), and the
    trial length ``n_steps``.
    """

    def __init__(self, neurons, recurrent, inputs, n_inputs, bkg_weights, readout_ids, window,
                 n_steps, dt=1.0, max_delay_ms=TRAINING_MAX_DELAY_MS, rate_target_hz=10.0,
                 rate_cost=0.1, logit_scale=2.0, learning_rate=1e-3, seed=0, dtype="float32",
                 recurrent_learning_rate=None):
        self.neurons = p = NeuronParameters.coerce(neurons)
        self.recurrent = Synapses.coerce(recurrent)
        self.inputs = Synapses.coerce(inputs)
        self.n_inputs = int(n_inputs)
        self.readout_ids = np.asarray(readout_ids, dtype=np.int64)
        self.window = (int(window[0]), int(window[1]))
        if not 0 <= self.window[0] < self.window[1] <= n_steps:
            raise ValueError(f"response window {window} must lie within the {n_steps} steps of a trial")
        self.n_steps, self.dt, self.dtype = int(n_steps), float(dt), dtype
        self.vs = p.V_th - p.E_L
        self.seed = seed
        tf.random.set_seed(seed)
        keras.utils.set_random_seed(seed)

        self.cell, self.input_layer = tf_layer.build_layers(p, self.recurrent, self.inputs, self.n_inputs,
                                                            bkg_weights, dt, max_delay_ms, dtype)
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, dtype=dtype)
        self.optimizer = keras.optimizers.Adam(learning_rate)
        # Adam's steps scale with the learning rate: the recurrent weights may learn more slowly
        # than the input weights (None: the same rate)
        self._recurrent_optimizer = keras.optimizers.Adam(
            learning_rate if recurrent_learning_rate is None else recurrent_learning_rate)
        self.rate_target = rate_target_hz * dt / 1000.0
        self.rate_cost = rate_cost
        self.logit_scale = logit_scale
        self._train_step = tf.function(self._train_step_impl)
        self._predict = tf.function(self._predict_impl)

    # -- the model ------------------------------------------------------------------------------
    def _spikes(self, input_spikes, bkg_counts=None):
        currents = self.input_layer(input_spikes, bkg_counts)
        # Keras returns the cell's two outputs (spikes, voltage) as a list, or stacked in graph mode
        return self.rnn(currents)[0]

    def _logits(self, z):
        start, stop = self.window
        per_neuron = tf.reduce_sum(z[:, start:stop], axis=1)              # (B, N)
        pools = tf.gather(per_neuron, self.readout_ids, axis=1)          # (B, C, pool)
        return self.logit_scale * tf.reduce_mean(pools, axis=-1)

    def _sample(self, probabilities):
        p = tf.cast(probabilities, self.dtype)
        return tf.cast(tf.random.uniform(tf.shape(p), dtype=self.dtype) < p, self.dtype)

    def _train_step_impl(self, probabilities, labels):
        spikes_in = self._sample(probabilities)
        variables = [self.cell.recurrent_weight_values, self.input_layer.input_weight_values]
        with tf.GradientTape() as tape:
            z = self._spikes(spikes_in)
            logits = self._logits(z)
            ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tf.cast(logits, tf.float32)))
            rate = tf.reduce_mean(z, axis=(0, 1))
            reg = self.rate_cost * tf.reduce_sum(tf.square(rate - self.rate_target)) / tf.cast(tf.size(rate), self.dtype)
            loss = ce + tf.cast(reg, tf.float32) * 1000.0
        grads = tape.gradient(loss, variables)
        self._recurrent_optimizer.apply_gradients([(grads[0], variables[0])])
        self.optimizer.apply_gradients([(grads[1], variables[1])])
        for v in variables:
            v.assign(v.constraint(v))
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels), tf.float32))
        return ce, acc, tf.reduce_mean(rate)

    def _predict_impl(self, input_spikes, bkg_counts):
        z = self._spikes(input_spikes, bkg_counts)
        return tf.argmax(self._logits(z), axis=1, output_type=tf.int32), z

    # -- public ---------------------------------------------------------------------------------
    def scale_learning_rates(self, factor):
        """Multiply the learning rates of the input and recurrent weights by ``factor``."""
        for optimizer in (self.optimizer, self._recurrent_optimizer):
            optimizer.learning_rate.assign(optimizer.learning_rate * factor)

    def fit(self, probabilities, labels, epochs=1, batch_size=16, log=print, rng_seed=None):
        """Train on ``probabilities`` (samples, n_steps, n_inputs) spike probabilities per step.

        Returns a list of per-epoch dicts (loss, accuracy, rate, seconds).
        """
        probabilities = np.asarray(probabilities, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int32)
        rng = np.random.default_rng(self.seed if rng_seed is None else rng_seed)
        history = []
        for epoch in range(epochs):
            start = time.perf_counter()
            order = rng.permutation(len(labels))
            stats = []
            for b in range(0, len(order) - batch_size + 1, batch_size):
                sel = order[b:b + batch_size]
                ce, acc, rate = self._train_step(tf.constant(probabilities[sel]), tf.constant(labels[sel]))
                stats.append((float(ce), float(acc), float(rate)))
            ce, acc, rate = np.mean(stats, axis=0)
            entry = dict(epoch=epoch + 1, loss=ce, accuracy=acc, rate_hz=rate * 1000.0 / self.dt,
                         seconds=time.perf_counter() - start)
            history.append(entry)
            if log:
                log(f"epoch {entry['epoch']}: loss {ce:.3f}, train accuracy {acc:.1%}, "
                    f"rate {entry['rate_hz']:.1f} Hz, {entry['seconds']:.0f} s")
        return history

    def predict(self, input_spikes, bkg_counts):
        """Predicted classes and spikes for explicit input spikes (B, T, n_in) and counts (B, T)."""
        pred, z = self._predict(tf.constant(input_spikes, dtype=self.dtype),
                                tf.constant(bkg_counts, dtype=self.dtype))
        return pred.numpy(), z.numpy() > 0.5

    def trained_synapses(self):
        """(recurrent, inputs) Synapses with the trained weights in pA, in the given order."""
        rec_w = self.cell.recurrent_weights() * self.vs[self.recurrent.target]
        in_w = self.input_layer.input_weights() * self.vs[self.inputs.target]
        rec = Synapses(self.recurrent.source, self.recurrent.target, self.recurrent.receptor,
                       rec_w, self.recurrent.delay)
        inp = Synapses(self.inputs.source, self.inputs.target, self.inputs.receptor, in_w)
        return rec, inp
