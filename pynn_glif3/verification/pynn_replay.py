"""The reference's arguments run on any PyNN simulator through the builder.

:func:`simulate` takes what :func:`pynn_glif3.oracles.reference.simulate` takes, plus the PyNN
``sim`` module, builds the network with :class:`~pynn_glif3.verification.nest_replay.PyNNNetwork`
in a fresh ``sim.setup()`` and returns the recorded result in training rows, so that a test can
put a simulator in the place of an oracle.
"""

from dataclasses import dataclass

import numpy as np

from pynn_glif3.model import TRAINING_MAX_DELAY_MS
from pynn_glif3.model.physical import NeuronParameters, Synapses
from pynn_glif3.oracles.reference import check_arguments
from pynn_glif3.verification.nest_replay import PyNNNetwork

#: Recordables of the currents, in the order SimulationResult stacks them.
CURRENTS = ("asc_1", "asc_2", "psc_1", "psc_2", "psc_3", "psc_4")


@dataclass
class ArrayNetwork:
    """A network of arrays, as the builder reads one (``readout_ids`` absent)."""
    neurons: NeuronParameters
    n_steps: int
    dt: float = 1.0
    recurrent: Synapses = None
    inputs: Synapses = None
    input_spikes: np.ndarray = None
    bkg_weights: np.ndarray = None
    bkg_counts: np.ndarray = None


def simulate(sim, neurons, n_steps, dt=1.0, recurrent=None, inputs=None, input_spikes=None,
             bkg_weights=None, bkg_counts=None, max_delay_ms=TRAINING_MAX_DELAY_MS,
             record_currents=False, **setup_kwargs):
    """Run the network on ``sim`` as ``reference.simulate`` runs it; returns a SimulationResult
    (currents in pA when ``record_currents``)."""
    p, recurrent, inputs, input_spikes, bkg_weights, bkg_counts = check_arguments(
        neurons, n_steps, recurrent, inputs, input_spikes, bkg_weights, bkg_counts)
    if inputs is not None and not inputs.n:
        inputs = None
    net = ArrayNetwork(p, int(n_steps), float(dt), recurrent, inputs,
                       None if input_spikes is None else np.asarray(input_spikes, dtype=float),
                       bkg_weights, bkg_counts)
    sim.setup(timestep=net.dt, min_delay=net.dt, **setup_kwargs)
    try:
        record = ("spikes", "v") + (CURRENTS if record_currents else ())
        network = PyNNNetwork(sim, net, record=record, max_delay_ms=max_delay_ms)
        network.run()
        return network.result()
    finally:
        sim.end()
