# Settings shared by the GLIF3Alpha binaries (included by extra.mk and extra_neuron.mk).

ifndef SPINN_DIRS
    $(error SPINN_DIRS is not set: point it at a built spinnaker_tools (see native/spinnaker/Makefile))
endif
ifndef NEURAL_MODELLING_DIRS
    $(error NEURAL_MODELLING_DIRS is not set: point it at sPyNNaker/neural_modelling (see native/spinnaker/Makefile))
endif

# Directory of this file: native/spinnaker/makefiles
GLIF3_MAKEFILES_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The model sources (native/spinnaker/src); sPyNNaker's build converts the log strings of every
# directory in SOURCE_DIRS before compiling.
EXTRA_SRC_DIR := $(abspath $(GLIF3_MAKEFILES_DIR)/../src)
SOURCE_DIRS += $(EXTRA_SRC_DIR)
CFLAGS += -I$(EXTRA_SRC_DIR)

# Where the .aplx files go: next to the Python side that loads them.
APP_OUTPUT_DIR := $(abspath $(GLIF3_MAKEFILES_DIR)/../../../pynn_glif3/backends/spinnaker/model_binaries)/

# A build directory per binary.
BUILD_DIR := $(abspath $(GLIF3_MAKEFILES_DIR)/../build/$(APP))/

# The GLIF3Alpha components; sPyNNaker's standard neuron implementation and current input.
NEURON_IMPL_H = $(NEURON_DIR)/neuron/implementations/neuron_impl_standard.h
NEURON_MODEL_H = $(EXTRA_SRC_DIR)/glif3/models/neuron_model_glif3_impl.h
INPUT_TYPE_H = $(NEURON_DIR)/neuron/input_types/input_type_current.h
THRESHOLD_TYPE_H = $(EXTRA_SRC_DIR)/glif3/threshold_types/threshold_type_glif3.h
SYNAPSE_TYPE_H = $(EXTRA_SRC_DIR)/glif3/synapse_types/synapse_types_glif3_alpha_impl.h
