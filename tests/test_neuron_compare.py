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
