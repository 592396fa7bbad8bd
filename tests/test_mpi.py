"""The V1 job on NEST with MPI: the same spikes on 1 process, 2 MPI processes and 2 threads.

Needs NEST built with MPI (the PyPI wheel has none): ``bash scripts/install_nest_mpi.sh`` builds
one into its own environment, found by :func:`pynn_glif3.jobs.parallel.mpi_python` (or set
``PYNN_GLIF3_MPI_PYTHON`` to its interpreter).  Without it these tests skip and say why; CI,
which does not build NEST from source, skips them.
"""

import json
import os
import subprocess

import numpy as np
import pytest

from pynn_glif3.verification.nest_mpi import mpi_python, mpirun
from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1
from pynn_glif3.jobs import v1

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_NEURONS, N_LGN, SAMPLES = 1000, 300, (0, 1)


@pytest.fixture(scope="module")
def python():
    path, why_not = mpi_python()
    if path is None:
        pytest.skip(why_not)
    # build the module once, before two processes would wait on each other's build
    proc = subprocess.run([path, "-m", "pynn_glif3", "build-nest", "--quiet"], capture_output=True,
                          text=True, env=_env(), timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("mpi")
    net, stim, pool = str(d / "net.h5"), str(d / "stim.h5"), str(d / "pool.npy")
    write_synthetic_v1(net, n_neurons=N_NEURONS, seed=6, n_lgn=N_LGN, pool_size=5)
    write_synthetic_stimulus(stim, n_samples=len(SAMPLES), n_lgn=N_LGN, seed=7)
    np.save(pool, np.random.default_rng(8).normal(0.0, 0.1, 5000))
    return net, stim, pool


def _env(env=None):
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    return env


def _run_job(python, files, out, processes=None, extra=()):
    args = [python, "-m", "pynn_glif3", "run", "--network", files[0], "--stimulus", files[1],
            "--samples", ",".join(map(str, SAMPLES)), "--out", str(out), "--no-plots", *extra]
    env = None
    if processes:
        args, env = mpirun(processes, args)
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=_env(env), timeout=900)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


def _spikes(out, sample):
    data = np.load(os.path.join(out, "samples", f"sample_{sample:05d}_spikes.npz"))
    return np.stack([data["steps"], data["neurons"]])


def _records(out):
    return {r["sample"]: r for r in json.load(open(os.path.join(out, "results.json")))["per_sample"]}


def test_same_spikes_on_one_process_two_mpi_processes_and_two_threads(python, files, tmp_path):
    import neo.io

    outs = {"1 process": tmp_path / "one", "2 threads": tmp_path / "threads",
            "2 MPI processes": tmp_path / "mpi"}
    _run_job(python, files, outs["1 process"])
    _run_job(python, files, outs["2 threads"], extra=("--threads", "2"))
    proc = _run_job(python, files, outs["2 MPI processes"], processes=2,
                    extra=("--compare-reference", "--quiet"))
    # one rank reports: the header and the summary once, not once per process
    assert proc.stdout.count("simulator nest;") == 1 and "2 MPI processes" in proc.stdout
    assert proc.stdout.count("accuracy") == 1
    records = {name: _records(out) for name, out in outs.items()}
    for sample in SAMPLES:
        one = _spikes(outs["1 process"], sample)
        assert one.shape[1] > 1000, "too few spikes for a meaningful comparison"
        for name in ("2 threads", "2 MPI processes"):
            np.testing.assert_array_equal(_spikes(outs[name], sample), one, err_msg=f"{name}, sample {sample}")
            for key in ("readout_counts", "predicted", "spikes"):
                assert records[name][sample][key] == records["1 process"][sample][key], (name, key)
        # and the distributed run is the NumPy reference's, spike for spike
        reference = records["2 MPI processes"][sample]["reference"]
        assert reference["first_divergent_step"] is None and reference["identical_fraction"] == 1.0
        # the neo file is written once, holding every neuron, however many processes ran
        with neo.io.NixIO(os.path.join(outs["2 MPI processes"], "samples", f"sample_{sample:05d}.nix"),
                          mode="ro") as io:
            block = io.read_block()
        trains = v1.spiketrains_of(block)
        assert len(trains) == N_NEURONS
        assert sum(len(t) for t in trains) == one.shape[1]
    written = sorted(os.listdir(outs["2 MPI processes"] / "samples"))
    assert written == sorted(os.listdir(outs["1 process"] / "samples"))


def test_decoded_noise_on_two_mpi_processes_equals_the_reference(python, files, tmp_path):
    """Each process sets the rise_input table of its own neurons only; the result is still exact."""
    out = tmp_path / "decoded"
    _run_job(python, files, out, processes=2,
             extra=("--background", "decoded", "--noise-pool", files[2], "--compare-reference", "--quiet"))
    for sample, record in _records(out).items():
        assert record["spikes"] > 1000
        assert record["reference"]["first_divergent_step"] is None, sample
