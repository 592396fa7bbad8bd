"""The promise, measured: the TensorFlow model and a PyNN simulator on the same input spikes.

Runs the V1 job (:mod:`pynn_glif3.jobs.v1`) on the chosen simulator, then the same samples through the
TensorFlow layer (float64 by default, the exact oracle; float32 is how the model was trained) with
the same input spikes and background, and prints one table: samples, TF accuracy, the simulator's
accuracy, predictions that differ, and spike agreement.  Without ``--network``/``--stimulus`` it
runs the package's bundled digits model (:mod:`pynn_glif3.bundled`) on its held-out samples.
"""

import argparse
from dataclasses import dataclass
import os
import sys
import time

import numpy as np

from pynn_glif3 import analysis
from pynn_glif3.jobs import v1
from pynn_glif3.jobs.v1.store import write_json

TF_BATCH = 50
TF_DTYPES = ("float64", "float32")


def add_arguments(parser):
    # without --network/--stimulus: the bundled digits model
    v1.add_arguments(parser, files_required=False, default_out=os.path.join("results", "compare"))
    parser.add_argument("--tf-dtype", choices=TF_DTYPES, default="float64",
                        help="TensorFlow precision: float64 (exact, default) or float32 (as trained)")


def tf_rasters(net, stim, samples, seed=0, background="shared", dt=1.0, tf_dtype="float64",
               progress=None):
    """{sample: (T, N) raster} of the TF layer on the V1 job's input spikes and background (the
    same draws for the same ``seed`` and ``background``)."""
    from pynn_glif3.oracles.tensorflow import TrialRunner

    runner = TrialRunner(net.neurons, net.recurrent, net.inputs, net.n_inputs,
                         None if background == "none" else net.bkg_weights, dt=dt, dtype=tf_dtype)
    out = {}
    for first in range(0, len(samples), TF_BATCH):
        batch = samples[first:first + TF_BATCH]
        inputs = [v1.sample_inputs(net, stim, i, seed, background) for i in batch]
        bkg = None if inputs[0][1] is None else np.stack([x[1] for x in inputs])
        z = runner.spikes(np.stack([x[0] for x in inputs]), bkg)
        for i, raster in zip(batch, z):
            out[i] = raster
            if progress:
                progress.update(f"sample {i}")
    return out


def comparison_table(records, tf_predicted, agreement, simulator):
    """The printed side-by-side table (a list of lines)."""
    n = len(records)
    labels = np.array([r["label"] for r in records])
    sim_pred = np.array([r["predicted"] for r in records])
    tf_pred = np.array([tf_predicted[r["sample"]] for r in records])
    identical = sum(a["first_divergent_step"] is None for a in agreement)
    spikes = np.mean([a["identical_fraction"] for a in agreement])
    rows = [("samples", f"{n}"),
            ("TF accuracy", f"{np.mean(tf_pred == labels):.1%}"),
            (f"{simulator} accuracy", f"{np.mean(sim_pred == labels):.1%}"),
            ("predictions that differ", f"{int(np.sum(tf_pred != sim_pred))}"),
            ("samples with identical spikes", f"{identical}/{n}"),
            ("spikes in common", f"{spikes:.2%}")]
    width = max(len(k) for k, _ in rows)
    return [f"{k:<{width}}  {v:>10}" for k, v in rows]


def _named_sides(agreement):
    """:func:`analysis.compare_rasters` of (simulator, TF) with its sides named: ``spikes_a`` is
    the simulator's spike count, ``spikes_b`` TF's."""
    out = dict(agreement)
    out["simulator_spikes"] = out.pop("spikes_a")
    out["tf_spikes"] = out.pop("spikes_b")
    return out


@dataclass
class Comparison:
    """The simulator's run and TensorFlow's on the same input spikes and background."""
    run: object                 # the V1 job's RunResult
    tf_dtype: str
    tf_predicted: dict          # sample -> TF's class
    agreement: list             # per sample: analysis.compare_rasters(simulator, TF)
    tf_seconds: float
    table: list                 # the printed lines

    @property
    def tf_accuracy(self):
        labels = [r["label"] for r in self.run.records]
        return float(np.mean([self.tf_predicted[r["sample"]] == lab
                              for r, lab in zip(self.run.records, labels)]))


def compare(options, tf_dtype="float64", stream=sys.stdout):
    """Run the V1 job of ``options`` (:class:`pynn_glif3.jobs.v1.RunOptions`), then TensorFlow on
    the same samples; returns a :class:`Comparison` (on rank 0; None on the other ranks of a
    distributed run) and writes ``tf_comparison.json`` beside the run's results.  Raises
    :class:`pynn_glif3.jobs.v1.RunError` for bad input."""
    if tf_dtype not in TF_DTYPES:
        raise v1.RunError(f"tf_dtype must be one of {', '.join(TF_DTYPES)}; got {tf_dtype!r}")
    if options.background == "decoded":
        raise v1.RunError("--background decoded is not compared here; use pynn-glif3 run with "
                          "--compare-reference")
    # TF runs while the run's last NIX files are written (by the writer process), then waits
    result = v1.run(options, stream, neo_files_later=True)
    if result is None:
        return None
    try:
        comparison = _compare_with_tf(result, options, tf_dtype, stream)
    finally:
        result.wait_for_neo_files()
    return comparison


def _compare_with_tf(result, options, tf_dtype, stream):
    """TensorFlow on the samples of the V1 job's ``result``: its :class:`Comparison`."""
    from pynn_glif3.io import FormatError
    from pynn_glif3.io.stimulus_h5 import open_stimulus

    net, records, window = result.network, result.records, result.window
    samples = [r["sample"] for r in records]
    if stream is not None:
        print(f"\nTensorFlow ({tf_dtype}) on the same input spikes and background", file=stream,
              flush=True)
    start = time.perf_counter()
    try:
        with open_stimulus(options.stimulus) as stim:
            progress = v1.Progress(len(samples), not options.progress)
            progress.start()           # TF advances a batch at a time: its clock starts now
            rasters = tf_rasters(net, stim, samples, options.seed, options.background, options.dt,
                                 tf_dtype, progress)
            progress.close()
    except FormatError as err:
        raise v1.RunError(str(err)) from err
    tf_seconds = time.perf_counter() - start
    tf_predicted, agreement = {}, []
    for r in records:
        raster = rasters[r["sample"]]
        tf_predicted[r["sample"]] = analysis.readout_decision(raster, net.readout_ids, window)
        agreement.append(analysis.compare_rasters(result.raster(r["sample"]), raster))
    lines = comparison_table(records, tf_predicted, agreement, options.simulator)
    write_json(os.path.join(options.out, "tf_comparison.json"), dict(
        tf_dtype=tf_dtype, simulator=options.simulator, tf_seconds=tf_seconds, table=lines,
        sides=dict(simulator=f"{options.simulator} (PyNN simulator)",
                   tf=f"TensorFlow {tf_dtype} (the training model's layer)"),
        per_sample=[dict(sample=r["sample"], label=r["label"], simulator_predicted=r["predicted"],
                         tf_predicted=tf_predicted[r["sample"]], **_named_sides(a))
                    for r, a in zip(records, agreement)]))
    return Comparison(result, tf_dtype, tf_predicted, agreement, tf_seconds, lines)


def run_command(args):
    """``pynn-glif3 compare`` on parsed ``args``: the bundled model unless files are given; prints
    the run's summary and the table; returns the exit status."""
    if not args.network or not args.stimulus:
        from pynn_glif3 import bundled
        args.network = args.network or bundled.network_path()
        args.stimulus = args.stimulus or bundled.stimulus_path()
    try:
        result = compare(v1.options_from_args(args), args.tf_dtype)
    except v1.RunError as err:
        if getattr(err, "report", True):
            print(f"\npynn-glif3 compare: {err}", file=sys.stderr)
        return 130 if isinstance(err, v1.RunInterrupted) else 2
    if result is None:
        return 0
    v1.print_summary(result.run.summary)
    window, options = result.run.window, result.run.options
    print(f"\nTF {result.tf_dtype} vs {options.simulator}, response window {window[0]}:{window[1]}")
    print("\n".join(result.table))
    print(f"comparison in {os.path.join(options.out, 'tf_comparison.json')}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="The TensorFlow model and a simulator on the same "
                                                 "input spikes")
    add_arguments(parser)
    return run_command(parser.parse_args(argv))
