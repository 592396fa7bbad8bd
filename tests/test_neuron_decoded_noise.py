"""Decoded-noise background on NEURON: the builder and the CLI against the reference.

The noise values enter each receptor's PSC rise through glif3_alpha's ``noise_r``, set every step
by a ``Vector.play`` (docs/neuron.md).  NEURON must give the reference's raster spike for spike,
and voltages within 1e-9 mV, on the same draws.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
sim = pytest.importorskip("pyNN.neuron")

from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402
from pynn_glif3.model.noise import NoisePool  # noqa: E402
from pynn_glif3.oracles import reference  # noqa: E402
from acceptance import V_TOL, noise_pool_values, run_decoded  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_single_values_are_read_in_their_row():
    """One value per (row, receptor) at a time: the PSC rise of exactly that row takes it."""
    net = random_network(n_neurons=3, n_steps=40, seed=2)
    net.neurons.V_th[:] = net.neurons.E_L + 1e4          # no spikes: V is a linear readout of u
    net.recurrent = None
    net.input_spikes[:] = 0
    quick = np.zeros((40, 3, 4), int)
    quick[0, 0, 0] = quick[7, 1, 2] = quick[30, 2, 3] = quick[31, 2, 1] = quick[39, 0, 1] = 1
    draws = NoisePool([0.0, 0.7]).draws_from(quick, np.zeros((3, 4), int))
    _, v = run_decoded(sim, net, 40, draws)
    ref = reference.simulate(net.neurons, 40, noise=draws)
    without = reference.simulate(net.neurons, 40)
    assert np.abs(ref.v - without.v).max() > 1e-3
    np.testing.assert_allclose(v, ref.v, rtol=0, atol=V_TOL)


def test_builder_on_neuron_equals_reference():
    net = random_network(200, 400, seed=21)
    net.bkg_weights = None
    net.input_spikes[0, :5] = 1
    rng = np.random.default_rng(8)
    draws = NoisePool(noise_pool_values(3)).draws_from(rng.integers(0, 5000, (400, 200, 4)),
                                           rng.integers(0, 5000, (200, 4)))
    spikes, v = run_decoded(sim, net, 400, draws)
    kwargs = dict(net.kwargs(), bkg_weights=None, bkg_counts=None)
    ref = reference.simulate(**kwargs, noise=draws)
    without = reference.simulate(**kwargs)
    assert ref.spikes.sum() > 500
    assert (ref.spikes != without.spikes).sum() > 50          # the noise matters
    mismatch = np.argwhere(spikes != ref.spikes)
    assert mismatch.size == 0, f"{len(mismatch)} mismatches, first (row, neuron) {mismatch[0].tolist()}"
    assert np.abs(v - ref.v).max() <= V_TOL


def test_cli_decoded_noise_equals_reference(tmp_path):
    net, stim, pool = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5"), str(tmp_path / "pool.npy")
    write_synthetic_v1(net, n_neurons=300, seed=2, n_lgn=100, pool_size=2)
    write_synthetic_stimulus(stim, n_samples=2, n_lgn=100, seed=3, post_delay=20)
    np.save(pool, noise_pool_values(4, 1000))
    out = str(tmp_path / "r")
    proc = subprocess.run([sys.executable, "-m", "pynn_glif3", "run", "--simulator", "neuron",
                           "--network", net, "--stimulus", stim, "--samples", "0:2", "--out", out,
                           "--background", "decoded", "--noise-pool", pool, "--noise-scale", "2,2",
                           "--compare-reference", "--quiet", "--no-plots"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.load(open(os.path.join(out, "results.json")))
    for r in results["per_sample"]:
        assert r["spikes"] > 0
        assert r["reference"]["first_divergent_step"] is None
