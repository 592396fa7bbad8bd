"""sPyNNaker ``Struct`` definitions of the GLIF3Alpha C structs, from the field tables of :mod:`.layout`.

The component classes of the sPyNNaker binding declare these structs; their field names are the
keys under which the per-neuron values (:func:`struct_values`) must be found.  sPyNNaker is imported
only when a function here is called.
"""

from pynn_glif3.backends.spinnaker.layout import (NEURON_PARAMS_FIELDS, S1615, SYNAPSE_PARAMS_FIELDS,
                                                  THRESHOLD_PARAMS_FIELDS, U032, UINT32, derive)


def _spynnaker():
    try:
        from spinn_front_end_common.interface.ds import DataType
        from spynnaker.pyNN.utilities.struct import Struct
    except ImportError as error:     # pragma: no cover - depends on the environment
        raise ImportError("the sPyNNaker structs need sPyNNaker: pip install spynnaker") from error
    return DataType, Struct


def data_type(kind):
    """sPyNNaker's DataType of a field kind of the tables."""
    DataType, _ = _spynnaker()
    return {S1615: DataType.S1615, U032: DataType.U032, UINT32: DataType.UINT32}[kind]


def spynnaker_structs():
    """``(neuron, threshold, synapse)`` sPyNNaker Structs, field for field the C structs
    ``neuron_params_t``, ``threshold_type_params_t`` and ``synapse_types_params_t``."""
    _, Struct = _spynnaker()
    return tuple(Struct([(data_type(kind), name) for kind, name in fields])
                 for fields in (NEURON_PARAMS_FIELDS, THRESHOLD_PARAMS_FIELDS, SYNAPSE_PARAMS_FIELDS))


def struct_values(neurons, dt=1.0, v_init=None):
    """Per-neuron values (float64 arrays) of every struct field, keyed by field name."""
    values = {}
    for part in derive(neurons, dt, v_init):
        values.update(part)
    return values
