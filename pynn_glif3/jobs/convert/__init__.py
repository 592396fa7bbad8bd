"""Trained Keras ANNs as spiking networks of integrate-and-fire neurons, on any PyNN simulator.

The method of Diehl et al. 2015: the ReLU network's weights become synaptic weights of non-leaky
integrate-and-fire neurons, whose firing rates then approximate the ANN's activations once each
layer is scaled so that its largest activation maps to the largest rate (normalisation).  The
neurons reset by subtraction (Rueckauer et al. 2017; the project's GLIF3Alpha) or, optionally, to
zero (PyNN's IF_curr_exp).  The
class of an image is the output neuron with the most spikes.  docs/convert.md describes the method
and the measured accuracies.

    from pynn_glif3.jobs.convert import convert
    import pyNN.nest as sim
    snn = convert(keras_model, normalisation="data", data=x_train, reset="subtract")
    result = snn.classify(sim, x_test, presentation_ms=[100, 200], labels=y_test)
    print(result.accuracy)

Modules: :mod:`.layers` (Keras layers to connection lists), :mod:`.normalisation`,
:mod:`.neurons` (the cell and its units), :mod:`.encoding` (input spikes), :mod:`.network`
(the PyNN network), :mod:`.evaluation` (runs and spike counts), :mod:`.digits_task` (the
scikit-learn digits example), :mod:`.report` (accuracy tables), :mod:`.cli`.
"""

from dataclasses import dataclass, replace

from pynn_glif3.jobs.convert.encoding import ENCODINGS, check_pixels
from pynn_glif3.jobs.convert.evaluation import Evaluation, classify, max_input_per_step, setup
from pynn_glif3.jobs.convert.layers import (ConnectionLayer, ConversionError, forward,
                                            layers_from_keras)
from pynn_glif3.jobs.convert.network import build
from pynn_glif3.jobs.convert.neurons import RESETS, SpikingSettings
from pynn_glif3.jobs.convert.normalisation import METHODS, normalise, shift_logits

__all__ = ["convert", "ConvertedNetwork", "SpikingSettings", "ConversionError", "ConnectionLayer",
           "Evaluation", "METHODS", "ENCODINGS", "RESETS", "layers_from_keras", "forward"]


@dataclass
class ConvertedNetwork:
    """The normalised layers of a converted ANN and how to run them."""
    layers: list                 # normalised ConnectionLayers
    scales: list                 # lambda_l per layer (see normalisation)
    normalisation: str
    settings: SpikingSettings
    encoding: str = "poisson"

    def analog(self, images):
        """The normalised ANN's outputs (n, n_classes): the rates the output layer approximates,
        in units of ``settings.max_rate_hz``."""
        return forward(self.layers, check_pixels(images))[-1]

    def setup(self, sim, **options):
        """``sim.setup`` with this network's time step (and on-grid spikes on NEST)."""
        setup(sim, self.settings, options)

    def build(self, sim, images, duration_ms=1e10):
        """Build the network presenting ``images`` for ``duration_ms`` on ``sim`` (after
        :meth:`setup`); returns a :class:`~.network.SpikingNetwork` with its populations."""
        return build(sim, self.layers, check_pixels(images), self.settings, self.encoding,
                     duration_ms)

    def classify(self, sim, images, presentation_ms, labels=None, batch_size=500,
                 setup_options=None, progress=False):
        """Run ``images`` through the spiking network on ``sim``: an :class:`Evaluation`."""
        return classify(sim, self.layers, check_pixels(images), self.settings, presentation_ms,
                        self.encoding, labels, batch_size, setup_options, progress)


def convert(model, normalisation="data", data=None, sim=None, settings=None, encoding="poisson",
            percentile=100.0, allow_bias=True, spikenorm_images=20, spikenorm_ms=200.0,
            setup_options=None, reset=None):
    """Convert a trained Keras model into a :class:`ConvertedNetwork`.

    ``normalisation`` is one of :data:`METHODS`; 'data' and 'spikenorm' need training images
    ``data`` (n, ...) in [0, 1]; 'spikenorm' also runs the spiking network on ``sim`` with
    ``spikenorm_images`` of them for ``spikenorm_ms`` per layer.  ``encoding``: 'poisson' or
    'current' (see :mod:`.encoding`).  ``reset``: 'subtract' (GLIF3Alpha, the default) or 'zero'
    (IF_curr_exp), see :mod:`.neurons`; given, it replaces ``settings.reset``.  With ``data`` and
    biases allowed, the output biases are shifted by a common constant so that no training image
    has only negative logits (:func:`.normalisation.shift_logits`; the class does not change).
    """
    if normalisation not in METHODS:
        raise ValueError(f"normalisation {normalisation!r}: expected one of {', '.join(METHODS)}")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding {encoding!r}: expected one of {', '.join(ENCODINGS)}")
    settings = settings or SpikingSettings()
    if reset is not None:
        settings = replace(settings, reset=reset)
    layers = layers_from_keras(model, allow_bias=allow_bias)
    if data is not None:
        data = check_pixels(data)
    measure = None
    if normalisation == "spikenorm":
        if sim is None:
            raise ValueError("SpikeNorm runs the spiking network: pass sim=<a PyNN module>")
        if data is None:
            raise ValueError("SpikeNorm needs training images (argument 'data')")
        measure = max_input_per_step(sim, settings, data[:spikenorm_images], spikenorm_ms,
                                     encoding, setup_options)
    if allow_bias:
        layers, _ = shift_logits(layers, data)
    normalised, scales = normalise(layers, normalisation, data, percentile, measure)
    return ConvertedNetwork(normalised, scales, normalisation, settings, encoding)
