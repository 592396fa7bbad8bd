"""Simulation time per biological second of GLIF3Alpha networks on GeNN's CPU backend, through PyNN.

Random networks of 1,000 and 10,000 neurons with ~200 recurrent synapses each, input from
SpikeSourceArrays and the ten background sources, written once with PyNN's API and run on
``pynn_glif3.genn`` (CPU backend, double precision).  When pynn_glif3's NEST support can be used,
the same script also runs on ``pyNN.nest`` with 2 threads in this process, and the spike counts of
both are compared.  Columns: seconds to describe the network with PyNN (connectors included),
to generate and compile the GeNN code, to load it (for NEST: its first step, in which it prepares
its connections), and to simulate; s_per_bio_s = simulation seconds per biological second
(dt = 1 ms).

    python benchmarks/bench_genn.py [--quick] [--json results.json] [--bio-ms 1000]
"""

import time
import warnings

import numpy as np
from common import parser, peak_rss_mb, print_table, write_json

from pynn_glif3.model import units
from pynn_glif3.model import RECEPTORS
from pynn_glif3.generate.random_network import random_network
from pynn_glif3.model.timing import StepTiming


def build(sim, net, timing, cell_type):
    """The random network written with PyNN's API on ``sim``; returns the GLIF3Alpha population."""
    from pyNN.parameters import Sequence
    p = net.neurons
    cells = sim.Population(p.n, cell_type(**units.physical_to_pynn(
        p.E_L, p.V_th, p.V_reset, p.C_m, p.g, p.t_ref, p.k, p.asc_amps, p.tau_syn, p.I_offset)))

    def project(pre, source, target, receptor, weight_pA, delay_ms):
        for r, name in enumerate(RECEPTORS):
            sel = np.flatnonzero(receptor == r)
            if sel.size:
                conn = np.column_stack([source[sel], target[sel], weight_pA[sel] / 1000.0, delay_ms[sel]])
                sim.Projection(pre, cells, sim.FromListConnector(conn, column_names=["weight", "delay"]),
                               sim.StaticSynapse(), receptor_type=name)

    rec = net.recurrent
    project(cells, rec.source, rec.target, rec.receptor, rec.weight, timing.recurrent_delays(rec.delay))
    trains = timing.input_spike_times(net.input_spikes[:net.n_steps])
    inputs = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=[Sequence(t) for t in trains]))
    inp = net.inputs
    project(inputs, inp.source, inp.target, inp.receptor, inp.weight, np.full(inp.n, timing.input_delay))
    trains = timing.background_spike_times(net.bkg_counts[:net.n_steps])
    background = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=[Sequence(t) for t in trains]))
    target, receptor = np.nonzero(net.bkg_weights)
    k = np.repeat(np.arange(len(trains)), target.size)
    project(background, k, np.tile(target, len(trains)), np.tile(receptor, len(trains)),
            np.tile(net.bkg_weights[target, receptor], len(trains)), np.full(k.size, timing.input_delay))
    cells.record("spikes")
    return cells


def run_genn(net, timing, bio_ms):
    import pynn_glif3.genn as sim
    from pynn_glif3 import GLIF3Alpha
    sim.setup(timestep=net.dt, min_delay=net.dt, backend="cpu", precision="double")
    start = time.perf_counter()
    cells = build(sim, net, timing, GLIF3Alpha)
    describe = time.perf_counter() - start
    sim.run(bio_ms)
    timings = dict(sim.state.engine.timings)
    spikes = sum(len(st) for st in cells.get_data().segments[0].spiketrains)
    sim.end()
    return dict(engine="genn cpu double", pynn_s=describe + timings["describe"], compile_s=timings["build"],
                load_s=timings["load"], sim_s=timings["run"], spikes=spikes)


def nest_unavailable():
    """None if pynn_glif3's NEST support can be used here, else why not."""
    try:
        import pyNN.nest  # noqa: F401
        from pynn_glif3.backends.nest import kernel
        kernel.install(verbose=False)
    except Exception as err:  # noqa: BLE001 - any failure means: not measurable here
        return f"{type(err).__name__}: {err}"
    return None


def run_nest(net, timing, bio_ms, threads=2):
    import pyNN.nest as sim
    from pynn_glif3 import GLIF3Alpha
    sim.setup(timestep=net.dt, min_delay=net.dt, threads=threads)
    start = time.perf_counter()
    cells = build(sim, net, timing, GLIF3Alpha)
    describe = time.perf_counter() - start
    start = time.perf_counter()
    sim.run(net.dt)                       # NEST prepares its connection tables in the first step
    prepare = time.perf_counter() - start
    start = time.perf_counter()
    sim.run(bio_ms - net.dt)
    simulate = (time.perf_counter() - start) * bio_ms / (bio_ms - net.dt)
    spikes = sum(len(st) for st in cells.get_data().segments[0].spiketrains)
    sim.end()
    return dict(engine=f"nest {threads} threads", pynn_s=describe, compile_s=None, load_s=prepare,
                sim_s=simulate, spikes=spikes)


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--bio-ms", type=float, default=1000.0, help="biological time simulated (ms)")
    p.add_argument("--no-nest", action="store_true", help="do not run NEST even if it is usable")
    args = p.parse_args()
    warnings.simplefilter("ignore")      # PyNN warns once per target that it cannot check weight signs
    sizes = [1000] if args.quick else [1000, 10000]
    bio_ms = 200.0 if args.quick else args.bio_ms
    why_not_nest = "--no-nest given" if args.no_nest else nest_unavailable()
    if why_not_nest:
        print(f"NEST is not measured: {why_not_nest}")

    rows = []
    for n in sizes:
        timing = StepTiming(dt=1.0)
        n_steps = int(round(bio_ms / timing.dt)) - timing.start_step
        net = random_network(n, n_steps, seed=1, synapses_per_neuron=200, n_inputs=1000)
        base = dict(neurons=n, synapses=net.recurrent.n + net.inputs.n, bio_s=bio_ms / 1000.0)
        results = [run_genn(net, timing, bio_ms)]
        if not why_not_nest:
            results.append(run_nest(net, timing, bio_ms))
        for r in results:
            bio_s = bio_ms / 1000.0
            r.update(base, rate_hz=r["spikes"] / n / bio_s, s_per_bio_s=r["sim_s"] / bio_s)
            rows.append(r)
        if len(results) == 2:
            same = results[0]["spikes"] == results[1]["spikes"]
            print(f"{n} neurons: GeNN {results[0]['spikes']} spikes, NEST {results[1]['spikes']} "
                  f"({'equal' if same else 'DIFFERENT'})")
    print_table(rows, ["engine", "neurons", "synapses", "bio_s", "rate_hz", "pynn_s", "compile_s",
                       "load_s", "sim_s", "s_per_bio_s"])
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    write_json(args.json, "genn", rows,
               nest=("not measured: " + why_not_nest) if why_not_nest else "measured")


if __name__ == "__main__":
    main()
