"""Recording for the GeNN backend: spikes from GeNN's spike recording, state variables sampled.

GeNN records every neuron's spikes on the device (one bit per neuron and step); :mod:`.stepping`
copies them out every few hundred steps and hands them here as (step, index) pairs.  A spike
emitted in step n (the update from ``n dt`` to ``(n + 1) dt``) carries the time ``(n + 1) dt``, as
on NEST.

State variables are read after each sampled step: a sample at time ``k dt`` is the state after step
k - 1, and the sample at the start of the recording is the state then (the initial values at
t = 0).  Values are in PyNN units (mV, nA).
"""

import numpy as np
from pyNN import recording

from pynn_glif3.backends.genn import simulator
from pynn_glif3.backends.genn.genn_models import NEURON_STATE, PSC_STATE

#: Recordable state variables (besides spikes).
SIGNALS = tuple(NEURON_STATE) + tuple(PSC_STATE)


class _SignalBuffer:
    """Samples of one variable for a set of cells: rows at known steps."""

    def __init__(self):
        self.indices = np.zeros(0, dtype=np.int64)
        self.steps = []
        self.rows = []

    def add_indices(self, indices):
        new = np.union1d(self.indices, np.asarray(indices, dtype=np.int64))
        if new.size == self.indices.size:
            return
        if self.rows:
            position = np.searchsorted(new, self.indices)
            widened = []
            for row in self.rows:
                full = np.full(new.size, np.nan)
                full[position] = row
                widened.append(full)
            self.rows = widened
        self.indices = new

    def add(self, step, values):
        if self.steps and self.steps[-1] == step:
            self.rows[-1] = values
        else:
            self.steps.append(step)
            self.rows.append(values)

    @property
    def last_step(self):
        return self.steps[-1] if self.steps else None

    def keep_from(self, step):
        keep = [i for i, s in enumerate(self.steps) if s >= step]
        self.steps = [self.steps[i] for i in keep]
        self.rows = [self.rows[i] for i in keep]


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._clear_data()

    # -- what the engine reads and writes ---------------------------------------------------------

    @property
    def records_spikes(self):
        return any(v.name == "spikes" and ids for v, ids in self.recorded.items())

    def signal_buffers(self):
        """{PyNN variable: buffer} of the recorded state variables."""
        return self._signals

    def sampling_steps(self):
        """The sampling interval in whole steps."""
        return max(1, int(round(self.sampling_interval / self._simulator.state.dt)))

    def add_spikes(self, steps, indices):
        if steps.size:
            self._spike_steps.append(np.asarray(steps, dtype=np.int64))
            self._spike_index.append(np.asarray(indices, dtype=np.int64))

    def _clear_data(self, keep_from_step=None):
        """Drop the recorded data (samples from ``keep_from_step`` on are kept); keep what is recorded."""
        self._spike_steps, self._spike_index = [], []
        if not hasattr(self, "_signals"):
            self._signals = {}
        for buffer in self._signals.values():
            buffer.keep_from(np.inf if keep_from_step is None else keep_from_step)

    # -- PyNN's Recorder interface -----------------------------------------------------------------

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            steps = sampling_interval / self._simulator.state.dt
            if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
                raise ValueError(f"sampling_interval {sampling_interval} ms must be a whole number of "
                                 f"time steps ({self._simulator.state.dt} ms)")
            self.sampling_interval = sampling_interval
        if variable.name == "spikes":
            return
        if variable.name not in SIGNALS:
            raise NotImplementedError(
                f"the GeNN backend of pynn_glif3 cannot record {variable.name!r}; "
                f"it records 'spikes' and {', '.join(repr(s) for s in SIGNALS)}")
        buffer = self._signals.setdefault(variable.name, _SignalBuffer())
        buffer.add_indices(self.population.id_to_index(np.array(sorted(new_ids), dtype=np.int64))
                           if new_ids else [])
        engine = self._simulator.state.engine
        if engine is not None:
            engine.recording_changed()

    def _spike_arrays(self):
        if not self._spike_steps:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(self._spike_steps), np.concatenate(self._spike_index)

    def _get_spiketimes(self, ids, clear=False):
        steps, index = self._spike_arrays()
        first = int(self.population.first_id)
        gids = index + first
        keep = np.isin(gids, np.asarray(list(ids), dtype=np.int64))
        order = np.lexsort((steps[keep], gids[keep]))
        times = (steps[keep][order] + 1) * self._simulator.state.dt
        if clear:
            self._spike_steps, self._spike_index = [], []
        return gids[keep][order], times.astype(float)

    def _get_all_signals(self, variable, ids, clear=False):
        buffer = self._signals.get(variable.name)
        dt = self._simulator.state.dt
        every = self.sampling_steps()
        first = int(round(float(self._recording_start_time.rescale("ms").magnitude
                                 if hasattr(self._recording_start_time, "rescale")
                                 else self._recording_start_time) / dt))
        last = self._simulator.state.step
        wanted = np.arange(first + (-first) % every, last + 1, every)
        ids = list(ids)
        if buffer is None or not ids:
            return np.zeros((wanted.size, 0)), None
        wanted_cells = self.population.id_to_index(np.asarray(ids, dtype=np.int64))
        columns = np.searchsorted(buffer.indices, wanted_cells)
        out = np.full((wanted.size, len(ids)), np.nan)
        if buffer.steps:
            steps = np.asarray(buffer.steps)
            rows = np.vstack(buffer.rows)
            where = np.searchsorted(steps, wanted)
            found = (where < steps.size) & (steps[np.minimum(where, steps.size - 1)] == wanted)
            out[found] = rows[where[found]][:, columns]
        if clear:
            buffer.keep_from(last)
        return out, None

    def _local_count(self, variable, filter_ids=None):
        steps, index = self._spike_arrays()
        counts = np.bincount(index, minlength=self.population.size) if index.size else \
            np.zeros(self.population.size, dtype=np.int64)
        first = int(self.population.first_id)
        return {int(i): int(counts[int(i) - first]) for i in self.filter_recorded(variable, filter_ids)}

    def _clear_simulator(self):
        self._clear_data(keep_from_step=self._simulator.state.step)

    def _reset(self):
        self._signals = {}
