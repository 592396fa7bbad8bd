"""GLIF3Alpha on NEURON against NEST: build time, time per biological second and memory, as ratios.

The same synthetic V1 networks (pynn_glif3.generate.synthetic.generate_v1: Billeh-like cell types,
recurrent, LGN and background synapses) with the same input spikes and background, built through
pynn_glif3's network builder on ``pyNN.neuron`` and on ``pyNN.nest`` (1 thread: NEURON runs on
one), in this session, each engine and size in a fresh child process so that its peak memory is
its own.  Columns: ``build_s`` = seconds from ``setup()`` to a built network (populations and
connections), ``s_per_bio_s`` = simulation seconds per biological second (dt = 1 ms; for NEST
without its first step, in which it prepares its connection tables, reported as ``prep_s``),
``peak_mb`` = the child's peak resident memory.  The spike counts of both must be equal (both
equal the reference spike for spike; tests/test_neuron_network.py).

    python benchmarks/bench_neuron.py [--quick] [--sizes 5000,20000] [--bio-ms 1000] [--json FILE]
"""

import multiprocessing
import time
import warnings

import numpy as np
from common import parser, print_table, write_json


def measure(engine, n, bio_ms, seed, queue):
    import resource

    warnings.simplefilter("ignore")
    from pynn_glif3 import builder
    from pynn_glif3.generate.synthetic import generate_v1
    from pynn_glif3.model.timing import StepTiming

    net = generate_v1(n, seed=seed, n_classes=0)
    timing = StepTiming(dt=1.0)
    n_steps = int(round(bio_ms / timing.dt)) - timing.start_step - 1
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n_steps, net.n_inputs)) < 0.02).astype(np.float64)      # 20 Hz
    bkg = builder.draw_background(n_steps, net.n_neurons, [seed, 1])
    if engine == "nest":
        import pyNN.nest as sim
        setup = dict(threads=1)
    else:
        import pyNN.neuron as sim
        setup = {}
    start = time.perf_counter()
    sim.setup(timestep=timing.dt, min_delay=timing.dt, **setup)
    built = builder.build(sim, net, spikes, bkg, builder.BuildOptions(dt=timing.dt))
    build_s = time.perf_counter() - start
    prep_s = 0.0
    run_ms = timing.run_time(n_steps)
    if engine == "nest":
        start = time.perf_counter()
        sim.run(timing.dt)
        prep_s = time.perf_counter() - start
    start = time.perf_counter()
    sim.run_until(run_ms)
    sim_s = time.perf_counter() - start
    simulated_ms = run_ms - (timing.dt if engine == "nest" else 0.0)
    n_spikes = int(built.read_spikes()[0].size)
    sim.end()
    queue.put(dict(engine=engine, neurons=n, synapses=int(net.recurrent.n + net.inputs.n),
                   build_s=build_s, prep_s=prep_s, s_per_bio_s=sim_s / (simulated_ms / 1000.0),
                   peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                   spikes=n_spikes))


def run_child(engine, n, bio_ms, seed):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=measure, args=(engine, n, bio_ms, seed, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        return dict(engine=engine, neurons=n, error=f"exit status {proc.exitcode}")
    return queue.get()


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--bio-ms", type=float, default=1000.0, help="biological time simulated (ms)")
    p.add_argument("--sizes", default="5000,20000", help="numbers of neurons, comma separated")
    args = p.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    bio_ms = 200.0 if args.quick else args.bio_ms
    rows, ratios = [], []
    for n in sizes:
        nest = run_child("nest", n, bio_ms, seed=1)
        neuron = run_child("neuron", n, bio_ms, seed=1)
        rows += [nest, neuron]
        print_table([nest, neuron], ["engine", "neurons", "synapses", "build_s", "prep_s",
                                     "s_per_bio_s", "peak_mb", "spikes"])
        if "error" not in nest and "error" not in neuron:
            ratio = dict(neurons=n, build=neuron["build_s"] / nest["build_s"],
                         build_vs_build_and_prep=neuron["build_s"] / (nest["build_s"] + nest["prep_s"]),
                         s_per_bio_s=neuron["s_per_bio_s"] / nest["s_per_bio_s"],
                         peak_memory=neuron["peak_mb"] / nest["peak_mb"],
                         same_spikes=neuron["spikes"] == nest["spikes"])
            ratios.append(ratio)
    print("\nNEURON / NEST (1 thread each)")
    print_table(ratios, ["neurons", "build", "build_vs_build_and_prep", "s_per_bio_s", "peak_memory",
                         "same_spikes"])
    write_json(args.json, "neuron_vs_nest", rows, ratios=ratios, bio_ms=bio_ms)


if __name__ == "__main__":
    main()
