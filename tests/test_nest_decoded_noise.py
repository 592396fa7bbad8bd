"""Decoded-noise background on NEST: the builder against the reference, the CLI, the errors.

The noise values enter each receptor's PSC rise through ``glif3_alpha``'s ``rise_input`` table
(docs/nest.md).  NEST must give the reference's raster spike for spike, and voltages within
1e-9 mV, on the same draws.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

nest = pytest.importorskip("nest")
sim = pytest.importorskip("pyNN.nest")

from pynn_glif3 import builder  # noqa: E402
from pynn_glif3.oracles import reference
from pynn_glif3.model.noise import NoisePool  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402
from acceptance import V_TOL, noise_pool_values, run_decoded  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_single_neuron_noise_is_read_in_its_row():
    """One value per (row, receptor) at a time: the PSC rise of exactly that row takes it."""
    net = random_network(n_neurons=3, n_steps=40, seed=2)
    net.neurons.V_th[:] = net.neurons.E_L + 1e4          # no spikes: V is a linear readout of u
    net.recurrent = None
    net.input_spikes[:] = 0
    quick = np.zeros((40, 3, 4), int)
    quick[0, 0, 0] = quick[7, 1, 2] = quick[30, 2, 3] = quick[31, 2, 1] = 1
    draws = NoisePool([0.0, 0.7]).draws_from(quick, np.zeros((3, 4), int))
    spikes, v = run_decoded(sim, net, 40, draws)
    ref = reference.simulate(net.neurons, 40, noise=draws)
    without = reference.simulate(net.neurons, 40)
    assert np.abs(ref.v - without.v).max() > 1e-3
    np.testing.assert_allclose(v, ref.v, rtol=0, atol=V_TOL)


@pytest.fixture(scope="module")
def shared_sequence():
    net = random_network(300, 500, seed=21)
    net.bkg_weights = None
    net.input_spikes[0, :5] = 1
    rng = np.random.default_rng(8)
    pool = NoisePool(noise_pool_values(3))
    # an explicit sequence, shared by both engines
    draws = pool.draws_from(rng.integers(0, 5000, (500, 300, 4)), rng.integers(0, 5000, (300, 4)))
    return net, draws


@pytest.mark.parametrize("threads", [1, 2])
def test_builder_on_nest_equals_reference(shared_sequence, threads):
    net, draws = shared_sequence
    spikes, v = run_decoded(sim, net, 500, draws, threads=threads)
    kwargs = dict(net.kwargs(), bkg_weights=None, bkg_counts=None)
    ref = reference.simulate(**kwargs, noise=draws)
    without = reference.simulate(**kwargs)
    assert ref.spikes.sum() > 1000
    assert (ref.spikes != without.spikes).sum() > 100          # the noise matters
    mismatch = np.argwhere(spikes != ref.spikes)
    assert mismatch.size == 0, f"{len(mismatch)} mismatches, first (row, neuron) {mismatch[0].tolist()}"
    assert np.abs(v - ref.v).max() <= V_TOL


def test_rise_input_table_is_checked():
    from pynn_glif3.backends.nest import install
    nest.ResetKernel()
    install(verbose=False)
    node = nest.Create("glif3_alpha")
    with pytest.raises(Exception, match="rise_input has 3 values; expected 4 per training row"):
        node.set(rise_input=[1.0, 2.0, 3.0])
    with pytest.raises(Exception, match=r"rise_input\[1\] = nan pA must be a finite number"):
        node.set(rise_input=[1.0, float("nan"), 0.0, 0.0])
    node.set(rise_input=[1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(node.get("rise_input"), [1.0, 2.0, 3.0, 4.0])


def test_builder_errors():
    net = random_network(5, 10, seed=1)
    with pytest.raises(ValueError, match="needs the trial's decoded noise draws"):
        builder.build(sim, net, options=builder.BuildOptions(background="decoded"))
    draws = NoisePool(noise_pool_values()).draw(10, 5, seed=0)
    with pytest.raises(ValueError, match="use background='decoded'"):
        builder.build(sim, net, noise=draws)


def test_other_simulators_refuse_with_a_reason():
    """A simulator whose backend takes no per-step receptor input says so before building."""
    import pyNN.mock as mock

    net = random_network(5, 10, seed=1)
    draws = NoisePool(noise_pool_values()).draw(10, 5, seed=0)
    mock.setup(timestep=1.0)
    with pytest.raises(NotImplementedError, match="decoded-noise background.*not available on"):
        builder.build(mock, net, options=builder.BuildOptions(background="decoded"), noise=draws)
    mock.end()


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("noise_cli")
    net, stim, pool = str(d / "net.h5"), str(d / "stim.h5"), str(d / "pool.npy")
    write_synthetic_v1(net, n_neurons=300, seed=2, n_lgn=100, pool_size=2)
    write_synthetic_stimulus(stim, n_samples=2, n_lgn=100, seed=3, post_delay=20)
    np.save(pool, noise_pool_values(4, 1000))
    return net, stim, pool


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pynn_glif3", "run", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_cli_decoded_noise_equals_reference(cli_files, tmp_path):
    net, stim, pool = cli_files
    out = str(tmp_path / "r")
    proc = _cli("--network", net, "--stimulus", stim, "--samples", "0:2", "--out", out,
                "--background", "decoded", "--noise-pool", pool, "--noise-scale", "2,2",
                "--compare-reference", "--quiet", "--no-plots")
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.load(open(os.path.join(out, "results.json")))
    for r in results["per_sample"]:
        assert r["spikes"] > 0
        assert r["reference"]["first_divergent_step"] is None
    config = json.load(open(os.path.join(out, "run.json")))
    assert config["background"] == "decoded"
    assert config["noise_pool"] == os.path.abspath(pool) and config["noise_scale"] == [2.0, 2.0]
    # the same run without the noise spikes differently
    plain = str(tmp_path / "plain")
    assert _cli("--network", net, "--stimulus", stim, "--samples", "0", "--out", plain,
                "--background", "none", "--quiet", "--no-plots").returncode == 0
    a = json.load(open(os.path.join(out, "samples", "sample_00000.json")))
    b = json.load(open(os.path.join(plain, "samples", "sample_00000.json")))
    assert a["spikes"] != b["spikes"]


def test_cli_noise_errors(cli_files, tmp_path):
    net, stim, pool = cli_files
    proc = _cli("--network", net, "--stimulus", stim, "--out", str(tmp_path / "a"),
                "--background", "decoded", "--noise-pool", str(tmp_path / "missing.npy"))
    assert proc.returncode == 2 and "missing.npy: no such noise pool file" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = _cli("--network", net, "--stimulus", stim, "--out", str(tmp_path / "b"),
                "--background", "decoded")
    assert proc.returncode == 2 and "--background decoded needs --noise-pool" in proc.stderr
    proc = _cli("--network", net, "--stimulus", stim, "--out", str(tmp_path / "c"),
                "--noise-pool", pool)
    assert proc.returncode == 2 and "--noise-pool is only used with --background decoded" in proc.stderr
