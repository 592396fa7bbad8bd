"""The V1 job's output directory: the run's settings and fingerprints, and each sample's files.

``run.json`` records the settings and SHA-256 fingerprints of the input files, so that a rerun
continues only the same run.  Each finished sample has ``samples/sample_NNNNN_spikes.npz`` (its
spikes as arrays), ``sample_NNNNN.json`` (its record, written after the arrays; its presence marks
the sample as done) and ``sample_NNNNN.nix`` (its neo Block in NIX, made from the same arrays);
every file appears whole or not at all.

neo's NIX writer costs about 25 ms per Block whatever it holds, several times a small network's
simulation of a sample, so :class:`SampleWriter` writes the NIX files in a process of its own while
the simulation goes on; a done sample whose NIX file a stopped run did not write gets it from its
arrays when the run continues or ends (:func:`complete_neo_files`).
"""

import contextlib
import gc
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time

import numpy as np

from pynn_glif3.jobs.v1.options import RunError

RESULTS_FORMAT = 1
#: run.json keys holding the content fingerprints of the input files, and what they are
FINGERPRINTS = {"network_sha256": "network", "stimulus_sha256": "stimulus",
                "noise_pool_sha256": "noise pool"}
#: name of the one SpikeTrain of a sample's neo Segment that holds the spikes of all neurons
SPIKES_TRAIN = "spikes of all recorded neurons"


def write_json(path, data):
    """Write ``data`` as JSON to ``path`` whole or not at all."""
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


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


def run_config(options, window):
    """The settings recorded in run.json, with the content fingerprints of the input files, so that
    a rerun resumes only on the same network, stimulus and noise."""
    decoded = options.background == "decoded"
    try:
        fingerprints = dict(network_sha256=content_fingerprint(options.network),
                            stimulus_sha256=content_fingerprint(options.stimulus),
                            noise_pool_sha256=content_fingerprint(options.noise_pool) if decoded else None)
    except OSError as err:
        raise RunError(f"cannot read {err.filename}: {err.strerror}") from err
    return dict(format=RESULTS_FORMAT, simulator=options.simulator,
                network=os.path.abspath(options.network), stimulus=os.path.abspath(options.stimulus),
                seed=options.seed, dt=options.dt, window=list(window), delays=options.delays,
                background=options.background, record=options.record,
                noise_pool=os.path.abspath(options.noise_pool) if decoded else None,
                noise_scale=list(options.noise_scale) if decoded else None, **fingerprints)


def check_resume(out, config, write=True):
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
        write_json(path, config)


def check_writable(out):
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


def sample_path(out, sample, suffix):
    return os.path.join(out, "samples", f"sample_{sample:05d}{suffix}")


def is_done(out, sample):
    return os.path.exists(sample_path(out, sample, ".json"))


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


def save_sample(out, record, raster, block):
    """The sample's step raster (.npz) and record (.json), then its neo Block (NIX, .nix)."""
    save_arrays(out, record, raster)
    write_nix(sample_path(out, record["sample"], ".nix"), block)


def save_arrays(out, record, raster):
    """The sample's step raster (.npz), then its record (.json), which marks it as done."""
    i = record["sample"]
    steps, neurons = np.nonzero(raster)
    tmp = sample_path(out, i, "_spikes.tmp.npz")
    np.savez_compressed(tmp, steps=steps.astype(np.int32), neurons=neurons.astype(np.int32),
                        shape=np.array(raster.shape))
    os.replace(tmp, sample_path(out, i, "_spikes.npz"))
    write_json(sample_path(out, i, ".json"), record)


def write_nix(path, block):
    """``block`` as a NIX file at ``path``, whole or not at all."""
    from neo.io import NixIO

    tmp = path[:-len(".nix")] + ".tmp.nix"
    if os.path.exists(tmp):
        os.remove(tmp)
    with NixIO(tmp, mode="ow") as io:
        io.write_block(block)
    os.replace(tmp, path)


def _block_of(args, signals, annotations):
    """The neo Block of a sample from what :meth:`SampleWriter.save` was given."""
    block = sample_block(*args, **annotations)
    block.segments[0].analogsignals.extend(signals)
    return block


#: seconds the writer process may take over one NIX file before the run gives up waiting for it
WRITER_TIMEOUT = 300.0


def nix_writer_main(argv=None):
    """The writer process's entry point: ``argv`` holds the descriptors of the pipes' ends it was
    given (reading jobs, sending reports) and the run's process id."""
    from multiprocessing.connection import Connection

    jobs_fd, reports_fd, parent_pid = (int(a) for a in (sys.argv[1:] if argv is None else argv))
    _nix_writer(Connection(jobs_fd, writable=False), Connection(reports_fd, readable=False),
                parent_pid)


def _nix_writer(jobs, reports, parent_pid):
    """The writer process: writes the NIX file of each (path, block arguments) it reads from
    ``jobs``, then reports it (None) on ``reports``; a failure is reported as a message, and ends
    it.  ``jobs`` is the only end of its pipe this process holds, so when the run's process closes
    the other end or ends in any way (killed too), reading it gives EOFError and this returns; it
    also returns when its parent changes (the run's process is gone)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C stops the run, which then waits here
    while os.getppid() == parent_pid:
        try:
            if not jobs.poll(1.0):
                continue
            path, args, signals, annotations = jobs.recv()
        except (EOFError, OSError):     # closed, or ended in the middle of a job
            return
        try:
            write_nix(path, _block_of(args, signals, annotations))
            message = None
        except Exception as err:  # noqa: BLE001 - reported to the run, which writes it again
            message = f"{path}: {type(err).__name__}: {err}"
        try:
            reports.send(message)
        except OSError:                 # the run's process is gone
            return
        if message is not None:
            return


class SampleWriter:
    """Saves each finished sample: its arrays and record at once (the record marks it as done),
    its NIX file in a writer process while the simulation goes on.

    The writer process holds only the reading end of a one-way pipe whose writing end only this
    process holds: when this process closes it, or ends in any way, the writer reads EOF and ends
    too (after the file in hand).  A thread of this process feeds the pipe, so that a slow writer
    never holds the simulation up.  :meth:`close` (or leaving a ``with`` block) waits for the
    writer and returns its failure, if any; the NIX files it did not write are made from the
    samples' arrays by :func:`complete_neo_files`.  ``background=False``: everything in this
    process.
    """

    def __init__(self, out, background=True):
        self.out, self.failure, self.pending = out, None, 0
        self._process = None
        if background:
            self._start()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def _start(self):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        jobs, self._pipe = context.Pipe(duplex=False)
        self._reports, reports = context.Pipe(duplex=False)
        # a fresh interpreter (no copy of the simulator's state), given only its two ends; started
        # on the writer's function, not as a multiprocessing Process, which would first run the
        # script that started the run again (a script without a __main__ guard: the whole run)
        package_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [package_dir, *filter(None, [os.environ.get("PYTHONPATH")])]))
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from pynn_glif3.jobs.v1.store import nix_writer_main; "
                 "nix_writer_main()", str(jobs.fileno()), str(reports.fileno()), str(os.getpid())],
                pass_fds=(jobs.fileno(), reports.fileno()), stdin=subprocess.DEVNULL, env=env)
        except OSError:         # no process to be had: the NIX files are written here
            self._pipe.close()
            self._reports.close()
            return
        finally:
            jobs.close()        # the writer's ends: this process keeps only the other two
            reports.close()
        self._jobs = queue.Queue()
        self._feeder = threading.Thread(target=self._feed, name="NIX writer feed", daemon=True)
        self._feeder.start()

    def _feed(self):
        try:
            while (job := self._jobs.get()) is not None:
                self._pipe.send(job)
        except OSError:         # the writer is gone; its report or exit code says why
            pass
        finally:
            self._pipe.close()

    def save(self, record, raster, neurons, times_ms, t_stop_ms, recorded_ids, n_neurons,
             signals=(), **annotations):
        """Save one sample; its neo Block is made from the arrays (:func:`sample_block`), with
        the recorded ``signals`` (neo AnalogSignals) if any."""
        save_arrays(self.out, record, raster)
        path = sample_path(self.out, record["sample"], ".nix")
        args = (np.asarray(neurons), np.asarray(times_ms), t_stop_ms, np.asarray(recorded_ids),
                n_neurons)
        if self._process is None:
            write_nix(path, _block_of(args, list(signals), annotations))
            return
        self._read_reports()
        if self.failure is None:
            self._jobs.put((path, args, list(signals), annotations))
            self.pending += 1

    def _read_reports(self, timeout=0.0):
        """Read what the writer reported (waiting up to ``timeout`` s for it); True if any."""
        got = False
        try:
            while self._reports.poll(timeout):
                message = self._reports.recv()
                got, timeout = True, 0.0
                if message is None:
                    self.pending -= 1
                else:
                    self.failure = message
        except (EOFError, OSError):
            pass
        return got

    def close(self):
        """Let the writer write what it was given and wait for it; returns its failure (a
        message) or None.  Gives up on a writer that writes no file for :data:`WRITER_TIMEOUT`
        seconds."""
        if self._process is None:
            return self.failure
        process, self._process = self._process, None
        self._jobs.put(None)            # the feeder closes the pipe: the writer ends once done
        try:
            last = time.monotonic()
            while process.poll() is None:
                if self._read_reports(timeout=0.5):
                    last = time.monotonic()
                elif time.monotonic() - last > WRITER_TIMEOUT:
                    self.failure = (f"the NIX writer process wrote no file for {WRITER_TIMEOUT:.0f} s "
                                    f"({self.pending} to go)")
                    break
        finally:
            if process.poll() is None:  # given up on, or a second Ctrl-C while waiting
                process.terminate()
            process.wait()
        self._read_reports()
        self._feeder.join()
        self._reports.close()
        if self.failure is None and process.returncode != 0:
            self.failure = f"the NIX writer process ended with exit code {process.returncode}"
        return self.failure


def complete_neo_files(out, samples, t_stop_ms, recorded_ids, n_neurons, dt, start_step,
                       **annotations):
    """Write the NIX file of every done sample of ``samples`` that lacks one (its writer failed,
    or a run stopped before it got to it), from the sample's arrays: the spike of raster row m is
    at ``(start_step + m + 1) dt`` ms, as a single trial stamps it.  Returns how many."""
    written = 0
    for i in samples:
        path = sample_path(out, i, ".nix")
        if not is_done(out, i) or os.path.exists(path):
            continue
        record = load_record(out, i)
        data = np.load(sample_path(out, i, "_spikes.npz"))
        times = (start_step + data["steps"].astype(np.int64) + 1) * dt
        write_nix(path, sample_block(data["neurons"], times, t_stop_ms, recorded_ids, n_neurons,
                                     sample=i, label=record["label"], predicted=record["predicted"],
                                     **annotations))
        written += 1
    return written


def load_record(out, sample):
    with open(sample_path(out, sample, ".json")) as f:
        return json.load(f)


def load_block(out, sample):
    """The neo Block of a finished sample, read back from its NIX file."""
    from neo.io import NixIO

    with NixIO(sample_path(out, sample, ".nix"), mode="ro") as io:
        return io.read_block()


def load_raster(out, sample):
    """The (n_steps, N) step raster of a finished sample."""
    data = np.load(sample_path(out, sample, "_spikes.npz"))
    raster = np.zeros(tuple(data["shape"]), dtype=bool)
    raster[data["steps"], data["neurons"]] = True
    return raster


@contextlib.contextmanager
def older_objects_uncollected():
    """Leave the objects alive now (modules, the network) out of garbage collections until the
    end of the block.  Closing a NIX file runs a full collection, whose cost grows with every
    object alive: 0.05-0.2 s per sample file with a simulator, PyNN and TensorFlow loaded, 0.01 s
    without the older objects.  Objects made inside the block are collected as usual."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
