"""``pynn-glif3 build-spinnaker``: what it checks before building, and the make it runs.

The SpiNNaker C sources (spinnaker_tools, spinn_common, SpiNNFrontEndCommon, sPyNNaker's
neural_modelling) are not installed here, so no real .aplx is built: the set-up is laid out with
the files the build looks for, ``make`` and ``arm-none-eabi-gcc`` are stand-ins on PATH that record
how they were called, and, separately, the package's Makefile runs under the real make against a
stand-in for sPyNNaker's makefiles.
"""

import json
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from pynn_glif3 import cli
from pynn_glif3.backends.spinnaker import build
from pynn_glif3.verification.spinnaker_harness import source_dir

REAL_MAKE = shutil.which("make")

RECORDER = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open({record!r}, "a") as f:
    f.write(json.dumps(dict(args=args, env={{k: os.environ.get(k) for k in
                                             ("SPINN_DIRS", "NEURAL_MODELLING_DIRS", "PATH")}})) + "\\n")
out = [a.split("=", 1)[1] for a in args if a.startswith("APP_OUTPUT_DIR=")]
if {status} == 0 and out:
    for name in ("glif3_alpha.aplx", "glif3_alpha_neuron.aplx"):
        open(os.path.join(out[0], name), "wb").close()
sys.exit({status})
"""


def _tool(bin_dir, name, text):
    path = bin_dir / name
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def setup_dirs(tmp_path, monkeypatch):
    """A SpiNNaker C set-up with the files the build checks for, a recording make and a compiler
    on PATH; the binaries go to a temporary directory."""
    spinn = tmp_path / "spinnaker_tools"
    (spinn / "make").mkdir(parents=True)
    (spinn / "make" / "spinnaker_tools.mk").write_text("# stand-in\n")
    nm = tmp_path / "neural_modelling"
    for sub, name in (("neuron", "neural_build.mk"), ("neuron_only", "neuron_build.mk")):
        (nm / "makefiles" / sub).mkdir(parents=True)
        (nm / "makefiles" / sub / name).write_text("# stand-in\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "make_calls.jsonl"
    _tool(bin_dir, "make", RECORDER.format(python=sys.executable, record=str(record), status=0))
    _tool(bin_dir, "arm-none-eabi-gcc", "#!/bin/sh\nexit 0\n")
    binaries = tmp_path / "model_binaries"
    monkeypatch.setattr(build, "BINARY_DIR", str(binaries))
    monkeypatch.setenv("SPINN_DIRS", str(spinn))
    monkeypatch.setenv("NEURAL_MODELLING_DIRS", str(nm))
    monkeypatch.setenv("PATH", str(bin_dir))
    return dict(spinn=spinn, nm=nm, bin=bin_dir, record=record, binaries=binaries)


def _calls(record):
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def _build(capsys, *args):
    status = cli.main(["build-spinnaker", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_missing_environment_variables_are_named(setup_dirs, monkeypatch, capsys):
    monkeypatch.delenv("SPINN_DIRS")
    monkeypatch.delenv("NEURAL_MODELLING_DIRS")
    status, _, err = _build(capsys)
    assert status == 2
    assert "SPINN_DIRS is not set: point it at spinnaker_tools" in err
    assert "NEURAL_MODELLING_DIRS is not set: point it at sPyNNaker's neural_modelling" in err
    assert "Traceback" not in err
    assert _calls(setup_dirs["record"]) == []                 # make never ran


def test_directories_without_the_sources_are_named(setup_dirs, monkeypatch, capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SPINN_DIRS", str(empty))
    monkeypatch.setenv("NEURAL_MODELLING_DIRS", str(tmp_path / "nowhere"))
    status, _, err = _build(capsys)
    assert status == 2
    assert f"SPINN_DIRS={empty} has no make/spinnaker_tools.mk" in err
    assert f"NEURAL_MODELLING_DIRS={tmp_path / 'nowhere'} is not a directory" in err
    (setup_dirs["nm"] / "makefiles" / "neuron_only" / "neuron_build.mk").unlink()
    monkeypatch.setenv("SPINN_DIRS", str(setup_dirs["spinn"]))
    monkeypatch.setenv("NEURAL_MODELLING_DIRS", str(setup_dirs["nm"]))
    status, _, err = _build(capsys)
    assert status == 2 and "has no makefiles/neuron_only/neuron_build.mk" in err
    assert _calls(setup_dirs["record"]) == []


def test_missing_compiler_and_make_are_named(setup_dirs, capsys):
    (setup_dirs["bin"] / "arm-none-eabi-gcc").unlink()
    status, _, err = _build(capsys)
    assert status == 2 and "arm-none-eabi-gcc is not on PATH" in err
    assert "gcc-arm-none-eabi" in err                      # how to get it
    (setup_dirs["bin"] / "make").unlink()
    status, _, err = _build(capsys)
    assert status == 2 and "make is not on PATH" in err and "arm-none-eabi-gcc is not on PATH" in err


def test_make_runs_in_the_native_sources_with_the_set_up(setup_dirs, capsys):
    status, out, err = _build(capsys)
    assert status == 0, err
    (call,) = _calls(setup_dirs["record"])
    binaries = setup_dirs["binaries"]
    assert call["args"] == ["-C", str(source_dir()), f"APP_OUTPUT_DIR={binaries}{os.sep}", "all"]
    assert call["env"]["SPINN_DIRS"] == str(setup_dirs["spinn"])
    assert call["env"]["NEURAL_MODELLING_DIRS"] == str(setup_dirs["nm"])
    # the log-string converter must find spinn_utilities: this interpreter comes first on PATH
    assert call["env"]["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert out.split() == [str(binaries / "glif3_alpha.aplx"), str(binaries / "glif3_alpha_neuron.aplx")]
    status, _, err = _build(capsys, "--clean", "-j", "2")
    assert status == 0, err
    assert _calls(setup_dirs["record"])[-1]["args"][-3:] == ["-j2", "clean", "all"]


def test_a_failing_make_is_reported(setup_dirs, capsys):
    _tool(setup_dirs["bin"], "make",
          RECORDER.format(python=sys.executable, record=str(setup_dirs["record"]), status=3))
    status, _, err = _build(capsys)
    assert status == 1 and "make failed (exit status 3)" in err


@pytest.mark.skipif(REAL_MAKE is None, reason="make is not installed")
def test_the_makefile_writes_the_binaries_where_the_command_says(setup_dirs, monkeypatch, capsys):
    """The real make and the package's Makefile, with a stand-in for sPyNNaker's makefiles that
    writes $(APP_OUTPUT_DIR)$(APP).aplx: the output directory reaches the build of each binary."""
    (setup_dirs["bin"] / "make").unlink()
    os.symlink(REAL_MAKE, setup_dirs["bin"] / "make")
    rule = ("all:\n\t@mkdir -p $(APP_OUTPUT_DIR)\n\t@echo $(APP) > $(APP_OUTPUT_DIR)$(APP).aplx\n"
            "clean:\n\t@true\n")
    for sub, name in (("neuron", "neural_build.mk"), ("neuron_only", "neuron_build.mk")):
        (setup_dirs["nm"] / "makefiles" / sub / name).write_text(rule)
    # the shell and mkdir the recipes use
    monkeypatch.setenv("PATH", os.pathsep.join([str(setup_dirs["bin"]), "/usr/bin", "/bin"]))
    status, out, err = _build(capsys)
    assert status == 0, err
    for name in ("glif3_alpha", "glif3_alpha_neuron"):
        assert (setup_dirs["binaries"] / f"{name}.aplx").read_text().strip() == name


def test_build_products_are_not_tracked():
    root = Path(source_dir()).parents[1]
    if not (root / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    for path in ("native/spinnaker/modified_src/glif3/models/x.c", "native/spinnaker/build/x.o",
                 "pynn_glif3/backends/spinnaker/model_binaries/glif3_alpha.aplx"):
        proc = subprocess.run(["git", "check-ignore", "-q", path], cwd=root)
        assert proc.returncode == 0, f"{path} is not ignored"
