"""Projection of the GeNN backend: connections computed on the host by PyNN's connectors.

Every connector of PyNN works: the connector calls ``_convergent_connect`` for each target cell, and
the connections are kept as flat arrays (indices in the projection's pre and post, weight in nA,
delay in ms).  :mod:`.model_description` turns them into GeNN SPARSE synapse groups when the model
is built; weights and delays set afterwards (``Projection.set``) are written into the running model
(:mod:`.device_state`).
"""

import numpy as np
from pyNN import common, errors
from pyNN.space import Space

from pynn_glif3.model import RECEPTORS
from pynn_glif3.backends.genn import simulator
from pynn_glif3.backends.genn.standardmodels import StaticSynapse, check_synapse_type


def connect_arrays(connector, projection):
    """Bulk path of :class:`pynn_glif3.backends.connectors.FromArraysConnector`: the arrays as they are."""
    projection.add_connections(connector.sources, connector.targets, connector.weights, connector.delays)


class Connection(common.Connection):
    """One connection, read from the projection's arrays."""

    def __init__(self, projection, i):
        self._projection, self._i = projection, i

    @property
    def presynaptic_index(self):
        return int(self._projection._pre_index[self._i])

    @property
    def postsynaptic_index(self):
        return int(self._projection._post_index[self._i])

    @property
    def weight(self):
        return float(self._projection._weight[self._i])

    @property
    def delay(self):
        return float(self._projection._delay[self._i])

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        if source is not None:
            raise NotImplementedError("the GeNN backend of pynn_glif3 does not support "
                                      "Projection(source=...)")
        simulator.state.check_can_add()
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        check_synapse_type(self.synapse_type)
        self.receptor_index = RECEPTORS.index(self.receptor_type)
        self._chunks = []
        connector.connect(self)
        self._finish_connections()
        simulator.state.register_projection(self)

    # -- building connections ----------------------------------------------------------------------

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("the GeNN backend of pynn_glif3 has no multicompartment models")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        n = pre.size
        if n == 0:
            return
        columns = {}
        for name in ("weight", "delay"):
            value = connection_parameters.get(name)
            if value is None:
                raise errors.ConnectionError(f"connections need a {name}")
            columns[name] = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
        unknown = set(connection_parameters) - {"weight", "delay"}
        if unknown:
            raise NotImplementedError(f"StaticSynapse on GeNN has no parameter(s) {sorted(unknown)}")
        self.add_connections(pre, int(postsynaptic_index), columns["weight"], columns["delay"])

    def add_connections(self, pre, post, weight, delay):
        """Add connections given as arrays (indices in pre and post, weight nA, delay ms)."""
        pre = np.asarray(pre, dtype=np.int64).ravel()
        n = pre.size
        post = np.broadcast_to(np.asarray(post, dtype=np.int64), (n,)).copy()
        weight = np.broadcast_to(np.asarray(weight, dtype=float), (n,)).copy()
        delay = np.broadcast_to(np.asarray(delay, dtype=float), (n,)).copy()
        if n:
            self._chunks.append((pre, post, weight, delay))

    def _finish_connections(self):
        if self._chunks:
            pre, post, weight, delay = (np.concatenate(c) for c in zip(*self._chunks))
        else:
            pre = post = np.zeros(0, dtype=np.int64)
            weight = delay = np.zeros(0)
        self._chunks = []
        if not np.all(np.isfinite(weight)):
            raise errors.ConnectionError("synaptic weights must be finite")
        if delay.size and (not np.all(np.isfinite(delay)) or delay.min() < self._simulator.state.dt / 2):
            raise errors.ConnectionError(
                f"synaptic delays must be at least one time step ({self._simulator.state.dt} ms); "
                f"got {delay.min()} ms")
        self._pre_index, self._post_index, self._weight, self._delay = pre, post, weight, delay

    def connection_arrays(self):
        """(pre indices, post indices, weights nA, delays ms) of every connection."""
        return self._pre_index, self._post_index, self._weight, self._delay

    # -- PyNN's Projection interface -------------------------------------------------------------

    def __len__(self):
        return int(self._pre_index.size)

    def __getitem__(self, i):
        if isinstance(i, (int, np.integer)):
            if not -len(self) <= i < len(self):
                raise IndexError(f"connection {i} out of range ({len(self)} connections)")
            return Connection(self, int(i) % len(self))
        if isinstance(i, slice):
            return [Connection(self, j) for j in range(*i.indices(len(self)))]
        return [Connection(self, int(j)) for j in np.asarray(i).ravel()]

    def _column(self, name):
        columns = {"presynaptic_index": self._pre_index, "postsynaptic_index": self._post_index,
                   "weight": self._weight, "delay": self._delay}
        if name not in columns:
            raise errors.NonExistentParameterError(name, "StaticSynapse", ["weight", "delay"])
        return columns[name]

    def _get_attributes_as_list(self, names):
        columns = [self._column(name).tolist() for name in names]
        return list(zip(*columns))

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        shape = (self.pre.size, self.post.size)
        pre, post = self._pre_index, self._post_index
        flat = pre * shape[1] + post
        result = []
        for name in names:
            if name.endswith("s") and name[:-1] in ("weight", "delay"):
                name = name[:-1]
            values = self._column(name)
            out = np.full(shape[0] * shape[1], np.nan)
            if multiple_synapses == "sum":
                present = np.zeros(out.size, dtype=bool)
                present[flat] = True
                out[present] = 0.0
                np.add.at(out, flat, values)
            elif multiple_synapses in ("min", "max"):
                present = np.zeros(out.size, dtype=bool)
                present[flat] = True
                tmp = np.full(out.size, np.inf if multiple_synapses == "min" else -np.inf)
                (np.minimum if multiple_synapses == "min" else np.maximum).at(tmp, flat, values)
                out = np.where(present, tmp, np.nan)
            elif multiple_synapses == "first":
                _, first = np.unique(flat, return_index=True)
                out[flat[first]] = values[first]
            elif multiple_synapses == "last":
                _, last = np.unique(flat[::-1], return_index=True)
                last = flat.size - 1 - last
                out[flat[last]] = values[last]
            else:
                raise ValueError(f"unknown multiple_synapses {multiple_synapses!r}")
            result.append(out.reshape(shape))
        return result

    def _set_attributes(self, parameter_space):
        """Set weights and/or delays (native names: weight nA, delay ms) of every connection."""
        parameter_space.shape = (self.pre.size, self.post.size)
        for name, value in parameter_space.items():
            if name not in ("weight", "delay"):
                raise errors.NonExistentParameterError(name, "StaticSynapse", ["weight", "delay"])
            if value.is_homogeneous:
                new = np.full(len(self), float(value.evaluate(simplify=True)))
            else:
                full = np.asarray(value.evaluate(simplify=False), dtype=float)
                new = full[self._pre_index, self._post_index]
            if name == "weight":
                if not np.all(np.isfinite(new)):
                    raise errors.ConnectionError("synaptic weights must be finite")
                self._weight = new
            else:
                if new.size and (not np.all(np.isfinite(new)) or new.min() < self._simulator.state.dt / 2):
                    raise errors.ConnectionError("synaptic delays must be at least one time step")
                self._delay = new
        engine = self._simulator.state.engine
        if engine is not None:
            engine.projection_changed(self)
