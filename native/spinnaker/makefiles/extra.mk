# Neurons and synapses on one core (sPyNNaker's neuron/neural_build.mk).
include $(dir $(lastword $(MAKEFILE_LIST)))common.mk
SYNAPSE_DYNAMICS = $(NEURON_DIR)/neuron/plasticity/synapse_dynamics_static_impl.c
include $(NEURAL_MODELLING_DIRS)/makefiles/neuron/neural_build.mk
