"""Input encodings: how pixel values in [0, 1] become spikes, with PyNN standard cell types.

* ``poisson``: a SpikeSourcePoisson per pixel at ``value * max_rate_hz``.
* ``current``: an integrate-and-fire neuron per pixel (the same cell as the hidden layers, with
  the same reset) driven by a constant current, so it fires regularly at ``value * max_rate_hz``
  (the deterministic "constant-current" input of Rueckauer et al. 2017, here as spikes so that every layer,
  including the first, is spiking).
"""

import numpy as np

from pynn_glif3.jobs.convert.neurons import if_population

ENCODINGS = ("poisson", "current")


def check_pixels(images):
    """Images as float64 (n, ...) with values in [0, 1]; ValueError otherwise."""
    x = np.asarray(images, dtype=np.float64)
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0.0 or x.max() > 1.0):
        raise ValueError(f"input images must have values in [0, 1] (scale them as the ANN was "
                         f"trained), got values in [{np.nanmin(x):g}, {np.nanmax(x):g}]")
    return x


def input_population(sim, encoding, pixels, settings, duration_ms):
    """A population with one input cell per entry of ``pixels`` (flat, values in [0, 1])."""
    pixels = np.asarray(pixels, dtype=np.float64).ravel()
    rates_hz = pixels * settings.max_rate_hz
    if encoding == "poisson":
        return sim.Population(pixels.size, sim.SpikeSourcePoisson(
            rate=rates_hz, start=0.0, duration=float(duration_ms)), label="input")
    if encoding == "current":
        return if_population(sim, pixels.size, settings, pixels * settings.bias_per_step(),
                             label="input")
    raise ValueError(f"encoding {encoding!r}: expected one of {', '.join(ENCODINGS)}")
