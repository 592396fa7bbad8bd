"""What the tests of every simulator against the NumPy reference share: the acceptance network
and its demands, the networks at other time steps and with long delays, a plain PyNN script, the
spike-for-spike comparisons, and builder runs read back in training rows (also with the
decoded-noise background)."""

import numpy as np

from pynn_glif3 import builder
from pynn_glif3.generate.random_network import random_network
from pynn_glif3.model import RECEPTORS, delay_steps, units
from pynn_glif3.oracles.reference import simulate

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


def acceptance_network():
    """The acceptance network: 320 neurons, 1000 steps, input and background in row 0."""
    net = random_network(n_neurons=320, n_steps=1000, seed=7, input_rate_hz=30.0)
    net.input_spikes[0, :5] = 1          # input in row 0: the step no simulator can reach directly
    if net.bkg_counts[0] == 0:
        net.bkg_counts[0] = 1.0
    check_network_is_demanding(net)
    return net


def network_at(dt, seed):
    """A small network at time step ``dt`` (ms), with input in the first and last rows."""
    # 297 rows: NEST stamps the last row 2990 tics * 0.001 = 29.900000000000002 ms, after PyNN's
    # clock at a run of (2 + 297) steps, so a run without a step of margin loses that row
    net = random_network(n_neurons=40, n_steps=297, seed=seed, dt=dt, synapses_per_neuron=15,
                         n_inputs=30, inputs_per_neuron=6, input_rate_hz=150.0)
    net.input_spikes[0, :5] = 1
    net.input_spikes[-1, :10] = 1        # input in the last row too
    return net


def long_delay_network():
    """Recurrent delays of whole steps up to 24 ms, beyond the training's 5 ms clip (for
    ``delays="raw"``, which keeps them exactly)."""
    net = random_network(n_neurons=120, n_steps=300, seed=9, delay_range_ms=(1.0, 24.0))
    net.recurrent.delay = np.rint(net.recurrent.delay)
    return net


def assert_long_delays_match(net, spikes):
    """``spikes`` equal the reference's with unclipped delays, where clipping them would matter."""
    drive = dict(recurrent=net.recurrent, inputs=net.inputs, input_spikes=net.input_spikes,
                 bkg_weights=net.bkg_weights, bkg_counts=net.bkg_counts)
    ref = simulate(net.neurons, net.n_steps, max_delay_ms=None, **drive)
    clipped = simulate(net.neurons, net.n_steps, max_delay_ms=5.0, **drive)
    assert ref.spikes.sum() > 400 and (ref.spikes != clipped.spikes).sum() > 50   # long delays matter
    np.testing.assert_array_equal(spikes, ref.spikes)


def assert_rows_match(spikes, v, ref, what):
    """Identical spikes, late rows included, and voltages within V_TOL of the reference's."""
    assert ref.spikes.sum() > 40 and ref.spikes[-20:].any(), "the test network must spike, late rows too"
    mismatch = np.argwhere(spikes != ref.spikes)
    assert mismatch.size == 0, (f"{what}: {len(mismatch)} spike mismatches, first at (row, neuron) "
                                f"{mismatch[0].tolist()}")
    np.testing.assert_allclose(v, ref.v, rtol=0, atol=V_TOL, err_msg=what)


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


def builder_rows(sim, net, rows, setup_kwargs=None, **build_kwargs):
    """``net`` on ``sim`` through the builder (``build_kwargs``: its options and inputs), run for
    ``rows`` training rows: (spikes, v) in training rows, v None unless recorded."""
    sim.setup(**dict(dict(timestep=net.dt, min_delay=net.dt), **(setup_kwargs or {})))
    try:
        built = builder.build(sim, net, **build_kwargs)
        built.run(rows)
        block = built.get_data()
        spikes = built.raster(block, rows)
        v = None
        signals = block.segments[-1].filter(name="v")
        if signals:
            order = np.argsort(signals[0].array_annotations["channel_index"])
            v = built.timing.signal_rows(signals[0].times.rescale("ms").magnitude,
                                         signals[0].magnitude[:, order], rows)
    finally:
        sim.end()
    return spikes, v


def check_builder_at_step(sim, dt):
    """The builder's network at time step ``dt`` on ``sim``: spikes and v equal the reference's."""
    net = network_at(dt, seed=21)
    spikes, v = builder_rows(sim, net, net.n_steps, input_spikes=net.input_spikes,
                             bkg_counts=net.bkg_counts,
                             options=builder.BuildOptions(dt=dt, variables=("spikes", "v")))
    assert_rows_match(spikes, v, simulate(**net.kwargs()), f"builder at dt = {dt} ms")


def run_decoded(sim, net, n_steps, noise, **setup_kwargs):
    """``net`` with the decoded-noise background on ``sim`` through the builder: (spikes, v) in
    training rows."""
    options = builder.BuildOptions(dt=net.dt, background="decoded", variables=("spikes", "v"))
    return builder_rows(sim, net, n_steps, setup_kwargs, input_spikes=net.input_spikes[:n_steps],
                        options=options, noise=noise, n_steps=n_steps)


def plain_pynn_network(sim, net, timing):
    """GLIF3Alpha cells, a SpikeSourceArray per input unit and FromListConnector projections, in
    PyNN's own terms (times from ``timing``); returns the cells (recording spikes and v)."""
    from pyNN.parameters import Sequence

    from pynn_glif3 import GLIF3Alpha

    p = net.neurons
    cells = sim.Population(p.n, GLIF3Alpha(**units.physical_to_pynn(
        p.E_L, p.V_th, p.V_reset, p.C_m, p.g, p.t_ref, p.k, p.asc_amps, p.tau_syn)))
    lgn = sim.Population(net.input_spikes.shape[1], sim.SpikeSourceArray(
        spike_times=[Sequence(t) for t in timing.input_spike_times(net.input_spikes)]))
    rec, inp = net.recurrent, net.inputs
    for r, receptor in enumerate(RECEPTORS):
        sel = rec.receptor == r
        if sel.any():
            sim.Projection(cells, cells, sim.FromListConnector(list(zip(
                rec.source[sel], rec.target[sel], units.pA_to_nA(rec.weight[sel]),
                timing.recurrent_delays(rec.delay[sel])))), sim.StaticSynapse(), receptor_type=receptor)
        sel = inp.receptor == r
        if sel.any():
            sim.Projection(lgn, cells, sim.FromListConnector(list(zip(
                inp.source[sel], inp.target[sel], units.pA_to_nA(inp.weight[sel]),
                np.full(sel.sum(), timing.input_delay)))), sim.StaticSynapse(), receptor_type=receptor)
    cells.record(["spikes", "v"])
    return cells


def segment_rows(segment, timing, n_steps):
    """(spikes, v) of a segment of a whole Population, in training rows."""
    trains = sorted(segment.spiketrains, key=lambda st: st.annotations["source_index"])
    spikes = timing.spike_raster(builder.spike_times_ms(trains), n_steps)
    signal = segment.filter(name="v")[0]
    return spikes, timing.signal_rows(signal.times.rescale("ms").magnitude, signal.magnitude, n_steps)
