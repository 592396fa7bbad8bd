"""One build, many trials, where the simulator reruns a built network with new inputs (GeNN):
every trial equals a separate reference run, and the network is not built again.

The GeNN tests need PyGeNN and skip without it; the contract checks run on PyNN's mock backend.
"""

import numpy as np
import pytest

pytest.importorskip("pyNN")

from pynn_glif3 import builder  # noqa: E402
from pynn_glif3.backends import backend_for  # noqa: E402
from pynn_glif3.generate.synthetic import generate_v1  # noqa: E402
from pynn_glif3.model.timing import StepTiming  # noqa: E402
from pynn_glif3.oracles import reference  # noqa: E402


@pytest.fixture(scope="module")
def net():
    return generate_v1(300, seed=7, n_lgn=100, pool_size=5)


def _inputs(net, n_trials, n_steps, seed, background="shared"):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n_trials, n_steps, net.n_inputs)) < 0.04).astype(np.float64)
    bkg = np.stack([builder.draw_background(n_steps, net.n_neurons, [seed, k], background)
                    for k in range(n_trials)])
    return spikes, bkg


def _reference(net, n_steps, spikes, bkg):
    return reference.simulate(net.neurons, n_steps, recurrent=net.recurrent, inputs=net.inputs,
                              input_spikes=spikes, bkg_weights=net.bkg_weights, bkg_counts=bkg).spikes


@pytest.fixture
def genn():
    pytest.importorskip("pygenn")
    import pynn_glif3.genn as sim
    yield sim
    sim.end()


def test_trials_on_one_genn_build_equal_separate_reference_runs(net, genn):
    n_trials, T = 4, 100
    spikes, bkg = _inputs(net, n_trials, T, seed=3)
    genn.setup(timestep=1.0)
    built = builder.build_trials(genn, net, spikes, bkg)
    assert built.n_trials == n_trials
    models = []
    for k, _ in built.run_trials(T):
        models.append(genn.state.engine.model)      # the compiled GeNN model of trial k
    assert all(model is models[0] for model in models), "the network was built again for a trial"
    rasters = built.trial_rasters(built.get_data(), T)
    for k in range(n_trials):
        ref = _reference(net, T, spikes[k], bkg[k])
        assert ref[-3:].sum() > 0        # spikes in flight at a trial's end must not reach the next
        np.testing.assert_array_equal(rasters[k], ref, err_msg=f"trial {k}")


def test_present_gives_a_genn_build_new_inputs_and_independent_background(net, genn):
    T = 80
    spikes, bkg = _inputs(net, 3, T, seed=5, background="independent")
    genn.setup(timestep=1.0)
    built = builder.build(genn, net, spikes[0], bkg[0])
    built.run(T)
    first = built.raster_of(*built.read_spikes(), T)
    model = genn.state.engine.model
    results = [first]
    for k in (1, 2):
        built.present(spikes[k], bkg[k])
        built.run(T)
        results.append(built.raster_of(*built.read_spikes(), T))
    assert genn.state.engine.model is model
    for k in range(3):
        np.testing.assert_array_equal(results[k], _reference(net, T, spikes[k], bkg[k]),
                                      err_msg=f"trial {k}")
    # the earlier trials stay readable, one Segment each
    assert len(built.get_data().segments) == 3
    np.testing.assert_array_equal(built.raster_of(*built.segment_spike_arrays(
        built.get_data().segments[0]), T), first)
    # no input and no background: the reference without them
    built.present(None, None)
    built.run(T)
    quiet = reference.simulate(net.neurons, T, recurrent=net.recurrent).spikes
    np.testing.assert_array_equal(built.raster_of(*built.read_spikes(), T), quiet)
    with pytest.raises(ValueError, match=r"built for independent counts.*\(n_steps, 300\)"):
        built.present(spikes[0], bkg[0][:, 0])
    with pytest.raises(ValueError, match=r"input spikes must have shape \(n_steps, 100\)"):
        built.present(spikes[0][:, :5], bkg[0])


def test_simulators_without_reruns_refuse_present_clearly(net):
    import pyNN.mock as sim

    backend = backend_for(sim)
    assert not backend.reruns_with_new_inputs
    with pytest.raises(NotImplementedError, match="does not rerun a built network"):
        backend.rerun_with_new_spike_times([])
    spikes, bkg = _inputs(net, 2, 10, seed=1)
    built = builder.BuiltNetwork(sim, net, builder.BuildOptions(), StepTiming(), cells=None,
                                 recorded=None, recorded_ids=np.arange(net.n_neurons))
    with pytest.raises(NotImplementedError, match="does not rerun a built network"):
        built.present(spikes[1], bkg[1])
    sim.setup(timestep=1.0)
    try:
        with pytest.raises(NotImplementedError, match="runs one trial per build"):
            builder.build_trials(sim, net, spikes, bkg)
    finally:
        sim.end()
