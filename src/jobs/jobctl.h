/* jobctl.h - submitting, cancelling, retrying and recovering jobs.
 *
 * The one place the CLI (`corral submit`, `cancel`, ...) and the MCP server
 * share for job control, so a job behaves the same whichever way it came.
 * A submitted job gets its own supervisor process (`corral __supervise`,
 * supervisor.c) at once; the supervisor holds the job's lock for the job's
 * whole life, which is how every other process knows it is alive.
 */
#pragma once

#include "options.h"
#include "job.h"
#include "store.h"

#include <stddef.h>

struct jobctl {
        const struct corral_options *options;
        char *state_dir; /* absolute */
        struct store *store;
        /* Jobs come from MCP clients: without a network of their own they get
         * the store's default, or none (docs/decisions/network-policy.md). */
        bool client_jobs;
};

/* Resolves the state directory (--state-dir or the default) and opens the
 * tenant's store.  Logs and returns -errno on failure. */
int jobctl_open(const struct corral_options *o, struct jobctl **ret);
void jobctl_free(struct jobctl *c);
DEFINE_FREE_FUNC(struct jobctl, jobctl_free);

/* Creates job j (its request fields filled: command, env, cwd, limits, policy,
 * depends_on, result_file, state patch, retry_of), writes input.json when
 * input is given, and starts its supervisor.  On success j->id is set.  On
 * failure returns -errno with a sentence for the user in err. */
int jobctl_submit(struct jobctl *c, struct job *j, const char *requested_id, const char *input,
                  size_t input_len, char *err, size_t errlen);

/* Cancels: a queued or running job's supervisor gets SIGTERM (it records
 * `cancelled`).  Returns 0 when asked, 1 when the job had already ended
 * (idempotent), -ENOENT for no such job. */
int jobctl_cancel(struct jobctl *c, const char *id, char *err, size_t errlen);

/* A new job with the same request and retry_of set; its id in *ret_id. */
int jobctl_retry(struct jobctl *c, const char *id, char **ret_id, char *err, size_t errlen);

/* Start-up recovery of this tenant's store: a non-terminal job whose lock is
 * free has lost its supervisor: it becomes `lost` with a reason, and its
 * cgroup (named by its supervisor) is killed and removed.  Completed jobs
 * with an unapplied state patch get it applied.  Returns the number of jobs
 * marked lost. */
int jobctl_recover(struct jobctl *c);

/* Recovery of one job only (status, wait): marks it lost when it is not
 * terminal and its lock is free.  Returns 1 when it did, 0 when not. */
int jobctl_recover_one(struct jobctl *c, const char *id);

/* Loads a job for display, with live progress for a running one. */
int jobctl_load(struct jobctl *c, const char *id, struct job **ret);

/* The ledger key for a job (tenant and id, as the governor's ledger is shared
 * by tenants). */
void jobctl_ledger_key(const struct job *j, char *buf, size_t len);
