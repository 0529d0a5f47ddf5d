/* cmd-run.c - `corral run`: one command in the foreground, in its own cgroup,
 * with its outcome written as one JSON object.  See docs/cli.md for the exit
 * statuses. */
#include "corral/cleanup.h"
#include "corral/commands.h"
#include "corral/log.h"
#include "corral/procfs.h"
#include "corral/runner.h"
#include "corral/sandbox-setup.h"
#include "corral/units.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

extern char **environ;

DEFINE_FREE_FUNC(struct cg_manager, cg_manager_free)

static void usage(FILE *f)
{
        fprintf(f, "usage: corral run [OPTIONS] -- COMMAND [ARG...]\n"
                   "\n"
                   "Runs COMMAND in its own cgroup, passes its stdio through, and writes its\n"
                   "outcome as one JSON line to FILE (--result) or to stderr.\n"
                   "\n"
                   "  --memory SIZE      memory limit, no swap (e.g. 256M, 1.5G)\n"
                   "  --memory-high SIZE throttle above this much memory (v2 memory.high)\n"
                   "  --cpus N           CPU limit in CPUs (e.g. 0.5)\n"
                   "  --pids N           limit on processes and threads\n"
                   "  --timeout T        wall-clock limit (e.g. 30s, 500ms, 2m)\n"
                   "  --kill-grace T     on cancel, SIGTERM then SIGKILL after T (default 5s)\n"
                   "  --result FILE      write the outcome JSON to FILE\n"
                   "\n"
                   "Exit status: the command's own exit code; 128+N when killed by signal N;\n"
                   "124 timed out; 137 OOM-killed; 159 seccomp violation; 125 corral could\n"
                   "not set up the sandbox; 126 not executable; 127 not found; 2 bad usage.\n");
}

struct run_args {
        struct cg_limits limits;
        uint64_t timeout_usec;
        uint64_t grace_usec;
        const char *result_file;
        char **argv;
};

/* One clear line naming the option, the value and what is allowed. */
static int bad_value(const char *opt, const char *val, const char *allowed)
{
        log_error("Invalid value '%s' for %s: %s", val, opt, allowed);
        return -EINVAL;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
        enum {
                OPT_MEMORY = 256,
                OPT_MEMORY_HIGH,
                OPT_CPUS,
                OPT_PIDS,
                OPT_TIMEOUT,
                OPT_GRACE,
                OPT_RESULT
        };
        static const struct option opts[] = {
            {"memory", required_argument, NULL, OPT_MEMORY},
            {"memory-high", required_argument, NULL, OPT_MEMORY_HIGH},
            {"cpus", required_argument, NULL, OPT_CPUS},
            {"pids", required_argument, NULL, OPT_PIDS},
            {"timeout", required_argument, NULL, OPT_TIMEOUT},
            {"kill-grace", required_argument, NULL, OPT_GRACE},
            {"result", required_argument, NULL, OPT_RESULT},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        struct sysinfo si;
        sysinfo(&si);
        uint64_t host_mem = (uint64_t)si.totalram * si.mem_unit;
        unsigned ncpus = proc_ncpus();
        char buf[64], allowed[128];

        a->grace_usec = 5000000;
        optind = 1;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_MEMORY:
                case OPT_MEMORY_HIGH: {
                        uint64_t v;
                        const char *name = c == OPT_MEMORY ? "--memory" : "--memory-high";
                        snprintf(allowed, sizeof(allowed),
                                 "a size above 0 such as 256M or 1.5G, at most the host's %s",
                                 format_bytes(buf, sizeof(buf), host_mem));
                        if (parse_size(optarg, &v) < 0 || v > host_mem)
                                return bad_value(name, optarg, allowed);
                        if (v < 1 << 20)
                                return bad_value(name, optarg,
                                                 "at least 1M (a process needs some memory)");
                        if (c == OPT_MEMORY)
                                a->limits.memory_max = v;
                        else
                                a->limits.memory_high = v;
                        break;
                }
                case OPT_CPUS:
                        snprintf(allowed, sizeof(allowed),
                                 "a number of CPUs above 0 and at most %u (this host's cores), "
                                 "such as 0.5",
                                 ncpus);
                        if (parse_cpus(optarg, &a->limits.cpu_millicpus) < 0 ||
                            a->limits.cpu_millicpus > ncpus * 1000u)
                                return bad_value("--cpus", optarg, allowed);
                        break;
                case OPT_PIDS:
                        if (parse_uint(optarg, 4194304, &a->limits.pids_max) < 0 ||
                            a->limits.pids_max == 0)
                                return bad_value("--pids", optarg,
                                                 "a whole number from 1 to 4194304");
                        break;
                case OPT_TIMEOUT:
                case OPT_GRACE:
                        if (parse_duration(optarg, c == OPT_TIMEOUT ? &a->timeout_usec
                                                                    : &a->grace_usec) < 0)
                                return bad_value(c == OPT_TIMEOUT ? "--timeout" : "--kill-grace",
                                                 optarg,
                                                 "a duration above 0 such as 30s, 500ms, 2m, 1h");
                        break;
                case OPT_RESULT:
                        a->result_file = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                default:
                        log_error("Unknown option '%s' for corral run; see corral run --help",
                                  argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind >= argc) {
                log_error("No command given: corral run [OPTIONS] -- COMMAND [ARG...]");
                return -EINVAL;
        }
        a->argv = argv + optind;
        return 0;
}

static int exit_status_for(const struct outcome *o)
{
        switch (o->status) {
        case JOB_COMPLETED:
                return 0;
        case JOB_FAILED:
                return o->exit_code;
        case JOB_TIMED_OUT:
                return EXIT_TIMED_OUT;
        case JOB_OOM_KILLED:
                return 128 + SIGKILL;
        case JOB_SECCOMP_VIOLATION:
                return 128 + SIGSYS;
        case JOB_CANCELLED:
                return 128 + SIGTERM;
        default:
                return 128 + (o->signal ? o->signal : SIGKILL);
        }
}

static int write_result(const char *file, const struct outcome *o)
{
        cJSON *j = outcome_to_json(o);
        if (!j)
                return -ENOMEM;
        _cleanup_free_ char *text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        if (!text)
                return -ENOMEM;
        if (!file) {
                fprintf(stderr, "%s\n", text);
                return 0;
        }
        _cleanup_fclose_ FILE *f = fopen(file, "we");
        if (!f)
                return log_error_errno(NEG_ERRNO(), "Failed to open result file '%s': %s", file,
                                       strerror(errno));
        fprintf(f, "%s\n", text);
        if (fflush(f) != 0)
                return log_error_errno(NEG_ERRNO(), "Failed to write result file '%s': %s", file,
                                       strerror(errno));
        return 0;
}

int cmd_run(const struct corral_options *o, int argc, char **argv)
{
        struct run_args a = {0};
        int r = parse_args(argc, argv, &a);
        if (r != 0)
                return r > 0 ? 0 : EXIT_USAGE;

        _cleanup_free_ char *path = NULL;
        r = child_resolve(a.argv[0], environ, &path);
        if (r < 0) {
                log_error("Cannot run '%s': %s; nothing was run", a.argv[0],
                          r == -ENOENT ? "command not found" : strerror(-r));
                return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
        }

        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        if (sandbox_open_cgroups(o, &m) < 0)
                return EXIT_CORRAL_FAILED;

        static unsigned counter;
        char label[32];
        snprintf(label, sizeof(label), "run-%u", ++counter);
        struct runner_spec spec = {
            .child = {.path = path,
                      .argv = a.argv,
                      .envp = environ,
                      .stdin_fd = -1,
                      .stdout_fd = -1,
                      .stderr_fd = -1},
            .limits = a.limits,
            .timeout_usec = a.timeout_usec,
            .cancel_grace_usec = a.grace_usec,
            .label = label,
        };
        struct outcome out;
        struct child_failure fail;
        r = runner_run(m, &spec, &out, &fail);
        /* Leave no trace: the parent goes too unless another run still uses it. */
        cg_manager_remove_parent(m);
        if (r < 0) {
                if (fail.step == CHILD_STEP_EXEC)
                        log_error("Cannot run '%s': %s; nothing was run", a.argv[0], strerror(-r));
                else if (fail.step != CHILD_STEP_NONE)
                        log_error("Failed to %s for '%s': %s", child_step_to_string(fail.step),
                                  a.argv[0], strerror(-r));
                else
                        log_error("Failed to run '%s' in a new cgroup under '%s': %s", a.argv[0],
                                  cg_manager_path(m, CG_MEMORY), strerror(-r));
                if (fail.step == CHILD_STEP_EXEC)
                        return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
                return EXIT_CORRAL_FAILED;
        }
        if (write_result(a.result_file, &out) < 0)
                return EXIT_CORRAL_FAILED;
        return exit_status_for(&out);
}
