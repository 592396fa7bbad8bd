"""Building the glif3_alpha module: flags from the installed NEST, cache, errors, command line."""

import os
from pathlib import Path
import shutil
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("nest")

import pynn_glif3  # noqa: E402
from pynn_glif3.backends.nest import build  # noqa: E402

ROOT = str(Path(pynn_glif3.__file__).resolve().parents[1])


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def built():
    return build.build_module(verbose=False)


def test_module_is_built_for_the_installed_nest(built):
    nest_install = build.NestInstallation.find()
    assert built.is_file() and built.name == "glif3_module.so"
    assert built.parent == build.module_directory(nest_install)
    assert built.parent.parent.name == f"nest-{nest_install.version}"
    assert build.cached_module() == built
    assert build.module_path() == str(built.with_suffix(""))


def test_abi_flag_is_read_from_the_kernel_library(tmp_path):
    old = tmp_path / "old" / "nestkernel_api.so"
    new = tmp_path / "new" / "nestkernel_api.so"
    new_symbol = b"_ZN4nest11BadPropertyC1ENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE"
    for path, symbol in ((old, b"_ZN4nest11BadPropertyC1ESs"), (new, new_symbol)):
        path.parent.mkdir()
        (path.parent / "include" / "nest").mkdir(parents=True)
        (path.parent / "include" / "nest" / "nest_extension_interface.h").write_text("")
        (path.parent / "include" / "nest" / "config.h").write_text('#define NEST_VERSION "9.9.9"\n')
        path.write_bytes(b"\0garbage\0" + symbol + b"\0")
    assert build.NestInstallation(old.parent).cxx_abi_flags() == ["-D_GLIBCXX_USE_CXX11_ABI=0"]
    assert build.NestInstallation(new.parent).cxx_abi_flags() == ["-D_GLIBCXX_USE_CXX11_ABI=1"]
    assert build.NestInstallation(new.parent).version == "9.9.9"


def test_cache_key_follows_the_sources(tmp_path):
    src = tmp_path / "nest_module"
    shutil.copytree(build.source_dir(), src)
    key = build.build_key(src=src)
    assert key == build.build_key()
    (src / "glif3_alpha.cpp").write_text((src / "glif3_alpha.cpp").read_text() + "\n// changed\n")
    assert build.build_key(src=src) != key


@pytest.mark.parametrize("missing, package", [
    ("compiler", "g++"), ("cmake", "pip install cmake"), ("boost", "boost-headers"),
    ("ltdl", "libltdl-dev"), ("nest", "nest-simulator"),
])
def test_missing_tools_name_the_package_to_install(monkeypatch, missing, package):
    real_which, real_compiles = shutil.which, build._header_compiles
    if missing == "compiler":
        monkeypatch.delenv("CXX", raising=False)
        monkeypatch.setattr(build.shutil, "which",
                            lambda name: None if name in ("g++", "c++") else real_which(name))
    elif missing == "cmake":
        monkeypatch.setattr(build, "_find_tool",
                            lambda name, *args: None if name == "cmake" else real_which(name))
    elif missing in ("boost", "ltdl"):
        header = {"boost": "boost/type_index.hpp", "ltdl": "ltdl.h"}[missing]
        monkeypatch.setattr(build, "_header_compiles",
                            lambda cxx, h, dirs, flags: (False, "") if h == header
                            else real_compiles(cxx, h, dirs, flags))
    elif missing == "nest":
        monkeypatch.setattr(build.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(build.BuildError) as error:
        build.check_toolchain() if missing != "nest" else build.NestInstallation.find()
    assert package in str(error.value)


def test_command_line_builds_on_demand(built):
    result = subprocess.run([sys.executable, "-m", "pynn_glif3", "build-nest", "--quiet"],
                            capture_output=True, text=True, env=_env(), timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(built)
    result = subprocess.run([sys.executable, "-m", "pynn_glif3", "--help"], capture_output=True, text=True,
                            env=_env())
    assert "build-nest" in result.stdout


def test_first_use_builds_into_an_empty_cache(tmp_path, built):
    """With no cached build (a new NEST version, say), creating a GLIF3Alpha population builds it."""
    script = tmp_path / "first_use.py"
    script.write_text(textwrap.dedent("""
        import pyNN.nest as sim
        from pynn_glif3 import GLIF3Alpha
        sim.setup(timestep=1.0, min_delay=1.0)
        cells = sim.Population(2, GLIF3Alpha())
        sim.run(5.0)
        print("ok")
    """))
    cache = tmp_path / "cache"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900,
                            env=_env(PYNN_GLIF3_CACHE=str(cache)))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout
    assert "building the glif3_alpha NEST module" in result.stderr
    libraries = list(cache.glob("nest-*/*/glif3_module.so"))
    assert len(libraries) == 1
    assert (libraries[0].parent / "build-info.json").is_file()
