/* job-counters.h - the events `corral metrics` counts, recorded where they
 * happen (the supervisor, the submitter) in the store's shared counters
 * (gov-counters.h).  Failing to count never fails a job: these return nothing
 * and log at debug level only.
 */
#pragma once

#include "governor.h"
#include "job.h"

/* The governor admitted j at admitted_at (realtime usec; queue wait =
 * admitted_at - created_at). */
void job_counters_admitted(const char *state_dir, const struct job *j, uint64_t admitted_at);
/* A submission of tenant (NULL: default) was refused with verdict v. */
void job_counters_refused(const char *state_dir, const char *tenant, enum gov_verdict v);
/* j reached its terminal status: by outcome, plus its OOM kills and seccomp
 * violation. */
void job_counters_finished(const char *state_dir, const struct job *j);
