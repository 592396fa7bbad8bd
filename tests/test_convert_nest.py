"""Converted Keras networks running on NEST: input currents and classifications against Keras."""

from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("sklearn")
sim = pytest.importorskip("pyNN.nest")

from pynn_glif3.backends.connectors import FromArraysConnector  # noqa: E402
from pynn_glif3.jobs.convert import RESETS, SpikingSettings, convert  # noqa: E402
from pynn_glif3.jobs.convert.digits_task import load_split, train_ann  # noqa: E402
from pynn_glif3.jobs.convert.neurons import if_population  # noqa: E402
from pynn_glif3.model.timing import START_STEP  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    return load_split(n_test_per_class=36, seed=0)


@pytest.fixture(scope="module")
def dense_ann(digits):
    x_train, y_train, _, _ = digits
    return train_ann("dense", x_train, y_train, epochs=15, seed=0)


@pytest.mark.parametrize("reset", RESETS)
def test_first_layer_currents_equal_the_keras_conv_layer(digits, reset):
    """The integrated input of the first (convolutional) layer on NEST is the Keras layer's output
    on the image that the input spikes actually carried, with either cell."""
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, padding="same"),
                              keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dense(4)])
    rng = np.random.default_rng(0)
    conv = model.layers[0]
    conv.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in conv.get_weights()])
    images = digits[2][:2]
    # no leak within the run, so the membrane holds the summed input exactly
    settings = SpikingSettings(dt_ms=1.0, max_rate_hz=400.0, tau_m_ms=1e9, reset=reset)
    snn = convert(model, "none", settings=settings)
    snn.setup(sim, rng_seed=3)
    net = snn.build(sim, images, duration_ms=22.0)  # input stops early: all its charge arrives
    first = net.layers[0]
    first.set(v_thresh=1e9)                  # integrate only: never fire, never reset
    net.input.record("spikes")
    first.record("v")
    sim.run(30.0)
    v = first.get_data("v").segments[-1].analogsignals[0]
    t_end = float(v.times[-1])
    spikes = net.input.get_data("spikes").segments[-1].spiketrains
    sim.end()
    # GLIF3Alpha holds its initial state for the first START_STEP steps (docs/timing.md): input
    # arriving there (sent at t <= (START_STEP - 1) dt, one step of delay) and the bias are ignored
    held = START_STEP if reset == "subtract" else 0
    n_arrived = np.zeros(net.input.size)
    for train in spikes:
        n_arrived[train.annotations["source_index"]] = np.sum(
            train.magnitude > (held - 1) * settings.dt_ms + 1e-9)
    n_steps = t_end / settings.dt_ms - held     # steps in which the bias current acted
    per_image = settings.bias_per_step() * n_steps     # expected count of a pixel of value 1
    effective = (n_arrived.reshape(images.shape) / per_image).astype(np.float32)
    keras_out = conv(effective).numpy().reshape(2, -1)          # the Keras layer is the oracle
    membrane = np.asarray(v.magnitude[-1]).reshape(2, -1) / per_image
    assert np.abs(keras_out).max() > 0.5 and n_arrived.sum() > 150
    np.testing.assert_allclose(membrane, keras_out, rtol=1e-4, atol=1e-4 * np.abs(keras_out).max())


@pytest.mark.parametrize("reset", RESETS)
def test_converted_dense_network_classifies_like_the_ann(digits, dense_ann, reset):
    x_train, _, x_test, y_test = digits
    x_test, y_test = x_test[::12][:30], y_test[::12][:30]
    ann = np.argmax(dense_ann.predict(x_test, verbose=0), axis=1)
    agreements = {}
    for encoding in ("poisson", "current"):
        snn = convert(dense_ann, "data", data=x_train, encoding=encoding, reset=reset)
        assert snn.settings.reset == reset
        result = snn.classify(sim, x_test, [25.0, 150.0], labels=y_test,
                              setup_options={"rng_seed": 1})
        agreements[encoding] = (result.predictions == ann[None]).mean(axis=1)
        assert result.counts.shape == (2, 30, 10)
    # measured with seeds 1-3, either reset: 29-30 of 30 (Poisson) and 30 of 30 (current) at 150 ms
    for encoding, agree in agreements.items():
        assert agree[1] >= 0.85, (encoding, agree)
    # the same network with its first-layer weights shuffled agrees only by chance
    shuffled = convert(dense_ann, "data", data=x_train, reset=reset)
    first = shuffled.layers[0]
    shuffled.layers[0] = replace(first, weights=np.random.default_rng(0).permutation(first.weights))
    chance = shuffled.classify(sim, x_test, 150.0, setup_options={"rng_seed": 1})
    assert (chance.predictions[0] == ann).mean() < 0.5


def test_spikenorm_bounds_the_input_per_step(digits, dense_ann):
    """After SpikeNorm, no neuron receives more than about one threshold in a step on the
    training images it was measured with; the network still classifies like the ANN."""
    x_train, _, x_test, _ = digits
    snn = convert(dense_ann, "spikenorm", data=x_train, sim=sim, spikenorm_images=5,
                  spikenorm_ms=50.0, setup_options={"rng_seed": 2})
    assert len(snn.scales) == 2 and all(s > 0 for s in snn.scales)
    from pynn_glif3.jobs.convert.evaluation import max_input_per_step
    measure = max_input_per_step(sim, snn.settings, x_train[:5], 50.0, setup_options={"rng_seed": 2})
    for index in range(2):
        assert measure(snn.layers, index) == pytest.approx(1.0, rel=1e-9)
    ann = np.argmax(dense_ann.predict(x_test[:20], verbose=0), axis=1)
    result = snn.classify(sim, x_test[:20], 300.0, setup_options={"rng_seed": 1})
    assert (result.predictions[0] == ann).mean() >= 0.8      # measured 19-20 of 20, seeds 1-3


def test_bulk_connector_gives_delta_synapses_their_weights_in_mV():
    """FromArraysConnector (NEST bulk path) connects IF_curr_delta cells as FromListConnector:
    NEST holds the weights in mV, unscaled (PyNN's IF_curr_delta receptor scale)."""
    import nest
    src, tgt, w, d = [0, 1, 2], [1, 2, 0], [0.25, -0.5, 0.75], [1.0, 2.0, 3.0]
    held = {}
    for name, connector in (("bulk", FromArraysConnector(src, tgt, w, d)),
                            ("list", sim.FromListConnector(list(zip(src, tgt, w, d))))):
        sim.setup(timestep=0.1)
        pre = sim.Population(3, sim.IF_curr_delta())
        post = sim.Population(3, sim.IF_curr_delta())
        sim.Projection(pre, post, connector, sim.StaticSynapse())
        conns = nest.GetConnections()
        held[name] = sorted(zip(conns.get("delay"), conns.get("weight")))
        sim.end()
    assert held["bulk"] == held["list"]
    np.testing.assert_allclose([weight for _, weight in held["bulk"]], w)


def test_project_genn_backend_refuses_reset_to_zero_clearly():
    import pynn_glif3.genn as genn
    with pytest.raises(NotImplementedError, match="IF_curr_exp.*GLIF3Alpha.*reset='subtract'"):
        if_population(genn, 3, SpikingSettings(reset="zero"))


def test_cli_converts_a_saved_model(tmp_path, digits, dense_ann, capsys):
    import json

    from pynn_glif3.cli import main

    x_train, _, x_test, y_test = digits
    model_path, data_path, out = tmp_path / "ann.keras", tmp_path / "d.npz", tmp_path / "rows.json"
    dense_ann.save(model_path)
    np.savez(data_path, x_train=x_train, x_test=x_test[:20], y_test=y_test[:20])
    assert main(["convert", str(model_path), "--data", str(data_path), "--presentation-ms", "40",
                 "100", "--reset", "zero", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["presentation_ms"] for r in rows] == [40.0, 100.0]
    assert [r["reset"] for r in rows] == ["zero", "zero"]
    ann = np.mean(np.argmax(dense_ann.predict(x_test[:20], verbose=0), axis=1) == y_test[:20])
    assert all(r["ann_accuracy"] == pytest.approx(ann) for r in rows)
    assert "| zero | poisson | data |" in capsys.readouterr().out
    np.savez(data_path, x_test=x_test[:20], y_test=y_test[:20])
    with pytest.raises(SystemExit, match="lacks the array.*x_train"):
        main(["convert", str(model_path), "--data", str(data_path)])
