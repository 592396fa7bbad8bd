"""The 17 cell classes of the Billeh V1 model: proportions, layers, node types, LGN in-degrees."""

from dataclasses import dataclass

import numpy as np

from pynn_glif3.model.network import CELL_CLASSES

#: Layer depth ranges (µm from the pia; the ``y`` coordinate).
LAYER_DEPTH = {"L1": (0.0, 100.0), "L23": (100.0, 310.0), "L4": (310.0, 430.0),
               "L5": (430.0, 650.0), "L6": (650.0, 860.0)}
#: Layers from the pia down: the connection rules count layer distances in this order.
LAYERS = ("L1", "L23", "L4", "L5", "L6")


@dataclass(frozen=True)
class CellClass:
    name: str
    layer: str
    family: str       # E, Pvalb, Sst, Htr3a
    fraction: float
    n_types: int
    pop_names: tuple  # Billeh pop_name of its node types (cycled)
    lgn_indegree: float

    @property
    def excitatory(self):
        return self.family == "E"


CLASSES = (
    CellClass("L1_Htr3a", "L1", "Htr3a", 0.015, 3, ("i1Htr3a",), 2.0),
    CellClass("L23_E", "L23", "E", 0.255, 10, ("e23Cux2",), 6.0),
    CellClass("L23_Pvalb", "L23", "Pvalb", 0.013, 5, ("i23Pvalb",), 8.0),
    CellClass("L23_Sst", "L23", "Sst", 0.009, 5, ("i23Sst",), 3.0),
    CellClass("L23_Htr3a", "L23", "Htr3a", 0.018, 6, ("i23Htr3a",), 4.0),
    CellClass("L4_E", "L4", "E", 0.180, 16, ("e4Scnn1a", "e4Rorb", "e4other", "e4Nr5a1"), 40.0),
    CellClass("L4_Pvalb", "L4", "Pvalb", 0.020, 5, ("i4Pvalb",), 45.0),
    CellClass("L4_Sst", "L4", "Sst", 0.009, 5, ("i4Sst",), 15.0),
    CellClass("L4_Htr3a", "L4", "Htr3a", 0.006, 5, ("i4Htr3a",), 15.0),
    CellClass("L5_E", "L5", "E", 0.165, 14, ("e5Rbp4", "e5noRbp4"), 12.0),
    CellClass("L5_Pvalb", "L5", "Pvalb", 0.017, 5, ("i5Pvalb",), 20.0),
    CellClass("L5_Sst", "L5", "Sst", 0.015, 5, ("i5Sst",), 6.0),
    CellClass("L5_Htr3a", "L5", "Htr3a", 0.005, 4, ("i5Htr3a",), 6.0),
    CellClass("L6_E", "L6", "E", 0.225, 12, ("e6Ntsr1",), 10.0),
    CellClass("L6_Pvalb", "L6", "Pvalb", 0.016, 4, ("i6Pvalb",), 15.0),
    CellClass("L6_Sst", "L6", "Sst", 0.017, 4, ("i6Sst",), 5.0),
    CellClass("L6_Htr3a", "L6", "Htr3a", 0.015, 3, ("i6Htr3a",), 5.0),
)
N_TYPES = 111
assert tuple(c.name for c in CLASSES) == CELL_CLASSES
assert sum(c.n_types for c in CLASSES) == N_TYPES


def class_fractions():
    """Fraction of each class as listed (sums to 1 only up to rounding, so users normalise)."""
    return np.array([c.fraction for c in CLASSES])


def class_counts(n_neurons):
    """Neurons per class for a network of ``n_neurons`` (largest remainder rounding)."""
    frac = class_fractions()
    frac = frac / frac.sum()
    raw = frac * n_neurons
    counts = np.floor(raw).astype(np.int64)
    rest = n_neurons - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


def excitatory_of(class_index):
    """Whether each entry of ``class_index`` (indices into CLASSES) is an excitatory class."""
    return np.array([c.excitatory for c in CLASSES])[class_index]
