"""Build the glif3_alpha NEST extension module for the installed NEST, and cache it.

The C++ source is ``native/nest_module`` (shipped inside the package as
``pynn_glif3/native/nest_module``).  CMake compiles it with flags computed from the installed
``nest`` Python package: its headers (``<site-packages>/nest/include/nest``), the C++ string ABI
of its kernel library (the PyPI wheel uses the old one) and OpenMP.  From NEST's ``nest-config``
only the include directories that exist on this machine are taken: the PyPI wheel's point at the
machine it was built on, while a NEST built here from source (with MPI, say) names the MPI
headers its own headers include.  A NEST configured with MPI (``HAVE_MPI`` in its ``config.h``)
needs ``mpi.h`` to be found there.

The result is cached per NEST version and per hash of the sources and flags, in
``$PYNN_GLIF3_CACHE`` or ``$XDG_CACHE_HOME/pynn_glif3`` (default ``~/.cache/pynn_glif3``):
``<cache>/nest-<version>/<hash>/glif3_module.so``.  The first use builds it (about 30 s);
``python -m pynn_glif3 build-nest`` builds it on demand.  ``PYNN_GLIF3_NEST_MODULE`` may name a
module built elsewhere.

This file imports neither ``nest`` nor the rest of the package, so that it can also run as a
script (``python pynn_glif3/nest/build.py``), which is what an install-time build does.
"""

import argparse
import functools
import hashlib
import importlib.util
import json
import os
from pathlib import Path
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

from pynn_glif3.backends.native import build_lock, cache_root

MODULE_NAME = "glif3_module"
MODEL_NAME = "glif3_alpha"
SOURCE_FILES = ("CMakeLists.txt", "glif3_alpha.h", "glif3_alpha.cpp", "glif3_module.h", "glif3_module.cpp")
#: Compile flags every build gets (CMakeLists.txt adds them; listed here for the cache key).
BASE_FLAGS = ("-std=c++20", "-fopenmp", "-O2", "-ffp-contract=off", "-fno-fast-math", "-DLTX_MODULE")


class BuildError(RuntimeError):
    """The module cannot be built; the message says what to install or fix."""


def _say(message, verbose=True):
    if verbose:
        print(f"pynn_glif3: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# What to build against

def source_dir():
    """The directory holding the module's C++ sources and CMakeLists.txt."""
    package = Path(__file__).resolve().parents[2]                 # pynn_glif3/
    candidates = [package / "native" / "nest_module",              # installed package
                  package.parent / "native" / "nest_module"]       # source checkout
    for candidate in candidates:
        if all((candidate / name).is_file() for name in SOURCE_FILES):
            return candidate
    raise BuildError("the glif3_alpha C++ sources are missing (looked in "
                     + ", ".join(str(c) for c in candidates) + "); reinstall pynn_glif3")


class NestInstallation:
    """Where the installed NEST keeps its headers and kernel, and which version it is."""

    def __init__(self, package_dir):
        self.package_dir = Path(package_dir)
        self.include_dir = self.package_dir / "include" / "nest"
        if not (self.include_dir / "nest_extension_interface.h").is_file():
            raise BuildError(
                f"NEST at {self.package_dir} has no extension-module headers "
                f"({self.include_dir}/nest_extension_interface.h); glif3_alpha needs "
                f"NEST >= 3.10 with headers, e.g. `pip install 'nest-simulator>=3.10'`")
        self.config_h = (self.include_dir / "config.h").read_text(errors="replace")
        match = re.search(r'#define\s+NEST_VERSION\s+"([^"]+)"', self.config_h)
        self.version = match.group(1) if match else "unknown"
        self.has_mpi = re.search(r"^\s*#define\s+HAVE_MPI\b", self.config_h, re.M) is not None
        kernels = sorted(self.package_dir.glob("nestkernel_api*.so"))
        self.kernel_library = kernels[0] if kernels else None

    @classmethod
    def find(cls):
        """The NEST of this Python environment, located without importing it."""
        spec = importlib.util.find_spec("nest")
        if spec is None or not spec.submodule_search_locations:
            raise BuildError("NEST is not installed in this Python environment: "
                             "`pip install 'nest-simulator>=3.10'` (or pynn_glif3[nest])")
        return cls(Path(list(spec.submodule_search_locations)[0]))

    def config_script(self):
        """NEST's ``nest-config`` of this Python environment, or None."""
        script = Path(sysconfig.get_path("scripts")) / "nest-config"
        return script if script.is_file() else None

    def config_include_dirs(self):
        """Include directories ``nest-config --includes`` names that exist here, other than
        NEST's own and the compiler's default ones (e.g. the MPI headers of an MPI build)."""
        script = self.config_script()
        if script is None:
            return []
        try:
            result = subprocess.run(["sh", str(script), "--includes"], capture_output=True,
                                    text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return []
        dirs = []
        for arg in shlex.split(result.stdout if result.returncode == 0 else ""):
            path = Path(arg[2:]) if arg.startswith("-I") else None
            if (path is None or str(path) in _DEFAULT_INCLUDE_DIRS or not path.is_dir()
                    or path.resolve() == self.include_dir.resolve() or str(path) in dirs):
                continue
            dirs.append(str(path))
        return dirs

    def cxx_abi_flags(self):
        """``-D_GLIBCXX_USE_CXX11_ABI=0|1`` as NEST's kernel was compiled, read from its symbols."""
        if self.kernel_library is None:
            return []
        stat = self.kernel_library.stat()
        return list(_abi_flags(str(self.kernel_library), stat.st_size, stat.st_mtime_ns))


#: searched by the compiler anyway; naming them with -I would change the order of system headers
_DEFAULT_INCLUDE_DIRS = ("/usr/include", "/usr/local/include")


@functools.lru_cache(maxsize=None)
def _abi_flags(kernel_library, size, mtime):
    """The string-ABI define matching NEST's kernel (cached per file version)."""
    data = Path(kernel_library).read_bytes()
    # NEST's own functions taking std::string: "Ss" in the old ABI, "__cxx11" in the new one.
    if re.search(rb"_ZN4nest[0-9A-Za-z_]*St7__cxx11", data) or \
            re.search(rb"_ZN4nest[0-9A-Za-z_]*B5cxx11", data):
        return ("-D_GLIBCXX_USE_CXX11_ABI=1",)
    if re.search(rb"_ZN4nest11BadPropertyC[12]ESs", data):
        return ("-D_GLIBCXX_USE_CXX11_ABI=0",)
    return ()


def _find_tool(name, pip_module=None, pip_attr=None):
    """A program: the binary of its PyPI package when importable, else the one on PATH.

    The package's binary comes first because the ``cmake`` on PATH may be a Python wrapper script
    that fails in an environment set up for another interpreter (e.g. during ``pip install``).
    """
    if pip_module:
        try:
            module = __import__(pip_module)
            candidate = Path(getattr(module, pip_attr)) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        except Exception:  # noqa: BLE001 - a missing or broken optional package
            pass
    return shutil.which(name)


def find_compiler():
    """The C++ compiler: $CXX, else g++, else c++."""
    for candidate in ([os.environ["CXX"]] if os.environ.get("CXX") else []) + ["g++", "c++"]:
        path = shutil.which(candidate.split()[0])
        if path:
            return path
    raise BuildError("no C++ compiler found (tried $CXX, g++, c++): install the Debian package "
                     "`g++` (apt-get install g++), or set CXX to a C++20 compiler")


def boost_include_dirs():
    """Include directories that provide Boost (pip's boost-headers when installed)."""
    try:
        import boost_headers
        return [str(boost_headers.get_include())]
    except ImportError:
        return []


def _header_compiles(cxx, header, include_dirs, flags):
    args = [cxx, "-std=c++20", "-fsyntax-only", "-x", "c++", "-", *flags]
    args += [f"-I{d}" for d in include_dirs]
    try:
        result = subprocess.run(args, input=f"#include <{header}>\nint main() {{ return 0; }}\n",
                                capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BuildError(f"cannot run the C++ compiler {cxx}: {err}") from err
    return result.returncode == 0, result.stderr


def check_toolchain(nest_install=None, verbose=False):
    """Check compiler, CMake, Boost and ltdl.h; return the settings of a build.

    Raises BuildError naming the package to install when something is missing.
    """
    nest_install = nest_install or NestInstallation.find()
    cxx = find_compiler()
    cmake = _find_tool("cmake", "cmake", "CMAKE_BIN_DIR")
    if cmake is None:
        raise BuildError("CMake not found: `pip install cmake` (or the Debian package cmake)")
    ninja = _find_tool("ninja", "ninja", "BIN_DIR")
    if ninja is None and shutil.which("make") is None:
        raise BuildError("neither ninja nor make found: `pip install ninja`")
    abi = nest_install.cxx_abi_flags()
    include_dirs = boost_include_dirs() + nest_install.config_include_dirs()
    ok, err = _header_compiles(cxx, "vector", [], abi)
    if not ok:
        raise BuildError(f"the C++ compiler {cxx} cannot compile C++20 ({err.strip()[:300]}); "
                         "install the Debian package `g++` (GCC >= 10)")
    ok, _ = _header_compiles(cxx, "boost/type_index.hpp", include_dirs, abi)
    if not ok:
        raise BuildError("Boost headers (boost/type_index.hpp), which NEST's headers include, "
                         "were not found: `pip install boost-headers` "
                         "(or the Debian package libboost-dev)")
    ok, _ = _header_compiles(cxx, "ltdl.h", include_dirs, abi)
    if not ok:
        raise BuildError("ltdl.h, which NEST's headers include, was not found: install the "
                         "Debian package `libltdl-dev` (apt-get install libltdl-dev)")
    if nest_install.has_mpi:
        ok, _ = _header_compiles(cxx, "mpi.h", include_dirs, abi)
        if not ok:
            raise BuildError(
                f"NEST at {nest_install.package_dir} was built with MPI, and its headers include "
                f"mpi.h, which is not in nest-config's include directories ({include_dirs or 'none'}): "
                "install the MPI development files NEST was built with (Debian: libopenmpi-dev)")
    settings = {
        "nest_version": nest_install.version,
        "nest_mpi": nest_install.has_mpi,
        "nest_include_dir": str(nest_install.include_dir),
        "extra_include_dirs": include_dirs,
        "cxx": cxx,
        "cmake": cmake,
        "ninja": ninja,
        "flags": list(BASE_FLAGS) + abi,
        "nest_flags": abi,
    }
    _say(f"toolchain: {cxx}, {cmake}, NEST {nest_install.version} at {nest_install.package_dir}", verbose)
    return settings


# ---------------------------------------------------------------------------------------------
# The cache

def build_key(nest_install=None, src=None):
    """The cache key: NEST version, headers, configuration (``config.h``) and ABI, the compile
    flags and the module's sources.

    The compiler is not part of the key (it is recorded in build-info.json), so that a built
    module is found even where no compiler is installed.
    """
    nest_install = nest_install or NestInstallation.find()
    src = src or source_dir()
    digest = hashlib.sha256()
    for part in (nest_install.version, str(nest_install.include_dir),
                 nest_install.config_h, " ".join(list(BASE_FLAGS) + nest_install.cxx_abi_flags())):
        digest.update(part.encode() + b"\0")
    for name in SOURCE_FILES:
        digest.update(name.encode() + b"\0" + (src / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def module_directory(nest_install=None, key=None):
    nest_install = nest_install or NestInstallation.find()
    return cache_root() / f"nest-{nest_install.version}" / (key or build_key(nest_install))


def _override():
    value = os.environ.get("PYNN_GLIF3_NEST_MODULE")
    if not value:
        return None
    path = Path(value).expanduser()
    library = path if path.suffix == ".so" else path.with_name(path.name + ".so")
    if not library.is_file():
        raise BuildError(f"PYNN_GLIF3_NEST_MODULE={value}: {library} does not exist")
    return library


def cached_module():
    """The built module library for the installed NEST, or None when it is not built yet."""
    override = _override()
    if override:
        return override
    library = module_directory() / f"{MODULE_NAME}.so"
    return library if library.is_file() else None


def module_path(build=True, verbose=True):
    """Path to load with ``nest.Install`` (the library without its ``.so``); builds if needed."""
    library = cached_module()
    if library is None:
        if not build:
            raise BuildError("the glif3_alpha NEST module is not built: "
                             "run `python -m pynn_glif3 build-nest`")
        library = build_module(verbose=verbose)
    return str(library.with_suffix(""))


def build_module(force=False, verbose=True, jobs=None, show_output=False):
    """Compile the module for the installed NEST into the cache; return the library's path.

    ``force`` rebuilds even when a cached build exists.  ``show_output`` streams CMake's output.
    Concurrent callers (several processes) wait for one build.
    """
    nest_install = NestInstallation.find()
    src = source_dir()
    settings = check_toolchain(nest_install, verbose=show_output)
    key = build_key(nest_install, src)
    target_dir = module_directory(nest_install, key)
    library = target_dir / f"{MODULE_NAME}.so"
    with build_lock(target_dir.parent / f"{key}.lock"):
        if library.is_file() and not force:
            _say(f"module already built: {library}", verbose)
            return library
        _say(f"building the {MODEL_NAME} NEST module for NEST {nest_install.version} "
             f"(C++, about 30 s) ...", verbose)
        start = time.perf_counter()
        target_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="build-", dir=target_dir) as build_dir:
            configure = [settings["cmake"], "-S", str(src), "-B", build_dir,
                         f"-DCMAKE_CXX_COMPILER={settings['cxx']}",
                         f"-DNEST_INCLUDE_DIR={settings['nest_include_dir']}",
                         f"-DEXTRA_INCLUDE_DIRS={';'.join(settings['extra_include_dirs'])}",
                         f"-DNEST_CXX_FLAGS={' '.join(settings['nest_flags'])}"]
            if settings["ninja"]:
                configure += ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={settings['ninja']}"]
            else:
                configure += ["-G", "Unix Makefiles"]
            compile_ = [settings["cmake"], "--build", build_dir,
                        "--parallel", str(jobs or os.cpu_count() or 1)]
            env = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE")}
            for label, command in (("configuring with CMake", configure), ("compiling", compile_)):
                _say(f"{label}: {' '.join(command)}", verbose and show_output)
                result = subprocess.run(command, capture_output=not show_output, text=True, env=env)
                if result.returncode != 0:
                    output = ((result.stdout or "") + (result.stderr or ""))[-4000:]
                    raise BuildError(f"{label} the {MODEL_NAME} module failed (exit {result.returncode}):\n"
                                     f"{output}")
            built = Path(build_dir) / f"{MODULE_NAME}.so"
            if not built.is_file():
                raise BuildError(f"the build finished but produced no {built.name} in {build_dir}")
            partial = target_dir / f".{MODULE_NAME}.so.partial"
            shutil.copy2(built, partial)
            os.replace(partial, library)   # atomic: a concurrent reader sees all or nothing
        info = dict(settings, source_dir=str(src), key=key, built=time.strftime("%Y-%m-%d %H:%M:%S"),
                    seconds=round(time.perf_counter() - start, 1))
        (target_dir / "build-info.json").write_text(json.dumps(info, indent=2))
        _say(f"built {library} in {info['seconds']} s", verbose)
    return library


def main(argv=None):
    """Standalone entry point: ``python build.py [--force] [--quiet]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument("--verbose", action="store_true", help="show CMake and compiler output")
    args = parser.parse_args(argv)
    try:
        library = build_module(force=args.force, verbose=not args.quiet, show_output=args.verbose)
    except BuildError as err:
        print(f"pynn_glif3: cannot build the NEST module: {err}", file=sys.stderr)
        return 1
    print(library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
