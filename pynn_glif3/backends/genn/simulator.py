"""The state of the GeNN backend: time, the network being described, and the GeNN model behind it.

GeNN compiles a whole network before it can run it, so Populations and Projections only describe
the network; :mod:`pynn_glif3.backends.genn.engine` turns that description into a GeNN model at the first
``run()`` and steps it.  Time is kept as a whole number of steps (``t = step * dt``), so it never
drifts from GeNN's own ``t = timestep * dt``.

PyGeNN is imported only by :func:`require_pygenn`, never at import time.
"""

import atexit
import collections
import importlib
import logging
import os
import shutil
import tempfile

import numpy as np
from pyNN import common

logger = logging.getLogger("PyNN")

name = "GeNN"

#: Compiled models kept per process (the most recently used), for networks described again.
KEPT_COMPILED_MODELS = 3

INSTALL_HINT = (
    "pynn_glif3.genn needs PyGeNN, the Python interface of GeNN 5 (>= 5.0), which is not on PyPI. "
    "Install it from GeNN's source as GeNN's own instructions describe "
    "(https://github.com/genn-team/genn#installation): a C++ compiler and libffi "
    "(e.g. `apt-get install g++ libffi-dev pkg-config`), then "
    "`pip install https://github.com/genn-team/genn/archive/refs/tags/5.4.0.zip` "
    "(add CUDA_PATH for the CUDA backend).  See docs/genn.md.")


class GeNNUnavailable(ImportError):
    """PyGeNN (GeNN 5) is not installed, or is too old."""


def require_pygenn():
    """The ``pygenn`` module; raises :class:`GeNNUnavailable` with install instructions if absent."""
    try:
        pygenn = importlib.import_module("pygenn")
    except ImportError as err:
        raise GeNNUnavailable(f"{INSTALL_HINT} (importing pygenn failed: {err})") from err
    version = getattr(pygenn, "__version__", "0")
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        major = 0
    if major < 5:
        raise GeNNUnavailable(f"PyGeNN {version} is installed, but this backend needs GeNN 5. {INSTALL_HINT}")
    return pygenn


class ID(int, common.IDMixin):

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Simulation state shared by every object of the backend (one network at a time)."""

    def __init__(self):
        super().__init__()
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = "auto"
        self.options = {}
        self.engine = None
        self.segment_counter = -1
        self._compiled_root = None
        self._compiled_dirs = collections.OrderedDict()
        self.clear()

    # -- time ------------------------------------------------------------------------------------

    @property
    def t(self):
        return self.step * self.dt

    def steps_until(self, tstop):
        """Whole steps from now until ``tstop`` (ms), rounded to the grid."""
        return int(np.rint((tstop - self.t) / self.dt))

    def run_until(self, tstop):
        n_steps = self.steps_until(tstop)
        self.running = True
        if n_steps <= 0:
            return
        from pynn_glif3.backends.genn.engine import Engine
        if self.engine is None or self.engine.stale:
            if self.engine is not None:
                self.engine.close()
            self.engine = Engine(self)
        self.engine.run(n_steps)

    # -- structure ---------------------------------------------------------------------------------

    def register_population(self, population):
        self.populations.append(population)
        self._structure_changed()

    def register_projection(self, projection):
        self.projections.append(projection)
        self._structure_changed()

    def check_can_add(self):
        """NotImplementedError if the network cannot grow now (after run(), before reset())."""
        if self.engine is not None and self.step != 0:
            raise NotImplementedError(
                "GeNN compiles the whole network before running it: Populations and Projections "
                "cannot be added after run() unless reset() is called first (or setup() again)")

    def _structure_changed(self):
        self.check_can_add()
        if self.engine is not None:
            self.engine.stale = True

    def population_of_ids(self, ids):
        """(population positions, indices in their populations) of global cell ``ids``."""
        ids = np.asarray(ids, dtype=np.int64)
        firsts = self._first_ids()
        which = np.searchsorted(firsts, ids, side="right") - 1
        return which, ids - firsts[which]

    def _first_ids(self):
        return np.array([int(p.first_id) for p in self.populations], dtype=np.int64)

    def compiled_model_dir(self, fingerprint):
        """The directory of the GeNN model with ``fingerprint`` (a SHA-256 of its whole
        description): the one it was compiled in earlier in this process, where GeNN finds its
        code unchanged and compiles nothing, else a new one.  A different model never gets the
        directory of another (GeNN would reload a library of that path that the process may not
        have released); the least recently used beyond :data:`KEPT_COMPILED_MODELS` are deleted,
        and all of them when the process ends."""
        if self._compiled_root is None:
            self._compiled_root = tempfile.mkdtemp(prefix="pynn_glif3_genn_")
            atexit.register(shutil.rmtree, self._compiled_root, True)
        path = os.path.join(self._compiled_root, fingerprint[:32])
        self._compiled_dirs[path] = True
        self._compiled_dirs.move_to_end(path)
        while len(self._compiled_dirs) > KEPT_COMPILED_MODELS:
            oldest, _ = self._compiled_dirs.popitem(last=False)
            shutil.rmtree(oldest, ignore_errors=True)
        return path

    # -- lifecycle ---------------------------------------------------------------------------------

    def clear(self):
        """Forget the network (``setup()`` and ``end()``)."""
        if getattr(self, "engine", None) is not None:
            self.engine.close()
        self.engine = None
        self.populations = []
        self.projections = []
        self.recorders = set()
        self.write_on_end = []
        self.id_counter = 0
        self.segment_counter = -1
        self.reset()

    def reset(self):
        """Back to t = 0: the state is re-initialised before the next run."""
        self.running = False
        self.step = 0
        self.t_start = 0
        self.segment_counter += 1
        for recorder in self.recorders:
            recorder._clear_data()
        if self.engine is not None:
            self.engine.request_reinit()


state = State()
