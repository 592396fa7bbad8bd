"""GeNN variable values of the backend's populations, computed from PyNN's parameters.

Units are GeNN's (``genn_models``): mV, pA, ms.  Every function is pure: the population and the
time step ``dt_ms`` in, arrays out; the model description uses them for the initial values and the
device state for what changes between runs.

Timing (docs/genn.md): the GeNN step n goes from ``n dt`` to ``(n + 1) dt``; spikes of step n carry
the time ``(n + 1) dt``.
"""

import warnings

import numpy as np

from pynn_glif3.model import N_RECEPTORS
from pynn_glif3.model.timing import START_STEP
from pynn_glif3.backends.genn import genn_models, snippets
from pynn_glif3.backends.genn.genn_models import NEURON_STATE


def glif3_values(pop, dt_ms, state=True):
    """GeNN variable values of a GLIF3Alpha population (constants, and the state if ``state``)."""
    s = genn_models.load_snippets()
    p = pop.physical_parameters()
    values = snippets.neuron_var_values(p, dt_ms)
    for r in range(N_RECEPTORS):
        psm = snippets.psm_var_values(p, dt_ms, r)
        for name in genn_models.psm_constant_names(s):
            values[genn_models.receptor_var(name, r)] = psm[name]
    start_step = int(getattr(pop.celltype, "extra_parameters", {}).get("start_step", START_STEP))
    values["TStart"] = np.full(pop.size, (start_step - 0.5) * dt_ms)
    if state:
        for variable, (genn_name, scale) in NEURON_STATE.items():
            values[genn_name] = pop.initial_value_array(variable) * scale
    else:
        for name, _, access in s.NEURON_VARS:
            if access != "ro":
                values.pop(name)
    return values


def poisson_values(pop, dt_ms):
    """GeNN variable values of a SpikeSourcePoisson population: spike probability per step and
    the window of steps it fires in, as times (ms) half a step inside the first and last step."""
    p = pop._parameters
    rate = np.asarray(p["rate"], dtype=float)
    start = np.asarray(p["start"], dtype=float)
    stop = start + np.asarray(p["duration"], dtype=float)
    prob = rate * dt_ms / 1000.0
    if np.any(prob > 1.0):
        warnings.warn(f"{pop.label}: rates above {1000.0 / dt_ms:g} Hz are capped at one spike "
                      "per step")
    first = np.floor(start / dt_ms + 1e-9)                # first step whose end is after start
    last = np.floor(stop / dt_ms + 1e-9) - 1.0            # last step whose end is <= stop
    return {"Prob": np.clip(prob, 0.0, 1.0), "TLow": (first - 0.5) * dt_ms,
            "THigh": (last + 0.5) * dt_ms, "Mult": 0.0}


def array_schedule(pop, dt_ms):
    """(steps, indices, counts) of a SpikeSourceArray population, sorted by step."""
    times = pop._parameters["spike_times"]
    steps, index = [], []
    dropped = 0
    for i, seq in enumerate(times):
        t = np.asarray(getattr(seq, "value", seq), dtype=float).ravel()
        if t.size == 0:
            continue
        s = np.rint(t / dt_ms).astype(np.int64) - 1
        dropped += int(np.count_nonzero(s < 0))
        s = s[s >= 0]
        steps.append(s)
        index.append(np.full(s.size, i, dtype=np.int64))
    if dropped:
        warnings.warn(f"{pop.label}: {dropped} spike time(s) before {dt_ms / 2} ms cannot be "
                      "delivered (a spike at T leaves its source in the step ending at T) and "
                      "are ignored")
    if not steps:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    steps, index = np.concatenate(steps), np.concatenate(index)
    key, counts = np.unique(steps * pop.size + index, return_counts=True)
    return key // pop.size, key % pop.size, counts
