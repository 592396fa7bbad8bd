"""Code generation and compilation of a described GeNN model, and the fingerprint that keys it.

Compiled models are kept for the life of the process (without a ``build_dir`` option): a network
described exactly as one built before (a new ``setup()`` and the same script, say) has the same
fingerprint, so it reuses that model's directory, where GeNN finds its code unchanged and neither
generates nor compiles it again.
"""

import contextlib
import hashlib
import os
import sys

import numpy as np

#: setup()'s ``backend`` option -> GeNN's backend module.
BACKENDS = {"cpu": "single_threaded_cpu", "single_threaded_cpu": "single_threaded_cpu",
            "cuda": "cuda", "hip": "hip", "opencl": "opencl"}
PRECISIONS = ("double", "float")


class GeNNBuildError(RuntimeError):
    """GeNN could not generate or compile the model."""


def available_backend(option):
    """GeNN's backend module for setup()'s ``backend`` option; RuntimeError if PyGeNN lacks it."""
    backend = BACKENDS[option]
    from pygenn.genn_model import backend_modules
    if backend not in backend_modules:
        raise RuntimeError(f"GeNN's {backend} backend is not available in this PyGeNN installation "
                           f"(available: {', '.join(backend_modules) or 'none'}); GeNN builds its CUDA "
                           "backend only when CUDA is found (CUDA_PATH) at install time")
    return backend


class Fingerprint:
    """SHA-256 of everything a GeNN model is described with: equal fingerprints, equal models.

    The code strings of the GeNN models are not in it: they are fixed for the life of the process
    (:func:`genn_models.load_snippets` reads them once), and so is the cache it keys.
    """

    def __init__(self):
        self._sha = hashlib.sha256()

    def add(self, *items):
        for item in items:
            if isinstance(item, dict):
                for key in sorted(item):
                    self.add(key, item[key])
            elif isinstance(item, np.ndarray) or isinstance(item, (list, tuple)) and item \
                    and isinstance(item[0], np.ndarray):
                for array in ([item] if isinstance(item, np.ndarray) else item):
                    array = np.ascontiguousarray(array)
                    self._sha.update(f"{array.dtype.str}{array.shape}".encode())
                    self._sha.update(array.tobytes())
            else:
                self._sha.update(repr(item).encode())
            self._sha.update(b"\0")

    def hexdigest(self):
        return self._sha.hexdigest()


def settings_fingerprint(backend, options, dt_ms, optimize):
    """A :class:`Fingerprint` started with what the build depends on besides the network: the
    backend, the precision, the time step, the compiler (``CXX``, flags), the seed, the preferences."""
    fingerprint = Fingerprint()
    fingerprint.add(backend, options.get("precision", "double"), dt_ms, optimize,
                    os.environ.get("CXX"), options.get("rng_seed"),
                    options.get("genn_preferences", {}))
    return fingerprint


def compile_model(model, build_dir, backend, optimize):
    """Generate and compile ``model`` in ``build_dir``, GeNN's output in ``build.log`` there;
    :class:`GeNNBuildError` with the end of that log if it fails."""
    os.makedirs(build_dir, exist_ok=True)
    log = os.path.join(build_dir, "build.log")
    try:
        with _output_to(log), _compiler_flags(backend, optimize):
            model.build(build_dir)
    except Exception as err:
        raise GeNNBuildError(f"GeNN could not build the model ({type(err).__name__}: {err}); "
                             f"the end of {log}:\n{_tail(log)}") from err


@contextlib.contextmanager
def _output_to(path):
    """Send this process's stdout and stderr (including child processes') to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@contextlib.contextmanager
def _compiler_flags(backend, optimize):
    """Compile GeNN's CPU code with optimisation that keeps IEEE arithmetic.

    GeNN's CPU makefile passes no optimisation flag (its ``optimize_code`` preference adds
    ``-ffast-math``, which changes results).  The makefile calls ``$(CXX)``, so the flags ride on
    CXX for the duration of the build: ``-O2 -ffp-contract=off`` (no fused multiply-add either).
    """
    if not optimize or backend != "single_threaded_cpu":
        yield
        return
    saved = os.environ.get("CXX")
    os.environ["CXX"] = f"{saved or 'g++'} -O2 -ffp-contract=off"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CXX", None)
        else:
            os.environ["CXX"] = saved


def _tail(path, n_lines=40):
    """The last ``n_lines`` of the text file ``path`` ("" if it cannot be read)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n_lines:])
    except OSError:
        return ""
