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

from pynn_glif3 import analysis, builder  # noqa: E402
from pynn_glif3.oracles import reference
from pynn_glif3.jobs import v1  # noqa: E402
from pynn_glif3.io import read_network  # noqa: E402
from pynn_glif3.io.stimulus_h5 import open_stimulus  # noqa: E402
from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Simulators on which bad input must give the same errors (Brian2 with its NumPy target, which
#: compiles nothing).
ERROR_SIMULATORS = ["nest", pytest.param("brian2", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("brian2") is None, reason="Brian2 is not installed"))]
_SIMULATOR_ENV = {"brian2": {"PYNN_GLIF3_BRIAN2_TARGET": "numpy"}}


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
    bkg = builder.draw_background(T, net.n_neurons, [11, 1, 1])
    sim.setup(timestep=1.0, threads=2)
    built = builder.build(sim, net, spikes_in, bkg)
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
    out, report = builder.simulator_delays(d, builder.BuildOptions())
    np.testing.assert_array_equal(out, [1.0, 1.0, 2.0, 4.0, 5.0])
    assert (report.raised_to_dt, report.clipped_to_max, report.rounded) == (1, 1, 2)
    assert "4 of 5 synapses changed" in str(report)
    raw, report = builder.simulator_delays(d, builder.BuildOptions(delays="raw"))
    np.testing.assert_array_equal(raw, [1.0, 1.0, 2.5, 3.7, 7.2])
    assert report.changed == 1
    # edge: the training rule too (it only changes which delays the training pickles' reader gives)
    edge, report = builder.simulator_delays(d, builder.BuildOptions(delays="edge"))
    np.testing.assert_array_equal(edge, [1.0, 1.0, 2.0, 4.0, 5.0])
    assert report.changed == 4
    with pytest.raises(ValueError, match="delays must be one of training, edge, raw"):
        builder.BuildOptions(delays="clip")


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
    from pynn_glif3.model.timing import START_STEP

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

    run_trials = builder.BuiltNetwork.run_trials

    def counted(self, n_steps):
        for k, seconds in run_trials(self, n_steps):
            events.append("trial simulated")
            yield k, seconds

    monkeypatch.setattr(v1, "Progress", Progress)
    monkeypatch.setattr(builder.BuiltNetwork, "run_trials", counted)
    out = str(tmp_path / "results")
    parser = argparse.ArgumentParser()
    v1.add_arguments(parser)
    args = parser.parse_args(["--network", small_files[0], "--stimulus", small_files[1], "--samples",
                              "0:5", "--window", "50:100", "--trials-per-run", "5", "--out", out,
                              "--quiet", "--no-plots"])
    assert v1.run_command(args) == 0
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


@pytest.mark.parametrize("simulator", ERROR_SIMULATORS)
def test_cli_errors_are_explained(small_files, tmp_path, simulator):
    env = dict(os.environ, **_SIMULATOR_ENV.get(simulator, {}))

    def _cli(*args):
        return globals()["_cli"]("--simulator", simulator, *args, env=env)

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
    proc = globals()["_cli"]("--simulator", "nosuchsim", "--network", small_files[0], "--stimulus",
                             small_files[1], "--out", str(tmp_path / "r3"))
    assert proc.returncode == 2 and "simulator 'nosuchsim' is not available" in proc.stderr
    # a second run into the same directory with other settings is refused, not mixed
    out = str(tmp_path / "r4")
    assert _cli("--network", small_files[0], "--stimulus", small_files[1], "--samples", "0",
                "--out", out, "--quiet", "--no-plots").returncode == 0
    proc = _cli("--network", small_files[0], "--stimulus", small_files[1], "--samples", "0",
                "--seed", "5", "--out", out)
    assert proc.returncode == 2 and "seed: 0 before, 5 now" in proc.stderr


def _write_training_dir(d, n_e5=300, n_i=30, n_lgn=40, seed=6):
    """The training code's directory written from the format's description: network_dat.pkl,
    input_dat.pkl, network/v1_nodes.h5 and network/v1_node_types.csv; edge types by source
    population and receptor, each with its own delay, interleaved when sorted by target."""
    import pickle

    import h5py

    rng = np.random.default_rng(seed)
    n = n_e5 + n_i
    (d / "network").mkdir(parents=True)
    with h5py.File(d / "network" / "v1_nodes.h5", "w") as f:
        f["nodes/v1/node_id"] = np.arange(n)
        f["nodes/v1/node_type_id"] = np.where(np.arange(n) < n_e5, 1, 2)
        for c in "xyz":
            f[f"nodes/v1/0/{c}"] = rng.uniform(-250, 250, n).astype(np.float32)
    with open(d / "network" / "v1_node_types.csv", "w") as f:
        f.write("node_type_id model_type pop_name ei location\n1 point_process e5Rbp4 e VisL5\n"
                "2 point_process i5Pvalb i VisL5\n")
    e = {"V_th": -52.0, "g": 6.0, "E_L": -72.0, "k": [0.02, 0.1], "C_m": 120.0, "V_reset": -74.0,
         "tau_syn": [5.5, 8.5, 2.8, 5.8], "t_ref": 2.5, "asc_amps": [-12.0, -110.0]}
    nodes = [{"ids": np.arange(n_e5), "params": e},
             {"ids": np.arange(n_e5, n), "params": dict(e, V_th=-48.0, C_m=60.0, t_ref=1.5)}]
    edges = []
    for (lo, hi), (tlo, thi), receptor, delay, sign in (
            ((0, n_e5), (0, n_e5), 1, 1.4, 1), ((n_e5, n), (0, n_e5), 2, 4.6, -1),
            ((0, n_e5), (n_e5, n), 3, 2.4, 1), ((n_e5, n), (n_e5, n), 4, 0.8, -1),
            ((0, 150), (0, n_e5), 1, 3.6, 1)):
        src = rng.integers(lo, hi, 10 * (thi - tlo))
        tgt = rng.integers(tlo, thi, src.size)
        keep = np.unique(np.stack([src, tgt]), axis=1)
        edges.append({"source": keep[0], "target": keep[1],
                      "params": {"receptor_type": receptor, "delay": delay,
                                 "weight": sign * rng.uniform(2, 12, keep.shape[1])}})
    with open(d / "network_dat.pkl", "wb") as f:
        pickle.dump({"nodes": nodes, "edges": edges}, f)
    lgn = [{"source": rng.integers(0, n_lgn, 8 * n), "target": np.repeat(np.arange(n), 8),
            "params": {"weight": rng.uniform(10, 30, 8 * n), "delay": 1.0, "receptor_type": 1}}]
    bkg = [{"source": np.zeros(n, np.int64), "target": np.arange(n),
            "params": {"weight": np.full(n, 8.0), "delay": 1.0, "receptor_type": 1}}]
    with open(d / "input_dat.pkl", "wb") as f:
        pickle.dump([({"ids": np.arange(n_lgn), "spikes": [np.zeros(0)] * n_lgn}, lgn),
                     ({"ids": np.array([0]), "spikes": [np.zeros(0)]}, bkg)], f)
    return d / "network_dat.pkl"


def test_cli_runs_the_training_pickles_with_either_delay_assignment(tmp_path):
    """pynn-glif3 run on network_dat.pkl: NEST equals the reference on the network the reader
    gives under each --delays, which prints how many synapses ran another edge's delay."""
    pkl = _write_training_dir(tmp_path / "GLIF_network")
    stim = str(tmp_path / "stim.h5")
    write_synthetic_stimulus(stim, n_samples=1, n_lgn=40, seed=3, post_delay=50)
    reports = {}
    for policy in ("training", "edge"):
        out = str(tmp_path / policy)
        proc = _cli("--network", str(pkl), "--stimulus", stim, "--samples", "0", "--delays", policy,
                    "--out", out, "--compare-reference", "--quiet", "--no-plots")
        assert proc.returncode == 0, proc.stderr[-2000:]
        sample = json.load(open(os.path.join(out, "results.json")))["per_sample"][0]
        assert sample["reference"]["first_divergent_step"] is None and sample["spikes"] > 0
        reports[policy] = next(line for line in proc.stdout.splitlines() if line.startswith("delays:"))
        assert "another edge than their own" in proc.stderr        # most synapses: a warning
    assert "keeps the delays the training code ran" in reports["training"]
    assert "its own edge's delay instead" in reports["edge"]
    assert reports["training"].split(";")[0] == reports["edge"].split(";")[0]     # the same count
    # a format with one delay per synapse: edge is refused, not silently the same as training
    other = str(tmp_path / "net.h5")
    write_synthetic_v1(other, n_neurons=200, seed=1, n_lgn=40, pool_size=3)
    proc = _cli("--network", other, "--stimulus", stim, "--out", str(tmp_path / "r"), "--delays", "edge")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "applies to the training code's pickles" in proc.stderr


def _copy(src, dst, edit=None):
    """A copy of an HDF5 file, changed in place by ``edit(h5py.File)``."""
    import shutil

    import h5py
    shutil.copy(src, dst)
    if edit is not None:
        with h5py.File(dst, "a") as f:
            edit(f)
    return str(dst)


def _sample_files(out):
    samples = os.path.join(out, "samples")
    return sorted(os.listdir(samples)) if os.path.isdir(samples) else []


def test_compare_reference_on_a_network_without_background_weights(small_files, tmp_path):
    # the documented older variant: no input/bkg_weights; no background on either side
    def drop_background(f):
        del f["input/bkg_weights"]
    net = _copy(small_files[0], tmp_path / "no_bkg.h5", drop_background)
    assert read_network(net).bkg_weights is None
    out = str(tmp_path / "r")
    proc = _cli("--network", net, "--stimulus", small_files[1], "--samples", "0:2", "--out", out,
                "--compare-reference", "--quiet", "--no-plots", "--trials-per-run", "2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.load(open(os.path.join(out, "results.json")))
    assert [r["sample"] for r in results["per_sample"]] == [0, 1]
    for r in results["per_sample"]:
        assert r["reference"]["first_divergent_step"] is None        # NEST = reference
        assert r["spikes"] > 0


def test_resume_refuses_files_replaced_at_the_same_path(small_files, tmp_path):
    net, stim = str(tmp_path / "net.h5"), str(tmp_path / "stim.h5")
    _copy(small_files[0], net)
    _copy(small_files[1], stim)
    out = str(tmp_path / "r")
    common = ("--network", net, "--stimulus", stim, "--out", out, "--quiet", "--no-plots")
    assert _cli(*common, "--samples", "0").returncode == 0
    before = _sample_files(out)
    # another network at the same path: its samples must not be mixed with the old ones
    write_synthetic_v1(net, n_neurons=500, seed=7, n_lgn=200, pool_size=3)
    proc = _cli(*common, "--samples", "0:2")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"the network file {os.path.abspath(net)} is not the one the samples in {out}" in proc.stderr
    assert "already done" not in proc.stdout and "Traceback" not in proc.stderr
    assert _sample_files(out) == before
    # the original network back, but another stimulus under the old name
    _copy(small_files[0], net)
    write_synthetic_stimulus(stim, n_samples=24, n_lgn=200, seed=9, post_delay=50)
    proc = _cli(*common, "--samples", "0:2")
    assert proc.returncode == 2 and "the stimulus file" in proc.stderr and "is not the one" in proc.stderr
    assert _sample_files(out) == before
    # the same contents again (a fresh copy, new mtime): resumes
    _copy(small_files[1], stim)
    proc = _cli(*common, "--samples", "0:2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1 already done (resuming)" in proc.stdout


@pytest.mark.parametrize("option, value, message", [
    ("--samples", "5:2", "the range '5:2' selects no sample"),
    ("--samples", "abc", "--samples takes indices and START:STOP ranges"),
    ("--samples", "3,x", "--samples takes indices"),
    ("--samples", "30", "samples [30] are outside the stimulus file's 0..23"),
    ("--window", "a:b", "--window must be START:STOP in steps"),
    ("--window", "50", "--window must be START:STOP in steps"),
])
@pytest.mark.parametrize("simulator", ERROR_SIMULATORS)
def test_bad_options_exit_2_with_a_message(small_files, tmp_path, capsys, option, value, message,
                                           simulator):
    from pynn_glif3 import cli

    out = str(tmp_path / "r")
    status = cli.main(["run", "--simulator", simulator, "--network", small_files[0], "--stimulus", small_files[1],
                       option, value, "--out", out, "--quiet", "--no-plots"])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err
    assert _sample_files(out) == []


@pytest.mark.parametrize("simulator", ERROR_SIMULATORS)
def test_bad_stimulus_values_stop_with_the_sample_named(small_files, tmp_path, simulator):
    env = dict(os.environ, **_SIMULATOR_ENV.get(simulator, {}))

    def _cli(*args):
        return globals()["_cli"]("--simulator", simulator, *args, env=env)

    # values are probability x 1.3: NaN and values above 1.3 are not probabilities
    def spoil(f):
        f["spike_trains"][1, 60, 7] = np.nan
        f["spike_trains"][2, 10, 3] = 1.5
    stim = _copy(small_files[1], tmp_path / "bad.h5", spoil)
    out = str(tmp_path / "r")
    proc = _cli("--network", small_files[0], "--stimulus", stim, "--samples", "0:3", "--out", out,
                "--quiet", "--no-plots", "--trials-per-run", "1")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert f"{stim}:spike_trains: sample 1, step 60, unit 7 is nan" in proc.stderr
    assert "1 of 3 samples are saved" in proc.stderr
    assert [f for f in _sample_files(out) if f.endswith(".json")] == ["sample_00000.json"]
    proc = _cli("--network", small_files[0], "--stimulus", stim, "--samples", "2", "--out", out,
                "--quiet", "--no-plots")
    assert proc.returncode == 2 and "sample 2, step 10, unit 3 is 1.5" in proc.stderr
    assert "Traceback" not in proc.stderr


def _without_root_override(cmd):
    """``cmd`` run so that file permissions apply even to root (who otherwise writes anywhere)."""
    import shutil
    if os.geteuid() != 0:
        return cmd
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only directory cannot be made")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd]


def test_unwritable_output_is_refused_before_simulating(small_files, tmp_path):
    out = str(tmp_path / "r")
    common = ["--network", small_files[0], "--stimulus", small_files[1], "--out", out, "--quiet",
              "--no-plots"]
    assert _cli(*common, "--samples", "0").returncode == 0
    before = _sample_files(out)
    for d in (out, os.path.join(out, "samples")):
        os.chmod(d, 0o555)
    try:
        cmd = _without_root_override([sys.executable, "-m", "pynn_glif3", "run", *common,
                                      "--samples", "0:2"])
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
    finally:
        for d in (out, os.path.join(out, "samples")):
            os.chmod(d, 0o755)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"--out {out}: cannot write there" in proc.stderr and "Traceback" not in proc.stderr
    assert "delays (" not in proc.stdout          # stopped before anything was simulated
    assert _sample_files(out) == before
    assert seconds < 60


def test_delay_report_is_printed_and_most_changed_warns(small_files, tmp_path):
    import h5py
    with h5py.File(small_files[0], "r") as f:
        delays = f["recurrent/delays"][:].astype(float)
    # the training rule: whole steps of 1 ms, at least one, at most 5 (the trained model's maximum)
    steps = np.clip(np.round(delays), 1, 5)
    changed = int(np.sum(np.abs(steps - delays) > 1e-9))
    out = str(tmp_path / "r")
    proc = _cli("--network", small_files[0], "--stimulus", small_files[1], "--samples", "0",
                "--out", out, "--quiet", "--no-plots")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"delays (training policy): {changed} of {delays.size} synapses changed" in proc.stdout
    # delays written in tenths of ms: almost all beyond the maximum
    def tenths(f):
        f["recurrent/delays"][...] = f["recurrent/delays"][:] * 10
    wrong = _copy(small_files[0], tmp_path / "tenths.h5", tenths)
    proc = _cli("--network", wrong, "--stimulus", small_files[1], "--samples", "0",
                "--out", str(tmp_path / "r2"), "--quiet", "--no-plots")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "warning: the simulator's delays differ from the file's for most synapses" in proc.stderr
    assert "are the file's delays in ms?" in proc.stderr


def test_ctrl_c_says_how_to_continue_and_a_rerun_completes(small_files, tmp_path):
    out = str(tmp_path / "r")
    args = [sys.executable, "-m", "pynn_glif3", "run", "--network", small_files[0], "--stimulus",
            small_files[1], "--samples", "0:8", "--out", out, "--quiet", "--no-plots",
            "--trials-per-run", "2"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if any(f.endswith(".json") for f in _sample_files(out)):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    done = [f for f in _sample_files(out) if f.endswith(".json")]
    assert 1 <= len(done) < 8, "the run was not interrupted mid-way"
    assert proc.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    assert f"interrupted; {len(done)} of 8 samples are saved in {out}" in stderr
    assert "Rerunning the same command continues" in stderr
    for name in done:                  # each saved sample is saved whole: its spikes and neo file
        base = os.path.join(out, "samples", name[:-len(".json")])
        assert os.path.exists(base + "_spikes.npz") and os.path.exists(base + ".nix")
        assert v1.load_block(out, int(name[len("sample_"):-len(".json")])).segments
    rerun = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{len(done)} already done (resuming)" in rerun.stdout
    results = json.load(open(os.path.join(out, "results.json")))
    assert sorted(r["sample"] for r in results["per_sample"]) == list(range(8))


def test_a_missing_neo_file_is_written_again_from_the_samples_arrays(small_files, tmp_path):
    """A done sample whose NIX file is missing (a run stopped before its writer got to it) gets
    it from its arrays when the run is repeated, equal to the one written from the simulation."""
    import neo.io

    out = str(tmp_path / "r")
    args = ["--network", small_files[0], "--stimulus", small_files[1], "--samples", "0:3",
            "--out", out, "--quiet", "--no-plots"]
    assert _cli(*args).returncode == 0
    path = os.path.join(out, "samples", "sample_00001.nix")
    with neo.io.NixIO(path, mode="ro") as io:
        first = io.read_block()
    os.remove(path)
    rerun = _cli(*args)
    assert rerun.returncode == 0 and "3 already done (resuming)" in rerun.stdout
    results = json.load(open(os.path.join(out, "results.json")))
    _check_neo_files_equal_the_spike_arrays(out, results["per_sample"], n_neurons=500)
    with neo.io.NixIO(path, mode="ro") as io:
        again = io.read_block()
    for got, expected in zip(v1.spike_arrays_of(again), v1.spike_arrays_of(first)):
        np.testing.assert_array_equal(got, expected)
    assert {k: v for k, v in again.annotations.items() if k != "nix_name"} \
        == {k: v for k, v in first.annotations.items() if k != "nix_name"}
    (a,), (b,) = first.segments[0].spiketrains, again.segments[0].spiketrains
    assert a.t_stop == b.t_stop
    assert {k: v for k, v in a.annotations.items() if k != "nix_name"} \
        == {k: v for k, v in b.annotations.items() if k != "nix_name"}


def _write_sample(writer, sample, raster, **annotations):
    """Save a sample of ``raster`` through ``writer`` as the V1 job does."""
    from pynn_glif3.model.timing import START_STEP, StepTiming

    steps, neurons = np.nonzero(raster)
    record = dict(sample=sample, label=sample % 3, predicted=0, spikes=int(steps.size))
    writer.save(record, raster, neurons, (START_STEP + steps + 1) * 1.0,
                StepTiming(dt=1.0).run_time(raster.shape[0]),
                np.arange(raster.shape[1]), raster.shape[1], sample=sample, label=record["label"],
                predicted=0, **annotations)
    return record


def test_a_failing_neo_writer_loses_no_sample(tmp_path, capsys):
    """When the writer process cannot write a NIX file it says which and stops; every sample's
    arrays and record are saved all the same, the run warns, and the missing NIX files are made
    from the arrays."""
    from pynn_glif3.jobs.v1 import _finish_neo_files, store
    from pynn_glif3.model.timing import StepTiming

    out = str(tmp_path)
    os.makedirs(os.path.join(out, "samples"))
    rasters = np.random.default_rng(1).random((4, 30, 7)) < 0.2
    writer = store.SampleWriter(out)
    records = [_write_sample(writer, 0, rasters[0]),
               _write_sample(writer, 1, rasters[1], unwritable={"nested": object()}),
               _write_sample(writer, 2, rasters[2]), _write_sample(writer, 3, rasters[3])]
    failure = writer.close()
    assert failure is not None and "sample_00001.nix" in failure
    assert all(store.is_done(out, i) for i in range(4))
    assert os.path.exists(store.sample_path(out, 0, ".nix"))
    assert not os.path.exists(store.sample_path(out, 1, ".nix"))
    _finish_neo_files(writer, out, range(4), StepTiming(dt=1.0).run_time(30), np.arange(7), 7, 1.0)
    assert f"warning: {failure}; the NIX files it did not write are written from the samples' " \
        "arrays" in capsys.readouterr().err
    _check_neo_files_equal_the_spike_arrays(out, records, n_neurons=7)
    assert not [f for f in os.listdir(os.path.join(out, "samples")) if ".tmp" in f]


def _session_processes(sid):
    """{pid: (parent pid, state, command line)} of the processes of session ``sid`` (from /proc)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:         # ended meanwhile
            continue
        state, ppid, session = fields[0], int(fields[1]), int(fields[3])
        if session == sid and state != "Z":         # a zombie has ended
            found[int(name)] = (ppid, state, cmdline)
    return found


def _kill_and_wait(proc, seconds):
    """SIGKILL ``proc`` (started in a session of its own); what is left of its session after
    waiting up to ``seconds`` for it to empty."""
    proc.kill()
    proc.wait()
    deadline = time.time() + seconds
    while _session_processes(proc.pid) and time.time() < deadline:
        time.sleep(0.05)
    return _session_processes(proc.pid)


def _end_session(proc):
    """End ``proc`` and whatever is left of its session (only what the test started)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pid in _session_processes(proc.pid):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_the_neo_writer_process_ends_when_the_run_is_killed(tmp_path):
    """The run is SIGKILLed while its writer process writes NIX files: the writer, and every
    other process the run started, is gone within seconds (none is left waiting for a run that
    no longer exists)."""
    from pynn_glif3 import bundled

    out = str(tmp_path / "r")
    proc = subprocess.Popen([sys.executable, "-m", "pynn_glif3", "run", "--network",
                             bundled.network_path(), "--stimulus", bundled.stimulus_path(),
                             "--samples", "0:300", "--out", out, "--quiet", "--no-plots"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        writers, deadline = [], time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            writers = [pid for pid, (ppid, _, _) in _session_processes(proc.pid).items()
                       if ppid == proc.pid]        # the run starts no other process
            files = _sample_files(out)
            written, done = sum(f.endswith(".nix") for f in files), sum(f.endswith(".json") for f in files)
            # at best while samples wait for the writer (a job may then be half through the pipe)
            if writers and written >= 3 and (done - written >= 4 or written >= 20):
                break
            time.sleep(0.02)
        assert writers and proc.poll() is None, "the run ended before its writer was seen at work"
        left = _kill_and_wait(proc, seconds=5)
        assert not left, f"left running after the run was killed: {left}"
        done = [f for f in _sample_files(out) if f.endswith(".json")]
        assert 3 <= len(done) < 300
    finally:
        _end_session(proc)


_KILLED_MID_JOB = """
import sys, time
import numpy as np
from pynn_glif3.jobs.v1 import store

out = sys.argv[1]
raster = np.zeros((5, 10), dtype=bool)
with store.SampleWriter(out) as writer:
    # a file that keeps the writer busy for about a second (nixio: one HDF5 property per
    # annotation), then a job of several MB, which waits half sent in the pipe meanwhile
    writer.save(dict(sample=0), raster, np.arange(10), np.arange(10.0) + 3, 100.0, np.arange(10), 10,
                **{f"a{i}": i for i in range(400)})
    many = 400_000
    writer.save(dict(sample=1), raster, np.arange(many) % 10, np.linspace(3.0, 99.0, many), 100.0,
                np.arange(10), 10)
    print("saved", flush=True)
    time.sleep(120)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_the_neo_writer_ends_when_the_run_is_killed_with_a_job_half_sent(tmp_path):
    """The run is SIGKILLed while a job is half through the pipe to its busy writer process: the
    writer finishes the file in hand, finds the pipe's writing end gone and ends."""
    os.makedirs(tmp_path / "samples")
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_MID_JOB, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "saved"
        deadline = time.time() + 60
        while not os.path.exists(tmp_path / "samples" / "sample_00000.tmp.nix") \
                and time.time() < deadline:         # the writer is at the first file
            time.sleep(0.01)
        assert [pid for pid, (ppid, _, _) in _session_processes(proc.pid).items()
                if ppid == proc.pid], "no writer process"
        left = _kill_and_wait(proc, seconds=15)
        assert not left, f"left running after the run was killed: {left}"
        # the job in hand was written whole; the half-sent one was not written at all
        assert os.path.exists(tmp_path / "samples" / "sample_00000.nix")
        assert not os.path.exists(tmp_path / "samples" / "sample_00001.nix")
    finally:
        _end_session(proc)


_UNGUARDED_SCRIPT = """
from pynn_glif3 import bundled
from pynn_glif3.jobs.v1 import RunOptions, run

print("the script runs", flush=True)
result = run(RunOptions(network=bundled.network_path(), stimulus=bundled.stimulus_path(),
                        samples="0:3", out={out!r}, progress=False, plots=False), stream=None)
print("samples", len(result.records), flush=True)
"""


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """The writer process does not run the script that started the run again (as a
    multiprocessing process would, to import its __main__): the run is done once, with its NIX
    files."""
    script = tmp_path / "job.py"
    out = str(tmp_path / "r")
    script.write_text(_UNGUARDED_SCRIPT.format(out=out))
    proc = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()         # NEST's banner besides
    assert lines.count("the script runs") == 1 and lines.count("samples 3") == 1
    assert sorted(f for f in _sample_files(out) if f.endswith(".nix")) \
        == [f"sample_{i:05d}.nix" for i in range(3)]


def test_without_a_writer_process_the_neo_files_are_written_in_the_run(tmp_path, monkeypatch):
    """Where no process can be started, each NIX file is written as its sample is saved."""
    from pynn_glif3.jobs.v1 import store

    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(store.subprocess, "Popen", refuse)
    out = str(tmp_path)
    os.makedirs(os.path.join(out, "samples"))
    writer = store.SampleWriter(out)
    raster = np.random.default_rng(2).random((30, 7)) < 0.2
    record = _write_sample(writer, 0, raster)
    assert os.path.exists(store.sample_path(out, 0, ".nix"))      # at once, not after close
    assert writer.close() is None
    _check_neo_files_equal_the_spike_arrays(out, [record], n_neurons=7)
