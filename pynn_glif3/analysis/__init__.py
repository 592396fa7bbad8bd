"""Analysis of results: neo in, numbers out.

Works on the neo Blocks and Segments that PyNN's ``get_data()`` returns (spike trains annotated
with ``source_index``), and on step rasters (n_steps x N booleans) such as the oracles return.
Times are in ms; a spike at time t belongs to step ``round(t / dt)`` of the simulator's clock.
"""

import numpy as np

__all__ = ["spike_counts", "firing_rates", "raster", "readout_counts", "readout_decision",
           "compare_rasters", "compare_segments"]


def _segment(data):
    """A neo Segment from a Block (its last segment) or a Segment."""
    if hasattr(data, "segments"):
        if not data.segments:
            raise ValueError("the neo Block has no segments: nothing was recorded")
        return data.segments[-1]
    return data


def _times_ms(spiketrain):
    return np.asarray(spiketrain.rescale("ms").magnitude, dtype=float)


def _index(spiketrain, position):
    return int(spiketrain.annotations.get("source_index", position))


def spike_counts(data, n=None, t_start=None, t_stop=None):
    """Spike count per neuron in ``[t_start, t_stop)`` ms, from a neo Block/Segment.

    ``n`` is the number of neurons (default: one more than the largest ``source_index``).
    """
    trains = _segment(data).spiketrains
    if n is None:
        n = 1 + max((_index(st, i) for i, st in enumerate(trains)), default=-1)
    counts = np.zeros(n, dtype=np.int64)
    for i, st in enumerate(trains):
        t = _times_ms(st)
        keep = np.ones(t.size, bool)
        if t_start is not None:
            keep &= t >= t_start
        if t_stop is not None:
            keep &= t < t_stop
        counts[_index(st, i)] += int(keep.sum())
    return counts


def firing_rates(data, n=None, t_start=None, t_stop=None):
    """Firing rate per neuron in Hz over ``[t_start, t_stop)`` (default: the segment's span)."""
    seg = _segment(data)
    trains = seg.spiketrains
    if t_start is None:
        t_start = min((float(st.t_start.rescale("ms")) for st in trains), default=0.0)
    if t_stop is None:
        t_stop = max((float(st.t_stop.rescale("ms")) for st in trains), default=0.0)
    if t_stop <= t_start:
        raise ValueError(f"empty time window [{t_start}, {t_stop}) ms")
    return spike_counts(seg, n, t_start, t_stop) * 1000.0 / (t_stop - t_start)


def raster(data, n_steps, dt=1.0, n=None, t0=0.0):
    """A (n_steps, N) boolean raster: spike at time t -> row round((t - t0) / dt)."""
    trains = _segment(data).spiketrains
    if n is None:
        n = 1 + max((_index(st, i) for i, st in enumerate(trains)), default=-1)
    out = np.zeros((n_steps, n), dtype=bool)
    for i, st in enumerate(trains):
        rows = np.rint((_times_ms(st) - t0) / dt).astype(np.int64)
        rows = rows[(rows >= 0) & (rows < n_steps)]
        out[rows, _index(st, i)] = True
    return out


def readout_counts(spikes, readout_ids, window):
    """Spike counts of each readout pool in a window of steps.

    ``spikes`` is a (n_steps, N) raster, ``readout_ids`` (n_classes, pool_size) neuron indices,
    ``window`` (first step, stop step).  Returns (n_classes,) counts.
    """
    spikes = np.asarray(spikes)
    ids = np.asarray(readout_ids)
    start, stop = int(window[0]), int(window[1])
    if not 0 <= start < stop <= spikes.shape[0]:
        raise ValueError(f"response window {window} is outside the {spikes.shape[0]} recorded steps")
    per_neuron = spikes[start:stop].sum(axis=0)
    return per_neuron[ids].sum(axis=1)


def readout_decision(spikes, readout_ids, window):
    """The predicted class: the pool with the most spikes in the window (lowest index on a tie)."""
    return int(np.argmax(readout_counts(spikes, readout_ids, window)))


def compare_rasters(a, b):
    """How alike two runs are: identical spikes, per-neuron count correlation, first difference."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if a.shape != b.shape:
        raise ValueError(f"rasters differ in shape: {a.shape} vs {b.shape}")
    total = max(int(a.sum()), int(b.sum()), 1)
    ca, cb = a.sum(axis=0), b.sum(axis=0)
    if ca.std() > 0 and cb.std() > 0:
        corr = float(np.corrcoef(ca, cb)[0, 1])
    else:
        corr = 1.0 if np.array_equal(ca, cb) else 0.0
    differ = np.flatnonzero((a != b).any(axis=1))
    return dict(spikes_a=int(a.sum()), spikes_b=int(b.sum()),
                identical_fraction=float((a & b).sum()) / total,
                count_correlation=corr,
                first_divergent_step=int(differ[0]) if differ.size else None)


def compare_segments(a, b, n_steps, dt=1.0, n=None, t0=0.0):
    """:func:`compare_rasters` for two neo Blocks/Segments."""
    if n is None:
        n = max(len(_segment(a).spiketrains), len(_segment(b).spiketrains))
    return compare_rasters(raster(a, n_steps, dt, n, t0), raster(b, n_steps, dt, n, t0))
