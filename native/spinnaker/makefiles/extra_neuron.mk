# Neuron-only core for the split neuron/synapse mapping (sPyNNaker's neuron_only/neuron_build.mk).
include $(dir $(lastword $(MAKEFILE_LIST)))common.mk
include $(NEURAL_MODELLING_DIRS)/makefiles/neuron_only/neuron_build.mk
