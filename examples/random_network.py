"""Run one random GLIF3Alpha network on every engine available and compare their spikes.

The network (heterogeneous Allen GLIF3 parameters, all four receptors, delays of 1..5 steps, input
and background spikes drawn once) is run on the NumPy reference, on the TensorFlow layer in float64
and float32, and on any simulator backend that is installed.  Prints a table of spike counts and
agreement with the reference, and writes a raster plot.

    python examples/random_network.py [--neurons 400] [--steps 1000] [--seed 0] [--out results]
"""

import argparse
import importlib
import os
import time
from types import SimpleNamespace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from pynn_glif3.oracles import reference  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402


def engines():
    """(name, simulate function) of every engine that can run here."""
    found = [("reference (NumPy float64)", reference.simulate)]
    try:
        from pynn_glif3.oracles import tensorflow as tf_layer
    except ImportError:
        print("TensorFlow not installed: skipping the TF layer (pip install 'pynn_glif3[tf]')")
    else:
        found.append(("TensorFlow float64", lambda **kw: tf_layer.simulate(**kw, dtype="float64")))
        found.append(("TensorFlow float32", lambda **kw: tf_layer.simulate(**kw, dtype="float32")))
    for name, module in (("NEST", "pyNN.nest"),):
        try:
            sim = importlib.import_module(module)
        except ImportError:
            print(f"{name} not installed: skipping it (pip install 'pynn_glif3[nest]')")
        else:
            found.append((f"{name} via PyNN (GLIF3Alpha)", _pynn_engine(sim)))
    return found


def _pynn_engine(sim):
    """A stepper with the reference's signature that runs the network on a PyNN simulator."""
    from pynn_glif3 import builder
    from pynn_glif3.model.results import SimulationResult

    def simulate(neurons, n_steps, dt, recurrent, inputs, input_spikes, bkg_weights, bkg_counts):
        net = SimpleNamespace(neurons=neurons, recurrent=recurrent, inputs=inputs, bkg_weights=bkg_weights)
        sim.setup(timestep=dt, min_delay=dt)
        built = builder.build(sim, net, input_spikes, bkg_counts,
                              builder.BuildOptions(dt=dt, variables=("spikes", "v")))
        built.run(n_steps)
        block = built.get_data()
        sim.end()
        v = block.segments[-1].filter(name="v")[0]
        order = np.argsort(v.array_annotations["channel_index"])
        volts = built.timing.signal_rows(v.times.rescale("ms").magnitude, v.magnitude[:, order], n_steps)
        return SimulationResult(built.raster(block, n_steps), volts, dt=dt)

    return simulate


def agreement(result, ref):
    both = (result.spikes & ref.spikes).sum()
    differ = np.flatnonzero((result.spikes != ref.spikes).any(axis=1))
    return dict(identical=both / max(ref.spikes.sum(), 1),
                first_divergent_step=int(differ[0]) if differ.size else None,
                max_dv=float(np.max(np.abs(result.v - ref.v))))


def plot(results, path, n_steps):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(10, 2.2 * len(results)), sharex=True)
    for ax, (name, res) in zip(np.atleast_1d(axes), results):
        steps, neurons = np.nonzero(res.spikes)
        ax.plot(steps, neurons, "|", ms=2, color="k")
        ax.set_ylabel("neuron")
        ax.set_title(f"{name}: {len(steps)} spikes", fontsize=9, loc="left")
    np.atleast_1d(axes)[-1].set_xlabel(f"step (dt = 1 ms), {n_steps} steps")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--neurons", type=int, default=400)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="results")
    args = p.parse_args(argv)

    net = random_network(args.neurons, args.steps, seed=args.seed)
    print(f"random network: {args.neurons} neurons, {net.recurrent.n} recurrent synapses, "
          f"{net.inputs.n} input synapses, {args.steps} steps of {net.dt} ms")
    results, rows = [], []
    ref = None
    for name, simulate in engines():
        start = time.perf_counter()
        res = simulate(**net.kwargs())
        seconds = time.perf_counter() - start
        ref = ref if ref is not None else res
        results.append((name, res))
        rows.append((name, int(res.spikes.sum()), res.spikes.mean() * 1000.0, seconds, agreement(res, ref)))

    header = f"{'engine':28s} {'spikes':>7s} {'rate Hz':>8s} {'time s':>7s} {'same spikes':>11s} " \
             f"{'1st diff':>8s} {'max |dV| mV':>11s}"
    print(header)
    print("-" * len(header))
    for name, count, rate, seconds, a in rows:
        first = "-" if a["first_divergent_step"] is None else str(a["first_divergent_step"])
        print(f"{name:28s} {count:7d} {rate:8.2f} {seconds:7.2f} {a['identical']:11.2%} "
              f"{first:>8s} {a['max_dv']:11.2e}")
    os.makedirs(args.out, exist_ok=True)
    try:
        path = os.path.join(args.out, "random_network_raster.png")
        plot(results, path, args.steps)
        print(f"raster plot: {path}")
    except ImportError:
        print("matplotlib not installed: no plot (pip install matplotlib)")


if __name__ == "__main__":
    main()
