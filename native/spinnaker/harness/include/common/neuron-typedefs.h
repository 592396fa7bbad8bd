/*
 * Stand-in for sPyNNaker's common/neuron-typedefs.h, for compiling the
 * GLIF3Alpha model headers outside sPyNNaker (test harness under qemu-arm).
 * Only the few names the model headers use are defined, with the same types
 * as on SpiNNaker.
 */
#ifndef _GLIF3_STANDIN_NEURON_TYPEDEFS_H_
#define _GLIF3_STANDIN_NEURON_TYPEDEFS_H_

#include <stdint.h>
#include <stdbool.h>
#include <stdfix.h>

typedef accum REAL;                 // s16.15
typedef unsigned accum UREAL;       // u16.16
typedef long fract FRACT;           // s0.31
typedef unsigned long fract UFRACT; // u0.32
typedef REAL input_t;
typedef REAL state_t;
typedef uint32_t index_t;
typedef uint16_t weight_t;          // ring-buffer entry
typedef int32_t int_k_t;            // raw bits of an accum

#define ZERO 0.0k
#define ONE 1.0k

#ifndef UNUSED
#define UNUSED __attribute__((__unused__))
#endif

#ifndef SOMETIMES_UNUSED
#define SOMETIMES_UNUSED __attribute__((__unused__))
#endif

#endif // _GLIF3_STANDIN_NEURON_TYPEDEFS_H_
