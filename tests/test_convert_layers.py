"""Keras layers as connection lists, and normalisation: the Keras model is the oracle."""

from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from pynn_glif3.jobs.convert import ConversionError, convert, forward, layers_from_keras  # noqa: E402
from pynn_glif3.jobs.convert.layers import avgpool2d_connections  # noqa: E402
from pynn_glif3.jobs.convert.normalisation import apply_scales, normalise, shift_logits  # noqa: E402


def _randomise(model, seed):
    """Random weights and biases (biases too, which Keras initialises to zero)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        layer.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()])
    return model


def _single(layer, input_shape, seed=0):
    model = _randomise(keras.Sequential([keras.Input(input_shape), layer]), seed)
    return model, layers_from_keras(model)[0]


CONVS = [
    dict(filters=4, kernel_size=3),
    dict(filters=3, kernel_size=(3, 2), padding="same"),
    dict(filters=2, kernel_size=3, strides=2, padding="same"),
    dict(filters=5, kernel_size=(2, 3), strides=(2, 1)),
    dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=3, kernel_size=4, strides=3, padding="same"),
]


@pytest.mark.parametrize("options", CONVS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("input_shape", [(8, 8, 1), (7, 9, 3)])
def test_conv2d_currents_equal_keras(options, input_shape):
    model, layer = _single(keras.layers.Conv2D(**options), input_shape, seed=len(options))
    x = np.random.default_rng(1).random((3,) + input_shape).astype(np.float32)
    expected = model.predict(x, verbose=0).reshape(3, -1)
    assert layer.output_shape == tuple(model.outputs[0].shape[1:])
    np.testing.assert_allclose(layer.preactivation(x), expected, rtol=1e-5, atol=1e-5)
    # each output unit has at most kh * kw * c_in inputs, each used once
    pairs = layer.sources * layer.n_outputs + layer.targets
    assert np.unique(pairs).size == pairs.size


@pytest.mark.parametrize("options", [dict(pool_size=2), dict(pool_size=3, strides=2),
                                     dict(pool_size=3, strides=2, padding="same"),
                                     dict(pool_size=(2, 3), padding="same")])
def test_average_pooling_equals_keras(options):
    model = keras.Sequential([keras.Input((7, 8, 3)), keras.layers.AveragePooling2D(**options)])
    x = np.random.default_rng(2).random((2, 7, 8, 3)).astype(np.float32)
    pool = model.layers[0]
    shape, src, tgt, w = avgpool2d_connections((7, 8, 3), pool.pool_size, pool.strides, pool.padding)
    assert shape == tuple(model.outputs[0].shape[1:])
    out = np.zeros((2, int(np.prod(shape))))
    for row, xi in zip(out, x.reshape(2, -1)):
        np.add.at(row, tgt, w * xi[src])
    np.testing.assert_allclose(out, model.predict(x, verbose=0).reshape(2, -1), rtol=1e-5, atol=1e-6)


def _conv_net(final_activation=None):
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, padding="same"), keras.layers.ReLU(),
        keras.layers.AveragePooling2D(2), keras.layers.Conv2D(6, 2, activation="relu"),
        keras.layers.Flatten(), keras.layers.Dropout(0.2), keras.layers.Dense(5, activation="relu"),
        keras.layers.Dense(3, activation=final_activation)])


def test_whole_model_equals_keras():
    model = _randomise(_conv_net("softmax"), 3)
    layers = layers_from_keras(model)
    assert [layer.kind for layer in layers] == ["conv2d", "avgpool2d", "conv2d", "dense", "dense"]
    assert [layer.rectified for layer in layers] == [True] * 4 + [False]
    x = np.random.default_rng(4).random((6, 8, 8, 1)).astype(np.float32)
    logits = forward(layers, x)[-1]
    soft = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(soft / soft.sum(axis=1, keepdims=True), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)
    # functional chains convert too, with the same result
    inputs = keras.Input((8, 8, 1))
    out = inputs
    for layer in model.layers:
        out = layer(out)
    functional = keras.Model(inputs, out)
    np.testing.assert_allclose(forward(layers_from_keras(functional), x)[-1], logits)


@pytest.mark.parametrize("layers, message, culprit", [
    ([keras.layers.Conv2D(2, 3, activation="relu"), keras.layers.MaxPooling2D(2)], "MaxPooling2D", 1),
    ([keras.layers.Flatten(), keras.layers.Dense(4), keras.layers.BatchNormalization()],
     "BatchNormalization", 2),
    ([keras.layers.Flatten(), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)], "tanh", 1),
    ([keras.layers.Flatten(), keras.layers.Dense(4), keras.layers.Dense(2)], "no ReLU", 1),
    ([keras.layers.Flatten(), keras.layers.Dense(4, activation="relu"), keras.layers.ReLU(max_value=6.0),
      keras.layers.Dense(2)], "plain ReLU", 2),
    ([keras.layers.Dense(4, activation="relu")], "flatten it first", 0),
])
def test_unsupported_models_are_rejected(layers, message, culprit):
    model = keras.Sequential([keras.Input((8, 8, 1))] + layers)
    with pytest.raises(ConversionError, match=message) as info:
        layers_from_keras(model)
    assert repr(model.layers[culprit].name) in str(info.value)


def test_branches_and_biases_are_rejected_when_asked():
    inputs = keras.Input((4,))
    a = keras.layers.Dense(3, activation="relu")(inputs)
    b = keras.layers.Dense(3, activation="relu")(inputs)
    with pytest.raises(ConversionError, match="chain"):
        layers_from_keras(keras.Model(inputs, keras.layers.Add()([a, b])))
    model = _randomise(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), 5)
    with pytest.raises(ConversionError, match="non-zero bias"):
        layers_from_keras(model, allow_bias=False)
    no_bias = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, use_bias=False)])
    assert np.all(layers_from_keras(no_bias, allow_bias=False)[0].bias == 0)


def test_normalisations_keep_the_function_and_bound_the_activations():
    model = _randomise(_conv_net(), 6)
    layers = layers_from_keras(model)
    data = np.random.default_rng(7).random((40, 8, 8, 1))
    original = forward(layers, data)
    for method in ("none", "model", "data"):
        normalised, scales = normalise(layers, method, data)
        assert len(scales) == len(layers) and all(s > 0 for s in scales)
        for act, ref, lam in zip(forward(normalised, data), original, scales):
            np.testing.assert_allclose(act * lam, ref, rtol=1e-9, atol=1e-9)
    # data-based: the largest activation of every layer is the largest rate
    normalised, _ = normalise(layers, "data", data)
    peaks = [act.max() for act in forward(normalised, data)]
    assert np.all(np.asarray(peaks) <= 1 + 1e-12) and max(peaks) > 0.99
    assert all(np.max(layer.weights) <= 1 + 1e-12 for layer in normalised)
    # model-based: no input pattern in [0, 1] can drive a neuron above one threshold per step
    normalised, _ = normalise(layers, "model")
    for layer in normalised:
        most = np.bincount(layer.targets, np.maximum(layer.weights, 0), minlength=layer.n_outputs)
        assert np.max(most + np.maximum(layer.bias, 0)) <= 1 + 1e-12
    # a percentile below 100 scales less, so activations beyond 1 appear
    normalised, _ = normalise(layers, "data", data, percentile=99.0)
    assert max(act.max() for act in forward(normalised, data)) > 1
    # SpikeNorm: the scales are what the measurement returns, layer by layer
    calls = []

    def measure(trial, index):
        calls.append(index)
        return 2.0 + index

    normalised, scales = normalise(layers, "spikenorm", measure_max_input=measure)
    assert calls == list(range(len(layers))) and scales == [2.0 + i for i in range(len(layers))]
    np.testing.assert_allclose(normalised[1].weights, apply_scales(layers, scales)[1].weights)


def test_bad_arguments():
    model = _randomise(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), 8)
    with pytest.raises(ValueError, match="normalisation 'max'"):
        convert(model, normalisation="max")
    with pytest.raises(ValueError, match="needs training images"):
        convert(model, normalisation="data")
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        convert(model, normalisation="data", data=np.full((2, 4), 3.0))
    with pytest.raises(ValueError, match="pass sim="):
        convert(model, normalisation="spikenorm", data=np.zeros((2, 4)))


def test_shifted_logits_keep_the_class_and_make_the_top_logit_positive():
    model = _randomise(_conv_net(), 9)
    layers = layers_from_keras(model)
    data = np.random.default_rng(10).random((50, 8, 8, 1))
    logits = forward(layers, data)[-1]
    layers[-1] = replace(layers[-1], bias=layers[-1].bias - 2 * np.abs(logits).max())
    before = forward(layers, data)[-1]
    assert before.max(axis=1).min() < 0                     # some images have no positive logit
    shifted, shift = shift_logits(layers, data)
    after = forward(shifted, data)[-1]
    np.testing.assert_allclose(after - before, shift)
    np.testing.assert_array_equal(after.argmax(axis=1), before.argmax(axis=1))
    assert after.max(axis=1).min() == pytest.approx(0.1 * np.median(np.abs(before.max(axis=1))))
    assert shift_logits(layers[:-1], data)[1] == 0.0        # a rectified last layer is left alone
