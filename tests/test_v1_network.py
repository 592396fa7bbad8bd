"""The V1 job on NEST: builder against the reference, the CLI end to end, resuming, errors."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("pyNN.nest")

from pynn_glif3 import analysis, network, reference, v1  # noqa: E402
from pynn_glif3.io import read_network  # noqa: E402
from pynn_glif3.io.stimulus_h5 import open_stimulus  # noqa: E402
from pynn_glif3.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def v1_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("v1")
    net = str(d / "ckpt_2000.h5")
    stim = str(d / "stim.h5")
    write_synthetic_v1(net, n_neurons=2000, seed=4, n_lgn=600, pool_size=10)
    write_synthetic_stimulus(stim, n_samples=3, n_lgn=600, seed=5)
    return net, stim


def test_nest_run_equals_reference_on_a_2000_neuron_v1(v1_files):
    import pyNN.nest as sim

    net = read_network(v1_files[0])
    with open_stimulus(v1_files[1]) as stim:
        spikes_in = stim.spikes(1, seed=11)
        T, window = stim.seq_len, tuple(stim.response_window)
    assert T == 600
    bkg = network.draw_background(T, net.n_neurons, [11, 1, 1])
    sim.setup(timestep=1.0, threads=2)
    built = network.build(sim, net, spikes_in, bkg)
    # LGN and background: one spike_train_injector per source, no generators or parrots
    assert set(built.lgn.node_collection.get("model")) == {"spike_train_injector"}
    assert set(built.background.node_collection.get("model")) == {"spike_train_injector"}
    built.run(T)
    nest_spikes = built.raster(built.get_data(), T)
    # the same spikes read from PyNN's recorder as arrays, without a neo Block
    from_arrays = built.raster_of(*built.read_spikes(), T)
    sim.end()
    np.testing.assert_array_equal(from_arrays, nest_spikes)
    ref = reference.simulate(net.neurons, T, recurrent=net.recurrent, inputs=net.inputs,
                             input_spikes=spikes_in, bkg_weights=net.bkg_weights, bkg_counts=bkg)
    assert ref.spikes.sum() > 5000 and spikes_in.sum() > 1000
    assert built.delay_report.changed > 0            # the file's raw delays were clipped/rounded
    np.testing.assert_array_equal(nest_spikes, ref.spikes)
    assert analysis.readout_decision(nest_spikes, net.readout_ids, window) == \
        analysis.readout_decision(ref.spikes, net.readout_ids, window)


def test_delay_policies():
    d = np.array([0.3, 1.0, 2.5, 3.7, 7.2])
    out, report = network.simulator_delays(d, network.BuildOptions())
    np.testing.assert_array_equal(out, [1.0, 1.0, 2.0, 4.0, 5.0])
    assert (report.raised_to_dt, report.clipped_to_max, report.rounded) == (1, 1, 2)
    assert "4 of 5 synapses changed" in str(report)
    raw, report = network.simulator_delays(d, network.BuildOptions(delays="raw"))
    np.testing.assert_array_equal(raw, [1.0, 1.0, 2.5, 3.7, 7.2])
    assert report.changed == 1
    with pytest.raises(ValueError, match="delays must be one of training, raw"):
        network.BuildOptions(delays="clip")


def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "pynn_glif3", "run", *args], capture_output=True,
                          text=True, cwd=ROOT, **kwargs)


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("v1small")
    net, stim = str(d / "net.h5"), str(d / "mnist24.h5")
    write_synthetic_v1(net, n_neurons=500, seed=2, n_lgn=200, pool_size=3)
    write_synthetic_stimulus(stim, n_samples=24, n_lgn=200, seed=3, post_delay=50)
    return net, stim


def test_cli_end_to_end_24_samples(small_files, tmp_path):
    import neo.io

    out = str(tmp_path / "results")
    proc = _cli("--simulator", "nest", "--network", small_files[0], "--stimulus", small_files[1],
                "--samples", "0:24", "--window", "50:100", "--out", out, "--compare-reference", "--quiet")
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.load(open(os.path.join(out, "results.json")))
    assert results["samples"] == 24 and len(results["per_sample"]) == 24
    with open_stimulus(small_files[1]) as stim:
        labels = stim.labels
    for r in results["per_sample"]:
        assert r["label"] == labels[r["sample"]]
        assert r["predicted"] == int(np.argmax(r["readout_counts"]))
        assert r["reference"]["first_divergent_step"] is None      # NEST = reference, every sample
    assert results["accuracy"] == pytest.approx(np.mean([r["label"] == r["predicted"] for r in results["per_sample"]]))
    assert np.sum(results["confusion"]) == 24
    assert f"accuracy {results['accuracy']:.1%}" in proc.stdout
    _check_neo_files_equal_the_spike_arrays(out, results["per_sample"], n_neurons=500)
    for png in ("confusion.png", "population_rates.png", "raster_sample_00000.png"):
        assert os.path.getsize(os.path.join(out, png)) > 5000


def _check_neo_files_equal_the_spike_arrays(out, records, n_neurons, dt=1.0):
    """Every sample's NIX file, read with neo's NixIO, holds the spikes of its .npz arrays (the
    raster the prediction was read from), as one SpikeTrain per neuron too."""
    import neo.io
    from pynn_glif3.timing import START_STEP

    for r in records:
        with neo.io.NixIO(os.path.join(out, "samples", f"sample_{r['sample']:05d}.nix"), mode="ro") as io:
            block = io.read_block()
        assert block.annotations["sample"] == r["sample"]
        assert block.annotations["predicted"] == r["predicted"] and block.annotations["label"] == r["label"]
        arrays = np.load(os.path.join(out, "samples", f"sample_{r['sample']:05d}_spikes.npz"))
        n_steps = int(arrays["shape"][0])
        assert tuple(arrays["shape"]) == (n_steps, n_neurons) and arrays["steps"].size == r["spikes"]
        (train,) = block.segments[0].spiketrains
        # a spike of training row m is stamped (START_STEP + 1 + m) dt on the single-trial clock
        steps = np.rint(train.rescale("ms").magnitude / dt).astype(int) - START_STEP - 1
        neurons = np.asarray(train.array_annotations["source_index"])
        got = sorted(zip(steps.tolist(), neurons.tolist()))
        assert got == sorted(zip(arrays["steps"].tolist(), arrays["neurons"].tolist()))
        per_neuron = v1.spiketrains_of(block)
        assert len(per_neuron) == n_neurons
        counts = np.bincount(arrays["neurons"], minlength=n_neurons)
        assert [len(st) for st in per_neuron] == counts.tolist()
        assert [st.annotations["source_index"] for st in per_neuron] == list(range(n_neurons))


def test_results_come_out_per_sample_as_each_trial_ends(small_files, tmp_path, monkeypatch):
    """In a run of many trials, each sample's results are saved and the progress bar advances
    right after its trial, before the next trial is simulated."""
    import argparse

    events = []

    class Progress(v1.Progress):
        def update(self, text=""):
            events.append("sample saved")
            assert os.path.exists(os.path.join(out, "samples", f"sample_{text.split()[1][:-1].zfill(5)}.json"))
            super().update(text)

    run_trials = network.BuiltNetwork.run_trials

    def counted(self, n_steps):
        for k, seconds in run_trials(self, n_steps):
            events.append("trial simulated")
            yield k, seconds

    monkeypatch.setattr(v1, "Progress", Progress)
    monkeypatch.setattr(network.BuiltNetwork, "run_trials", counted)
    out = str(tmp_path / "results")
    parser = argparse.ArgumentParser()
    v1.add_arguments(parser)
    args = parser.parse_args(["--network", small_files[0], "--stimulus", small_files[1], "--samples",
                              "0:5", "--window", "50:100", "--trials-per-run", "5", "--out", out,
                              "--quiet", "--no-plots"])
    assert v1.run(args) == 0
    assert events == ["trial simulated", "sample saved"] * 5


def _run_args(small_files, out):
    return [sys.executable, "-m", "pynn_glif3", "run", "--network", small_files[0], "--stimulus",
            small_files[1], "--samples", "0:12", "--out", out, "--quiet", "--no-plots",
            "--trials-per-run", "4"]         # each sample is saved when its trial ends


def test_interrupted_run_resumes_without_redoing_or_losing_samples(small_files, tmp_path):
    out = str(tmp_path / "results")
    args = _run_args(small_files, out)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = os.path.join(out, "samples")
    deadline = time.time() + 240
    done = []
    while time.time() < deadline and proc.poll() is None:
        done = sorted(f for f in os.listdir(samples) if f.endswith(".json")) if os.path.isdir(samples) else []
        if len(done) >= 3:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {f: os.stat(os.path.join(samples, f)).st_mtime_ns
              for f in os.listdir(samples) if f.endswith(".json")}
    assert 3 <= len(before) < 12, "the run was not interrupted mid-way"
    rerun = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{len(before)} already done (resuming)" in rerun.stdout
    for f, mtime in before.items():
        assert os.stat(os.path.join(samples, f)).st_mtime_ns == mtime       # not redone
    results = json.load(open(os.path.join(out, "results.json")))
    assert sorted(r["sample"] for r in results["per_sample"]) == list(range(12))   # none lost
    assert not [f for f in os.listdir(samples) if ".tmp" in f]
    # the same results as a run that was not interrupted
    whole = str(tmp_path / "whole")
    assert subprocess.run(_run_args(small_files, whole), cwd=ROOT, capture_output=True).returncode == 0
    expected = json.load(open(os.path.join(whole, "results.json")))
    assert [(r["sample"], r["predicted"], r["readout_counts"], r["spikes"]) for r in results["per_sample"]] \
        == [(r["sample"], r["predicted"], r["readout_counts"], r["spikes"]) for r in expected["per_sample"]]
    for i in range(12):
        name = f"sample_{i:05d}_spikes.npz"
        a, b = np.load(os.path.join(samples, name)), np.load(os.path.join(whole, "samples", name))
        for key in ("steps", "neurons", "shape"):
            np.testing.assert_array_equal(a[key], b[key])
    _check_neo_files_equal_the_spike_arrays(out, results["per_sample"], n_neurons=500)


def test_cli_errors_are_explained(small_files, tmp_path):
    other = str(tmp_path / "other_stim.h5")
    write_synthetic_stimulus(other, n_samples=2, n_lgn=50, seed=1, post_delay=10)
    proc = _cli("--network", small_files[0], "--stimulus", other, "--out", str(tmp_path / "r1"))
    assert proc.returncode == 2
    assert "has 50 input units but" in proc.stderr and "Traceback" not in proc.stderr
    broken = str(tmp_path / "broken.h5")
    import h5py
    import shutil
    shutil.copy(small_files[0], broken)
    with h5py.File(broken, "a") as f:
        del f["recurrent/weights"]
    proc = _cli("--network", broken, "--stimulus", small_files[1], "--out", str(tmp_path / "r2"))
    assert proc.returncode == 2 and "recurrent/weights" in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli("--simulator", "nosuchsim", "--network", small_files[0], "--stimulus", small_files[1],
                "--out", str(tmp_path / "r3"))
    assert proc.returncode == 2 and "simulator 'nosuchsim' is not available" in proc.stderr
    # a second run into the same directory with other settings is refused, not mixed
    out = str(tmp_path / "r4")
    assert _cli("--network", small_files[0], "--stimulus", small_files[1], "--samples", "0",
                "--out", out, "--quiet", "--no-plots").returncode == 0
    proc = _cli("--network", small_files[0], "--stimulus", small_files[1], "--samples", "0",
                "--seed", "5", "--out", out)
    assert proc.returncode == 2 and "seed: 0 before, 5 now" in proc.stderr
