"""Many trials in one NEST run (glif3_alpha's trial_steps) equal separate reference runs."""

import numpy as np
import pytest

pytest.importorskip("pyNN.nest")

from pynn_glif3 import builder  # noqa: E402
from pynn_glif3.oracles import reference
from pynn_glif3.generate.synthetic import generate_v1  # noqa: E402


@pytest.fixture(scope="module")
def net():
    return generate_v1(600, seed=7, n_lgn=150, pool_size=5)


def _trials(net, n_trials, n_steps, seed):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n_trials, n_steps, net.n_inputs)) < 0.04).astype(np.float64)
    bkg = np.stack([builder.draw_background(n_steps, net.n_neurons, [seed, k]) for k in range(n_trials)])
    return spikes, bkg


@pytest.mark.parametrize("threads", [1, 2])
def test_trials_in_one_run_equal_separate_reference_runs(net, threads):
    import pyNN.nest as sim

    n_trials, T = 4, 120
    spikes, bkg = _trials(net, n_trials, T, seed=3)
    sim.setup(timestep=1.0, threads=threads)
    built = builder.build_trials(sim, net, spikes, bkg)
    assert built.n_trials == n_trials
    built.run(T)
    rasters = built.trial_rasters(built.get_data(), T)
    sim.end()
    for k in range(n_trials):
        ref = reference.simulate(net.neurons, T, recurrent=net.recurrent, inputs=net.inputs,
                                 input_spikes=spikes[k], bkg_weights=net.bkg_weights, bkg_counts=bkg[k])
        assert ref.spikes[-3:].sum() > 0     # spikes in flight at a trial's end must not reach the next
        np.testing.assert_array_equal(rasters[k], ref.spikes, err_msg=f"trial {k}")


def test_trials_hold_covers_the_longest_delay(net):
    start = builder.trial_start_step(net, builder.BuildOptions())
    assert start == int(np.max(builder.simulator_delays(net.recurrent.delay, builder.BuildOptions())[0]))
    assert start >= 2


def test_trials_need_a_simulator_that_supports_them(net):
    import pyNN.mock as sim

    spikes, bkg = _trials(net, 2, 10, seed=1)
    sim.setup(timestep=1.0)
    with pytest.raises(NotImplementedError, match="runs one trial per build"):
        builder.build_trials(sim, net, spikes, bkg)
    sim.end()
