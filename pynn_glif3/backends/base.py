"""The backend contract: what the network builder and the jobs ask of a simulator.

A :class:`Backend` wraps one PyNN simulator module.  This base class answers with PyNN's standard
API, which is right for any simulator where it is not overridden; a simulator with a GLIF3Alpha
implementation subclasses it (``backends/<simulator>/backend.py``).  docs/architecture.md lists
the contract.
"""


class SimulatorUnavailable(ImportError):
    """A simulator (or a piece it needs) is not installed; the message says how to install it."""


class Backend:
    """A PyNN simulator as the builder and the jobs use it.

    ``sim`` is the PyNN module (``pyNN.nest``, ``pynn_glif3.genn``, ...).  Attributes and methods:

    * :attr:`label` -- the simulator's name for messages;
    * :attr:`cell_type` -- its GLIF3Alpha class;
    * :meth:`spike_source_type` -- the cell type of input and background sources (PyNN's
      SpikeSourceArray unless the simulator has a faster one that delivers the same steps);
    * :meth:`set_neuron_parameters` -- give a GLIF3Alpha Population per-neuron parameters of the
      physical view, converted once, to the simulator's own units (the native values written by
      :meth:`write_native_parameters`);
    * :meth:`connect_arrays` -- connect a FromArraysConnector's arrays (bulk where it can);
    * :attr:`trials_in_one_run` -- whether GLIF3Alpha runs independent trials one after the other
      in one simulation (its ``trial_steps`` parameter);
    * :attr:`reruns_with_new_inputs` and :meth:`rerun_with_new_spike_times` -- whether a built
      network can start again from its initial state with new spike times on its spike sources,
      without being built again (the next trial on the same build);
    * :meth:`inject_receptor_currents` -- per-step input into each receptor's PSC rise (the
      decoded-noise background), where the simulator can take it (:meth:`check_receptor_currents`
      says so before anything is built);
    * :meth:`setup_options` -- simulator-specific ``sim.setup`` arguments;
    * :meth:`prepare` -- adapt the simulator module once, before it is used.
    """

    label = None
    trials_in_one_run = False
    reruns_with_new_inputs = False

    def __init__(self, sim):
        self.sim = sim
        if self.label is None:
            self.label = getattr(getattr(sim, "simulator", None), "name", None) or sim.__name__

    def prepare(self):
        """Adapt the simulator module for GLIF3Alpha (called once, by :func:`backend_for`)."""

    def setup_options(self, rng_seed=None, spikes_on_grid=False):
        """Extra ``sim.setup`` arguments: the simulator's random seed, and spikes on the time grid
        (for cells that may fire in every step) where the simulator distinguishes them."""
        return {}

    @property
    def cell_type(self):
        raise NotImplementedError(
            f"GLIF3Alpha has no implementation for the simulator module {self.sim.__name__}; "
            f"it runs on pyNN.nest, pyNN.brian2, pyNN.neuron, pyNN.spiNNaker and pynn_glif3.genn")

    def spike_source_type(self):
        """The cell type of spike sources with a ``spike_times`` parameter, delivering a spike at
        T as PyNN's SpikeSourceArray does."""
        return self.sim.SpikeSourceArray

    def set_neuron_parameters(self, cells, neurons):
        """Give the GLIF3Alpha Population ``cells`` the parameters ``neurons`` (a
        :class:`~pynn_glif3.model.physical.NeuronParameters`, physical view, one row per cell) and
        start ``v`` at ``V_reset``.

        Here: the native names and values of :func:`~pynn_glif3.model.physical.native_values` go to
        :meth:`write_native_parameters`.  The native models of NEST, GeNN, Brian2 and NEURON take
        the physical view's units, so a value from a file reaches the simulator unchanged, with no
        PyNN-unit step between (a round trip such as pF -> nF -> pF or C_m, g -> tau_m -> g may
        move it by a rounding step).
        """
        from pynn_glif3.model.physical import native_values

        neurons = one_row_per_cell(neurons, cells)
        self.write_native_parameters(cells, native_values(neurons))
        cells.initialize(v=neurons.V_reset)

    def write_native_parameters(self, cells, values):
        """Write ``values`` ({native name: one value per cell}) into the cells of ``cells`` on this
        process; here through PyNN's setter of native parameters, as ``Population.set`` does
        after translating."""
        from pyNN.parameters import ParameterSpace

        cells._set_parameters(ParameterSpace(values, shape=(cells.size,)))

    def connect_arrays(self, connector, projection):
        """Connect ``connector.sources[k] -> connector.targets[k]`` with its weights (PyNN units)
        and delays (ms); here through PyNN's FromListConnector."""
        import numpy as np
        from pyNN.connectors import FromListConnector

        conn_list = np.column_stack([connector.sources, connector.targets, connector.weights,
                                     connector.delays])
        FromListConnector(conn_list, column_names=["weight", "delay"],
                          safe=connector.safe).connect(projection)

    def rerun_with_new_spike_times(self, sources):
        """Take the network back to t = 0 and its initial state, and give spike-source
        populations new spike times, for another trial on the same build: ``sources`` is a list of
        (Population, list with one array of times (ms) per source).  PyNN's ``reset()`` then
        ``set(spike_times=...)``; only where :attr:`reruns_with_new_inputs` says that costs no
        rebuild."""
        if not self.reruns_with_new_inputs:
            raise NotImplementedError(f"GLIF3Alpha on {self.label} does not rerun a built network "
                                      f"with new inputs here; build the network again")
        from pyNN.parameters import Sequence

        self.sim.reset()
        for population, trains in sources:
            population.set(spike_times=[Sequence(times) for times in trains])

    def inject_receptor_currents(self, cells, values_pA):
        """Add ``values_pA[m]`` ((n_rows, N, 4), pA) to the PSC rise input of training row m of
        the GLIF3Alpha Population ``cells``; returns what holds the values."""
        self.check_receptor_currents()

    def check_receptor_currents(self):
        """NotImplementedError, saying why, unless :meth:`inject_receptor_currents` works here."""
        raise NotImplementedError(
            f"per-step input into each receptor (the decoded-noise background) is not available on "
            f"{self.label}: PyNN's current sources cannot address a receptor's PSC rise, and only "
            f"the NEST and Brian2 backends of pynn_glif3 provide it; use "
            f"background='shared', 'independent' or 'none' here")


def one_row_per_cell(neurons, cells):
    """``neurons`` as NeuronParameters, checked to hold one row per cell of Population ``cells``."""
    from pynn_glif3.model.physical import NeuronParameters

    neurons = NeuronParameters.coerce(neurons)
    if neurons.n != cells.size:
        raise ValueError(f"GLIF3Alpha parameters of {neurons.n} neurons for a Population of "
                         f"{cells.size} cells ({cells.label!r})")
    return neurons
