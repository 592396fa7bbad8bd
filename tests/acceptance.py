"""What the tests of every simulator against the NumPy reference share: the demands on an
acceptance network, the spike-for-spike comparison, and a run with the decoded-noise background."""

import numpy as np

from pynn_glif3 import builder
from pynn_glif3.model import delay_steps

V_TOL = 1e-9  # mV


def check_network_is_demanding(net, min_neurons=300, min_steps=1000):
    """The acceptance network exercises what can go wrong: every delay 1..5 steps, all receptors,
    both signs, heterogeneous neurons, input and background in the first row."""
    assert net.neurons.n >= min_neurons and net.n_steps >= min_steps
    steps = delay_steps(net.recurrent.delay, net.dt)
    assert set(np.unique(steps)) == {1, 2, 3, 4, 5}
    assert set(np.unique(net.recurrent.receptor)) == {0, 1, 2, 3}
    assert (net.recurrent.weight < 0).any() and (net.recurrent.weight > 0).any()
    assert np.unique(net.neurons.C_m).size == net.neurons.n
    assert net.input_spikes[0].any(), "input at the very first training step must be exercised"
    assert net.bkg_counts[0] > 0


def assert_matches(result, ref, what):
    """Identical spikes and voltages within V_TOL of the reference's."""
    mismatch = np.argwhere(result.spikes != ref.spikes)
    assert mismatch.size == 0, (f"{what}: {len(mismatch)} spike mismatches, first at (row, neuron) "
                                f"{mismatch[0].tolist()}")
    dv = np.abs(result.v - ref.v).max()
    assert dv <= V_TOL, f"{what}: max |V - V_ref| = {dv} mV"


def noise_pool_values(seed=0, size=5000):
    """A decoded-noise pool of the published training's scale."""
    return np.random.default_rng(seed).normal(0.01, 0.08, size)


def run_decoded(sim, net, n_steps, noise, **setup_kwargs):
    """``net`` with the decoded-noise background on ``sim`` through the builder: (spikes, v) in
    training rows."""
    sim.setup(timestep=net.dt, min_delay=net.dt, **setup_kwargs)
    try:
        options = builder.BuildOptions(dt=net.dt, background="decoded", variables=("spikes", "v"))
        built = builder.build(sim, net, net.input_spikes[:n_steps], None, options, noise=noise,
                              n_steps=n_steps)
        built.run(n_steps)
        block = built.get_data()
        spikes = built.raster(block, n_steps)
        signal = block.segments[-1].filter(name="v")[0]
        order = np.argsort(signal.array_annotations["channel_index"])
        v = built.timing.signal_rows(signal.times.rescale("ms").magnitude, signal.magnitude[:, order],
                                     n_steps)
    finally:
        sim.end()
    return spikes, v
