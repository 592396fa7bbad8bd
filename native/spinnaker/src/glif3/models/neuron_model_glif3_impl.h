/*
 * GLIF3 neuron model (membrane, two after-spike currents, refractoriness) of
 * the GLIF3Alpha cell type, for sPyNNaker's standard neuron implementation.
 *
 * The step it implements is docs/model.md (GLIF3ALPHA.md), written relative to
 * the resting potential, v = V - E_L, which removes the g E_L term:
 *
 *     v_n   = D v_{n-1} + F (I_{n-1} + A_{1,n-1} + A_{2,n-1} + I_e)
 *             + z_{n-1} (V_reset - V_th)
 *     A_j,n = E_j A_{j,n-1} + z_{n-1} a_j
 *     z_n   = 1 if v_n > V_th - E_L and spiking is not blocked
 *
 * where I_{n-1} is the summed PSC of the previous step, which the synapse type
 * hands over (synapse_types_glif3_alpha_impl.h keeps Y_{n-1} until it shapes,
 * after this update).  D, F, E_j are host-computed u0.32 constants (those of
 * pynn_glif3.propagators.propagators(), encoded), all other
 * parameters s16.15 (mV, pA).
 *
 * Spike side effects happen one step late, as in the training model: the
 * threshold test only sets `spiked`; the next update adds the reset jump to
 * v, the jumps a_j to the after-spike currents and starts the refractory
 * count.  The voltage is never clamped.
 *
 * Refractoriness: the contract accumulates R_n = max(0, R_{n-1} + z t_ref - h)
 * in floating point and blocks spiking while R_n > 0.  A neuron can only spike
 * with R = 0, so the number of blocked steps after a spike is the same every
 * time; the host computes it by running that float64 recursion
 * (t_ref = 3.0, h = 1 -> 2 blocked steps, next spike at n+3; t_ref = 3.4 ->
 * 3 blocked steps, n+4).  The core only counts down an integer: nothing is
 * truncated and no fixed-point rounding of t_ref or h can change the count.
 *
 * Start (docs/timing.md): the training model has no delay on its external
 * input, a simulator at least one step.  So the neuron holds its initial state
 * for the first `hold` time steps (no update, no spike; the synapse type holds
 * too and drops what arrives) and computes training row m in time step
 * hold + m.  The host sets hold = start_step + 1: sPyNNaker stamps the spikes
 * of its time step t with t h, so its step t is timing.md's step t - 1.
 */
#ifndef _NEURON_MODEL_GLIF3_IMPL_H_
#define _NEURON_MODEL_GLIF3_IMPL_H_

#include <neuron/models/neuron_model.h>
#include "../glif3_fixed_point.h"

//! Per-neuron data written by the host (field order = the Python Struct).
struct neuron_params_t {
    // State (read back by neuron_model_save_state)
    REAL v_init;                 //!< V - E_L [mV]
    REAL asc_1_init;             //!< after-spike current 1 [pA]
    REAL asc_2_init;             //!< after-spike current 2 [pA]
    uint32_t refract_init;       //!< blocked steps left
    uint32_t spiked_init;        //!< 1 if the neuron spiked in the last step
    uint32_t hold_init;          //!< time steps left before the first update
    // Parameters and host-computed constants
    REAL e_l;                    //!< E_L [mV], added back when V is read
    glif3_u032_t decay_v;        //!< D = exp(-h g / C_m)
    glif3_u032_t drive_v;        //!< F = (1 - D) / g [mV/pA]
    glif3_u032_t decay_asc_1;    //!< E_1 = exp(-h k_1)
    glif3_u032_t decay_asc_2;    //!< E_2 = exp(-h k_2)
    REAL asc_amp_1;              //!< a_1 [pA]
    REAL asc_amp_2;              //!< a_2 [pA]
    REAL i_offset;               //!< I_e [pA]
    REAL reset_jump;             //!< V_reset - V_th [mV]
    uint32_t refract_steps;      //!< steps blocked after a spike
};

//! Per-neuron data in DTCM.
struct neuron_t {
    REAL v;                      //!< V - E_L [mV]
    REAL asc_1;                  //!< [pA]
    REAL asc_2;                  //!< [pA]
    uint32_t refract;            //!< blocked steps left, this one included
    uint32_t spiked;             //!< spike of the previous step, not yet applied
    uint32_t hold;               //!< time steps left before the first update
    REAL e_l;
    glif3_u032_t decay_v;
    glif3_u032_t drive_v;
    glif3_u032_t decay_asc_1;
    glif3_u032_t decay_asc_2;
    REAL asc_amp_1;
    REAL asc_amp_2;
    REAL i_offset;
    REAL reset_jump;
    uint32_t refract_steps;
};

static inline void neuron_model_initialise(
        neuron_t *state, neuron_params_t *params,
        uint32_t n_steps_per_timestep) {
    if (n_steps_per_timestep != 1) {
        // The constants are computed on the host for one update per step.
        log_error("GLIF3: %u updates per time step requested; only 1 is "
                "supported", n_steps_per_timestep);
    }
    state->v = params->v_init;
    state->asc_1 = params->asc_1_init;
    state->asc_2 = params->asc_2_init;
    state->refract = params->refract_init;
    state->spiked = params->spiked_init;
    state->hold = params->hold_init;
    state->e_l = params->e_l;
    state->decay_v = params->decay_v;
    state->drive_v = params->drive_v;
    state->decay_asc_1 = params->decay_asc_1;
    state->decay_asc_2 = params->decay_asc_2;
    state->asc_amp_1 = params->asc_amp_1;
    state->asc_amp_2 = params->asc_amp_2;
    state->i_offset = params->i_offset;
    state->reset_jump = params->reset_jump;
    state->refract_steps = params->refract_steps;
}

static inline void neuron_model_save_state(
        neuron_t *state, neuron_params_t *params) {
    params->v_init = state->v;
    params->asc_1_init = state->asc_1;
    params->asc_2_init = state->asc_2;
    params->refract_init = state->refract;
    params->spiked_init = state->spiked;
    params->hold_init = state->hold;
}

//! \brief One step n-1 -> n.
//! \param[in] exc_input: positive parts of the receptors' PSCs Y_{r,n-1} [pA]
//! \param[in] inh_input: magnitudes of their negative parts [pA]
//! \param[in] external_bias: additional input current [nA]
//! \param[in] current_offset: injected current source [nA]
//! \return v_n, or the most negative value while spiking is blocked or the
//!     initial state is held
static inline state_t neuron_model_state_update(
        uint16_t num_excitatory_inputs, const input_t *exc_input,
        uint16_t num_inhibitory_inputs, const input_t *inh_input,
        input_t external_bias, REAL current_offset,
        neuron_t *restrict neuron) {
    if (neuron->hold > 0) {
        // Before the first update: the state stays the initial one.
        neuron->hold--;
        return GLIF3_NO_SPIKE;
    }

    // Current of step n-1 in pA: sum_r Y_r + A_1 + A_2 + I_e.  Sums of s16.15
    // values are exact, so their order does not matter.  (The inhibitory
    // parts are summed with += and subtracted once: a loop of -= on accum
    // makes arm-none-eabi-gcc 12.2 crash at -O1 and above.)
    REAL excitatory = ZERO;
    for (uint32_t i = 0; i < num_excitatory_inputs; i++) {
        excitatory += exc_input[i];
    }
    REAL inhibitory = ZERO;
    for (uint32_t i = 0; i < num_inhibitory_inputs; i++) {
        inhibitory += inh_input[i];
    }
    REAL current = excitatory - inhibitory
            + neuron->asc_1 + neuron->asc_2 + neuron->i_offset
            + glif3_na_to_pa(external_bias + current_offset);

    // Every right-hand side uses the state of step n-1.
    REAL v = glif3_scale(neuron->v, neuron->decay_v)
            + glif3_scale(current, neuron->drive_v);
    REAL asc_1 = glif3_scale(neuron->asc_1, neuron->decay_asc_1);
    REAL asc_2 = glif3_scale(neuron->asc_2, neuron->decay_asc_2);
    uint32_t refract = (neuron->refract > 0) ? neuron->refract - 1 : 0;
    if (neuron->spiked) {
        // Effects of the spike of step n-1: subtractive reset (no clamp),
        // after-spike jumps (no exp(-k t_ref) factor), refractory count.
        v += neuron->reset_jump;
        asc_1 += neuron->asc_amp_1;
        asc_2 += neuron->asc_amp_2;
        refract = neuron->refract_steps;
        neuron->spiked = 0;
    }
    neuron->v = v;
    neuron->asc_1 = asc_1;
    neuron->asc_2 = asc_2;
    neuron->refract = refract;

    // Refractoriness only blocks spiking: V went on integrating above.
    return (refract == 0) ? v : GLIF3_NO_SPIKE;
}

static inline void neuron_model_has_spiked(neuron_t *restrict neuron) {
    neuron->spiked = 1;
}

//! V in mV (the state is kept relative to E_L).
static inline state_t neuron_model_get_membrane_voltage(
        const neuron_t *neuron) {
    return neuron->v + neuron->e_l;
}

static inline void neuron_model_print_state_variables(
        const neuron_t *neuron) {
    log_debug("V = %11.4k mV, I_asc = %11.4k, %11.4k pA, refract = %u, "
            "hold = %u", neuron->v + neuron->e_l, neuron->asc_1, neuron->asc_2,
            neuron->refract, neuron->hold);
}

static inline void neuron_model_print_parameters(const neuron_t *neuron) {
    log_debug("E_L = %11.4k mV, I_e = %11.4k pA, reset jump = %11.4k mV, "
            "refractory steps = %u", neuron->e_l, neuron->i_offset,
            neuron->reset_jump, neuron->refract_steps);
}

#endif // _NEURON_MODEL_GLIF3_IMPL_H_
