/* job-limits.h - a job's limits as users write them, validated once for every interface.
 *
 * `corral run`, `corral submit` and the MCP tools all accept the same limits
 * with the same rules and the same error sentences: the sentence names the
 * limit, the value and what is allowed.
 */
#pragma once

#include <stddef.h>

struct job_limits;

/* What a background job gets when it asks for nothing (docs/job-json.md):
 * each log file stops at LIMIT_LOG_DEFAULT (the job is then killed, and its
 * reason names the cap), and it may hold LIMIT_OPEN_FILES_DEFAULT files. */
#define LIMIT_LOG_DEFAULT        (1ull << 30)
#define LIMIT_OPEN_FILES_DEFAULT 1024u
#define LIMIT_OPEN_FILES_MAX     1048576u

/* name: "memory", "cpus", "pids", "timeout", "kill-grace", "log",
 * "file-size" or "open-files".  value: the text
 * as given ("256M", "0.5", "64", "30s"; plain numbers are bytes / CPUs /
 * processes / seconds).  Returns 0, or -EINVAL with a one-line message in err,
 * or -ENOENT when name is not a limit. */
int limit_parse(struct job_limits *l, const char *name, const char *value, char *err,
                size_t errlen);

/* The site's default limits (corral.conf's default-* keys), applied to every
 * submitted job for each limit its request leaves unset (0); set once at
 * start-up.  Process-wide for the same reason as gov_policy_set_defaults. */
void limits_set_defaults(const struct job_limits *l);
void limits_apply_defaults(struct job_limits *l);
