/* job-logcap.h - the cap on a background job's logs, the same wherever it runs.
 *
 * A job's stdout.log and stderr.log stop growing at one size: the smaller of
 * its log cap (limits.log, default LIMIT_LOG_DEFAULT) and its file-size limit.
 * Both executors enforce it with RLIMIT_FSIZE on the job (it applies to writes
 * through stdout and stderr too): the local supervisor directly, the Slurm
 * executor through `corral run --rlimit fsize=` on the node, where the logs
 * are the files Slurm opened.  A job that reached it was stopped by it, and
 * its reason says so in the same words on both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job_limits;

/* The size at which each log stops: min(log cap, file-size limit). */
uint64_t job_log_cap_bytes(const struct job_limits *l);

/* True when stdout.log or stderr.log in the job's directory dirfd is at its
 * cap; reason then reads "log cap reached: stdout.log is at its limit of
 * 64 KiB (limits.log)". */
bool job_log_cap_reached(int dirfd, const struct job_limits *l, char *reason, size_t len);
