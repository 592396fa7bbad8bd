"""`pynn-glif3 compare`: the TF layer and NEST on the same input spikes, and the bundled model."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("pyNN.nest")
pytest.importorskip("tensorflow")

from pynn_glif3 import analysis, bundled  # noqa: E402
from pynn_glif3.oracles import reference
from pynn_glif3.jobs.compare import tf_rasters  # noqa: E402
from pynn_glif3.io import read_network  # noqa: E402
from pynn_glif3.io.stimulus_h5 import open_stimulus  # noqa: E402
from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _compare(*args):
    return subprocess.run([sys.executable, "-m", "pynn_glif3", "compare", *args], capture_output=True,
                          text=True, cwd=ROOT, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))


def test_tf_rasters_equal_the_reference_on_the_v1_jobs_inputs(tmp_path):
    """The TF side uses exactly the V1 job's input spikes and background (an independent check)."""
    from pynn_glif3.jobs import v1

    net_file, stim_file = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5")
    write_synthetic_v1(net_file, n_neurons=300, seed=3, n_lgn=80, pool_size=3)
    write_synthetic_stimulus(stim_file, n_samples=3, n_lgn=80, seed=4, pre_delay=10, im_slice=30,
                             post_delay=10, response_window=(10, 50))
    net = read_network(net_file)
    with open_stimulus(stim_file) as stim:
        rasters = tf_rasters(net, stim, [0, 2], seed=2, background="shared", dt=1.0, tf_dtype="float64")
        for i in (0, 2):
            spikes_in, bkg, _ = v1.sample_inputs(net, stim, i, seed=2, background="shared")
            ref = reference.simulate(net.neurons, stim.seq_len, recurrent=net.recurrent,
                                     inputs=net.inputs, input_spikes=spikes_in,
                                     bkg_weights=net.bkg_weights, bkg_counts=bkg)
            assert ref.spikes.sum() > 20
            np.testing.assert_array_equal(rasters[i], ref.spikes)


def test_compare_on_users_files_prints_the_table(tmp_path):
    net_file, stim_file = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5")
    write_synthetic_v1(net_file, n_neurons=400, seed=5, n_lgn=100, pool_size=3)
    write_synthetic_stimulus(stim_file, n_samples=6, n_lgn=100, seed=6, pre_delay=10, im_slice=30,
                             post_delay=10, response_window=(10, 50))
    out = str(tmp_path / "out")
    proc = _compare("--network", net_file, "--stimulus", stim_file, "--out", out, "--quiet",
                    "--no-plots")
    assert proc.returncode == 0, proc.stderr[-2000:]
    for row in ("samples", "TF accuracy", "nest accuracy", "predictions that differ",
                "samples with identical spikes"):
        assert row in proc.stdout
    result = json.load(open(os.path.join(out, "tf_comparison.json")))
    assert len(result["per_sample"]) == 6
    assert result["sides"]["simulator"].startswith("nest") and \
        result["sides"]["tf"].startswith("TensorFlow float64")
    simulator_spikes = {r["sample"]: r["spikes"]
                        for r in json.load(open(os.path.join(out, "results.json")))["per_sample"]}
    for r in result["per_sample"]:
        assert r["first_divergent_step"] is None and r["tf_spikes"] > 0
        assert r["simulator_spikes"] == simulator_spikes[r["sample"]]
        assert "spikes_a" not in r and "spikes_b" not in r
        assert r["tf_predicted"] == r["simulator_predicted"]
    differ = [line for line in proc.stdout.splitlines() if line.startswith("predictions that differ")]
    assert differ and differ[0].split()[-1] == "0"


def test_bundled_model_on_nest_equals_tensorflow(tmp_path):
    out = str(tmp_path / "bundled")
    proc = _compare("--samples", "0:50", "--out", out, "--quiet", "--no-plots")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(os.path.join(out, "tf_comparison.json")))
    assert len(result["per_sample"]) == 50
    for r in result["per_sample"]:
        assert r["first_divergent_step"] is None, f"sample {r['sample']}"
        assert r["tf_predicted"] == r["simulator_predicted"]
    runs = json.load(open(os.path.join(out, "results.json")))["per_sample"]
    assert all(r["trials_in_run"] == 50 for r in runs)          # one NEST simulation for all


def test_bundled_model_classifies_held_out_digits():
    """The issue's bar: at least 80% on the 300 held-out digits, TF float64 on the file's spikes."""
    net = read_network(bundled.network_path())
    with open_stimulus(bundled.stimulus_path()) as stim:
        window = tuple(int(x) for x in stim.response_window)
        samples = list(range(len(stim)))
        rasters = tf_rasters(net, stim, samples, seed=0, background="shared", dt=1.0, tf_dtype="float64")
        labels = np.asarray(stim.labels)
    predicted = np.array([analysis.readout_decision(rasters[i], net.readout_ids, window) for i in samples])
    assert len(samples) == 300 and np.all(np.bincount(labels) == 30)
    assert np.mean(predicted == labels) >= 0.8
    record = bundled.training_record()
    assert record["task"]["n_test"] == 300 and record["network"]["n_neurons"] == net.n_neurons


def test_missing_bundled_files_are_explained(monkeypatch, tmp_path):
    monkeypatch.setattr(bundled, "DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="recreate it with examples/train_digits.py"):
        bundled.network_path()
