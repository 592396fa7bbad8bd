"""`pynn-glif3 compare` and `pynn-glif3 run` with ``--simulator brian2``: the bundled model against
TensorFlow, users' files against the reference, and the errors of the NEST runs.

Every run uses Brian2's NumPy target (``PYNN_GLIF3_BRIAN2_TARGET=numpy``), which compiles
nothing: the bundled model's 50 samples take about as long as with Cython code already compiled
(44 s against 41 s here), without the minutes of compiling on a fresh machine
(tests/test_brian2_network.py checks that the Cython target gives the same numbers).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("brian2", reason="Brian2 is not installed: pip install 'pynn_glif3[brian2]'")
pytest.importorskip("pyNN.brian2")

from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402
from pynn_glif3.io.stimulus_h5 import open_stimulus  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUMPY_TARGET = {"PYNN_GLIF3_BRIAN2_TARGET": "numpy"}


def _job(command, *args, env=None):
    return subprocess.run([sys.executable, "-m", "pynn_glif3", command, "--simulator", "brian2", *args],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env or {})))


def test_bundled_model_on_brian2_equals_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    out = str(tmp_path / "bundled")
    proc = _job("compare", "--samples", "0:50", "--out", out, "--quiet", "--no-plots", env=NUMPY_TARGET)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(os.path.join(out, "tf_comparison.json")))
    assert len(result["per_sample"]) == 50
    assert result["sides"]["simulator"].startswith("brian2")
    for r in result["per_sample"]:
        assert r["first_divergent_step"] is None, f"sample {r['sample']}"
        assert r["tf_predicted"] == r["simulator_predicted"]
        assert r["tf_spikes"] == r["simulator_spikes"] > 0
    runs = json.load(open(os.path.join(out, "results.json")))["per_sample"]
    assert all(r["trials_in_run"] == 50 for r in runs)          # one Brian2 simulation for all
    assert "predictions that differ                 0" in proc.stdout


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("v1small_brian2")
    net, stim = str(d / "net.h5"), str(d / "mnist24.h5")
    write_synthetic_v1(net, n_neurons=500, seed=2, n_lgn=200, pool_size=3)
    write_synthetic_stimulus(stim, n_samples=24, n_lgn=200, seed=3, post_delay=50)
    return net, stim


@pytest.mark.parametrize("trials_per_run", ["1", "3"])
def test_run_on_users_files_equals_the_reference(small_files, tmp_path, trials_per_run):
    out = str(tmp_path / "results")
    proc = _job("run", "--network", small_files[0], "--stimulus", small_files[1], "--samples", "0:6",
                "--window", "50:100", "--out", out, "--compare-reference", "--quiet", "--no-plots",
                "--trials-per-run", trials_per_run, env=NUMPY_TARGET)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.load(open(os.path.join(out, "results.json")))
    assert len(results["per_sample"]) == 6
    with open_stimulus(small_files[1]) as stim:
        labels = stim.labels
    for r in results["per_sample"]:
        assert r["label"] == labels[r["sample"]] and r["spikes"] > 0
        assert r["reference"]["first_divergent_step"] is None      # Brian2 = reference, every sample
        assert r["trials_in_run"] == int(trials_per_run)
    assert np.sum(results["confusion"]) == 6


def test_decoded_noise_run_equals_the_reference(small_files, tmp_path):
    pool = str(tmp_path / "pool.npy")
    np.save(pool, np.random.default_rng(4).normal(0.01, 0.08, 1000))
    out = str(tmp_path / "noise")
    proc = _job("run", "--network", small_files[0], "--stimulus", small_files[1], "--samples", "0:2",
                "--window", "50:100", "--background", "decoded", "--noise-pool", pool, "--out", out,
                "--compare-reference", "--quiet", "--no-plots", env=NUMPY_TARGET)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for r in json.load(open(os.path.join(out, "results.json")))["per_sample"]:
        assert r["reference"]["first_divergent_step"] is None and r["spikes"] > 0
