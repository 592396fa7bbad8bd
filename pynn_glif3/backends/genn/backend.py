"""The GeNN backend object (see :class:`pynn_glif3.backends.base.Backend`)."""

from pynn_glif3.backends.base import Backend
from pynn_glif3.backends.genn import projections, standardmodels


class GeNNBackend(Backend):
    """pynn_glif3.genn, the package's PyNN backend for GeNN 5: connections from arrays in one
    piece; one trial per build."""

    label = "GeNN"
    cell_type = standardmodels.GLIF3Alpha

    def connect_arrays(self, connector, projection):
        projections.connect_arrays(connector, projection)
