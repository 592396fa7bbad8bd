"""The GeNN model of a PyNN network: its neuron groups, synapse groups and initial values.

One GeNN neuron group per Population.  One GeNN synapse group per Projection and pair of
(source population, target population) it joins (Assemblies and views are split), with SPARSE
connectivity computed on the host by PyNN's connectors.  Each synapse group carries the alpha
postsynaptic model of its receptor; GeNN fuses those of one receptor of one target population into
a single one (every synapse group into a population gets the same dendritic delay buffer length
for that), so each receptor has one PSC fed by the sum of all its inputs.

A synapse of delay k steps delivers the spikes of step n in step n + k (docs/genn.md).

Everything added to the model is added to its fingerprint too (:mod:`.compilation`), in the
order it is added, so that equal fingerprints mean equal models.
"""

import numpy as np

from pynn_glif3.model import N_RECEPTORS, RECEPTORS
from pynn_glif3.backends.genn import genn_models
from pynn_glif3.backends.genn.population_values import glif3_values, poisson_values
from pynn_glif3.backends.genn.standardmodels import ARRAY, GLIF3, POISSON


class ProjectionPart:
    """The connections of one Projection between one source and one target population."""

    def __init__(self, projection, selection, source, target, pre, post):
        self.projection = projection
        self.selection = selection        # indices into the projection's connection arrays
        self.source, self.target = source, target
        self.pre, self.post = pre, post   # indices in the source and target populations
        self.group = None                 # its GeNN synapse group, once added


class ModelDescription:
    """The GeNN model (``model``) of ``state``'s populations and projections, not yet built.

    ``groups``: population -> GeNN neuron group; ``parts``: the :class:`ProjectionPart` objects,
    each with its synapse group; ``max_delay_steps``: target population -> the longest delay
    (steps) onto it, which sets its dendritic delay buffer.
    """

    def __init__(self, pygenn, state, backend, fingerprint):
        self.pygenn = pygenn
        self.state = state
        self.dt = float(state.dt)
        self.fingerprint = fingerprint
        self.populations = list(state.populations)
        self.projections = list(state.projections)
        options = state.options
        self.model = pygenn.GeNNModel(options.get("precision", "double"), "pynn_glif3_network",
                                      backend=backend, time_precision="double",
                                      **options.get("genn_preferences", {}))
        self.model.dt = self.dt
        self.model.fuse_postsynaptic_models = True
        if options.get("rng_seed") is not None:
            self.model.seed = int(options["rng_seed"])
        self._genn_models = {}
        self.groups = {pop: self._add_population(i, pop) for i, pop in enumerate(self.populations)}
        self.parts = self._split_projections()
        self._add_synapses()

    def _genn_model(self, key, factory):
        """One GeNN model object per kind, shared by every group of that kind."""
        if key not in self._genn_models:
            self._genn_models[key] = factory()
        return self._genn_models[key]

    def _add_population(self, i, pop):
        pg = self.pygenn
        name = f"pop{i}"
        if pop.kind == GLIF3:
            nm = self._genn_model("glif3", lambda: genn_models.glif3_neuron_model(pg, N_RECEPTORS))
            values = glif3_values(pop, self.dt)
        elif pop.kind == ARRAY:
            nm = self._genn_model("array", lambda: genn_models.spike_source_array_model(pg))
            values = {"Next": 0.0, "Mult": 0.0}
        elif pop.kind == POISSON:
            nm = self._genn_model("poisson", lambda: genn_models.spike_source_poisson_model(pg))
            values = poisson_values(pop, self.dt)
        else:   # cell_kind() refused it already
            raise NotImplementedError(pop.kind)
        self.fingerprint.add(name, pop.kind, pop.size, values)
        group = self.model.add_neuron_population(name, pop.size, nm, {}, values)
        group.spike_recording_enabled = True
        return group

    def _split_projections(self):
        """ProjectionPart objects: each projection's connections grouped by (source, target) population."""
        parts = []
        position = {pop: i for i, pop in enumerate(self.populations)}
        for proj in self.projections:
            pre_ids = np.asarray(proj.pre.all_cells, dtype=np.int64)
            post_ids = np.asarray(proj.post.all_cells, dtype=np.int64)
            pre_idx, post_idx, _, _ = proj.connection_arrays()
            if pre_idx.size == 0:
                continue
            src_pop, src_index = self.state.population_of_ids(pre_ids[pre_idx])
            trg_pop, trg_index = self.state.population_of_ids(post_ids[post_idx])
            key = src_pop * len(self.populations) + trg_pop
            order = np.argsort(key, kind="stable")
            bounds = np.flatnonzero(np.diff(key[order])) + 1
            for sel in np.split(order, bounds):
                source = self.state.populations[src_pop[sel[0]]]
                target = self.state.populations[trg_pop[sel[0]]]
                if source not in position or target not in position:
                    raise RuntimeError("a projection refers to a population unknown to the network")
                if target.kind != GLIF3:
                    raise NotImplementedError(f"{target.celltype.__class__.__name__} cannot receive "
                                              "synapses on the GeNN backend")
                parts.append(ProjectionPart(proj, sel, source, target, src_index[sel], trg_index[sel]))
        return parts

    def _delay_steps(self, part):
        """The delays of ``part``'s connections in whole steps (at least one)."""
        _, _, _, delay = part.projection.connection_arrays()
        steps = np.rint(np.asarray(delay[part.selection], dtype=float) / self.dt).astype(np.int64)
        if steps.size and steps.min() < 1:
            bad = float(np.asarray(delay[part.selection])[np.argmin(steps)])
            raise ValueError(f"projection {part.projection.label!r}: delay {bad} ms is shorter than one "
                             f"time step ({self.dt} ms)")
        return steps

    def _add_synapses(self):
        pg = self.pygenn
        # one dendritic delay buffer length per target population, so that GeNN fuses the PSMs
        self.max_delay_steps = {}
        for part in self.parts:
            longest = int(self._delay_steps(part).max())
            self.max_delay_steps[part.target] = max(self.max_delay_steps.get(part.target, 1), longest)
        if any(v - 1 > genn_models.MAX_DENDRITIC_DELAY for v in self.max_delay_steps.values()):
            raise ValueError(f"delays longer than {genn_models.MAX_DENDRITIC_DELAY + 1} steps "
                             "are not supported")
        psm = self._genn_model("psm", lambda: genn_models.alpha_psm(pg))
        position = {pop: i for i, pop in enumerate(self.populations)}
        projection_position = {proj: j for j, proj in enumerate(self.projections)}
        for part in self.parts:
            from_source = part.source.kind != GLIF3
            wu = self._genn_model(("wu", from_source),
                                  lambda: genn_models.static_synapse_model(pg, from_source))
            weight, dendritic = self.synapse_values(part)
            receptor = part.projection.receptor_index
            name = (f"proj{projection_position[part.projection]}_pop{position[part.source]}"
                    f"_pop{position[part.target]}_{RECEPTORS[receptor]}")
            group = self.model.add_synapse_population(
                name, "SPARSE", self.groups[part.source], self.groups[part.target],
                genn_models.static_synapse_init(pg, wu, weight, dendritic, from_source),
                genn_models.alpha_psm_init(pg, psm, receptor))
            group.set_sparse_connections(part.pre, part.post)
            group.max_dendritic_delay_timesteps = self.max_delay_steps[part.target]
            self.fingerprint.add(name, position[part.source], position[part.target], from_source,
                                 receptor, part.pre, part.post, weight, dendritic,
                                 self.max_delay_steps[part.target])
            part.group = group

    def synapse_values(self, part):
        """(weights in pA, dendritic delays in steps as uint16) of ``part``'s connections, as the
        projection has them now; NotImplementedError if a delay outgrew the built buffer."""
        _, _, weight, _ = part.projection.connection_arrays()
        weight_pA = np.asarray(weight[part.selection], dtype=float) * 1000.0   # nA -> pA
        dendritic = self._delay_steps(part) - 1
        if dendritic.size and dendritic.max() >= self.max_delay_steps[part.target]:
            raise NotImplementedError(
                f"projection {part.projection.label!r}: a delay of {(dendritic.max() + 1) * self.dt} ms is "
                f"longer than the longest delay onto its target when the GeNN model was built "
                f"({self.max_delay_steps[part.target] * self.dt} ms); call setup() again to rebuild")
        return weight_pA, dendritic.astype(np.uint16)
