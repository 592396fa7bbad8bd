"""The README's PyNN script ("In a PyNN script of your own"), as written, and the NumPy reference
run of the network it builds, for the tests of each simulator the README names."""

from pathlib import Path

import numpy as np

from pynn_glif3 import model
from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.oracles.reference import simulate

README = Path(__file__).resolve().parents[1] / "README.md"
WRITTEN_FOR = "import pyNN.nest as sim"


def code(simulator_module=None):
    """The script's code; with ``simulator_module``, its import line names that module instead."""
    text = README.read_text()
    after = text.split("In a PyNN script of your own:", 1)[1]
    script = after.split("```python\n", 1)[1].split("```", 1)[0]
    assert WRITTEN_FOR in script
    if simulator_module is not None:
        import_line = next(line for line in script.splitlines() if line.startswith(WRITTEN_FOR))
        assert simulator_module in import_line, "the README names this simulator"
        script = script.replace(WRITTEN_FOR, f"import {simulator_module} as sim", 1)
    return script


def run(sim, script):
    """Execute ``script``; returns its namespace and the reference run of the network it built
    (read from the simulator before ``sim.end()``)."""
    namespace = {"__name__": "readme_example"}
    try:
        exec(compile(script, str(README), "exec"), namespace)
        return namespace, reference_of(namespace)
    finally:
        sim.end()


def reference_of(ns):
    """The reference run of the network the script built: its cells' parameters and the
    connections the simulator holds, with the script's input spikes."""
    cells, n_steps = ns["cells"], ns["n_steps"]
    params = {name: np.full(cells.size, np.asarray(cells.get(name), dtype=float))
              for name in model.DEFAULT_PARAMETERS}
    neurons = NeuronParameters(**units.pynn_to_physical(params))

    def synapses(projection, with_delay):
        i, j, w, d = (np.array(c) for c in zip(*projection.get(["weight", "delay"], format="list")))
        receptor = np.full(i.size, model.RECEPTORS.index(projection.receptor_type))
        return Synapses(i.astype(int), j.astype(int), receptor, units.nA_to_pA(w),
                        *([d] if with_delay else []))

    return simulate(neurons, n_steps, recurrent=synapses(ns["proj"], True),
                    inputs=synapses(ns["lgn_proj"], False),
                    input_spikes=np.asarray(ns["input_spikes"], dtype=float))
