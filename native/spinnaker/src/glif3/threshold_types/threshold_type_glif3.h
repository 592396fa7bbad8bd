/*
 * Threshold of the GLIF3Alpha cell type: a spike when v > V_th - E_L,
 * strictly, as in the contract (sPyNNaker's static threshold tests >=).
 * The neuron model returns the most negative value while spiking is blocked,
 * so refractoriness needs nothing here.
 */
#ifndef _THRESHOLD_TYPE_GLIF3_H_
#define _THRESHOLD_TYPE_GLIF3_H_

#include <neuron/threshold_types/threshold_type.h>

//! Host data (field order = the Python Struct).
struct threshold_type_params_t {
    REAL threshold;              //!< V_th - E_L [mV]
};

struct threshold_type_t {
    REAL threshold;              //!< V_th - E_L [mV]
};

static inline void threshold_type_initialise(
        threshold_type_t *state, threshold_type_params_t *params,
        UNUSED uint32_t n_steps_per_timestep) {
    state->threshold = params->threshold;
}

static inline void threshold_type_save_state(
        UNUSED threshold_type_t *state,
        UNUSED threshold_type_params_t *params) {
}

static inline bool threshold_type_is_above_threshold(
        state_t value, threshold_type_t *threshold_type) {
    return value > threshold_type->threshold;
}

#endif // _THRESHOLD_TYPE_GLIF3_H_
