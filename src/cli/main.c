/* main.c - option wiring and subcommand dispatch; the only place that exits. */
#include "commands.h"
#include "config-file.h"
#include "log.h"
#include "supervisor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
        const char *name;
        int (*run)(const struct corral_options *o, int argc, char **argv);
        const char *summary;
} commands[] = {
    {"run", cmd_run, "run one command in the foreground, sandboxed, and report its outcome"},
    {"doctor", cmd_doctor, "show the cgroup layout and whether limits can be enforced"},
    {"submit", cmd_submit, "create a background job; prints its id"},
    {"status", cmd_status, "a job's status (ID), or the governor's view of the host (--system)"},
    {"list", cmd_list, "list this tenant's jobs"},
    {"report", cmd_report,
     "accounting of finished jobs: counts, OOM kills, CPU, memory, queue waits"},
    {"top", cmd_top, "the jobs view, refreshed live: running, queued and why, finished"},
    {"logs", cmd_logs, "print a job's stdout (or --stderr), --follow while it runs"},
    {"wait", cmd_wait, "wait for a job to end; its outcome becomes the exit status"},
    {"result", cmd_result, "print a job's results JSON, or why it has none"},
    {"cancel", cmd_cancel, "cancel a queued or running job"},
    {"retry", cmd_retry, "submit a job again with the same request"},
    {"gc", cmd_gc, "remove finished jobs past their time or the disk budget"},
    {"metrics", cmd_metrics, "jobs, queue, admissions and host figures as Prometheus text"},
    {"version", cmd_version, "print corral's version"},
    {"serve", cmd_serve, "MCP server on stdin/stdout: jobs as tools, tasks and resources"},
    {"daemon", cmd_daemon, "serve job commands to unprivileged users on a Unix socket"},
    {"policy", cmd_policy, "check seccomp policies: policy check NAME|FILE..."},
    {"__supervise", cmd_supervise, NULL},
    {"__slurm-exec", cmd_slurm_exec, NULL},
};

static void usage(FILE *f)
{
        fprintf(f, "usage: corral [--state-dir DIR] [--cgroup-parent NAME] [--policy-dir DIR]\n"
                   "              [--tenant NAME] [--socket PATH] [--config FILE] [-v|--verbose]\n"
                   "              COMMAND [ARGS...]\n\n"
                   "commands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (commands[i].summary) /* internal commands have none */
                        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\n`corral COMMAND --help` describes each command.\n");
}

/* Global options may stand before or after the subcommand's name (but not after
 * "--"); they are taken out of argv so subcommands never see them. */
static int take_global_options(int *argc, char **argv, struct corral_options *o)
{
        static const struct {
                const char *flag;
                size_t offset;
        } globals[] = {
            {"--state-dir", offsetof(struct corral_options, state_dir)},
            {"--cgroup-parent", offsetof(struct corral_options, cgroup_parent)},
            {"--policy-dir", offsetof(struct corral_options, policy_dir)},
            {"--tenant", offsetof(struct corral_options, tenant)},
            {"--socket", offsetof(struct corral_options, socket)},
            {"--config", offsetof(struct corral_options, config_path)},
        };
        int out = 1;
        int i = 1;
        for (; i < *argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0)
                        break;
                if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
                        log_set_level(LOG_DEBUG);
                        continue;
                }
                bool matched = false;
                for (size_t g = 0; g < sizeof(globals) / sizeof(globals[0]); g++) {
                        size_t n = strlen(globals[g].flag);
                        const char **slot = (const char **)((char *)o + globals[g].offset);
                        if (strcmp(a, globals[g].flag) == 0) {
                                if (i + 1 >= *argc) {
                                        fprintf(stderr, "corral: %s needs a value\n", a);
                                        return -1;
                                }
                                *slot = argv[++i];
                                matched = true;
                        } else if (strncmp(a, globals[g].flag, n) == 0 && a[n] == '=') {
                                *slot = a + n + 1;
                                matched = true;
                        }
                        if (matched)
                                break;
                }
                if (!matched)
                        argv[out++] = argv[i];
        }
        for (; i < *argc; i++)
                argv[out++] = argv[i];
        argv[out] = NULL;
        *argc = out;
        return 0;
}

int main(int argc, char **argv)
{
        struct corral_options o = {0};
        const char *env_parent = getenv("CORRAL_CGROUP_PARENT");
        if (env_parent && *env_parent)
                o.cgroup_parent = env_parent;

        if (take_global_options(&argc, argv, &o) < 0)
                exit(EXIT_USAGE);
        /* corral.conf ranks below flags and the environment: it fills what they
         * left unset.  A bad file stops every command, so no command runs
         * under settings other than the operator wrote. */
        static struct corral_config config;
        char err[1024];
        if (corral_config_load(o.config_path, &config, err, sizeof(err)) < 0) {
                fprintf(stderr, "corral: %s\n", err);
                exit(EXIT_USAGE);
        }
        corral_config_apply(&config, &o);
        if (argc < 2) {
                usage(stderr);
                exit(EXIT_USAGE);
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                exit(0);
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("corral %s\n", CORRAL_VERSION);
                exit(0);
        }
        bool handled;
        int status = cli_via_daemon(&o, argc - 1, argv + 1, &handled);
        if (handled)
                exit(status);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        exit(commands[i].run(&o, argc - 1, argv + 1));

        fprintf(stderr, "corral: unknown command '%s'; run 'corral --help' for the list\n",
                argv[1]);
        exit(EXIT_USAGE);
}
