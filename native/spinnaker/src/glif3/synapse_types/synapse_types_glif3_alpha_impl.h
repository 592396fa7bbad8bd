/*
 * Four alpha-shaped current receptors (syn1 .. syn4) of the GLIF3Alpha cell
 * type, each with a rise state and a PSC state, for sPyNNaker.
 *
 * Receptor r follows docs/model.md with the alpha normalisation P_r = e/tau_r
 * folded into the rise state, Xt_r = X_r / P_r (pA):
 *
 *     Xt_{r,n} = S_r Xt_{r,n-1} + u_{r,n}
 *     Y_{r,n}  = S_r Y_{r,n-1}  + K_r Xt_{r,n-1},   K_r = h S_r e / tau_r
 *
 * which is the same system (X = P Xt).  S_r and K_r are computed on the host (by
 * pynn_glif3.propagators.propagators(): decay_syn, rise_to_psc) in
 * double precision and sent as u0.32 fractions (K_r <= 1 for every tau_r, with
 * equality only at tau_r = h, where the host stores the largest u0.32 value).
 * The arriving weights enter Xt without any multiplication, so the weight sum
 * of a step reaches the state exactly as the ring buffer delivered it.
 *
 * Signs.  sPyNNaker stores unsigned weights; the sign comes from the synapse
 * type.  There are 8 synapse types: 0..3 receive the positive weights of
 * syn1..syn4 (NUM_EXCITATORY_RECEPTORS), 4..7 the magnitudes of the negative
 * weights of syn1..syn4 (NUM_INHIBITORY_RECEPTORS).  Types r and 4+r share one
 * alpha state: the first adds w, the second subtracts it, so u_r is the signed
 * sum of the contract and any receptor can carry either sign.
 *
 * Order of calls.  sPyNNaker runs, every step n: (1) the ring-buffer transfer,
 * which calls synapse_types_add_neuron_input() with u_n; (2) the neuron update,
 * which reads the PSCs through synapse_types_get_*_input(); (3)
 * synapse_types_shape_input().  The contract needs V_n from Y_{n-1}, Y_n from
 * Xt_{n-1}, Xt_n from u_n.  So (1) only accumulates u_n in `arriving` and leaves
 * Xt and Y untouched; (2) therefore sees Y_{n-1}; (3) computes Y_n from the
 * still unchanged Xt_{n-1} first, then Xt_n from Xt_{n-1} and `arriving`, and
 * clears `arriving`.  Between steps `arriving` is always zero.
 *
 * The neuron model receives the signed PSCs split in two: the excitatory inputs
 * are max(Y_r, 0), the inhibitory inputs max(-Y_r, 0); their difference is Y_r
 * exactly (recorded gsyn_exc / gsyn_inh are then the depolarising and the
 * hyperpolarising synaptic currents).
 *
 * Start: like the neuron model, the receptors keep their initial state for
 * the first `hold` time steps (the host gives both the same count) and drop
 * the weights that arrive then, as NEST's glif3_alpha does before start_step.
 */
#ifndef _SYNAPSE_TYPES_GLIF3_ALPHA_IMPL_H_
#define _SYNAPSE_TYPES_GLIF3_ALPHA_IMPL_H_

#include <debug.h>
#include <common/neuron-typedefs.h>
#include "../glif3_fixed_point.h"

//! Bits of the synapse type in a synaptic word (8 types).
#define SYNAPSE_TYPE_BITS 3
//! Number of synapse types (4 receptors x 2 signs).
#define SYNAPSE_TYPE_COUNT 8
//! Synapse types 0..3: positive weights of syn1..syn4.
#define NUM_EXCITATORY_RECEPTORS 4
//! Synapse types 4..7: magnitudes of negative weights of syn1..syn4.
#define NUM_INHIBITORY_RECEPTORS 4
//! Number of alpha receptors.
#define GLIF3_N_RECEPTORS 4

//! Host data of one receptor (field order = the Python Struct).
typedef struct glif3_alpha_params_t {
    REAL rise_init;              //!< Xt [pA]
    REAL psc_init;               //!< Y [pA]
    glif3_u032_t decay;          //!< S = exp(-h / tau)
    glif3_u032_t rise_to_psc;    //!< K = h S e / tau
} glif3_alpha_params_t;

//! One receptor in DTCM.
typedef struct glif3_alpha_state_t {
    glif3_u032_t decay;
    glif3_u032_t rise_to_psc;
    REAL rise;                   //!< Xt_{n-1} until shaped [pA]
    REAL psc;                    //!< Y_{n-1} until shaped [pA]
    REAL arriving;               //!< signed weight sum of this step [pA]
} glif3_alpha_state_t;

struct synapse_types_params_t {
    glif3_alpha_params_t receptor[GLIF3_N_RECEPTORS];
    uint32_t hold_init;          //!< time steps left before the first update
};

struct synapse_types_t {
    glif3_alpha_state_t receptor[GLIF3_N_RECEPTORS];
    uint32_t hold;               //!< time steps left before the first update
};

#include <neuron/synapse_types/synapse_types.h>

//! Synapse type indices (the order the Python side declares the targets in).
typedef enum glif3_synapse_type_index {
    GLIF3_SYN1_POSITIVE, GLIF3_SYN2_POSITIVE,
    GLIF3_SYN3_POSITIVE, GLIF3_SYN4_POSITIVE,
    GLIF3_SYN1_NEGATIVE, GLIF3_SYN2_NEGATIVE,
    GLIF3_SYN3_NEGATIVE, GLIF3_SYN4_NEGATIVE,
} glif3_synapse_type_index;

static inline void synapse_types_initialise(
        synapse_types_t *state, synapse_types_params_t *params,
        UNUSED uint32_t n_steps_per_timestep) {
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        glif3_alpha_state_t *s = &state->receptor[r];
        const glif3_alpha_params_t *p = &params->receptor[r];
        s->decay = p->decay;
        s->rise_to_psc = p->rise_to_psc;
        s->rise = p->rise_init;
        s->psc = p->psc_init;
        s->arriving = ZERO;
    }
    state->hold = params->hold_init;
}

static inline void synapse_types_save_state(
        synapse_types_t *state, synapse_types_params_t *params) {
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        params->receptor[r].rise_init = state->receptor[r].rise;
        params->receptor[r].psc_init = state->receptor[r].psc;
    }
    params->hold_init = state->hold;
}

//! \brief Step n-1 -> n of every receptor; runs after the neuron update.
static inline void synapse_types_shape_input(synapse_types_t *parameters) {
    if (parameters->hold > 0) {
        // Before the first update: keep the state, drop this step's weights.
        parameters->hold--;
        for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
            parameters->receptor[r].arriving = ZERO;
        }
        return;
    }
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        glif3_alpha_state_t *s = &parameters->receptor[r];
        // Y_n from Y_{n-1} and the OLD rise Xt_{n-1}
        s->psc = glif3_scale(s->psc, s->decay)
                + glif3_scale(s->rise, s->rise_to_psc);
        // then Xt_n from Xt_{n-1} and this step's weights
        s->rise = glif3_scale(s->rise, s->decay) + s->arriving;
        s->arriving = ZERO;
    }
}

//! \brief Adds a (positive) ring-buffer value for a synapse type: types
//!     0..3 add to receptor 1..4, types 4..7 subtract from it.
static inline void synapse_types_add_neuron_input(
        index_t synapse_type_index, synapse_types_t *parameters,
        input_t input) {
    if (synapse_type_index < NUM_EXCITATORY_RECEPTORS) {
        parameters->receptor[synapse_type_index].arriving += input;
    } else if (synapse_type_index < SYNAPSE_TYPE_COUNT) {
        parameters->receptor[
                synapse_type_index - NUM_EXCITATORY_RECEPTORS].arriving -= input;
    } else {
        log_error("GLIF3: synapse type %u does not exist", synapse_type_index);
    }
}

//! \brief Depolarising parts max(Y_r, 0) of the PSCs of the last step.
static inline input_t *synapse_types_get_excitatory_input(
        input_t *excitatory_response, synapse_types_t *parameters) {
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        REAL y = parameters->receptor[r].psc;
        excitatory_response[r] = (y > ZERO) ? y : ZERO;
    }
    return &excitatory_response[0];
}

//! \brief Magnitudes max(-Y_r, 0) of the hyperpolarising parts.
static inline input_t *synapse_types_get_inhibitory_input(
        input_t *inhibitory_response, synapse_types_t *parameters) {
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        REAL y = parameters->receptor[r].psc;
        inhibitory_response[r] = (y < ZERO) ? -y : ZERO;
    }
    return &inhibitory_response[0];
}

static inline const char *synapse_types_get_type_char(
        index_t synapse_type_index) {
    static const char *const names[SYNAPSE_TYPE_COUNT] = {
        "syn1+", "syn2+", "syn3+", "syn4+", "syn1-", "syn2-", "syn3-", "syn4-"
    };
    if (synapse_type_index < SYNAPSE_TYPE_COUNT) {
        return names[synapse_type_index];
    }
    log_debug("GLIF3: unknown synapse type %u", synapse_type_index);
    return "?";
}

static inline void synapse_types_print_input(synapse_types_t *parameters) {
    log_debug("PSC %11.4k %11.4k %11.4k %11.4k pA",
            parameters->receptor[0].psc, parameters->receptor[1].psc,
            parameters->receptor[2].psc, parameters->receptor[3].psc);
}

static inline void synapse_types_print_parameters(
        synapse_types_t *parameters) {
    for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
        log_debug("syn%u: rise %11.4k pA, PSC %11.4k pA", r + 1,
                parameters->receptor[r].rise, parameters->receptor[r].psc);
    }
}

#endif // _SYNAPSE_TYPES_GLIF3_ALPHA_IMPL_H_
