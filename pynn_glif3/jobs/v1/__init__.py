"""The V1 job: run a trained network on a PyNN simulator, sample by sample, and report.

    from pynn_glif3.jobs.v1 import RunOptions, run
    result = run(RunOptions(network="ckpt.h5", stimulus="mnist24.h5", samples="0:24"))
    result.accuracy, result.records, result.raster(0)

For each stimulus sample the network is built on the simulator and run (several samples share a
simulation where the simulator's backend runs many trials in one run), the class is read from the
readout pools in the response window, and the sample's results (JSON, its spikes, a neo file) are
saved as soon as its trial ends (the neo files by a writer process beside the simulation).  A
rerun with the same settings skips the samples that are done, so an interrupted run resumes where
it stopped.  At the end: accuracy, confusion matrix, firing
rate per population, and plots.

The same code runs on every simulator: the simulator is a name (``options.simulator``), and its
backend absorbs the differences.  On a simulator built with MPI it also runs under ``mpirun -np
N``: every process builds its share of each trial, the recorded spikes are gathered onto rank 0,
and only rank 0 decides, prints and writes, so the output is the same as with one process (see
docs/mpi.md).  ``pynn-glif3 run`` is :func:`main`.

Modules: :mod:`.options` (the typed options and the command line), :mod:`.simulate` (inputs,
simulations, per-sample records), :mod:`.store` (the output directory), :mod:`.summary`.
"""

import argparse
from dataclasses import dataclass, field
import functools
import sys

from pynn_glif3 import backends, builder
from pynn_glif3.jobs.parallel import Processes
from pynn_glif3.model.timing import START_STEP, StepTiming
from pynn_glif3.jobs.v1.options import (RunError, RunOptions, add_arguments, options_from_args,
                                        parse_samples)
from pynn_glif3.jobs.v1.simulate import (InterruptAfter, Progress, load_noise, run_samples,
                                         sample_inputs, trials_per_run)
from pynn_glif3.jobs.v1.store import (SampleWriter, check_resume, check_writable,
                                      complete_neo_files, is_done, load_block, load_raster,
                                      older_objects_uncollected, run_config, sample_block,
                                      spike_arrays_of, spiketrains_of)
from pynn_glif3.jobs.v1.summary import print_summary, report_delays, summarise

__all__ = ["RunError", "RunInterrupted", "RunOptions", "RunResult", "Progress", "add_arguments",
           "load_block", "load_raster", "main", "options_from_args", "print_summary", "run",
           "run_command", "sample_block", "sample_inputs", "spike_arrays_of", "spiketrains_of"]


class RunInterrupted(RunError):
    """The run was interrupted (Ctrl-C); the message says what is saved and how to continue."""


@dataclass
class RunResult:
    """What a run returns (on rank 0 of a distributed run; the other ranks get None)."""
    options: RunOptions
    network: object             # the V1Network that was run
    samples: list               # the sample indices of the run (including those done before)
    window: tuple               # the response window (steps)
    summary: dict               # accuracy, confusion, population rates, reference agreement
    records: list               # one dict per sample: label, predicted, readout counts, ...
    # waits for the NIX files still being written (run(..., neo_files_later=True))
    finish_neo_files: object = field(default=None, repr=False)

    def wait_for_neo_files(self):
        """Wait until every sample has its NIX file (written beside the simulation, or from the
        sample's arrays if the writer could not); raises RunError if they cannot be written."""
        finish, self.finish_neo_files = self.finish_neo_files, None
        if finish is not None:
            finish()

    @property
    def accuracy(self):
        return self.summary["accuracy"]

    def raster(self, sample):
        """The (n_steps, N) step raster of ``sample``."""
        return load_raster(self.options.out, sample)

    def block(self, sample):
        """The neo Block of ``sample`` (read from its NIX file)."""
        self.wait_for_neo_files()
        return load_block(self.options.out, sample)


def run(options, stream=sys.stdout, neo_files_later=False):
    """Run the job of ``options`` (:class:`RunOptions`); returns a :class:`RunResult`.

    Bad files or options raise :class:`RunError` before anything is simulated; an interruption
    raises :class:`RunInterrupted` once what was simulated is saved.  ``stream`` receives what a
    user follows (the network, resumed samples, the delay report; None: nothing); the progress bar
    goes to stderr unless ``options.progress`` is false.  ``neo_files_later``: return while the
    last NIX files may still be being written; the caller then calls
    :meth:`RunResult.wait_for_neo_files`.
    """
    try:
        result = _run(options, stream)
        if result is not None and not neo_files_later:
            result.wait_for_neo_files()
        return result
    except KeyboardInterrupt:       # outside the simulations (reading, summing up)
        raise RunInterrupted(f"interrupted; the samples saved in {options.out} are kept. Rerunning "
                             f"the same command continues with the samples left.") from None


def _say(stream, text):
    if stream is not None:
        print(text, file=stream, flush=True)


def _probe(sim, name, setup_kwargs):
    """Set the simulator up once before reading any file, so that a missing piece stops the run
    at once, with the simulator's own explanation.  Returns the processes it runs on."""
    try:
        sim.setup(**setup_kwargs)
        procs = Processes.of(sim)
        sim.end()
    except ImportError as err:
        raise RunError(f"simulator {name!r} cannot run here: {err}") from err
    return procs


def _prepare(options, sim, procs):
    """Read and check everything before simulating: (net, stim, noise pool, window, samples,
    samples per run).  Raises RunError or FormatError."""
    from pynn_glif3.io import read_network
    from pynn_glif3.io.stimulus_h5 import open_stimulus

    noise_pool = load_noise(options)
    if noise_pool is not None:
        try:    # before reading anything: the simulator may have no per-step receptor input
            backends.backend_for(sim).check_receptor_currents()
        except NotImplementedError as err:
            raise RunError(f"--background decoded: {err}") from err
    net = read_network(options.network, **options.network_read_options())
    if net.readout_ids is None:
        raise RunError(f"{options.network}: the network has no readout pools (readout/neuron_ids)")
    stim = open_stimulus(options.stimulus)
    if stim.n_lgn != net.n_inputs:
        raise RunError(f"{options.stimulus} has {stim.n_lgn} input units but {options.network} "
                       f"expects {net.n_inputs}")
    window = options.window or (tuple(int(x) for x in stim.response_window)
                                if stim.response_window is not None else None)
    if window is None:
        raise RunError(f"{options.stimulus} has no response_window: give --window START:STOP")
    window = tuple(int(x) for x in window)
    if not 0 <= window[0] < window[1] <= stim.seq_len:
        raise RunError(f"response window {window} is outside the trial's {stim.seq_len} steps")
    samples = parse_samples(options.samples, len(stim))
    per_run = trials_per_run(options, sim)
    if procs.is_root:       # the other processes of a distributed run write nothing
        check_writable(options.out)
        check_resume(options.out, run_config(options, window))
    return net, stim, noise_pool, window, samples, per_run


def _run(options, stream):
    from pynn_glif3.io import FormatError

    try:
        sim = backends.import_simulator(options.simulator)
    except backends.SimulatorUnavailable as err:
        raise RunError(str(err)) from err
    procs = _probe(sim, options.simulator, options.setup_kwargs())
    error, prepared = None, None
    try:
        prepared = _prepare(options, sim, procs)
    except (RunError, FormatError) as err:
        error = str(err)
    # every process stops if any of them cannot go on (one alone stopping would leave the others
    # waiting for it)
    errors = [e for e in procs.all_gather(error) if e]
    if errors:
        raise _on(procs, RunError(errors[0]))
    net, stim, noise_pool, window, samples, per_run = prepared

    build_options = builder.BuildOptions(dt=options.dt, delays=options.delays,
                                         background=options.background, record=options.record)
    todo = None
    if procs.is_root:
        done = [i for i in samples if is_done(options.out, i)]
        todo = [i for i in samples if not is_done(options.out, i)]
        if net.provenance.get("delay_report"):        # the training pickles' delays
            _say(stream, net.provenance["delay_report"])
        _say(stream, f"{net.summary().splitlines()[0]}\nsimulator {options.simulator}; "
                     f"{len(samples)} samples"
                     + (f", {len(done)} already done (resuming)" if done else "")
                     + (f"; {procs.size} MPI processes" if procs.size > 1 else ""))
        report_delays(net, build_options, stream)
    todo = procs.broadcast(todo)
    progress = Progress(len(todo), not options.progress or not procs.is_root)
    # the NIX files in a writer process, except under MPI (no process is started from a rank)
    writer = SampleWriter(options.out, background=procs.size == 1 and bool(todo))
    try:
        with older_objects_uncollected():
            for first in range(0, len(todo), per_run):
                batch = todo[first:first + per_run]
                # each sample is saved as soon as its trial ends; on the other ranks of a
                # distributed run this builds and runs their share and yields nothing
                for record, raster, neo_data in run_samples(sim, net, stim, batch, options, window,
                                                            build_options, noise_pool,
                                                            on_simulate=progress.start):
                    with InterruptAfter():     # a sample's files are written whole
                        writer.save(record, raster, **neo_data)
                    progress.update(f"sample {record['sample']}: label {record['label']}, "
                                    f"predicted {record['predicted']}")
    except (KeyboardInterrupt, FormatError, OSError) as err:
        progress.close()
        writer.close()          # the NIX files of the samples saved so far
        raise _on(procs, _stopped(err, options.out, samples)) from None
    except BaseException:
        writer.close()
        raise
    progress.close()
    if not procs.is_root:
        return None
    finish = functools.partial(
        _finish_neo_files, writer, options.out, samples,
        StepTiming(dt=options.dt).run_time(stim.seq_len), builder.recorded_ids(net, build_options),
        net.n_neurons, options.dt, simulator=options.simulator)
    try:        # while the writer writes the last NIX files
        summary, records = summarise(options.out, samples, net, options.dt, window,
                                     plots=options.plots)
    except BaseException:
        writer.close()
        raise
    return RunResult(options, net, samples, window, summary, records, finish)


def _finish_neo_files(writer, out, samples, t_stop_ms, recorded_ids, n_neurons, dt, **annotations):
    """Wait for the writer, then write the NIX files of the done samples that have none (the
    writer failed, or an earlier run was stopped before its writer got to them) from their
    arrays."""
    failure = writer.close()
    if failure is not None:
        print(f"warning: {failure}; the NIX files it did not write are written from the samples' "
              f"arrays", file=sys.stderr)
    try:
        complete_neo_files(out, samples, t_stop_ms, recorded_ids, n_neurons, dt, START_STEP,
                           **annotations)
    except OSError as err:
        raise RunError(f"cannot write the NIX files ({err}); every sample's spikes and record are "
                       f"saved in {out}, and a rerun writes the NIX files that are missing") from err


def _on(procs, err):
    """``err``, to be reported by rank 0 only."""
    err.report = procs.is_root
    return err


def _stopped(err, out, samples):
    """The error that tells the user what stopped the run before its end, and what is kept."""
    done = sum(is_done(out, i) for i in samples)
    kept = f"{done} of {len(samples)} samples are saved in {out}"
    if isinstance(err, KeyboardInterrupt):
        return RunInterrupted(f"interrupted; {kept}. Rerunning the same command continues with the "
                              f"samples left.")
    if isinstance(err, OSError):
        return RunError(f"cannot write the results ({err}); {kept}.")
    return RunError(f"{err}\n{kept}; a rerun continues from there (leave the sample out with "
                    f"--samples).")


def run_command(args, command="run"):
    """``pynn-glif3 run`` on parsed ``args``: run, print the summary; returns the exit status
    (2 for bad input, 130 after Ctrl-C)."""
    try:
        result = run(options_from_args(args))
    except RunError as err:
        if getattr(err, "report", True):
            print(f"\npynn-glif3 {command}: {err}", file=sys.stderr)
        return 130 if isinstance(err, RunInterrupted) else 2
    if result is not None:
        print_summary(result.summary)
        print(f"results in {result.options.out}/ (results.json, samples/, plots)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a trained V1 network on a PyNN simulator")
    add_arguments(parser)
    return run_command(parser.parse_args(argv))
