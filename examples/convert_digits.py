"""Train two small ANNs on scikit-learn's digits, convert them to spiking networks, run them on NEST.

    python examples/convert_digits.py [--n-test 360] [--epochs 60]

The digits ship with scikit-learn (no download).  The train/test split is fixed by a seed.  For
each ANN (a Dense and a convolutional one) the script prints the Keras test accuracy, then the
spiking network's accuracy for each normalisation and presentation time, with the time taken.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pyNN.nest as sim  # noqa: E402

from pynn_glif3.jobs.convert import convert  # noqa: E402
from pynn_glif3.jobs.convert.digits_task import ann_accuracy, load_split, train_ann  # noqa: E402
from pynn_glif3.jobs.convert.report import accuracy_rows, best_rows, markdown_table  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-test", type=int, default=None, help="first N held-out images")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()

    # 1. the data: 8x8 images in [0, 1], 36 test images per class held out
    x_train, y_train, x_test, y_test = load_split(n_test_per_class=36, seed=0)
    if args.n_test:
        x_test, y_test = x_test[:args.n_test], y_test[:args.n_test]
    print(f"digits: {len(x_train)} training, {len(x_test)} test images")

    rows = []
    for architecture in ("dense", "conv"):
        # 2. a conventional ReLU network, trained with Keras
        model = train_ann(architecture, x_train, y_train, epochs=args.epochs, seed=0)
        model.summary()
        print(f"{architecture} ANN test accuracy: {100 * ann_accuracy(model, x_test, y_test):.1f} %")

        # 3. one conversion, run by hand: data-based normalisation, Poisson input, neurons that
        #    reset by subtraction (GLIF3Alpha), 200 ms
        snn = convert(model, normalisation="data", data=x_train, reset="subtract")
        result = snn.classify(sim, x_test, presentation_ms=200.0, labels=y_test,
                              setup_options={"rng_seed": 1})
        print(f"{architecture} SNN (data-based, 200 ms): {100 * result.accuracy[0]:.1f} %")

        # 4. every normalisation and some presentation times
        rows += accuracy_rows(architecture, model, x_train, x_test, y_test, sim,
                              ["none", "model", "data", "spikenorm"], [50.0, 100.0, 200.0, 350.0],
                              setup_options={"rng_seed": 1})
    print(markdown_table(rows))
    for r in best_rows(rows):
        print(f"best SNN for the {r['model']} ANN (reset {r['reset']}): "
              f"{100 * r['snn_accuracy']:.1f} % "
              f"({r['normalisation']}, {r['presentation_ms']:g} ms) vs ANN "
              f"{100 * r['ann_accuracy']:.1f} %")


if __name__ == "__main__":
    main()
