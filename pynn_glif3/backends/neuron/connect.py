"""Connections from arrays on pyNN.neuron."""

from pynn_glif3.backends.base import Backend


def connect_arrays(connector, projection):
    """PyNN's own path (one NetCon and one Connection object per synapse, made by PyNN)."""
    Backend.connect_arrays(None, connector, projection)
