"""Which MPI process this is, and the few collective steps a distributed job needs.

Under ``mpirun -np N`` every process runs the same script: each builds its share of the network
(PyNN and NEST create only the local neurons and the connections onto them), and PyNN gathers
recorded data onto rank 0.  Whatever the job writes or prints then comes from rank 0 alone, and
decisions that steer the job (which samples are left to do) are rank 0's, broadcast, so that no
process can take another path.  Rank and size come from the simulator (``sim.rank()``,
``sim.num_processes()``); the collectives use mpi4py, which PyNN itself needs for gathering.
With one process nothing here touches MPI.
"""

ROOT = 0


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
