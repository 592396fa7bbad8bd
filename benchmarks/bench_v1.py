"""The V1 network on NEST: build time, simulation time per biological second, peak memory.

Synthetic Billeh-like networks at full synapse density (5,000, 20,000 and 51,978 neurons), with
LGN input (17,400 units at 2% per step) and the shared background, 1 and 2 threads.  Each size and
thread count runs in a fresh process, so that peak memory is that run's own.

    python benchmarks/bench_v1.py [--quick] [--sizes 5000 20000 51978] [--threads 1 2] [--json FILE]
                                  [--background shared decoded]

``--background`` times each size with the given backgrounds: ``shared`` (the nominal Binomial
background, default), ``decoded`` (the decoded noise of the published training, from a synthetic
pool of 10,000 values, held in each neuron's ``rise_input`` table), ``none``.

``build_s`` is the builder's time; ``prepare_s`` the first 10 ms of simulation, in which NEST
sorts and indexes the connections once; ``sim_s_per_bio_s`` the wall time per biological second
of the rest of the run.  Every neuron's spikes are recorded; ``results_s`` is the time to read
them and save them as the V1 job saves a sample (step raster .npz, neo Block in NIX, JSON), and
``results_per_sim`` its ratio to the whole simulation (``prepare_s`` + the rest).  Targets for the full core on a 2-core machine: build < 60 s, < 3 s wall
time per biological second, < 4 GB.
"""

import json
import os
import subprocess
import sys

from common import parser, print_table, timed, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
#: the first run (ms), which includes NEST's one-time preparation of the connections
PREPARE_MS = 10.0


def trial(n, bio_ms, seed=0, background="shared"):
    """The benchmark's network and inputs: (net, lgn spikes, background counts, noise draws,
    seconds to generate the network).  Drawn from seeds only: every process gets the same."""
    import time
    import numpy as np
    from pynn_glif3 import builder
    from pynn_glif3.generate.synthetic import generate_v1

    t0 = time.perf_counter()
    net = generate_v1(n, seed=seed, n_lgn=17400, pool_size=min(30, max(1, n // 1000)))
    gen_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    lgn = (rng.random((bio_ms, 17400)) < 0.02).astype(np.uint8)
    bkg = builder.draw_background(bio_ms, n, seed, background)
    noise = None
    if background == "decoded":
        from pynn_glif3.model.noise import NoisePool
        pool = NoisePool(np.random.default_rng(seed + 1).normal(0.0, 0.05, 10000))
        noise = pool.draw(bio_ms, n, seed + 2)
    return net, lgn, bkg, noise, gen_s


def one_run(n, threads, bio_ms, seed=0, background="shared"):
    """Run in this process; prints one JSON line."""
    import pyNN.nest as sim
    from common import peak_rss_mb
    from pynn_glif3 import builder

    net, lgn, bkg, noise, gen_s = trial(n, bio_ms, seed, background)
    sim.setup(timestep=1.0, threads=threads)
    built = builder.build(sim, net, lgn, bkg, builder.BuildOptions(background=background), noise=noise)
    # NEST sorts and indexes the connections in its first run: timed apart, as part of the build
    first_ms = PREPARE_MS
    prepare_s, _ = timed(sim.run, first_ms)
    run_s, _ = timed(sim.run, built.timing.run_time(bio_ms) - first_ms)
    results_s, spikes = write_results(built, bio_ms)
    sim.end()
    sim_ms = built.timing.run_time(bio_ms) - first_ms
    print(json.dumps(dict(neurons=n, synapses=int(net.recurrent.n), threads=threads, background=background,
                          generate_s=gen_s, build_s=built.build_seconds, prepare_s=prepare_s, sim_s=run_s,
                          sim_s_per_bio_s=run_s * 1000.0 / sim_ms, rate_hz=spikes * 1000.0 / bio_ms / n,
                          spikes=spikes, results_s=results_s,
                          results_per_sim=results_s / (prepare_s + run_s), peak_mb=peak_rss_mb())))


def write_results(built, bio_ms):
    """Read every recorded spike and save them as the V1 job saves a sample (step raster .npz,
    neo Block in NIX, record JSON) into a temporary directory: (seconds, number of spikes)."""
    import tempfile
    import time
    from pynn_glif3.jobs import v1
    from pynn_glif3.jobs.v1.store import save_sample

    start = time.perf_counter()
    neurons, times_ms = built.read_spikes()
    raster = built.raster_of(neurons, times_ms, bio_ms)
    block = v1.sample_block(neurons, times_ms, built.timing.run_time(bio_ms), built.recorded_ids,
                            built.cells.size, sample=0)
    with tempfile.TemporaryDirectory() as out:
        os.makedirs(os.path.join(out, "samples"))
        save_sample(out, dict(sample=0, spikes=int(neurons.size)), raster, block)
        seconds = time.perf_counter() - start
    return seconds, int(neurons.size)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 51978])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--bio-ms", type=int, default=1000, help="biological time per run (ms)")
    p.add_argument("--background", nargs="+", default=["shared"], choices=["shared", "decoded", "none"],
                   help="backgrounds to time (default shared)")
    p.add_argument("--one", nargs=2, type=int, help=argparse_suppress())
    args = p.parse_args()
    if args.one:
        one_run(args.one[0], args.one[1], args.bio_ms, background=args.background[0])
        return
    sizes = [2000] if args.quick else args.sizes
    bio = 200 if args.quick else args.bio_ms
    rows = []
    for n in sizes:
        for threads in args.threads:
            for background in args.background:
                proc = subprocess.run([sys.executable, __file__, "--one", str(n), str(threads),
                                       "--bio-ms", str(bio), "--background", background],
                                      capture_output=True, text=True, cwd=HERE)
                lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
                if proc.returncode != 0 or not lines:
                    print(f"{n} neurons, {threads} threads, {background} background failed:\n"
                          f"{proc.stderr[-1500:]}")
                    continue
                rows.append(json.loads(lines[-1]))
                print_table(rows[-1:], list(rows[-1]))
    print()
    print_table(rows, ["neurons", "synapses", "threads", "background", "build_s", "prepare_s",
                       "sim_s_per_bio_s", "rate_hz", "spikes", "results_s", "results_per_sim", "peak_mb"])
    write_json(args.json, "v1_nest", rows, bio_ms=bio)


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
