"""pynn_glif3: the GLIF3 neuron with alpha synapses of the Billeh V1 model, on any PyNN simulator."""

__version__ = "0.1.0"
