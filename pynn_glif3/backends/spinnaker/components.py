"""The sPyNNaker components of GLIF3Alpha: neuron model, threshold, synapse type, input type.

The four components of sPyNNaker's standard neuron implementation declare the C structs of
``native/spinnaker`` field for field, from the tables of :mod:`.layout` (through :mod:`.structs`).
Most fields are host-computed constants (decay factors, refractory steps, voltages relative to
E_L), so the components keep the PyNN parameters (the names of :mod:`pynn_glif3.model`) in
sPyNNaker's parameter dictionary, and the structs compute their fields from them with
:func:`.layout.derive` whenever sPyNNaker writes the neuron data: a ``Population.set()`` of, say,
``tau_m`` reaches ``decay_v`` and ``drive_v``.

Parameters given in the physical view (the data files' units, by the backend's
``set_neuron_parameters``) are also kept exactly, beside the PyNN values made from them
(:class:`GivenPhysical`): the PyNN round trip (pF -> nF -> pF, C_m, g -> tau_m -> g) can move a
value by a rounding step, and that step can change a fixed-point struct word.

Receptors: ``syn1`` .. ``syn4`` are synapse types 0..3 (positive weights), ``syn1_negative`` ..
``syn4_negative`` types 4..7 (magnitudes of negative weights): see :mod:`.projections`.
Design: docs/spinnaker.md.
"""

import hashlib

import numpy as np

from spinn_utilities.overrides import overrides
from spinn_utilities.ranged import RangedList
from spynnaker.pyNN.data import SpynnakerDataView
from spynnaker.pyNN.models.neuron.input_types import InputTypeCurrent
from spynnaker.pyNN.models.neuron.neuron_models import NeuronModel
from spynnaker.pyNN.models.neuron.synapse_types import AbstractSynapseType
from spynnaker.pyNN.models.neuron.threshold_types import AbstractThresholdType
from spynnaker.pyNN.utilities.struct import Struct

from pynn_glif3 import model
from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters
from pynn_glif3.backends.spinnaker.layout import (NEURON_PARAMS_FIELDS, N_SYNAPSE_TYPES,
                                                  SYNAPSE_PARAMS_FIELDS, SYNAPSE_TYPE_NAMES,
                                                  THRESHOLD_PARAMS_FIELDS, derive)
from pynn_glif3.backends.spinnaker.structs import data_type

#: PyNN weights are nA, the C works in pA: the ring buffers hold weight * 1000.
WEIGHT_SCALE = 1000.0

_STATE_NEURON = ("v", "asc_1", "asc_2")
_STATE_SYNAPSE = tuple(f"psc_{r}" for r in range(1, model.N_RECEPTORS + 1))
_PARAMS_THRESHOLD = ("v_thresh",)
_PARAMS_SYNAPSE = tuple(f"tau_syn_{r}" for r in range(1, model.N_RECEPTORS + 1))
#: The step of the first update (docs/timing.md), the cell type's extra parameter on every backend.
_START_STEP = "start_step"
_PARAMS_NEURON = tuple(n for n in model.PARAMETER_NAMES
                       if n not in _PARAMS_THRESHOLD + _PARAMS_SYNAPSE) + (_START_STEP,)


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


class GivenPhysical:
    """The physical parameters last given to a GLIF3Alpha Population, with the PyNN values put into
    sPyNNaker's dictionary for them; shared by the three structs of one cell type.

    The structs need physical values (:func:`.layout.derive`), sPyNNaker's dictionary holds PyNN
    values (``Population.get`` and ``set`` work in PyNN units), and converting the given physical
    values to PyNN units and back can move a value by a rounding step (``C_m / 1000 * 1000``,
    ``C_m / (C_m / g)``), enough to change a fixed-point word of the structs.  So the given values
    are kept, and :meth:`physical` is the one rule for which of them the structs use.  (A cell type
    object given to two Populations shares one; the rule still gives each neuron values whose PyNN
    view is its own.)
    """

    def __init__(self):
        self._physical = None       # NeuronParameters, as given
        self._pynn = None           # {PyNN name: (N,) array}, what was put into the dictionary
        self.version = 0            # counts what was given: structs computed before are stale

    def keep(self, physical, pynn):
        """Remember ``physical`` (NeuronParameters) as the values behind the PyNN arrays
        ``pynn`` (one value per neuron, as set in sPyNNaker's dictionary)."""
        self._physical = NeuronParameters(**physical.as_dict())          # a copy
        self._pynn = {name: np.array(np.broadcast_to(np.asarray(pynn[name], dtype=np.float64),
                                                     (physical.n,)))
                      for name in model.PARAMETER_NAMES}
        self.version += 1

    def physical(self, pynn):
        """The physical parameters for the PyNN values ``pynn`` ({name: (N,) float array}).

        A neuron whose PyNN parameters all still equal those set from the given physical values
        gets the given values exactly (one conversion, physical -> struct, as the fixed-point model
        of :mod:`pynn_glif3.verification.spinnaker_fixed_point` has it); any other neuron (one
        changed by a later ``Population.set``, or all of them when nothing was given or the sizes
        differ) gets its PyNN values converted, so a newer ``set`` always takes effect.  The rule is
        per neuron, not per value: one PyNN value may feed several physical ones (``cm`` both C_m
        and g), and a neuron's values then all come from one view.
        """
        converted = NeuronParameters(**units.pynn_to_physical(pynn))
        if self._physical is None or self._physical.n != converted.n:
            return converted
        unchanged = np.logical_and.reduce([np.asarray(pynn[name], dtype=np.float64) == given
                                           for name, given in self._pynn.items()])
        if not unchanged.any():
            return converted
        exact = self._physical.as_dict()
        return NeuronParameters(**{
            name: np.where(unchanged.reshape((-1,) + (1,) * (value.ndim - 1)), exact[name], value)
            for name, value in converted.as_dict().items()})


#: What the structs are computed from: the PyNN parameters, start step and initial values.
_STRUCT_INPUTS = model.PARAMETER_NAMES + (_START_STEP,) + _STATE_NEURON + _STATE_SYNAPSE


def struct_inputs(values):
    """{name: (N,) float array} of :data:`_STRUCT_INPUTS` in ``values`` (sPyNNaker's merged
    parameter dictionary)."""
    raw = {name: _all_values(values, name) for name in _STRUCT_INPUTS}
    n = max([size for size, _ in raw.values() if size is not None] or [1])
    return {name: np.broadcast_to(v, (n,)).astype(np.float64) for name, (_, v) in raw.items()}


def struct_field_values(arr, dt, given=None):
    """Field values (float arrays, one per neuron) of the three GLIF3Alpha structs from the PyNN
    parameters and initial values ``arr`` (:func:`struct_inputs`), and the physical values
    ``given`` to the Population (a :class:`GivenPhysical`, see there) if any."""
    n = arr["v"].size
    model.validate({name: arr[name] for name in model.PARAMETER_NAMES})
    pynn = {name: arr[name] for name in model.PARAMETER_NAMES}
    neurons = (given if given is not None else GivenPhysical()).physical(pynn)
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
    computed from the PyNN parameters (and the physical values ``given``, a :class:`GivenPhysical`)
    each time the data is written."""

    def __init__(self, fields, given):
        self._table = tuple(fields)
        self._given = given
        self._last = (None, None)   # (what the fields were computed from, their view)
        super().__init__([(data_type(kind), name) for kind, name in fields])

    def _view(self, values):
        # sPyNNaker asks once per core (slice) for the whole population's values: the fields are
        # computed again only when what they are computed from has changed
        arr = struct_inputs(values)
        dt = SpynnakerDataView.get_simulation_time_step_ms()
        digest = hashlib.blake2b(repr((dt, self._given.version)).encode())
        for name in _STRUCT_INPUTS:
            digest.update(arr[name].tobytes())
        key, view = self._last
        if key == digest.digest():
            return view
        n, fields = struct_field_values(arr, dt, self._given)
        view = _FieldView()
        for _, name in self._table:
            view[name] = RangedList(n, [float(x) for x in np.broadcast_to(fields[name], (n,))])
        self._last = (digest.digest(), view)
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

    def __init__(self, values, given):
        super().__init__([DerivedStruct(NEURON_PARAMS_FIELDS, given)],
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

    def __init__(self, values, given):
        super().__init__([DerivedStruct(THRESHOLD_PARAMS_FIELDS, given)], {"v_thresh": "mV"})
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

    def __init__(self, values, given):
        super().__init__([DerivedStruct(SYNAPSE_PARAMS_FIELDS, given)],
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
