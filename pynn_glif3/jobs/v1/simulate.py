"""Simulating the V1 job's samples: their inputs, one simulation per batch, a record per sample.

For each stimulus sample the input spikes (Bernoulli of value / 1.3 per unit and step, seeded per
sample) and the background are drawn, the network is built on the simulator and the trial is
run; several samples share one simulation where the simulator's backend runs many trials in one
run.  Each sample comes out as soon as its trial ends.
"""

import signal as signals
import sys

import numpy as np

from pynn_glif3 import analysis, backends, builder
from pynn_glif3.jobs.parallel import Processes
from pynn_glif3.jobs.v1.options import DEFAULT_TRIALS_PER_RUN, RunError
from pynn_glif3.model.timing import StepTiming


def load_noise(options):
    """The decoded-noise pool of ``options`` (None unless ``background="decoded"``), checked."""
    from pynn_glif3.model.noise import NoisePool, NoisePoolError

    if options.background != "decoded":
        if options.noise_pool:
            raise RunError("--noise-pool is only used with --background decoded")
        return None
    if not options.noise_pool:
        raise RunError("--background decoded needs --noise-pool FILE (.mat or .npy)")
    quick, slow = options.noise_scale
    try:
        return NoisePool.from_file(options.noise_pool, quick_scale=quick, slow_scale=slow)
    except NoisePoolError as err:
        raise RunError(str(err)) from err


def sample_inputs(net, stim, sample, seed, background, noise_pool=None):
    """The input spikes, background counts and decoded-noise draws of one sample (seeded)."""
    T = stim.seq_len
    spikes_in = stim.spikes(sample, seed)
    bkg = builder.draw_background(T, net.n_neurons, [seed, sample, 1], background)
    noise = None if noise_pool is None else noise_pool.draw(T, net.n_neurons, [seed, sample, 2])
    return spikes_in, bkg, noise


def trials_per_run(options, sim):
    """Samples per build: ``options.trials_per_run``, or the default where the simulator runs many
    trials in one simulation or reruns one build with each trial's inputs; 1 with decoded noise
    (its table holds one trial)."""
    backend = backends.backend_for(sim)
    many = backend.trials_in_one_run or backend.reruns_with_new_inputs
    supported = many and options.background != "decoded"
    if options.trials_per_run is not None:
        if options.trials_per_run < 1:
            raise RunError(f"--trials-per-run must be >= 1, got {options.trials_per_run}")
        if options.trials_per_run > 1 and not supported:
            raise RunError(f"--trials-per-run {options.trials_per_run}: GLIF3Alpha on "
                           f"{backend.label} runs one trial per build"
                           + (" with --background decoded" if many else ""))
        return options.trials_per_run
    return DEFAULT_TRIALS_PER_RUN if supported else 1


def run_samples(sim, net, stim, samples, options, window, build_options, noise_pool=None,
                on_simulate=None):
    """Several samples in one simulation (one after the other, each from the initial state) where
    the simulator supports it, else one.  Yields, as each trial of the simulation ends, its
    (record, raster (T, N), the arguments of :meth:`store.SampleWriter.save` that make its neo
    Block) on rank 0 of a distributed run (they hold every process's spikes), nothing on the
    other ranks (which must still iterate: reading the recording is collective).
    ``on_simulate()`` is called once the network is built, before the simulation starts."""
    T = stim.seq_len
    inputs = [sample_inputs(net, stim, i, options.seed, options.background, noise_pool) for i in samples]
    sim.setup(**options.setup_kwargs())
    try:
        procs = Processes.of(sim)
        if len(samples) == 1:
            spikes_in, bkg, noise = inputs[0]
            built = builder.build(sim, net, spikes_in, bkg, build_options, noise=noise)
        else:
            bkg = None if inputs[0][1] is None else np.stack([x[1] for x in inputs])
            built = builder.build_trials(sim, net, np.stack([x[0] for x in inputs]), bkg, build_options)
        timings = built.trial_timings or [built.timing]
        variables_other_than_spikes = [v for v in build_options.variables if v != "spikes"]
        single = StepTiming(dt=built.timing.dt)          # the clock of one trial on its own
        if on_simulate is not None:
            on_simulate()
        for k, run_seconds in built.run_trials(T):
            # with many trials the recorder is emptied at each read: it holds this trial's
            # spikes only (one trial: nothing to empty, which not every simulator supports)
            clear = built.n_trials > 1
            if variables_other_than_spikes:
                block = built.get_data(clear=clear)         # gathered onto rank 0
                spikes = built.spike_arrays(block)
            else:
                spikes = built.read_spikes(clear=clear)     # gathered onto rank 0
            if not procs.is_root:
                continue
            neurons, times_ms = built.trial_spikes(*spikes, T)[k]
            sample, (spikes_in, bkg, noise) = samples[k], inputs[k]
            raster = built.raster_of(neurons, times_ms, T, single)
            record = _sample_record(net, stim, sample, raster, window, built, run_seconds, len(samples))
            if options.compare_reference:
                record["reference"] = _reference_agreement(net, raster, built, spikes_in, bkg, noise,
                                                           options, window, build_options)
            signals = []
            if variables_other_than_spikes and block.segments[-1].analogsignals:
                shift = builder.trial_shift_ms(timings[k])
                signals = _signals_of_trial(block.segments[-1].analogsignals, shift, single.run_time(T))
            # what the sample's neo Block is made of (store.sample_block), made where it is written
            neo_data = dict(neurons=neurons, times_ms=times_ms, t_stop_ms=single.run_time(T),
                            recorded_ids=built.recorded_ids, n_neurons=net.n_neurons,
                            signals=signals, sample=sample, label=record["label"],
                            predicted=record["predicted"], simulator=options.simulator)
            yield record, raster, neo_data
    finally:
        sim.end()


def _sample_record(net, stim, sample, raster, window, built, run_seconds, n_in_run):
    counts = analysis.readout_counts(raster, net.readout_ids, window)
    record = dict(sample=sample, label=int(stim.labels[sample]), predicted=int(np.argmax(counts)),
                  readout_counts=[int(c) for c in counts], spikes=int(raster.sum()),
                  build_seconds=built.build_seconds / n_in_run, run_seconds=run_seconds,
                  trials_in_run=n_in_run)
    if built.delay_report is not None:
        record["delay_report"] = str(built.delay_report)
    return record


def _reference_agreement(net, raster, built, spikes_in, bkg, noise, options, window, build_options):
    """The NumPy reference on the sample's spikes, and how the simulator's raster agrees."""
    from pynn_glif3.oracles import reference
    ref = reference.simulate(net.neurons, raster.shape[0], dt=options.dt, recurrent=net.recurrent,
                             inputs=net.inputs, input_spikes=spikes_in,
                             # no background where the file has no background weights, as built
                             bkg_weights=None if bkg is None else net.bkg_weights,
                             bkg_counts=None if net.bkg_weights is None else bkg, noise=noise,
                             max_delay_ms=build_options.max_delay_ms if options.delays != "raw" else None)
    cmp = analysis.compare_rasters(raster[:, built.recorded_ids], ref.spikes[:, built.recorded_ids])
    cmp["reference_predicted"] = analysis.readout_decision(ref.spikes, net.readout_ids, window)
    return cmp


def _signals_of_trial(signals_, shift_ms, stop_ms):
    """Recorded signals (as read after one trial) on that trial's own clock."""
    import quantities as pq
    return [signal.time_slice(shift_ms * pq.ms, (shift_ms + stop_ms) * pq.ms).time_shift(-shift_ms * pq.ms)
            for signal in signals_]


class Progress:
    """A progress bar on stderr (tqdm's) with an estimate of the time left; silent when asked or
    when stderr is not a terminal.

    The clock starts at :meth:`start` (or the first update): started once the first network is
    built, the build does not count as the first sample's time, which would make the first
    estimate many times too long; later builds enter the average rate (no smoothing)."""

    def __init__(self, total, quiet=False, unit="sample"):
        self.total, self.quiet, self.unit, self.done, self._bar = total, quiet, unit, 0, None

    def start(self):
        if self._bar is None:
            from tqdm import tqdm
            self._bar = tqdm(total=self.total, unit=self.unit, smoothing=0, dynamic_ncols=True,
                             file=sys.stderr, disable=True if self.quiet else None)

    def update(self, text=""):
        self.start()
        self.done += 1
        self._bar.set_postfix_str(text[:60], refresh=False)
        self._bar.update(1)
        if self.done >= self.total:
            self.close()

    def close(self):
        if self._bar is not None:
            self._bar.close()


class InterruptAfter:
    """Hold a SIGINT (Ctrl-C) until the end of the block, then raise KeyboardInterrupt: what the
    block writes is written whole."""

    def __enter__(self):
        self.received, self.previous = False, None
        try:
            self.previous = signals.signal(signals.SIGINT, self._hold)
        except ValueError:          # not the main thread: signals go elsewhere anyway
            pass
        return self

    def _hold(self, signum, frame):
        self.received = True

    def __exit__(self, exc_type, exc, tb):
        if self.previous is not None:
            signals.signal(signals.SIGINT, self.previous)
        if self.received and exc_type is None:
            raise KeyboardInterrupt
        return False
