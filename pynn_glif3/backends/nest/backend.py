"""The NEST backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

import warnings

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.nest import build, cells, connect, kernel, noise, pynn_patches


class NESTBackend(Backend):
    """pyNN.nest with the glif3_alpha module: bulk connections, ``spike_train_injector`` sources,
    many trials in one run, per-step receptor input."""

    label = "NEST"
    trials_in_one_run = True
    cell_type = cells.GLIF3Alpha

    def prepare(self):
        pynn_patches.adapt()
        # NEST refuses modules once nodes exist: load it now if the kernel is still empty
        if not kernel.is_installed() and kernel.network_size() == 0:
            try:
                kernel.install()
            except build.BuildError as err:
                warnings.warn(f"pynn_glif3: the glif3_alpha NEST module is not available: {err}")

    def setup_options(self, rng_seed=None, spikes_on_grid=False):
        options = {} if rng_seed is None else {"rng_seed": rng_seed}
        if spikes_on_grid:
            # pyNN.nest's default off-grid models need a refractory period of at least one step
            options["spike_precision"] = "on_grid"
        return options

    def spike_source_type(self):
        return cells.spike_source_type(self.sim)

    def write_native_parameters(self, cells_population, values):
        # whole arrays in one call: PyNN's setter makes one dictionary per neuron (twice the time)
        local = cells_population._mask_local
        cells_population.node_collection[local].set(
            {name: column[local].tolist() for name, column in values.items()})

    def connect_arrays(self, connector, projection):
        connect.connect_arrays(connector, projection)

    def inject_receptor_currents(self, cells_population, values_pA):
        return noise.inject_receptor_currents(cells_population, values_pA)

    def check_receptor_currents(self):
        pass        # glif3_alpha's rise_input table
