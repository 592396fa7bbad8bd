"""``pynn-glif3 convert``: convert a trained Keras ANN to a spiking network and measure it.

    pynn-glif3 convert MODEL.keras --data data.npz          # x_train, x_test, y_test in the file
    pynn-glif3 convert --digits conv                         # train the digits example ANN first

Prints the accuracy table (ANN, then SNN per encoding, normalisation and presentation time);
``--json`` writes the rows too.
"""

import json
import sys

import numpy as np

from pynn_glif3.backends import (DEFAULT_SIMULATOR, SIMULATORS, SimulatorUnavailable, backend_for,
                                 import_simulator)
from pynn_glif3.jobs.convert.digits_task import ARCHITECTURES
from pynn_glif3.jobs.convert.encoding import ENCODINGS
from pynn_glif3.jobs.convert.neurons import RESETS
from pynn_glif3.jobs.convert.normalisation import METHODS


def add_arguments(parser):
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("model", nargs="?", help="a trained Keras model file (.keras)")
    source.add_argument("--digits", choices=ARCHITECTURES,
                        help="train this small ANN on scikit-learn's digits and convert it")
    parser.add_argument("--data", help="with MODEL: an .npz file with x_test, y_test and (for data-"
                        "based and SpikeNorm normalisation) x_train; images scaled to [0, 1]")
    parser.add_argument("--normalisation", nargs="+", choices=METHODS, default=["data"])
    parser.add_argument("--encoding", nargs="+", choices=ENCODINGS, default=["poisson"])
    parser.add_argument("--reset", nargs="+", choices=RESETS, default=[RESETS[0]],
                        help="the neurons' reset: by subtraction (GLIF3Alpha) or to zero "
                        "(IF_curr_exp)")
    parser.add_argument("--presentation-ms", nargs="+", type=float, default=[50.0, 100.0, 200.0],
                        help="presentation times (ms), all measured in one run")
    parser.add_argument("--dt", type=float, default=1.0, help="time step (ms)")
    parser.add_argument("--max-rate", type=float, default=500.0,
                        help="firing rate (Hz) of an activation (or pixel) of 1")
    parser.add_argument("--n-test", type=int, default=None, help="use the first N test images")
    parser.add_argument("--batch-size", type=int, default=500, help="images per simulation")
    parser.add_argument("--simulator", choices=sorted(SIMULATORS), default=DEFAULT_SIMULATOR)
    parser.add_argument("--seed", type=int, default=1,
                        help="the simulator's random seed (Poisson input), where it takes one")
    parser.add_argument("--epochs", type=int, default=60, help="with --digits: training epochs")
    parser.add_argument("--json", help="also write the table's rows to this JSON file")


def _load_npz(path, needs_train):
    try:
        data = np.load(path)
    except OSError as exc:
        raise SystemExit(f"pynn-glif3 convert: cannot read --data {path}: {exc}")
    missing = [k for k in ("x_test", "y_test") + (("x_train",) if needs_train else ())
               if k not in data]
    if missing:
        raise SystemExit(f"pynn-glif3 convert: {path} lacks the array(s) {', '.join(missing)} "
                         f"(has {', '.join(data.files) or 'none'})")
    x_train = np.asarray(data["x_train"], dtype=np.float32) if "x_train" in data else None
    return x_train, np.asarray(data["x_test"], dtype=np.float32), np.asarray(data["y_test"])


def run(args):
    import keras

    from pynn_glif3.jobs.convert.digits_task import load_split, train_ann
    from pynn_glif3.jobs.convert.neurons import SpikingSettings
    from pynn_glif3.jobs.convert.report import accuracy_rows, markdown_table

    if args.digits:
        x_train, y_train, x_test, y_test = load_split()
        model = train_ann(args.digits, x_train, y_train, epochs=args.epochs)
        name = f"digits {args.digits}"
    else:
        if not args.data:
            raise SystemExit("pynn-glif3 convert: MODEL needs --data FILE.npz with the test images")
        try:
            model = keras.models.load_model(args.model)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"pynn-glif3 convert: cannot load the Keras model {args.model}: {exc}")
        x_train, x_test, y_test = _load_npz(
            args.data, needs_train=bool(set(args.normalisation) & {"data", "spikenorm"}))
        name = args.model
    if args.n_test is not None:
        x_test, y_test = x_test[:args.n_test], y_test[:args.n_test]
    try:
        sim = import_simulator(args.simulator)
    except SimulatorUnavailable as exc:
        print(f"pynn-glif3 convert: {exc}", file=sys.stderr)
        return 2
    setup_options = backend_for(sim).setup_options(rng_seed=args.seed)
    try:
        settings = SpikingSettings(dt_ms=args.dt, max_rate_hz=args.max_rate)
        rows = accuracy_rows(name, model, x_train, x_test, y_test, sim, args.normalisation,
                             args.presentation_ms, args.encoding, settings, args.batch_size,
                             setup_options, resets=args.reset)
    except (ValueError, NotImplementedError) as exc:
        print(f"pynn-glif3 convert: {exc}", file=sys.stderr)
        return 1
    print(markdown_table(rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    return 0
