"""Signed projections onto GLIF3Alpha on sPyNNaker.

sPyNNaker stores unsigned weights and one synapse type per projection; GLIF3Alpha's receptors
take either sign.  :func:`Projection` (``pyNN.spiNNaker.Projection`` once the backend is prepared)
splits a :class:`~pynn_glif3.backends.connectors.FromArraysConnector` onto a ``synN`` receptor by
sign into two sPyNNaker projections, positive weights on ``synN`` and the magnitudes of negative
ones on ``synN_negative``, and returns a :class:`SignedProjection`, whose ``get`` gives the weights
back with their sign.
"""

import numpy as np

from pynn_glif3 import model
from pynn_glif3.backends.connectors import FromArraysConnector
from pynn_glif3.backends.spinnaker.cells import GLIF3Alpha

#: Receptor name suffix of the synapse types of negative weights.
NEGATIVE_SUFFIX = "_negative"

def receptor_of(target):
    """(receptor name, negative?) of a synapse target name."""
    if target.endswith(NEGATIVE_SUFFIX):
        return target[:-len(NEGATIVE_SUFFIX)], True
    return target, False


class SignedProjection:
    """A PyNN projection onto a GLIF3Alpha receptor made of one sPyNNaker projection per sign.

    ``parts`` maps +1 / -1 to the sPyNNaker projection on ``synN`` / ``synN_negative``;
    :meth:`get` returns weights with their sign, in the order of the parts (positive first).
    """

    def __init__(self, pre, post, receptor_type, label, parts):
        self.pre, self.post = pre, post
        self.receptor_type = receptor_type
        self.label = label
        self.parts = parts

    def __len__(self):
        return sum(len(p) for p in self.parts.values()) if self.parts else 0

    def size(self, gather=True):
        return len(self)

    def get(self, attribute_names, format, gather=True, with_address=True, **kwargs):  # noqa: A002
        if format != "list":
            raise NotImplementedError("SignedProjection.get supports format='list' only")
        single = isinstance(attribute_names, str)
        names = [attribute_names] if single else list(attribute_names)
        rows = []
        for sign, part in sorted(self.parts.items(), reverse=True):
            got = part.get(names, format="list", gather=gather, with_address=with_address)
            for conn in got:
                conn = list(conn)
                offset = 2 if with_address else 0
                for k, name in enumerate(names):
                    if name == "weight":
                        conn[offset + k] = sign * abs(float(conn[offset + k]))
                rows.append(tuple(conn))
        return rows

    def __getattr__(self, name):
        raise AttributeError(f"SignedProjection has no attribute {name!r} (use .parts for the "
                             "sPyNNaker projection of each sign)")


def _is_negative_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and value < 0


def _as_arrays(connector, synapse_type):
    """A FromArraysConnector with the connections of a sPyNNaker FromListConnector whose extra
    columns are weight and/or delay only, else None."""
    columns = list(connector.column_names or [])
    conn = np.asarray(connector.conn_list, dtype=float)
    if not set(columns) <= {"weight", "delay"} or conn.ndim != 2 or conn.shape[0] == 0:
        return None
    n = conn.shape[0]

    def column(name):
        if name in columns:
            return conn[:, 2 + columns.index(name)]
        value = getattr(synapse_type, name, None)
        if not isinstance(value, (int, float, np.integer, np.floating)):
            return None
        return np.full(n, float(value))

    weights, delays = column("weight"), column("delay")
    if weights is None or delays is None:
        return None
    return FromArraysConnector(conn[:, 0], conn[:, 1], weights, delays, safe=connector.safe)


def Projection(presynaptic_population, postsynaptic_population, connector, synapse_type=None,
               source=None, receptor_type="excitatory", space=None, label=None, **kwargs):
    """``pyNN.spiNNaker.Projection`` that understands FromArraysConnector and signed weights.

    A :class:`~pynn_glif3.backends.connectors.FromArraysConnector` (or a sPyNNaker FromListConnector with
    weight / delay columns) onto a GLIF3Alpha receptor ``synN`` becomes one sPyNNaker
    FromListConnector projection per sign (positive weights on ``synN``, magnitudes of negative
    ones on ``synN_negative``), returned as a :class:`SignedProjection`; so does any connector
    with one negative weight (``StaticSynapse(weight=-w)``).  Anything else goes to sPyNNaker's
    Projection unchanged (sPyNNaker rejects mixed signs there).
    """
    from spynnaker.pyNN.models.projection import Projection as SpiNNakerProjection

    from spynnaker.pyNN.models.neural_projections.connectors import FromListConnector

    base, negative = receptor_of(receptor_type)
    signed = base in model.RECEPTORS and isinstance(
        getattr(postsynaptic_population, "celltype", None), GLIF3Alpha)
    if signed and isinstance(connector, FromListConnector):
        connector = _as_arrays(connector, synapse_type) or connector
    if not isinstance(connector, FromArraysConnector):
        if signed and _is_negative_number(getattr(synapse_type, "weight", None)):
            # one negative weight for every connection: the negative synapse type (sPyNNaker
            # stores the magnitude)
            part = SpiNNakerProjection(presynaptic_population, postsynaptic_population, connector,
                                       synapse_type=synapse_type, source=source,
                                       receptor_type=base + NEGATIVE_SUFFIX, space=space,
                                       label=label, **kwargs)
            return SignedProjection(presynaptic_population, postsynaptic_population, receptor_type,
                                    label, {-1: part})
        return SpiNNakerProjection(presynaptic_population, postsynaptic_population, connector,
                                   synapse_type=synapse_type, source=source,
                                   receptor_type=receptor_type, space=space, label=label, **kwargs)
    c = connector
    parts = {}
    if signed:
        if negative:
            raise ValueError(f"receptor {receptor_type!r}: give signed weights on {base!r}")
        groups = ((1, base, c.weights >= 0), (-1, base + NEGATIVE_SUFFIX, c.weights < 0))
    else:
        groups = ((1, receptor_type, np.ones(c.weights.shape, bool)),)
    for sign, target, sel in groups:
        if not np.any(sel):
            continue
        conn_list = np.column_stack([c.sources[sel], c.targets[sel],
                                     np.abs(c.weights[sel]) if signed else c.weights[sel],
                                     c.delays[sel]])
        parts[sign] = SpiNNakerProjection(
            presynaptic_population, postsynaptic_population,
            FromListConnector(conn_list, column_names=["weight", "delay"], safe=c.safe),
            synapse_type=synapse_type, source=source, receptor_type=target, space=space,
            label=None if label is None else (label if sign > 0 else label + NEGATIVE_SUFFIX),
            **kwargs)
    if not signed and parts:
        return parts[1]
    return SignedProjection(presynaptic_population, postsynaptic_population, receptor_type,
                            label, parts)
