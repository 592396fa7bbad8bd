"""The model definition: parameters, validation, unit conversions."""

import math

import numpy as np
import pytest

from pynn_glif3 import model
from pynn_glif3.model import units
from pynn_glif3.model.physical import NeuronParameters, Synapses


def test_defaults_come_from_a_real_allen_cell():
    d = model.DEFAULT_PARAMETERS
    assert d["v_rest"] == pytest.approx(-70.45950889587401)
    assert d["cm"] == pytest.approx(81.21058405283176 / 1000)
    assert d["tau_m"] == pytest.approx(81.21058405283176 / 9.195230009748064)
    assert d["asc_amp_2"] == pytest.approx(-291.97668209 / 1000)
    assert model.DEFAULT_INITIAL_VALUES["v"] == d["v_reset"]
    assert model.RECEPTORS == ("syn1", "syn2", "syn3", "syn4")
    assert set(model.PARAMETER_NAMES) == {t[0] for t in model.NATIVE_TRANSLATIONS}


@pytest.mark.parametrize("name, value, fragment", [
    ("tau_m", 0.0, "(0, inf) ms"),
    ("cm", -0.1, "(0, inf) nF"),
    ("tau_syn_3", -2.0, "(0, inf) ms"),
    ("tau_refrac", -1.0, "[0, inf) ms"),
    ("asc_decay_1", float("nan"), "NaN"),
    ("v_rest", float("inf"), "any finite number"),
])
def test_bad_parameter_names_parameter_value_and_range(name, value, fragment):
    with pytest.raises(ValueError) as err:
        model.validate({name: value})
    msg = str(err.value)
    assert repr(name) in msg and fragment in msg
    if not math.isnan(value):
        assert repr(value) in msg or f"{value}" in msg


def test_per_neuron_array_error_names_the_neuron():
    with pytest.raises(ValueError, match=r"'tau_m' = -1.0 ms \(neuron 2\)"):
        model.validate({"tau_m": [5.0, 6.0, -1.0]})


def test_threshold_must_be_above_rest():
    with pytest.raises(ValueError, match=r"'v_thresh' = -80.0 mV is not above 'v_rest'"):
        model.validate({"v_thresh": -80.0, "v_rest": -70.0})
    model.validate({"v_thresh": -50.0, "v_rest": -70.0})


def test_unknown_parameter():
    with pytest.raises(ValueError, match="unknown GLIF3Alpha parameter"):
        model.validate({"tau_mem": 10.0})


def test_physical_validation_names_source_and_index():
    with pytest.raises(ValueError, match=r"file.h5:/neurons: g\[1\] = 0.0 nS .* \(0, inf\) nS"):
        model.validate_physical({"g": [1.0, 0.0]}, source="file.h5:/neurons")
    with pytest.raises(ValueError, match=r"tau_syn\[0, 2\] = -1.0 ms"):
        NeuronParameters(E_L=-70, V_th=-50, V_reset=-70, C_m=50, g=5, t_ref=2, k=[[0.1, 0.1]],
                         asc_amps=[[0, 0]], tau_syn=[[5, 5, -1, 5]])
    with pytest.raises(ValueError, match=r"V_th\[0\] = -75.0 mV is not above E_L\[0\]"):
        model.validate_physical({"V_th": [-75.0], "E_L": [-70.0]})


def test_neuron_parameters_shape_errors():
    with pytest.raises(ValueError, match=r"'tau_syn' has shape \(2, 3\), expected \(2, 4\)"):
        NeuronParameters(E_L=[-70, -70], V_th=-50, V_reset=-70, C_m=50, g=5, t_ref=2,
                         k=[0.1, 0.1], asc_amps=[0, 0], tau_syn=np.ones((2, 3)))


def test_synapse_checks():
    with pytest.raises(ValueError, match="receptor indices must be 0..3"):
        Synapses([0], [0], [4], [1.0], [1.0])
    with pytest.raises(ValueError, match="'weight' has 2 entries"):
        Synapses([0], [0], [0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"target indices span 0..5, expected 0..4"):
        Synapses([0, 1], [0, 5], [0, 0], [1.0, 1.0]).check_indices(5, 5)


def test_delay_rule_is_the_training_models():
    d = model.delay_steps([0.2, 1.0, 1.5, 2.5, 3.6, 5.0, 7.3], dt=1.0)
    np.testing.assert_array_equal(d, [1, 1, 2, 2, 4, 5, 5])   # clip to [1, 5]; half to even
    np.testing.assert_array_equal(model.delay_steps([7.3], 1.0, max_delay_ms=None), [7])
    np.testing.assert_array_equal(model.delay_steps([0.2, 0.74], 0.5), [1, 1])


def test_unit_conversions():
    assert units.pF_to_nF(81.0) == pytest.approx(0.081)
    assert units.nA_to_pA(0.25) == pytest.approx(250.0)
    assert units.tau_m_ms(80.0, 8.0) == pytest.approx(10.0)
    assert units.g_nS(0.08, 10.0) == pytest.approx(8.0)
    # TF-normalised: V = v * (V_th - E_L) + E_L; a weight w is w * vs pA
    assert units.normalised_to_mV(1.0, -45.0, -70.0) == pytest.approx(-45.0)
    assert units.normalised_to_mV(0.0, -45.0, -70.0) == pytest.approx(-70.0)
    assert units.mV_to_normalised(-57.5, -45.0, -70.0) == pytest.approx(0.5)
    assert units.normalised_current_to_pA(0.2, 25.0) == pytest.approx(5.0)
    assert units.normalised_current_to_nA(0.2, 25.0) == pytest.approx(0.005)
    assert units.pA_to_normalised_current(5.0, 25.0) == pytest.approx(0.2)


def test_physical_pynn_round_trip():
    rng = np.random.default_rng(1)
    phys = dict(E_L=rng.uniform(-75, -65, 5), V_th=rng.uniform(-50, -40, 5),
                V_reset=rng.uniform(-75, -65, 5), C_m=rng.uniform(50, 150, 5),
                g=rng.uniform(4, 15, 5), t_ref=rng.uniform(1, 5, 5), k=rng.uniform(0, 0.3, (5, 2)),
                asc_amps=rng.uniform(-200, 0, (5, 2)), tau_syn=rng.uniform(2, 9, (5, 4)),
                I_offset=rng.uniform(0, 10, 5))
    pynn = units.physical_to_pynn(**phys)
    model.validate(pynn)
    assert pynn["cm"] == pytest.approx(phys["C_m"] / 1000)
    assert pynn["asc_amp_2"] == pytest.approx(phys["asc_amps"][:, 1] / 1000)
    back = units.pynn_to_physical(pynn)
    for key, value in phys.items():
        np.testing.assert_allclose(back[key], value, rtol=1e-12)


def test_propagators_are_the_documented_step_constants():
    """docs/model.md's derived constants, computed per neuron with the math module (whose exp may
    differ from numpy's vectorised one in the last bit)."""
    import math
    from pynn_glif3.model.propagators import propagators
    from pynn_glif3.generate.random_network import random_neurons

    neurons = random_neurons(5, np.random.default_rng(3))
    for dt in (1.0, 0.25):
        c = propagators(neurons, dt)
        for i in range(neurons.n):
            D = math.exp(-dt * neurons.g[i] / neurons.C_m[i])
            assert c.decay_v[i] == pytest.approx(D, rel=1e-15, abs=0)
            assert c.drive_v[i] == (1.0 - c.decay_v[i]) / neurons.g[i]
            assert c.leak_drive[i] == pytest.approx(neurons.g[i] * neurons.E_L[i], rel=1e-15, abs=0)
            assert c.reset_jump[i] == pytest.approx(neurons.V_reset[i] - neurons.V_th[i], rel=1e-15, abs=0)
            for j in range(2):
                assert c.decay_asc[i, j] == pytest.approx(math.exp(-dt * neurons.k[i, j]), rel=1e-15, abs=0)
            for r in range(4):
                tau = neurons.tau_syn[i, r]
                assert c.decay_syn[i, r] == pytest.approx(math.exp(-dt / tau), rel=1e-15, abs=0)
                assert c.rise_gain[i, r] == pytest.approx(math.e / tau, rel=1e-15, abs=0)
                assert c.rise_step[i, r] == pytest.approx(dt * math.exp(-dt / tau), rel=1e-15, abs=0)
                assert c.rise_to_psc[i, r] == pytest.approx(dt * math.exp(-dt / tau) * (math.e / tau), rel=1e-15, abs=0)
    with pytest.raises(ValueError, match="dt must be a positive"):
        propagators(neurons, 0.0)


def test_native_view_names_are_the_native_translations_and_round_trip():
    """The native names of the physical parameters are the right-hand names of the cell type's
    translations, and native_values / from_native are inverse."""
    from pynn_glif3.model.physical import NATIVE_PARAMETERS, from_native, native_values
    from pynn_glif3.generate.random_network import random_neurons

    assert set(NATIVE_PARAMETERS) == {t[1] for t in model.NATIVE_TRANSLATIONS}
    neurons = random_neurons(7, np.random.default_rng(2))
    values = native_values(neurons)
    assert np.array_equal(values["k_2"], neurons.k[:, 1])
    assert np.array_equal(values["tau_syn_3"], neurons.tau_syn[:, 2])
    back = from_native(values)
    for name, array in neurons.as_dict().items():
        np.testing.assert_array_equal(getattr(back, name), array)
