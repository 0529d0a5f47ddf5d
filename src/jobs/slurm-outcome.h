/* slurm-outcome.h - turning what Slurm and corral on the node say about a job
 * into corral's status, and Slurm's pending reasons into words.
 *
 * Pure functions (tests/unit/jobs/test_slurm.c).  The rules, first match wins
 * (docs/slurm.md, docs/decisions/slurm-cli.md):
 *   Slurm says OUT_OF_MEMORY (the job or any step)  -> oom_killed, whatever
 *                                                      the exit status
 *   corral's outcome from the node exists           -> its status (oom_killed,
 *                                                      timed_out, cancelled,
 *                                                      seccomp, exit, signal)
 *   CANCELLED, reason DependencyNeverSatisfied      -> dependency_failed
 *   CANCELLED                                       -> cancelled
 *   TIMEOUT, DEADLINE                               -> timed_out
 *   NODE_FAIL, BOOT_FAIL, PREEMPTED                 -> lost, with the reason
 *   FAILED/COMPLETED with ExitCode A:B              -> killed (B != 0),
 *                                                      failed (A != 0), else
 *                                                      completed
 */
#pragma once

#include "status.h"

#include <stdbool.h>
#include <stddef.h>

/* True for the states a job leaves no more (COMPLETED, FAILED, ...). */
bool slurm_state_is_terminal(const char *state);
/* True for PENDING-like states (the job is still queued in Slurm). */
bool slurm_state_is_pending(const char *state);

/* Slurm's pending reason ("Resources", "QOSMaxJobsPerUserLimit", ...) as a
 * sentence a user understands, written into buf ("waiting for resources: ..."). */
void slurm_reason_words(const char *reason, char *buf, size_t len);

struct slurm_final {
        const char *state;     /* JobState, e.g. "OUT_OF_MEMORY" */
        int exit_code;         /* ExitCode A (-1 unknown) */
        int signal;            /* ExitCode B */
        bool any_step_oom;     /* sacct named OUT_OF_MEMORY for a step */
        bool cancel_requested; /* corral cancel asked for it */
        bool has_node_outcome; /* corral run's outcome JSON was found */
        enum job_status node_status;
        const char *node;   /* where it ran (may be NULL) */
        const char *reason; /* Slurm's Reason (may be NULL) */
};

struct slurm_verdict {
        enum job_status status;
        bool use_node_outcome; /* take exit code, signal and statistics from it */
        int exit_code;         /* when not from the node outcome; -1 none */
        int signal;
        char reason[300];
};

void slurm_decide(const struct slurm_final *f, struct slurm_verdict *ret);
