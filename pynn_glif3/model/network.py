"""An in-memory, simulator-free description of a trained V1 network.

Every reader in :mod:`pynn_glif3.io` converts its file format into a :class:`V1Network`; the
network builder turns a :class:`V1Network` into populations and projections on a PyNN simulator.
All quantities are in the physical view of the data files (mV, pF, nS, pA, ms, 1/ms, µm), as in
:mod:`pynn_glif3.model.physical`.

Background weights.  The training model adds, at every step ``n``, ``b[i, r] * c_n`` to receptor
``r`` of neuron ``i``, with one count ``c_n ~ Binomial(10, 0.1)`` per step shared by all neurons
(``docs/model.md``).  :attr:`V1Network.bkg_weights` holds that ``b`` in pA per count.  The users'
trained-network files and the TF checkpoint store ``10 * b / vs`` (``vs = V_th - E_L`` of the
neuron), so ``b = stored * vs / 10``; the training code's ``input_dat.pkl`` and the SONATA release
hold ``b`` itself (the weight of the 1 kHz background source, in pA).
"""

from dataclasses import dataclass, field, replace
import json

import numpy as np

from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS, delay_steps
from pynn_glif3.model.physical import NeuronParameters, Synapses

#: The 17 cell classes of the Billeh model, in laminar order.
CELL_CLASSES = (
    "L1_Htr3a",
    "L23_E", "L23_Pvalb", "L23_Sst", "L23_Htr3a",
    "L4_E", "L4_Pvalb", "L4_Sst", "L4_Htr3a",
    "L5_E", "L5_Pvalb", "L5_Sst", "L5_Htr3a",
    "L6_E", "L6_Pvalb", "L6_Sst", "L6_Htr3a",
)


def cell_class_of_pop_name(pop_name):
    """The cell class (one of :data:`CELL_CLASSES`) of a Billeh ``pop_name`` such as ``e5Rbp4``,
    ``i23Pvalb`` or ``LIFe4``; None when the name does not follow the Billeh convention."""
    name = str(pop_name)
    if name.startswith("LIF"):
        name = name[3:]
    if not name or name[0] not in "ei":
        return None
    ei, rest = name[0], name[1:]
    layer = None
    for prefix, label in (("23", "L23"), ("1", "L1"), ("2", "L23"), ("4", "L4"), ("5", "L5"),
                          ("6", "L6")):
        if rest.startswith(prefix):
            layer, rest = label, rest[len(prefix):]
            break
    if layer is None:
        return None
    if ei == "e":
        return f"{layer}_E" if layer != "L1" else None
    for kind in ("Pvalb", "Sst", "Htr3a"):
        if rest.startswith(kind):
            cls = f"{layer}_{kind}"
            return cls if cls in CELL_CLASSES else None
    return None


def is_excitatory_class(name):
    return str(name).endswith("_E")


@dataclass
class V1Network:
    """A trained (or synthetic) V1 network, independent of any simulator.

    Attributes
    ----------
    neurons : NeuronParameters
        Per-neuron GLIF3 parameters, physical units.
    recurrent : Synapses
        Recurrent synapses: source/target neuron indices, receptor 0..3, weight in pA (the stored
        normalised weight times the TARGET's ``vs = V_th - E_L``), delay in ms as stored in the
        source (raw: neither clipped nor rounded; see :meth:`delay_steps`).
    inputs : Synapses
        LGN -> V1 synapses: source = LGN unit 0..n_inputs-1, weight pA, no delay (an input spike
        acts on the step it is given).
    n_inputs : int
        Number of LGN units.
    bkg_weights : (N, 4) array or None
        Background weight ``b`` per neuron and receptor, pA per background count (see the module
        docstring: ``b = stored * vs / 10`` for the users' files).  None when the source has none.
    readout_ids : (n_classes, pool_size) int array or None
        Readout pools; class ``c`` is row ``c``.
    positions : (N, 3) array or None
        x, y, z in µm (y is cortical depth).
    node_type_ids : (N,) int array or None, node_type_names : tuple of str or None
        Node type of each neuron, and the type names (e.g. Billeh ``pop_name``) if known.
    cell_class : (N,) int array or None
        Index into :data:`CELL_CLASSES` of each neuron (-1: unknown).
    tuning_angles : (N,) array or None
        Preferred orientation (degrees) where the source has it.
    provenance : dict
        Where the data came from: ``source`` (file), ``format``, ``variant`` and notes; JSON-able.
    """
    neurons: NeuronParameters
    recurrent: Synapses
    inputs: Synapses
    n_inputs: int
    bkg_weights: np.ndarray = None
    readout_ids: np.ndarray = None
    positions: np.ndarray = None
    node_type_ids: np.ndarray = None
    node_type_names: tuple = None
    cell_class: np.ndarray = None
    tuning_angles: np.ndarray = None
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        self.neurons = NeuronParameters.coerce(self.neurons)
        self.recurrent = Synapses.coerce(self.recurrent)
        self.inputs = Synapses.coerce(self.inputs)
        n = self.neurons.n
        self.n_inputs = int(self.n_inputs)
        if self.recurrent is None:
            self.recurrent = Synapses.empty(with_delay=True)
        if self.inputs is None:
            self.inputs = Synapses.empty(with_delay=False)
        if self.recurrent.delay is None:
            raise ValueError("V1Network: recurrent synapses need delays (ms)")
        if self.recurrent.n and np.any(self.recurrent.delay < 0):
            raise ValueError("V1Network: recurrent delays must not be negative (ms)")
        self.recurrent.check_indices(n, n, "V1Network recurrent synapses")
        self.inputs.check_indices(self.n_inputs, n, "V1Network input synapses")
        if self.bkg_weights is not None:
            self.bkg_weights = np.asarray(self.bkg_weights, dtype=np.float64)
            if self.bkg_weights.shape != (n, N_RECEPTORS):
                raise ValueError(f"V1Network: bkg_weights has shape {self.bkg_weights.shape}, "
                                 f"expected ({n}, {N_RECEPTORS})")
            if not np.all(np.isfinite(self.bkg_weights)):
                raise ValueError("V1Network: bkg_weights must be finite")
        if self.readout_ids is not None:
            r = np.asarray(self.readout_ids)
            if r.ndim != 2:
                raise ValueError(f"V1Network: readout_ids must be (n_classes, pool_size), got {r.shape}")
            if r.size and (r.min() < 0 or r.max() >= n):
                raise ValueError(f"V1Network: readout neuron ids span {r.min()}..{r.max()}, "
                                 f"expected 0..{n - 1}")
            self.readout_ids = r.astype(np.int64)
        if self.positions is not None:
            self.positions = np.asarray(self.positions, dtype=np.float64)
            if self.positions.shape != (n, 3):
                raise ValueError(f"V1Network: positions has shape {self.positions.shape}, "
                                 f"expected ({n}, 3)")
        for name in ("node_type_ids", "cell_class"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value).astype(np.int64)
                if value.shape != (n,):
                    raise ValueError(f"V1Network: {name} has shape {value.shape}, expected ({n},)")
                setattr(self, name, value)
        if self.node_type_names is not None:
            self.node_type_names = tuple(str(s) for s in self.node_type_names)
            if self.node_type_ids is not None and n and self.node_type_ids.max() >= len(self.node_type_names):
                raise ValueError("V1Network: node_type_ids exceed the node_type_names given")
        if self.cell_class is not None and n:
            if self.cell_class.min() < -1 or self.cell_class.max() >= len(CELL_CLASSES):
                raise ValueError(f"V1Network: cell_class indices must be -1..{len(CELL_CLASSES) - 1}")
        if self.tuning_angles is not None:
            self.tuning_angles = np.asarray(self.tuning_angles, dtype=np.float64)
            if self.tuning_angles.shape != (n,):
                raise ValueError(f"V1Network: tuning_angles has shape {self.tuning_angles.shape}, "
                                 f"expected ({n},)")
        self.provenance = dict(self.provenance or {})
        json.dumps(self.provenance)   # must stay serialisable (the native format stores it)

    # ---------------------------------------------------------------------------------------
    @property
    def n_neurons(self):
        return self.neurons.n

    @property
    def n_classes(self):
        return None if self.readout_ids is None else self.readout_ids.shape[0]

    @property
    def vs(self):
        """Voltage scale ``V_th - E_L`` of each neuron (mV)."""
        return self.neurons.V_th - self.neurons.E_L

    def delay_steps(self, dt=1.0, max_delay_ms=TRAINING_MAX_DELAY_MS):
        """Recurrent delays in whole steps by the training rule (clip to [dt, max], round)."""
        return delay_steps(self.recurrent.delay, dt, max_delay_ms)

    def clipped_delays(self, dt=1.0, max_delay_ms=TRAINING_MAX_DELAY_MS):
        """How many recurrent delays the training rule changes: (n below dt, n above max)."""
        d = self.recurrent.delay
        upper = np.inf if max_delay_ms is None else max(float(max_delay_ms), dt)
        return int(np.count_nonzero(d < dt)), int(np.count_nonzero(d > upper))

    def populations(self):
        """``{cell class name: neuron indices}`` for the classes present (empty if unknown)."""
        if self.cell_class is None:
            return {}
        out = {}
        for i, name in enumerate(CELL_CLASSES):
            idx = np.flatnonzero(self.cell_class == i)
            if idx.size:
                out[name] = idx
        return out

    def excitatory(self):
        """Boolean (N,): excitatory neurons, from the cell classes if known, else from the sign of
        each neuron's outgoing recurrent weights (neurons without any: True)."""
        if self.cell_class is not None and np.all(self.cell_class >= 0):
            names = np.array(CELL_CLASSES)
            return np.char.endswith(names[self.cell_class], "_E")
        negative = np.zeros(self.n_neurons, dtype=bool)
        negative[self.recurrent.source[self.recurrent.weight < 0]] = True
        return ~negative

    def take(self, index):
        """The sub-network of neurons ``index`` (indices or a boolean mask), renumbered in order.

        Synapses between kept neurons and inputs onto kept neurons are kept.  Readout pools are
        kept (renumbered) only if every readout neuron is kept; otherwise they are dropped.
        """
        n = self.n_neurons
        idx = np.arange(n)[index] if np.asarray(index).dtype == bool else np.asarray(index, np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"take: neuron indices must be in 0..{n - 1}")
        if np.unique(idx).size != idx.size:
            raise ValueError("take: neuron indices must be unique")
        new_id = np.full(n, -1, dtype=np.int64)
        new_id[idx] = np.arange(idx.size)

        def sub(syn, both):
            keep = new_id[syn.target] >= 0
            if both:
                keep &= new_id[syn.source] >= 0
            return Synapses(new_id[syn.source[keep]] if both else syn.source[keep],
                            new_id[syn.target[keep]], syn.receptor[keep], syn.weight[keep],
                            None if syn.delay is None else syn.delay[keep])

        readout = None
        prov = dict(self.provenance)
        prov["subset"] = {"of_n_neurons": int(n), "n_kept": int(idx.size)}
        if self.readout_ids is not None:
            mapped = new_id[self.readout_ids]
            if np.all(mapped >= 0):
                readout = mapped
            else:
                prov["subset"]["readout"] = "dropped: not every readout neuron is in the subset"
        pick = lambda a: None if a is None else a[idx]  # noqa: E731
        return replace(self, neurons=self.neurons.take(idx), recurrent=sub(self.recurrent, True),
                       inputs=sub(self.inputs, False), bkg_weights=pick(self.bkg_weights),
                       readout_ids=readout, positions=pick(self.positions),
                       node_type_ids=pick(self.node_type_ids), cell_class=pick(self.cell_class),
                       tuning_angles=pick(self.tuning_angles), provenance=prov)

    def summary(self):
        """A few lines describing the network."""
        rec, inp = self.recurrent, self.inputs
        lines = [f"V1Network: {self.n_neurons} neurons, {rec.n} recurrent synapses, "
                 f"{inp.n} input synapses from {self.n_inputs} LGN units"]
        src = self.provenance.get("source")
        if src:
            lines.append(f"  source: {src} ({self.provenance.get('format', '?')}"
                         f"{', ' + self.provenance['variant'] if self.provenance.get('variant') else ''})")
        if self.node_type_ids is not None and self.n_neurons:
            lines.append(f"  node types: {np.unique(self.node_type_ids).size} in use")
        pops = self.populations()
        if pops:
            lines.append("  cell classes: " + ", ".join(f"{k} {v.size}" for k, v in pops.items()))
        if rec.n:
            neg = np.count_nonzero(rec.weight < 0)
            lines.append(f"  recurrent weights: {neg} negative ({100.0 * neg / rec.n:.1f}%), "
                         f"|w| median {np.median(np.abs(rec.weight)):.3g} pA; receptors "
                         + " ".join(f"syn{r + 1}:{np.count_nonzero(rec.receptor == r)}"
                                    for r in range(N_RECEPTORS)))
            below, above = self.clipped_delays()
            lines.append(f"  delays {rec.delay.min():.3g}..{rec.delay.max():.3g} ms; the training "
                         f"rule (clip to [1, {TRAINING_MAX_DELAY_MS:g}] ms at dt 1) lengthens "
                         f"{below} and shortens {above}")
        lines.append("  background weights: " + ("none" if self.bkg_weights is None else
                                                 f"mean per receptor {np.round(self.bkg_weights.mean(0), 3).tolist()} pA"))
        lines.append("  readout: " + ("none" if self.readout_ids is None else
                                      f"{self.readout_ids.shape[0]} classes x {self.readout_ids.shape[1]} neurons"))
        return "\n".join(lines)
