"""The promise, measured: the TensorFlow model and a PyNN simulator on the same input spikes.

Runs the V1 job (:mod:`pynn_glif3.jobs.v1`) on the chosen simulator, then the same samples through the
TensorFlow layer (float64 by default, the exact oracle; float32 is how the model was trained) with
the same input spikes and background, and prints one table: samples, TF accuracy, the simulator's
accuracy, predictions that differ, and spike agreement.  Without ``--network``/``--stimulus`` it
runs the package's bundled digits model (:mod:`pynn_glif3.bundled`) on its held-out samples.
"""

import json
import os
import sys
import time

import numpy as np

from pynn_glif3 import analysis
from pynn_glif3.jobs import v1

TF_BATCH = 50


def add_arguments(parser):
    # without --network/--stimulus: the bundled digits model
    v1.add_arguments(parser, files_required=False, default_out=os.path.join("results", "compare"))
    parser.add_argument("--tf-dtype", choices=("float64", "float32"), default="float64",
                        help="TensorFlow precision: float64 (exact, default) or float32 (as trained)")


def tf_rasters(net, stim, samples, args, progress=None):
    """{sample: (T, N) raster} of the TF layer on the V1 job's input spikes and background."""
    from pynn_glif3.oracles.tensorflow import TrialRunner

    runner = TrialRunner(net.neurons, net.recurrent, net.inputs, net.n_inputs,
                         None if args.background == "none" else net.bkg_weights, dt=args.dt,
                         dtype=args.tf_dtype)
    out = {}
    for first in range(0, len(samples), TF_BATCH):
        batch = samples[first:first + TF_BATCH]
        inputs = [v1.sample_inputs(net, stim, i, args) for i in batch]
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


def run(args):
    """The comparison for parsed ``args``; returns an exit status."""
    from pynn_glif3.io import FormatError, read_network
    from pynn_glif3.io.stimulus_h5 import open_stimulus

    if not args.network or not args.stimulus:
        from pynn_glif3 import bundled
        args.network = args.network or bundled.network_path()
        args.stimulus = args.stimulus or bundled.stimulus_path()
    if args.background == "decoded":
        print("pynn-glif3 compare: --background decoded is not compared here; use pynn-glif3 run "
              "with --compare-reference", file=sys.stderr)
        return 2
    status = v1.run(args)
    if status:
        return status
    net = read_network(args.network, **v1.network_read_options(args))
    with open(os.path.join(args.out, "results.json")) as f:
        results = json.load(f)
    records = results["per_sample"]
    samples = [r["sample"] for r in records]
    window = tuple(results["window"])
    print(f"\nTensorFlow ({args.tf_dtype}) on the same input spikes and background", flush=True)
    start = time.perf_counter()
    try:
        with open_stimulus(args.stimulus) as stim:
            progress = v1.Progress(len(samples), args.quiet)
            progress.start()           # TF advances a batch at a time: its clock starts now
            rasters = tf_rasters(net, stim, samples, args, progress)
            progress.close()
    except FormatError as err:
        print(f"pynn-glif3 compare: {err}", file=sys.stderr)
        return 2
    tf_seconds = time.perf_counter() - start
    tf_predicted, agreement = {}, []
    for r in records:
        raster = rasters[r["sample"]]
        tf_predicted[r["sample"]] = analysis.readout_decision(raster, net.readout_ids, window)
        agreement.append(analysis.compare_rasters(v1.load_raster(args.out, r["sample"]), raster))
    lines = comparison_table(records, tf_predicted, agreement, args.simulator)
    print(f"\nTF {args.tf_dtype} vs {args.simulator}, response window {window[0]}:{window[1]}")
    print("\n".join(lines))
    v1._atomic_json(os.path.join(args.out, "tf_comparison.json"), dict(
        tf_dtype=args.tf_dtype, simulator=args.simulator, tf_seconds=tf_seconds, table=lines,
        sides=dict(simulator=f"{args.simulator} (PyNN simulator)",
                   tf=f"TensorFlow {args.tf_dtype} (the training model's layer)"),
        per_sample=[dict(sample=r["sample"], label=r["label"], simulator_predicted=r["predicted"],
                         tf_predicted=tf_predicted[r["sample"]], **_named_sides(a))
                    for r, a in zip(records, agreement)]))
    print(f"comparison in {os.path.join(args.out, 'tf_comparison.json')}")
    return 0
