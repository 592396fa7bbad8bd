"""Connections from arrays on pyNN.neuron, in bulk.

PyNN makes each connection through ``FromListConnector``: per synapse it builds parameter
dictionaries and a ``Connection`` whose constructor makes the NetCon (about 80 us per synapse,
measured).  Onto GLIF3Alpha cells the same NetCons and Connection objects are made here in one loop
with the arrays' values (about 15 us per synapse); the Projection holds them exactly as if PyNN had
made them, so ``get``, ``set``, ``len`` and saving work as usual.  NEURON has no call that makes
many NetCons at once, so one Python call per synapse remains.
"""

from pyNN.neuron import simulator

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.neuron import cells, pynn_patches


def connect_arrays(connector, projection):
    post = projection.post
    if not isinstance(post.celltype, cells.GLIF3Alpha) or projection.synapse_type.model is not None \
            or simulator.state.num_processes > 1:
        Backend.connect_arrays(None, connector, projection)   # PyNN's own path
        return
    receptor = float(cells.GLIF3Alpha.receptor_types.index(projection.receptor_type))
    netcon_delays = pynn_patches.netcon_delay(connector.delays).tolist()
    weights = connector.weights.tolist()
    sources, targets = connector.sources.tolist(), connector.targets.tolist()

    pre_ids = [int(i) for i in projection.pre.all_cells]
    post_ids = list(post.all_cells)
    post_cells = [i._cell for i in post_ids]
    pre_cells = list(projection.pre.all_cells)
    gid_connect = simulator.state.parallel_context.gid_connect
    new_connection = object.__new__
    Connection = projection.synapse_type.connection_type
    table = projection._connections
    for s, t, w, d in zip(sources, targets, weights, netcon_delays):
        nc = gid_connect(pre_ids[s], post_cells[t])
        nc.weight[0] = w
        nc.weight[1] = receptor
        nc.delay = d
        c = new_connection(Connection)
        c.presynaptic_index, c.presynaptic_cell = s, pre_cells[s]
        c.postsynaptic_index, c.postsynaptic_cell = t, post_ids[t]
        c.nc = nc
        table[t][s].append(c)
