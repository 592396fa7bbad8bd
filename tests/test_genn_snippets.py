"""The GeNN snippets, checked without GeNN: names, and a g++ harness against the reference."""

import shutil

import numpy as np
import pytest

from pynn_glif3.oracles import reference
from pynn_glif3.verification import genn_harness as harness
from pynn_glif3.backends.genn import snippets
from pynn_glif3.model import delay_steps
from pynn_glif3.generate.random_network import random_network
from single_neuron import neuron

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def test_snippets_use_only_declared_or_genn_names():
    s = snippets.load()
    neuron_names = [v for v, _, _ in s.NEURON_VARS]
    psm_names = [v for v, _, _ in s.PSM_VARS]
    for code in (s.NEURON_SIM_CODE, s.NEURON_THRESHOLD_CODE, s.NEURON_RESET_CODE):
        assert snippets.undeclared_names(code, neuron_names, snippets.GENN_NEURON_NAMES) == []
    assert snippets.undeclared_names(s.PSM_SIM_CODE, psm_names, snippets.GENN_PSM_NAMES) == []
    # the checker does catch a stray name
    assert snippets.undeclared_names("V = Vm + $(x);", neuron_names, snippets.GENN_NEURON_NAMES) == ["Vm", "x"]
    # postsynaptic code must not touch neuron variables, nor the neuron code PSM variables
    assert not set(psm_names) & set(neuron_names)


def test_var_values_cover_every_declared_variable():
    s = snippets.load()
    p = neuron(n=3)
    nv = snippets.neuron_var_values(p, 1.0)
    assert set(nv) == {v for v, _, _ in s.NEURON_VARS}
    assert all(np.shape(a) == (3,) for a in nv.values())
    pv = snippets.psm_var_values(p, 1.0, 2)
    assert set(pv) == {v for v, _, _ in s.PSM_VARS}
    np.testing.assert_allclose(pv["P"], np.e / p.tau_syn[:, 2])


@pytest.fixture(scope="module")
def double_exe(tmp_path_factory):
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    return harness.compile_harness("double", 1.0, tmp_path_factory.mktemp("genn_double"))


@needs_gxx
def test_double_precision_harness_equals_reference_spike_for_spike(double_exe):
    # the network of the NEST acceptance test: 300+ neurons, delays 1..5, four receptors, signed
    # weights, heterogeneous parameters, input and background spikes drawn once
    net = random_network(320, 1000, seed=0)
    assert set(delay_steps(net.recurrent.delay, 1.0)) == {1, 2, 3, 4, 5}
    ref = reference.simulate(**net.kwargs())
    out = harness.simulate(**net.kwargs(), executable=double_exe)
    assert ref.spikes.sum() > 2000
    np.testing.assert_array_equal(out.spikes, ref.spikes)
    np.testing.assert_allclose(out.v, ref.v, rtol=0, atol=1e-9)


@needs_gxx
@pytest.mark.parametrize("t_ref, interval", [(3.0, 3), (3.4, 4)])
def test_refractory_count_in_harness(double_exe, t_ref, interval):
    p = neuron(I_offset=20000.0, t_ref=t_ref)
    out = harness.simulate(neurons=p, n_steps=40, executable=double_exe)
    steps = np.flatnonzero(out.spikes[:, 0])
    assert steps.size > 5
    np.testing.assert_array_equal(np.diff(steps), interval)
    np.testing.assert_array_equal(out.spikes, reference.simulate(neurons=p, n_steps=40).spikes)


@needs_gxx
def test_single_precision_agreement_is_measured(tmp_path):
    exe = harness.compile_harness("float", 1.0, tmp_path)
    net = random_network(320, 1000, seed=1)
    ref = reference.simulate(**net.kwargs())
    out = harness.simulate(**net.kwargs(), executable=exe, precision="float")
    differ = np.flatnonzero((out.spikes != ref.spikes).any(axis=1))
    same = (out.spikes & ref.spikes).sum() / ref.spikes.sum()
    print(f"\nGeNN float harness vs reference: {same:.2%} identical spikes, first divergent step "
          f"{differ[0] if differ.size else None}")
    # single precision tracks the reference until rounding flips a spike
    stop = differ[0] if differ.size else 1000
    assert stop > 50
    assert np.max(np.abs(out.v[:stop] - ref.v[:stop])) < 1e-3
    assert abs(int(out.spikes.sum()) - int(ref.spikes.sum())) < 0.1 * ref.spikes.sum()


def test_float_mode_puts_suffixes_on_literals():
    src = harness.generate_source("float")
    assert "fmax(0.0f, R + Zprev * TRef - dt)" in src
    assert "typedef float scalar;" in src
    assert "0.0f" not in harness.generate_source("double")
