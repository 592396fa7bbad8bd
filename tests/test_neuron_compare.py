"""`pynn-glif3 compare --simulator neuron`: the bundled model on NEURON equals TensorFlow."""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
pytest.importorskip("pyNN.neuron")
pytest.importorskip("tensorflow")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bundled_model_on_neuron_equals_tensorflow(tmp_path):
    out = str(tmp_path / "bundled")
    proc = subprocess.run([sys.executable, "-m", "pynn_glif3", "compare", "--simulator", "neuron",
                           "--samples", "0:20", "--out", out, "--quiet", "--no-plots"],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(os.path.join(out, "tf_comparison.json")))
    assert len(result["per_sample"]) == 20
    assert result["sides"]["simulator"].startswith("neuron")
    for r in result["per_sample"]:
        assert r["first_divergent_step"] is None, f"sample {r['sample']}"
        assert r["tf_spikes"] > 0 and r["simulator_spikes"] == r["tf_spikes"]
        assert r["tf_predicted"] == r["simulator_predicted"]
    runs = json.load(open(os.path.join(out, "results.json")))["per_sample"]
    assert all(r["trials_in_run"] == 20 for r in runs)          # one NEURON simulation for all


def test_decoded_background_is_refused_with_a_clear_message(tmp_path):
    """NEURON's glif3_alpha has no per-step receptor input: the run stops before building, with
    exit status 2 and the reason."""
    import numpy as np

    from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1

    net, stim, pool = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5"), str(tmp_path / "pool.npy")
    write_synthetic_v1(net, n_neurons=200, seed=2, n_lgn=50, pool_size=2)
    write_synthetic_stimulus(stim, n_samples=1, n_lgn=50, seed=3, post_delay=20)
    np.save(pool, np.random.default_rng(0).normal(0.01, 0.08, 5000))
    proc = subprocess.run([sys.executable, "-m", "pynn_glif3", "run", "--simulator", "neuron",
                           "--network", net, "--stimulus", stim, "--background", "decoded",
                           "--noise-pool", pool, "--out", str(tmp_path / "o"), "--quiet", "--no-plots"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "not available on NEURON" in proc.stderr and "Traceback" not in proc.stderr
