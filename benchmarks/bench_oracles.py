"""Steps per second of the NumPy reference and the TensorFlow layer.

Random networks of 1,000 and 10,000 neurons with ~200 synapses each, the same network and drive
for both oracles, in one process. Ratios are against the reference run in the same process.

    python benchmarks/bench_oracles.py [--quick] [--json results.json]
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import parser, print_table, timed, write_json  # noqa: E402

from pynn_glif3.oracles import reference  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=500)
    args = p.parse_args()
    sizes = [1000] if args.quick else [1000, 10000]
    steps = 100 if args.quick else args.steps
    try:
        from pynn_glif3.oracles import tensorflow as tf_layer
    except ImportError:
        tf_layer = None
        print("TensorFlow is not installed: only the reference is measured (pip install tensorflow-cpu)")

    rows = []
    for n in sizes:
        net = random_network(n, steps, seed=1, synapses_per_neuron=200, n_inputs=1000)
        t_ref, res = timed(reference.simulate, **net.kwargs())
        rate = res.spikes.mean() * 1000.0
        base = dict(neurons=n, synapses=net.recurrent.n, steps=steps, rate_hz=rate)
        rows.append(dict(base, engine="reference", seconds=t_ref, steps_per_s=steps / t_ref, ratio=1.0))
        if tf_layer is not None:
            for dtype in ("float64", "float32"):
                tf_layer.simulate(**dict(net.kwargs(), n_steps=5), dtype=dtype)   # warm-up
                t, _ = timed(tf_layer.simulate, **net.kwargs(), dtype=dtype)
                rows.append(dict(base, engine=f"tf {dtype}", seconds=t, steps_per_s=steps / t,
                                 ratio=t_ref / t))
    print_table(rows, ["engine", "neurons", "synapses", "steps", "rate_hz", "seconds",
                       "steps_per_s", "ratio"])
    print("ratio: reference time / engine time (higher is faster than the reference)")
    write_json(args.json, "oracles", rows)


if __name__ == "__main__":
    main()
