/* mcp-jobs.h - corral's job system behind `corral serve`: the job tools
 * (submit_job, job_status, job_result, job_logs, wait_job, run_job,
 * cancel_job, retry_job, list_jobs, system_status), job-backed tasks, each job
 * as resources, job state changes as log notifications, and the tool catalog
 * (`--tools FILE`).  docs/mcp.md describes what clients see.
 *
 * mcp_jobs_new: after mcp_server_new and before the loop runs.  It opens the
 * store (jobctl_open), recovers it (jobctl_recover), loads the catalog
 * (tools_file may be NULL), registers tools and resources, re-creates the
 * tasks of earlier servers from the store, and arms a timer on l that follows
 * the jobs clients wait for.  Logs and returns -errno on failure.
 * mcp_jobs_shutdown: when serve stops; cancel=true cancels the queued and
 * running jobs this server submitted (--on-exit=cancel); otherwise they run on
 * under their supervisors.
 * mcp_jobs_free: after mcp_server_free (whose cancel hooks still reach it).
 */
#pragma once

#include "options.h"

#include <stdbool.h>

struct loop;
struct mcp_server;
struct mcp_jobs;

int mcp_jobs_new(struct loop *l, struct mcp_server *s, const struct corral_options *o,
                 const char *tools_file, struct mcp_jobs **ret);
/* The policies clients may choose (serve --client-policies "default,strict");
 * unset: any name in the policy directory.  list must outlive J.  0, or
 * -EINVAL when list is not comma-separated policy names. */
int mcp_jobs_set_client_policies(struct mcp_jobs *J, const char *list);
void mcp_jobs_shutdown(struct mcp_jobs *j, bool cancel);
void mcp_jobs_free(struct mcp_jobs *j);
