"""The GeNN model behind a PyNN network: built at the first run(), stepped, re-initialised on reset().

:class:`Engine` composes the steps, each in its own module:

* :mod:`.model_description`: the GeNN model of the populations and projections, and its fingerprint;
* :mod:`.compilation`: code generation and compilation, in a directory kept per fingerprint;
* :mod:`.device_state`: parameters, weights and state variables in and out of the loaded model;
* :mod:`.stepping`: the steps, with spike sources fed, recordings sampled and spikes collected.

The values of the populations (:mod:`.population_values`) serve both the description and the
changes pushed between runs.
"""

import os
import time

from pynn_glif3.backends.genn import compilation
# GeNNBuildError stays importable from here, where callers of Engine() have found it
from pynn_glif3.backends.genn.compilation import GeNNBuildError  # noqa: F401
from pynn_glif3.backends.genn.device_state import DeviceState
from pynn_glif3.backends.genn.model_description import ModelDescription
from pynn_glif3.backends.genn.simulator import require_pygenn
from pynn_glif3.backends.genn.standardmodels import ARRAY
from pynn_glif3.backends.genn.stepping import Stepper

DEFAULT_RECORDING_CHUNK = 500


class Engine:
    """The GeNN model of ``state``'s populations and projections."""

    def __init__(self, state):
        self.state = state
        self.pygenn = require_pygenn()
        options = state.options
        self.dt = float(state.dt)
        self.stale = False
        self.loaded = False
        self.needs_reinit = False
        self.recording_chunk = int(options.get("recording_chunk", DEFAULT_RECORDING_CHUNK))
        self._dirty_populations = set()
        # chosen once the model is described (see _build)
        self.build_dir = None if options.get("build_dir") is None else os.path.abspath(options["build_dir"])
        self.populations = list(state.populations)
        self.projections = list(state.projections)
        #: Wall-clock seconds: describe (the GeNN model from PyNN's objects), build (code generation
        #: and compilation), load (allocation and initialisation, last load), run (stepping, summed).
        self.timings = {"describe": 0.0, "build": 0.0, "load": 0.0, "run": 0.0}
        if not self.populations:
            raise RuntimeError("there is nothing to simulate: create a Population first")
        try:
            self._build()
            self._load()
        except BaseException:
            self.close()
            raise

    # -- building ----------------------------------------------------------------------------------

    def _build(self):
        options = self.state.options
        backend = compilation.available_backend(options.get("backend", "cpu"))
        started = time.perf_counter()
        optimize = options.get("optimize", True)
        self.fingerprint = compilation.settings_fingerprint(backend, options, self.dt, optimize)
        self.description = ModelDescription(self.pygenn, self.state, backend, self.fingerprint)
        self.model = self.description.model
        self.groups = self.description.groups
        self.parts = self.description.parts
        self.max_delay_steps = self.description.max_delay_steps
        self.device = DeviceState(self.description)
        self.timings["describe"] = time.perf_counter() - started
        if self.build_dir is None:
            self.build_dir = self.state.compiled_model_dir(self.fingerprint.hexdigest())
        started = time.perf_counter()
        compilation.compile_model(self.model, self.build_dir, backend, optimize)
        self.timings["build"] = time.perf_counter() - started

    # -- loading and pushing -----------------------------------------------------------------------

    def _load(self):
        started = time.perf_counter()
        self.model.load(num_recording_timesteps=self.recording_chunk)
        self.loaded = True
        self.needs_reinit = False
        self.stepper = Stepper(self.pygenn, self.state, self.device, self.recording_chunk)
        self.device.find_psc_arrays()
        for pop in self.populations:
            self._push_population(pop, state=True)
        self._dirty_populations.clear()
        self.timings["load"] = time.perf_counter() - started

    def _reinit(self):
        self.model.unload()
        self.loaded = False
        self._load()

    def _push_population(self, pop, state=False):
        if pop.kind == ARRAY:
            self.stepper.reschedule(pop)      # fed step by step from the host
        else:
            self.device.push_population(pop, state=state)

    def population_changed(self, pop):
        if pop in self.groups:
            self._dirty_populations.add(pop)

    def projection_changed(self, projection):
        for part in self.parts:
            if part.projection is projection:
                self.device.push_part(part, self.loaded)

    def set_state(self, pop, variable, values, index):
        """Write initialised state into the running model (initialize() after the first run)."""
        if not self.loaded or self.needs_reinit or pop not in self.groups:
            return
        self.device.write_state(pop, variable, values, index)

    def read_state(self, pop, variable, indices):
        """Current values of a state variable of cells ``indices`` of ``pop``, in PyNN units."""
        return self.device.read_state(pop, variable, indices)

    def request_reinit(self):
        self.needs_reinit = True

    def recording_changed(self):
        self.stepper.recording_changed()

    def _ready(self):
        if self.needs_reinit:
            self._reinit()
        for pop in list(self._dirty_populations):
            self._push_population(pop)
        self._dirty_populations.clear()
        self.recording_changed()

    # -- running -----------------------------------------------------------------------------------

    def run(self, n_steps):
        self._ready()
        started = time.perf_counter()
        self.stepper.run(n_steps)
        self.timings["run"] += time.perf_counter() - started

    # -- end -----------------------------------------------------------------------------------------

    def close(self):
        """Unload the model (its compiled code stays for a later network described the same)."""
        if self.loaded:
            try:
                self.model.unload()
            except Exception:   # noqa: BLE001 - best effort while discarding the model
                pass
            self.loaded = False
