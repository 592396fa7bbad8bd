"""Run a network given as arrays (what the reference takes) on NEST, and read the result back.

Two ways, with the step mapping of :mod:`pynn_glif3.model.timing`:

* :class:`PyNNNetwork`: through PyNN (any ``sim`` module; the NEST-specific part is only
  :meth:`PyNNNetwork.native_kwargs`, which reads back the weights NEST holds);
* :class:`PyNESTNetwork`: directly with PyNEST, for ``glif3_alpha`` or, mapped as closely as
  possible, NEST's built-in ``glif_psc`` (for comparisons and benchmarks).

Both return :class:`pynn_glif3.model.results.SimulationResult` in training rows, so that the results
compare directly with ``reference.simulate(**net.kwargs())``.  ``net`` is anything with the
attributes of :class:`pynn_glif3.generate.random_network.RandomNetwork`: ``neurons``, ``recurrent``,
``inputs``, ``input_spikes``, ``bkg_weights`` (N, 4) pA, ``bkg_counts``, ``n_steps``, ``dt``.
"""

import time

import numpy as np

from pynn_glif3.model import units
from pynn_glif3.model import N_RECEPTORS, TRAINING_MAX_DELAY_MS
from pynn_glif3.model.physical import Synapses, native_values
from pynn_glif3.model.results import SimulationResult
from pynn_glif3.model.timing import StepTiming

#: Native state names of glif3_alpha recordables, as the reference returns them.
_ASC = ("I_asc_1", "I_asc_2")
_PSC = tuple(f"I_syn_{r}" for r in range(1, N_RECEPTORS + 1))


# ---------------------------------------------------------------------------------------------
# Through PyNN

class PyNNNetwork:
    """The network built with PyNN's API on ``sim`` (after ``sim.setup(timestep=net.dt, ...)``).

    Populations: ``cells`` (GLIF3Alpha), ``inputs`` (one SpikeSourceArray per input unit) and
    ``background`` (ten SpikeSourceArrays whose per-row spike counts are the background counts).
    Weights go to PyNN in nA, recurrent delays as the training model's whole steps in ms.
    """

    def __init__(self, sim, net, record=("spikes", "v"), max_delay_ms=TRAINING_MAX_DELAY_MS,
                 cell_type=None):
        from pynn_glif3 import builder

        self.sim, self.net = sim, net
        options = builder.BuildOptions(dt=net.dt, max_delay_ms=max_delay_ms,
                                       variables=tuple(record) if record else ())
        bkg = None if net.bkg_weights is None else net.bkg_counts[:net.n_steps]
        built = builder.build(sim, net, net.input_spikes[:net.n_steps] if net.inputs is not None else None,
                              bkg, options, cell_type=cell_type)
        self.timing, self.cells = built.timing, built.cells
        self.inputs, self.background, self.projections = built.lgn, built.background, built.projections
        self.build_seconds = built.build_seconds

    def run(self):
        """Simulate every row; returns the seconds ``sim.run`` took."""
        start = time.perf_counter()
        self.sim.run(self.timing.run_time(self.net.n_steps))
        return time.perf_counter() - start

    def result(self):
        """The recorded data as a SimulationResult in training rows (currents in pA)."""
        block = self.cells.get_data()
        segment = block.segments[-1]
        n, n_steps = self.cells.size, self.net.n_steps
        trains = sorted(segment.spiketrains, key=lambda st: st.annotations["source_index"])
        spikes = self.timing.spike_raster([st.rescale("ms").magnitude for st in trains], n_steps)
        signals = {}
        for signal in segment.analogsignals:
            order = np.argsort(signal.array_annotations["channel_index"])
            values = signal.magnitude[:, order]
            if signal.name != "v":
                values = units.nA_to_pA(values)
            times = signal.times.rescale("ms").magnitude
            signals[signal.name] = self.timing.signal_rows(times, values, n_steps)
        asc = psc = None
        if "asc_1" in signals:
            asc = np.stack([signals["asc_1"], signals["asc_2"]], axis=2)
        if "psc_1" in signals:
            psc = np.stack([signals[f"psc_{r}"] for r in range(1, N_RECEPTORS + 1)], axis=2)
        assert spikes.shape == (n_steps, n)
        return SimulationResult(spikes, signals.get("v"), asc, psc, self.net.dt)

    def native_kwargs(self):
        """Arguments for ``reference.simulate`` holding exactly the values NEST holds.

        The neurons' parameters are the network's: the builder gives NEST the file's values
        (``Backend.set_neuron_parameters``).  Weights and delays are read back from the NEST
        kernel: they pass PyNN's units (pA -> nA -> pA), which may move a weight by one rounding
        step.  The spike trains are the network's.  Needs pyNN.nest.
        """
        import nest
        net = self.net
        cells = self.cells.node_collection
        ids = np.asarray(cells.tolist())
        neurons = net.neurons

        def read(pre):
            conns = nest.GetConnections(source=pre.node_collection, target=cells)
            if len(conns) == 0:
                return None
            data = conns.get(["source", "target", "weight", "delay", "receptor"])
            pre_ids = np.asarray(pre.node_collection.tolist())
            return (np.searchsorted(pre_ids, np.asarray(data["source"])),
                    np.searchsorted(ids, np.asarray(data["target"])),
                    np.asarray(data["receptor"]) - 1, np.asarray(data["weight"], dtype=float),
                    np.asarray(data["delay"], dtype=float))

        kwargs = dict(neurons=neurons, n_steps=net.n_steps, dt=net.dt)
        rec = read(self.cells)
        if rec is not None:
            kwargs["recurrent"] = Synapses(*rec)
        if self.inputs is not None:
            src, tgt, rcp, w, _ = read(self.inputs)
            kwargs.update(inputs=Synapses(src, tgt, rcp, w), input_spikes=net.input_spikes)
        if self.background is not None:
            src, tgt, rcp, w, _ = read(self.background)
            bkg = np.zeros((neurons.n, N_RECEPTORS))
            bkg[tgt, rcp] = w
            if not np.array_equal(bkg[tgt, rcp], w):
                raise AssertionError("background weights differ between background sources")
            kwargs.update(bkg_weights=bkg, bkg_counts=net.bkg_counts)
        return kwargs


# ---------------------------------------------------------------------------------------------
# Directly with PyNEST

def glif_psc_parameters(neurons):
    """NEST's glif_psc (GLIF3 mode) parameters closest to GLIF3Alpha's, per neuron.

    The mapping is one to one (V_th, g, E_L, C_m, t_ref, V_reset, asc_decay = k, asc_amps,
    asc_r = 1, tau_syn); what differs is the integration (exact), the refractory handling (V
    clamped, ASC frozen, reset with exp(-k t_ref), t_ref rounded to steps) and the lack of I_e.
    """
    p = neurons
    if np.any(p.I_offset != 0):
        raise ValueError("glif_psc has no constant current (I_e); I_offset must be 0")
    return {
        "V_th": p.V_th.tolist(), "g": p.g.tolist(), "E_L": p.E_L.tolist(), "C_m": p.C_m.tolist(),
        "t_ref": p.t_ref.tolist(), "V_reset": p.V_reset.tolist(), "V_m": p.V_reset.tolist(),
        "asc_init": [[0.0, 0.0]] * p.n, "asc_decay": p.k.tolist(), "asc_amps": p.asc_amps.tolist(),
        "asc_r": [[1.0, 1.0]] * p.n, "tau_syn": p.tau_syn.tolist(),
    }


def glif3_alpha_parameters(neurons, start_step):
    params = {key: np.asarray(value, dtype=float).tolist() for key, value in native_values(neurons).items()}
    params["V_m"] = np.asarray(neurons.V_reset, dtype=float).tolist()
    params["start_step"] = [int(start_step)] * neurons.n
    return params


class PyNESTNetwork:
    """The network built directly with PyNEST in a fresh kernel.

    ``model`` is ``"glif3_alpha"`` or ``"glif_psc"``.  Recording: spikes always; ``record_v``
    adds V_m (and, for glif3_alpha, ``record_currents`` the after-spike currents and PSCs).
    """

    def __init__(self, net, model="glif3_alpha", timing=None, threads=1, record_v=True,
                 record_currents=False, max_delay_ms=TRAINING_MAX_DELAY_MS):
        import nest
        from pynn_glif3.backends.nest.kernel import install

        self.net, self.model = net, model
        self.timing = timing or StepTiming(dt=net.dt)
        h = net.dt
        nest.ResetKernel()
        if model == "glif3_alpha":
            install()
        nest.set(local_num_threads=int(threads), resolution=h, print_time=False)
        start = time.perf_counter()
        p = net.neurons
        self.cells = nest.Create(model, p.n)
        if model == "glif3_alpha":
            self.cells.set(glif3_alpha_parameters(p, self.timing.start_step))
        elif model == "glif_psc":
            self.cells.set(spike_dependent_threshold=False, after_spike_currents=True,
                           adapting_threshold=False)
            self.cells.set(glif_psc_parameters(p))
        else:
            raise ValueError(f"unknown model {model!r}: 'glif3_alpha' or 'glif_psc'")
        ids = np.asarray(self.cells.tolist())
        rec = net.recurrent
        if rec is not None and rec.n:
            delays = self.timing.recurrent_delays(rec.delay, max_delay_ms)
            nest.Connect(ids[rec.source], ids[rec.target], "one_to_one",
                         {"synapse_model": "static_synapse", "weight": rec.weight, "delay": delays,
                          "receptor_type": rec.receptor + 1})
        if net.inputs is not None and net.inputs.n:
            trains = self.timing.input_spike_times(net.input_spikes[:net.n_steps])
            self.input_sources = nest.Create("spike_generator", len(trains))
            self.input_sources.set([{"spike_times": t.tolist()} for t in trains])
            src_ids = np.asarray(self.input_sources.tolist())
            inp = net.inputs
            nest.Connect(src_ids[inp.source], ids[inp.target], "one_to_one",
                         {"synapse_model": "static_synapse", "weight": inp.weight,
                          "delay": np.full(inp.n, self.timing.input_delay),
                          "receptor_type": inp.receptor + 1})
        if net.bkg_weights is not None:
            trains = self.timing.background_spike_times(net.bkg_counts[:net.n_steps])
            self.bkg_sources = nest.Create("spike_generator", len(trains))
            self.bkg_sources.set([{"spike_times": t.tolist()} for t in trains])
            target, receptor = np.nonzero(net.bkg_weights)
            for source in self.bkg_sources.tolist():
                nest.Connect(np.full(target.size, source), ids[target], "one_to_one",
                             {"synapse_model": "static_synapse", "weight": net.bkg_weights[target, receptor],
                              "delay": np.full(target.size, self.timing.input_delay),
                              "receptor_type": receptor + 1})
        self.spike_recorder = nest.Create("spike_recorder")
        nest.Connect(self.cells, self.spike_recorder)
        self.record_from = []
        if record_v:
            self.record_from.append("V_m")
        if record_currents and model == "glif3_alpha":
            self.record_from += list(_ASC + _PSC)
        self.multimeter = None
        if self.record_from:
            self.multimeter = nest.Create("multimeter",
                                          params={"record_from": self.record_from, "interval": h})
            nest.Connect(self.multimeter, self.cells)
        self.ids = ids
        self.build_seconds = time.perf_counter() - start

    def run(self):
        """Simulate every row (plus one step, so the last row's state is recorded); returns seconds."""
        import nest
        start = time.perf_counter()
        nest.Simulate(self.timing.run_time(self.net.n_steps) + self.net.dt)
        return time.perf_counter() - start

    def result(self):
        n, n_steps = len(self.ids), self.net.n_steps
        events = self.spike_recorder.events
        spikes = np.zeros((n_steps, n), dtype=bool)
        rows = self.timing.rows_of_times(events["times"])
        keep = rows < n_steps
        if np.any(rows < 0):
            raise AssertionError("a neuron spiked before the first training row")
        spikes[rows[keep], np.searchsorted(self.ids, events["senders"][keep])] = True
        signals = {}
        if self.multimeter is not None:
            ev = self.multimeter.events
            rows = self.timing.rows_of_times(ev["times"])
            keep = (rows >= 0) & (rows < n_steps)
            cols = np.searchsorted(self.ids, ev["senders"][keep])
            for name in self.record_from:
                values = np.full((n_steps, n), np.nan)
                values[rows[keep], cols] = ev[name][keep]
                signals[name] = values
        asc = np.stack([signals[k] for k in _ASC], axis=2) if _ASC[0] in signals else None
        psc = np.stack([signals[k] for k in _PSC], axis=2) if _PSC[0] in signals else None
        return SimulationResult(spikes, signals.get("V_m"), asc, psc, self.net.dt)
