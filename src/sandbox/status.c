/* status.c - see status.h. */
#include "status.h"

#include <string.h>

static const char *const job_status_table[_JOB_STATUS_MAX] = {
    [JOB_QUEUED] = "queued",
    [JOB_RUNNING] = "running",
    [JOB_COMPLETED] = "completed",
    [JOB_FAILED] = "failed",
    [JOB_OOM_KILLED] = "oom_killed",
    [JOB_TIMED_OUT] = "timed_out",
    [JOB_KILLED] = "killed",
    [JOB_SECCOMP_VIOLATION] = "seccomp_violation",
    [JOB_CANCELLED] = "cancelled",
    [JOB_LOST] = "lost",
    [JOB_DEPENDENCY_FAILED] = "dependency_failed",
};

const char *job_status_to_string(enum job_status s)
{
        if (s < 0 || s >= _JOB_STATUS_MAX)
                return NULL;
        return job_status_table[s];
}

enum job_status job_status_from_string(const char *s)
{
        if (!s)
                return _JOB_STATUS_INVALID;
        for (int i = 0; i < _JOB_STATUS_MAX; i++)
                if (strcmp(job_status_table[i], s) == 0)
                        return (enum job_status)i;
        return _JOB_STATUS_INVALID;
}

bool job_status_is_terminal(enum job_status s)
{
        return s != JOB_QUEUED && s != JOB_RUNNING && s >= 0 && s < _JOB_STATUS_MAX;
}
