/* cmd-run.c - `corral run`: one command in the foreground, in its own cgroup,
 * with its outcome written as one JSON object.  See docs/cli.md for the exit
 * statuses. */
#include "cleanup.h"
#include "commands.h"
#include "fileio.h"
#include "job-limits.h"
#include "jobenv.h"
#include "log.h"
#include "hostview.h"
#include "netproxy.h"
#include "userns-check.h"
#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "runner.h"
#include "sandbox-setup.h"
#include "subid.h"
#include "uidpool.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

extern char **environ;

static inline void jobenv_freep(char ***p)
{
        jobenv_free(*p);
}

static void usage(FILE *f)
{
        fprintf(f, "usage: corral run [OPTIONS] -- COMMAND [ARG...]\n"
                   "\n"
                   "Runs COMMAND in its own cgroup, passes its stdio through, and writes its\n"
                   "outcome as one JSON line to FILE (--result) or to stderr.\n"
                   "\n"
                   "  --memory SIZE      memory limit, no swap (e.g. 256M, 1.5G)\n"
                   "  --memory-high SIZE throttle above this much memory (v2 memory.high)\n"
                   "  --memory-in-step   stay in the memory cgroup corral was started in (a\n"
                   "                     batch scheduler's job step) and take its limit, so\n"
                   "                     the scheduler sees the OOM kills; --memory applies\n"
                   "                     only where that group has no limit (v1; docs/slurm.md)\n"
                   "  --cpus N           CPU limit in CPUs (e.g. 0.5)\n"
                   "  --pids N           limit on processes and threads\n"
                   "  --timeout T        wall-clock limit (e.g. 30s, 500ms, 2m)\n"
                   "  --kill-grace T     on cancel, SIGTERM then SIGKILL after T (default 5s)\n"
                   "  --result FILE      write the outcome JSON to FILE\n"
                   "  --uid UID|auto     run as this uid (gid too); auto (default as root): a\n"
                   "                     free uid of its own from 60000-60999\n"
                   "  --env KEY=VALUE    set a variable (repeatable); otherwise the job gets\n"
                   "                     only PATH, LANG, LC_*, TZ, TERM and HOME\n"
                   "  --rlimit NAME=VAL  nofile=N (default 1024), fsize=SIZE (default 1G),\n"
                   "                     as=SIZE, stack=SIZE, cpu=T\n"
                   "  --mounts private|minimal|host\n"
                   "                     private (default): every mount read-only but the\n"
                   "                     working directory, fresh /tmp and /dev/shm;\n"
                   "                     minimal: only /usr, /bin, /lib*, /sbin, a few /etc\n"
                   "                     files, basic /dev, /proc (docs/hardening.md)\n"
                   "  --tmp exec|noexec  whether programs may run from /tmp and /dev/shm\n"
                   "                     (default exec)\n"
                   "  --writable PATH    keep PATH writable too (repeatable)\n"
                   "  --expose PATH      without root: keep PATH, below the hidden home, visible\n"
                   "                     read-only (repeatable)\n"
                   "  --network host|none|allow:LIST\n"
                   "                     none: an empty network namespace (default host);\n"
                   "                     allow:LIST: only corral's proxy (http_proxy), which\n"
                   "                     connects only to LIST, e.g. allow:pypi.org:443,\n"
                   "                     *.pythonhosted.org:443 (docs/cli.md)\n"
                   "  --policy NAME|FILE seccomp policy: default (the default), strict, none\n"
                   "                     (unfiltered), or a policy file (docs/policy-language.md)\n"
                   "\n"
                   "Exit status: the command's own exit code; 128+N when killed by signal N;\n"
                   "124 timed out; 137 OOM-killed; 159 seccomp violation; 125 corral could\n"
                   "not set up the sandbox; 126 not executable; 127 not found; 2 bad usage.\n");
}

struct run_args {
        struct cg_limits limits;
        uint64_t timeout_usec;
        uint64_t grace_usec;
        bool memory_in_step; /* --memory-in-step */
        const char *result_file;
        bool uid_set; /* --uid N; otherwise auto */
        uid_t uid;
        char **env; /* --env entries, NULL-terminated */
        size_t n_env;
        struct job_rlimits rlimits;
        struct hostview view;
        const char **writable;
        size_t n_writable;
        const char **expose;
        size_t n_expose;
        const char *policy; /* NULL: default */
        struct net_policy network;
        char **argv;
};

static int parse_rlimit(const char *arg, struct job_rlimits *rl)
{
        const char *eq = strchr(arg, '=');
        if (!eq)
                return -EINVAL;
        size_t n = (size_t)(eq - arg);
        const char *v = eq + 1;
        uint64_t x;
        if (n == 6 && strncmp(arg, "nofile", n) == 0) {
                if (parse_uint(v, 1 << 20, &x) < 0 || x < 16)
                        return -EINVAL;
                rl->nofile = x;
        } else if (n == 3 && strncmp(arg, "cpu", n) == 0) {
                if (parse_duration(v, &x) < 0 || x < 1000000)
                        return -EINVAL;
                rl->cpu = x / 1000000;
        } else if ((n == 5 && strncmp(arg, "fsize", n) == 0) ||
                   (n == 2 && strncmp(arg, "as", n) == 0) ||
                   (n == 5 && strncmp(arg, "stack", n) == 0)) {
                if (parse_size(v, &x) < 0)
                        return -EINVAL;
                if (arg[0] == 'f')
                        rl->fsize = x;
                else if (arg[0] == 'a')
                        rl->as = x;
                else
                        rl->stack = x;
        } else
                return -EINVAL;
        return 0;
}

/* One clear line naming the option, the value and what is allowed. */
static int bad_value(const char *opt, const char *val, const char *allowed)
{
        log_error("Invalid value '%s' for %s: %s", val, opt, allowed);
        return -EINVAL;
}

enum {
        OPT_MEMORY = 256,
        OPT_MEMORY_HIGH,
        OPT_CPUS,
        OPT_PIDS,
        OPT_TIMEOUT,
        OPT_GRACE,
        OPT_RESULT,
        OPT_UID,
        OPT_ENV,
        OPT_RLIMIT,
        OPT_MOUNTS,
        OPT_WRITABLE,
        OPT_EXPOSE,
        OPT_NETWORK,
        OPT_POLICY,
        OPT_TMP,
        OPT_MEMORY_IN_STEP,
};

static const struct option run_options[] = {
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-high", required_argument, NULL, OPT_MEMORY_HIGH},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"pids", required_argument, NULL, OPT_PIDS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"kill-grace", required_argument, NULL, OPT_GRACE},
    {"result", required_argument, NULL, OPT_RESULT},
    {"uid", required_argument, NULL, OPT_UID},
    {"env", required_argument, NULL, OPT_ENV},
    {"rlimit", required_argument, NULL, OPT_RLIMIT},
    {"mounts", required_argument, NULL, OPT_MOUNTS},
    {"writable", required_argument, NULL, OPT_WRITABLE},
    {"expose", required_argument, NULL, OPT_EXPOSE},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"policy", required_argument, NULL, OPT_POLICY},
    {"tmp", required_argument, NULL, OPT_TMP},
    {"memory-in-step", no_argument, NULL, OPT_MEMORY_IN_STEP},
    {"help", no_argument, NULL, 'h'},
    {},
};

/* Appends one entry to a NULL-terminated array of n entries. */
static int append_arg(const char ***list, size_t *n, const char *arg)
{
        const char **nl = realloc(*list, (*n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *list = nl;
        nl[(*n)++] = arg;
        nl[*n] = NULL;
        return 0;
}

/* --memory, --memory-high: bounded by the host's memory. */
static int parse_memory_option(int c, const char *arg, struct run_args *a)
{
        struct sysinfo si;
        sysinfo(&si);
        uint64_t host_mem = (uint64_t)si.totalram * si.mem_unit;
        char buf[64], allowed[128];
        uint64_t v;
        const char *name = c == OPT_MEMORY ? "--memory" : "--memory-high";
        snprintf(allowed, sizeof(allowed),
                 "a size above 0 such as 256M or 1.5G, at most the host's %s",
                 format_bytes(buf, sizeof(buf), host_mem));
        if (parse_size(arg, &v) < 0 || v > host_mem)
                return bad_value(name, arg, allowed);
        if (v < 1 << 20)
                return bad_value(name, arg, "at least 1M (a process needs some memory)");
        if (c == OPT_MEMORY)
                a->limits.memory_max = v;
        else
                a->limits.memory_high = v;
        return 0;
}

/* The limits: memory, CPUs, processes, time. */
static int parse_limit_option(int c, const char *arg, struct run_args *a)
{
        char allowed[128];
        switch (c) {
        case OPT_MEMORY:
        case OPT_MEMORY_HIGH:
                return parse_memory_option(c, arg, a);
        case OPT_CPUS: {
                unsigned ncpus = proc_ncpus();
                snprintf(allowed, sizeof(allowed),
                         "a number of CPUs above 0 and at most %u (this host's cores), "
                         "such as 0.5",
                         ncpus);
                if (parse_cpus(arg, &a->limits.cpu_millicpus) < 0 ||
                    a->limits.cpu_millicpus > ncpus * 1000u)
                        return bad_value("--cpus", arg, allowed);
                return 0;
        }
        case OPT_PIDS:
                if (parse_uint(arg, 4194304, &a->limits.pids_max) < 0 || a->limits.pids_max == 0)
                        return bad_value("--pids", arg, "a whole number from 1 to 4194304");
                return 0;
        case OPT_TIMEOUT:
        case OPT_GRACE:
                if (parse_duration(arg, c == OPT_TIMEOUT ? &a->timeout_usec : &a->grace_usec) < 0)
                        return bad_value(c == OPT_TIMEOUT ? "--timeout" : "--kill-grace", arg,
                                         "a duration above 0 such as 30s, 500ms, 2m, 1h");
                return 0;
        }
        return -ENOENT;
}

/* The sandbox: uid, environment, mounts, network, policy, rlimits. */
static int parse_sandbox_option(int c, const char *arg, struct run_args *a)
{
        switch (c) {
        case OPT_UID: {
                uint64_t v;
                if (strcmp(arg, "auto") == 0) {
                        a->uid_set = false;
                        return 0;
                }
                if (parse_uint(arg, 0xfffffffe, &v) < 0)
                        return bad_value("--uid", arg,
                                         "auto, or a numeric uid from 0 to 4294967294");
                a->uid_set = true;
                a->uid = (uid_t)v;
                return 0;
        }
        case OPT_ENV: {
                char **ne = realloc(a->env, (a->n_env + 2) * sizeof(char *));
                if (!ne)
                        return -ENOMEM;
                a->env = ne;
                a->env[a->n_env++] = (char *)arg; /* argv's own string */
                a->env[a->n_env] = NULL;
                return 0;
        }
        case OPT_MOUNTS:
                if (strcmp(arg, "private") != 0 && strcmp(arg, "host") != 0 &&
                    strcmp(arg, "minimal") != 0)
                        return bad_value("--mounts", arg, "private, minimal or host");
                a->view.private_mounts = strcmp(arg, "host") != 0;
                a->view.minimal_mounts = strcmp(arg, "minimal") == 0;
                return 0;
        case OPT_TMP:
                if (strcmp(arg, "exec") != 0 && strcmp(arg, "noexec") != 0)
                        return bad_value("--tmp", arg, "exec or noexec");
                a->view.tmp_noexec = strcmp(arg, "noexec") == 0;
                return 0;
        case OPT_NETWORK: {
                char why[512];
                if (net_policy_parse(arg, &a->network, why, sizeof(why)) < 0)
                        return bad_value("--network", arg, why);
                a->view.network =
                    a->network.mode == NET_HOST ? HOSTVIEW_NETWORK_HOST : HOSTVIEW_NETWORK_NONE;
                return 0;
        }
        case OPT_POLICY:
                a->policy = arg;
                return 0;
        case OPT_WRITABLE:
                if (arg[0] != '/' || access(arg, F_OK) < 0)
                        return bad_value("--writable", arg, "an absolute path that exists");
                return append_arg(&a->writable, &a->n_writable, arg);
        case OPT_EXPOSE:
                if (arg[0] != '/' || access(arg, F_OK) < 0)
                        return bad_value("--expose", arg, "an absolute path that exists");
                return append_arg(&a->expose, &a->n_expose, arg);
        case OPT_RLIMIT:
                if (parse_rlimit(arg, &a->rlimits) < 0)
                        return bad_value("--rlimit", arg,
                                         "nofile=N (16..1048576), fsize=SIZE, as=SIZE, "
                                         "stack=SIZE or cpu=DURATION (>= 1s)");
                return 0;
        }
        return -ENOENT;
}

/* 0: parsed; 1: --help printed; < 0: bad usage (logged). */
static int parse_args(int argc, char **argv, struct run_args *a)
{
        a->grace_usec = 5000000;
        a->view.private_mounts = true;
        optind = 1;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+h", run_options, NULL)) >= 0) {
                if (c == 'h') {
                        usage(stdout);
                        return 1;
                }
                if (c == OPT_RESULT) {
                        a->result_file = optarg;
                        continue;
                }
                if (c == OPT_MEMORY_IN_STEP) {
                        a->memory_in_step = true;
                        continue;
                }
                int r = parse_limit_option(c, optarg, a);
                if (r == -ENOENT)
                        r = parse_sandbox_option(c, optarg, a);
                if (r == -ENOENT) {
                        log_error("Unknown option '%s' for corral run; see corral run --help",
                                  argv[optind - 1]);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind >= argc) {
                log_error("No command given: corral run [OPTIONS] -- COMMAND [ARG...]");
                return -EINVAL;
        }
        a->argv = argv + optind;
        return 0;
}

/* Opened before the job starts: the job may write where FILE is (a relative
 * --result lands in its working directory) and could replace it with a link
 * to a file of root's or a FIFO; the fd we hold keeps pointing at the file
 * that was checked here, whatever the job does to the name. */
static int open_result(const char *file)
{
        int fd = open_regular_for_write_at(AT_FDCWD, file, NULL);
        if (fd == -EBADFD)
                log_error("Invalid value '%s' for --result: a symlink, FIFO, device or a file "
                          "with other hard links; give a regular file (or a new name); "
                          "nothing was run",
                          file);
        else if (fd < 0)
                log_error("Cannot open the result file '%s' given to --result: %s; nothing was "
                          "run",
                          file, strerror(-fd));
        return fd;
}

static int write_result(const char *file, int fd, const struct outcome *o)
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
        size_t len = strlen(text);
        text[len] = '\n'; /* cJSON's buffer holds len+1 bytes: the NUL becomes the newline */
        int r = rewrite_fd(fd, text, len + 1);
        text[len] = 0;
        if (r < 0)
                return log_error_errno(r, "Failed to write result file '%s': %s", file,
                                       strerror(-r));
        /* Nothing lost: when the job moved the name away from the file we hold,
         * the outcome also goes to stderr, where the caller sees it. */
        struct stat held, now;
        if (fstat(fd, &held) == 0 && (fstatat(AT_FDCWD, file, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
                                      now.st_dev != held.st_dev || now.st_ino != held.st_ino)) {
                log_error("The job replaced or removed the result file '%s'; nothing was "
                          "written through what it put there; the outcome follows",
                          file);
                fprintf(stderr, "%s\n", text);
        }
        return 0;
}

static void sweep_stale(void *userdata)
{
        sandbox_clean_stale_groups(userdata);
}

int cmd_run(const struct corral_options *o, int argc, char **argv)
{
        struct run_args a = {0};
        int r = parse_args(argc, argv, &a);
        if (r != 0)
                return r > 0 ? 0 : EXIT_USAGE;

        _cleanup_free_ char **extra_env = a.env;
        _cleanup_close_ int result_fd = -EBADF;
        if (a.result_file && (result_fd = open_result(a.result_file)) < 0)
                return EXIT_USAGE;
        _cleanup_free_ const char **writable = a.writable;
        _cleanup_free_ const char **expose = a.expose;
        char **envp = NULL;
        int bad = 0;
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd)))
                snprintf(cwd, sizeof(cwd), "/");
        /* Allow-list networking: the proxy is announced the usual way; the
         * job's own loopback stays direct.  --env entries come after and win. */
        size_t n_proxy = 0;
        while (a.network.mode == NET_ALLOW && netproxy_env[n_proxy])
                n_proxy++;
        _cleanup_free_ char **job_extra = calloc(n_proxy + a.n_env + 1, sizeof(char *));
        if (!job_extra)
                return EXIT_CORRAL_FAILED;
        for (size_t i = 0; i < n_proxy; i++)
                job_extra[i] = (char *)netproxy_env[i];
        for (size_t i = 0; i < a.n_env; i++)
                job_extra[n_proxy + i] = a.env[i];
        r = jobenv_build(environ, job_extra, cwd, &envp, &bad);
        if (r == -EINVAL) {
                bad -= (int)n_proxy;
                bad_value("--env", a.env[bad],
                          "KEY=VALUE with KEY made of letters, digits and _, not starting "
                          "with a digit");
                return EXIT_USAGE;
        }
        if (r < 0)
                return EXIT_CORRAL_FAILED;
        _cleanup_(jobenv_freep) char **owned_env = envp;

        _cleanup_free_ char *path = NULL;
        r = child_resolve(a.argv[0], envp, &path);
        if (r < 0) {
                log_error("Cannot run '%s': %s; nothing was run", a.argv[0],
                          r == -ENOENT ? "command not found" : strerror(-r));
                return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
        }

        /* Compiled once, here, before clone: the child only installs it. */
        _cleanup_(policy_freep) struct policy *policy = NULL;
        char perr[512];
        const char *pname = a.policy ? a.policy : "default";
        /* Root keeps compiled programs in /run (corral's own, 0700): a policy
         * is compiled once per boot and text, not once per run. */
        r = policy_load_cached(pname, o->policy_dir,
                               geteuid() == 0 ? "/run/corral/policy-cache" : NULL, &policy, perr,
                               sizeof(perr));
        if (r == -ENOENT && (strcmp(pname, "default") == 0 || strcmp(pname, "strict") == 0 ||
                             strcmp(pname, "none") == 0)) {
                log_error("corral's own policy '%s' is missing: %s; reinstall corral or "
                          "give --policy-dir",
                          pname, perr);
                return EXIT_CORRAL_FAILED;
        }
        if (r == -ENOENT && !strchr(pname, '/')) {
                log_error("Unknown policy '%s' for --policy: %s; use default, strict, none or "
                          "a policy file's path",
                          pname, perr);
                return EXIT_USAGE;
        }
        if (r < 0) {
                log_error("Invalid policy '%s': %s", pname, perr);
                return EXIT_USAGE;
        }

        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        bool in_step = false;
        /* Stale groups of runs that died are swept once the job runs
         * (sweep_stale), off the launch's path, as a supervisor does. */
        if (sandbox_open_cgroups_unswept(o, &m) < 0)
                return EXIT_CORRAL_FAILED;
        if (a.memory_in_step) {
                /* No limited group to stay in (v2, or a step without a memory
                 * limit): the job gets a group of corral's, with --memory. */
                r = cg_manager_use_enclosing_memory(m);
                if (r < 0 && r != -ENOENT && r != -EOPNOTSUPP) {
                        log_error("Failed to use the memory cgroup corral was started in "
                                  "(--memory-in-step): %s",
                                  strerror(-r));
                        return EXIT_CORRAL_FAILED;
                }
                /* corral shares that group with the job: the OOM killer must
                 * take the job, never corral (its outcome would be lost).
                 * Lowering corral's own score needs CAP_SYS_RESOURCE, which
                 * Slurm's steps lack (measured); raising the job's does not. */
                in_step = r >= 0;
        }

        /* Privileges: as root, a uid of the job's own (or the one asked for);
         * otherwise the job keeps ours.  Capabilities and no_new_privs always. */
        struct privs_spec privs = {.cap_last = privs_cap_last()};
        _cleanup_close_ int uid_lock = -EBADF;
        if (geteuid() == 0) {
                privs.switch_user = true;
                if (a.uid_set)
                        privs.uid = a.uid;
                else {
                        r = uidpool_acquire_default(&privs.uid, &uid_lock);
                        if (r < 0) {
                                char range[32];
                                uidpool_default_range(range, sizeof(range));
                                log_error_errno(r, "Failed to take a free job uid from %s (%s): %s",
                                                range, UIDPOOL_DEFAULT_DIR, strerror(-r));
                                return EXIT_CORRAL_FAILED;
                        }
                }
                privs.gid = (gid_t)privs.uid;
        } else if (a.uid_set && a.uid != getuid()) {
                log_error("--uid %u needs root; corral runs as uid %u", (unsigned)a.uid,
                          (unsigned)getuid());
                return EXIT_USAGE;
        }

        /* The defaults a background job gets (job-limits.h), unless --rlimit
         * says otherwise: the caller's own limits (nofile 20,000, fsize
         * unlimited here) are not the job's business.  No RLIMIT_NPROC: it
         * counts every process of the uid, the caller's own included where the
         * uid is shared; the pids cgroup caps the job's processes instead
         * (docs/hardening.md). */
        if (!a.rlimits.nofile)
                a.rlimits.nofile = LIMIT_OPEN_FILES_DEFAULT;
        if (!a.rlimits.fsize)
                a.rlimits.fsize = LIMIT_LOG_DEFAULT;
        a.view.workdir = cwd;
        a.view.writable = writable;
        a.view.expose = expose;
        hostview_decide(&a.view, geteuid() == 0);
        /* Without root, a subordinate id of the job's own where the user has
         * a range (docs/rootless.md): held until corral exits. */
        _cleanup_close_ int subid_lock = -EBADF;
        struct subid_lease lease; /* its lockdir is the view's while the job runs */
        if (a.view.own_user) {
                r = subid_acquire(&lease);
                subid_lock = lease.lockfd;
                if (r == 0) {
                        hostview_use_subid(&a.view, lease.uid, lease.gid, lease.lockdir);
                        privs.switch_user = true;
                        privs.uid = SUBID_NS_ID;
                        privs.gid = SUBID_NS_ID;
                } else if (r == -EAGAIN) {
                        char range[48];
                        subid_lease_range(&lease, range, sizeof(range));
                        log_error("All %lu subordinate ids of uid %u (%s) are lent to running "
                                  "jobs; nothing was run: wait for one to end, or give the "
                                  "user a larger range in %s and %s (docs/rootless.md)",
                                  lease.count, (unsigned)getuid(), range, SUBID_UID_FILE,
                                  SUBID_GID_FILE);
                        return EXIT_CORRAL_FAILED;
                } else if (r != -ENOENT) {
                        log_error_errno(r,
                                        "Failed to take a subordinate id for the job (locks in "
                                        "'%s'): %s; nothing was run",
                                        lease.lockdir[0] ? lease.lockdir : "no directory",
                                        strerror(-r));
                        return EXIT_CORRAL_FAILED;
                }
        }

        static unsigned counter;
        char label[32];
        snprintf(label, sizeof(label), "run-%u", ++counter);
        struct runner_spec spec = {
            .child = {.path = path,
                      .argv = a.argv,
                      .envp = envp,
                      .stdin_fd = -1,
                      .stdout_fd = -1,
                      .stderr_fd = -1,
                      .view = &a.view,
                      .privs = &privs,
                      .rlimits = &a.rlimits,
                      .policy = policy,
                      .oom_score_adj = in_step ? "1000" : NULL},
            .limits = a.limits,
            .timeout_usec = a.timeout_usec,
            .cancel_grace_usec = a.grace_usec,
            .label = label,
            .network = &a.network,
            .on_started = sweep_stale,
            .userdata = m,
        };
        struct outcome out;
        struct child_failure fail;
        r = runner_run(m, &spec, &out, &fail);
        /* The job's own group is gone (runner_run removes it).  corral's parent
         * group stays, as it does for supervised jobs: removing it and making
         * it again cost 10 cgroupfs mkdir/rmdir calls per run on v1 (issue 18,
         * docs/performance.md), and concurrent runs raced on it.  It is empty
         * and 0711; `corral doctor` removes it. */
        if (r < 0) {
                if (fail.step == CHILD_STEP_EXEC)
                        log_error("Cannot run '%s': %s; nothing was run", a.argv[0], strerror(-r));
                else if (fail.step != CHILD_STEP_NONE)
                        log_error("Failed to %s for '%s': %s%s", child_step_to_string(fail.step),
                                  a.argv[0], strerror(-r),
                                  fail.step == CHILD_STEP_NAMESPACES
                                      ? userns_refusal_hint()
                                      : subid_refusal_hint(fail.step));
                else
                        log_error("Failed to run '%s' in a new cgroup under '%s': %s", a.argv[0],
                                  cg_manager_path(m, CG_MEMORY), strerror(-r));
                if (fail.step == CHILD_STEP_EXEC)
                        return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
                return EXIT_CORRAL_FAILED;
        }
        if (out.subid_revoke_err)
                log_warning("Failed to hand back what the job left or remove its ACL entries "
                            "in '%s' or its --writable paths: %s; `getfacl` shows what is left "
                            "(docs/rootless.md)",
                            cwd, strerror(out.subid_revoke_err));
        if (write_result(a.result_file, result_fd, &out) < 0)
                return EXIT_CORRAL_FAILED;
        return outcome_exit_status(out.status, out.exit_code, out.signal);
}
