"""The NEURON backend: GLIF3Alpha on pyNN.neuron as the ``glif3_alpha`` NMODL mechanism."""
