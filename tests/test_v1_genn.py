"""The V1 job with --simulator genn: same predictions and spikes as NEST and the reference;
a clear message at once where GeNN is missing."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("v1genn")
    net, stim = str(d / "net.h5"), str(d / "stim.h5")
    write_synthetic_v1(net, n_neurons=600, seed=3, n_lgn=300, pool_size=3)
    write_synthetic_stimulus(stim, n_samples=4, n_lgn=300, seed=4, post_delay=100)
    return net, stim


def _run(simulator, files, out, block_pygenn=False):
    code = ("import sys\n"
            + ("sys.modules['pygenn'] = None\n" if block_pygenn else "")
            + "from pynn_glif3.cli import main\n"
            f"sys.exit(main(['run', '--simulator', {simulator!r}, '--network', {files[0]!r}, "
            f"'--stimulus', {files[1]!r}, '--out', {out!r}, '--compare-reference', '--quiet', '--no-plots']))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_without_pygenn_the_run_stops_at_once_with_install_advice(files, tmp_path):
    proc = _run("genn", files, str(tmp_path / "r"), block_pygenn=True)
    assert proc.returncode == 2
    assert "simulator 'genn' cannot run here" in proc.stderr and "GeNN" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not os.path.exists(tmp_path / "r" / "samples")       # stopped before any work


def test_genn_gives_the_same_predictions_and_spikes_as_nest(files, tmp_path):
    pytest.importorskip("pygenn")
    pytest.importorskip("pyNN.nest")
    results = {}
    for sim in ("nest", "genn"):
        out = str(tmp_path / sim)
        proc = _run(sim, files, out)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results[sim] = json.load(open(os.path.join(out, "results.json")))["per_sample"]
        assert all(r["reference"]["first_divergent_step"] is None for r in results[sim])
    assert [r["predicted"] for r in results["nest"]] == [r["predicted"] for r in results["genn"]]
    # GeNN compiles the network once and reruns it for each sample
    assert [r["trials_in_run"] for r in results["genn"]] == [4] * 4
    for i in range(4):
        a = np.load(tmp_path / "nest" / "samples" / f"sample_{i:05d}_spikes.npz")
        b = np.load(tmp_path / "genn" / "samples" / f"sample_{i:05d}_spikes.npz")
        np.testing.assert_array_equal(a["steps"], b["steps"])
        np.testing.assert_array_equal(a["neurons"], b["neurons"])
