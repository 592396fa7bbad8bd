"""Decoded-noise background: pool reading, draws, and the oracles fed the same sequence."""

import math

import numpy as np
import pytest

from pynn_glif3.oracles import reference
from pynn_glif3.model.noise import NoisePool, NoisePoolError
from pynn_glif3.generate.random_network import random_network
from single_neuron import neuron


def _pool(seed=0, size=5000):
    return np.random.default_rng(seed).normal(0.01, 0.08, size)


def test_noise_enters_the_psc_rise_in_normalised_units():
    p = neuron(n=2, V_th=[1e6, 1e6], E_L=[-70.0, -60.0])
    pool = NoisePool([0.0, 0.5, -0.25], quick_scale=2.0, slow_scale=3.0)
    quick = np.zeros((10, 2, 4), int)
    quick[0, 0, 1] = 1        # step 0, neuron 0, receptor 1: 2 * 0.5
    slow = np.zeros((2, 4), int)
    slow[1, 3] = 2            # neuron 1, receptor 3, every step: 3 * -0.25
    draws = pool.draws_from(quick, slow)
    r = reference.simulate(neurons=p, n_steps=10, noise=draws, record_currents=True)
    vs = p.V_th - p.E_L
    tau = p.tau_syn[0]
    k = np.arange(10)
    kernel = k * np.exp(-k / tau[1]) * math.e / tau[1]
    np.testing.assert_allclose(r.psc[:, 0, 1], 1.0 * vs[0] * kernel, rtol=1e-12, atol=1e-12)
    # a constant input u every step: Y_k = sum_{m<k} (k-m) S^(k-m) P u
    S, P, u = math.exp(-1 / tau[3]), math.e / tau[3], -0.75 * vs[1]
    expected = [sum((n - m) * S ** (n - m) * P * u for m in range(n)) for n in range(10)]
    np.testing.assert_allclose(r.psc[:, 1, 3], expected, rtol=1e-12)
    assert np.count_nonzero(r.psc) == np.count_nonzero(r.psc[:, 0, 1]) + np.count_nonzero(r.psc[:, 1, 3])


def test_draws_are_reproducible_from_a_seed():
    pool = NoisePool(_pool())
    a, b, c = pool.draw(20, 7, seed=3), pool.draw(20, 7, seed=3), pool.draw(20, 7, seed=4)
    np.testing.assert_array_equal(a.quick, b.quick)
    np.testing.assert_array_equal(a.slow, b.slow)
    assert not np.array_equal(a.quick, c.quick)
    assert a.quick.shape == (20, 7, 4) and a.slow.shape == (7, 4)
    # the slow part is constant over the trial, the quick part is not
    inputs = a.all_input()
    assert np.all(np.std(inputs, axis=0) > 0)
    np.testing.assert_allclose(inputs - 2.0 * a.pool[a.quick], np.broadcast_to(2.0 * a.pool[a.slow], inputs.shape))


def test_reference_and_tf_agree_on_a_shared_sequence():
    tf_layer = pytest.importorskip("pynn_glif3.oracles.tensorflow")
    net = random_network(300, 1000, seed=11)
    draws = NoisePool(_pool(1)).draw(1000, 300, seed=5)
    kwargs = dict(net.kwargs(), bkg_weights=None, bkg_counts=None, noise=draws)
    ref = reference.simulate(**kwargs)
    out = tf_layer.simulate(**kwargs, dtype="float64")
    without = reference.simulate(**dict(kwargs, noise=None))
    assert ref.spikes.sum() > 1000
    assert (ref.spikes != without.spikes).sum() > 100      # the noise matters
    np.testing.assert_array_equal(out.spikes, ref.spikes)
    np.testing.assert_allclose(out.v, ref.v, atol=1e-9)


def test_tf_input_layer_draws_decoded_noise_like_the_training_code():
    tf_layer = pytest.importorskip("pynn_glif3.oracles.tensorflow")
    import tensorflow as tf
    pool = NoisePool(np.array([1.0, 2.0, 3.0]), quick_scale=2.0, slow_scale=0.5)
    layer = tf_layer.GLIF3AlphaInput(5, 3, np.zeros((0, 2), np.int64), np.zeros(0),
                                     decoded_noise=pool, dtype="float64")
    out = layer(tf.zeros((2, 50, 3), tf.float64)).numpy()
    assert out.shape == (2, 50, 20)
    allowed = {2 * q + 0.5 * s for q in (1, 2, 3) for s in (1, 2, 3)}   # 2 quick + 0.5 slow
    assert set(np.round(out.ravel(), 9)) <= allowed
    # 2 quick is an even integer, so out % 2 = 0.5 slow: drawn once per trial and column
    slow = out % 2.0
    assert np.all(slow == slow[:, :1, :])
    assert len(np.unique(slow)) > 1 and len(np.unique(out)) > 3


def test_pool_files(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    values = _pool(2, 100)
    npy = tmp_path / "pool.npy"
    np.save(npy, values)
    mat = tmp_path / "pool.mat"
    scipy_io.savemat(mat, {"additive_noise": values.reshape(10, 10)})
    np.testing.assert_array_equal(NoisePool.from_file(str(npy)).pool, values)
    np.testing.assert_array_equal(NoisePool.from_file(str(mat)).pool, values.reshape(10, 10).ravel())
    bad = tmp_path / "other.mat"
    scipy_io.savemat(bad, {"something_else": values})
    with pytest.raises(NoisePoolError, match=r"other.mat: no array 'additive_noise' \(found \['something_else'\]\)"):
        NoisePool.from_file(str(bad))
    nan = tmp_path / "nan.npy"
    np.save(nan, np.array([0.1, np.nan]))
    with pytest.raises(NoisePoolError, match=r"nan.npy: noise pool value 1 is nan"):
        NoisePool.from_file(str(nan))
    trunc = tmp_path / "trunc.npy"
    trunc.write_bytes(npy.read_bytes()[:100])
    with pytest.raises(NoisePoolError, match=r"trunc.npy: cannot read the noise pool"):
        NoisePool.from_file(str(trunc))
    with pytest.raises(NoisePoolError, match="no such noise pool file"):
        NoisePool.from_file(str(tmp_path / "missing.mat"))
    with pytest.raises(NoisePoolError, match=r"noise indices 'quick' span 100..100, the pool has 100 values"):
        NoisePool(values).draws_from(np.full((2, 3, 4), 100), np.zeros((3, 4)))


def test_cli_refuses_decoded_noise_where_the_simulator_has_no_per_step_input(tmp_path):
    """Before reading the files, with exit status 2 and the backend's reason, not a traceback
    from the middle of a build (PyNN's mock simulator has no per-step receptor input)."""
    import os
    import subprocess
    import sys

    pytest.importorskip("pyNN.mock")
    from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1

    net, stim, pool = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5"), str(tmp_path / "pool.npy")
    write_synthetic_v1(net, n_neurons=200, seed=2, n_lgn=50, pool_size=2)
    write_synthetic_stimulus(stim, n_samples=1, n_lgn=50, seed=3, post_delay=20)
    np.save(pool, np.random.default_rng(0).normal(0.01, 0.08, 5000))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "pynn_glif3", "run", "--simulator", "pyNN.mock",
                           "--network", net, "--stimulus", stim, "--background", "decoded",
                           "--noise-pool", pool, "--out", str(tmp_path / "o"), "--quiet", "--no-plots"],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--background decoded: per-step input into each receptor" in proc.stderr
    assert "not available on" in proc.stderr and "Traceback" not in proc.stderr
