"""Keras ANNs converted to spiking networks on NEST: accuracy and run time on the digits test set.

Trains the example's Dense and convolutional ANNs on scikit-learn's digits (fixed split), converts
each with every normalisation, input encoding and reset mode, and classifies the held-out images for
several presentation times (one NEST run per batch gives all of them).  Then compares ways of
presenting many images: one simulation per image against batches of side-by-side copies (time per
image, as a ratio against one image per simulation, in this process).

    python benchmarks/bench_convert.py [--quick] [--ann conv] [--reset subtract] [--json FILE]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import parser, print_table, write_json  # noqa: E402

import pyNN.nest as sim  # noqa: E402

from pynn_glif3.jobs.convert import RESETS, convert  # noqa: E402
from pynn_glif3.jobs.convert.digits_task import ARCHITECTURES, load_split, train_ann  # noqa: E402
from pynn_glif3.jobs.convert.report import accuracy_rows, best_rows, markdown_table  # noqa: E402

PRESENTATIONS_MS = [25.0, 50.0, 100.0, 200.0, 350.0]


def strategies(model, x_train, x_test, n_images, reset):
    """Seconds per image for one image per simulation and for batches of copies."""
    snn = convert(model, "data", data=x_train, reset=reset)
    rows, base = [], None
    for batch in (1, 20, n_images):
        count = min(n_images, 20) if batch == 1 else n_images    # one per run is slow: fewer
        t0 = time.perf_counter()
        snn.classify(sim, x_test[:count], 100.0, batch_size=batch, setup_options={"rng_seed": 1})
        per_image = (time.perf_counter() - t0) / count
        base = base or per_image
        rows.append(dict(images_per_run=batch, images=count, s_per_image=per_image,
                         speedup=base / per_image))
    return rows


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--ann", nargs="+", choices=ARCHITECTURES, default=list(ARCHITECTURES))
    p.add_argument("--reset", nargs="+", choices=RESETS, default=list(RESETS))
    args = p.parse_args()
    x_train, y_train, x_test, y_test = load_split(n_test_per_class=36, seed=0)
    if args.quick:
        x_test, y_test = x_test[::6], y_test[::6]
    # every normalisation with Poisson input; the constant-current input with data-based only
    runs = [("poisson", ["data"])] if args.quick else [
        ("poisson", ["none", "model", "data", "spikenorm"]), ("current", ["data"])]
    rows, speed = [], []
    t0 = time.perf_counter()
    for architecture in args.ann:
        model = train_ann(architecture, x_train, y_train, epochs=args.epochs, seed=0)
        for encoding, normalisations in runs:
            rows += accuracy_rows(architecture, model, x_train, x_test, y_test, sim,
                                  normalisations, PRESENTATIONS_MS, [encoding],
                                  setup_options={"rng_seed": 1}, resets=args.reset)
        if architecture == "dense":
            speed = strategies(model, x_train, x_test, len(x_test), args.reset[-1])
    print(f"\n{len(x_test)} held-out digits; run (s): simulating the whole test set up to that "
          "presentation time; build (s): creating the networks (all presentations share them)\n")
    print(markdown_table(rows))
    print()
    for r in best_rows(rows):
        gap = 100 * (r["ann_accuracy"] - r["snn_accuracy"])
        print(f"best SNN, {r['model']} ANN, reset {r['reset']}: {100 * r['snn_accuracy']:.1f} % "
              f"({r['encoding']} input, {r['normalisation']}, {r['presentation_ms']:g} ms); "
              f"ANN {100 * r['ann_accuracy']:.1f} %, {gap:.1f} points lower")
    if speed:
        print(f"\npresenting many images (dense ANN, reset {args.reset[-1]}, data-based, Poisson, "
              "100 ms):")
        print_table(speed, ["images_per_run", "images", "s_per_image", "speedup"])
    print(f"total {time.perf_counter() - t0:.0f} s")
    write_json(args.json, "convert", rows, strategies=speed, n_test=len(x_test))


if __name__ == "__main__":
    main()
