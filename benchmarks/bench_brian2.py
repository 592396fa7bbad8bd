"""Brian2 against NEST on the synthetic V1: build time, wall time per biological second, peak memory.

The networks and inputs of bench_v1.py (full synapse density, 17,400 LGN units at 2% per step,
the shared background), at 5,000, 20,000 and 51,978 neurons, each run in a fresh process:

* ``nest``: pyNN.nest with the glif3_alpha module, 1 and 2 threads;
* ``brian2``: pyNN.brian2 with GLIF3Alpha as Brian2 code per step (runtime mode, Cython target;
  ``--brian2-targets cython numpy`` adds the NumPy target);
* ``standalone`` (with ``--standalone``): the same network in Brian2's C++ standalone mode with
  1 and 2 OpenMP threads, built with Brian2 directly, since pyNN.brian2 cannot drive that mode
  (it stores and restores the network in Python at every run).  The neuron step is the same
  code (:func:`pynn_glif3.backends.brian2.cells.step_code`); its spikes are checked against the
  runtime mode's.

    python benchmarks/bench_brian2.py [--sizes 5000 20000 51978] [--bio-ms 1000] [--standalone]
                                      [--json FILE] [--quick]

``build_s`` is the builder's time (standalone: creating the objects, then ``compile_s`` for
code generation and compilation); ``prepare_s`` the first 10 ms of simulation (NEST sorts its
connections, Brian2 prepares and loads its code objects and PyNN stores the network);
``sim_s_per_bio_s`` the wall time per biological second of the rest.  Ratios are to NEST with the
same number of threads (Brian2's runtime mode uses one).  The Cython code is compiled once per
object and cached: a warm-up run at the smallest size comes first, and is not reported.
"""

import json
import os
import subprocess
import sys
import time

from common import parser, peak_rss_mb, print_table, timed, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
PREPARE_MS = 10.0


def _pynn_run(engine, n, threads, bio_ms, target=None):
    """One run through PyNN and the builder; returns the row."""
    from bench_v1 import trial
    from pynn_glif3 import builder

    if engine == "nest":
        import pyNN.nest as sim
        setup = dict(timestep=1.0, threads=threads)
    else:
        import brian2
        import pyNN.brian2 as sim
        brian2.prefs.codegen.target = target
        setup = dict(timestep=1.0, min_delay=1.0)
    net, lgn, bkg, _, gen_s = trial(n, bio_ms)
    sim.setup(**setup)
    built = builder.build(sim, net, lgn, bkg, builder.BuildOptions())
    prepare_s, _ = timed(sim.run, PREPARE_MS)
    run_s, _ = timed(sim.run, built.timing.run_time(bio_ms) - PREPARE_MS)
    neurons, times_ms = built.read_spikes()
    raster = built.raster_of(neurons, times_ms, bio_ms)
    sim.end()
    sim_ms = built.timing.run_time(bio_ms) - PREPARE_MS
    return dict(engine=engine + (f"-{target}" if target else ""), neurons=n, synapses=int(net.recurrent.n),
                threads=threads, build_s=built.build_seconds, prepare_s=prepare_s,
                sim_s_per_bio_s=run_s * 1000.0 / sim_ms, rate_hz=raster.sum() * 1000.0 / bio_ms / n,
                spikes=int(raster.sum()), peak_mb=peak_rss_mb(), raster_hash=_hash(raster))


def _hash(raster):
    import hashlib
    import numpy as np
    return hashlib.sha256(np.packbits(raster).tobytes()).hexdigest()[:16]


def _standalone_run(n, threads, bio_ms):
    """The same network in Brian2's C++ standalone mode, built with Brian2 directly."""
    import tempfile

    import brian2 as b
    import numpy as np
    from bench_v1 import trial
    from pynn_glif3 import builder
    from pynn_glif3.backends.brian2 import cells
    from pynn_glif3.model import N_RECEPTORS
    from pynn_glif3.model.propagators import propagators
    from pynn_glif3.model.timing import N_BACKGROUND_SOURCES, StepTiming

    net, lgn, bkg, _, gen_s = trial(n, bio_ms)
    workdir = tempfile.mkdtemp(prefix="brian2_standalone_")
    b.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    b.prefs.devices.cpp_standalone.openmp_threads = threads
    b.prefs.codegen.cpp.extra_compile_args_gcc = list(_compile_args())
    b.defaultclock.dt = 1.0 * b.ms
    timing = StepTiming(dt=1.0)
    start = time.perf_counter()
    p = net.neurons
    group = b.NeuronGroup(n, cells.EQUATIONS, threshold="z > 0.5", reset="", method=None)
    group.run_regularly(cells.step_code(), when="after_synapses")
    c = propagators(p, 1.0)
    values = dict(E_L=p.E_L, V_th=p.V_th, V_reset=p.V_reset, C_m=p.C_m, g=p.g, t_ref=p.t_ref,
                  I_e=p.I_offset, V_m=p.V_reset, decay_v=c.decay_v, drive_v=c.drive_v,
                  leak_drive=c.leak_drive, reset_jump=c.reset_jump, start_step=timing.start_step,
                  trial_steps=0, period=2 ** 31 - 1, h=1.0)
    for j in (1, 2):
        values.update({f"asc_amp_{j}": p.asc_amps[:, j - 1], f"k_{j}": p.k[:, j - 1],
                       f"decay_asc_{j}": c.decay_asc[:, j - 1]})
    for r in range(1, N_RECEPTORS + 1):
        values.update({f"tau_syn_{r}": p.tau_syn[:, r - 1], f"decay_syn_{r}": c.decay_syn[:, r - 1],
                       f"rise_gain_{r}": c.rise_gain[:, r - 1], f"rise_step_{r}": c.rise_step[:, r - 1]})
    for name, value in values.items():
        setattr(group, name, value)
    objects = [group]

    def sources(trains):
        index = np.concatenate([np.full(len(t), i) for i, t in enumerate(trains)])
        times = np.concatenate(trains)
        return b.SpikeGeneratorGroup(len(trains), index, times * b.ms)

    def connect(pre, source, target, receptor, weight_pA, delay_steps):
        for r in range(N_RECEPTORS):
            sel = np.flatnonzero(receptor == r)
            if sel.size:
                syn = b.Synapses(pre, group, "w : 1", on_pre=f"in_{r + 1} += w * pA")
                syn.connect(i=source[sel], j=target[sel])
                syn.w = weight_pA[sel]
                syn.delay = (delay_steps[sel] - 1) * b.ms       # one step less, as on pyNN.brian2
                objects.append(syn)

    rec = net.recurrent
    steps = np.rint(builder.simulator_delays(rec.delay, builder.BuildOptions())[0]).astype(int)
    connect(group, rec.source, rec.target, rec.receptor, rec.weight, steps)
    lgn_group = sources(timing.input_spike_times(lgn))
    inp = net.inputs
    connect(lgn_group, inp.source, inp.target, inp.receptor, inp.weight, np.ones(inp.n, int))
    bkg_group = sources(timing.background_spike_times(bkg))
    target, receptor = np.nonzero(net.bkg_weights)
    k = N_BACKGROUND_SOURCES
    connect(bkg_group, np.repeat(np.arange(k), target.size), np.tile(target, k), np.tile(receptor, k),
            np.tile(net.bkg_weights[target, receptor], k), np.ones(k * target.size, int))
    monitor = b.SpikeMonitor(group)
    network = b.Network(objects + [lgn_group, bkg_group, monitor])
    network.run(timing.run_time(bio_ms) * b.ms)
    build_s = time.perf_counter() - start
    compile_s, _ = timed(b.device.build, directory=workdir, compile=True, run=False)
    run_s, _ = timed(b.device.run, directory=workdir)
    rows = timing.rows_of_times(np.asarray(monitor.t / b.ms))     # stamped as pyNN.brian2 stamps
    raster = np.zeros((bio_ms, n), dtype=bool)
    keep = (rows >= 0) & (rows < bio_ms)
    raster[rows[keep], np.asarray(monitor.i)[keep]] = True
    sim_ms = timing.run_time(bio_ms)
    return dict(engine="brian2-standalone", neurons=n, synapses=int(rec.n), threads=threads,
                build_s=build_s, compile_s=compile_s, prepare_s=None,
                sim_s_per_bio_s=run_s * 1000.0 / sim_ms, rate_hz=raster.sum() * 1000.0 / bio_ms / n,
                spikes=int(raster.sum()), peak_mb=peak_rss_mb(), raster_hash=_hash(raster))


def _compile_args():
    from pynn_glif3.backends.brian2.pynn_patches import COMPILE_ARGS
    return COMPILE_ARGS


def _in_fresh_process(args):
    proc = subprocess.run([sys.executable, __file__, "--one", *map(str, args)], capture_output=True,
                          text=True, cwd=HERE)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        print(f"{args} failed:\n{proc.stderr[-2000:]}", flush=True)
        return None
    return json.loads(lines[-1])


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 51978])
    p.add_argument("--bio-ms", type=int, default=1000, help="biological time per run (ms)")
    p.add_argument("--brian2-targets", nargs="+", default=["cython"], choices=["cython", "numpy"])
    p.add_argument("--standalone", action="store_true", help="also time Brian2's C++ standalone mode")
    p.add_argument("--one", nargs=5, help=argparse_suppress())
    args = p.parse_args()
    if args.one:
        engine, n, threads, bio_ms, target = args.one
        if engine == "standalone":
            row = _standalone_run(int(n), int(threads), int(bio_ms))
        else:
            row = _pynn_run(engine, int(n), int(threads), int(bio_ms), None if target == "-" else target)
        row["load_avg_1min"] = os.getloadavg()[0]       # the machine is shared: say how busy it was
        print(json.dumps(row))
        return
    sizes = [2000] if args.quick else args.sizes
    bio = 200 if args.quick else args.bio_ms
    for target in args.brian2_targets:        # warm-up: compile and cache the Cython code
        _in_fresh_process(["brian2", min(sizes), 1, 50, target])
    rows = []
    for n in sizes:
        runs = [("nest", 1, "-"), ("nest", 2, "-")] + [("brian2", 1, t) for t in args.brian2_targets]
        if args.standalone:
            runs += [("standalone", 1, "-"), ("standalone", 2, "-")]
        size_rows = []
        for engine, threads, target in runs:
            row = _in_fresh_process([engine, n, threads, bio, target])
            if row is None:
                continue
            size_rows.append(row)
            print_table([row], [k for k in row if k != "raster_hash"])
        nest = {r["threads"]: r for r in size_rows if r["engine"] == "nest"}
        for row in size_rows:
            ref = nest.get(row["threads"]) or nest.get(1)
            if ref is not None:
                for key in ("build_s", "sim_s_per_bio_s", "peak_mb"):
                    if row.get(key) is not None and ref.get(key):
                        row[f"{key}_vs_nest"] = row[key] / ref[key]
                row["same_spikes_as_nest"] = row["raster_hash"] == ref["raster_hash"]
        rows += size_rows
    print()
    print_table(rows, ["engine", "neurons", "synapses", "threads", "build_s", "compile_s", "prepare_s",
                       "sim_s_per_bio_s", "peak_mb", "build_s_vs_nest", "sim_s_per_bio_s_vs_nest",
                       "peak_mb_vs_nest", "rate_hz", "same_spikes_as_nest", "load_avg_1min"])
    write_json(args.json, "v1_brian2", rows, bio_ms=bio, cpus=os.cpu_count())


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
