"""The PyNN API of the GeNN backend: what ``import pynn_glif3.genn as sim`` offers as ``sim.*``.

Importing this module imports PyNN but not PyGeNN; ``setup()`` checks for PyGeNN.
"""

from pyNN import common, errors, random, space                       # noqa: F401
from pyNN.connectors import (                                         # noqa: F401
    AllToAllConnector, ArrayConnector, CloneConnector, DisplacementDependentProbabilityConnector,
    DistanceDependentProbabilityConnector, FixedNumberPostConnector, FixedNumberPreConnector,
    FixedProbabilityConnector, FixedTotalNumberConnector, FromFileConnector, FromListConnector,
    IndexBasedProbabilityConnector, OneToOneConnector, SmallWorldConnector)
from pyNN.network import Network                                      # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution          # noqa: F401
from pyNN.space import Space                                          # noqa: F401
from pyNN.common.procedural_api import set                           # noqa: F401, A004
from pyNN.standardmodels import StandardCellType

from pynn_glif3.backends.genn.control import (end, get_current_time, get_max_delay, get_min_delay,
                                              get_time_step, initialize, num_processes, rank, reset,
                                              run, run_for, run_until, setup)  # noqa: F401
from pynn_glif3.backends.genn.populations import Assembly, Population, PopulationView  # noqa: F401
from pynn_glif3.backends.genn.projections import Projection  # noqa: F401
from pynn_glif3.backends.genn import simulator
from pynn_glif3.backends.genn.simulator import GeNNUnavailable, state  # noqa: F401
from pynn_glif3.backends.genn.standardmodels import (ACSource, DCSource, ElectricalSynapse,
                                                     GLIF3Alpha, NoisyCurrentSource,
                                                     SimpleStochasticSynapse, SpikeSourceArray,
                                                     SpikeSourcePoisson, STDPMechanism,
                                                     StaticSynapse, StepCurrentSource,
                                                     TsodyksMarkramSynapse)  # noqa: F401

create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def list_standard_models():
    """Names of the cell types this backend simulates."""
    return [cls.__name__ for cls in (GLIF3Alpha, SpikeSourceArray, SpikeSourcePoisson)
            if issubclass(cls, StandardCellType)]
