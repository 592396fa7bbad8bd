"""Compiling and caching the glif3_alpha NEURON mechanism."""

import shutil

import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")

from pynn_glif3.backends.neuron import build  # noqa: E402


def test_cached_build_is_reused_without_compiling(monkeypatch):
    library = build.build(verbose=False)                  # compiles once if not cached yet
    assert library.is_file() and library.name == "libnrnmech.so"
    assert library.parents[1] == build.mechanism_directory()
    assert build.mechanism_directory().parent.name == f"neuron-{build.neuron_version()}"

    def no_compiling(*args, **kwargs):
        raise AssertionError(f"compiled again: {args}")

    monkeypatch.setattr(build.subprocess, "run", no_compiling)
    assert build.build(verbose=False) == library


def test_cache_key_follows_the_source(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(build.source_dir(), copy)
    assert build.build_key(copy) == build.build_key()
    mod = copy / "glif3_alpha.mod"
    mod.write_text(mod.read_text() + "\n: changed\n")
    assert build.build_key(copy) != build.build_key()


def test_missing_compiler_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("PYNN_GLIF3_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))             # no cc, gcc, c++ nor g++
    with pytest.raises(build.BuildError, match="no C/C.. compiler found.*g\\+\\+"):
        build.build(verbose=False)
