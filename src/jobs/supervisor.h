/* supervisor.h - the per-job supervisor (`corral __supervise`): sets up the
 * sandbox, starts the job, reaps it and writes its final record.  Started by
 * jobctl as its own session, outside the job's cgroup. */
#pragma once

#include "options.h"

/* The hidden subcommand's entry point; returns the process exit status. */
int cmd_supervise(const struct corral_options *o, int argc, char **argv);
