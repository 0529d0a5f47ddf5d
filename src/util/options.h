/* options.h - what every layer may know of the command line: the global
 * options and corral's own exit statuses (docs/cli.md).
 *
 * Kept apart from cli/commands.h so that the sandbox, jobs and MCP layers can
 * take a struct corral_options without seeing the subcommands.
 */
#pragma once

struct corral_config;

/* Options every subcommand accepts, before or after its name. */
struct corral_options {
        const char *state_dir;              /* --state-dir: the job store */
        const char *cgroup_parent;          /* --cgroup-parent: corral's parent group name */
        const char *policy_dir;             /* --policy-dir: where named policies live */
        const char *tenant;                 /* --tenant */
        const char *socket;                 /* --socket: run job commands through `corral daemon` */
        const char *config_path;            /* --config: corral.conf (src/cli/config-file.h) */
        const struct corral_config *config; /* what was read from it; set by main */
};

/* Exit statuses of corral itself, documented in docs/cli.md. */
enum {
        EXIT_USAGE = 2,           /* bad option or value: one line names it */
        EXIT_TIMED_OUT = 124,     /* as timeout(1) */
        EXIT_CORRAL_FAILED = 125, /* corral could not set up the sandbox */
        EXIT_NOT_EXECUTABLE = 126,
        EXIT_NOT_FOUND = 127,
};
