"""Analysis of results: neo in, numbers out.

Works on the neo Blocks and Segments that PyNN's ``get_data()`` returns (spike trains annotated
with ``source_index``, often kept by neo as two arrays, which are read as such), on the V1 job's
sample Blocks (one SpikeTrain of all spikes, see :func:`spike_arrays`), and on step rasters (n_steps x N booleans) such as the oracles return.
Times are in ms; a spike at time t belongs to step ``round(t / dt)`` of the simulator's clock.
"""

import numpy as np

__all__ = ["spike_counts", "firing_rates", "raster", "readout_counts", "readout_decision",
           "compare_rasters", "compare_segments", "spike_arrays"]


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


def spike_arrays(data):
    """Every spike of a neo Block/Segment as two arrays: neuron index (int64) and time (ms).

    Reads the three forms the package meets without making a SpikeTrain per neuron where there is
    none: one SpikeTrain per neuron (annotated ``source_index``, else their position); neo's
    SpikeTrainList kept as arrays (as PyNN makes it; ``source_index`` per channel, else the
    channel id); one SpikeTrain of all spikes with the array annotation ``source_index`` (a
    sample's Block of the V1 job, :func:`pynn_glif3.jobs.v1.sample_block`).
    """
    return _spike_arrays(data)[:2]


def _spike_arrays(data):
    """:func:`spike_arrays` and the number of neurons the data speaks of (largest index + 1)."""
    from neo.core.spiketrainlist import SpikeTrainList

    trains = _segment(data).spiketrains
    no_spikes = np.empty(0, dtype=np.int64), np.empty(0)
    # neo has no public flag for the array form; its SpikeTrains are made on first access
    if isinstance(trains, SpikeTrainList) and trains._items is None:
        if trains._spike_time_array is None:
            return (*no_spikes, 0)
        all_ids = np.asarray(trains.all_channel_ids, dtype=np.int64)
        index = np.asarray(trains._annotations.get("source_index", all_ids), dtype=np.int64)
        n = int(index.max()) + 1 if index.size else 0
        channel_ids, times = trains.multiplexed
        if not len(times):
            return (*no_spikes, n)
        order = np.argsort(all_ids)
        neurons = index[order][np.searchsorted(all_ids[order], np.asarray(channel_ids, dtype=np.int64))]
        return neurons, np.asarray(times.rescale("ms").magnitude, dtype=float), n
    if len(trains) == 1 and trains[0].array_annotations.get("source_index") is not None:
        st = trains[0]                                  # one train of all spikes
        neurons = np.asarray(st.array_annotations["source_index"], dtype=np.int64)
        n = st.annotations.get("n_neurons", int(neurons.max()) + 1 if neurons.size else 0)
        return neurons, _times_ms(st), int(n)
    index = np.array([_index(st, i) for i, st in enumerate(trains)], dtype=np.int64)
    if not index.size:
        return (*no_spikes, 0)
    to_ms = float(trains[0].units.rescale("ms").magnitude)   # one conversion: neo's costs ~1 ms a train
    times = [np.asarray(st.magnitude, dtype=float) * to_ms for st in trains]
    neurons = np.repeat(index, [t.size for t in times])
    return neurons, np.concatenate(times), int(index.max()) + 1


def spike_counts(data, n=None, t_start=None, t_stop=None):
    """Spike count per neuron in ``[t_start, t_stop)`` ms, from a neo Block/Segment.

    ``n`` is the number of neurons (default: one more than the largest ``source_index``).
    """
    neurons, times, n_data = _spike_arrays(data)
    if n is None:
        n = n_data
    keep = np.ones(times.size, bool)
    if t_start is not None:
        keep &= times >= t_start
    if t_stop is not None:
        keep &= times < t_stop
    return np.bincount(neurons[keep], minlength=n).astype(np.int64)


def firing_rates(data, n=None, t_start=None, t_stop=None):
    """Firing rate per neuron in Hz over ``[t_start, t_stop)`` (default: the segment's span)."""
    seg = _segment(data)
    trains = seg.spiketrains
    if t_start is None:
        t_start = float(trains.t_start.rescale("ms")) if len(trains) else 0.0
    if t_stop is None:
        t_stop = float(trains.t_stop.rescale("ms")) if len(trains) else 0.0
    if t_stop <= t_start:
        raise ValueError(f"empty time window [{t_start}, {t_stop}) ms")
    return spike_counts(seg, n, t_start, t_stop) * 1000.0 / (t_stop - t_start)


def raster(data, n_steps, dt=1.0, n=None, t0=0.0):
    """A (n_steps, N) boolean raster: spike at time t -> row round((t - t0) / dt)."""
    neurons, times, n_data = _spike_arrays(data)
    if n is None:
        n = n_data
    out = np.zeros((n_steps, n), dtype=bool)
    rows = np.rint((times - t0) / dt).astype(np.int64)
    keep = (rows >= 0) & (rows < n_steps)
    out[rows[keep], neurons[keep]] = True
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
        n = max(_spike_arrays(a)[2], _spike_arrays(b)[2])
    return compare_rasters(raster(a, n_steps, dt, n, t0), raster(b, n_steps, dt, n, t0))
