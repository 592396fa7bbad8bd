"""GLIF3Alpha for sPyNNaker (``pyNN.spiNNaker``): component classes, cell type, signed projections.

The four components of sPyNNaker's standard neuron implementation declare the C structs of
``native/spinnaker`` field for field, from the tables of :mod:`.layout` (through :mod:`.structs`).
Most fields are host-computed constants (decay factors, refractory steps, voltages relative to
E_L), so the components keep the PyNN parameters (the names of :mod:`pynn_glif3.model`) in
sPyNNaker's parameter dictionary, and the structs compute their fields from them with
:func:`.layout.derive` whenever sPyNNaker writes the neuron data: a ``Population.set()`` of, say,
``tau_m`` reaches ``decay_v`` and ``drive_v``.

Receptors: ``syn1`` .. ``syn4`` are synapse types 0..3 (positive weights), ``syn1_negative`` ..
``syn4_negative`` types 4..7 (magnitudes of negative weights).  sPyNNaker stores unsigned weights
and one synapse type per projection, so :func:`Projection` (installed as
``pyNN.spiNNaker.Projection`` when GLIF3Alpha is used) splits a
:class:`~pynn_glif3.connectors.FromArraysConnector` onto a ``synN`` receptor by sign into two
sPyNNaker projections and returns a :class:`SignedProjection`, whose ``get`` gives the weights
back with their sign.  Design: docs/spinnaker.md.
"""

import numpy as np

from spinn_utilities.overrides import overrides
from spinn_utilities.ranged import RangedList
from spynnaker.pyNN.data import SpynnakerDataView
from spynnaker.pyNN.models.defaults import default_initial_values
from spynnaker.pyNN.models.neuron import AbstractPyNNNeuronModelStandard
from spynnaker.pyNN.models.neuron.input_types import InputTypeCurrent
from spynnaker.pyNN.models.neuron.neuron_models import NeuronModel
from spynnaker.pyNN.models.neuron.synapse_types import AbstractSynapseType
from spynnaker.pyNN.models.neuron.threshold_types import AbstractThresholdType
from spynnaker.pyNN.utilities.struct import Struct

from .. import model, units
from ..netspec import NeuronParameters
from ..timing import START_STEP
from .layout import (NEURON_PARAMS_FIELDS, N_SYNAPSE_TYPES, SYNAPSE_PARAMS_FIELDS,
                     SYNAPSE_TYPE_NAMES, THRESHOLD_PARAMS_FIELDS, derive, hold_ticks)
from .structs import data_type
# where native/spinnaker's Makefile (``pynn-glif3 build-spinnaker``) writes the binaries
from .build import BINARY_DIR  # noqa: E402  (re-exported)

#: Name of the binary built by native/spinnaker (neurons and synapses on one core).
BINARY = "glif3_alpha.aplx"
MODEL_NAME = "GLIF3Alpha"
#: PyNN weights are nA, the C works in pA: the ring buffers hold weight * 1000.
WEIGHT_SCALE = 1000.0
#: Receptor name suffix of the synapse types of negative weights.
NEGATIVE_SUFFIX = "_negative"

_STATE_NEURON = ("v", "asc_1", "asc_2")
_STATE_SYNAPSE = tuple(f"psc_{r}" for r in range(1, model.N_RECEPTORS + 1))
_PARAMS_THRESHOLD = ("v_thresh",)
_PARAMS_SYNAPSE = tuple(f"tau_syn_{r}" for r in range(1, model.N_RECEPTORS + 1))
#: The step of the first update (docs/timing.md), the cell type's extra parameter on every backend.
_START_STEP = "start_step"
_PARAMS_NEURON = tuple(n for n in model.PARAMETER_NAMES
                       if n not in _PARAMS_THRESHOLD + _PARAMS_SYNAPSE) + (_START_STEP,)



def register_binaries():
    """Make sPyNNaker look for ``glif3_alpha.aplx`` in :data:`BINARY_DIR`: it finds an extra
    model's binary only in registered directories (a set: registering twice is harmless)."""
    SpynnakerDataView.register_binary_search_path(BINARY_DIR)


register_binaries()


# ---------------------------------------------------------------------------------------------
# Structs whose fields are computed from the PyNN values

def _all_values(values, name):
    """Every neuron's value of ``name`` in sPyNNaker's value dictionary, as a float array."""
    ranged = values[name]
    if isinstance(ranged, (int, float, np.integer, np.floating)):
        return None, float(ranged)
    out = ranged.get_values()
    try:
        return len(out), np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"GLIF3Alpha on SpiNNaker: parameter {name!r} must be numbers (random "
                         "distributions are not supported yet: draw the values first)") from None


def struct_field_values(values, dt):
    """Field values (float arrays, one per neuron) of the three GLIF3Alpha structs from the PyNN
    parameters and initial values in ``values`` (sPyNNaker's merged parameter dictionary)."""
    names = model.PARAMETER_NAMES + (_START_STEP,) + _STATE_NEURON + _STATE_SYNAPSE
    raw = {name: _all_values(values, name) for name in names}
    n = max([size for size, _ in raw.values() if size is not None] or [1])
    arr = {name: np.broadcast_to(v, (n,)).astype(np.float64) for name, (_, v) in raw.items()}
    model.validate({name: arr[name] for name in model.PARAMETER_NAMES})
    neurons = NeuronParameters(**units.pynn_to_physical(arr))
    neuron, threshold, synapse = derive(neurons, dt, v_init=arr["v"], start_step=arr[_START_STEP])
    neuron["asc_1_init"] = units.nA_to_pA(arr["asc_1"])
    neuron["asc_2_init"] = units.nA_to_pA(arr["asc_2"])
    for r in range(1, model.N_RECEPTORS + 1):
        synapse[f"psc_init_{r}"] = units.nA_to_pA(arr[f"psc_{r}"])
    return n, {**neuron, **threshold, **synapse}


class _FieldView(dict):
    """The struct fields (RangedLists over the population) computed from the PyNN values."""


class DerivedStruct(Struct):
    """A per-neuron sPyNNaker ``Struct`` of the GLIF3Alpha tables whose field values are
    computed from the PyNN parameters each time the data is written."""

    def __init__(self, fields):
        self._table = tuple(fields)
        super().__init__([(data_type(kind), name) for kind, name in fields])

    def _view(self, values):
        n, fields = struct_field_values(values, SpynnakerDataView.get_simulation_time_step_ms())
        view = _FieldView()
        for _, name in self._table:
            view[name] = RangedList(n, [float(x) for x in np.broadcast_to(fields[name], (n,))])
        return view

    @property
    @overrides(Struct.is_generatable)
    def is_generatable(self):
        # The fields are not PyNN values: the host computes them, nothing is generated on board.
        return False

    @overrides(Struct.get_data)
    def get_data(self, values, vertex_slice=None):
        return super().get_data(self._view(values), vertex_slice)

    @overrides(Struct.get_generator_data)
    def get_generator_data(self, values, vertex_slice=None):
        raise NotImplementedError("GLIF3Alpha's parameters are computed on the host")

    @overrides(Struct.read_data)
    def read_data(self, data, values, data_offset=0, vertex_slice=None):
        raise NotImplementedError(
            "reading GLIF3Alpha's state back from the board is not supported yet")


# ---------------------------------------------------------------------------------------------
# Components

def _put(target, names, source):
    for name in names:
        target[name] = AbstractSynapseType._convert(source[name])


class GLIF3NeuronModel(NeuronModel):
    """Membrane, after-spike currents, refractoriness: C ``neuron_params_t``."""
    __slots__ = ("_values",)

    def __init__(self, values):
        super().__init__([DerivedStruct(NEURON_PARAMS_FIELDS)],
                         {name: model.UNITS.get(name, model.RECORDABLE_UNITS.get(name, ""))
                          for name in _PARAMS_NEURON + _STATE_NEURON})
        self._values = values

    @overrides(NeuronModel.add_parameters)
    def add_parameters(self, parameters):
        _put(parameters, _PARAMS_NEURON, self._values)

    @overrides(NeuronModel.add_state_variables)
    def add_state_variables(self, state_variables):
        _put(state_variables, _STATE_NEURON, self._values)


class GLIF3ThresholdType(AbstractThresholdType):
    """``v > V_th - E_L``: C ``threshold_type_params_t``."""
    __slots__ = ("_values",)

    def __init__(self, values):
        super().__init__([DerivedStruct(THRESHOLD_PARAMS_FIELDS)], {"v_thresh": "mV"})
        self._values = values

    @overrides(AbstractThresholdType.add_parameters)
    def add_parameters(self, parameters):
        _put(parameters, _PARAMS_THRESHOLD, self._values)

    @overrides(AbstractThresholdType.add_state_variables)
    def add_state_variables(self, state_variables):
        pass


class GLIF3AlphaSynapseType(AbstractSynapseType):
    """Four alpha receptors, eight synapse types: C ``synapse_types_params_t``.

    Types 0..3 take the positive weights of syn1..syn4, types 4..7 the magnitudes of their
    negative weights (receptors ``syn1_negative`` ..), sharing the receptor's alpha state.
    """
    __slots__ = ("_values",)

    def __init__(self, values):
        super().__init__([DerivedStruct(SYNAPSE_PARAMS_FIELDS)],
                         {**{name: "ms" for name in _PARAMS_SYNAPSE},
                          **{name: "nA" for name in _STATE_SYNAPSE}})
        self._values = values

    @overrides(AbstractSynapseType.add_parameters)
    def add_parameters(self, parameters):
        _put(parameters, _PARAMS_SYNAPSE, self._values)

    @overrides(AbstractSynapseType.add_state_variables)
    def add_state_variables(self, state_variables):
        _put(state_variables, _STATE_SYNAPSE, self._values)

    @overrides(AbstractSynapseType.get_n_synapse_types)
    def get_n_synapse_types(self):
        return N_SYNAPSE_TYPES

    @overrides(AbstractSynapseType.get_synapse_id_by_target)
    def get_synapse_id_by_target(self, target):
        try:
            return SYNAPSE_TYPE_NAMES.index(target)
        except ValueError:
            return None

    @overrides(AbstractSynapseType.get_synapse_targets)
    def get_synapse_targets(self):
        return SYNAPSE_TYPE_NAMES


class CurrentInputPicoAmps(InputTypeCurrent):
    """sPyNNaker's current input, with weights sent in pA (PyNN's nA x 1000)."""
    __slots__ = ()

    @overrides(InputTypeCurrent.get_global_weight_scale)
    def get_global_weight_scale(self):
        return WEIGHT_SCALE


# ---------------------------------------------------------------------------------------------
# The cell type

_D = model.DEFAULT_PARAMETERS


class GLIF3Alpha(AbstractPyNNNeuronModelStandard):
    """GLIF3Alpha on sPyNNaker, with the PyNN parameters of :mod:`pynn_glif3.model`.

    ``v`` defaults to ``v_reset``.  Receptors ``syn1`` .. ``syn4`` (negative weights through
    ``pyNN.spiNNaker.Projection`` with a FromArraysConnector, or receptors ``synN_negative``
    with weight magnitudes).  ``start_step`` (whole steps, default ``timing.START_STEP``): the
    neurons hold their initial state and compute training row m in the update that sPyNNaker
    stamps ``(start_step + 1 + m) h`` (docs/timing.md).
    """

    @default_initial_values({"v", "asc_1", "asc_2", "psc_1", "psc_2", "psc_3", "psc_4"})
    def __init__(self, v_rest=_D["v_rest"], v_thresh=_D["v_thresh"], v_reset=_D["v_reset"],
                 cm=_D["cm"], tau_m=_D["tau_m"], tau_refrac=_D["tau_refrac"],
                 i_offset=_D["i_offset"], asc_amp_1=_D["asc_amp_1"], asc_amp_2=_D["asc_amp_2"],
                 asc_decay_1=_D["asc_decay_1"], asc_decay_2=_D["asc_decay_2"],
                 tau_syn_1=_D["tau_syn_1"], tau_syn_2=_D["tau_syn_2"],
                 tau_syn_3=_D["tau_syn_3"], tau_syn_4=_D["tau_syn_4"],
                 start_step=START_STEP,
                 v=None, asc_1=0.0, asc_2=0.0, psc_1=0.0, psc_2=0.0, psc_3=0.0, psc_4=0.0):
        values = dict(locals())
        values.pop("self")
        values.pop("__class__", None)
        if values["v"] is None:
            values["v"] = v_reset
        numeric = {name: values[name] for name in model.PARAMETER_NAMES
                   if not hasattr(values[name], "next")}
        model.validate(numeric)
        if not hasattr(start_step, "next"):
            hold_ticks(start_step)          # a whole number >= 0, or a clear error now
        super().__init__(
            model_name=MODEL_NAME, binary=BINARY,
            neuron_model=GLIF3NeuronModel(values), input_type=CurrentInputPicoAmps(),
            synapse_type=GLIF3AlphaSynapseType(values),
            threshold_type=GLIF3ThresholdType(values))


# ---------------------------------------------------------------------------------------------
# Signed projections

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
    from ..connectors import FromArraysConnector
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

    A :class:`~pynn_glif3.connectors.FromArraysConnector` (or a sPyNNaker FromListConnector with
    weight / delay columns) onto a GLIF3Alpha receptor ``synN`` becomes one sPyNNaker
    FromListConnector projection per sign (positive weights on ``synN``, magnitudes of negative
    ones on ``synN_negative``), returned as a :class:`SignedProjection`; so does any connector
    with one negative weight (``StaticSynapse(weight=-w)``).  Anything else goes to sPyNNaker's
    Projection unchanged (sPyNNaker rejects mixed signs there).
    """
    from spynnaker.pyNN.models.projection import Projection as SpiNNakerProjection
    from ..connectors import FromArraysConnector

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


# ---------------------------------------------------------------------------------------------

def _plain_times(times):
    """Spike times as sPyNNaker takes them: PyNN ``Sequence`` objects become arrays."""
    from pyNN.parameters import Sequence
    if isinstance(times, Sequence):
        return np.asarray(times.value, dtype=float)
    if isinstance(times, (list, tuple)) and any(isinstance(t, Sequence) for t in times):
        return [_plain_times(t) for t in times]
    return times


def _spike_source_array_class():
    from spynnaker.pyNN.models.spike_source.spike_source_array import SpikeSourceArray as Base

    class SpikeSourceArray(Base):
        """sPyNNaker's SpikeSourceArray, also taking PyNN ``Sequence`` spike times (as PyNN's
        other simulators do)."""

        def __init__(self, spike_times=None):
            super().__init__(spike_times=_plain_times(spike_times))

    SpikeSourceArray.__module__ = __name__
    return SpikeSourceArray


def activate():
    """Prepare ``pyNN.spiNNaker`` for GLIF3Alpha: signed projections from FromArraysConnector,
    spike times given as PyNN Sequences."""
    import pyNN.spiNNaker as sim
    if getattr(sim.Projection, "__module__", None) != __name__:
        sim.Projection = Projection
    if getattr(sim.SpikeSourceArray, "__module__", None) != __name__:
        sim.SpikeSourceArray = _spike_source_array_class()
