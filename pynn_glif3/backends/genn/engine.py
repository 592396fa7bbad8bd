"""The GeNN model behind a PyNN network: built at the first run(), stepped, re-initialised on reset().

One GeNN neuron group per Population.  One GeNN synapse group per Projection and pair of
(source population, target population) it joins (Assemblies and views are split), with SPARSE
connectivity computed on the host by PyNN's connectors.  Each synapse group carries the alpha
postsynaptic model of its receptor; GeNN fuses those of one receptor of one target population into
a single one (every synapse group into a population gets the same dendritic delay buffer length
for that), so each receptor has one PSC fed by the sum of all its inputs.

Timing (docs/genn.md): the GeNN step n goes from ``n dt`` to ``(n + 1) dt``; spikes of step n carry
the time ``(n + 1) dt``; a synapse of delay k steps delivers them in step n + k.

The host steps the model one step at a time: spike-source arrays are fed before each step and
state variables are sampled after it; recorded spikes are copied out every ``recording_chunk`` steps.

Compiled models are kept for the life of the process (without a ``build_dir`` option): a network
described exactly as one built before (a new ``setup()`` and the same script, say) reuses its
directory, where GeNN finds its code unchanged and neither generates nor compiles it again.
"""

import contextlib
import hashlib
import os
import sys
import time
import warnings

import numpy as np

from pynn_glif3.model import N_RECEPTORS, RECEPTORS
from pynn_glif3.model.timing import START_STEP
from pynn_glif3.backends.genn import genn_models, snippets
from pynn_glif3.backends.genn.genn_models import NEURON_STATE, PSC_SCALE, PSC_STATE, PSC_VAR
from pynn_glif3.backends.genn.simulator import require_pygenn
from pynn_glif3.backends.genn.standardmodels import ARRAY, GLIF3, POISSON

BACKENDS = {"cpu": "single_threaded_cpu", "single_threaded_cpu": "single_threaded_cpu",
            "cuda": "cuda", "hip": "hip", "opencl": "opencl"}
PRECISIONS = ("double", "float")
DEFAULT_RECORDING_CHUNK = 500


class GeNNBuildError(RuntimeError):
    """GeNN could not generate or compile the model."""


@contextlib.contextmanager
def _output_to(path):
    """Send this process's stdout and stderr (including child processes') to ``path``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@contextlib.contextmanager
def _compiler_flags(backend, optimize):
    """Compile GeNN's CPU code with optimisation that keeps IEEE arithmetic.

    GeNN's CPU makefile passes no optimisation flag (its ``optimize_code`` preference adds
    ``-ffast-math``, which changes results).  The makefile calls ``$(CXX)``, so the flags ride on
    CXX for the duration of the build: ``-O2 -ffp-contract=off`` (no fused multiply-add either).
    """
    if not optimize or backend != "single_threaded_cpu":
        yield
        return
    saved = os.environ.get("CXX")
    os.environ["CXX"] = f"{saved or 'g++'} -O2 -ffp-contract=off"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CXX", None)
        else:
            os.environ["CXX"] = saved


def _tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


class _Fingerprint:
    """SHA-256 of everything a GeNN model is described with: equal fingerprints, equal models.

    The code strings of the GeNN models are not in it: they are fixed for the life of the process
    (:func:`genn_models.load_snippets` reads them once), and so is the cache it keys.
    """

    def __init__(self):
        self._sha = hashlib.sha256()

    def add(self, *items):
        for item in items:
            if isinstance(item, dict):
                for key in sorted(item):
                    self.add(key, item[key])
            elif isinstance(item, np.ndarray) or isinstance(item, (list, tuple)) and item \
                    and isinstance(item[0], np.ndarray):
                for array in ([item] if isinstance(item, np.ndarray) else item):
                    array = np.ascontiguousarray(array)
                    self._sha.update(f"{array.dtype.str}{array.shape}".encode())
                    self._sha.update(array.tobytes())
            else:
                self._sha.update(repr(item).encode())
            self._sha.update(b"\0")

    def hexdigest(self):
        return self._sha.hexdigest()


class _Part:
    """The connections of one Projection between one source and one target population."""

    def __init__(self, projection, selection, source, target, pre, post):
        self.projection = projection
        self.selection = selection        # indices into the projection's connection arrays
        self.source, self.target = source, target
        self.pre, self.post = pre, post   # indices in the source and target populations
        self.group = None


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
        pg = self.pygenn
        options = self.state.options
        backend = BACKENDS[options.get("backend", "cpu")]
        from pygenn.genn_model import backend_modules
        if backend not in backend_modules:
            raise RuntimeError(f"GeNN's {backend} backend is not available in this PyGeNN installation "
                               f"(available: {', '.join(backend_modules) or 'none'}); GeNN builds its CUDA "
                               "backend only when CUDA is found (CUDA_PATH) at install time")
        started = time.perf_counter()
        optimize = options.get("optimize", True)
        self.fingerprint = _Fingerprint()
        self.fingerprint.add(backend, options.get("precision", "double"), self.dt, optimize,
                             os.environ.get("CXX"), options.get("rng_seed"),
                             options.get("genn_preferences", {}))
        self.model = pg.GeNNModel(options.get("precision", "double"), "pynn_glif3_network",
                                  backend=backend, time_precision="double",
                                  **options.get("genn_preferences", {}))
        self.model.dt = self.dt
        self.model.fuse_postsynaptic_models = True
        if options.get("rng_seed") is not None:
            self.model.seed = int(options["rng_seed"])
        self._models = {}
        self.groups = {}
        for i, pop in enumerate(self.populations):
            self.groups[pop] = self._add_population(i, pop)
        self.parts = self._split_projections()
        self._add_synapses()
        self.timings["describe"] = time.perf_counter() - started
        if self.build_dir is None:
            self.build_dir = self.state.compiled_model_dir(self.fingerprint.hexdigest())
        os.makedirs(self.build_dir, exist_ok=True)
        log = os.path.join(self.build_dir, "build.log")
        started = time.perf_counter()
        try:
            with _output_to(log), _compiler_flags(backend, optimize):
                self.model.build(self.build_dir)
        except Exception as err:
            raise GeNNBuildError(f"GeNN could not build the model ({type(err).__name__}: {err}); "
                                 f"the end of {log}:\n{_tail(log)}") from err
        self.timings["build"] = time.perf_counter() - started

    def _model(self, key, factory):
        if key not in self._models:
            self._models[key] = factory()
        return self._models[key]

    def _add_population(self, i, pop):
        pg = self.pygenn
        name = f"pop{i}"
        if pop.kind == GLIF3:
            nm = self._model("glif3", lambda: genn_models.glif3_neuron_model(pg, N_RECEPTORS))
            values = self._glif3_values(pop)
        elif pop.kind == ARRAY:
            nm = self._model("array", lambda: genn_models.spike_source_array_model(pg))
            values = {"Next": 0.0, "Mult": 0.0}
        elif pop.kind == POISSON:
            nm = self._model("poisson", lambda: genn_models.spike_source_poisson_model(pg))
            values = self._poisson_values(pop)
        else:   # cell_kind() refused it already
            raise NotImplementedError(pop.kind)
        self.fingerprint.add(name, pop.kind, pop.size, values)
        group = self.model.add_neuron_population(name, pop.size, nm, {}, values)
        group.spike_recording_enabled = True
        return group

    def _split_projections(self):
        """_Part objects: each projection's connections grouped by (source, target) population."""
        parts = []
        position = {pop: i for i, pop in enumerate(self.populations)}
        for proj in self.projections:
            pre_ids = np.asarray(proj.pre.all_cells, dtype=np.int64)
            post_ids = np.asarray(proj.post.all_cells, dtype=np.int64)
            pre_idx, post_idx, _, _ = proj.connection_arrays()
            if pre_idx.size == 0:
                continue
            src_pop, src_index = self.state.population_of_ids(pre_ids[pre_idx])
            trg_pop, trg_index = self.state.population_of_ids(post_ids[post_idx])
            key = src_pop * len(self.populations) + trg_pop
            order = np.argsort(key, kind="stable")
            bounds = np.flatnonzero(np.diff(key[order])) + 1
            for sel in np.split(order, bounds):
                source = self.state.populations[src_pop[sel[0]]]
                target = self.state.populations[trg_pop[sel[0]]]
                if source not in position or target not in position:
                    raise RuntimeError("a projection refers to a population unknown to the network")
                if target.kind != GLIF3:
                    raise NotImplementedError(f"{target.celltype.__class__.__name__} cannot receive "
                                              "synapses on the GeNN backend")
                parts.append(_Part(proj, sel, source, target, src_index[sel], trg_index[sel]))
        return parts

    def _delay_steps(self, part):
        _, _, _, delay = part.projection.connection_arrays()
        steps = np.rint(np.asarray(delay[part.selection], dtype=float) / self.dt).astype(np.int64)
        if steps.size and steps.min() < 1:
            bad = float(np.asarray(delay[part.selection])[np.argmin(steps)])
            raise ValueError(f"projection {part.projection.label!r}: delay {bad} ms is shorter than one "
                             f"time step ({self.dt} ms)")
        return steps

    def _add_synapses(self):
        pg = self.pygenn
        # one dendritic delay buffer length per target population, so that GeNN fuses the PSMs
        self.max_delay_steps = {}
        for part in self.parts:
            longest = int(self._delay_steps(part).max())
            self.max_delay_steps[part.target] = max(self.max_delay_steps.get(part.target, 1), longest)
        if any(v - 1 > genn_models.MAX_DENDRITIC_DELAY for v in self.max_delay_steps.values()):
            raise ValueError(f"delays longer than {genn_models.MAX_DENDRITIC_DELAY + 1} steps "
                             "are not supported")
        psm = self._model("psm", lambda: genn_models.alpha_psm(pg))
        position = {pop: i for i, pop in enumerate(self.populations)}
        projection_position = {proj: j for j, proj in enumerate(self.projections)}
        for part in self.parts:
            from_source = part.source.kind != GLIF3
            wu = self._model(("wu", from_source), lambda: genn_models.static_synapse_model(pg, from_source))
            weight, dendritic = self._synapse_values(part)
            receptor = part.projection.receptor_index
            name = (f"proj{projection_position[part.projection]}_pop{position[part.source]}"
                    f"_pop{position[part.target]}_{RECEPTORS[receptor]}")
            group = self.model.add_synapse_population(
                name, "SPARSE", self.groups[part.source], self.groups[part.target],
                genn_models.static_synapse_init(pg, wu, weight, dendritic, from_source),
                genn_models.alpha_psm_init(pg, psm, receptor))
            group.set_sparse_connections(part.pre, part.post)
            group.max_dendritic_delay_timesteps = self.max_delay_steps[part.target]
            self.fingerprint.add(name, position[part.source], position[part.target], from_source,
                                 receptor, part.pre, part.post, weight, dendritic,
                                 self.max_delay_steps[part.target])
            part.group = group

    def _synapse_values(self, part):
        _, _, weight, _ = part.projection.connection_arrays()
        weight_pA = np.asarray(weight[part.selection], dtype=float) * 1000.0   # nA -> pA
        dendritic = self._delay_steps(part) - 1
        if dendritic.size and dendritic.max() >= self.max_delay_steps[part.target]:
            raise NotImplementedError(
                f"projection {part.projection.label!r}: a delay of {(dendritic.max() + 1) * self.dt} ms is "
                f"longer than the longest delay onto its target when the GeNN model was built "
                f"({self.max_delay_steps[part.target] * self.dt} ms); call setup() again to rebuild")
        return weight_pA, dendritic.astype(np.uint16)

    # -- values of the populations -----------------------------------------------------------------

    def _glif3_values(self, pop, state=True):
        """GeNN variable values of a GLIF3Alpha population (constants, and the state if ``state``)."""
        s = genn_models.load_snippets()
        p = pop.physical_parameters()
        values = snippets.neuron_var_values(p, self.dt)
        for r in range(N_RECEPTORS):
            psm = snippets.psm_var_values(p, self.dt, r)
            for name in genn_models.psm_constant_names(s):
                values[genn_models.receptor_var(name, r)] = psm[name]
        start_step = int(getattr(pop.celltype, "extra_parameters", {}).get("start_step", START_STEP))
        values["TStart"] = np.full(pop.size, (start_step - 0.5) * self.dt)
        if state:
            for variable, (genn_name, scale) in NEURON_STATE.items():
                values[genn_name] = pop.initial_value_array(variable) * scale
        else:
            for name, _, access in s.NEURON_VARS:
                if access != "ro":
                    values.pop(name)
        return values

    def _poisson_values(self, pop):
        p = pop._parameters
        rate = np.asarray(p["rate"], dtype=float)
        start = np.asarray(p["start"], dtype=float)
        stop = start + np.asarray(p["duration"], dtype=float)
        prob = rate * self.dt / 1000.0
        if np.any(prob > 1.0):
            warnings.warn(f"{pop.label}: rates above {1000.0 / self.dt:g} Hz are capped at one spike "
                          "per step")
        first = np.floor(start / self.dt + 1e-9)                # first step whose end is after start
        last = np.floor(stop / self.dt + 1e-9) - 1.0            # last step whose end is <= stop
        return {"Prob": np.clip(prob, 0.0, 1.0), "TLow": (first - 0.5) * self.dt,
                "THigh": (last + 0.5) * self.dt, "Mult": 0.0}

    def _array_schedule(self, pop):
        """(steps, indices, counts) of a SpikeSourceArray population, sorted by step."""
        times = pop._parameters["spike_times"]
        steps, index = [], []
        dropped = 0
        for i, seq in enumerate(times):
            t = np.asarray(getattr(seq, "value", seq), dtype=float).ravel()
            if t.size == 0:
                continue
            s = np.rint(t / self.dt).astype(np.int64) - 1
            dropped += int(np.count_nonzero(s < 0))
            s = s[s >= 0]
            steps.append(s)
            index.append(np.full(s.size, i, dtype=np.int64))
        if dropped:
            warnings.warn(f"{pop.label}: {dropped} spike time(s) before {self.dt / 2} ms cannot be "
                          "delivered (a spike at T leaves its source in the step ending at T) and "
                          "are ignored")
        if not steps:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        steps, index = np.concatenate(steps), np.concatenate(index)
        key, counts = np.unique(steps * pop.size + index, return_counts=True)
        return key // pop.size, key % pop.size, counts

    # -- loading and pushing -----------------------------------------------------------------------

    def _load(self):
        started = time.perf_counter()
        self.model.load(num_recording_timesteps=self.recording_chunk)
        self.loaded = True
        self.needs_reinit = False
        self._collected_to = 0
        self._schedules = {}
        self._find_psc_arrays()
        for pop in self.populations:
            self._push_population(pop, state=True)
        self._dirty_populations.clear()
        self.recording_changed()
        self._fed = {}
        self.timings["load"] = time.perf_counter() - started

    def _reinit(self):
        self.model.unload()
        self.loaded = False
        self._load()

    def _push_population(self, pop, state=False):
        group = self.groups[pop]
        if pop.kind == GLIF3:
            values = self._glif3_values(pop, state=state)
        elif pop.kind == POISSON:
            values = self._poisson_values(pop)
            if not state:
                values.pop("Mult")
        else:
            self._schedules[pop] = self._array_schedule(pop)
            return
        for name, value in values.items():
            var = group.vars[name]
            var.view[:] = value
            var.push_to_device()
        if state and pop.kind == GLIF3:
            for variable in PSC_STATE:
                initial = pop.initial_value_array(variable)
                if np.any(initial != 0.0):
                    self.set_state(pop, variable, initial, None)

    def _find_psc_arrays(self):
        """The PSC arrays (one per postsynaptic model GeNN kept) of each receptor of each population.

        GeNN fuses the postsynaptic models of the synapse groups onto one receptor of a population;
        the fused model's variables belong to one of them (the others have none).
        """
        self._psc_arrays = {pop: [[] for _ in range(N_RECEPTORS)] for pop in self.populations
                            if pop.kind == GLIF3}
        for part in self.parts:
            group = part.group
            if not group._ps_model_fused:
                array = group.psm_vars[PSC_VAR]
            else:
                try:
                    array = group._get_array(PSC_VAR, self.model.precision)
                except (IndexError, KeyError, RuntimeError):
                    continue    # fused into another group's model
            self._psc_arrays[part.target][part.projection.receptor_index].append(array)

    def _push_part(self, part):
        """Weights and delays of ``part`` into GeNN (and into what a reload initialises them with)."""
        weight, dendritic = self._synapse_values(part)
        order = part.group.synapse_order
        for name, value in (("g", weight), ("d", dendritic)):
            var = part.group.vars[name]
            var.set_init_values(value)
            if self.loaded:
                var.values = np.asarray(value)[order]
                var.push_to_device()

    def population_changed(self, pop):
        if pop in self.groups:
            self._dirty_populations.add(pop)

    def projection_changed(self, projection):
        for part in self.parts:
            if part.projection is projection:
                self._push_part(part)

    def set_state(self, pop, variable, values, index):
        """Write initialised state into the running model (initialize() after the first run)."""
        if not self.loaded or self.needs_reinit or pop not in self.groups:
            return
        where = slice(None) if index is None else index
        if variable in PSC_STATE:
            arrays = self._psc_arrays[pop][PSC_STATE[variable]]
            values = np.asarray(values, dtype=float) * PSC_SCALE
            if not arrays:
                if np.any(values != 0.0):
                    raise NotImplementedError(
                        f"{pop.label}: {variable} cannot start non-zero on GeNN without a projection "
                        f"onto receptor syn{PSC_STATE[variable] + 1}")
                return
            for k, array in enumerate(arrays):      # the whole current in the first model
                array.pull_from_device()
                array.view[where] = values if k == 0 else 0.0
                array.push_to_device()
            return
        genn_name, scale = NEURON_STATE[variable]
        var = self.groups[pop].vars[genn_name]
        var.pull_from_device()
        var.view[where] = np.asarray(values, dtype=float) * scale
        var.push_to_device()

    def read_state(self, pop, variable, indices):
        """Current values of a state variable of cells ``indices`` of ``pop``, in PyNN units."""
        if variable in PSC_STATE:
            total = np.zeros(len(indices))
            for array in self._psc_arrays[pop][PSC_STATE[variable]]:
                array.pull_from_device()
                total = total + array.view[indices]
            return total / PSC_SCALE
        genn_name, scale = NEURON_STATE[variable]
        var = self.groups[pop].vars[genn_name]
        var.pull_from_device()
        return np.asarray(var.view[indices], dtype=float) / scale

    def request_reinit(self):
        self.needs_reinit = True

    def recording_changed(self):
        self._signal_recorders = [pop for pop in self.populations
                                  if pop.kind == GLIF3 and pop.recorder.signal_buffers()]
        self._spike_recorders = [pop for pop in self.populations if pop.recorder.records_spikes]

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
        self.timings["run"] += time.perf_counter() - started

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
                buffer.add(step, self.read_state(pop, variable, buffer.indices))

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

    # -- end -----------------------------------------------------------------------------------------

    def close(self):
        """Unload the model (its compiled code stays for a later network described the same)."""
        if self.loaded:
            try:
                self.model.unload()
            except Exception:   # noqa: BLE001 - best effort while discarding the model
                pass
            self.loaded = False

