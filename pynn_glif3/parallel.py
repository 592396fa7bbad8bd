"""Which MPI process this is, and the few collective steps a distributed job needs.

Under ``mpirun -np N`` every process runs the same script: each builds its share of the network
(PyNN and NEST create only the local neurons and the connections onto them), and PyNN gathers
recorded data onto rank 0.  Whatever the job writes or prints then comes from rank 0 alone, and
decisions that steer the job (which samples are left to do) are rank 0's, broadcast, so that no
process can take another path.  Rank and size come from the simulator (``sim.rank()``,
``sim.num_processes()``); the collectives use mpi4py, which PyNN itself needs for gathering.
With one process nothing here touches MPI.

:func:`mpi_python` and :func:`mpirun` find an MPI-enabled NEST (the PyPI wheel has none; see
``scripts/install_nest_mpi.sh``) and the command that starts a script on N processes, for tests and
benchmarks.
"""

import os
from pathlib import Path
import shutil
import subprocess

ROOT = 0
#: where scripts/install_nest_mpi.sh puts its virtual environment by default
DEFAULT_MPI_VENV = Path.home() / ".local" / "share" / "pynn-glif3" / "nest-mpi"


class Processes:
    """The processes of one simulation: ``rank``, ``size``, ``is_root`` and collectives."""

    def __init__(self, rank=0, size=1):
        self.rank, self.size = int(rank), int(size)

    @classmethod
    def of(cls, sim):
        """The processes that ``sim`` (a PyNN simulator module) runs on."""
        return cls(sim.rank(), sim.num_processes())

    @property
    def is_root(self):
        return self.rank == ROOT

    def _comm(self):
        try:
            from mpi4py import MPI
        except ImportError as err:
            raise RuntimeError(f"{self.size} MPI processes but mpi4py is not installed; "
                               "`pip install mpi4py` (see docs/mpi.md)") from err
        return MPI.COMM_WORLD

    def broadcast(self, value):
        """Rank 0's ``value`` on every rank."""
        return value if self.size == 1 else self._comm().bcast(value, root=ROOT)

    def gather(self, value):
        """``[value of rank 0, value of rank 1, ...]`` on rank 0, None on the others."""
        return [value] if self.size == 1 else self._comm().gather(value, root=ROOT)

    def all_gather(self, value):
        """``[value of rank 0, value of rank 1, ...]`` on every rank."""
        return [value] if self.size == 1 else self._comm().allgather(value)

    def __repr__(self):
        return f"Processes(rank={self.rank}, size={self.size})"


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
