/*
 * Stand-in for sPyNNaker's current input type: synaptic values are currents,
 * scaled by one (an exact s16.15 multiplication) and not converted further.
 */
#ifndef _GLIF3_STANDIN_INPUT_TYPE_CURRENT_H_
#define _GLIF3_STANDIN_INPUT_TYPE_CURRENT_H_

#include <common/neuron-typedefs.h>

typedef struct input_type_t {
} input_type_t;

static inline input_t *input_type_get_input_value(
        input_t *restrict value, UNUSED input_type_t *input_type,
        uint16_t num_receptors) {
    for (uint32_t i = 0; i < num_receptors; i++) {
        value[i] = value[i] * ONE;
    }
    return &value[0];
}

static inline void input_type_convert_excitatory_input_to_current(
        UNUSED input_t *restrict exc_input,
        UNUSED const input_type_t *input_type,
        UNUSED state_t membrane_voltage) {
}

static inline void input_type_convert_inhibitory_input_to_current(
        UNUSED input_t *restrict inh_input,
        UNUSED const input_type_t *input_type,
        UNUSED state_t membrane_voltage) {
}

#endif // _GLIF3_STANDIN_INPUT_TYPE_CURRENT_H_
