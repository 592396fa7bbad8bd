"""An MPI-enabled NEST for tests and benchmarks, and the command that starts N processes.

The PyPI wheel of NEST has no MPI; ``scripts/install_nest_mpi.sh`` builds one into its own
environment.  :func:`mpi_python` finds it, :func:`mpirun` starts a script on N processes.
"""

import os
from pathlib import Path
import shutil
import subprocess

#: where scripts/install_nest_mpi.sh puts its virtual environment by default
DEFAULT_MPI_VENV = Path.home() / ".local" / "share" / "pynn-glif3" / "nest-mpi"

_PROBE = ("import nest, mpi4py, pyNN.nest; "
          "print('have_mpi', bool(nest.build_info.get('have_mpi')), nest.__version__)")


def mpi_python():
    """(python, None) of an environment whose NEST has MPI, or (None, why not).

    Looks at ``$PYNN_GLIF3_MPI_PYTHON`` (an interpreter), then at the default environment of
    ``scripts/install_nest_mpi.sh``; it must import NEST built with MPI, mpi4py and PyNN, and
    ``mpirun`` must be on PATH.
    """
    given = os.environ.get("PYNN_GLIF3_MPI_PYTHON")
    python = Path(given) if given else DEFAULT_MPI_VENV / "bin" / "python"
    if not python.is_file():
        return None, (f"no MPI-enabled NEST: {python} does not exist (build one with "
                      f"scripts/install_nest_mpi.sh, or set PYNN_GLIF3_MPI_PYTHON)")
    if shutil.which("mpirun") is None:
        return None, "no mpirun on PATH (Debian: openmpi-bin)"
    try:
        probe = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"{python} cannot run: {err}"
    lines = [ln for ln in probe.stdout.splitlines() if ln.startswith("have_mpi")]
    if probe.returncode != 0 or not lines:
        return None, f"{python} cannot import NEST, mpi4py and PyNN: {probe.stderr.strip()[-300:]}"
    if lines[-1].split()[1] != "True":
        return None, f"the NEST of {python} was built without MPI"
    return str(python), None


def mpirun(n_processes, args):
    """(command, environment) starting ``args`` on ``n_processes`` MPI processes of this machine.

    OpenMPI refuses to run as root and to place more processes than cores unless told; both are
    allowed here through its environment variables (other MPIs ignore them).
    """
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    return ["mpirun", "-np", str(int(n_processes)), *map(str, args)], env
