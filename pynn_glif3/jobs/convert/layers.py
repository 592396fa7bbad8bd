"""Keras layers as connection lists: the analog network that the spiking network reproduces.

A trained Keras model (a chain of Dense, Conv2D, AveragePooling2D, Flatten, ReLU / Activation,
Dropout) becomes a list of :class:`ConnectionLayer`: parallel arrays of source index, target
index and weight, plus a bias per target.  Indices are positions in the C-order flattening of a
layer's (height, width, channels) output, which is exactly Keras' ``Flatten`` order, so Flatten
needs no neurons and no connections.

The index arithmetic of Conv2D and AveragePooling2D is TensorFlow's: 'valid' padding starts at
the top-left input, 'same' padding puts the odd padded row/column at the bottom/right, and
average pooling with 'same' padding divides by the number of inputs inside the image.
"""

from dataclasses import dataclass, replace
import math

import numpy as np

SUPPORTED_LAYERS = ("Dense", "Conv2D", "AveragePooling2D", "Flatten", "ReLU", "Activation",
                    "Dropout", "InputLayer")


class ConversionError(ValueError):
    """A Keras model (or one of its layers) that the converter cannot turn into spiking neurons."""


@dataclass(frozen=True)
class ConnectionLayer:
    """One spiking layer: ``output[t] = act(sum_k weights[k] * input[sources[k]] + bias[t])``.

    ``input_shape`` and ``output_shape`` exclude the batch axis; ``rectified`` says whether the
    Keras layer applies a ReLU (only the last layer may be unrectified: its outputs are the logits).
    """
    name: str
    kind: str                 # "dense", "conv2d" or "avgpool2d"
    input_shape: tuple
    output_shape: tuple
    sources: np.ndarray       # int64, index into the flattened input
    targets: np.ndarray       # int64, index into the flattened output
    weights: np.ndarray       # float64
    bias: np.ndarray          # float64, one per output unit
    rectified: bool = True

    @property
    def n_inputs(self):
        return math.prod(self.input_shape)

    @property
    def n_outputs(self):
        return math.prod(self.output_shape)

    def matrix(self):
        """The dense (n_inputs, n_outputs) weight matrix (for small layers and checks)."""
        w = np.zeros((self.n_inputs, self.n_outputs))
        np.add.at(w, (self.sources, self.targets), self.weights)
        return w

    def preactivation(self, x):
        """``sum weights * x[sources] + bias`` for inputs ``x`` (batch, n_inputs): (batch, n_outputs)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.n_inputs)
        out = np.zeros((x.shape[0], self.n_outputs))
        contributions = x[:, self.sources] * self.weights[None]
        for row, c in zip(out, contributions):
            row += np.bincount(self.targets, weights=c, minlength=self.n_outputs)
        return out + self.bias[None]

    def activation(self, x):
        out = self.preactivation(x)
        return np.maximum(out, 0.0) if self.rectified else out

    def scaled(self, weight_factor, bias_factor):
        """This layer with weights times ``weight_factor`` and bias times ``bias_factor``."""
        return replace(self, weights=self.weights * weight_factor, bias=self.bias * bias_factor)


def forward(layers, x):
    """Analog activations of every layer for inputs ``x`` (batch, ...): a list of (batch, n_out)."""
    out, activations = np.asarray(x, dtype=np.float64).reshape(len(x), -1), []
    for layer in layers:
        out = layer.activation(out)
        activations.append(out)
    return activations


# --------------------------------------------------------------------------------------------------
# index arithmetic

def _output_length(size, kernel, stride, dilation, padding):
    """Output length and padding before the first input along one axis (TensorFlow's rule)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (size - effective) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return out, total // 2


def _windows(in_hw, kernel_hw, strides, dilation, padding):
    """Every (output position, kernel offset) pair whose input lies inside the image.

    Returns output shape (ho, wo) and flat arrays out_pos, kernel_pos (row-major indices into
    (ho, wo) and (kh, kw)) and in_pos (row-major index into (h, w)).
    """
    (h, w), (kh, kw) = in_hw, kernel_hw
    ho, pad_top = _output_length(h, kh, strides[0], dilation[0], padding)
    wo, pad_left = _output_length(w, kw, strides[1], dilation[1], padding)
    if ho < 1 or wo < 1:
        raise ConversionError(f"a {kh}x{kw} window does not fit a {h}x{w} input")
    oy, ox, ky, kx = np.meshgrid(np.arange(ho), np.arange(wo), np.arange(kh), np.arange(kw),
                                 indexing="ij")
    iy = oy * strides[0] + ky * dilation[0] - pad_top
    ix = ox * strides[1] + kx * dilation[1] - pad_left
    inside = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    return ((ho, wo), (oy * wo + ox)[inside], (ky * kw + kx)[inside], (iy * w + ix)[inside])


def conv2d_connections(input_shape, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Connections of a channels-last 2-D convolution with ``kernel`` (kh, kw, c_in, c_out).

    Returns (output_shape, sources, targets, weights); zero kernel entries make no connection.
    """
    h, w, c_in = input_shape
    kh, kw, k_in, c_out = kernel.shape
    if k_in != c_in:
        raise ConversionError(f"kernel expects {k_in} input channels, the input has {c_in}")
    (ho, wo), out_pos, kernel_pos, in_pos = _windows((h, w), (kh, kw), strides, dilation, padding)
    ci, co = np.meshgrid(np.arange(c_in), np.arange(c_out), indexing="ij")
    sources = (in_pos[:, None, None] * c_in + ci[None]).ravel()
    targets = (out_pos[:, None, None] * c_out + co[None]).ravel()
    weights = kernel.reshape(kh * kw, c_in, c_out)[kernel_pos].ravel().astype(np.float64)
    keep = weights != 0.0
    return (ho, wo, c_out), sources[keep], targets[keep], weights[keep]


def avgpool2d_connections(input_shape, pool_size, strides, padding="valid"):
    """Connections of channels-last average pooling: each output is the mean of the inputs of its
    window that lie inside the image.  Returns (output_shape, sources, targets, weights)."""
    h, w, c = input_shape
    (ho, wo), out_pos, _, in_pos = _windows((h, w), pool_size, strides, (1, 1), padding)
    count = np.bincount(out_pos, minlength=ho * wo)
    ch = np.arange(c)
    sources = (in_pos[:, None] * c + ch[None]).ravel()
    targets = (out_pos[:, None] * c + ch[None]).ravel()
    weights = np.repeat(1.0 / count[out_pos], c)
    return (ho, wo, c), sources, targets, weights


def dense_connections(kernel):
    """Connections of a Dense kernel (n_in, n_out), without its zero entries."""
    src, tgt = np.nonzero(kernel)
    return src.astype(np.int64), tgt.astype(np.int64), kernel[src, tgt].astype(np.float64)


# --------------------------------------------------------------------------------------------------
# Keras model -> layers

def _activation_name(layer):
    act = getattr(layer, "activation", None)
    return "linear" if act is None else getattr(act, "__name__", str(act))


def _shape(shape):
    return tuple(int(s) for s in shape[1:])


def _check_chain(model):
    """Raise unless each layer takes the previous layer's output (no branches, one input)."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if type(model).__name__ == "Sequential":      # a chain by construction (and a reloaded one
        return layers                             # has tensors of a new graph: no identity test)
    for prev, layer in zip(layers, layers[1:]):
        try:
            if layer.input is not prev.output:
                raise ConversionError(
                    f"layer {layer.name!r} does not take the output of {prev.name!r}: only a chain "
                    "of layers (keras.Sequential, or a functional model without branches) converts")
        except AttributeError:       # a layer without a defined input: not built
            raise ConversionError(f"layer {layer.name!r} is not built; call the model on data first")
    return layers


def _is_relu(layer):
    kind = type(layer).__name__
    if kind == "Activation":
        return _activation_name(layer) == "relu"
    if kind == "ReLU":
        plain = (layer.max_value is None and float(layer.negative_slope) == 0.0
                 and float(layer.threshold) == 0.0)
        if not plain:
            raise ConversionError(
                f"layer {layer.name!r}: only a plain ReLU (no max_value, negative_slope or "
                "threshold) converts to integrate-and-fire neurons")
        return True
    return False


def layers_from_keras(model, allow_bias=True):
    """The model as a list of :class:`ConnectionLayer`; ConversionError names what does not fit.

    Biases become constant currents; ``allow_bias=False`` rejects a model with a non-zero bias.
    """
    out = []
    shape = None
    for layer in _check_chain(model):
        kind = type(layer).__name__
        in_shape = _shape(layer.input.shape)
        if shape is not None and math.prod(in_shape) != math.prod(shape):
            raise ConversionError(f"layer {layer.name!r} takes {in_shape}, but gets {shape}")
        shape = in_shape
        if getattr(layer, "data_format", "channels_last") != "channels_last":
            raise ConversionError(f"layer {layer.name!r}: only data_format='channels_last' converts")
        if kind in ("Dropout", "Flatten"):     # identity at inference; Flatten keeps the C order
            shape = _shape(layer.output.shape)
            continue
        if kind in ("ReLU", "Activation"):
            if _is_relu(layer):
                if not out or out[-1].rectified:
                    raise ConversionError(f"layer {layer.name!r}: a ReLU must follow a linear Dense "
                                          "or Conv2D layer")
                out[-1] = replace(out[-1], rectified=True)
                continue
            if _activation_name(layer) == "softmax" and layer is model.layers[-1]:
                continue                      # the arg-max of the logits is the class
            raise ConversionError(f"layer {layer.name!r}: activation {_activation_name(layer)!r} "
                                  "does not convert (only relu, and softmax as the last layer)")
        if kind == "Dense":
            if len(in_shape) != 1:
                raise ConversionError(f"Dense layer {layer.name!r} gets a {len(in_shape)}-D input "
                                      "of shape {in_shape}; flatten it first")
            kernel = np.asarray(layer.kernel.numpy(), dtype=np.float64)
            src, tgt, w = dense_connections(kernel)
            out_shape = (kernel.shape[1],)
        elif kind == "Conv2D":
            if getattr(layer, "groups", 1) != 1:
                raise ConversionError(f"Conv2D layer {layer.name!r}: grouped convolution "
                                      "does not convert")
            kernel = np.asarray(layer.kernel.numpy(), dtype=np.float64)
            out_shape, src, tgt, w = conv2d_connections(
                in_shape, kernel, tuple(layer.strides), layer.padding, tuple(layer.dilation_rate))
        elif kind == "AveragePooling2D":
            out_shape, src, tgt, w = avgpool2d_connections(
                in_shape, tuple(layer.pool_size), tuple(layer.strides), layer.padding)
        else:
            raise ConversionError(
                f"layer {layer.name!r} of type {kind} does not convert; supported layers: "
                f"{', '.join(SUPPORTED_LAYERS)} (MaxPooling2D and BatchNormalization are not: "
                "replace max by average pooling, fold batch normalisation into the weights)")
        if tuple(out_shape) != _shape(layer.output.shape):
            raise ConversionError(f"layer {layer.name!r}: computed output shape {out_shape} "
                                  f"differs from Keras' {_shape(layer.output.shape)}")
        bias = np.zeros(math.prod(out_shape))
        if getattr(layer, "use_bias", False):
            b = np.asarray(layer.bias.numpy(), dtype=np.float64)
            if not allow_bias and np.any(b != 0):
                raise ConversionError(f"layer {layer.name!r} has a non-zero bias; train with "
                                      "use_bias=False or allow biases (constant input currents)")
            bias = np.broadcast_to(b, out_shape).ravel().copy()   # one bias per channel
        act = _activation_name(layer) if kind != "AveragePooling2D" else "relu"
        if act not in ("relu", "linear", "softmax"):
            raise ConversionError(f"layer {layer.name!r}: activation {act!r} does not convert "
                                  "(only relu, and linear or softmax on the last layer)")
        if act == "softmax" and layer is not model.layers[-1]:
            raise ConversionError(f"layer {layer.name!r}: softmax is allowed on the last layer only")
        # pooling averages non-negative inputs, so its outputs need no rectification
        out.append(ConnectionLayer(layer.name, kind.lower().replace("averagepooling", "avgpool"),
                                   in_shape, tuple(out_shape), src, tgt, w, bias,
                                   rectified=(act == "relu")))
        shape = tuple(out_shape)
    if not out:
        raise ConversionError("the model has no Dense or Conv2D layer")
    for layer in out[:-1]:
        if not layer.rectified:
            raise ConversionError(
                f"layer {layer.name!r} has no ReLU, but is not the last layer: spiking neurons "
                "represent only non-negative activations")
    if out[0].kind == "avgpool2d":
        raise ConversionError("the model starts with pooling; pool the images beforehand instead")
    return out
