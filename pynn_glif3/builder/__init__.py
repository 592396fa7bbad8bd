"""Build a V1 network on any PyNN simulator and present one stimulus sample to it.

The builder takes a network description (:class:`pynn_glif3.model.network.V1Network`, or anything
with ``neurons``, ``recurrent``, ``inputs``, ``bkg_weights`` and ``readout_ids``), the input spikes
of one trial (steps x LGN units, as the training model consumes them) and the background counts,
and creates on ``sim``:

* ``cells``: one GLIF3Alpha population with every neuron's parameters;
* recurrent projections, one per receptor, signed weights in nA, delays under a policy;
* ``lgn``: one spike source per input unit, timed so that its spikes arrive at the training step
  (the backend's spike source: PyNN's SpikeSourceArray, or on NEST ``spike_train_injector``);
* ``background``: the training model's shared Binomial(10, 0.1) count per step as ten sources
  (or ten per neuron, independent), each connected with the neuron's background weight;
* or, with ``background="decoded"``, the decoded noise of the published training
  (:class:`pynn_glif3.model.noise.NoiseDraws`): row m adds ``noise.step_input(m) * (V_th - E_L)`` pA to
  each receptor's PSC rise, as the reference does.  This needs per-step input into a receptor,
  which PyNN's current sources cannot address; the backend provides it where the simulator can
  (NEST), and raises NotImplementedError elsewhere.

Nothing here depends on which simulator ``sim`` is: its backend (:func:`pynn_glif3.backends.backend_for`)
gives the cell type, the spike sources, bulk connection, whether many trials fit in one run or
one build reruns with each trial's inputs, and the timing is the same everywhere.  Connections go through :class:`~pynn_glif3.backends.connectors.FromArraysConnector`,
which bulk-connects where the simulator can.  Timing follows :mod:`pynn_glif3.model.timing`.
"""

from dataclasses import dataclass, field
import time

import numpy as np

from pynn_glif3.model import units
from pynn_glif3.backends import backend_for
from pynn_glif3.model import RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.timing import N_BACKGROUND_SOURCES, START_STEP, StepTiming, grid_times

DELAY_POLICIES = ("training", "edge", "raw")
BACKGROUNDS = ("shared", "independent", "none", "decoded")
RECORD_CHOICES = ("all", "readout")


@dataclass
class BuildOptions:
    """How to build: delay policy, background, which neurons (``record``) and which variables
    (``variables``, e.g. ``("spikes", "v", "asc_1")``) to record.

    ``delays="training"`` clips to ``[dt, max_delay_ms]`` and rounds as the training model does;
    ``"edge"`` does the same (it differs in which delays the training pickles' reader gives each
    synapse, see :func:`pynn_glif3.io.read_network`); ``"raw"`` keeps the file's delays (only
    raised to ``dt``, which no simulator goes below).
    """
    dt: float = 1.0
    delays: str = "training"
    max_delay_ms: float = TRAINING_MAX_DELAY_MS
    background: str = "shared"
    record: str = "all"
    variables: tuple = ("spikes",)

    def __post_init__(self):
        for name, value, allowed in (("delays", self.delays, DELAY_POLICIES),
                                     ("background", self.background, BACKGROUNDS),
                                     ("record", self.record, RECORD_CHOICES)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


@dataclass
class DelayReport:
    """How the delay policy changed the file's delays."""
    policy: str
    n_synapses: int
    raised_to_dt: int        # shorter than one step
    clipped_to_max: int      # longer than the training model's max_delay
    rounded: int             # otherwise moved to a whole step

    @property
    def changed(self):
        return self.raised_to_dt + self.clipped_to_max + self.rounded

    def __str__(self):
        return (f"delays ({self.policy} policy): {self.changed} of {self.n_synapses} synapses changed: "
                f"{self.raised_to_dt} raised to one step, {self.clipped_to_max} clipped to the maximum, "
                f"{self.rounded} rounded to a whole step")


def simulator_delays(delays_ms, options):
    """Delays (ms) to give the simulator under ``options``, and a :class:`DelayReport`."""
    d = np.asarray(delays_ms, dtype=float)
    dt = options.dt
    low = d < dt
    if options.delays != "raw":         # training and edge: the training rule
        out = grid_times(delay_steps(d, dt, options.max_delay_ms), dt)
        high = d > max(options.max_delay_ms, dt)
    else:
        out = np.maximum(d, dt)
        high = np.zeros(d.shape, dtype=bool)
    moved = np.abs(out - d) > 1e-9 * dt
    return out, DelayReport(options.delays, int(d.size), int(low.sum()), int(high.sum()),
                            int((moved & ~low & ~high).sum()))


def draw_background(n_steps, n_neurons, seed, mode="shared"):
    """Background counts Binomial(10, 0.1) per step: (n_steps,) shared, or (n_steps, N) independent."""
    rng = np.random.default_rng(seed)
    if mode == "shared":
        return rng.binomial(N_BACKGROUND_SOURCES, 0.1, size=n_steps).astype(np.float64)
    if mode == "independent":
        return rng.binomial(N_BACKGROUND_SOURCES, 0.1, size=(n_steps, n_neurons)).astype(np.float64)
    if mode in ("none", "decoded"):     # decoded noise: see pynn_glif3.model.noise
        return None
    raise ValueError(f"background must be one of {', '.join(BACKGROUNDS)}; got {mode!r}")


@dataclass
class BuiltNetwork:
    """A network built on a simulator, with what is needed to run it and read it back."""
    sim: object
    net: object
    options: BuildOptions
    timing: StepTiming
    cells: object
    recorded: object                 # the Population or PopulationView that records
    recorded_ids: np.ndarray         # neuron indices of ``recorded``, in its order
    lgn: object = None
    background: object = None        # background sources, or the nodes holding the decoded noise
    projections: list = field(default_factory=list)
    delay_report: DelayReport = None
    build_seconds: float = 0.0
    trial_timings: list = None       # one StepTiming per trial (None: one trial, ``timing``)
    #: (input spikes, background counts) of each trial where trials rerun the build one after
    #: the other (:func:`build_trials` on a backend that reruns with new inputs); else None
    trial_inputs: list = field(default=None, repr=False)
    _cell_ids: np.ndarray = field(default=None, repr=False)   # the simulator's ids of ``cells``
    _recorded_cell_ids: list = field(default=None, repr=False)
    _shared_background: bool = field(default=True, repr=False)   # else ten sources per neuron

    @property
    def n_trials(self):
        return 1 if self.trial_timings is None else len(self.trial_timings)

    def run(self, n_steps):
        """Simulate training rows ``0 .. n_steps - 1`` (of every trial); returns the wall-clock
        seconds.  Where trials rerun the build, each trial's recording is a Segment of
        :meth:`get_data` (PyNN starts one at each ``reset()``)."""
        if self.trial_inputs is not None:
            return sum(seconds for _, seconds in self.run_trials(n_steps))
        last = self.timing if self.trial_timings is None else self.trial_timings[-1]
        start = time.perf_counter()
        self.sim.run(last.run_time(n_steps))
        return time.perf_counter() - start

    def run_trials(self, n_steps):
        """Simulate trial after trial (all of them: as :meth:`run`), yielding after each the
        trial's index and the wall-clock seconds its part of the simulation took, so that its
        results can be read (:meth:`get_data` with ``clear=True``) before the next one runs.
        Where trials rerun the build, each trial after the first is :meth:`present`-ed first
        (that time is counted in the trial's seconds)."""
        for k, timing in enumerate(self.trial_timings or [self.timing]):
            start = time.perf_counter()
            if self.trial_inputs is not None and (k > 0 or self.sim.get_current_time() > 0):
                self.present(*self.trial_inputs[k])
            self.sim.run_until(timing.run_time(n_steps))
            yield k, time.perf_counter() - start

    def present(self, input_spikes, bkg_counts=None):
        """Make this build ready for a new trial, without building it again: the network back at
        t = 0 in its initial state, the input sources with the spikes of ``input_spikes`` and the
        background sources with ``bkg_counts`` (both as for :func:`build`; None: no spikes from
        them in this trial); then :meth:`run` simulates the trial.  The recording of the previous
        trial stays readable as an earlier Segment of :meth:`get_data`.

        Only where the simulator reruns a build with new inputs
        (``backend_for(sim).reruns_with_new_inputs``, e.g. GeNN, which would otherwise generate
        and compile its code again); NotImplementedError elsewhere, and for a network built with
        decoded noise or for many trials in one simulation.
        """
        backend = backend_for(self.sim)
        if not backend.reruns_with_new_inputs:
            raise NotImplementedError(f"present: GLIF3Alpha on {backend.label} does not rerun a "
                                      f"built network with new inputs; build it again")
        if self.options.background == "decoded":
            raise NotImplementedError("present: the decoded-noise background is fixed when the "
                                      "network is built; build it again for another trial")
        if self.trial_timings is not None and len(set(self.trial_timings)) > 1:
            raise NotImplementedError("present: this network runs its trials in one simulation")
        sources = []
        if self.lgn is not None:
            spikes = (np.zeros((0, self.lgn.size)) if input_spikes is None
                      else np.asarray(input_spikes))
            if spikes.ndim != 2 or spikes.shape[1] != self.lgn.size:
                raise ValueError(f"present: input spikes must have shape (n_steps, {self.lgn.size}), "
                                 f"got {spikes.shape}")
            sources.append((self.lgn, self.timing.input_spike_times(spikes)))
        elif input_spikes is not None and np.any(input_spikes):
            raise ValueError("present: the network was built without input sources")
        if self.background is not None:
            sources.append((self.background, self._new_background_trains(bkg_counts)))
        elif bkg_counts is not None and np.any(bkg_counts):
            raise ValueError("present: the network was built without background sources")
        backend.rerun_with_new_spike_times(sources)

    def _new_background_trains(self, bkg_counts):
        """The background sources' spike times for ``bkg_counts`` (None: none), checked against
        the kind of background the sources were built for."""
        n = self.net.neurons.n
        shared = self._shared_background
        counts = (np.zeros((0,) if shared else (0, n)) if bkg_counts is None
                  else np.asarray(bkg_counts, dtype=float))
        if counts.ndim != (1 if shared else 2) or (not shared and counts.shape[1] != n):
            kind, shape = ("shared", "(n_steps,)") if shared else ("independent", f"(n_steps, {n})")
            raise ValueError(f"present: the background sources were built for {kind} counts, of "
                             f"shape {shape}; got {counts.shape}")
        return _background_trains([counts], [self.timing], n)

    def get_data(self, clear=False):
        """The recording as a neo Block (PyNN's ``get_data``; gathered onto rank 0 under MPI);
        ``clear`` empties the recorder afterwards, so the next call holds only newer data."""
        return self.recorded.get_data(clear=clear)

    def read_spikes(self, clear=False):
        """Every spike recorded so far (since the last ``clear``), gathered onto rank 0 of a
        distributed run, as two arrays: neuron index into the network (int64), time (ms).

        In one process this asks PyNN's recorder for the spikes as arrays (``_get_spiketimes``,
        the method each PyNN backend's recorder implements): :meth:`get_data` costs several
        times more per call in PyNN's bookkeeping (10-20 ms for a 2,000-neuron population on
        NEST), which adds up when results are read after every trial.  Elsewhere, or when the
        backend gives no arrays, it reads :meth:`get_data`."""
        recorder = getattr(self.cells, "recorder", None)
        get_spiketimes = getattr(recorder, "_get_spiketimes", None)
        if get_spiketimes is not None and getattr(self.sim, "num_processes", lambda: 1)() == 1:
            if self._recorded_cell_ids is None:
                # PyNN's own ID objects: some recorders look their cells up through them
                self._recorded_cell_ids = sorted(self.recorded.all_cells, key=int)
            data = get_spiketimes(self._recorded_cell_ids, clear=clear)
            if clear:
                recorder.clear()            # PyNN's own bookkeeping of a clear, as get_data does
            if isinstance(data, dict):      # some backends: {cell id: times}
                cells = list(data)
                times = [np.asarray(data[c], dtype=float) for c in cells]
                channel_ids = np.repeat(np.asarray(cells, dtype=np.int64), [t.size for t in times])
                data = channel_ids, (np.concatenate(times) if times else np.empty(0))
            channel_ids, times_ms = (np.asarray(x) for x in data)
            return self._index_of_ids(channel_ids.astype(np.int64)), times_ms.astype(float)
        return self.spike_arrays(self.get_data(clear=clear))

    def _index_of_ids(self, channel_ids):
        """Network indices of simulator cell ids of ``cells``."""
        if self._cell_ids is None:
            # PyNN's id_to_index compares numpy integers with its ID objects, which asks the
            # simulator for the cell's parameters several times a call: map the ids here
            self._cell_ids = np.asarray(self.cells.all_cells, dtype=np.int64)
        index = np.searchsorted(self._cell_ids, channel_ids)
        if channel_ids.size and (index.max() >= self._cell_ids.size
                                 or np.any(self._cell_ids[index] != channel_ids)):
            raise ValueError("the recording holds spikes of cells outside the network's population")
        return index.astype(np.int64)

    def spike_arrays(self, block):
        """Every recorded spike of the last segment of ``block`` (from :meth:`get_data`) as two
        arrays: neuron index into the network (int64) and time (ms), without building a neo
        SpikeTrain per neuron."""
        return self.segment_spike_arrays(block.segments[-1])

    def segment_spike_arrays(self, segment):
        """The spikes of one neo Segment of :meth:`get_data`, as :meth:`spike_arrays`."""
        trains = segment.spiketrains
        if _multiplexed(trains):
            channel_ids, times_ms = multiplexed_ms(trains)
            return self._index_of_ids(channel_ids), times_ms
        # one SpikeTrain per neuron: their order by source_index is the order of ``recorded``
        ordered = sorted(trains, key=lambda st: st.annotations["source_index"])
        times = spike_times_ms(ordered)
        counts = np.array([t.size for t in times], dtype=np.int64)
        neurons = np.repeat(np.asarray(self.recorded_ids, dtype=np.int64)[:len(times)], counts)
        return neurons, (np.concatenate(times) if times else np.empty(0))

    def raster(self, block, n_steps):
        """(n_steps, N) spikes in training rows from a neo Block of :meth:`get_data`;
        neurons that were not recorded stay False."""
        return self.raster_of(*self.spike_arrays(block), n_steps)

    def raster_of(self, neurons, times_ms, n_steps, timing=None):
        """(n_steps, N) raster of the spikes ``(neurons, times_ms)`` in the rows of ``timing``
        (default: the single trial's).  Spikes before row 0 (impossible when the neurons hold
        their initial state) raise an error; spikes after the last row are ignored."""
        timing = timing or self.timing
        rows = timing.rows_of_times(times_ms)
        if rows.size and rows.min() < 0:
            first = int(np.argmin(rows))
            raise ValueError(f"neuron {neurons[first]} spiked at {times_ms[first]} ms, before the "
                             f"first training row (t <= {timing.origin} ms)")
        keep = rows < n_steps
        out = np.zeros((n_steps, self.cells.size), dtype=bool)
        out[rows[keep], neurons[keep]] = True
        return out

    def trial_spikes(self, neurons, times_ms, n_steps):
        """The spikes ``(neurons, times_ms)`` of a many-trial run cut into trials: a list with,
        per trial, (neurons, times in ms of that trial's own single-trial clock)."""
        out = []
        for timing in self.trial_timings or [self.timing]:
            begin, end = timing.origin, timing.row_times(n_steps - 1) + 0.5 * timing.dt
            in_trial = (times_ms > begin) & (times_ms < end)
            out.append((neurons[in_trial], times_ms[in_trial] - trial_shift_ms(timing)))
        return out

    def trial_rasters(self, block, n_steps):
        """(n_trials, n_steps, N) spikes in training rows, one raster per trial (where trials
        rerun the build: one per Segment of ``block``, the last ``n_trials``)."""
        if self.trial_inputs is not None:
            segments = block.segments[-self.n_trials:]
            if len(segments) != self.n_trials:
                raise ValueError(f"the recording holds {len(block.segments)} Segments for "
                                 f"{self.n_trials} trials")
            return np.stack([self.raster_of(*self.segment_spike_arrays(segment), n_steps)
                             for segment in segments])
        single = StepTiming(dt=self.timing.dt)         # the clock of trial_spikes' times
        parts = self.trial_spikes(*self.spike_arrays(block), n_steps)
        return np.stack([self.raster_of(neurons, times, n_steps, single) for neurons, times in parts])


def trial_shift_ms(timing):
    """How much later (ms) the trial of ``timing`` runs than a single trial would: its spike
    times minus this are those of a single-trial run (rows stamped from ``(START_STEP + 1) h``)."""
    return (timing.start_step - START_STEP) * timing.dt


def _multiplexed(trains):
    """Whether ``trains`` is neo's SpikeTrainList holding its spikes as two arrays (times and
    channel ids), as PyNN makes it: reading those costs nothing, one SpikeTrain per neuron does."""
    from neo.core.spiketrainlist import SpikeTrainList
    # neo has no public flag for the array form; its SpikeTrains are made on first access
    return isinstance(trains, SpikeTrainList) and trains._items is None


def multiplexed_ms(trains):
    """(channel ids (int64), spike times (ms)) of a SpikeTrainList (neo's ``multiplexed``)."""
    import quantities as pq
    channel_ids, times = trains.multiplexed
    if not len(times):
        return np.empty(0, dtype=np.int64), np.empty(0)
    times_ms = np.asarray(times.rescale(pq.ms).magnitude if hasattr(times, "rescale") else times,
                          dtype=float)
    return np.asarray(channel_ids, dtype=np.int64), times_ms


def spike_times_ms(trains):
    """Spike times of neo SpikeTrains as plain float arrays in ms (one unit conversion for all:
    neo's per-train rescaling costs about a millisecond each)."""
    import quantities as pq
    to_ms = float(trains[0].units.rescale(pq.ms).magnitude) if len(trains) else 1.0
    return [st.magnitude * to_ms for st in trains]


def _project(sim, pre, post, source, target, receptor, weight_pA, delay_ms, label):
    """One projection per receptor; weights pA -> nA (signed), delays in ms."""
    # imported here: PyNN's connectors import matplotlib, which --help need not wait for
    from pynn_glif3.backends.connectors import FromArraysConnector

    projections = []
    for r, name in enumerate(RECEPTORS):
        sel = np.flatnonzero(receptor == r)
        if not sel.size:
            continue
        connector = FromArraysConnector(source[sel], target[sel], units.pA_to_nA(weight_pA[sel]),
                                        delay_ms[sel], keep_arrays=False)
        projections.append(sim.Projection(pre, post, connector, sim.StaticSynapse(),
                                          receptor_type=name, label=f"{label}->{name}"))
    return projections


def recorded_ids(net, options):
    """The indices of the neurons whose spikes a build records (``options.record``)."""
    if options.record == "readout" and getattr(net, "readout_ids", None) is not None:
        return np.unique(np.asarray(net.readout_ids).ravel())
    return np.arange(net.neurons.n)


def spike_sources(sim, spike_times, label):
    """A Population of spike sources on ``sim``, one per array of ``spike_times`` (ms), of the
    backend's spike-source type."""
    from pyNN.parameters import Sequence

    celltype = backend_for(sim).spike_source_type()
    return sim.Population(len(spike_times), celltype(spike_times=[Sequence(t) for t in spike_times]),
                          label=label)


def decoded_noise_currents(noise, neurons, n_steps):
    """(n_steps, N, 4) pA of the decoded noise, computed exactly as :func:`reference.simulate`."""
    if noise.n_steps < n_steps or noise.n_neurons != neurons.n:
        raise ValueError(f"decoded noise draws cover {noise.n_steps} steps of {noise.n_neurons} "
                         f"neurons; need {n_steps} steps of {neurons.n}")
    vs = neurons.V_th - neurons.E_L
    return noise.all_input()[:n_steps] * vs[None, :, None]


def build(sim, net, input_spikes=None, bkg_counts=None, options=None, cell_type=None, noise=None,
          n_steps=None):
    """Create ``net`` on ``sim`` (after ``sim.setup(timestep=options.dt, min_delay=options.dt)``) for one trial.

    ``input_spikes`` (n_steps, n_inputs) spike counts per training step; ``bkg_counts`` (n_steps,)
    shared or (n_steps, N) per neuron (see :func:`draw_background`), or None for no background.
    ``noise``: the trial's :class:`pynn_glif3.model.noise.NoiseDraws`, required with
    ``options.background == "decoded"`` (and only then); its first ``n_steps`` rows are used
    (default: all of them).
    """
    options = options or BuildOptions()
    decoded = options.background == "decoded"
    if decoded and noise is None:
        raise ValueError("background='decoded' needs the trial's decoded noise draws (noise=...)")
    if noise is not None and not decoded:
        raise ValueError(f"noise draws were given but background is {options.background!r}; "
                         f"use background='decoded'")
    return _build(sim, net, [input_spikes], [bkg_counts], options, StepTiming(dt=options.dt), None,
                  cell_type, noise, n_steps)


def trial_start_step(net, options):
    """Hold steps at the start of each trial: enough for every delayed spike of the previous trial
    to arrive inside the hold (docs/timing.md, "Many trials in one run")."""
    longest = 1
    rec = net.recurrent
    if rec is not None and rec.n:
        # both delay policies are non-decreasing, so the longest delay maps to the longest
        longest = int(np.rint(simulator_delays(np.max(rec.delay), options)[0] / options.dt))
    return max(START_STEP, longest)


def build_trials(sim, net, input_spikes, bkg_counts=None, options=None, cell_type=None):
    """Create ``net`` once for many independent trials that run one after the other.

    ``input_spikes`` (n_trials, n_steps, n_inputs) and ``bkg_counts`` (n_trials, n_steps) or
    (n_trials, n_steps, N), or None.  Every trial starts from the same initial state and sees only
    its own input, exactly as separate builds would; read the results with
    :meth:`BuiltNetwork.trial_rasters`, or after each trial of :meth:`BuiltNetwork.run_trials`.
    Where GLIF3Alpha runs many trials in one simulation (``trials_in_one_run``, NEST) they
    follow each other in one run; where the simulator reruns a build with new inputs
    (``reruns_with_new_inputs``, GeNN) each trial is one run of the same build, started by
    :meth:`BuiltNetwork.present`.  Other simulators raise NotImplementedError (build one trial
    at a time there).
    """
    options = options or BuildOptions()
    if options.background == "decoded":
        raise NotImplementedError("build_trials: background='decoded' needs one build per trial")
    input_spikes = np.asarray(input_spikes)
    if input_spikes.ndim != 3:
        raise ValueError(f"build_trials: input spikes must have shape (n_trials, n_steps, n_inputs), "
                         f"got {input_spikes.shape}")
    n_trials, n_steps = input_spikes.shape[:2]
    counts = [None] * n_trials if bkg_counts is None else list(np.asarray(bkg_counts))
    if len(counts) != n_trials:
        raise ValueError(f"build_trials: {len(counts)} background count rows for {n_trials} trials")
    backend = backend_for(sim)
    if not backend.trials_in_one_run:
        if not backend.reruns_with_new_inputs:
            raise NotImplementedError(f"build_trials: GLIF3Alpha on {backend.label} runs one trial "
                                      f"per build here; build one trial at a time")
        built = _build(sim, net, [input_spikes[0]], [counts[0]], options, StepTiming(dt=options.dt),
                       None, cell_type, None, n_steps)
        built.trial_timings = [built.timing] * n_trials
        built.trial_inputs = list(zip(input_spikes, counts))
        return built
    cell = (cell_type or backend.cell_type)()     # the network's parameters follow in _build
    start_step = trial_start_step(net, options)
    trial_steps = start_step + n_steps
    cell.extra_parameters = {"start_step": start_step, "trial_steps": trial_steps}
    timing = StepTiming(dt=options.dt, start_step=start_step)
    timings = [timing.for_trial(k, trial_steps) for k in range(n_trials)]
    return _build(sim, net, list(input_spikes), counts, options, timing, timings, cell, None, n_steps,
                  own_cell=True)


def _concat_trains(per_trial):
    """Per-source spike times of several trials, joined: list over sources of sorted arrays."""
    return [np.concatenate(parts) for parts in zip(*per_trial)]


def _build(sim, net, input_spikes, bkg_counts, options, timing, timings, cell, noise, n_steps,
           own_cell=False):
    """``cell``: a GLIF3Alpha class (None: the backend's), or an instance whose parameters are
    kept unless ``own_cell`` says it was made here for the network's parameters."""
    backend = backend_for(sim)
    decoded = options.background == "decoded"
    if decoded:
        backend.check_receptor_currents()      # before anything is built
    start = time.perf_counter()
    n = net.neurons.n
    if cell is None or isinstance(cell, type):
        cell, own_cell = (cell or backend.cell_type)(), True
    cells = sim.Population(n, cell, label="V1")
    if own_cell:
        # straight from the physical view to the simulator's units: no PyNN-unit round trip
        backend.set_neuron_parameters(cells, net.neurons)
    built = BuiltNetwork(sim, net, options, timing, cells, cells, np.arange(n), trial_timings=timings)
    timings = timings or [timing]

    rec = net.recurrent
    if rec is not None and rec.n:
        delays, built.delay_report = simulator_delays(rec.delay, options)
        built.projections += _project(sim, cells, cells, rec.source, rec.target, rec.receptor,
                                      rec.weight, delays, "V1")

    if input_spikes[0] is not None and net.inputs is not None and net.inputs.n:
        trains = _concat_trains([t.input_spike_times(x) for t, x in zip(timings, input_spikes)])
        built.lgn = spike_sources(sim, trains, "LGN")
        inp = net.inputs
        built.projections += _project(sim, built.lgn, cells, inp.source, inp.target, inp.receptor,
                                      inp.weight, np.full(inp.n, timing.input_delay), "LGN")

    if bkg_counts[0] is not None and net.bkg_weights is not None:
        built.background = _background(sim, net, bkg_counts, timings, built)
    if decoded:
        rows = noise.n_steps if n_steps is None else int(n_steps)
        built.background = backend.inject_receptor_currents(
            cells, decoded_noise_currents(noise, net.neurons, rows))

    ids = recorded_ids(net, options)
    if ids.size < n:
        built.recorded, built.recorded_ids = cells[ids], ids
    if options.variables:
        built.recorded.record(list(options.variables))
    built.build_seconds = time.perf_counter() - start
    return built


def _background_trains(bkg_counts, timings, n):
    """Spike times of the background sources for the counts of each trial (``bkg_counts``, one
    array per trial, all (n_steps,) or all (n_steps, n))."""
    k = N_BACKGROUND_SOURCES
    if np.asarray(bkg_counts[0]).ndim == 1:
        # ten sources shared by every neuron: in row m the first counts[m] of them spike
        return _concat_trains([t.background_spike_times(c) for t, c in zip(timings, bkg_counts)])
    # ten sources per neuron: source j * n + i feeds neuron i
    per_neuron = [_concat_trains([t.background_spike_times(np.asarray(c)[:, i])
                                  for t, c in zip(timings, bkg_counts)]) for i in range(n)]
    return [per_neuron[i][j] for j in range(k) for i in range(n)]


def _background(sim, net, bkg_counts, timings, built):
    """Background sources for the counts of each trial (``bkg_counts``, one array per trial)."""
    counts = np.asarray(bkg_counts[0], dtype=float)
    n = net.neurons.n
    w = np.asarray(net.bkg_weights, dtype=float)
    target, receptor = np.nonzero(w)
    k = N_BACKGROUND_SOURCES
    trains = _background_trains(bkg_counts, timings, n)
    built._shared_background = counts.ndim == 1
    if counts.ndim == 1:
        source = np.repeat(np.arange(k), target.size)
    else:
        source = (np.arange(k)[:, None] * n + target[None, :]).ravel()
    tgt, rcp = np.tile(target, k), np.tile(receptor, k)
    pop = spike_sources(sim, trains, "background")
    built.projections += _project(sim, pop, built.cells, source, tgt, rcp, w[tgt, rcp],
                                  np.full(source.size, timings[0].input_delay), "background")
    return pop
