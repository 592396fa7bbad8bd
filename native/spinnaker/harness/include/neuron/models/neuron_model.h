/*
 * Stand-in for sPyNNaker's neuron/models/neuron_model.h: the forward
 * declarations a neuron model header completes.
 */
#ifndef _GLIF3_STANDIN_NEURON_MODEL_H_
#define _GLIF3_STANDIN_NEURON_MODEL_H_

#include <common/neuron-typedefs.h>
#include <debug.h>

struct neuron_params_t;
typedef struct neuron_params_t neuron_params_t;
struct neuron_t;
typedef struct neuron_t neuron_t;

#endif // _GLIF3_STANDIN_NEURON_MODEL_H_
