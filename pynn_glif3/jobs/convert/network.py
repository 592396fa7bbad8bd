"""The PyNN network of a converted ANN, for a batch of images at once, on any ``sim`` module.

One simulation presents many images: every layer is one population holding one copy of the layer
per image side by side (copy k of a layer of n units is cells k*n .. k*n + n - 1), and each
projection connects copy k of a layer only to copy k of the next.  Building one network per batch
and running it once costs far less than presenting the images one after the other with a reset
of the state between them, and there is no activity left over from a previous image.

Weights are split by sign into two projections, positive onto the 'excitatory' and negative
(kept negative, PyNN's convention for current synapses) onto the 'inhibitory' receptor of
IF_curr_exp ('syn1' and 'syn2' of GLIF3Alpha), so that backends that route synapses by receptor
(sPyNNaker) get what they expect.  Every projection
has the smallest delay, one time step.
"""

from dataclasses import dataclass, field

import numpy as np

from pynn_glif3.jobs.convert.encoding import input_population
from pynn_glif3.jobs.convert.neurons import if_population, weight_to_current_na


@dataclass
class SpikingNetwork:
    """The populations (input first, then one per layer) and projections of a built network."""
    n_images: int
    input: object
    layers: list
    projections: list = field(default_factory=list)

    @property
    def output(self):
        return self.layers[-1]


def replicated_connections(layer, n_images):
    """(sources, targets, weights) of ``n_images`` side-by-side copies of ``layer``."""
    k = np.arange(n_images, dtype=np.int64)[:, None]
    sources = (layer.sources[None] + k * layer.n_inputs).ravel()
    targets = (layer.targets[None] + k * layer.n_outputs).ravel()
    return sources, targets, np.tile(layer.weights, n_images)


def build(sim, layers, images, settings, encoding="poisson", duration_ms=1e10):
    """Create the network of ``layers`` (normalised ConnectionLayers) presenting ``images``
    (n, ...) in [0, 1] on ``sim`` (after ``sim.setup(timestep=settings.dt_ms)``)."""
    from pynn_glif3.backends.connectors import FromArraysConnector  # needs PyNN, unlike the rest of the package
    images = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    n = len(images)
    if images.shape[1] != layers[0].n_inputs:
        raise ValueError(f"images have {images.shape[1]} values each, the first layer "
                         f"{layers[0].name!r} expects {layers[0].n_inputs}")
    net = SpikingNetwork(n, input_population(sim, encoding, images, settings, duration_ms), [])
    pre = net.input
    delay = settings.dt_ms
    for layer in layers:
        bias = np.tile(layer.bias * settings.bias_per_step(), n)      # thresholds per step
        post = if_population(sim, n * layer.n_outputs, settings, bias, layer.name)
        sources, targets, weights = replicated_connections(layer, n)
        weights = weight_to_current_na(weights, settings)
        for receptor, sign in zip(settings.receptors, (weights > 0, weights < 0)):
            if np.any(sign):
                connector = FromArraysConnector(sources[sign], targets[sign], weights[sign],
                                                np.full(int(sign.sum()), delay))
                net.projections.append(sim.Projection(
                    pre, post, connector, sim.StaticSynapse(), receptor_type=receptor,
                    label=f"{pre.label}->{layer.name} ({receptor})"))
        net.layers.append(post)
        pre = post
    return net


def spike_counts(population, n_images, n_units, t_stops_ms):
    """Spike counts (len(t_stops), n_images, n_units) in (0, t_stop] from recorded spikes."""
    trains = population.get_data("spikes", clear=False).segments[-1].spiketrains
    counts = np.zeros((len(t_stops_ms), n_images * n_units), dtype=np.int64)
    stops = np.asarray(t_stops_ms, dtype=np.float64)
    for train in trains:
        index = int(train.annotations["source_index"])
        times = np.asarray(train.magnitude, dtype=np.float64)
        counts[:, index] = np.searchsorted(np.sort(times), stops + 1e-9, side="right")
    return counts.reshape(len(stops), n_images, n_units)


def spike_steps(population, n_images, n_units, n_steps, dt_ms):
    """Spike counts per step (n_images, n_steps, n_units); step k ends at (k + 1) * dt."""
    trains = population.get_data("spikes", clear=False).segments[-1].spiketrains
    counts = np.zeros((n_steps, n_images * n_units))
    for train in trains:
        steps = np.rint(np.asarray(train.magnitude) / dt_ms).astype(np.int64) - 1
        steps = steps[(steps >= 0) & (steps < n_steps)]
        np.add.at(counts[:, int(train.annotations["source_index"])], steps, 1.0)
    return counts.reshape(n_steps, n_images, n_units).transpose(1, 0, 2)
