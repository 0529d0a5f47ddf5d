/* log.h - diagnostics on stderr.
 *
 * stdout belongs to the protocol (MCP) or to the job (corral run), so every log
 * record goes to stderr, as one write(2), with the program's current context
 * (for example a job id) in it.  Helpers do not log: they return -errno and the
 * caller that handles the error logs once.
 */
#pragma once

#include <stdarg.h>

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* A short tag printed in every record, e.g. "job 3f9a..." in a supervisor. */
void log_set_context(const char *context);

/* Writes one record; "%m" is not supported, pass strerror(-err).  Returns err so
 * that `return log_error_errno(r, ...)` both logs and propagates. */
int log_full_errno(enum log_level level, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...)              log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...)            log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...)             log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...)               log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)              log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(err, ...)   log_full_errno(LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_full_errno(LOG_WARNING, (err), __VA_ARGS__)
#define log_debug_errno(err, ...)   log_full_errno(LOG_DEBUG, (err), __VA_ARGS__)
