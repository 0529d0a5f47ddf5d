/* commands.h - the subcommands of the corral binary, one file each (cmd-*.c).
 *
 * Each returns the process exit status; main() is the only caller of exit().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

int cmd_run(const struct corral_options *o, int argc, char **argv);
/* `corral __slurm-exec FILE`: a Slurm batch job's start on the node (cmd-slurm-exec.c). */
int cmd_slurm_exec(const struct corral_options *o, int argc, char **argv);
int cmd_doctor(const struct corral_options *o, int argc, char **argv);
int cmd_submit(const struct corral_options *o, int argc, char **argv);
int cmd_list(const struct corral_options *o, int argc, char **argv);
/* `corral report`: accounting over the store index (cmd-report.c). */
int cmd_report(const struct corral_options *o, int argc, char **argv);
/* --since/--until values: an ISO 8601 date or UTC time, or a duration ago
 * ("2h") before now; realtime usec.  -EINVAL otherwise. */
int cli_parse_time(const char *s, uint64_t now, uint64_t *ret);
int cmd_logs(const struct corral_options *o, int argc, char **argv);
int cmd_wait(const struct corral_options *o, int argc, char **argv);
int cmd_cancel(const struct corral_options *o, int argc, char **argv);
int cmd_retry(const struct corral_options *o, int argc, char **argv);
int cmd_gc(const struct corral_options *o, int argc, char **argv);
/* `corral status ID`: called by cmd_status when no --system is given. */
int cmd_job_status(const struct corral_options *o, const char *id, bool json);
int cmd_version(const struct corral_options *o, int argc, char **argv);
int cmd_status(const struct corral_options *o, int argc, char **argv);
int cmd_policy(const struct corral_options *o, int argc, char **argv);
/* cmd-result.c, cmd-metrics.c */
int cmd_result(const struct corral_options *o, int argc, char **argv);
int cmd_metrics(const struct corral_options *o, int argc, char **argv);
int cmd_serve(const struct corral_options *o, int argc, char **argv);
int cmd_top(const struct corral_options *o, int argc, char **argv);
int cmd_daemon(const struct corral_options *o, int argc, char **argv);
/* Runs a job command through `corral daemon` when one is to be used
 * (daemon-client.h): *handled says whether it did; the exit status is returned. */
int cli_via_daemon(const struct corral_options *o, int argc, char **argv, bool *handled);
