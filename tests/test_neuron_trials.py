"""Many trials in one NEURON run (glif3_alpha's trial_steps) equal separate reference runs."""

import numpy as np
import pytest

pytest.importorskip("neuron", reason="NEURON is not installed (pip install 'pynn_glif3[neuron]')")
sim = pytest.importorskip("pyNN.neuron")

from pynn_glif3 import builder  # noqa: E402
from pynn_glif3.generate.synthetic import generate_v1  # noqa: E402
from pynn_glif3.oracles import reference  # noqa: E402


def test_trials_in_one_run_equal_separate_reference_runs():
    net = generate_v1(300, seed=7, n_lgn=100, pool_size=5)
    n_trials, T = 3, 100
    rng = np.random.default_rng(3)
    spikes = (rng.random((n_trials, T, net.n_inputs)) < 0.05).astype(np.float64)
    bkg = np.stack([builder.draw_background(T, net.n_neurons, [3, k]) for k in range(n_trials)])
    sim.setup(timestep=1.0, min_delay=1.0)
    built = builder.build_trials(sim, net, spikes, bkg)
    assert built.n_trials == n_trials
    built.run(T)
    rasters = built.trial_rasters(built.get_data(), T)
    sim.end()
    for k in range(n_trials):
        ref = reference.simulate(net.neurons, T, recurrent=net.recurrent, inputs=net.inputs,
                                 input_spikes=spikes[k], bkg_weights=net.bkg_weights, bkg_counts=bkg[k])
        assert ref.spikes.sum() > 50
        assert ref.spikes[-3:].sum() > 0     # spikes in flight at a trial's end must not reach the next
        np.testing.assert_array_equal(rasters[k], ref.spikes, err_msg=f"trial {k}")
