"""Analysis helpers on neo segments and rasters."""

import numpy as np
import pytest

neo = pytest.importorskip("neo")
import quantities as pq  # noqa: E402

from pynn_glif3 import analysis  # noqa: E402


def _segment(raster, dt=1.0, order=None):
    seg = neo.Segment()
    n_steps, n = raster.shape
    for i in (order if order is not None else range(n)):
        times = np.flatnonzero(raster[:, i]) * dt
        seg.spiketrains.append(neo.SpikeTrain(times * pq.ms, t_start=0 * pq.ms,
                                              t_stop=n_steps * dt * pq.ms, source_index=i))
    return seg


def test_raster_round_trip_and_counts():
    rng = np.random.default_rng(0)
    r = rng.random((200, 12)) < 0.05
    seg = _segment(r, order=rng.permutation(12))      # trains in any order: source_index rules
    np.testing.assert_array_equal(analysis.raster(seg, 200, n=12), r)
    np.testing.assert_array_equal(analysis.spike_counts(seg, 12), r.sum(axis=0))
    np.testing.assert_array_equal(analysis.spike_counts(seg, 12, 50, 100), r[50:100].sum(axis=0))
    np.testing.assert_allclose(analysis.firing_rates(seg, 12), r.sum(axis=0) * 1000.0 / 200)
    block = neo.Block()
    block.segments.append(seg)
    np.testing.assert_array_equal(analysis.spike_counts(block, 12), r.sum(axis=0))


def test_readout_decision():
    spikes = np.zeros((100, 6), bool)
    ids = np.array([[0, 1], [2, 3], [4, 5]])
    spikes[60:63, 3] = True           # class 1 in the window
    spikes[10:40, 4] = True           # class 2, but outside the window
    assert list(analysis.readout_counts(spikes, ids, (50, 100))) == [0, 3, 0]
    assert analysis.readout_decision(spikes, ids, (50, 100)) == 1
    assert analysis.readout_decision(spikes, ids, (0, 50)) == 2
    with pytest.raises(ValueError, match="outside the 100 recorded steps"):
        analysis.readout_counts(spikes, ids, (50, 150))


def test_compare():
    rng = np.random.default_rng(1)
    a = rng.random((300, 20)) < 0.05
    b = a.copy()
    assert analysis.compare_rasters(a, b)["identical_fraction"] == 1.0
    assert analysis.compare_rasters(a, b)["first_divergent_step"] is None
    b[150:, 3] = ~b[150:, 3]
    c = analysis.compare_rasters(a, b)
    assert c["first_divergent_step"] == 150
    assert c["identical_fraction"] < 1.0 and c["count_correlation"] < 1.0
    seg_a, seg_b = _segment(a), _segment(b)
    assert analysis.compare_segments(seg_a, seg_b, 300) == c


def test_array_forms_of_neo_spikes_read_as_the_per_neuron_form():
    """neo's SpikeTrainList kept as arrays (as PyNN makes it, channel ids with a source_index per
    channel) and one SpikeTrain of all spikes with a per-spike source_index (the V1 job's sample
    Blocks) give the same raster and counts as one SpikeTrain per neuron."""
    from neo.core.spiketrainlist import SpikeTrainList
    from pynn_glif3.jobs import v1

    rng = np.random.default_rng(3)
    r = rng.random((150, 9)) < 0.08
    steps, neurons = np.nonzero(r)
    order = rng.permutation(steps.size)                  # spikes in any order
    times = steps[order] * 1.0
    channel_ids = 1000 + 7 * neurons[order]              # simulator ids, not indices
    seg = neo.Segment()
    seg.spiketrains = SpikeTrainList.from_spike_time_array(
        times, channel_ids, 1000 + 7 * np.arange(9), t_stop=150.0 * pq.ms, units="ms",
        t_start=0.0 * pq.ms, source_index=np.arange(9))
    block = v1.sample_block(neurons[order], times, 150.0, np.arange(9), 9, sample=4)
    for data in (seg, block):
        np.testing.assert_array_equal(analysis.raster(data, 150), r)
        np.testing.assert_array_equal(analysis.spike_counts(data), r.sum(axis=0))
        np.testing.assert_array_equal(analysis.spike_counts(data, 9, 20, 90), r[20:90].sum(axis=0))
    per_neuron = v1.spiketrains_of(block)
    assert [len(st) for st in per_neuron] == r.sum(axis=0).tolist()
    np.testing.assert_array_equal(analysis.raster(_segment_of(per_neuron), 150, n=9), r)


def _segment_of(trains):
    seg = neo.Segment()
    seg.spiketrains.extend(list(trains))
    return seg
