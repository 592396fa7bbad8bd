"""Speed of glif3_alpha on NEST: simulation time against NEST's built-in glif_psc, build time
through PyNN against PyNEST.

The same random network (pynn_glif3.generate.random_network: heterogeneous GLIF3 neurons, ~200 recurrent
synapses each with delays of 1..5 steps, input and background spike sources) runs for 1 s at
dt = 1 ms with each model, in the same process, with 1 and 2 threads; only ``nest.Simulate`` is
timed (best of ``--repeats``, the models interleaved).  The ratio glif3_alpha / glif_psc is the
figure of merit (target <= 1.0).  Build time: creating and connecting the same network
(glif3_alpha) through PyNN (``sim.Population``/``sim.Projection`` with FromListConnector) and
directly with PyNEST (``nest.Create``/array ``nest.Connect``).

    python benchmarks/bench_nest.py [--quick] [--json results/bench_nest.json]
"""

import os
import platform
import sys

import numpy as np

from common import parser as make_parser, write_json


def _loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def simulation_times(sizes, threads_list, n_steps, synapses, repeats, seed):
    from pynn_glif3.verification.nest_replay import PyNESTNetwork
    from pynn_glif3.generate.random_network import random_network

    rows = []
    for n in sizes:
        net = random_network(n_neurons=n, n_steps=n_steps, seed=seed, synapses_per_neuron=synapses)
        for threads in threads_list:
            row = {"neurons": n, "synapses": int(net.recurrent.n), "threads": threads, "steps": n_steps}
            best = {"glif_psc": np.inf, "glif3_alpha": np.inf}
            for _ in range(repeats):
                for model in best:          # interleaved, so that a busy machine hits both alike
                    network = PyNESTNetwork(net, model=model, threads=threads, record_v=False)
                    best[model] = min(best[model], network.run())
                    row[f"{model}_rate_hz"] = float(network.result().spikes.mean() * 1000.0 / net.dt)
            for model, seconds in best.items():
                row[f"{model}_s"] = seconds
            row["ratio"] = row["glif3_alpha_s"] / row["glif_psc_s"]
            rows.append(row)
            print(f"  {n:>6} neurons, {threads} thread(s): glif_psc {row['glif_psc_s']:.3f} s, "
                  f"glif3_alpha {row['glif3_alpha_s']:.3f} s, ratio {row['ratio']:.2f}", flush=True)
    return rows


def build_times(sizes, n_steps, synapses, seed):
    import pyNN.nest as sim

    from pynn_glif3.verification.nest_replay import PyNESTNetwork, PyNNNetwork
    from pynn_glif3.generate.random_network import random_network

    rows = []
    for n in sizes:
        net = random_network(n_neurons=n, n_steps=n_steps, seed=seed, synapses_per_neuron=synapses)
        pynest = PyNESTNetwork(net, model="glif3_alpha", threads=1, record_v=False)
        sim.setup(timestep=net.dt, min_delay=net.dt, threads=1)
        pynn = PyNNNetwork(sim, net, record=("spikes",))
        row = {"neurons": n, "synapses": int(net.recurrent.n + net.inputs.n
                                             + 10 * np.count_nonzero(net.bkg_weights)),
               "pynest_s": pynest.build_seconds, "pynn_s": pynn.build_seconds}
        row["ratio"] = row["pynn_s"] / row["pynest_s"]
        rows.append(row)
        print(f"  {n:>6} neurons: PyNEST {row['pynest_s']:.2f} s, PyNN {row['pynn_s']:.2f} s "
              f"(x{row['ratio']:.1f})", flush=True)
    return rows


def table(sim_rows, build_rows):
    lines = ["Simulation (nest.Simulate, 1 s of network time at dt = 1 ms):", "",
             "| neurons | synapses | threads | glif_psc (s) | glif3_alpha (s) | ratio "
             "| rate glif_psc / glif3_alpha (Hz) |",
             "|--------:|---------:|--------:|-------------:|----------------:|------:|-----------------|"]
    for r in sim_rows:
        lines.append(f"| {r['neurons']:,} | {r['synapses']:,} | {r['threads']} | {r['glif_psc_s']:.3f} | "
                     f"{r['glif3_alpha_s']:.3f} | {r['ratio']:.2f} | "
                     f"{r['glif_psc_rate_hz']:.1f} / {r['glif3_alpha_rate_hz']:.1f} |")
    if build_rows:
        lines += ["", "Building the network (glif3_alpha, 1 thread):", "",
                  "| neurons | connections | PyNEST (s) | PyNN (s) | PyNN / PyNEST |",
                  "|--------:|------------:|-----------:|---------:|--------------:|"]
        for r in build_rows:
            lines.append(f"| {r['neurons']:,} | {r['synapses']:,} | {r['pynest_s']:.2f} "
                         f"| {r['pynn_s']:.2f} | "
                         f"{r['ratio']:.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="network sizes (default 1000 10000)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--build-sizes", type=int, nargs="*",
                        help="sizes for the PyNN/PyNEST build comparison (default: --sizes)")
    parser.add_argument("--synapses", type=int, default=200, help="recurrent synapses per neuron")
    parser.add_argument("--repeats", type=int, default=3, help="simulations per case; the best counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    sizes = args.sizes or ([1000] if args.quick else [1000, 10000])
    build_sizes = args.build_sizes if args.build_sizes is not None else ([300] if args.quick else sizes)
    n_steps = 1000
    repeats = 1 if args.quick else args.repeats

    import nest
    from pynn_glif3.backends.nest import build

    build.build_module(verbose=True)   # not timed
    info = {"python": sys.version.split()[0], "nest": nest.__version__, "cpus": os.cpu_count(),
            "machine": platform.machine(), "processor": platform.processor(),
            "loadavg_before": _loadavg(), "steps": n_steps, "synapses_per_neuron": args.synapses}
    print("Simulation times:", flush=True)
    sim_rows = simulation_times(sizes, args.threads, n_steps, args.synapses, repeats, args.seed)
    build_rows = []
    if build_sizes:
        print("Build times:", flush=True)
        build_rows = build_times(build_sizes, n_steps, args.synapses, args.seed)
    info["loadavg_after"] = _loadavg()
    print()
    print(table(sim_rows, build_rows))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        write_json(args.json, "bench_nest", sim_rows, build=build_rows, info=info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
