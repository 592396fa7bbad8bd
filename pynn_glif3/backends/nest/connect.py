"""Bulk connection on NEST: one ``nest.Connect`` of whole arrays per projection."""

import nest
import numpy as np
from pyNN.parameters import ParameterSpace


def connect_arrays(connector, projection):
    """Connect ``connector``'s arrays as ``projection`` would, in one call.

    Weights and delays go through the projection's synapse type translations (nA -> pA), the
    receptor through the target cell type, exactly as PyNN's per-target path does.
    """
    sources, targets = connector.sources, connector.targets
    weights, delays = connector.weights, connector.delays
    if projection._simulator.state.num_processes > 1:
        # each MPI process makes only the connections onto its own neurons: hand NEST no others
        local = np.asarray(projection.post._mask_local, dtype=bool)[targets]
        sources, targets, weights, delays = sources[local], targets[local], weights[local], delays[local]
    n = sources.size
    if n == 0:
        return
    native = projection.synapse_type.translate(
        ParameterSpace({"weight": weights, "delay": delays},
                       schema=projection.synapse_type.get_schema(), shape=(n,)))
    native.evaluate(simplify=False)
    weights = np.asarray(native["weight"], dtype=float)
    celltype = projection.post.celltype
    # as pyNN.nest does: NEST wants inhibitory conductances negative; IF_curr_delta's weights
    # are mV, which must not be scaled as nA -> pA
    if projection.receptor_type == "inhibitory" and getattr(celltype, "conductance_based", False):
        weights = -weights
    weights = weights * getattr(celltype, "receptor_scale", 1.0)
    # PyNN's own array of node ids: NodeCollection.tolist() takes seconds for 1e5 cells
    pre_ids = np.asarray(projection.pre.all_cells, dtype=np.int64)[sources]
    post_ids = np.asarray(projection.post.all_cells, dtype=np.int64)[targets]
    syn_spec = {
        "synapse_model": projection.nest_synapse_model,
        "synapse_label": projection.nest_synapse_label,
        "weight": weights,
        "delay": np.asarray(native["delay"], dtype=float),
    }
    if not getattr(celltype, "standard_receptor_type", False) and projection.receptor_type is not None:
        syn_spec["receptor_type"] = np.full(n, celltype.get_receptor_type(projection.receptor_type),
                                            dtype=np.int64)
    nest.Connect(pre_ids, post_ids, conn_spec="one_to_one", syn_spec=syn_spec)
    projection._sources.update(np.unique(pre_ids).tolist())
    projection._simulator.state.stale_connection_cache = True
