"""The V1 job's output directory: the run's settings and fingerprints, and each sample's files.

``run.json`` records the settings and SHA-256 fingerprints of the input files, so that a rerun
continues only the same run.  Each finished sample has ``samples/sample_NNNNN_spikes.npz`` (its
step raster as arrays), ``sample_NNNNN.nix`` (its neo Block in NIX) and, written last,
``sample_NNNNN.json`` (its record): the record's presence marks the sample as done, and every file
appears whole or not at all.
"""

import contextlib
import gc
import hashlib
import json
import os

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
    """The sample's step raster (.npz), its neo Block (NIX, .nix), then its record (.json)."""
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
    write_json(sample_path(out, i, ".json"), record)


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
