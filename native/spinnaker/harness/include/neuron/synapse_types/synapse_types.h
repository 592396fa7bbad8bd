/*
 * Stand-in for sPyNNaker's neuron/synapse_types/synapse_types.h: the forward
 * declarations a synapse type header completes.
 */
#ifndef _GLIF3_STANDIN_SYNAPSE_TYPES_H_
#define _GLIF3_STANDIN_SYNAPSE_TYPES_H_

#include <common/neuron-typedefs.h>

struct synapse_types_params_t;
typedef struct synapse_types_params_t synapse_types_params_t;
struct synapse_types_t;
typedef struct synapse_types_t synapse_types_t;

#endif // _GLIF3_STANDIN_SYNAPSE_TYPES_H_
