"""Bulk connection on Brian2: one ``Synapses.connect`` of whole arrays per projection.

pyNN.brian2 connects and sets weights and delays one postsynaptic cell at a time, and each value
of a cell's synapses one by one; the V1 model's 14 million synapses would take hours.  Here the
arrays go to Brian2 in one call each, through the projection's own translations (nA -> A, the
delay one step shorter onto GLIF3Alpha, see :mod:`.pynn_patches`).
"""

import numpy as np
from brian2 import ms
from pyNN import common
from pyNN.parameters import ParameterSpace


def can_connect_in_bulk(projection):
    """Whether ``projection`` is one Brian2 Synapses object between a Population (or view) and
    a Population (or view) whose synapse type has only a weight and a delay."""
    if isinstance(projection.pre, common.Assembly) or isinstance(projection.post, common.Assembly):
        return False
    return set(projection.synapse_type.get_schema()) <= {"weight", "delay"} and \
        not projection.synapse_type.initial_conditions


def _population_indices(cells, indices):
    """Indices into the Brian2 group of ``cells``' parent for indices into ``cells``."""
    if isinstance(cells, common.PopulationView):
        return np.asarray(cells.index_in_grandparent(indices), dtype=np.int64)
    return indices


def connect_arrays(connector, projection):
    """Connect ``connector``'s arrays as ``projection`` would: weights and delays through the
    projection's translations, delays rounded to whole steps as pyNN.brian2 rounds them."""
    n = connector.sources.size
    native = projection.synapse_type.translate(
        ParameterSpace({"weight": connector.weights, "delay": connector.delays},
                       schema=projection.synapse_type.get_schema(), shape=(n,)))
    native.evaluate(simplify=False)
    weights = native["weight"]
    scale = projection._simulator.state.dt * ms
    steps = np.round(np.asarray(native["delay"] / scale, dtype=float))   # as pyNN.brian2 rounds
    if steps.size and steps.min() < 0:
        raise ValueError(f"delays onto GLIF3Alpha on Brian2 must be at least one time step "
                         f"({projection._simulator.state.dt} ms)")
    synapses = projection._brian2_synapses[0][0]
    first = len(synapses)
    synapses.connect(i=_population_indices(projection.pre, connector.sources),
                     j=_population_indices(projection.post, connector.targets))
    synapses.weight[first:] = weights
    synapses.delay[first:] = steps * scale
    projection._n_connections += n

