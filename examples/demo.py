"""The main job of the quick start: the same GLIF3Alpha network on every engine, then a V1 run.

1. One random network (Allen GLIF3 parameters, four receptors, delays, input and background drawn
   once) on the NumPy reference, the TensorFlow layer (float64 and float32) and NEST through PyNN:
   a table of spikes and agreement, and a raster plot.
2. A synthetic Billeh-like V1 network of 2,000 neurons written in the users' file layout, with a
   stimulus file, run sample by sample on NEST with ``pynn-glif3 run``, checked against the
   reference on the same input spikes: predictions, accuracy, neo files and plots.

    python examples/demo.py [--out results]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import random_network  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="results")
    p.add_argument("--samples", type=int, default=6)
    args = p.parse_args(argv)

    print("== 1. one random network on every engine")
    random_network.main(["--out", args.out])

    print("\n== 2. a synthetic V1 network in the users' file layout, run on NEST")
    from pynn_glif3 import v1
    from pynn_glif3.synthetic import write_synthetic_stimulus, write_synthetic_v1

    data = os.path.join(args.out, "synthetic_v1")
    os.makedirs(data, exist_ok=True)
    net_file = os.path.join(data, "ckpt_2000.h5")
    stim_file = os.path.join(data, "stimulus.h5")
    if not os.path.exists(net_file):
        write_synthetic_v1(net_file, n_neurons=2000, seed=1, n_lgn=1000, pool_size=10)
    if not os.path.exists(stim_file):
        write_synthetic_stimulus(stim_file, n_samples=args.samples, n_lgn=1000, seed=2)
    return v1.main(["--simulator", "nest", "--network", net_file, "--stimulus", stim_file,
                    "--samples", f"0:{args.samples}", "--out", os.path.join(args.out, "v1_nest"),
                    "--compare-reference"])


if __name__ == "__main__":
    sys.exit(main())
