"""The V1 job's summary over the finished samples: accuracy, confusion, rates, agreement, plots."""

import os
import sys

import numpy as np

from pynn_glif3 import builder
from pynn_glif3.jobs.v1.store import load_raster, load_record, write_json


def summarise(out, samples, net, dt, window, plots=True):
    """Accuracy, confusion matrix and rates per population over the finished ``samples``; writes
    ``results.json`` (and the figures); returns (summary dict, per-sample records)."""
    n_classes = net.n_classes
    records = [load_record(out, i) for i in samples]
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    for r in records:
        if 0 <= r["label"] < n_classes:
            confusion[r["label"], r["predicted"]] += 1
    correct = sum(r["label"] == r["predicted"] for r in records)
    pops = net.populations() or {"all": np.arange(net.n_neurons)}
    totals = {name: 0.0 for name in pops}
    for r in records:
        raster = load_raster(out, r["sample"])
        per_neuron = raster.sum(axis=0)
        for name, idx in pops.items():
            totals[name] += per_neuron[idx].mean() * 1000.0 / (raster.shape[0] * dt)
    rates = {name: v / max(len(records), 1) for name, v in totals.items()}
    summary = dict(samples=len(records), correct=int(correct),
                   accuracy=correct / max(len(records), 1), confusion=confusion.tolist(),
                   population_rates_hz=rates, window=list(window))
    with_reference = [r for r in records if "reference" in r]
    if with_reference:
        ref = [r["reference"] for r in with_reference]
        summary["reference"] = dict(
            identical_spike_fraction=float(np.mean([c["identical_fraction"] for c in ref])),
            samples_with_identical_spikes=int(sum(c["first_divergent_step"] is None for c in ref)),
            same_prediction=int(sum(c["reference_predicted"] == r["predicted"]
                                    for c, r in zip(ref, with_reference))))
    write_json(os.path.join(out, "results.json"), dict(summary, per_sample=records))
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
    return summary, records


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


def report_delays(net, build_options, stream=sys.stdout):
    """Print how the delay policy changes the file's recurrent delays; warn on stderr when it
    changes most of them (delays in another unit than ms, or a file of another model)."""
    rec = net.recurrent
    if rec is None or not rec.n:
        return None
    _, report = builder.simulator_delays(rec.delay, build_options)
    if stream is not None:
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
