"""Weight normalisation: scale each layer so that its largest activation maps to the largest rate.

Every method chooses one scale ``lambda_l`` per layer, the analog activation that the spiking
layer l represents by firing at the maximal rate; the weights and biases then become

    W_l <- W_l * lambda_{l-1} / lambda_l,     b_l <- b_l / lambda_l,     lambda_0 = 1

(inputs are in [0, 1]).  This keeps the network's function up to a positive factor per layer, so
ReLUs and the arg-max of the output are unchanged (Diehl et al. 2015).  The methods differ in how
they choose lambda_l:

* ``none``: lambda_l = 1, the Keras weights as they are.
* ``model``: the largest input a neuron can receive when every input is maximal
  (``max_i lambda_{l-1} sum_j max(W_ij, 0) + max(b_i, 0)``), so no neuron can ever be driven
  above one spike per step.  Needs no data; very conservative.
* ``data``: the largest activation of layer l over the training data (or a percentile of them,
  the robust variant of Rueckauer et al. 2017), and at least the largest weight, so that one input
  spike never carries more than the threshold (Diehl et al. 2015).
* ``spikenorm``: measured on the spiking network itself (Sengupta et al. 2019): layer by layer,
  the largest input a neuron of layer l receives in one time step while training images are
  presented, with the earlier layers already normalised.  See :func:`spikenorm_scales`.
"""

from dataclasses import replace

import numpy as np

from pynn_glif3.jobs.convert.layers import forward

METHODS = ("none", "model", "data", "spikenorm")


def shift_logits(layers, data, fraction=0.1):
    """``layers`` with a common constant added to the output biases, so that on ``data`` the top
    logit of every image is at least ``fraction`` of the median top logit.

    Output neurons fire only for positive logits: an image whose logits are all negative would
    leave them silent.  The arg-max (and a softmax) is the same for logits shifted by a constant,
    so the class does not change.  A rectified last layer, or no data, is left as it is.
    """
    if data is None or len(data) == 0 or layers[-1].rectified:
        return layers, 0.0
    top = forward(layers, data)[-1].max(axis=1)
    shift = max(0.0, fraction * float(np.median(np.abs(top))) - float(top.min()))
    return layers[:-1] + [replace(layers[-1], bias=layers[-1].bias + shift)], shift


def apply_scales(layers, scales):
    """``layers`` with weights times lambda_{l-1} / lambda_l and biases divided by lambda_l."""
    out, previous = [], 1.0
    for layer, lam in zip(layers, scales):
        out.append(layer.scaled(previous / lam, 1.0 / lam))
        previous = lam
    return out


def model_scales(layers):
    """lambda_l: the largest possible input of a layer-l neuron when all its inputs are maximal."""
    scales, previous = [], 1.0
    for layer in layers:
        positive = np.bincount(layer.targets, weights=np.maximum(layer.weights, 0.0),
                               minlength=layer.n_outputs)
        lam = float(np.max(previous * positive + np.maximum(layer.bias, 0.0)))
        scales.append(lam if lam > 0 else 1.0)
        previous = scales[-1]
    return scales


def data_scales(layers, data, percentile=100.0):
    """lambda_l from the activations of ``data`` (batch, ...) in [0, 1]: their ``percentile``
    (100: the maximum), and at least lambda_{l-1} times the largest weight of the layer."""
    if data is None or len(data) == 0:
        raise ValueError("data-based normalisation needs training images (argument 'data')")
    if not 0.0 < percentile <= 100.0:
        raise ValueError(f"percentile = {percentile!r}: expected a value in (0, 100]")
    scales, previous = [], 1.0
    for layer, act in zip(layers, forward(layers, data)):
        positive = act[act > 0]
        lam = float(np.percentile(positive, percentile)) if positive.size else 0.0
        lam = max(lam, previous * float(np.max(layer.weights, initial=0.0)))
        scales.append(lam if lam > 0 else 1.0)
        previous = scales[-1]
    return scales


def spikenorm_scales(layers, measure_max_input):
    """lambda_l by SpikeNorm.  ``measure_max_input(normalised_layers, l)`` runs the spiking network
    whose layers before l are ``normalised_layers[:l]`` and returns the largest input (in units of
    the threshold) that a layer-l neuron receives in one step, when layer l has weights
    ``W_l * lambda_{l-1}`` and biases ``b_l`` (lambda_l = 1)."""
    scales = []
    for index in range(len(layers)):
        trial = apply_scales(layers[:index + 1], scales + [1.0])
        peak = float(measure_max_input(trial, index))
        scales.append(peak if peak > 0 else 1.0)
    return scales


def normalise(layers, method, data=None, percentile=100.0, measure_max_input=None):
    """(normalised layers, lambdas) by ``method`` (one of :data:`METHODS`)."""
    if method == "none":
        scales = [1.0] * len(layers)
    elif method == "model":
        scales = model_scales(layers)
    elif method == "data":
        scales = data_scales(layers, data, percentile)
    elif method == "spikenorm":
        if measure_max_input is None:
            raise ValueError("SpikeNorm runs the spiking network: it needs a simulator")
        scales = spikenorm_scales(layers, measure_max_input)
    else:
        raise ValueError(f"normalisation {method!r}: expected one of {', '.join(METHODS)}")
    return apply_scales(layers, scales), scales
