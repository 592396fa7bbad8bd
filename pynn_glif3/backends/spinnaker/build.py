"""Build the GLIF3Alpha SpiNNaker binaries: ``pynn-glif3 build-spinnaker``.

Runs ``make`` in ``native/spinnaker`` (shipped inside the package) as a sPyNNaker user builds C
code: with the SpiNNaker C development set-up, that is

* ``SPINN_DIRS``: spinnaker_tools, built (``source setup; make``), with spinn_common and
  SpiNNFrontEndCommon's ``c_common`` built and installed into it (``make install``);
* ``NEURAL_MODELLING_DIRS``: sPyNNaker's ``neural_modelling`` directory;
* ``arm-none-eabi-gcc`` and ``make`` on ``PATH``, and the ``spinn_utilities`` Python package
  (sPyNNaker's build converts the log strings of the C sources with it).

Everything is checked before ``make`` runs, and every missing piece is named.  The binaries go to
:data:`BINARY_DIR`, the directory the SpiNNaker backend registers with sPyNNaker (:mod:`.pynn_patches`).
The build writes ``native/spinnaker/build/`` and ``native/spinnaker/modified_src/`` (the sources
with their log strings converted) next to the sources.

Nothing here imports sPyNNaker.
"""

import importlib.util
import os
from pathlib import Path
import shutil
import subprocess
import sys

from pynn_glif3.backends.native import native_dir

#: The binaries the Makefile builds: neurons and synapses on one core, and the neuron-only core.
BINARIES = ("glif3_alpha.aplx", "glif3_alpha_neuron.aplx")
#: Where they go, and where sPyNNaker is told to look for them.
BINARY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_binaries")
#: The cross compiler sPyNNaker's build calls (spinnaker_tools' GNU prefix ``arm-none-eabi``).
COMPILER = "arm-none-eabi-gcc"

#: Environment variable -> (file it must hold, what to point it at)
REQUIRED_DIRS = {
    "SPINN_DIRS": (("make/spinnaker_tools.mk",),
                   "spinnaker_tools, built, with spinn_common and SpiNNFrontEndCommon's c_common "
                   "installed into it (run 'source setup' in spinnaker_tools)"),
    "NEURAL_MODELLING_DIRS": (("makefiles/neuron/neural_build.mk",
                               "makefiles/neuron_only/neuron_build.mk"),
                              "sPyNNaker's neural_modelling directory"),
}


def source_dir():
    """``native/spinnaker``, installed or in a checkout (override with ``PYNN_GLIF3_SPINNAKER_DIR``)."""
    env = os.environ.get("PYNN_GLIF3_SPINNAKER_DIR")
    return Path(env) if env else native_dir("spinnaker")


class BuildError(RuntimeError):
    """The build failed; the message says why."""


class MissingSetup(BuildError):
    """A piece of the SpiNNaker C development set-up is missing; the message names it."""


def check_setup(env=None, src=None):
    """The problems that would stop the build (a list of sentences; empty when all is there)."""
    env = os.environ if env is None else env
    src = Path(source_dir() if src is None else src)
    problems = []
    for name, (files, what) in REQUIRED_DIRS.items():
        value = env.get(name)
        if not value:
            problems.append(f"{name} is not set: point it at {what}")
        elif not os.path.isdir(value):
            problems.append(f"{name}={value} is not a directory: point it at {what}")
        else:
            missing = [f for f in files if not os.path.isfile(os.path.join(value, f))]
            if missing:
                problems.append(f"{name}={value} has no {', '.join(missing)}: point it at {what}")
    path = env.get("PATH", "")
    for tool, hint in (("make", "install make (GNU make)"),
                       (COMPILER, "install the GNU Arm Embedded toolchain (Debian/Ubuntu: "
                                  "gcc-arm-none-eabi and libnewlib-arm-none-eabi) and put its bin "
                                  "directory on PATH")):
        if shutil.which(tool, path=path) is None:
            problems.append(f"{tool} is not on PATH: {hint}")
    if importlib.util.find_spec("spinn_utilities") is None:
        problems.append("the Python package spinn_utilities is missing (it converts the C log "
                        "strings): pip install 'pynn_glif3[spinnaker]'")
    if not (src / "Makefile").is_file():
        problems.append(f"{src} has no Makefile: the SpiNNaker sources of the package are missing")
    for d in (src, Path(BINARY_DIR).parent):
        if d.is_dir() and not os.access(d, os.W_OK):
            problems.append(f"{d} is not writable: the build writes there")
    return problems


def make_command(src=None, clean=False, jobs=None):
    """The ``make`` command line of the build (the output directory given explicitly, so that it
    is the one sPyNNaker searches)."""
    src = Path(source_dir() if src is None else src)
    cmd = ["make", "-C", str(src), f"APP_OUTPUT_DIR={BINARY_DIR}{os.sep}"]
    if jobs:
        cmd.append(f"-j{int(jobs)}")
    return cmd + (["clean", "all"] if clean else ["all"])


def build(clean=False, jobs=None, env=None, stream=sys.stderr):
    """Build the binaries; returns their paths.  Raises :class:`MissingSetup` naming what is
    missing before running anything, :class:`BuildError` when ``make`` fails."""
    env = dict(os.environ if env is None else env)
    try:
        src = source_dir()
    except FileNotFoundError as err:
        raise MissingSetup(str(err)) from err
    problems = check_setup(env, src)
    if problems:
        raise MissingSetup("cannot build the SpiNNaker binaries:\n  - " + "\n  - ".join(problems))
    # the log-string converter runs as 'python -m spinn_utilities...': this interpreter has it
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    os.makedirs(BINARY_DIR, exist_ok=True)
    cmd = make_command(src, clean, jobs)
    print(f"pynn_glif3: {' '.join(cmd)}  (SPINN_DIRS={env['SPINN_DIRS']}, "
          f"NEURAL_MODELLING_DIRS={env['NEURAL_MODELLING_DIRS']})", file=stream, flush=True)
    proc = subprocess.run(cmd, env=env)
    if proc.returncode:
        raise BuildError(f"make failed (exit status {proc.returncode}); its output above says why")
    paths = [os.path.join(BINARY_DIR, name) for name in BINARIES]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise BuildError(f"make finished but did not write {', '.join(missing)}")
    return paths
