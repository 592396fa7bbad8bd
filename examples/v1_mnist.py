"""Run a trained V1 network on any PyNN simulator and read out the digit class.

    python examples/v1_mnist.py --simulator nest --network NETWORK.h5 --stimulus mnist24.h5 \\
        --samples 0:24 --out results

The simulator is only a command-line choice (nest, genn, spinnaker); nothing below depends on it.
Same as ``pynn-glif3 run``; ``--help`` lists every option.
"""

import sys

from pynn_glif3.jobs import v1

if __name__ == "__main__":
    sys.exit(v1.main())
