/*
 * Fixed-point helpers shared by the GLIF3Alpha model headers.
 *
 * State variables and currents are s16.15 (REAL, GCC's `accum`).  Every
 * multiplicative constant of the model (D, F, S_r, K_r, E_j) lies in [0, 1) and
 * is stored as an unsigned 0.32 fraction (`unsigned long fract`), which gives
 * each constant 2^-32 resolution instead of the 2^-15 of an accum.
 *
 * glif3_scale() multiplies an accum by such a fraction with a 64-bit integer
 * product, rounded to the nearest accum (ties towards +infinity).  Its result
 * is fully determined by the two 32-bit inputs, so it does not depend on the
 * compiler's fixed-point library, the optimisation level or ARM/Thumb mode;
 * pynn_glif3/verification/spinnaker_fixed_point.py reproduces it bit for bit.
 *
 * Sums of accums are plain 32-bit integer additions (exact; they wrap on
 * overflow, which the value ranges in docs/spinnaker.md rule out).
 */
#ifndef _GLIF3_FIXED_POINT_H_
#define _GLIF3_FIXED_POINT_H_

#include <stdint.h>
#include <stdfix.h>
#include <common/neuron-typedefs.h>

//! An unsigned 0.32 multiplier in [0, 1) (sPyNNaker's DataType.U032).
typedef unsigned long fract glif3_u032_t;

//! Raw bits of an s16.15 value.
static inline int32_t glif3_bits_k(REAL x) {
    union { REAL k; int32_t i; } u;
    u.k = x;
    return u.i;
}

//! The s16.15 value with the given raw bits.
static inline REAL glif3_k_bits(int32_t i) {
    union { REAL k; int32_t i; } u;
    u.i = i;
    return u.k;
}

//! Raw bits of a u0.32 multiplier.
static inline uint32_t glif3_bits_u032(glif3_u032_t c) {
    union { glif3_u032_t f; uint32_t u; } u;
    u.f = c;
    return u.u;
}

//! x * c, with c in [0, 1), rounded to the nearest s16.15 value.
static inline REAL glif3_scale(REAL x, glif3_u032_t c) {
    int64_t product = (int64_t) glif3_bits_k(x) * (int64_t) glif3_bits_u032(c);
    return glif3_k_bits((int32_t) ((product + INT64_C(0x80000000)) >> 32));
}

//! A current in nA (sPyNNaker's unit for biases and current sources) in pA.
static inline REAL glif3_na_to_pa(REAL x) {
    return glif3_k_bits((int32_t) ((uint32_t) glif3_bits_k(x) * 1000u));
}

//! The most negative s16.15 value, returned while spiking is blocked.
#define GLIF3_NO_SPIKE (glif3_k_bits(INT32_MIN))

#endif // _GLIF3_FIXED_POINT_H_
