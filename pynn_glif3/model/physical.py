"""Plain-array descriptions of neurons and synapses, shared by the reference, the TF layer and tests.

These hold the physical view (the data files' units): see :data:`pynn_glif3.model.PHYSICAL_UNITS`.
"""

from dataclasses import dataclass, fields

import numpy as np

from pynn_glif3.model import N_RECEPTORS, PHYSICAL_COLUMNS, validate_physical


@dataclass
class NeuronParameters:
    """Per-neuron GLIF3 parameters: (N,) arrays, ``k``/``asc_amps`` (N, 2), ``tau_syn`` (N, 4)."""
    E_L: np.ndarray        # mV
    V_th: np.ndarray       # mV
    V_reset: np.ndarray    # mV
    C_m: np.ndarray        # pF
    g: np.ndarray          # nS
    t_ref: np.ndarray      # ms
    k: np.ndarray          # 1/ms, (N, 2)
    asc_amps: np.ndarray   # pA, (N, 2)
    tau_syn: np.ndarray    # ms, (N, 4)
    I_offset: np.ndarray = None  # pA, default 0

    def __post_init__(self):
        n = np.atleast_1d(np.asarray(self.E_L)).size
        if self.I_offset is None:
            self.I_offset = 0.0
        for f in fields(self):
            value = np.asarray(getattr(self, f.name), dtype=np.float64)
            columns = PHYSICAL_COLUMNS[f.name]
            shape = (n,) if columns is None else (n, columns)
            try:
                value = np.broadcast_to(value, shape).copy()
            except ValueError:
                raise ValueError(f"neuron parameter {f.name!r} has shape {value.shape}, "
                                 f"expected {shape} for {n} neurons") from None
            setattr(self, f.name, value)
        validate_physical(self.as_dict())

    @property
    def n(self):
        return self.E_L.size

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def coerce(cls, value):
        """Accept a NeuronParameters or a mapping with the physical names."""
        if isinstance(value, cls):
            return value
        return cls(**dict(value))

    def take(self, index):
        """The parameters of a subset of neurons."""
        return NeuronParameters(**{name: a[index] for name, a in self.as_dict().items()})


@dataclass
class Synapses:
    """Synapses as parallel arrays: source and target indices, receptor 0..3, weight (pA), delay (ms).

    ``delay`` is None for external input synapses (they act at the step the input spike is given).
    """
    source: np.ndarray
    target: np.ndarray
    receptor: np.ndarray
    weight: np.ndarray
    delay: np.ndarray = None

    def __post_init__(self):
        self.source = np.asarray(self.source, dtype=np.int64).ravel()
        self.target = np.asarray(self.target, dtype=np.int64).ravel()
        self.receptor = np.asarray(self.receptor, dtype=np.int64).ravel()
        self.weight = np.asarray(self.weight, dtype=np.float64).ravel()
        n = self.source.size
        arrays = [("target", self.target), ("receptor", self.receptor), ("weight", self.weight)]
        if self.delay is not None:
            self.delay = np.asarray(self.delay, dtype=np.float64).ravel()
            arrays.append(("delay", self.delay))
        for name, a in arrays:
            if a.size != n:
                raise ValueError(f"synapse array {name!r} has {a.size} entries, 'source' has {n}")
        if n and (self.receptor.min() < 0 or self.receptor.max() >= N_RECEPTORS):
            raise ValueError(f"synapse receptor indices must be 0..{N_RECEPTORS - 1}, "
                             f"got {self.receptor.min()}..{self.receptor.max()}")
        if not np.all(np.isfinite(self.weight)):
            raise ValueError("synapse weights must be finite")

    @property
    def n(self):
        return self.source.size

    def check_indices(self, n_sources, n_targets, what="synapses"):
        for name, idx, bound in (("source", self.source, n_sources), ("target", self.target, n_targets)):
            if idx.size and (idx.min() < 0 or idx.max() >= bound):
                raise ValueError(f"{what}: {name} indices span {idx.min()}..{idx.max()}, "
                                 f"expected 0..{bound - 1}")

    @classmethod
    def coerce(cls, value):
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        return cls(*value)

    @classmethod
    def empty(cls, with_delay):
        z = np.zeros(0)
        return cls(z, z, z, z, z if with_delay else None)


# The native view: the physical parameters under the names of the native models (NEST module,
# GeNN variables; the right-hand names of model.NATIVE_TRANSLATIONS), one value per neuron.
_NATIVE_STEM = {"I_offset": "I_e", "asc_amps": "asc_amp"}
#: native name -> (physical name, column or None)
NATIVE_PARAMETERS = {}
for _name, _columns in PHYSICAL_COLUMNS.items():
    _stem = _NATIVE_STEM.get(_name, _name)
    if _columns is None:
        NATIVE_PARAMETERS[_stem] = (_name, None)
    else:
        NATIVE_PARAMETERS.update({f"{_stem}_{j + 1}": (_name, j) for j in range(_columns)})
del _name, _columns, _stem


def native_values(neurons):
    """{native name: (N,) array} of per-neuron physical parameters."""
    p = NeuronParameters.coerce(neurons)
    return {native: getattr(p, name) if column is None else getattr(p, name)[:, column]
            for native, (name, column) in NATIVE_PARAMETERS.items()}


def from_native(values):
    """:class:`NeuronParameters` from a mapping of native names to per-neuron values."""
    columns = {}
    for native, (name, column) in NATIVE_PARAMETERS.items():
        value = np.asarray(values[native], dtype=np.float64)
        if column is None:
            columns[name] = value
        else:
            columns.setdefault(name, {})[column] = value
    return NeuronParameters(**{name: value if not isinstance(value, dict)
                               else np.stack([value[j] for j in sorted(value)], axis=1)
                               for name, value in columns.items()})
