/*
 * Stand-in for spinn_common's debug.h: the log calls of the model headers are
 * accepted and discarded (their arguments are still evaluated).
 */
#ifndef _GLIF3_STANDIN_DEBUG_H_
#define _GLIF3_STANDIN_DEBUG_H_

static inline void glif3_standin_log(const char *format, ...) {
    (void) format;
}

#define log_error(...) glif3_standin_log(__VA_ARGS__)
#define log_warning(...) glif3_standin_log(__VA_ARGS__)
#define log_info(...) glif3_standin_log(__VA_ARGS__)
#define log_debug(...) glif3_standin_log(__VA_ARGS__)

#endif // _GLIF3_STANDIN_DEBUG_H_
