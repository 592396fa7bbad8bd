"""The main job of the quick start: a V1 network trained in TensorFlow, on NEST, side by side.

Runs the package's bundled digits model (a 2,000-neuron synthetic V1 trained with BPTT on
scikit-learn's handwritten digits, see examples/train_digits.py) on its held-out samples, on NEST
and on the TensorFlow layer with the same input spikes and background, and prints one table:
samples, TF accuracy, NEST accuracy, predictions that differ, spike agreement.  The V1 job's
results (per-sample JSON, neo files, plots) go to the output directory.

    python examples/demo.py                       # the bundled model on NEST
    python examples/demo.py --simulator genn      # another simulator
    python examples/demo.py --network ckpt.h5 --stimulus mnist24.h5 --samples 0:24

Every option of ``pynn-glif3 compare`` (``--help``) is accepted.
"""

import sys

from pynn_glif3 import cli

if __name__ == "__main__":
    sys.exit(cli.main(["compare", *sys.argv[1:]]))
