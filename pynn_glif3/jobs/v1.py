"""The V1 job: run a trained network on a PyNN simulator, sample by sample, and report.

For each stimulus sample: draw the input spikes (Bernoulli of value / 1.3 per unit and step,
seeded per sample) and the background, build the network on the simulator, run the trial, read
the class from the readout pools in the response window, and save the sample's results (JSON,
its spikes, a neo file) before moving on.  A rerun with the same settings skips the samples that
are done, so an interrupted run resumes where it stopped.  At the end: accuracy, confusion matrix,
firing rate per population, and plots.

The same code runs on every simulator: the simulator is a name on the command line.  On NEST
built with MPI it also runs under ``mpirun -np N``: every process builds its share of each trial,
the recorded spikes are gathered onto rank 0, and only rank 0 decides, prints and writes, so the
output is the same as with one process (see docs/mpi.md).
"""

import argparse
import contextlib
import gc
import hashlib
import json
import os
import signal as signals
import sys

import numpy as np

from pynn_glif3 import analysis, backends, builder as network
from pynn_glif3.jobs.parallel import Processes
from pynn_glif3.model.timing import StepTiming

RESULTS_FORMAT = 1
#: samples per simulation where the simulator runs many trials in one build
DEFAULT_TRIALS_PER_RUN = 50


class RunError(RuntimeError):
    """A problem with the run's inputs or output directory, explained for the user."""


def import_simulator(name):
    """The PyNN ``sim`` module for ``name`` (see :data:`pynn_glif3.backends.SIMULATORS`)."""
    try:
        return backends.import_simulator(name)
    except backends.SimulatorUnavailable as err:
        raise RunError(str(err)) from err


def _probe(sim, name, setup_kwargs):
    """Set the simulator up once before reading any file, so that a missing piece (GeNN, say)
    stops the run at once, with the simulator's own explanation.  Returns the processes it runs
    on (:class:`~pynn_glif3.jobs.parallel.Processes`)."""
    try:
        sim.setup(**setup_kwargs)
        procs = Processes.of(sim)
        sim.end()
    except ImportError as err:
        raise RunError(f"simulator {name!r} cannot run here: {err}") from err
    return procs


def parse_samples(text, n_samples):
    """``"0:24"``, ``"5"``, ``"0,3,7"`` or ``"all"`` -> sorted sample indices, checked: a
    :class:`RunError` for text that is not indices, an empty range or no sample at all."""
    if text in (None, "", "all"):
        if n_samples < 1:
            raise RunError("the stimulus file holds no samples")
        return list(range(n_samples))
    usage = "indices and START:STOP ranges (STOP excluded) separated by commas, e.g. 0:24, 3 or 0,5,9"
    out = set()
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ":" in part:
                a, _, b = part.partition(":")
                start = int(a) if a.strip() else 0
                stop = int(b) if b.strip() else n_samples
                if stop <= start:
                    raise RunError(f"--samples {text!r}: the range {part!r} selects no sample "
                                   f"(START:STOP runs START .. STOP - 1)")
                out.update(range(start, stop))
            else:
                out.add(int(part))
        except ValueError:
            raise RunError(f"--samples takes {usage}, or all; got {text!r}") from None
    bad = [i for i in out if not 0 <= i < n_samples]
    if bad:
        raise RunError(f"samples {sorted(bad)[:5]} are outside the stimulus file's 0..{n_samples - 1}")
    return sorted(out)


def parse_window(text):
    """``"START:STOP"`` (steps) -> (start, stop); the range itself is checked by the caller."""
    a, sep, b = str(text).partition(":")
    try:
        if not sep:
            raise ValueError
        return int(a), int(b)
    except ValueError:
        raise RunError(f"--window must be START:STOP in steps (ms at dt = 1), got {text!r}") from None


def add_arguments(parser, files_required=True, default_out="results"):
    """The V1 job's options; ``--network``/``--stimulus`` optional when the caller has defaults."""
    parser.add_argument("--simulator", default=backends.DEFAULT_SIMULATOR,
                        help=f"{', '.join(backends.SIMULATORS)}, or a PyNN simulator module "
                             f"(default {backends.DEFAULT_SIMULATOR})")
    default = "" if files_required else " (default: the bundled digits model)"
    parser.add_argument("--network", required=files_required,
                        help="trained network: users' HDF5, own format or SONATA dir" + default)
    parser.add_argument("--stimulus", required=files_required,
                        help="stimulus HDF5 (mnist24.h5 layout)" + default)
    parser.add_argument("--samples", default="all", help="e.g. 0:24, 3, 0,5,9 (default all)")
    parser.add_argument("--window", help="response window START:STOP in steps (default: the stimulus file's)")
    parser.add_argument("--out", default=default_out, help=f"output directory (default {default_out})")
    parser.add_argument("--seed", type=int, default=0, help="seed of input spikes and background")
    parser.add_argument("--dt", type=float, default=1.0, help="time step in ms (default 1, as trained)")
    parser.add_argument("--delays", choices=network.DELAY_POLICIES, default="training",
                        help="training: clip to [dt, 5 ms] and round, as trained (default; from the "
                             "training code's network_dat.pkl: the delays its loader ran, not each "
                             "synapse's own); edge: the same rule on each synapse's own edge's delay "
                             "(network_dat.pkl only); raw: the file's, unclipped")
    parser.add_argument("--background", choices=network.BACKGROUNDS, default="shared",
                        help="shared Binomial(10, 0.1) per step as trained (default), independent per neuron, "
                             "none, or decoded: the decoded noise of the published training (needs --noise-pool)")
    parser.add_argument("--noise-pool", metavar="FILE",
                        help="decoded-noise pool: .mat (array 'additive_noise') or .npy")
    parser.add_argument("--noise-scale", default="2,2", metavar="QUICK,SLOW",
                        help="scales of the quick and slow decoded noise (default 2,2, as published)")
    parser.add_argument("--record", choices=network.RECORD_CHOICES, default="all",
                        help="spikes of all neurons (default) or the readout pools only")
    parser.add_argument("--threads", type=int, help="threads (passed to sim.setup as threads=N)")
    parser.add_argument("--trials-per-run", type=int, metavar="K",
                        help="samples simulated together in one run, one after the other, each from "
                             f"the initial state (default {DEFAULT_TRIALS_PER_RUN} where the simulator "
                             "supports it, else 1); results are saved after each run")
    parser.add_argument("--setup", action="append", default=[], metavar="KEY=VALUE",
                        help="extra argument for sim.setup (repeatable)")
    parser.add_argument("--compare-reference", action="store_true",
                        help="also run the NumPy reference on the same spikes and report agreement")
    parser.add_argument("--no-plots", action="store_true", help="do not write PNG figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def network_read_options(args):
    """Options of ``io.read_network`` that follow from the job's: the training pickles' delay
    assignment (``--delays edge``: each synapse's own edge's delay)."""
    return {"delays": "edge" if args.delays == "edge" else "training"}


def _setup_kwargs(args):
    kwargs = {"timestep": args.dt}
    if args.threads:
        kwargs["threads"] = args.threads
    for item in args.setup:
        key, sep, value = item.partition("=")
        if not sep:
            raise RunError(f"--setup takes KEY=VALUE, got {item!r}")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return kwargs


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


@contextlib.contextmanager
def _older_objects_uncollected():
    """Leave the objects alive now (modules, the network) out of garbage collections until the
    end of the block.  Closing a NIX file runs a full collection, whose cost grows with every
    object alive: 0.05-0.2 s per sample file with NEST, PyNN and TensorFlow loaded, 0.01 s without
    the older objects.  Objects made inside the block are collected as usual."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _atomic_json(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def parse_noise_scale(text):
    parts = str(text).split(",")
    try:
        scales = [float(x) for x in parts]
    except ValueError:
        scales = []
    if len(scales) != 2 or not all(np.isfinite(scales)):
        raise RunError(f"--noise-scale must be QUICK,SLOW (two numbers), got {text!r}")
    return scales


def load_noise(args):
    """The decoded-noise pool of ``args`` (None unless ``--background decoded``), checked."""
    from pynn_glif3.model.noise import NoisePool, NoisePoolError

    if args.background != "decoded":
        if args.noise_pool:
            raise RunError("--noise-pool is only used with --background decoded")
        return None
    if not args.noise_pool:
        raise RunError("--background decoded needs --noise-pool FILE (.mat or .npy)")
    quick, slow = parse_noise_scale(args.noise_scale)
    try:
        return NoisePool.from_file(args.noise_pool, quick_scale=quick, slow_scale=slow)
    except NoisePoolError as err:
        raise RunError(str(err)) from err


def content_fingerprint(path, block_bytes=1 << 22):
    """``"sha256:<hex>"`` of a file's bytes, or of a directory's files (a SONATA network: each
    file's path relative to the directory, then its bytes, in sorted order)."""
    digest = hashlib.sha256()
    if os.path.isdir(path):
        files = sorted(os.path.relpath(os.path.join(d, name), path)
                       for d, _, names in os.walk(path) for name in names)
    else:
        files = [None]
    for rel in files:
        name = path if rel is None else os.path.join(path, rel)
        if rel is not None:
            digest.update(rel.encode() + b"\0")
        with open(name, "rb") as f:
            while block := f.read(block_bytes):
                digest.update(block)
    return "sha256:" + digest.hexdigest()


#: run.json keys holding the content fingerprints of the input files, and what they are
FINGERPRINTS = {"network_sha256": "network", "stimulus_sha256": "stimulus",
                "noise_pool_sha256": "noise pool"}


def _config(args, net_path, stim_path, window):
    """The settings recorded in run.json, with the content fingerprints of the input files, so that
    a rerun resumes only on the same network, stimulus and noise."""
    decoded = args.background == "decoded"
    try:
        fingerprints = dict(network_sha256=content_fingerprint(net_path),
                            stimulus_sha256=content_fingerprint(stim_path),
                            noise_pool_sha256=content_fingerprint(args.noise_pool) if decoded else None)
    except OSError as err:
        raise RunError(f"cannot read {err.filename}: {err.strerror}") from err
    return dict(format=RESULTS_FORMAT, simulator=args.simulator, network=os.path.abspath(net_path),
                stimulus=os.path.abspath(stim_path), seed=args.seed, dt=args.dt, window=list(window),
                delays=args.delays, background=args.background, record=args.record,
                noise_pool=os.path.abspath(args.noise_pool) if decoded else None,
                noise_scale=parse_noise_scale(args.noise_scale) if decoded else None,
                **fingerprints)


def _check_resume(out, config, write=True):
    """Refuse an output directory holding results of other settings or of other file contents
    (a network file replaced at the same path, say); record the settings (``write``: only one
    process of a distributed run writes)."""
    path = os.path.join(out, "run.json")
    if os.path.exists(path):
        try:
            with open(path) as f:
                previous = json.load(f)
        except (OSError, ValueError) as err:
            raise RunError(f"{path} cannot be read ({err}); choose another --out or remove it") from err
        for key, what in FINGERPRINTS.items():
            before, now = previous.get(key), config[key]
            if now is None:             # no such file in this run: the settings below differ
                continue
            if before is None:
                raise RunError(f"{path} records no fingerprint of the {what} file, so the samples in "
                               f"{out} cannot be checked to come from the same file; choose another "
                               f"--out or remove it")
            if before != now:
                raise RunError(f"the {what} file {config[what.replace(' ', '_')]} is not the one the "
                               f"samples in {out} were run with (content {before} before, {now} now); "
                               f"choose another --out, or remove it to start again")
        changed = {k: (previous.get(k), v) for k, v in config.items() if previous.get(k) != v}
        if changed:
            detail = "; ".join(f"{k}: {a!r} before, {b!r} now" for k, (a, b) in changed.items())
            raise RunError(f"{out} holds results of a run with other settings ({detail}); "
                           f"choose another --out or remove it")
    elif write:
        _atomic_json(path, config)


def _check_writable(out):
    """Create the output directories and make sure files can be written there, before any
    simulation (a sample's results are written as soon as it is done)."""
    samples = os.path.join(out, "samples")
    try:
        os.makedirs(samples, exist_ok=True)
        for d in (out, samples):
            probe = os.path.join(d, f".write_test.{os.getpid()}")
            with open(probe, "w") as f:
                f.write("ok")
            os.remove(probe)
    except OSError as err:
        raise RunError(f"--out {out}: cannot write there ({err.strerror}: {err.filename}); "
                       f"choose a writable directory") from err


def sample_inputs(net, stim, sample, args, noise_pool=None):
    """The input spikes, background counts and decoded-noise draws of one sample (seeded)."""
    T = stim.seq_len
    spikes_in = stim.spikes(sample, args.seed)
    bkg = network.draw_background(T, net.n_neurons, [args.seed, sample, 1], args.background)
    noise = None if noise_pool is None else noise_pool.draw(T, net.n_neurons, [args.seed, sample, 2])
    return spikes_in, bkg, noise


def run_samples(sim, setup_kwargs, net, stim, samples, args, window, options, compare,
                noise_pool=None, on_simulate=None):
    """Several samples in one simulation (one after the other, each from the initial state) where
    the simulator supports it, else one.  Yields, as each trial of the simulation ends, its
    (record, raster (T, N), neo Block) on rank 0 of a distributed run (the blocks hold every
    process's spikes), nothing on the other ranks (which must still iterate: reading the
    recording is collective).  ``on_simulate()`` is called once the network is built, before the
    simulation starts."""
    T = stim.seq_len
    inputs = [sample_inputs(net, stim, i, args, noise_pool) for i in samples]
    sim.setup(**setup_kwargs)
    try:
        procs = Processes.of(sim)
        if len(samples) == 1:
            spikes_in, bkg, noise = inputs[0]
            built = network.build(sim, net, spikes_in, bkg, options, noise=noise)
        else:
            bkg = None if inputs[0][1] is None else np.stack([x[1] for x in inputs])
            built = network.build_trials(sim, net, np.stack([x[0] for x in inputs]), bkg, options)
        timings = built.trial_timings or [built.timing]
        variables_other_than_spikes = [v for v in options.variables if v != "spikes"]
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
            if compare:
                record["reference"] = _reference_agreement(net, raster, built, spikes_in, bkg, noise,
                                                           args, window, options)
            sample_data = dict(sample=sample, label=record["label"], predicted=record["predicted"],
                               simulator=args.simulator)
            trial_block = sample_block(neurons, times_ms, single.run_time(T), built.recorded_ids,
                                       net.n_neurons, **sample_data)
            if variables_other_than_spikes and block.segments[-1].analogsignals:
                shift = network.trial_shift_ms(timings[k])
                trial_block.segments[0].analogsignals.extend(
                    _signals_of_trial(block.segments[-1].analogsignals, shift, single.run_time(T)))
            yield record, raster, trial_block
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


def _reference_agreement(net, raster, built, spikes_in, bkg, noise, args, window, options):
    from pynn_glif3.oracles import reference
    ref = reference.simulate(net.neurons, raster.shape[0], dt=args.dt, recurrent=net.recurrent,
                             inputs=net.inputs, input_spikes=spikes_in,
                             bkg_weights=None if bkg is None else net.bkg_weights,
                             bkg_counts=bkg, noise=noise,
                             max_delay_ms=options.max_delay_ms if args.delays == "training" else None)
    cmp = analysis.compare_rasters(raster[:, built.recorded_ids], ref.spikes[:, built.recorded_ids])
    cmp["reference_predicted"] = analysis.readout_decision(ref.spikes, net.readout_ids, window)
    return cmp


def _signals_of_trial(signals, shift_ms, stop_ms):
    """Recorded signals (as read after one trial) on that trial's own clock."""
    import quantities as pq
    return [signal.time_slice(shift_ms * pq.ms, (shift_ms + stop_ms) * pq.ms).time_shift(-shift_ms * pq.ms)
            for signal in signals]


#: name of the one SpikeTrain of a sample's neo Segment that holds the spikes of all neurons
SPIKES_TRAIN = "spikes of all recorded neurons"


def sample_block(neurons, times_ms, t_stop_ms, recorded_ids, n_neurons, **annotations):
    """A neo Block holding one sample's spikes, made from arrays in one step.

    Its Segment holds one SpikeTrain with every spike of every recorded neuron in time order;
    the array annotation ``source_index`` says which neuron (index into the network) fired each
    spike, the annotation ``n_neurons`` how many neurons the network has and ``recorded_ids``
    which of them were recorded (``"all"``, or their indices).  This is neo's
    multiplexed form, which a file stores as a few arrays (one SpikeTrain per neuron costs a
    group per neuron in the file); :func:`spiketrains_of` gives the SpikeTrain of each neuron.
    """
    import neo
    import quantities as pq

    order = np.argsort(times_ms, kind="stable")
    recorded_ids = np.asarray(recorded_ids, dtype=np.int64)
    # a list of every neuron would cost the file a property element each: "all" says it
    recorded = "all" if np.array_equal(recorded_ids, np.arange(n_neurons)) else recorded_ids
    train = neo.SpikeTrain(np.asarray(times_ms, dtype=float)[order], units="ms", t_start=0.0 * pq.ms,
                           t_stop=float(t_stop_ms) * pq.ms, name=SPIKES_TRAIN,
                           array_annotations=dict(source_index=np.asarray(neurons, dtype=np.int64)[order]),
                           recorded_ids=recorded, n_neurons=int(n_neurons))
    segment = neo.Segment(name="trial")
    segment.spiketrains.append(train)
    block = neo.Block(name=f"sample {annotations.get('sample', '')}".strip(), **annotations)
    block.segments.append(segment)
    return block


def spike_arrays_of(block):
    """(neuron indices, times in ms) of a sample's Block (:func:`sample_block`, or read back)."""
    import quantities as pq
    train = _spikes_train(block)
    return (np.asarray(train.array_annotations["source_index"], dtype=np.int64),
            np.asarray(train.rescale(pq.ms).magnitude, dtype=float))


def _spikes_train(block):
    trains = [st for st in block.segments[0].spiketrains if st.name == SPIKES_TRAIN]
    if not trains:
        raise ValueError(f"the neo Block {block.name!r} holds no SpikeTrain named {SPIKES_TRAIN!r}")
    return trains[0]


def spiketrains_of(block):
    """A sample's spikes as one neo SpikeTrain per recorded neuron (neo's SpikeTrainList, made
    from the arrays in one step), annotated with ``source_index``."""
    from neo.core.spiketrainlist import SpikeTrainList

    train = _spikes_train(block)
    neurons, times_ms = spike_arrays_of(block)
    recorded = train.annotations["recorded_ids"]
    recorded = (np.arange(int(train.annotations["n_neurons"])) if isinstance(recorded, str)
                else np.asarray(recorded, dtype=np.int64))
    return SpikeTrainList.from_spike_time_array(times_ms, neurons, recorded, t_stop=train.t_stop,
                                                units="ms", t_start=train.t_start,
                                                source_index=recorded)


def sample_path(out, sample, suffix):
    return os.path.join(out, "samples", f"sample_{sample:05d}{suffix}")


def _save_sample(out, record, raster, block):
    """The sample's step raster (.npz), its neo Block (NIX, .nix), then its record (.json): the
    record's presence marks the sample as done, and each file appears whole or not at all."""
    from neo.io import NixIO

    i = record["sample"]
    steps, neurons = np.nonzero(raster)
    tmp = sample_path(out, i, "_spikes.tmp.npz")
    np.savez_compressed(tmp, steps=steps.astype(np.int32), neurons=neurons.astype(np.int32),
                        shape=np.array(raster.shape))
    os.replace(tmp, sample_path(out, i, "_spikes.npz"))
    tmp = sample_path(out, i, ".tmp.nix")
    if os.path.exists(tmp):
        os.remove(tmp)
    with NixIO(tmp, mode="ow") as io:
        io.write_block(block)
    os.replace(tmp, sample_path(out, i, ".nix"))
    _atomic_json(sample_path(out, i, ".json"), record)


def load_block(out, sample):
    """The neo Block of a finished sample, read back from its NIX file."""
    from neo.io import NixIO

    with NixIO(sample_path(out, sample, ".nix"), mode="ro") as io:
        return io.read_block()


def load_raster(out, sample):
    data = np.load(sample_path(out, sample, "_spikes.npz"))
    raster = np.zeros(tuple(data["shape"]), dtype=bool)
    raster[data["steps"], data["neurons"]] = True
    return raster


def summarise(out, samples, net, n_classes, dt, window, plots=True):
    """Accuracy, confusion matrix and rates per population over the finished samples."""
    records = []
    for i in samples:
        with open(os.path.join(out, "samples", f"sample_{i:05d}.json")) as f:
            records.append(json.load(f))
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    for r in records:
        if 0 <= r["label"] < n_classes:
            confusion[r["label"], r["predicted"]] += 1
    correct = sum(r["label"] == r["predicted"] for r in records)
    pops = net.populations() or {"all": np.arange(net.n_neurons)}
    totals = {name: 0.0 for name in pops}
    T = None
    for r in records:
        raster = load_raster(out, r["sample"])
        T = raster.shape[0]
        per_neuron = raster.sum(axis=0)
        for name, idx in pops.items():
            totals[name] += per_neuron[idx].mean() * 1000.0 / (T * dt)
    rates = {name: v / max(len(records), 1) for name, v in totals.items()}
    summary = dict(samples=len(records), correct=int(correct),
                   accuracy=correct / max(len(records), 1), confusion=confusion.tolist(),
                   population_rates_hz=rates, window=list(window))
    ref = [r["reference"] for r in records if "reference" in r]
    if ref:
        summary["reference"] = dict(
            identical_spike_fraction=float(np.mean([c["identical_fraction"] for c in ref])),
            samples_with_identical_spikes=int(sum(c["first_divergent_step"] is None for c in ref)),
            same_prediction=int(sum(c["reference_predicted"] == r["predicted"]
                                    for c, r in zip(ref, [r for r in records if "reference" in r]))))
    _atomic_json(os.path.join(out, "results.json"), dict(summary, per_sample=records))
    if plots and records:
        from pynn_glif3.analysis import plots as figures
        figures.confusion(os.path.join(out, "confusion.png"), confusion,
                          f"{correct}/{len(records)} correct ({summary['accuracy']:.0%})")
        figures.population_rates(os.path.join(out, "population_rates.png"), rates,
                                  f"mean firing rate per population over {len(records)} samples")
        first = records[0]
        figures.raster(os.path.join(out, f"raster_sample_{first['sample']:05d}.png"),
                       load_raster(out, first["sample"]), net.populations(),
                       f"sample {first['sample']}: label {first['label']}, predicted {first['predicted']}",
                       window=window, dt=dt)
    return summary


def print_summary(summary, stream=sys.stdout):
    print(f"\nsamples {summary['samples']}, correct {summary['correct']}, "
          f"accuracy {summary['accuracy']:.1%} (window {summary['window'][0]}:{summary['window'][1]})",
          file=stream)
    print(f"{'population':12s} {'rate (Hz)':>10s}", file=stream)
    for name, rate in summary["population_rates_hz"].items():
        print(f"{name:12s} {rate:10.2f}", file=stream)
    if "reference" in summary:
        r = summary["reference"]
        print(f"reference: {r['samples_with_identical_spikes']}/{summary['samples']} samples with "
              f"identical spikes, {r['identical_spike_fraction']:.2%} identical spikes, "
              f"{r['same_prediction']} same predictions", file=stream)


def report_delays(net, options, stream=sys.stdout):
    """Print how the delay policy changes the file's recurrent delays; warn on stderr when it
    changes most of them (delays in another unit than ms, or a file of another model)."""
    rec = net.recurrent
    if rec is None or not rec.n:
        return None
    _, report = network.simulator_delays(rec.delay, options)
    print(report, file=stream, flush=True)
    if 2 * report.changed > report.n_synapses:
        if 2 * (report.raised_to_dt + report.clipped_to_max) > report.n_synapses:
            why = "most are outside [dt, maximum]: are the file's delays in ms?"
        else:
            why = ("they are rounded to whole steps, as the trained model did; --delays raw keeps "
                   "the file's delays")
        print(f"pynn-glif3 run: warning: the simulator's delays differ from the file's for most "
              f"synapses ({report.changed} of {report.n_synapses}): {why}", file=sys.stderr, flush=True)
    return report


class _InterruptAfter:
    """Hold a SIGINT (Ctrl-C) until the end of the block, then raise KeyboardInterrupt: the
    samples of a simulated batch are all saved, not some of them."""

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


def _stopped_message(err, out, samples):
    """What to tell the user when the run stops before its end: what stopped it, what is kept."""
    done = sum(os.path.exists(os.path.join(out, "samples", f"sample_{i:05d}.json")) for i in samples)
    kept = f"{done} of {len(samples)} samples are saved in {out}"
    if isinstance(err, KeyboardInterrupt):
        return (f"\npynn-glif3 run: interrupted; {kept}. Rerunning the same command continues "
                f"with the samples left.")
    if isinstance(err, OSError):
        return f"\npynn-glif3 run: cannot write the results ({err}); {kept}."
    return (f"\npynn-glif3 run: {err}\n{kept}; a rerun continues from there (leave the sample "
            f"out with --samples).")


def trials_per_run(args, sim):
    """Samples per simulation: ``--trials-per-run``, or the default where the simulator runs many
    trials in one build; 1 with decoded noise (its table holds one trial)."""
    backend = backends.backend_for(sim)
    supported = backend.trials_in_one_run and args.background != "decoded"
    if args.trials_per_run is not None:
        if args.trials_per_run < 1:
            raise RunError(f"--trials-per-run must be >= 1, got {args.trials_per_run}")
        if args.trials_per_run > 1 and not supported:
            raise RunError(f"--trials-per-run {args.trials_per_run}: GLIF3Alpha on "
                           f"{backend.label} runs one trial per build"
                           + (" with --background decoded" if backend.trials_in_one_run else ""))
        return args.trials_per_run
    return DEFAULT_TRIALS_PER_RUN if supported else 1


def run(args):
    """Run the job described by parsed ``args``; returns an exit status (130 after Ctrl-C)."""
    try:
        return _run(args)
    except KeyboardInterrupt:       # outside the simulations (reading, summing up)
        print(f"\npynn-glif3 run: interrupted; the samples saved in {args.out} are kept. Rerunning "
              f"the same command continues with the samples left.", file=sys.stderr)
        return 130


def _run(args):
    from pynn_glif3.io import FormatError, read_network
    from pynn_glif3.io.stimulus_h5 import open_stimulus

    try:
        sim = import_simulator(args.simulator)
        setup_kwargs = _setup_kwargs(args)
        procs = _probe(sim, args.simulator, setup_kwargs)
    except RunError as err:
        print(f"pynn-glif3 run: {err}", file=sys.stderr)
        return 2
    error = None
    try:
        noise_pool = load_noise(args)
        if noise_pool is not None:
            try:    # before reading anything: the simulator may have no per-step receptor input
                backends.backend_for(sim).check_receptor_currents()
            except NotImplementedError as err:
                raise RunError(f"--background decoded: {err}") from err
        net = read_network(args.network, **network_read_options(args))
        if net.readout_ids is None:
            raise RunError(f"{args.network}: the network has no readout pools (readout/neuron_ids)")
        stim = open_stimulus(args.stimulus)
        if stim.n_lgn != net.n_inputs:
            raise RunError(f"{args.stimulus} has {stim.n_lgn} input units but {args.network} expects "
                           f"{net.n_inputs}")
        window = parse_window(args.window) if args.window else (
            tuple(int(x) for x in stim.response_window) if stim.response_window is not None else None)
        if window is None:
            raise RunError(f"{args.stimulus} has no response_window: give --window START:STOP")
        if not 0 <= window[0] < window[1] <= stim.seq_len:
            raise RunError(f"response window {window} is outside the trial's {stim.seq_len} steps")
        samples = parse_samples(args.samples, len(stim))
        per_run = trials_per_run(args, sim)
        if procs.is_root:       # the other processes of a distributed run write nothing
            _check_writable(args.out)
            _check_resume(args.out, _config(args, args.network, args.stimulus, window))
    except (RunError, FormatError) as err:
        error = f"pynn-glif3 run: {err}"
    # every process stops if any of them cannot go on (one alone stopping would leave the others
    # waiting for it); rank 0 reports
    errors = [e for e in procs.all_gather(error) if e]
    if errors:
        if procs.is_root:
            print(errors[0], file=sys.stderr)
        return 2

    options = network.BuildOptions(dt=args.dt, delays=args.delays, background=args.background,
                                   record=args.record)
    todo = None
    if procs.is_root:
        done = {i for i in samples
                if os.path.exists(os.path.join(args.out, "samples", f"sample_{i:05d}.json"))}
        todo = [i for i in samples if i not in done]
        if net.provenance.get("delay_report"):        # the training pickles' delays
            print(net.provenance["delay_report"], flush=True)
        print(f"{net.summary().splitlines()[0]}\nsimulator {args.simulator}; {len(samples)} samples"
              + (f", {len(done)} already done (resuming)" if done else "")
              + (f"; {procs.size} MPI processes" if procs.size > 1 else ""), flush=True)
        report_delays(net, options)
    todo = procs.broadcast(todo)
    progress = Progress(len(todo), args.quiet or not procs.is_root)
    try:
        with _older_objects_uncollected():
            for first in range(0, len(todo), per_run):
                batch = todo[first:first + per_run]
                # each sample is saved as soon as its trial ends; on the other ranks of a
                # distributed run this builds and runs their share and yields nothing
                for record, raster, block in run_samples(sim, setup_kwargs, net, stim, batch, args,
                                                         window, options, args.compare_reference,
                                                         noise_pool, on_simulate=progress.start):
                    with _InterruptAfter():     # a sample's files are written whole
                        _save_sample(args.out, record, raster, block)
                    progress.update(f"sample {record['sample']}: label {record['label']}, "
                                    f"predicted {record['predicted']}")
    except (KeyboardInterrupt, FormatError, OSError) as err:
        progress.close()
        if procs.is_root:
            print(_stopped_message(err, args.out, samples), file=sys.stderr)
        return 130 if isinstance(err, KeyboardInterrupt) else 2
    progress.close()
    if not procs.is_root:
        return 0
    summary = summarise(args.out, samples, net, net.n_classes, args.dt, window, plots=not args.no_plots)
    print_summary(summary)
    print(f"results in {args.out}/ (results.json, samples/, plots)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a trained V1 network on a PyNN simulator")
    add_arguments(parser)
    return run(parser.parse_args(argv))
