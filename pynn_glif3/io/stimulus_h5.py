"""The users' stimulus HDF5 (``mnist.h5``, ``mnist24.h5``, ``spikes-128.h5``): lazy reader, spike
drawing, writer.

``spike_trains`` (n_samples, seq_len, n_lgn) float32 holds, per LGN unit and 1 ms step, the spike
PROBABILITY times 1.3 (not spikes).  A sample's input spikes are Bernoulli(value / 1.3).  Files are
large (about 42 MB per sample at 17,400 units x 600 steps), so :class:`Stimulus` reads one sample
at a time.

Spikes are drawn by :func:`draw_spikes` with one documented generator so that every backend gets
the same spikes for the same (seed, sample, trial)::

    rng = numpy.random.default_rng([seed, sample, trial])
    u = rng.random((seq_len, n_lgn))                      # float64, C order: step-major
    spikes = u < values.astype(float64) / 1.3

``seed``, ``sample`` and ``trial`` are non-negative integers.
"""

import os

import numpy as np

from ._common import FormatError, attr, dataset, guard, num, open_h5, read, text, where

FORMAT = "users-stimulus-h5"
#: The factor the stimulus files multiply probabilities by.
PROBABILITY_SCALE = 1.3
DEFAULT_TIMING = {"pre_delay": 50, "im_slice": 100, "post_delay": 450}


def draw_spikes(values, seed, sample=0, trial=0):
    """Input spikes (bool, same shape as ``values``) for stored values (probability x 1.3).

    Uses ``numpy.random.default_rng([seed, sample, trial])`` and one uniform float64 per entry in
    C order; a spike where ``u < value / 1.3``.  Deterministic for (seed, sample, trial).
    """
    v = np.asarray(values, dtype=np.float64)
    for name, x in (("seed", seed), ("sample", sample), ("trial", trial)):
        if int(x) != x or x < 0:
            raise ValueError(f"draw_spikes: {name} must be a non-negative integer, got {x!r}")
    rng = np.random.default_rng([int(seed), int(sample), int(trial)])
    return rng.random(v.shape) < v / PROBABILITY_SCALE


class Stimulus:
    """A stimulus file opened for lazy, per-sample access.  Use as a context manager or call
    :meth:`close`.

    Attributes: ``path``, ``n_samples``, ``seq_len``, ``n_lgn``, ``labels`` (int64, loaded),
    ``time_windows`` ((k, 2) int64 or None), ``response_window`` ((2,) int64 or None),
    ``timing`` (dict of ``pre_delay``, ``im_slice``, ``post_delay`` where present).
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self._f = open_h5(self.path)
        try:
            self._check()
        except BaseException:
            self._f.close()
            raise

    @guard()
    def _check(self):
        f, path = self._f, self.path
        ds = dataset(f, "spike_trains", path)
        w = where(path, "spike_trains")
        if ds.ndim != 3:
            raise FormatError(f"{w}: has shape {ds.shape}, expected (n_samples, seq_len, n_lgn)")
        if ds.dtype.kind != "f":
            raise FormatError(f"{w}: has dtype {ds.dtype}, expected float (probability x 1.3)")
        self._ds = ds
        shape = dict(zip(("n_samples", "seq_len", "n_lgn"), ds.shape))
        self.notes = []
        for key, value in shape.items():
            a = attr(f, key, path, kind="i")
            if a is None:
                self.notes.append(f"no {key} attribute; taken from spike_trains")
            elif a != value:
                raise FormatError(f"{w}: has {key} = {value} (shape {ds.shape}) but the file attribute "
                                  f"{key} is {a}; the dataset is truncated or the attribute is wrong")
        self.n_samples, self.seq_len, self.n_lgn = ds.shape
        self.timing = {}
        for key in DEFAULT_TIMING:
            a = attr(f, key, path, kind="i")
            if a is not None:
                if a < 0:
                    raise FormatError(f"{path}: attribute {key!r} of / is {a}, expected >= 0 steps")
                self.timing[key] = int(a)
        if len(self.timing) == 3 and sum(self.timing.values()) != self.seq_len:
            raise FormatError(f"{path}: attributes pre_delay + im_slice + post_delay = "
                              f"{sum(self.timing.values())} steps, but seq_len is {self.seq_len}")
        self.labels = read(f, "labels", path, shape=(self.n_samples,), kind="i").astype(np.int64)
        if self.labels.size and self.labels.min() < 0:
            bad = int(np.flatnonzero(self.labels < 0)[0])
            raise FormatError(f"{where(path, 'labels')}: entry {bad} is {self.labels[bad]}; expected "
                              f"class labels >= 0")
        self.time_windows = read(f, "time_windows", path, ndim=2, kind="i", required=False)
        if self.time_windows is not None:
            self.time_windows = self.time_windows.astype(np.int64)
            self._check_windows(self.time_windows, "time_windows")
        self.response_window = read(f, "response_window", path, ndim=1, kind="i", required=False)
        if self.response_window is not None:
            self.response_window = self.response_window.astype(np.int64)
            if self.response_window.shape != (2,):
                raise FormatError(f"{where(path, 'response_window')}: has shape "
                                  f"{self.response_window.shape}, expected (2,): [start, stop) in steps")
            self._check_windows(self.response_window[None], "response_window")
        else:
            self.notes.append("no response_window in the file: give one when running")

    def _check_windows(self, windows, name):
        w = where(self.path, name)
        if windows.shape[1] != 2:
            raise FormatError(f"{w}: has shape {windows.shape}, expected (k, 2) [start, stop) rows")
        bad = (windows[:, 0] < 0) | (windows[:, 1] <= windows[:, 0]) | (windows[:, 1] > self.seq_len)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise FormatError(f"{w}: row {i} is {windows[i].tolist()}, expected 0 <= start < stop <= "
                              f"seq_len = {self.seq_len}")

    # -----------------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def __len__(self):
        return self.n_samples

    @guard()
    def values(self, sample):
        """The stored values (probability x 1.3) of one sample: float32 (seq_len, n_lgn), checked
        to be finite and in [0, 1.3]."""
        if self._f is None:
            raise ValueError(f"{self.path}: the stimulus file is closed")
        i = int(sample)
        if not 0 <= i < self.n_samples:
            raise IndexError(f"{self.path}: sample {sample} out of range 0..{self.n_samples - 1}")
        w = where(self.path, "spike_trains")
        try:
            v = np.asarray(self._ds[i], dtype=np.float32)
        except (OSError, RuntimeError, ValueError) as e:
            raise FormatError(f"{w}: sample {i} cannot be read ({e}); the file is damaged or "
                              f"truncated") from None
        bad = ~np.isfinite(v) | (v < 0) | (v > PROBABILITY_SCALE)
        if np.any(bad):
            step, unit = np.unravel_index(int(np.flatnonzero(bad.ravel())[0]), v.shape)
            raise FormatError(f"{w}: sample {i}, step {step}, unit {unit} is {num(v[step, unit])}; "
                              f"expected probability x {PROBABILITY_SCALE} in [0, {PROBABILITY_SCALE}]")
        return v

    __getitem__ = values

    def probabilities(self, sample):
        """Per-step spike probabilities of one sample, float64 (seq_len, n_lgn)."""
        return self.values(sample).astype(np.float64) / PROBABILITY_SCALE

    def spikes(self, sample, seed, trial=0):
        """Input spikes of one sample (bool (seq_len, n_lgn)), see :func:`draw_spikes`."""
        return draw_spikes(self.values(sample), seed, sample, trial)

    def label(self, sample):
        return int(self.labels[int(sample)])


def open_stimulus(path):
    """Open a stimulus file (checks its layout; samples are read on demand)."""
    return Stimulus(path)


def write_stimulus(path, samples, labels, response_window=(50, 100), n_samples=None,
                   pre_delay=50, im_slice=100, post_delay=450, time_windows=None,
                   compression="gzip", attrs=None):
    """Write a stimulus file in the users' layout.

    ``samples``: an array (n_samples, seq_len, n_lgn) of probability x 1.3, or an iterable of
    (seq_len, n_lgn) arrays (then give ``n_samples``); written one sample at a time, float32,
    chunked by 50 steps and gzip-compressed.  ``time_windows`` defaults to consecutive 50-step
    chunks covering ``seq_len``.
    """
    import h5py
    labels = np.asarray(labels, dtype=np.int32).ravel()
    if n_samples is None:
        n_samples = len(samples)
    if labels.size != n_samples:
        raise ValueError(f"write_stimulus: {labels.size} labels for {n_samples} samples")
    seq_len = pre_delay + im_slice + post_delay
    if time_windows is None:
        starts = np.arange(0, seq_len - 49, 50)
        time_windows = np.stack([starts, starts + 50], axis=1)
    it = iter(samples)
    with h5py.File(os.fspath(path), "w") as f:
        ds = None
        for i in range(n_samples):
            v = np.asarray(next(it), dtype=np.float32)
            if v.ndim != 2 or v.shape[0] != seq_len:
                raise ValueError(f"write_stimulus: sample {i} has shape {v.shape}, expected "
                                 f"({seq_len}, n_lgn)")
            if ds is None:
                n_lgn = v.shape[1]
                ds = f.create_dataset("spike_trains", shape=(n_samples, seq_len, n_lgn),
                                      dtype=np.float32, chunks=(1, min(50, seq_len), n_lgn),
                                      compression=compression)
            ds[i] = v
        if ds is None:
            raise ValueError("write_stimulus: no samples")
        f.create_dataset("labels", data=labels)
        f.create_dataset("time_windows", data=np.asarray(time_windows, dtype=np.int32))
        if response_window is not None:
            f.create_dataset("response_window", data=np.asarray(response_window, dtype=np.int32))
        for key, value in (("n_samples", n_samples), ("n_lgn", ds.shape[2]), ("seq_len", seq_len),
                           ("pre_delay", pre_delay), ("im_slice", im_slice),
                           ("post_delay", post_delay)):
            f.attrs[key] = np.int64(value)
        for k, v in (attrs or {}).items():
            f.attrs[k] = text(v) if isinstance(v, str) else v
