"""The converted network's reset-by-subtraction cell (GLIF3Alpha made non-leaky) against the NumPy
reference stepper: a weight moves the membrane by that many thresholds, a bias current by its
drive per step, and a spike subtracts exactly one threshold."""

import numpy as np
import pytest

from pynn_glif3.model import units
from pynn_glif3.jobs.convert.neurons import (RESETS, SpikingSettings, drive_to_current_na,
                                             glif3_parameters, weight_to_current_na)
from pynn_glif3.oracles.reference import simulate


def _neuron(settings, i_offset_na=0.0, v_thresh=None):
    params = glif3_parameters(settings, i_offset_na)
    if v_thresh is not None:
        params["v_thresh"] = v_thresh
    return units.pynn_to_physical(params)


@pytest.mark.parametrize("dt", [1.0, 0.25])
@pytest.mark.parametrize("receptor", [0, 1])
def test_a_weight_moves_the_membrane_by_that_many_thresholds(dt, receptor):
    settings = SpikingSettings(dt_ms=dt, max_rate_hz=0.5 / dt * 1000.0)
    weights = np.array([0.37, -0.8, 1.0])
    n_steps = 12
    spikes = np.zeros((n_steps, 1))
    spikes[0] = 1.0                                  # one input spike, entering step 0
    inputs = (np.zeros(3, dtype=int), np.arange(3), np.full(3, receptor),
              units.nA_to_pA(weight_to_current_na(weights, settings)))
    result = simulate(_neuron(settings, v_thresh=[1e9] * 3), n_steps, dt, inputs=inputs,
                      input_spikes=spikes)
    v = result.v                                     # row i: after step i + 1; rest is 0 mV
    # exact but for the leak: 12 steps of dt / tau_m = 1e-9
    np.testing.assert_allclose(v[-1], weights, rtol=1e-7)
    # an input of row 0 reaches the membrane in row 2 (docs/model.md), and within two steps
    assert np.all(v[1] == 0.0)
    assert np.all(np.abs(v[2]) >= 0.85 * np.abs(weights))
    assert np.all(np.abs(v[3] - weights) <= 0.01 * np.abs(weights))


def test_a_bias_current_raises_the_membrane_by_its_drive_per_step():
    settings = SpikingSettings()
    drive = np.array([0.3, 0.05, -0.2])
    result = simulate(_neuron(settings, drive_to_current_na(drive, settings) * np.ones(3),
                              v_thresh=[1e9] * 3), 400, settings.dt_ms)
    steps = np.arange(1, 401)[:, None]
    np.testing.assert_allclose(result.v, steps * drive, rtol=1e-6, atol=1e-12)


def test_a_spike_subtracts_exactly_one_threshold():
    """Rate = drive per step, the charge above the threshold carried to the next spike: after n
    steps, membrane + subtracted spikes = n * drive (in thresholds)."""
    settings = SpikingSettings()
    drive = np.array([0.37, 0.999, 0.5, 1.0, 0.013])
    n_steps = 1000
    result = simulate(_neuron(settings, drive_to_current_na(drive, settings)), n_steps,
                      settings.dt_ms)
    count = result.spikes.sum(axis=0)
    # a spike in step n is subtracted in step n + 1
    np.testing.assert_allclose(result.v[-1] + count - result.spikes[-1], n_steps * drive, rtol=1e-6)
    assert np.all(np.abs(count - n_steps * drive) <= 1.0)
    assert result.v.min() >= -1e-9 and np.all(result.v.max(axis=0) < 1.0 + drive + 1e-9)


def test_settings_check_the_reset_and_derive_the_membrane():
    assert SpikingSettings().reset == RESETS[0] == "subtract"
    assert SpikingSettings(reset="zero").membrane_tau_ms == pytest.approx(1e4)
    assert SpikingSettings(reset="zero", tau_m_ms=5e3).membrane_tau_ms == 5e3
    with pytest.raises(ValueError, match="reset = 'clamp'.*subtract, zero"):
        SpikingSettings(reset="clamp")
    with pytest.raises(ValueError, match="tau_m_ms = -1"):
        SpikingSettings(tau_m_ms=-1.0)
