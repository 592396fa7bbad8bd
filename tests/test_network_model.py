"""The in-memory network description: validation, subsets, summary, class names."""

import numpy as np
import pytest

from pynn_glif3.generate import synthetic
from pynn_glif3.model.physical import Synapses
from pynn_glif3.model.network import CELL_CLASSES, V1Network, cell_class_of_pop_name


@pytest.fixture(scope="module")
def net():
    return synthetic.generate_v1(300, seed=1, n_lgn=200, n_classes=2, pool_size=5)


@pytest.mark.parametrize("pop, cls", [
    ("e23Cux2", "L23_E"), ("i1Htr3a", "L1_Htr3a"), ("e4Scnn1a", "L4_E"), ("e4other", "L4_E"),
    ("i4Pvalb", "L4_Pvalb"), ("e5noRbp4", "L5_E"), ("i5Sst", "L5_Sst"), ("e6Ntsr1", "L6_E"),
    ("i6Htr3a", "L6_Htr3a"), ("LIFe4", "L4_E"), ("LGN", None), ("e1x", None), ("i4Vip", None),
])
def test_cell_class_of_billeh_pop_names(pop, cls):
    assert cell_class_of_pop_name(pop) == cls


def test_take_keeps_synapses_among_the_subset(net):
    keep = np.flatnonzero(net.excitatory())[:120]
    sub = net.take(keep)
    assert sub.n_neurons == 120
    old = {(s, t) for s, t in zip(keep[sub.recurrent.source], keep[sub.recurrent.target])}
    inside = np.isin(net.recurrent.source, keep) & np.isin(net.recurrent.target, keep)
    assert old == set(zip(net.recurrent.source[inside], net.recurrent.target[inside]))
    assert sub.inputs.n == np.isin(net.inputs.target, keep).sum()
    assert np.array_equal(sub.bkg_weights, net.bkg_weights[keep])
    assert np.array_equal(sub.neurons.V_th, net.neurons.V_th[keep])
    assert sub.readout_ids is None and "readout" in sub.provenance["subset"]
    mask = np.zeros(net.n_neurons, bool)
    mask[net.readout_ids.ravel()] = True
    mask[:50] = True
    sub2 = net.take(mask)
    assert sub2.readout_ids is not None
    assert np.array_equal(np.flatnonzero(mask)[sub2.readout_ids], net.readout_ids)
    with pytest.raises(ValueError):
        net.take([0, 0])


def test_summary_and_helpers(net):
    text = net.summary()
    assert "300 neurons" in text and "readout: 2 classes x 5 neurons" in text
    assert "L5_E" in text and "syn1:" in text
    below, above = net.clipped_delays()
    assert below == np.count_nonzero(net.recurrent.delay < 1) and above == np.count_nonzero(net.recurrent.delay > 5)
    steps = net.delay_steps()
    assert steps.min() >= 1 and steps.max() <= 5
    assert np.allclose(net.vs, net.neurons.V_th - net.neurons.E_L)
    # excitatory from weight signs when classes are unknown
    anon = V1Network(net.neurons, net.recurrent, net.inputs, net.n_inputs)
    has_out = np.bincount(net.recurrent.source, minlength=net.n_neurons) > 0
    assert np.array_equal(anon.excitatory()[has_out], net.excitatory()[has_out])
    assert list(net.populations()) == [c for c in CELL_CLASSES if c in net.populations()]


def test_validation(net):
    p = net.neurons
    with pytest.raises(ValueError, match="recurrent"):
        V1Network(p, Synapses([0], [p.n], [0], [1.0], [1.0]), None, 0)
    with pytest.raises(ValueError, match="delays"):
        V1Network(p, Synapses([0], [1], [0], [1.0]), None, 0)
    with pytest.raises(ValueError, match="negative"):
        V1Network(p, Synapses([0], [1], [0], [1.0], [-1.0]), None, 0)
    with pytest.raises(ValueError, match="input"):
        V1Network(p, None, Synapses([5], [0], [0], [1.0]), 5)
    with pytest.raises(ValueError, match="bkg_weights"):
        V1Network(p, None, None, 0, bkg_weights=np.zeros((p.n, 3)))
    with pytest.raises(ValueError, match="readout"):
        V1Network(p, None, None, 0, readout_ids=np.array([[p.n]]))
    with pytest.raises(TypeError):
        V1Network(p, None, None, 0, provenance={"x": object()})
