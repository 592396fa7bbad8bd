"""Stepping the loaded GeNN model: spike sources fed, recordings sampled, spikes collected.

The host steps the model one step at a time: spike-source arrays are fed before each step and
state variables are sampled after it; recorded spikes are copied out every ``recording_chunk`` steps
(the length of GeNN's spike recording buffer).

Timing (docs/genn.md): the GeNN step n goes from ``n dt`` to ``(n + 1) dt``; spikes of step n carry
the time ``(n + 1) dt``.
"""

import numpy as np

from pynn_glif3.backends.genn.population_values import array_schedule
from pynn_glif3.backends.genn.standardmodels import ARRAY, GLIF3


class Stepper:
    """Runs one load of ``device``'s model (a :class:`DeviceState`) for the simulator ``state``;
    a reload starts a new one (GeNN's step and recording buffer start again at 0)."""

    def __init__(self, pygenn, state, device, recording_chunk):
        self.pygenn = pygenn
        self.state = state
        self.device = device
        self.model = device.model
        self.groups = device.groups
        self.populations = device.description.populations
        self.recording_chunk = recording_chunk
        self._collected_to = 0         # the first step whose spikes are still in GeNN's buffer
        self._schedules = {}           # spike-source array -> array_schedule()
        self._fed = {}                 # spike-source array -> indices given counts in the last step
        self.recording_changed()

    def reschedule(self, pop):
        """Read the spike times of the spike-source array ``pop`` again."""
        self._schedules[pop] = array_schedule(pop, self.device.dt)

    def recording_changed(self):
        self._signal_recorders = [pop for pop in self.populations
                                  if pop.kind == GLIF3 and pop.recorder.signal_buffers()]
        self._spike_recorders = [pop for pop in self.populations if pop.recorder.records_spikes]

    def run(self, n_steps):
        state = self.state
        if self.model.timestep != state.step:
            raise RuntimeError(f"GeNN is at step {self.model.timestep}, PyNN at step {state.step}")
        arrays = [pop for pop in self.populations if pop.kind == ARRAY]
        self._sample(state.step)
        for _ in range(n_steps):
            for pop in arrays:
                self._feed(pop, state.step)
            self.model.step_time()
            state.step += 1
            if self._signal_recorders:
                self._sample(state.step)
            if state.step - self._collected_to >= self.recording_chunk:
                self._collect_spikes()
        self._collect_spikes()

    def _feed(self, pop, step):
        """Write the spike counts of ``pop``'s step ``step`` into ``Next``."""
        steps, index, counts = self._schedules[pop]
        lo, hi = np.searchsorted(steps, [step, step + 1])
        previous = self._fed.get(pop)
        if previous is None and lo == hi:
            return
        var = self.groups[pop].vars["Next"]
        if previous is not None:
            var.view[previous] = 0.0
        if hi > lo:
            var.view[index[lo:hi]] = counts[lo:hi]
            self._fed[pop] = index[lo:hi]
        else:
            self._fed.pop(pop, None)
        var.push_to_device()

    def _sample(self, step):
        for pop in self._signal_recorders:
            recorder = pop.recorder
            if step % recorder.sampling_steps():
                continue
            for variable, buffer in recorder.signal_buffers().items():
                if buffer.last_step == step or buffer.indices.size == 0:
                    continue
                buffer.add(step, self.device.read_state(pop, variable, buffer.indices))

    def _collect_spikes(self):
        start, stop = self._collected_to, self.state.step
        if stop <= start:
            return
        self._collected_to = stop
        if not self._spike_recorders:
            return
        self.model.pull_recording_buffers_from_device()
        steps = np.arange(start, stop)
        slots = steps % self.recording_chunk
        for pop in self._spike_recorders:
            group = self.groups[pop]
            n_words = (pop.size + 31) // 32
            words = group._get_array("recordSpk", self.pygenn.types.Uint32).view
            words = np.asarray(words).reshape(self.recording_chunk, n_words)[slots]
            bits = np.unpackbits(words.astype("<u4").view(np.uint8), axis=1, bitorder="little")
            row, index = np.nonzero(bits[:, :pop.size])
            pop.recorder.add_spikes(steps[row], index)
