"""The ``pynn-glif3`` command line (also ``python -m pynn_glif3``).

Subcommands register themselves in :data:`COMMANDS` as ``name -> (add_arguments, run)``:
``add_arguments(parser)`` declares the options, ``run(args)`` does the work and returns an exit
status.  Heavy imports happen inside ``run``, so that ``--help`` stays fast.
"""

import argparse
import shutil
import sys


def _build_nest_arguments(parser):
    parser.add_argument("--force", action="store_true",
                        help="rebuild even when a build for this NEST version is cached")
    parser.add_argument("--clean", action="store_true",
                        help="delete every cached build of this NEST version first")
    parser.add_argument("--verbose", "-v", action="store_true", help="show CMake and compiler output")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the module's path")


def _build_nest(args):
    from pynn_glif3.backends.nest import build

    try:
        if args.clean:
            version_dir = build.module_directory().parent
            if version_dir.is_dir():
                shutil.rmtree(version_dir)
                if not args.quiet:
                    print(f"pynn_glif3: removed {version_dir}", file=sys.stderr)
        library = build.build_module(force=args.force, verbose=not args.quiet, show_output=args.verbose)
    except build.BuildError as err:
        print(f"pynn_glif3: cannot build the NEST module: {err}", file=sys.stderr)
        return 1
    print(library)
    return 0


def _build_neuron_arguments(parser):
    from pynn_glif3.backends.neuron import build
    build.add_arguments(parser)


def _build_neuron(args):
    from pynn_glif3.backends.neuron import build
    return build.run(args)


def _build_spinnaker_arguments(parser):
    parser.add_argument("--clean", action="store_true", help="delete the previous build first")
    parser.add_argument("--jobs", "-j", type=int, help="parallel make jobs")


def _build_spinnaker(args):
    from pynn_glif3.backends.spinnaker import build

    try:
        paths = build.build(clean=args.clean, jobs=args.jobs)
    except build.BuildError as err:
        print(f"pynn_glif3: {err}", file=sys.stderr)
        # a missing piece of the set-up is the user's to supply (2), a failed make a build error (1)
        return 2 if isinstance(err, build.MissingSetup) else 1
    for path in paths:
        print(path)
    return 0


def _run_arguments(parser):
    from pynn_glif3.jobs import v1
    v1.add_arguments(parser)


def _run(args):
    from pynn_glif3.jobs import v1
    return v1.run_command(args)


def _compare_arguments(parser):
    from pynn_glif3.jobs import compare
    compare.add_arguments(parser)


def _compare(args):
    from pynn_glif3.jobs import compare
    return compare.run_command(args)


def _convert_arguments(parser):
    from pynn_glif3.jobs.convert import cli
    cli.add_arguments(parser)


def _convert(args):
    from pynn_glif3.jobs.convert import cli
    return cli.run(args)


#: Subcommands: name -> (help, add_arguments, run).
COMMANDS = {
    "run": ("run a trained V1 network on a simulator: predictions, accuracy, neo files, plots",
            _run_arguments, _run),
    "compare": ("the TensorFlow model and a simulator on the same input spikes: both accuracies, "
                "differing predictions, spike agreement (default: the bundled digits model)",
                _compare_arguments, _compare),
    "build-nest": ("build the glif3_alpha NEST extension module for the installed NEST (cached)",
                   _build_nest_arguments, _build_nest),
    "build-neuron": ("compile the glif3_alpha NEURON mechanism for the installed NEURON (cached), and "
                     "PyNN's own NEURON mechanisms if they are not compiled yet",
                     _build_neuron_arguments, _build_neuron),
    "build-spinnaker": ("build the glif3_alpha SpiNNaker binaries (needs SPINN_DIRS, "
                        "NEURAL_MODELLING_DIRS and arm-none-eabi-gcc, as for sPyNNaker's own C)",
                        _build_spinnaker_arguments, _build_spinnaker),
    "convert": ("convert a trained Keras ANN to a spiking network and measure its accuracy",
                _convert_arguments, _convert),
}


def make_parser():
    parser = argparse.ArgumentParser(
        prog="pynn-glif3",
        description="GLIF3Alpha: the Billeh V1 GLIF3 neuron, spike for spike, on PyNN simulators")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        add_arguments(sub)
        sub.set_defaults(run=run)
    return parser


def main(argv=None):
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the subcommand; returns the exit status."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    return int(args.run(args) or 0)
