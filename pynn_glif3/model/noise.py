"""The "decoded noise" background the published V1 model was trained with.

Instead of the nominal Binomial background, the published training drew values from a pool (the
``additive_noise`` array of a ``.mat`` file of the training data): for every step, neuron and
receptor a *quick* value, and once per trial, for every neuron and receptor, a *slow* value.  The
synaptic input of each receptor (before the alpha rise, in the training model's normalised units)
gets ``quick_scale * quick + slow_scale * slow``; the published run used scales 2 and 2.

:class:`NoisePool` holds the pool and scales and draws index sequences; :class:`NoiseDraws` is one
trial's explicit draws, which the oracles (and native backends) consume so that every engine sees
the very same values.
"""

from dataclasses import dataclass
import os

import numpy as np

from pynn_glif3.model import N_RECEPTORS

#: Name of the pool array in the training data's ``.mat`` file.
MAT_KEY = "additive_noise"


class NoisePoolError(ValueError):
    pass


@dataclass
class NoiseDraws:
    """One trial of decoded noise: indices into ``pool``; values are normalised (current / vs)."""
    pool: np.ndarray            # (P,) float64
    quick: np.ndarray           # (n_steps, N, 4) indices, one per step, neuron and receptor
    slow: np.ndarray            # (N, 4) indices, one per trial
    quick_scale: float = 2.0
    slow_scale: float = 2.0

    @property
    def n_steps(self):
        return self.quick.shape[0]

    @property
    def n_neurons(self):
        return self.quick.shape[1]

    def slow_input(self):
        """(N, 4) normalised: the slow part, the same at every step of the trial."""
        return self.slow_scale * self.pool[self.slow]

    def step_input(self, i):
        """(N, 4) normalised input of step ``i``."""
        return self.quick_scale * self.pool[self.quick[i]] + self.slow_input()

    def all_input(self):
        """(n_steps, N, 4) normalised input of the whole trial."""
        return self.quick_scale * self.pool[self.quick] + self.slow_input()[None]


class NoisePool:
    """A pool of decoded-noise values with the scales it is applied with."""

    def __init__(self, pool, quick_scale=2.0, slow_scale=2.0, source="noise pool"):
        values = np.asarray(pool, dtype=np.float64).ravel()
        if values.size == 0:
            raise NoisePoolError(f"{source}: the noise pool is empty")
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise NoisePoolError(f"{source}: noise pool value {bad} is {values[bad]}; expected finite numbers")
        self.pool = values
        self.quick_scale = float(quick_scale)
        self.slow_scale = float(slow_scale)
        self.source = source

    @classmethod
    def from_file(cls, path, quick_scale=2.0, slow_scale=2.0, key=MAT_KEY):
        """Read a pool from a MATLAB ``.mat`` file (array ``key``) or a NumPy ``.npy`` file."""
        if not os.path.exists(path):
            raise NoisePoolError(f"{path}: no such noise pool file")
        ext = os.path.splitext(path)[1].lower()
        try:
            if ext == ".npy":
                values = np.load(path, allow_pickle=False)
                where = path
            elif ext == ".mat":
                from scipy.io import loadmat   # optional dependency, only for .mat pools
                data = loadmat(path)
                if key not in data:
                    found = sorted(k for k in data if not k.startswith("__"))
                    raise NoisePoolError(f"{path}: no array {key!r} (found {found}); "
                                         f"expected the decoded noise pool as {key!r}")
                values = data[key]
                where = f"{path}:{key}"
            else:
                raise NoisePoolError(f"{path}: unknown noise pool format {ext!r}; expected .mat or .npy")
        except NoisePoolError:
            raise
        except Exception as exc:  # unreadable or truncated file
            raise NoisePoolError(f"{path}: cannot read the noise pool ({exc})") from exc
        if not np.issubdtype(np.asarray(values).dtype, np.number):
            raise NoisePoolError(f"{where}: expected a numeric array, got dtype {np.asarray(values).dtype}")
        return cls(values, quick_scale, slow_scale, source=where)

    def draw(self, n_steps, n_neurons, seed):
        """One trial's draws, reproducible from ``seed`` (NumPy's default generator)."""
        rng = np.random.default_rng(seed)
        size = self.pool.size
        quick = rng.integers(0, size, size=(n_steps, n_neurons, N_RECEPTORS), dtype=np.int64)
        slow = rng.integers(0, size, size=(n_neurons, N_RECEPTORS), dtype=np.int64)
        return NoiseDraws(self.pool, quick, slow, self.quick_scale, self.slow_scale)

    def draws_from(self, quick, slow):
        """Draws from explicit index arrays (for a sequence shared with another engine)."""
        quick = np.asarray(quick, dtype=np.int64)
        slow = np.asarray(slow, dtype=np.int64)
        if quick.ndim != 3 or quick.shape[2] != N_RECEPTORS or slow.shape != quick.shape[1:]:
            raise NoisePoolError(f"noise indices: expected quick (n_steps, N, 4) and slow (N, 4), "
                                 f"got {quick.shape} and {slow.shape}")
        for name, idx in (("quick", quick), ("slow", slow)):
            if idx.size and (idx.min() < 0 or idx.max() >= self.pool.size):
                raise NoisePoolError(f"noise indices {name!r} span {idx.min()}..{idx.max()}, "
                                     f"the pool has {self.pool.size} values")
        return NoiseDraws(self.pool, quick, slow, self.quick_scale, self.slow_scale)
