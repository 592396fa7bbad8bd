"""A connector from parallel arrays, with fast paths where a simulator has them.

``FromArraysConnector(sources, targets, weights, delays)`` connects ``sources[k] -> targets[k]``
(population indices) with weight (PyNN units) and delay (ms).  With ``keep_arrays=False`` it drops
its arrays once connected (a Projection keeps its connector for life; the V1 builder's would hold
another copy of every synapse).  On any PyNN backend it works like
``FromListConnector``; the simulator's backend connects the arrays in bulk where it can (NEST in
one call), so that millions of synapses need no Python loop per connection.
"""

import numpy as np
from pyNN.connectors import Connector


class FromArraysConnector(Connector):
    """Connections given as parallel arrays of source index, target index, weight and delay."""

    parameter_names = ("sources", "targets", "weights", "delays")

    def __init__(self, sources, targets, weights, delays, safe=True, callback=None, keep_arrays=True):
        super().__init__(safe=safe, callback=callback)
        self.keep_arrays = keep_arrays
        self.sources = np.asarray(sources, dtype=np.int64).ravel()
        self.targets = np.asarray(targets, dtype=np.int64).ravel()
        self.weights = np.asarray(weights, dtype=np.float64).ravel()
        self.delays = np.asarray(delays, dtype=np.float64).ravel()
        sizes = {a.size for a in (self.sources, self.targets, self.weights, self.delays)}
        if len(sizes) != 1:
            raise ValueError("FromArraysConnector: sources, targets, weights and delays must have "
                             f"the same length, got {[a.size for a in (self.sources, self.targets, self.weights, self.delays)]}")

    def _check(self, projection):
        for name, idx, pop in (("source", self.sources, projection.pre), ("target", self.targets, projection.post)):
            if idx.size and (idx.min() < 0 or idx.max() >= pop.size):
                raise ValueError(f"FromArraysConnector: {name} indices span {idx.min()}..{idx.max()}, "
                                 f"but {pop.label or 'the population'} has {pop.size} cells")

    def connect(self, projection):
        if getattr(self, "_released", False):
            raise RuntimeError("FromArraysConnector(keep_arrays=False) has connected once and "
                               "released its arrays; make a new one")
        self._check(projection)
        if self.sources.size == 0:
            return
        # the registry imports the backends, and some of them this module: imported here
        from pynn_glif3.backends import backend_for
        backend_for(projection._simulator).connect_arrays(self, projection)
        if not self.keep_arrays:
            # the Projection keeps its connector: at full scale these copies are 460 MB
            empty = np.zeros(0)
            self.sources = self.targets = empty.astype(np.int64)
            self.weights = self.delays = empty
            self._released = True
