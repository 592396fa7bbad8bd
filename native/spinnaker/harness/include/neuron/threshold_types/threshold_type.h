/*
 * Stand-in for sPyNNaker's neuron/threshold_types/threshold_type.h: the
 * forward declarations a threshold type header completes.
 */
#ifndef _GLIF3_STANDIN_THRESHOLD_TYPE_H_
#define _GLIF3_STANDIN_THRESHOLD_TYPE_H_

#include <common/neuron-typedefs.h>

struct threshold_type_params_t;
typedef struct threshold_type_params_t threshold_type_params_t;
struct threshold_type_t;
typedef struct threshold_type_t threshold_type_t;

#endif // _GLIF3_STANDIN_THRESHOLD_TYPE_H_
