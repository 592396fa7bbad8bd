"""The GeNN backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.genn import projections, standardmodels


class GeNNBackend(Backend):
    """pynn_glif3.genn, the package's PyNN backend for GeNN 5: connections from arrays in one
    piece; one trial per simulation, and the next trial on the same build.

    GeNN compiles the whole network before it runs, which takes seconds; a trial takes a fraction
    of that.  So a built network is rerun rather than built again: ``reset()`` reloads the
    compiled model (GeNN's initialisation, state back to the initial values) and new spike times
    only replace the spike sources' schedules on the host (:mod:`.engine`); neither generates or
    compiles code.
    """

    label = "GeNN"
    cell_type = standardmodels.GLIF3Alpha
    reruns_with_new_inputs = True

    def connect_arrays(self, connector, projection):
        projections.connect_arrays(connector, projection)
