"""The package's promises about dependencies: the core imports with numpy alone."""

import subprocess
import sys

CORE = ["pynn_glif3", "pynn_glif3.model", "pynn_glif3.model.units", "pynn_glif3.model.physical",
        "pynn_glif3.oracles.reference", "pynn_glif3.generate.random_network", "pynn_glif3.model.noise"]


def test_core_modules_import_no_simulator_or_tensorflow():
    code = ("import sys\n"
            + "".join(f"import {m}\n" for m in CORE)
            + "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
              "{'pyNN', 'nest', 'tensorflow', 'keras', 'spynnaker', 'pygenn', 'neo', 'scipy'})\n"
              "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_model_description_imports_numpy_only():
    code = ("import sys; before = set(sys.modules); import pynn_glif3.model\n"
            "mods = {m.split('.')[0] for m in set(sys.modules) - before if not m.startswith('_')}\n"
            "print(sorted(mods - set(sys.stdlib_module_names) - {'numpy', 'pynn_glif3'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_imports_no_simulator_tensorflow_or_plotting():
    """``pynn-glif3 --help`` and every subcommand's ``--help`` answer without loading the heavy
    libraries (they are imported when a job needs them)."""
    code = ("import sys, contextlib, io\n"
            "from pynn_glif3 import cli\n"
            "parser = cli.make_parser()\n"
            "for argv in (['--help'], ['run', '--help'], ['compare', '--help'], ['convert', '--help']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "        try:\n"
            "            parser.parse_args(argv)\n"
            "        except SystemExit:\n"
            "            pass\n"
            "    assert 'usage' in out.getvalue(), argv\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pyNN', 'nest', 'tensorflow', "
            "'keras', 'spynnaker', 'pygenn', 'neo', 'matplotlib', 'csa', 'scipy', 'h5py', 'nixio'})\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
