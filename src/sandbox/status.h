/* status.h - the names of a job's states and outcomes.
 *
 * One table for `corral run`, job.json, the CLI and MCP, so a status reads the
 * same everywhere.  Terminal outcomes are told apart by what the kernel
 * reported (docs/outcomes.md), never lumped together as "failed".
 */
#pragma once

#include <stdbool.h>

enum job_status {
        JOB_QUEUED,
        JOB_RUNNING,
        JOB_COMPLETED,         /* exited 0 and nothing else happened */
        JOB_FAILED,            /* exited non-zero */
        JOB_OOM_KILLED,        /* the OOM killer killed a process of the job */
        JOB_TIMED_OUT,         /* wall-clock limit reached; corral killed the group */
        JOB_KILLED,            /* ended by a signal (named in the outcome) */
        JOB_SECCOMP_VIOLATION, /* a denied system call killed it */
        JOB_CANCELLED,         /* cancelled by a user */
        JOB_LOST,              /* supervisor vanished without a record */
        JOB_DEPENDENCY_FAILED, /* a job it depends on did not complete */
        _JOB_STATUS_MAX,
        _JOB_STATUS_INVALID = -1,
};

const char *job_status_to_string(enum job_status s);
enum job_status job_status_from_string(const char *s);
bool job_status_is_terminal(enum job_status s);
