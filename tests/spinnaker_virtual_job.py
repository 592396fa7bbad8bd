"""Build a small synthetic V1 network on sPyNNaker in virtual-board mode, map and run it, and save
what the checks of tests/test_spinnaker_pynn.py need (run as a script, in its own process: once
pyNN.spiNNaker is imported, ``GLIF3Alpha(...)`` makes sPyNNaker cells in that process).

    python spinnaker_virtual_job.py OUT_DIR

Expects ``~/.spynnaker.cfg`` to select a virtual board.  Writes OUT_DIR/result.npz and
OUT_DIR/result.json.
"""

import json
import os
import sys
import time

import numpy as np


#: sources, targets, weights (nA), delays (ms) of the mixed-sign projection
MIXED = ([0, 1, 2, 3, 4, 5], [10, 11, 12, 13, 14, 15], [0.05, -0.02, 0.0125, -0.3, 0.001, -0.0005],
         [1.0, 2.0, 3.0, 4.0, 5.0, 1.0])

#: sources, targets, weights (nA) of a FromListConnector with both signs (delay 3 ms)
LIST = ([7, 8, 9], [20, 21, 22], [-0.011, 0.022, -0.033])

#: set / initialised on the 3-cell population after its creation
SMALL_TAU_M, SMALL_V, SMALL_START_STEP = 5.0, -60.0, 4


def main(out):
    start = time.perf_counter()
    import pyNN.spiNNaker as sim
    from pynn_glif3 import GLIF3Alpha, builder
    from pynn_glif3.backends.connectors import FromArraysConnector
    from pynn_glif3.io import read_network
    from pynn_glif3.backends.spinnaker import cells, components, layout
    from pynn_glif3.generate.synthetic import write_synthetic_v1

    # Keep the parameter data sPyNNaker asks the structs for, per struct table.
    written = {}
    original = components.DerivedStruct.get_data

    def get_data(self, values, vertex_slice=None):
        data = original(self, values, vertex_slice)
        # the V1 population, and the small one (whose parameters are set after creation)
        key = {300: self._table, 3: ("small",) + self._table}.get(len(values["v_rest"]))
        if key is not None:
            written.setdefault(key, {}).setdefault(vertex_slice.lo_atom, data.copy())
        return data

    components.DerivedStruct.get_data = get_data

    path = os.path.join(out, "v1.h5")
    write_synthetic_v1(path, n_neurons=300, n_lgn=100, pool_size=2)
    net = read_network(path)
    n_steps = 5
    rng = np.random.default_rng(3)
    spikes_in = (rng.random((n_steps, net.n_inputs)) < 0.1).astype(np.float64)
    bkg = builder.draw_background(n_steps, net.neurons.n, 5)

    sim.setup(timestep=1.0)
    built = builder.build(sim, net, spikes_in, bkg)
    cell_type = type(built.cells.celltype)
    # A projection with both signs on one receptor (the synthetic network obeys Dale's law).
    mixed = MIXED
    built.projections.append(sim.Projection(
        built.lgn, built.cells, FromArraysConnector(*mixed), sim.StaticSynapse(),
        receptor_type="syn3", label="mixed->syn3"))
    # sPyNNaker's own connectors onto a GLIF3Alpha receptor: a list with both signs, and one
    # negative weight for all connections
    built.projections.append(sim.Projection(
        built.lgn, built.cells,
        sim.FromListConnector(np.column_stack(LIST), column_names=["weight"]),
        sim.StaticSynapse(delay=3.0), receptor_type="syn4", label="list->syn4"))
    small = sim.Population(3, GLIF3Alpha(), label="small")
    small.set(tau_m=SMALL_TAU_M, asc_amp_2=[0.1, 0.2, 0.3], start_step=SMALL_START_STEP)
    small.initialize(v=SMALL_V)
    built.projections.append(sim.Projection(
        built.lgn, small, sim.AllToAllConnector(),
        sim.StaticSynapse(weight=-0.01, delay=2.0), receptor_type="syn2", label="scalar->syn2"))
    built.run(n_steps)
    result = {"cell_type": f"{cell_type.__module__}.{cell_type.__name__}",
              "is_glif3": isinstance(built.cells.celltype, cells.GLIF3Alpha),
              "standard_cells_become_spinnaker_cells": isinstance(small.celltype, cells.GLIF3Alpha),
              "projections": []}
    arrays = {}
    for i, prj in enumerate(built.projections):
        got = prj.get(["weight", "delay"], format="list")
        conns = np.array([tuple(float(x) for x in c) for c in got], dtype=float).reshape(-1, 4)
        parts = {}
        for sign, part in getattr(prj, "parts", {1: prj}).items():
            info = part._synapse_information
            parts[str(sign)] = {"synapse_type": int(info.synapse_type),
                                "receptor_type": info.receptor_type}
        result["projections"].append({"label": prj.label, "receptor_type": prj.receptor_type,
                                      "class": type(prj).__name__, "parts": parts})
        arrays[f"prj{i}"] = conns
    # The time steps in which sPyNNaker will send each source's spikes.
    for key, pop in (("lgn", built.lgn), ("background", built.background)):
        ticks = pop._vertex.send_buffer_times
        arrays[f"ticks_{key}"] = np.concatenate([np.asarray(t, dtype=np.int64) for t in ticks])
        arrays[f"ticks_{key}_source"] = np.repeat(np.arange(len(ticks)), [len(t) for t in ticks])
        arrays[f"ticks_{key}_n_sources"] = np.array(len(ticks))
    # Struct data of the V1 population, in neuron order.
    for fields, key in ((layout.NEURON_PARAMS_FIELDS, "neuron"),
                        (layout.THRESHOLD_PARAMS_FIELDS, "threshold"),
                        (layout.SYNAPSE_PARAMS_FIELDS, "synapse")):
        chunks = sorted(written.get(tuple(fields), {}).items())
        if chunks:
            arrays[f"struct_{key}"] = np.concatenate([c[1] for c in chunks])
    chunks = sorted(written.get(("small",) + tuple(layout.NEURON_PARAMS_FIELDS), {}).items())
    if chunks:
        arrays["small_neuron"] = np.concatenate([c[1] for c in chunks])
    sim.end()
    result["seconds"] = time.perf_counter() - start
    np.savez(os.path.join(out, "result.npz"), spikes_in=spikes_in, bkg=bkg, **arrays)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
