"""Training steps and simulator times: spike-source times and delays that reproduce the training model.

The correspondence is documented once, in ``docs/timing.md``; this module computes it.  It imports
numpy only and knows no simulator: the same times work on any PyNN backend whose minimum delay is
one step.

In short (``h`` = the step, ``s0`` = :data:`START_STEP`, rows 0-based as the reference consumes
them):

* training row ``m`` is computed in simulator step ``s0 + m`` (the update over
  ``((s0 + m) h, (s0 + m + 1) h]``); its spikes and state carry the time ``(s0 + m + 1) h``;
* the neuron holds its initial state until ``s0 h`` (GLIF3Alpha's native models do this);
* an input (or background) spike of row ``m`` is a source spike at ``(s0 + m + 1 - k) h`` on a
  connection of ``k`` steps (default ``k = 1``), so that it is read in step ``s0 + m``;
* a recurrent synapse of ``d`` training steps is a connection of ``d h`` ms;
* a run of ``n`` rows needs the simulator to reach ``(s0 + n) h`` (:meth:`StepTiming.run_time`
  adds one step of margin).

``s0 = 2`` because no simulator delivers a spike before ``t = 0`` and PyNN's NEST backend relays
source spikes through parrot neurons (one more step): the first input spike is then a source
spike at ``2 h``, which NEST's spike generator emits at ``h > 0``.
"""

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from pynn_glif3.model import TRAINING_MAX_DELAY_MS, delay_steps

#: Simulator step in which training row 0 is computed; before it the neurons hold their initial state.
START_STEP = 2
#: Background sources of the training model's nominal path: ten sources of 0.1 spikes per step.
N_BACKGROUND_SOURCES = 10
#: Largest denominator of a step (ms) written as a fraction for which times are exact grid values.
_MAX_STEP_DENOMINATOR = 10 ** 9


def step_fraction(dt):
    """The step ``dt`` (ms) as the fraction its decimal spells (0.1 -> 1/10), or None when that
    needs a denominator above 10**9 (then times are plain products ``k * dt``)."""
    step = Fraction(repr(float(dt)))
    return step if step.denominator <= _MAX_STEP_DENOMINATOR else None


def grid_times(steps, dt):
    """Times (ms) of whole steps: the double nearest to ``steps * dt`` computed exactly.

    ``k * dt`` in floating point misses the grid by an ulp for most steps that are not powers of
    two (3 * 0.1 = 0.30000000000000004), and a simulator that keeps precise times (pyNN.nest's
    spike generators) then puts the spike in the next step.  ``k * p / q`` with ``dt = p/q`` is
    one correctly rounded division of exact integers: the time a user would type.
    """
    steps = np.asarray(steps, dtype=np.int64)
    step = step_fraction(dt)
    if step is None:
        return steps * float(dt)
    return (steps * step.numerator).astype(np.float64) / float(step.denominator)


@dataclass(frozen=True)
class StepTiming:
    """The mapping between training rows and simulator times for one run.

    ``dt`` is the step (ms), which must be the simulator's time step; ``start_step`` the step in
    which row 0 is computed (the neurons' ``start_step``); ``input_delay_steps`` the delay, in
    steps, of the connections from input and background sources (at least 1).
    """
    dt: float = 1.0
    start_step: int = START_STEP
    input_delay_steps: int = 1

    def __post_init__(self):
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise ValueError(f"dt must be a positive number of ms, got {self.dt!r}")
        if int(self.input_delay_steps) != self.input_delay_steps or self.input_delay_steps < 1:
            raise ValueError(f"input_delay_steps must be an integer >= 1, got {self.input_delay_steps!r}")
        if int(self.start_step) != self.start_step or self.start_step < self.input_delay_steps:
            raise ValueError(
                f"start_step = {self.start_step!r} must be an integer >= input_delay_steps = "
                f"{self.input_delay_steps} (a source spike cannot be earlier than t = 0)")

    # -- the correspondence ---------------------------------------------------------------------

    def update_step(self, rows):
        """Simulator step (0-based) in which training row ``rows`` is computed."""
        return self.start_step + np.asarray(rows, dtype=np.int64)

    def row_times(self, rows):
        """Time (ms) stamped on the spikes and the recorded state of training row ``rows``."""
        return grid_times(self.start_step + np.asarray(rows, dtype=np.int64) + 1, self.dt)

    def rows_of_times(self, times):
        """Training rows of spike or sample times (inverse of :meth:`row_times`; rounds to the step)."""
        return np.rint(np.asarray(times, dtype=float) / self.dt).astype(np.int64) - self.start_step - 1

    @property
    def origin(self):
        """The simulator time (ms) whose state is the training model's initial state."""
        return float(grid_times(self.start_step, self.dt))

    def run_time(self, n_steps):
        """Simulated time (ms) to run for rows ``0 .. n_steps - 1``: one step past the last row's
        time, because a simulator may stamp that row a rounding error late (NEST: 7 * 0.1 =
        0.7000000000000001 ms) and PyNN drops data stamped after its clock.  The extra step's
        spikes and samples are ignored by :meth:`spike_raster` and :meth:`signal_rows`."""
        return float(grid_times(self.start_step + int(n_steps) + 1, self.dt))

    def for_trial(self, trial, trial_steps):
        """The timing of trial ``trial`` when trials of ``trial_steps`` steps follow each other
        in one run (the neurons' ``trial_steps``; docs/timing.md, "Many trials in one run")."""
        if int(trial_steps) != trial_steps or trial_steps <= self.start_step:
            raise ValueError(f"trial_steps = {trial_steps!r} must be an integer above start_step = "
                             f"{self.start_step}")
        return replace(self, start_step=self.start_step + int(trial) * int(trial_steps))

    # -- delays -----------------------------------------------------------------------------------

    @property
    def input_delay(self):
        """Delay (ms) of every connection from an input or background source."""
        return float(grid_times(self.input_delay_steps, self.dt))

    def recurrent_delay_steps(self, delays_ms, max_delay_ms=TRAINING_MAX_DELAY_MS):
        """The training model's whole-step delays of recurrent synapses (clipped and rounded)."""
        return delay_steps(delays_ms, self.dt, max_delay_ms)

    def recurrent_delays(self, delays_ms, max_delay_ms=TRAINING_MAX_DELAY_MS):
        """Simulator delays (ms) of recurrent synapses: the training model's steps times ``dt``."""
        return grid_times(self.recurrent_delay_steps(delays_ms, max_delay_ms), self.dt)

    # -- spike sources ----------------------------------------------------------------------------

    def source_times(self, rows):
        """Source spike times (ms) that deliver input to training rows ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and rows.min() < 0:
            raise ValueError("training rows must be >= 0")
        return grid_times(self.start_step + rows + 1 - self.input_delay_steps, self.dt)

    def input_spike_times(self, input_spikes):
        """Spike times of each input unit from a (n_steps, n_inputs) array of per-step counts.

        Returns a list with one sorted float array (ms) per input unit (column); a count of c in a
        row gives c spikes at the same time (the training model adds the weight c times).
        """
        spikes = np.asarray(input_spikes)
        if spikes.ndim != 2:
            raise ValueError(f"input spikes must have shape (n_steps, n_inputs), got {spikes.shape}")
        counts = np.rint(spikes).astype(np.int64)
        if np.any(counts < 0) or np.any(np.abs(spikes - counts) > 0):
            raise ValueError("input spikes must be non-negative whole counts per step")
        return [self.source_times(np.repeat(np.arange(counts.shape[0]), counts[:, j]))
                for j in range(counts.shape[1])]

    def background_spike_times(self, counts, n_sources=N_BACKGROUND_SOURCES):
        """Spike times of ``n_sources`` background sources whose per-row counts are ``counts``.

        In row ``m`` the first ``counts[m]`` sources spike, so that with every source connected to
        a neuron with weight ``b`` the neuron receives ``b * counts[m]``, as the training model's
        background term.  Returns a list of ``n_sources`` sorted float arrays (ms).
        """
        counts = np.asarray(counts, dtype=float).ravel()
        whole = np.rint(counts).astype(np.int64)
        if np.any(np.abs(counts - whole) > 0) or np.any(whole < 0) or np.any(whole > n_sources):
            raise ValueError(f"background counts must be whole numbers in 0..{n_sources}")
        return [self.source_times(np.flatnonzero(whole > k)) for k in range(n_sources)]

    # -- results ----------------------------------------------------------------------------------

    def spike_raster(self, spike_times, n_steps):
        """A (n_steps, n_neurons) bool raster from per-neuron spike times (ms).

        ``spike_times`` is a sequence of arrays (e.g. neo SpikeTrains in ms, in population order).
        Spikes before row 0 (impossible when the neurons hold their initial state) raise an error;
        spikes after the last row are ignored.
        """
        raster = np.zeros((int(n_steps), len(spike_times)), dtype=bool)
        for i, times in enumerate(spike_times):
            rows = self.rows_of_times(np.asarray(times, dtype=float))
            if rows.size and rows.min() < 0:
                raise ValueError(f"neuron {i} spiked at {np.asarray(times)[rows < 0][0]} ms, "
                                 f"before the first training row (t <= {self.origin} ms)")
            rows = rows[rows < n_steps]
            raster[rows, i] = True
        return raster

    def signal_rows(self, times, values, n_steps):
        """Samples of a recorded signal at rows ``0 .. n_steps - 1``.

        ``times`` (n_samples,) ms and ``values`` (n_samples, n_neurons): as a neo AnalogSignal
        sampled every step.  Returns (n_steps, n_neurons), the state after each training row.
        """
        times = np.asarray(times, dtype=float)
        values = np.asarray(values, dtype=float)
        # Samples are matched by their step number: recorded times are rounded (PyNN keeps a few
        # decimals), so comparing floats would depend on how each side rounded.
        sample_steps = np.rint(times / self.dt).astype(np.int64)
        off_grid = np.abs(times - sample_steps * self.dt) > 1e-6 * self.dt
        wanted = self.update_step(np.arange(int(n_steps))) + 1
        index = np.searchsorted(sample_steps, wanted)
        found = index < times.size
        found[found] = (sample_steps[index[found]] == wanted[found]) & ~off_grid[index[found]]
        if not np.all(found):
            missing = self.row_times(np.flatnonzero(~found)[:1])[0]
            raise ValueError("the signal does not hold a sample at every row time "
                             f"({self.row_times(0)} .. {self.row_times(int(n_steps) - 1)} ms every "
                             f"{self.dt} ms): none at {missing} ms")
        return values[index]
