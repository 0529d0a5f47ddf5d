/* commands.h - the subcommands of the corral binary, one file each (cmd-*.c).
 *
 * Each returns the process exit status; main() is the only caller of exit().
 */
#pragma once

#include <stdbool.h>

/* Options every subcommand accepts, before or after its name. */
struct corral_options {
        const char *state_dir;     /* --state-dir: the job store */
        const char *cgroup_parent; /* --cgroup-parent: corral's parent group name */
        const char *policy_dir;    /* --policy-dir: where named policies live */
        const char *tenant;        /* --tenant */
};

/* Exit statuses of corral itself, documented in docs/cli.md. */
enum {
        EXIT_USAGE = 2,           /* bad option or value: one line names it */
        EXIT_TIMED_OUT = 124,     /* as timeout(1) */
        EXIT_CORRAL_FAILED = 125, /* corral could not set up the sandbox */
        EXIT_NOT_EXECUTABLE = 126,
        EXIT_NOT_FOUND = 127,
};

int cmd_run(const struct corral_options *o, int argc, char **argv);
int cmd_doctor(const struct corral_options *o, int argc, char **argv);
int cmd_submit(const struct corral_options *o, int argc, char **argv);
int cmd_list(const struct corral_options *o, int argc, char **argv);
int cmd_logs(const struct corral_options *o, int argc, char **argv);
int cmd_wait(const struct corral_options *o, int argc, char **argv);
int cmd_cancel(const struct corral_options *o, int argc, char **argv);
int cmd_retry(const struct corral_options *o, int argc, char **argv);
int cmd_gc(const struct corral_options *o, int argc, char **argv);
int cmd_supervise(const struct corral_options *o, int argc, char **argv);
/* `corral status ID`: called by cmd_status when no --system is given. */
int cmd_job_status(const struct corral_options *o, const char *id, bool json);
int cmd_version(const struct corral_options *o, int argc, char **argv);
int cmd_status(const struct corral_options *o, int argc, char **argv);
int cmd_policy(const struct corral_options *o, int argc, char **argv);
int cmd_serve(const struct corral_options *o, int argc, char **argv);
