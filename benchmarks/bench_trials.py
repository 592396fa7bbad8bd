"""Many samples on NEST: one network build per sample, or all samples as trials of one run.

The V1 job evaluates a test set sample by sample, each from the initial state.  Building the
network for every sample costs far more than simulating it; glif3_alpha's ``trial_steps`` runs
the samples one after the other in a single simulation instead (docs/timing.md).  This times both
on the same synthetic V1 and the same inputs, in one process, and checks that the spikes agree.

    python benchmarks/bench_trials.py [--quick] [--neurons 2000] [--samples 20] [--steps 40]
                                      [--json FILE]
"""

import time

import numpy as np

from common import parser, print_table, write_json


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--neurons", type=int, default=2000)
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--steps", type=int, default=40)
    args = p.parse_args(argv)
    if args.quick:
        args.neurons, args.samples = 500, 5

    import pyNN.nest as sim
    from pynn_glif3 import builder
    from pynn_glif3.generate.synthetic import generate_v1

    net = generate_v1(args.neurons, seed=0, n_lgn=400, pool_size=5)
    rng = np.random.default_rng(1)
    spikes = (rng.random((args.samples, args.steps, net.n_inputs)) < 0.05).astype(float)
    bkg = np.stack([builder.draw_background(args.steps, net.n_neurons, [1, k]) for k in range(args.samples)])

    def one_build_per_sample():
        rasters = []
        for k in range(args.samples):
            sim.setup(timestep=1.0)
            built = builder.build(sim, net, spikes[k], bkg[k])
            built.run(args.steps)
            rasters.append(built.raster(built.get_data(), args.steps))
            sim.end()
        return np.stack(rasters)

    def one_run_of_trials():
        sim.setup(timestep=1.0)
        built = builder.build_trials(sim, net, spikes, bkg)
        built.run(args.steps)
        rasters = built.trial_rasters(built.get_data(), args.steps)
        sim.end()
        return rasters

    rows = []
    results = {}
    for name, fn in (("one build per sample", one_build_per_sample), ("trials in one run", one_run_of_trials)):
        start = time.perf_counter()
        results[name] = fn()
        seconds = time.perf_counter() - start
        rows.append(dict(method=name, samples=args.samples, seconds=seconds,
                         seconds_per_sample=seconds / args.samples))
    base = rows[0]["seconds"]
    for r in rows:
        r["time_ratio"] = r["seconds"] / base
    same = bool(np.array_equal(*results.values()))
    print(f"synthetic V1 of {net.n_neurons} neurons, {args.samples} samples of {args.steps} steps; "
          f"identical spikes: {same}")
    print_table(rows, ["method", "samples", "seconds", "seconds_per_sample", "time_ratio"])
    write_json(args.json, "trials", rows, neurons=net.n_neurons, steps=args.steps, identical_spikes=same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
