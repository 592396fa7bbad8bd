"""The step <-> time helper (pure numpy; no simulator needed)."""

import numpy as np
import pytest

from pynn_glif3.model import delay_steps
from pynn_glif3.model.timing import N_BACKGROUND_SOURCES, START_STEP, StepTiming, grid_times


def read_step(spike_time, delay, dt):
    """The step in which a discrete-time simulator (NEST's rule) reads a source spike at
    ``spike_time`` sent with ``delay``: stamp + delay steps - 1."""
    return int(round(spike_time / dt)) + int(round(delay / dt)) - 1


@pytest.mark.parametrize("dt, delay_steps_in", [(1.0, 1), (1.0, 2), (0.5, 1), (0.1, 3)])
def test_input_of_every_row_is_read_in_the_step_that_computes_it(dt, delay_steps_in):
    timing = StepTiming(dt=dt, start_step=max(START_STEP, delay_steps_in), input_delay_steps=delay_steps_in)
    rows = np.arange(50)
    times = timing.source_times(rows)
    assert times.min() > 0, "no simulator delivers a spike at or before t = 0"
    for row, t in zip(rows, times):
        assert read_step(t, timing.input_delay, dt) == timing.update_step(row)


def test_default_start_leaves_room_for_pynn_nest_parrots():
    """PyNN's NEST backend relays SpikeSourceArray spikes through parrot neurons: the generator
    fires one min_delay (= dt) earlier, which must still be after t = 0."""
    timing = StepTiming(dt=1.0)
    assert timing.source_times([0])[0] - timing.dt > 0


def test_recurrent_delays_follow_the_training_rule():
    timing = StepTiming(dt=1.0)
    delays = np.array([0.2, 0.6, 1.49, 1.5, 2.5, 4.6, 5.4, 7.0])
    np.testing.assert_array_equal(timing.recurrent_delay_steps(delays), delay_steps(delays, 1.0))
    np.testing.assert_array_equal(timing.recurrent_delays(delays), delay_steps(delays, 1.0) * 1.0)
    np.testing.assert_array_equal(timing.recurrent_delays(delays, max_delay_ms=None)[-1], 7.0)
    # A spike of row m read d steps later is read in the step that computes row m + d.
    for d in range(1, 6):
        m = 10
        spike_time = timing.row_times(m)          # spikes carry the end of their step
        assert read_step(spike_time, d * timing.dt, timing.dt) == timing.update_step(m + d)


def test_row_times_and_their_inverse():
    timing = StepTiming(dt=0.5)
    rows = np.arange(20)
    np.testing.assert_array_equal(timing.rows_of_times(timing.row_times(rows)), rows)
    assert timing.row_times(0) == (START_STEP + 1) * 0.5
    assert timing.origin == START_STEP * 0.5
    assert timing.run_time(20) == timing.row_times(19) + timing.dt    # one step of margin


def test_input_spike_times_from_counts():
    timing = StepTiming(dt=1.0)
    spikes = np.zeros((6, 3), dtype=np.uint8)
    spikes[0, 0] = 1
    spikes[4, 0] = 2
    spikes[5, 2] = 1
    trains = timing.input_spike_times(spikes)
    assert len(trains) == 3
    np.testing.assert_array_equal(trains[0], timing.source_times([0, 4, 4]))
    assert trains[1].size == 0
    np.testing.assert_array_equal(trains[2], timing.source_times([5]))
    with pytest.raises(ValueError):
        timing.input_spike_times(np.array([[0.5]]))
    with pytest.raises(ValueError):
        timing.input_spike_times(np.array([[-1]]))


def test_background_sources_reproduce_the_counts():
    timing = StepTiming(dt=1.0)
    counts = np.random.default_rng(0).binomial(10, 0.1, size=500).astype(float)
    trains = timing.background_spike_times(counts)
    assert len(trains) == N_BACKGROUND_SOURCES
    per_row = np.zeros(counts.size, dtype=int)
    for train in trains:
        rows = timing.rows_of_times(train + timing.input_delay)   # arrival = row time
        assert np.unique(rows).size == rows.size          # at most one spike per source and row
        np.add.at(per_row, rows, 1)
    np.testing.assert_array_equal(per_row, counts)
    with pytest.raises(ValueError):
        timing.background_spike_times([11])


def test_raster_and_signal_rows():
    timing = StepTiming(dt=1.0)
    raster = timing.spike_raster([timing.row_times([0, 3]), np.array([]), timing.row_times([7, 50])], 10)
    assert raster.shape == (10, 3)
    assert set(map(tuple, np.argwhere(raster))) == {(0, 0), (3, 0), (7, 2)}
    with pytest.raises(ValueError, match="before the first"):
        timing.spike_raster([[timing.origin]], 10)
    times = np.arange(0.0, 15.0, 1.0)
    values = np.column_stack([times, -times])
    rows = timing.signal_rows(times, values, 10)
    np.testing.assert_array_equal(rows[:, 0], timing.row_times(np.arange(10)))
    with pytest.raises(ValueError):
        timing.signal_rows(times[::2], values[::2], 10)


def test_invalid_timings():
    with pytest.raises(ValueError):
        StepTiming(dt=0.0)
    with pytest.raises(ValueError):
        StepTiming(input_delay_steps=0)
    with pytest.raises(ValueError):
        StepTiming(start_step=1, input_delay_steps=2)
    with pytest.raises(ValueError):
        StepTiming().source_times([-1])


@pytest.mark.parametrize("dt", [0.1, 0.25, 0.05, 0.3, 1.0])
def test_times_are_the_decimal_grid_values(dt):
    """Every time is the double nearest to k * dt computed exactly, as a user would type it
    (3 * 0.1 in floating point is 0.30000000000000004, which a precise spike generator puts in
    the next step)."""
    from decimal import Decimal

    timing = StepTiming(dt=dt)
    rows = np.arange(5000)
    exact = lambda k: float(Decimal(repr(dt)) * int(k))   # noqa: E731
    for got, k in ((timing.source_times(rows), rows + START_STEP),
                   (timing.row_times(rows), rows + START_STEP + 1)):
        assert [float(t) for t in got[::7]] == [exact(i) for i in k[::7]]
    assert timing.run_time(297) == exact(START_STEP + 298)
    assert timing.origin == exact(START_STEP) and timing.input_delay == exact(1)
    np.testing.assert_array_equal(timing.recurrent_delays([0.3, 2.0]), grid_times(
        timing.recurrent_delay_steps([0.3, 2.0]), dt))
    # a step the decimal cannot spell exactly: plain products
    np.testing.assert_array_equal(grid_times([3, 7], 1 / 3), np.array([3, 7]) * (1 / 3))


def test_signal_rows_match_samples_by_step():
    """Samples stamped a rounding error off the grid (NEST: 2990 tics * 0.001 ms =
    29.900000000000002) or rounded by the recorder are found; a missing row is named."""
    timing = StepTiming(dt=0.1)
    steps = np.arange(0, 301)
    times = steps * 100 * 0.001                     # as NEST computes a step's time from tics
    values = np.column_stack([steps, -steps]).astype(float)
    rows = timing.signal_rows(times, values, 297)
    np.testing.assert_array_equal(rows[:, 0], np.arange(297) + START_STEP + 1)
    rows = timing.signal_rows(np.round(times, 3), values, 297)
    np.testing.assert_array_equal(rows[:, 0], np.arange(297) + START_STEP + 1)
    with pytest.raises(ValueError, match="none at 29.9 ms"):
        timing.signal_rows(times[:-2], values[:-2], 297)
    with pytest.raises(ValueError, match="none at 0.5 ms"):
        timing.signal_rows(np.delete(times, 5), np.delete(values, 5, axis=0), 297)
