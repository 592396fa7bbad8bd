"""Running converted networks: classification by output spike count, and SpikeNorm's measurements.

Each batch of images is one simulation (``sim.setup`` ... ``sim.end``) of the replicated network
of :mod:`.network`.  Several presentation times come from the same run: the simulation advances
to each of them in turn, the spikes up to that time give that presentation's classification, and
the wall-clock time to get there is that presentation's run time.
"""

from dataclasses import dataclass, field
import sys
import time

import numpy as np

from pynn_glif3.jobs.convert.network import build, spike_counts, spike_steps
from pynn_glif3.backends import backend_for


@dataclass
class Evaluation:
    """Spike counts and accuracy of a test set for each presentation time."""
    presentation_ms: list
    counts: np.ndarray              # (n_presentations, n_images, n_classes) output spike counts
    labels: np.ndarray = None
    build_s: float = 0.0            # wall-clock time to build the networks (all batches)
    run_s: list = field(default_factory=list)   # time to simulate up to each presentation time

    @property
    def predictions(self):
        """Class with the most output spikes (the first of equals), per presentation and image."""
        return np.argmax(self.counts, axis=-1)

    @property
    def silent(self):
        """Fraction of images without any output spike, per presentation time."""
        return (self.counts.sum(axis=-1) == 0).mean(axis=-1)

    @property
    def accuracy(self):
        if self.labels is None:
            raise ValueError("no labels were given")
        return (self.predictions == self.labels[None]).mean(axis=-1)


def setup(sim, settings, options=None):
    """``sim.setup`` with the converted network's time step (and the smallest delay, one step).

    Spikes on the time grid where the simulator distinguishes them: a cell may fire in every step,
    which off-grid models with their minimal refractory period would halve.
    """
    options = dict(backend_for(sim).setup_options(spikes_on_grid=True), **(options or {}))
    sim.setup(timestep=settings.dt_ms, min_delay=settings.dt_ms, **options)


def _batches(n, batch_size):
    return [(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


def classify(sim, layers, images, settings, presentation_ms, encoding="poisson", labels=None,
             batch_size=500, setup_options=None, progress=False):
    """Present ``images`` to the spiking network of ``layers`` on ``sim``; returns an Evaluation.

    ``presentation_ms`` is one time or a list of them (all from one run per batch).
    ``setup_options`` go to ``sim.setup`` (e.g. ``{"rng_seed": 1}`` on NEST).
    """
    stops = sorted({float(t) for t in np.atleast_1d(presentation_ms)})
    if stops[0] <= 0:
        raise ValueError(f"presentation times must be positive, got {stops}")
    images = np.asarray(images, dtype=np.float64)
    n_classes = layers[-1].n_outputs
    counts = np.zeros((len(stops), len(images), n_classes), dtype=np.int64)
    build_s, run_s = 0.0, np.zeros(len(stops))
    batches = _batches(len(images), int(batch_size))
    for number, (lo, hi) in enumerate(batches):
        t0 = time.perf_counter()
        setup(sim, settings, setup_options)
        net = build(sim, layers, images[lo:hi], settings, encoding, duration_ms=stops[-1])
        net.output.record("spikes")
        t1 = time.perf_counter()
        build_s += t1 - t0
        for i, stop in enumerate(stops):
            sim.run_until(stop)
            run_s[i] += time.perf_counter() - t1
        counts[:, lo:hi] = spike_counts(net.output, hi - lo, n_classes, stops)
        sim.end()
        if progress:
            print(f"  batch {number + 1}/{len(batches)}: images {lo}..{hi - 1}, "
                  f"{time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return Evaluation(stops, counts, None if labels is None else np.asarray(labels), build_s,
                      list(run_s))


def max_input_per_step(sim, settings, images, duration_ms, encoding="poisson", setup_options=None):
    """SpikeNorm's measurement, as a function for :func:`normalisation.spikenorm_scales`.

    Runs the network of the layers before layer l (``layers[:l]``) on ``images`` for
    ``duration_ms``, records the spikes reaching layer l, and returns the largest one-step input
    ``sum_j W_ij * spikes_j(step) + b_i * bias_per_step`` of any layer-l neuron.
    """
    n_steps = int(round(duration_ms / settings.dt_ms))

    def measure(layers, index):
        setup(sim, settings, setup_options)
        net = build(sim, layers[:index] or layers[:1], images, settings, encoding,
                    duration_ms=duration_ms)
        source = net.layers[index - 1] if index else net.input
        source.record("spikes")
        sim.run(duration_ms + settings.dt_ms)
        steps = spike_steps(source, len(images), layers[index].n_inputs, n_steps, settings.dt_ms)
        sim.end()
        per_step = layers[index].scaled(1.0, settings.bias_per_step())
        return max(float(per_step.preactivation(s).max()) for s in steps)

    return measure
