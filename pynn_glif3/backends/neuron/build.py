"""Compile the glif3_alpha NEURON mechanism (``native/neuron/glif3_alpha.mod``) and cache it.

NEURON's own ``nrnivmodl`` (installed with the ``neuron`` package) translates the NMODL file to C++
and compiles it into ``libnrnmech.so``.  The result is cached per NEURON version and per hash of
the source, in ``$PYNN_GLIF3_CACHE`` or ``$XDG_CACHE_HOME/pynn_glif3`` (default
``~/.cache/pynn_glif3``): ``<cache>/neuron-<version>/<hash>/<arch>/libnrnmech.so``.  The first use
compiles it (about 20 s); ``python -m pynn_glif3 build-neuron`` does it on demand.

This file imports neither ``neuron`` nor the rest of the package, so that it also runs as a script.
"""

import hashlib
import importlib.metadata
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile

from pynn_glif3.backends.native import build_lock, cache_root

MECHANISM = "glif3_alpha"
SOURCE_FILES = (MECHANISM + ".mod",)
#: Extra compile flags (nrnivmodl -incflags): the update's products and sums rounded one by one,
#: as in the reference, on every architecture (GCC fuses a * b + c where the target has FMA).
COMPILE_FLAGS = ("-ffp-contract=off", "-fno-fast-math")


class BuildError(RuntimeError):
    """The mechanism cannot be built; the message says what to install or fix."""


def source_dir():
    """The directory holding the mechanism's NMODL source."""
    package = Path(__file__).resolve().parents[2]                 # pynn_glif3/
    candidates = [package / "native" / "neuron", package.parent / "native" / "neuron"]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in SOURCE_FILES):
            return candidate
    raise BuildError("the glif3_alpha NMODL source is missing (looked in "
                     + ", ".join(str(c) for c in candidates) + "); reinstall pynn_glif3")


def neuron_version():
    try:
        return importlib.metadata.version("neuron")
    except importlib.metadata.PackageNotFoundError:
        raise BuildError("NEURON is not installed: pip install 'pynn_glif3[neuron]'") from None


def build_key(src=None):
    src = Path(src or source_dir())
    digest = hashlib.sha256(" ".join(COMPILE_FLAGS).encode() + b"\0")
    for name in SOURCE_FILES:
        digest.update(name.encode() + b"\0" + (src / name).read_bytes())
    return digest.hexdigest()[:16]


def mechanism_directory(key=None):
    """Where the compiled mechanism of this NEURON version and source lives (its nrnivmodl
    folder: ``<dir>/<arch>/libnrnmech.so``)."""
    return cache_root() / f"neuron-{neuron_version()}" / (key or build_key())


def find_nrnivmodl():
    """``nrnivmodl`` beside this Python (a virtual environment's bin, active or not), else on PATH."""
    beside = Path(sys.executable).parent / "nrnivmodl"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nrnivmodl")
    if found is None:
        raise BuildError("nrnivmodl (installed with NEURON) is not found beside "
                         f"{sys.executable} nor on PATH: pip install 'pynn_glif3[neuron]'")
    return found


def compiled_library(directory):
    """The libnrnmech.so under an nrnivmodl folder, or None."""
    found = sorted(Path(directory).glob("*/libnrnmech.so")) + sorted(Path(directory).glob("*/.libs/libnrnmech.so"))
    return found[0] if found else None


def build(force=False, verbose=True):
    """The path of the compiled mechanism library, compiling it first if it is not cached."""
    target = mechanism_directory()
    with build_lock(target.parent / (target.name + ".lock")):
        library = compiled_library(target)
        if library is not None and not force:
            return library
        for tool in ("cc", "gcc", "c++", "g++"):
            if shutil.which(tool):
                break
        else:
            raise BuildError("no C/C++ compiler found (nrnivmodl needs one to compile the "
                             "glif3_alpha mechanism): install one, e.g. apt-get install g++")
        nrnivmodl = find_nrnivmodl()
        if verbose:
            print(f"pynn_glif3: compiling the glif3_alpha NEURON mechanism into {target}",
                  file=sys.stderr, flush=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
        try:
            for name in SOURCE_FILES:
                shutil.copy2(source_dir() / name, work / name)
            env = dict(os.environ)
            # nrnivmodl finds its tools beside itself
            env["PATH"] = str(Path(nrnivmodl).parent) + os.pathsep + env.get("PATH", "")
            proc = subprocess.run([nrnivmodl, "-incflags", " ".join(COMPILE_FLAGS), "."], cwd=work,
                                  env=env, capture_output=True, text=True)
            if proc.returncode != 0 or compiled_library(work) is None:
                raise BuildError(f"nrnivmodl failed (exit status {proc.returncode}):\n"
                                 + (proc.stdout + proc.stderr)[-4000:])
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
        return compiled_library(target)


def pynn_mechanism_directory():
    """PyNN's own NMODL folder (``pyNN/neuron/nmodl``), found without importing pyNN.neuron
    (whose import fails while its mechanisms are not compiled)."""
    import importlib.util

    spec = importlib.util.find_spec("pyNN")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("PyNN is not installed: pip install 'pynn_glif3[neuron]'")
    return Path(list(spec.submodule_search_locations)[0]) / "neuron" / "nmodl"


def build_pynn_mechanisms(verbose=True):
    """Compile PyNN's own NEURON mechanisms where PyNN keeps them, if they are not compiled yet.

    pyNN.neuron compiles them at its first import only when ``nrnivmodl`` is on PATH (it is not
    when a virtual environment's Python runs without the environment being activated) and
    otherwise refuses to import.  Returns the folder."""
    folder = pynn_mechanism_directory()
    if compiled_library(folder) is not None:
        return folder
    nrnivmodl = find_nrnivmodl()
    if verbose:
        print(f"pynn_glif3: compiling PyNN's NEURON mechanisms in {folder}", file=sys.stderr, flush=True)
    env = dict(os.environ, PATH=str(Path(nrnivmodl).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([nrnivmodl], cwd=folder, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or compiled_library(folder) is None:
        raise BuildError(f"nrnivmodl failed on PyNN's mechanisms in {folder} (exit status "
                         f"{proc.returncode}):\n" + (proc.stdout + proc.stderr)[-4000:])
    return folder


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser):
    parser.add_argument("--force", action="store_true",
                        help="recompile even when a build for this NEURON version is cached")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the library's path")


def run(args):
    """``python -m pynn_glif3 build-neuron``: PyNN's mechanisms (if needed), then glif3_alpha."""
    try:
        build_pynn_mechanisms(verbose=not args.quiet)
        print(build(force=args.force, verbose=not args.quiet))
    except BuildError as err:
        print(f"pynn_glif3: cannot build the NEURON mechanism: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
