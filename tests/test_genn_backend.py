"""The PyNN backend on GeNN 5 (pynn_glif3.genn): needs PyGeNN, skipped without it.

The central test is a PyNN script on ``pynn_glif3.genn`` that must give the reference's spikes on a
random recurrent network, step for step, with voltages within 1e-9 mV.  The others check the PyNN
surface: connectors against PyNN's mock backend, neo output, reset, changes between runs, spike
sources, and the features that must be refused.
"""

import os

import numpy as np
import pytest

pytest.importorskip("pygenn")

import quantities as pq  # noqa: E402
from pyNN.parameters import Sequence  # noqa: E402
from pyNN.standardmodels import synapses  # noqa: E402

import pynn_glif3.genn as sim  # noqa: E402
from pynn_glif3.oracles import reference  # noqa: E402
from pynn_glif3.model import units
from pynn_glif3 import GLIF3Alpha  # noqa: E402
from pynn_glif3.model import RECEPTORS, delay_steps  # noqa: E402
from pynn_glif3.generate.random_network import random_network  # noqa: E402
from pynn_glif3.model.timing import StepTiming  # noqa: E402
import readme_example  # noqa: E402


ALL_SIGNALS = ("v", "asc_1", "asc_2", "psc_1", "psc_2", "psc_3", "psc_4")


def build_pynn_network(sim, net, timing, record=("spikes",) + ALL_SIGNALS):
    """The network ``net`` (reference arrays) written with PyNN's API on ``sim``."""
    p = net.neurons
    cells = sim.Population(p.n, GLIF3Alpha(**units.physical_to_pynn(
        p.E_L, p.V_th, p.V_reset, p.C_m, p.g, p.t_ref, p.k, p.asc_amps, p.tau_syn, p.I_offset)),
        label="glif3")
    projections = []

    def project(pre, source, target, receptor, weight_pA, delay_ms):
        for r, name in enumerate(RECEPTORS):
            sel = np.flatnonzero(receptor == r)
            if sel.size:
                conn = np.column_stack([source[sel], target[sel], weight_pA[sel] / 1000.0, delay_ms[sel]])
                projections.append(sim.Projection(
                    pre, cells, sim.FromListConnector(conn, column_names=["weight", "delay"]),
                    sim.StaticSynapse(), receptor_type=name))

    rec = net.recurrent
    project(cells, rec.source, rec.target, rec.receptor, rec.weight, timing.recurrent_delays(rec.delay))
    trains = timing.input_spike_times(net.input_spikes[:net.n_steps])
    inputs = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=[Sequence(t) for t in trains]),
                            label="inputs")
    inp = net.inputs
    project(inputs, inp.source, inp.target, inp.receptor, inp.weight, np.full(inp.n, timing.input_delay))
    # background: ten sources whose per-row spike counts are the background counts (contract, point 3)
    trains = timing.background_spike_times(net.bkg_counts[:net.n_steps])
    background = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=[Sequence(t) for t in trains]),
                                label="background")
    target, receptor = np.nonzero(net.bkg_weights)
    k = np.repeat(np.arange(len(trains)), target.size)
    project(background, k, np.tile(target, len(trains)), np.tile(receptor, len(trains)),
            np.tile(net.bkg_weights[target, receptor], len(trains)), np.full(k.size, timing.input_delay))
    cells.record(list(record))
    return cells, inputs, background, projections


def rows_of(block, timing, n_steps):
    """Spike raster and {signal name: (n_steps, N) in PyNN units} of a GLIF3Alpha block."""
    segment = block.segments[-1]
    trains = sorted(segment.spiketrains, key=lambda st: st.annotations["source_index"])
    raster = timing.spike_raster([st.rescale("ms").magnitude for st in trains], n_steps)
    signals = {}
    for signal in segment.analogsignals:
        order = np.argsort(signal.array_annotations["channel_index"])
        signals[signal.name] = timing.signal_rows(signal.times.rescale("ms").magnitude,
                                                  signal.magnitude[:, order], n_steps)
    return raster, signals


@pytest.fixture(scope="module")
def network_run():
    """The contract's acceptance network run once by the reference and once by a PyNN script on GeNN."""
    net = random_network(320, 1000, seed=0)
    timing = StepTiming(dt=net.dt)
    ref = reference.simulate(**net.kwargs(), record_currents=True)
    sim.setup(timestep=net.dt, min_delay=net.dt, backend="cpu", precision="double")
    cells, inputs, background, projections = build_pynn_network(sim, net, timing)
    sim.run(timing.run_time(net.n_steps))
    block = cells.get_data()
    out = dict(net=net, timing=timing, ref=ref, block=block, cells=cells, projections=projections,
               t_end=sim.get_current_time())
    sim.end()
    return out


def test_network_has_what_the_contract_asks(network_run):
    net, ref = network_run["net"], network_run["ref"]
    assert net.neurons.n >= 300
    assert set(delay_steps(net.recurrent.delay, net.dt)) == {1, 2, 3, 4, 5}
    assert set(net.recurrent.receptor) == {0, 1, 2, 3}
    assert (net.recurrent.weight < 0).any() and (net.recurrent.weight > 0).any()
    assert net.bkg_counts.max() > 1
    assert ref.spikes.sum() > 2000


def test_pynn_script_on_genn_gives_the_reference_spikes(network_run):
    ref, timing, net = network_run["ref"], network_run["timing"], network_run["net"]
    raster, signals = rows_of(network_run["block"], timing, net.n_steps)
    np.testing.assert_array_equal(raster, ref.spikes)
    np.testing.assert_allclose(signals["v"], ref.v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(units.nA_to_pA(signals["asc_1"]), ref.asc[:, :, 0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(units.nA_to_pA(signals["asc_2"]), ref.asc[:, :, 1], rtol=0, atol=1e-9)
    for r in range(4):
        np.testing.assert_allclose(units.nA_to_pA(signals[f"psc_{r + 1}"]), ref.psc[:, :, r],
                                   rtol=0, atol=1e-9)


@pytest.mark.parametrize("dt", [0.1])
def test_other_time_steps_match_the_reference(dt):
    net = random_network(150, 600, seed=5, dt=dt, delay_range_ms=(1.2 * dt, 5.4))
    timing = StepTiming(dt=dt)
    ref = reference.simulate(**net.kwargs())
    sim.setup(timestep=dt, min_delay=dt)
    cells, *_ = build_pynn_network(sim, net, timing, record=("spikes", "v"))
    sim.run(timing.run_time(net.n_steps))
    raster, signals = rows_of(cells.get_data(), timing, net.n_steps)
    sim.end()
    assert ref.spikes.sum() > 500
    np.testing.assert_array_equal(raster, ref.spikes)
    np.testing.assert_allclose(signals["v"], ref.v, rtol=0, atol=1e-9)


def test_neurons_hold_their_initial_state_before_the_first_row(network_run):
    block, timing = network_run["block"], network_run["timing"]
    v = next(s for s in block.segments[0].analogsignals if s.name == "v")
    order = np.argsort(v.array_annotations["channel_index"])
    held = v.magnitude[:timing.start_step + 1, order]      # samples at 0 .. start_step * dt
    np.testing.assert_array_equal(held, np.broadcast_to(network_run["net"].neurons.V_reset, held.shape))


def test_neo_output_shape_and_units(network_run):
    block, net = network_run["block"], network_run["net"]
    n, t_end = net.neurons.n, network_run["t_end"]
    segment = block.segments[0]
    assert len(block.segments) == 1
    assert len(segment.spiketrains) == n
    st = segment.spiketrains[0]
    assert st.units == pq.ms and float(st.t_stop.rescale("ms")) == pytest.approx(t_end)
    names = {s.name: s for s in segment.analogsignals}
    assert set(names) == set(ALL_SIGNALS)
    steps = int(round(t_end / net.dt))
    for name in ALL_SIGNALS:
        unit = pq.mV if name == "v" else pq.nA
        sig = names[name]
        assert sig.units == unit
        assert sig.shape == (steps + 1, n)
        assert float(sig.sampling_period.rescale("ms")) == pytest.approx(net.dt)
        assert float(sig.t_start) == 0.0
    assert sorted(names["v"].array_annotations["channel_index"]) == list(range(n))
    assert block.annotations["simulator"] == "GeNN"


def test_projection_get_returns_the_connections_given(network_run):
    proj = network_run["projections"][0]
    w, d = proj.get(["weight", "delay"], format="list", with_address=False)[0]
    assert isinstance(w, float) and d >= 1.0
    assert len(proj) == proj.size() > 0


# ---------------------------------------------------------------------------------------------
# Connectors: the same connections as PyNN's mock backend (both use PyNN's connector code).

def _connections(backend, connector_factory, n_pre=40, n_post=30, weight=0.25, delay=2.0):
    backend.setup(timestep=1.0, min_delay=1.0)
    pre = backend.Population(n_pre, backend.SpikeSourceArray(spike_times=[]))
    if backend is sim:
        post = backend.Population(n_post, GLIF3Alpha())
        receptor = "syn3"
    else:
        post = backend.Population(n_post, backend.IF_curr_exp())
        receptor = "excitatory"
    proj = backend.Projection(pre, post, connector_factory(),
                              backend.StaticSynapse(weight=weight, delay=delay),
                              receptor_type=receptor)
    conns = sorted(proj.get(["weight", "delay"], format="list"))
    backend.end()
    return conns


@pytest.mark.parametrize("name, factory", [
    ("all_to_all", lambda: sim.AllToAllConnector()),
    ("one_to_one", lambda: sim.OneToOneConnector()),
    ("fixed_probability", lambda: sim.FixedProbabilityConnector(0.2, rng=sim.NumpyRNG(seed=42))),
    ("array", lambda: sim.ArrayConnector(np.random.default_rng(3).random((40, 30)) < 0.3)),
    ("from_list", lambda: sim.FromListConnector([(0, 1, 0.5, 3.0), (39, 29, -0.2, 1.0), (5, 1, 0.1, 4.0)],
                                                column_names=["weight", "delay"])),
])
def test_connectors_make_the_connections_pynn_mock_makes(name, factory):
    import pyNN.mock as mock
    n_pre, n_post = (30, 30) if name == "one_to_one" else (40, 30)
    mine = _connections(sim, factory, n_pre, n_post)
    theirs = _connections(mock, factory, n_pre, n_post)
    assert len(mine) > 0
    assert mine == theirs
    if name == "all_to_all":
        assert len(mine) == n_pre * n_post
    if name == "one_to_one":
        assert [(i, j) for i, j, _, _ in mine] == [(i, i) for i in range(n_pre)]


def test_connections_between_views_and_assemblies_reach_the_right_cells():
    sim.setup(timestep=1.0)
    a = sim.Population(5, sim.SpikeSourceArray(spike_times=[]), label="a")
    b = sim.Population(4, sim.SpikeSourceArray(spike_times=[]), label="b")
    c = sim.Population(6, GLIF3Alpha(), label="c")
    d = sim.Population(3, GLIF3Alpha(), label="d")
    proj = sim.Projection(a[1:4] + b, c[::2] + d, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                          receptor_type="syn2")
    assert len(proj) == 7 * 6
    sim.run(3.0)
    parts = {(p.source.label, p.target.label): p for p in sim.state.engine.parts}
    assert set(parts) == {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")}
    ac = parts[("a", "c")]
    assert set(zip(ac.pre.tolist(), ac.post.tolist())) == {(i, j) for i in (1, 2, 3) for j in (0, 2, 4)}
    sim.end()


# ---------------------------------------------------------------------------------------------
# Behaviour of a small network through runs, resets and changes

def _small(sim_module, spike_times, weight=0.5, receptor="syn1", i_offset=0.0, n=3):
    cells = sim_module.Population(n, GLIF3Alpha(i_offset=i_offset))
    src = sim_module.Population(1, sim_module.SpikeSourceArray(spike_times=spike_times))
    proj = sim_module.Projection(src, cells, sim_module.AllToAllConnector(),
                                 sim_module.StaticSynapse(weight=weight, delay=1.0), receptor_type=receptor)
    cells.record(["spikes", "v"])
    return cells, src, proj


def _v(block, segment=-1):
    sig = block.segments[segment].filter(name="v")[0]
    return sig.magnitude


def test_a_spike_at_T_reaches_the_target_at_T_plus_delay():
    sim.setup(timestep=1.0)
    cells, _, _ = _small(sim, [10.0])
    sim.run(30.0)
    v = _v(cells.get_data())[:, 0]
    # the PSC rise takes the input in the step ending at 11 ms, the PSC in the next, V the one after
    assert np.all(v[:13] == v[0]) and v[13] > v[0]
    sim.end()


def test_two_spikes_at_one_time_count_twice():
    sim.setup(timestep=1.0)
    double, _, _ = _small(sim, [10.0, 10.0], weight=0.3)
    single, _, _ = _small(sim, [10.0], weight=0.6)
    sim.run(40.0)
    np.testing.assert_allclose(_v(double.get_data()), _v(single.get_data()), rtol=0, atol=1e-12)
    sim.end()


def test_reset_repeats_the_run_in_a_new_segment():
    sim.setup(timestep=1.0)
    cells, _, _ = _small(sim, [5.0, 6.0, 7.0, 8.0], weight=3.0, i_offset=0.4)
    sim.run(100.0)
    sim.reset()
    assert sim.get_current_time() == 0.0
    sim.run(100.0)
    block = cells.get_data()
    assert len(block.segments) == 2
    np.testing.assert_array_equal(_v(block, 0), _v(block, 1))
    assert [len(s) for s in block.segments[0].spiketrains] == [len(s) for s in block.segments[1].spiketrains]
    assert sum(len(s) for s in block.segments[1].spiketrains) > 0
    sim.end()


def test_runs_in_pieces_equal_one_run():
    sim.setup(timestep=1.0)
    cells, _, _ = _small(sim, [5.0, 17.0, 40.0], weight=2.0, i_offset=0.3)
    sim.run(30.0)
    sim.run(50.0)
    pieces = cells.get_data()
    sim.end()
    sim.setup(timestep=1.0)
    cells, _, _ = _small(sim, [5.0, 17.0, 40.0], weight=2.0, i_offset=0.3)
    sim.run(80.0)
    whole = cells.get_data()
    sim.end()
    np.testing.assert_array_equal(_v(pieces), _v(whole))


def test_a_network_described_again_reuses_its_compiled_model():
    """A new setup() with the same network compiles nothing: GeNN finds its code unchanged in the
    directory of the first build.  A different network gets a directory of its own."""
    def run_once(weight):
        sim.setup(timestep=1.0)
        cells, _, _ = _small(sim, [5.0, 17.0, 40.0], weight=weight, i_offset=0.3)
        sim.run(60.0)
        engine = sim.state.engine
        library = os.path.join(engine.build_dir, "pynn_glif3_network_CODE", "librunner.so")
        result = engine.build_dir, os.stat(library).st_mtime_ns, _v(cells.get_data())
        sim.end()
        return result

    first_dir, first_library, first_v = run_once(2.0)
    again_dir, again_library, again_v = run_once(2.0)
    assert again_dir == first_dir and again_library == first_library     # not compiled again
    np.testing.assert_array_equal(again_v, first_v)
    other_dir, _, other_v = run_once(1.0)
    assert other_dir != first_dir
    assert not np.array_equal(other_v, first_v)


def test_changes_between_runs_take_effect():
    sim.setup(timestep=1.0)
    cells, src, proj = _small(sim, [5.0], weight=0.05)
    rest = cells.get("v_rest")
    sim.run(40.0)
    cells[0:1].set(i_offset=0.5)                  # a view: only cell 0
    proj.set(weight=0.15)
    src.set(spike_times=[Sequence([45.0])])
    sim.run(40.0)
    v = _v(cells.get_data())
    assert list(cells.get("i_offset")) == [pytest.approx(0.5), 0.0, 0.0]
    assert v[41, 0] > v[41, 1] and v[40, 0] == v[40, 1]   # the current acts from the next step on
    # cells 1 and 2 are at rest (v_reset = v_rest): the response scales with the weight
    first, second = v[5:40, 1].max() - rest, v[45:80, 1].max() - rest
    assert first > 0.5 and 2.9 < second / first < 3.1
    np.testing.assert_array_equal(sim.state.engine.parts[0].group.vars["g"].values, 150.0)
    sim.reset()                                   # keeps parameters, weights and spike times
    sim.run(80.0)
    v = _v(cells.get_data(), -1)
    assert v[45:80, 1].max() - rest == pytest.approx(second, rel=0.02)
    assert v[41, 0] > v[41, 1]
    sim.end()


def test_populations_can_be_added_after_a_reset():
    sim.setup(timestep=1.0)
    cells, _, _ = _small(sim, [5.0], weight=0.05)
    sim.run(10.0)
    sim.reset()
    more = sim.Population(2, GLIF3Alpha(i_offset=0.5))
    more.record("spikes")
    sim.run(50.0)
    assert sum(len(st) for st in more.get_data().segments[-1].spiketrains) > 0
    assert len(cells.get_data().segments) == 2
    sim.end()


def test_initialize_sets_the_state():
    sim.setup(timestep=1.0)
    cells = sim.Population(2, GLIF3Alpha(v_reset=-70.0, v_rest=-70.0, v_thresh=-50.0))
    cells.record("v")
    cells.initialize(v=np.array([-60.0, -65.0]))
    sim.run(1.0)
    v = _v(cells.get_data())
    np.testing.assert_array_equal(v[0], [-60.0, -65.0])
    sim.reset()
    cells[1:2].initialize(v=-55.0)
    sim.run(1.0)
    np.testing.assert_array_equal(_v(cells.get_data(), -1)[0], [-60.0, -55.0])
    sim.end()


def test_initial_psc_is_held_then_decays():
    sim.setup(timestep=1.0)
    cells = sim.Population(2, GLIF3Alpha(tau_syn_1=4.0))
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[]))
    sim.Projection(src, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.0), receptor_type="syn1")
    cells.initialize(psc_1=np.array([0.1, 0.0]))
    cells.record(["psc_1", "v"])
    sim.run(5.0)
    block = cells.get_data()
    psc = block.segments[0].filter(name="psc_1")[0].magnitude[:, 0]
    np.testing.assert_allclose(psc[:3], 0.1, rtol=0, atol=1e-15)          # held until start_step
    np.testing.assert_allclose(psc[3:], 0.1 * np.exp(-np.arange(1, 4) / 4.0), rtol=1e-12)
    v = _v(block)
    assert v[4, 0] > v[4, 1]                                               # the current drives V
    sim.end()


def test_poisson_source_fires_at_its_rate_in_its_window():
    sim.setup(timestep=1.0, rng_seed=7)
    src = sim.Population(200, sim.SpikeSourcePoisson(rate=50.0, start=100.0, duration=400.0))
    src.record("spikes")
    sim.run(600.0)
    times = np.concatenate([st.magnitude for st in src.get_data().segments[0].spiketrains])
    assert times.min() > 100.0 and times.max() <= 500.0
    rate = times.size / 200 / 0.4
    assert 45.0 < rate < 55.0
    sim.end()


def test_float_precision_runs():
    net = random_network(120, 300, seed=3)
    timing = StepTiming(dt=net.dt)
    ref = reference.simulate(**net.kwargs())
    sim.setup(timestep=net.dt, precision="float")
    cells, *_ = build_pynn_network(sim, net, timing, record=("spikes", "v"))
    sim.run(timing.run_time(net.n_steps))
    raster, signals = rows_of(cells.get_data(), timing, net.n_steps)
    sim.end()
    assert abs(int(raster.sum()) - int(ref.spikes.sum())) <= 0.05 * ref.spikes.sum()
    assert np.abs(signals["v"][:50] - ref.v[:50]).max() < 1e-2


# ---------------------------------------------------------------------------------------------
# What is refused

def test_unsupported_features_raise_not_implemented():
    sim.setup(timestep=1.0)
    cells = sim.Population(2, GLIF3Alpha())
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    from pyNN.standardmodels.cells import IF_curr_exp
    with pytest.raises(NotImplementedError, match="IF_curr_exp"):
        sim.Population(1, IF_curr_exp())
    with pytest.raises(NotImplementedError, match="plastic"):
        sim.STDPMechanism()
    with pytest.raises(NotImplementedError, match="DCSource"):
        sim.DCSource(amplitude=0.1)
    from pyNN import errors
    with pytest.raises(errors.RecordingError):
        cells.record("gsyn_exc")

    class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
        def _get_minimum_delay(self):
            return 1.0

    with pytest.raises(NotImplementedError, match="TsodyksMarkramSynapse"):
        sim.Projection(src, cells, sim.AllToAllConnector(), TsodyksMarkramSynapse(), receptor_type="syn1")
    sim.run(2.0)
    with pytest.raises(NotImplementedError, match="reset"):
        sim.Population(1, GLIF3Alpha())
    sim.end()


def test_unknown_receptor_and_bad_delay_are_errors():
    from pyNN import errors
    sim.setup(timestep=1.0)
    cells = sim.Population(2, GLIF3Alpha())
    with pytest.raises(errors.ConnectionError):
        sim.Projection(cells, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                       receptor_type="syn5")
    with pytest.raises(errors.ConnectionError, match="one time step"):
        sim.Projection(cells, cells, sim.FromListConnector([(0, 1, 0.1, 0.2)]), sim.StaticSynapse(),
                       receptor_type="syn1")
    sim.end()


# ---------------------------------------------------------------------------------------------
# The package's V1 builder (pynn_glif3.builder, bulk connector) on GeNN, from files

def test_v1_builder_on_genn_equals_reference(tmp_path):
    pytest.importorskip("h5py")
    from pynn_glif3 import analysis, builder
    from pynn_glif3.io import read_network
    from pynn_glif3.io.stimulus_h5 import open_stimulus
    from pynn_glif3.generate.synthetic import write_synthetic_stimulus, write_synthetic_v1

    net_file, stim_file = str(tmp_path / "v1.h5"), str(tmp_path / "stim.h5")
    write_synthetic_v1(net_file, n_neurons=2000, seed=4, n_lgn=600, pool_size=10)
    write_synthetic_stimulus(stim_file, n_samples=3, n_lgn=600, seed=5)
    net = read_network(net_file)
    with open_stimulus(stim_file) as stim:
        spikes_in = stim.spikes(1, seed=11)
        T, window = stim.seq_len, tuple(stim.response_window)
    bkg = builder.draw_background(T, net.n_neurons, [11, 1, 1])
    sim.setup(timestep=1.0)
    built = builder.build(sim, net, spikes_in, bkg)
    built.run(T)
    genn_spikes = built.raster(built.get_data(), T)
    sim.end()
    ref = reference.simulate(net.neurons, T, recurrent=net.recurrent, inputs=net.inputs,
                             input_spikes=spikes_in, bkg_weights=net.bkg_weights, bkg_counts=bkg)
    assert ref.spikes.sum() > 5000
    np.testing.assert_array_equal(genn_spikes, ref.spikes)
    assert analysis.readout_decision(genn_spikes, net.readout_ids, window) == \
        analysis.readout_decision(ref.spikes, net.readout_ids, window)


def test_array_connector_bulk_path_equals_from_list():
    from pynn_glif3.backends.connectors import FromArraysConnector
    rng = np.random.default_rng(0)
    src, tgt = rng.integers(0, 20, 60), rng.integers(0, 15, 60)
    w, d = rng.normal(0, 0.1, 60), rng.integers(1, 5, 60).astype(float)
    got = []
    for connector in (FromArraysConnector(src, tgt, w, d),
                      sim.FromListConnector(np.column_stack([src, tgt, w, d]),
                                            column_names=["weight", "delay"])):
        sim.setup(timestep=1.0)
        pre = sim.Population(20, sim.SpikeSourceArray(spike_times=[]))
        post = sim.Population(15, GLIF3Alpha())
        proj = sim.Projection(pre, post, connector, sim.StaticSynapse(), receptor_type="syn2")
        got.append(sorted(proj.get(["weight", "delay"], format="list")))
        sim.end()
    assert got[0] == got[1] and len(got[0]) == 60


def test_readme_pynn_example_on_genn_matches_the_reference():
    """The README's PyNN script as written, with its import naming pynn_glif3.genn."""
    ns, ref = readme_example.run(sim, readme_example.code("pynn_glif3.genn"))
    assert 100 < ref.spikes.sum() < 0.3 * ref.spikes.size
    np.testing.assert_array_equal(ns["spikes"], ref.spikes)

