"""The V1 job's options: one typed dataclass, and the command line that fills it."""

from dataclasses import dataclass, field
import json

import numpy as np

from pynn_glif3 import backends
from pynn_glif3.builder import BACKGROUNDS, DELAY_POLICIES, RECORD_CHOICES

#: samples per build where the simulator runs many trials in one build (in one simulation, or
#: rerunning the build with each trial's inputs)
DEFAULT_TRIALS_PER_RUN = 50


class RunError(RuntimeError):
    """A problem with the run's inputs, options or output directory, explained for the user."""


@dataclass
class RunOptions:
    """Everything a run of the V1 job needs (command line: ``pynn-glif3 run --help``).

    ``network`` and ``stimulus`` are file paths; ``samples`` ``"all"``, a text such as ``"0:24"``
    or ``"0,3,7"``, or a list of indices; ``window`` (start, stop) in steps, None for the stimulus
    file's; ``noise_scale`` (quick, slow); ``setup`` extra keyword arguments of ``sim.setup``.
    """
    network: str
    stimulus: str
    simulator: str = backends.DEFAULT_SIMULATOR
    samples: object = "all"
    window: tuple = None
    out: str = "results"
    seed: int = 0
    dt: float = 1.0
    delays: str = "training"
    background: str = "shared"
    noise_pool: str = None
    noise_scale: tuple = (2.0, 2.0)
    record: str = "all"
    threads: int = None
    trials_per_run: int = None
    setup: dict = field(default_factory=dict)
    compare_reference: bool = False
    plots: bool = True
    progress: bool = True

    def __post_init__(self):
        for name, allowed in (("delays", DELAY_POLICIES), ("background", BACKGROUNDS),
                              ("record", RECORD_CHOICES)):
            if getattr(self, name) not in allowed:
                raise RunError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        scales = np.asarray(self.noise_scale, dtype=float).ravel()
        if scales.size != 2 or not np.all(np.isfinite(scales)):
            raise RunError(f"noise_scale must be (quick, slow), two numbers; got {self.noise_scale!r}")
        self.noise_scale = (float(scales[0]), float(scales[1]))
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise RunError(f"dt must be a positive number of ms, got {self.dt!r}")

    def setup_kwargs(self):
        """Keyword arguments of ``sim.setup``."""
        kwargs = {"timestep": self.dt}
        if self.threads:
            kwargs["threads"] = self.threads
        kwargs.update(self.setup)
        return kwargs

    def network_read_options(self):
        """Options of ``io.read_network`` that follow from the job's: the training pickles' delay
        assignment (``delays="edge"``: each synapse's own edge's delay)."""
        return {"delays": "edge" if self.delays == "edge" else "training"}


def parse_samples(text, n_samples):
    """``"0:24"``, ``"5"``, ``"0,3,7"``, ``"all"`` or a list of indices -> sorted sample indices,
    checked: a :class:`RunError` for text that is not indices, an empty range or no sample at all."""
    if text in (None, "", "all"):
        if n_samples < 1:
            raise RunError("the stimulus file holds no samples")
        return list(range(n_samples))
    if not isinstance(text, str):
        out = {int(i) for i in text}
        if not out:
            raise RunError("no sample was asked for")
    else:
        out = _parse_sample_text(text, n_samples)
    bad = [i for i in out if not 0 <= i < n_samples]
    if bad:
        raise RunError(f"samples {sorted(bad)[:5]} are outside the stimulus file's 0..{n_samples - 1}")
    return sorted(out)


def _parse_sample_text(text, n_samples):
    usage = "indices and START:STOP ranges (STOP excluded) separated by commas, e.g. 0:24, 3 or 0,5,9"
    out = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if ":" in part:
                a, _, b = part.partition(":")
                start = int(a) if a.strip() else 0
                stop = int(b) if b.strip() else n_samples
                if stop <= start:
                    raise RunError(f"--samples {text!r}: the range {part!r} selects no sample "
                                   f"(START:STOP runs START .. STOP - 1)")
                out.update(range(start, stop))
            else:
                out.add(int(part))
        except ValueError:
            raise RunError(f"--samples takes {usage}, or all; got {text!r}") from None
    return out


def parse_window(text):
    """``"START:STOP"`` (steps) -> (start, stop); the range itself is checked by the run."""
    a, sep, b = str(text).partition(":")
    try:
        if not sep:
            raise ValueError
        return int(a), int(b)
    except ValueError:
        raise RunError(f"--window must be START:STOP in steps (ms at dt = 1), got {text!r}") from None


def parse_noise_scale(text):
    """``"QUICK,SLOW"`` -> (quick, slow)."""
    parts = str(text).split(",")
    try:
        scales = [float(x) for x in parts]
    except ValueError:
        scales = []
    if len(scales) != 2 or not all(np.isfinite(scales)):
        raise RunError(f"--noise-scale must be QUICK,SLOW (two numbers), got {text!r}")
    return tuple(scales)


def parse_setup(items):
    """``["KEY=VALUE", ...]`` -> dict; values are JSON where they parse as JSON, else text."""
    kwargs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise RunError(f"--setup takes KEY=VALUE, got {item!r}")
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value
    return kwargs


def add_arguments(parser, files_required=True, default_out="results"):
    """The V1 job's options; ``--network``/``--stimulus`` optional when the caller has defaults."""
    parser.add_argument("--simulator", default=backends.DEFAULT_SIMULATOR,
                        help=f"{', '.join(backends.SIMULATORS)}, or a PyNN simulator module "
                             f"(default {backends.DEFAULT_SIMULATOR})")
    default = "" if files_required else " (default: the bundled digits model)"
    parser.add_argument("--network", required=files_required,
                        help="trained network: users' HDF5, own format or SONATA dir" + default)
    parser.add_argument("--stimulus", required=files_required,
                        help="stimulus HDF5 (mnist24.h5 layout)" + default)
    parser.add_argument("--samples", default="all", help="e.g. 0:24, 3, 0,5,9 (default all)")
    parser.add_argument("--window", help="response window START:STOP in steps (default: the stimulus file's)")
    parser.add_argument("--out", default=default_out, help=f"output directory (default {default_out})")
    parser.add_argument("--seed", type=int, default=0, help="seed of input spikes and background")
    parser.add_argument("--dt", type=float, default=1.0, help="time step in ms (default 1, as trained)")
    parser.add_argument("--delays", choices=DELAY_POLICIES, default="training",
                        help="training: clip to [dt, 5 ms] and round, as trained (default; from the "
                             "training code's network_dat.pkl: the delays its loader ran, not each "
                             "synapse's own); edge: the same rule on each synapse's own edge's delay "
                             "(network_dat.pkl only); raw: the file's, unclipped")
    parser.add_argument("--background", choices=BACKGROUNDS, default="shared",
                        help="shared Binomial(10, 0.1) per step as trained (default), independent per neuron, "
                             "none, or decoded: the decoded noise of the published training (needs --noise-pool)")
    parser.add_argument("--noise-pool", metavar="FILE",
                        help="decoded-noise pool: .mat (array 'additive_noise') or .npy")
    parser.add_argument("--noise-scale", default="2,2", metavar="QUICK,SLOW",
                        help="scales of the quick and slow decoded noise (default 2,2, as published)")
    parser.add_argument("--record", choices=RECORD_CHOICES, default="all",
                        help="spikes of all neurons (default) or the readout pools only")
    parser.add_argument("--threads", type=int, help="threads (passed to sim.setup as threads=N)")
    parser.add_argument("--trials-per-run", type=int, metavar="K",
                        help="samples simulated on one build, one after the other, each from the "
                             f"initial state (default {DEFAULT_TRIALS_PER_RUN} where the simulator "
                             "supports it, else 1); each sample is saved as soon as it is done")
    parser.add_argument("--setup", action="append", default=[], metavar="KEY=VALUE",
                        help="extra argument for sim.setup (repeatable)")
    parser.add_argument("--compare-reference", action="store_true",
                        help="also run the NumPy reference on the same spikes and report agreement")
    parser.add_argument("--no-plots", action="store_true", help="do not write PNG figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def options_from_args(args):
    """The :class:`RunOptions` of parsed command-line ``args``."""
    return RunOptions(
        network=args.network, stimulus=args.stimulus, simulator=args.simulator, samples=args.samples,
        window=parse_window(args.window) if args.window else None, out=args.out, seed=args.seed,
        dt=args.dt, delays=args.delays, background=args.background, noise_pool=args.noise_pool,
        noise_scale=parse_noise_scale(args.noise_scale), record=args.record, threads=args.threads,
        trials_per_run=args.trials_per_run, setup=parse_setup(args.setup),
        compare_reference=args.compare_reference, plots=not args.no_plots, progress=not args.quiet)
