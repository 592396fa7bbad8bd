"""Accuracy tables: one converted ANN per normalisation and encoding, evaluated on a test set.

Shared by ``pynn-glif3 convert``, examples/convert_digits.py and benchmarks/bench_convert.py.
"""

from dataclasses import replace
import sys
import time

import numpy as np

from pynn_glif3.jobs.convert import convert
from pynn_glif3.jobs.convert.layers import forward, layers_from_keras
from pynn_glif3.jobs.convert.neurons import SpikingSettings

COLUMNS = ("model", "reset", "encoding", "normalisation", "presentation_ms", "ann_accuracy",
           "snn_accuracy", "silent", "convert_s", "build_s", "run_s")


def accuracy_rows(name, model, x_train, x_test, y_test, sim, normalisations, presentation_ms,
                  encodings=("poisson",), settings=None, batch_size=500, setup_options=None,
                  progress=True, resets=None):
    """One row (a dict of :data:`COLUMNS`) per model, reset, encoding, normalisation and
    presentation.  ``resets`` (default: ``settings.reset``) lists the neurons' reset modes.

    ``ann_accuracy`` is the converted layers' analog accuracy, which equals the Keras model's.
    """
    settings = settings or SpikingSettings()
    analog = forward(layers_from_keras(model), x_test)[-1]
    ann_accuracy = float(np.mean(np.argmax(analog, axis=1) == y_test))
    rows = []
    for reset in resets or [settings.reset]:
        for encoding in encodings:
            for method in normalisations:
                if progress:
                    print(f"{name}: reset {reset}, {encoding} input, {method} normalisation",
                          file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                snn = convert(model, method, data=x_train, sim=sim,
                              settings=replace(settings, reset=reset), encoding=encoding,
                              setup_options=setup_options)
                convert_s = time.perf_counter() - t0
                result = snn.classify(sim, x_test, presentation_ms, labels=y_test,
                                      batch_size=batch_size, setup_options=setup_options)
                for i, stop in enumerate(result.presentation_ms):
                    rows.append(dict(model=name, reset=reset, encoding=encoding,
                                     normalisation=method, presentation_ms=stop,
                                     ann_accuracy=ann_accuracy,
                                     snn_accuracy=float(result.accuracy[i]),
                                     silent=float(result.silent[i]), convert_s=convert_s,
                                     build_s=result.build_s, run_s=float(result.run_s[i])))
    return rows


def markdown_table(rows):
    """The rows as a Markdown table (accuracies in %, times in s)."""
    lines = ["| ANN | reset | input | normalisation | presentation (ms) | ANN acc. (%) "
             "| SNN acc. (%) | silent (%) | convert (s) | build (s) | run (s) |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['reset']} | {r['encoding']} | {r['normalisation']} | "
                     f"{r['presentation_ms']:g} | {100 * r['ann_accuracy']:.1f} | "
                     f"{100 * r['snn_accuracy']:.1f} | {100 * r['silent']:.1f} | "
                     f"{r['convert_s']:.1f} | {r['build_s']:.1f} | {r['run_s']:.1f} |")
    return "\n".join(lines)


def best_rows(rows):
    """Per ANN and reset, the row with the best SNN accuracy (the shorter presentation among
    equals)."""
    best = {}
    for r in rows:
        key = (r["model"], r["reset"])
        if key not in best or (r["snn_accuracy"], -r["presentation_ms"]) > \
                (best[key]["snn_accuracy"], -best[key]["presentation_ms"]):
            best[key] = r
    return list(best.values())
