"""The V1 network on NEST with MPI: 1 and 2 processes next to 1 process with 1 and 2 threads.

The synthetic Billeh-like network of ``bench_v1.py`` (full synapse density, LGN input, shared
background) runs on NEST built with MPI (``scripts/install_nest_mpi.sh``), every configuration in
fresh processes: 1 process x 1 thread (the baseline), 1 process x 2 threads, 2 MPI processes x 1
thread.  Reported: build time and simulation time per biological second (the slowest rank's),
peak memory of each rank, and the spike count (which must be the same in every configuration).

    python benchmarks/bench_mpi.py [--quick] [--sizes 20000] [--bio-ms 500] [--json FILE]
                                   [--python MPI_PYTHON]

``--python`` is the interpreter of the MPI-enabled NEST (default: as found by
``pynn_glif3.jobs.parallel.mpi_python``).  Every process holds the whole network description (NumPy
arrays, drawn from the same seeds); NEST holds only each process's share of neurons and of the
connections onto them, which is where the memory per rank drops.
"""

import json
import os
import subprocess
import sys

from common import parser, print_table, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
#: (MPI processes, threads per process)
CONFIGURATIONS = ((1, 1), (1, 2), (2, 1))


def one_run(n, threads, bio_ms, seed=0):
    """Run in this process (one rank of several under mpirun); rank 0 prints one JSON line."""
    import time
    import pyNN.nest as sim
    from bench_v1 import trial
    from common import peak_rss_mb
    from pynn_glif3 import builder
    from pynn_glif3.jobs.parallel import Processes

    net, lgn, bkg, _, gen_s = trial(n, bio_ms, seed)
    sim.setup(timestep=1.0, threads=threads)
    procs = Processes.of(sim)
    built = builder.build(sim, net, lgn, bkg, builder.BuildOptions())
    start = time.perf_counter()
    sim.run(built.timing.run_time(bio_ms))
    run_s = time.perf_counter() - start
    block = built.get_data()
    sim.end()
    per_rank = procs.gather(dict(build_s=built.build_seconds, sim_s=run_s, peak_mb=peak_rss_mb()))
    if procs.is_root:
        spikes = int(built.raster(block, bio_ms).sum())
        print(json.dumps(dict(
            neurons=n, synapses=int(net.recurrent.n), processes=procs.size, threads=threads,
            generate_s=gen_s, build_s=max(r["build_s"] for r in per_rank),
            sim_s=max(r["sim_s"] for r in per_rank),
            sim_s_per_bio_s=max(r["sim_s"] for r in per_rank) * 1000.0 / bio_ms,
            peak_mb_per_rank=[round(r["peak_mb"]) for r in per_rank],
            spikes=spikes, rate_hz=spikes * 1000.0 / bio_ms / n)))


def main():
    from pynn_glif3.verification.nest_mpi import mpi_python, mpirun

    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[20000])
    p.add_argument("--bio-ms", type=int, default=500, help="biological time per run (ms)")
    p.add_argument("--python", help="interpreter of an MPI-enabled NEST")
    p.add_argument("--one", nargs=2, type=int, help=_suppress())
    args = p.parse_args()
    if args.one:
        one_run(args.one[0], args.one[1], args.bio_ms)
        return
    python = args.python
    if python is None:
        python, why_not = mpi_python()
        if python is None:
            sys.exit(f"bench_mpi: {why_not}")
    sizes = [3000] if args.quick else args.sizes
    bio = 200 if args.quick else args.bio_ms
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    rows = []
    for n in sizes:
        for processes, threads in CONFIGURATIONS:
            command = [python, __file__, "--one", str(n), str(threads), "--bio-ms", str(bio)]
            run_env = env
            if processes > 1:
                command, mpi_env = mpirun(processes, command)
                run_env = dict(mpi_env, PYTHONPATH=env["PYTHONPATH"])
            proc = subprocess.run(command, capture_output=True, text=True, cwd=HERE, env=run_env)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if proc.returncode != 0 or not lines:
                print(f"{n} neurons, {processes} processes x {threads} threads failed:\n{proc.stderr[-1500:]}")
                continue
            rows.append(json.loads(lines[-1]))
            print_table(rows[-1:], list(rows[-1]))
    for row in rows:      # ratios against 1 process x 1 thread of the same size
        base = next((r for r in rows if r["neurons"] == row["neurons"]
                     and (r["processes"], r["threads"]) == (1, 1)), None)
        if base:
            row["build_vs_1x1"] = row["build_s"] / base["build_s"]
            row["sim_vs_1x1"] = row["sim_s"] / base["sim_s"]
            row["same_spikes"] = row["spikes"] == base["spikes"]
        row["peak_mb_per_rank"] = "/".join(map(str, row["peak_mb_per_rank"]))
    print()
    print_table(rows, ["neurons", "synapses", "processes", "threads", "build_s", "sim_s_per_bio_s",
                       "build_vs_1x1", "sim_vs_1x1", "peak_mb_per_rank", "spikes", "same_spikes"])
    write_json(args.json, "v1_nest_mpi", rows, bio_ms=bio)


def _suppress():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
