"""setup(), run(), reset(), end() and the state queries of the GeNN backend."""

import warnings

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from pynn_glif3.backends.genn import simulator
from pynn_glif3.backends.genn.compilation import BACKENDS, PRECISIONS

#: setup() options of this backend (besides timestep, min_delay, max_delay).
OPTIONS = {
    "backend": "GeNN backend: 'cpu' (single-threaded CPU, default), 'cuda' (or 'hip', 'opencl')",
    "precision": "'double' (default; reproduces the reference step for step) or 'float'",
    "build_dir": "where GeNN writes and compiles the model (default: a temporary directory per model, "
                 "kept while the process runs, so that the same network is compiled once)",
    "rng_seed": "seed of GeNN's random numbers (SpikeSourcePoisson)",
    "optimize": "compile GeNN's CPU code with -O2 -ffp-contract=off (default True; IEEE arithmetic kept)",
    "recording_chunk": "steps of spikes GeNN buffers between copies to the host (default 500)",
    "genn_preferences": "dict of GeNN backend preferences passed to GeNNModel",
}
# Options of other backends that scripts commonly pass: accepted and ignored.
_IGNORED = {"threads", "local_num_threads", "spike_precision", "verbosity", "rank", "num_processes"}


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new network on GeNN; fails at once (with install instructions) without PyGeNN.

    ``backend`` ('cpu' or 'cuda'), ``precision`` ('double' or 'float'), ``build_dir``,
    ``rng_seed``, ``optimize``, ``recording_chunk`` and ``genn_preferences`` choose how GeNN
    builds and runs the model (:data:`OPTIONS`); the model is built at the first run().
    """
    simulator.require_pygenn()
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    options = {k: v for k, v in extra_params.items() if k in OPTIONS}
    unknown = set(extra_params) - set(OPTIONS) - _IGNORED - {"max_delay"}
    if unknown:
        raise ValueError(f"unknown setup() option(s) {sorted(unknown)} for the GeNN backend; "
                         f"known: {', '.join(OPTIONS)}")
    ignored = set(extra_params) & _IGNORED
    if ignored:
        warnings.warn(f"the GeNN backend ignores setup() option(s) {sorted(ignored)}")
    backend = options.setdefault("backend", "cpu")
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    precision = options.setdefault("precision", "double")
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    state = simulator.state
    state.clear()
    state.dt = float(timestep)
    state.min_delay = float(timestep) if min_delay == "auto" else min_delay
    state.max_delay = max_delay
    state.options = options
    return rank()


def end(compatible_output=True):
    """Write the data of record(..., to_file=...) and release the GeNN model."""
    state = simulator.state
    for population, variables, filename in state.write_on_end:
        population.write_data(get_io(filename), variables)
    state.write_on_end = []
    state.clear()


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)
