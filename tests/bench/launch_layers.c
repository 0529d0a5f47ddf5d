/* launch_layers: what each sandbox layer adds to starting a job (docs/hardening.md).
 *
 * Starts /bin/true N times (default 200) under each configuration below, the
 * configurations interleaved round-robin so that machine noise spreads over all
 * of them, and prints the median and p90 per configuration, what each layer adds
 * to the one before it, and the ratio to plain posix_spawn measured in the same
 * run.  The layers are cumulative, in the order the child applies them:
 *
 *   posix_spawn        libc posix_spawn + waitpid: the floor
 *   clone+exec         corral's child_spawn: clone3, signal reset, close_range, exec
 *   + cgroup           runner_run: a memory/cpu/pids group created, joined, read, removed
 *   + uid/caps         capabilities dropped, setresuid to a job uid, no_new_privs
 *   + mount ns         private mount namespace, read-only /, fresh /tmp and /dev/shm
 *   + network ns       an empty network namespace (--network none)
 *   + seccomp          the default policy in notify mode (what jobs get)
 * and two variants of the last step:
 *   seccomp plain      the default policy's enforcing program, no listener
 *   seccomp strict     the strict allow-list in notify mode
 *
 * Needs root on a host where corral can create cgroups.  Usage:
 *   launch_layers [N]      (CORRAL_CGROUP_PARENT names the parent group; default corral-bench)
 */
#include "bench-time.h"
#include "child.h"
#include "options.h"
#include "hostview.h"
#include "policy.h"
#include "privs.h"
#include "runner.h"
#include "sandbox-setup.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum cfg {
        CFG_SPAWN,
        CFG_CLONE,
        CFG_CGROUP,
        CFG_PRIVS,
        CFG_MOUNTNS,
        CFG_NETNS,
        CFG_SECCOMP,
        CFG_SECCOMP_PLAIN,
        CFG_SECCOMP_STRICT,
        _CFG_MAX,
};

static const char *const cfg_names[_CFG_MAX] = {
    "posix_spawn",  "clone+exec", "+ cgroup",      "+ uid/caps",     "+ mount ns",
    "+ network ns", "+ seccomp",  "seccomp plain", "seccomp strict",
};

/* The layer each configuration adds to (for the "adds" column). */
static const int cfg_base[_CFG_MAX] = {-1,          CFG_SPAWN, CFG_CLONE, CFG_CGROUP, CFG_PRIVS,
                                       CFG_MOUNTNS, CFG_NETNS, CFG_NETNS, CFG_NETNS};

struct bench {
        struct cg_manager *m;
        struct policy *def, *strict;
        struct privs_spec privs;
        struct hostview view, view_net;
        char cwd[4096];
};

static char *true_argv[] = {"/bin/true", NULL};
static char *true_envp[] = {"PATH=/usr/bin:/bin", NULL};

static int run_once(struct bench *b, enum cfg c)
{
        if (c == CFG_SPAWN) {
                pid_t pid;
                if (posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ) != 0)
                        return -1;
                int st;
                return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
                                                                                            : -1;
        }
        struct child_spec child = {.path = "/bin/true",
                                   .argv = true_argv,
                                   .envp = true_envp,
                                   .stdin_fd = -1,
                                   .stdout_fd = -1,
                                   .stderr_fd = -1};
        if (c == CFG_CLONE) {
                pid_t pid;
                int pidfd, st;
                if (child_spawn(&child, &pid, &pidfd, NULL, NULL, NULL) < 0)
                        return -1;
                close(pidfd);
                return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
                                                                                            : -1;
        }
        if (c >= CFG_PRIVS)
                child.privs = &b->privs;
        if (c >= CFG_MOUNTNS)
                child.view = c >= CFG_NETNS ? &b->view_net : &b->view;
        if (c == CFG_SECCOMP)
                child.policy = b->def;
        else if (c == CFG_SECCOMP_PLAIN)
                child.seccomp = policy_bpf(b->def);
        else if (c == CFG_SECCOMP_STRICT)
                child.policy = b->strict;
        struct runner_spec spec = {
            .child = child,
            .limits = {.memory_max = 256u << 20, .cpu_millicpus = 1000, .pids_max = 64},
            .cancel_grace_usec = 1000000,
            .label = "bench",
        };
        struct outcome o;
        struct child_failure f;
        int r = runner_run(b->m, &spec, &o, &f);
        if (r < 0) {
                fprintf(stderr, "%s: failed to %s: %s\n", cfg_names[c],
                        child_step_to_string(f.step), strerror(-r));
                return -1;
        }
        return o.status == JOB_COMPLETED ? 0 : -1;
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 200;
        if (n < 5)
                n = 5;
        struct bench b = {.privs = {.switch_user = true, .uid = 60999, .gid = 60999}};
        b.privs.cap_last = privs_cap_last();
        if (!getcwd(b.cwd, sizeof(b.cwd)))
                return 1;
        b.view = (struct hostview){.private_mounts = true, .workdir = b.cwd};
        b.view_net = b.view;
        b.view_net.network = HOSTVIEW_NETWORK_NONE;
        hostview_decide(&b.view, true);
        hostview_decide(&b.view_net, true);

        const char *parent = getenv("CORRAL_CGROUP_PARENT");
        struct corral_options o = {.cgroup_parent = parent ? parent : "corral-bench"};
        char err[512];
        if (sandbox_open_cgroups(&o, &b.m) < 0)
                return 1;
        if (policy_load("default", NULL, &b.def, err, sizeof(err)) < 0 ||
            policy_load("strict", NULL, &b.strict, err, sizeof(err)) < 0) {
                fprintf(stderr, "policy: %s\n", err);
                return 1;
        }

        double *t[_CFG_MAX];
        for (int c = 0; c < _CFG_MAX; c++)
                t[c] = calloc((size_t)n, sizeof(double));
        int failures = 0;
        for (int c = 0; c < _CFG_MAX; c++) /* warm-up: page cache, policy pages */
                failures += run_once(&b, (enum cfg)c) < 0;
        for (int i = 0; i < n; i++)
                for (int c = 0; c < _CFG_MAX; c++) {
                        double t0 = now_us();
                        failures += run_once(&b, (enum cfg)c) < 0;
                        t[c][i] = now_us() - t0;
                }

        double med[_CFG_MAX];
        printf("launch_layers: %d runs of /bin/true per configuration, interleaved\n", n);
        printf("%-16s %10s %10s %10s %8s\n", "configuration", "median us", "p90 us", "adds us",
               "x spawn");
        for (int c = 0; c < _CFG_MAX; c++) {
                qsort(t[c], (size_t)n, sizeof(double), cmp_double);
                med[c] = t[c][n / 2];
                double p90 = t[c][(n * 9) / 10];
                if (cfg_base[c] >= 0)
                        printf("%-16s %10.0f %10.0f %+10.0f %8.2f\n", cfg_names[c], med[c], p90,
                               med[c] - med[cfg_base[c]], med[c] / med[CFG_SPAWN]);
                else
                        printf("%-16s %10.0f %10.0f %10s %8.2f\n", cfg_names[c], med[c], p90, "",
                               1.0);
                free(t[c]);
        }
        /* Compiling a policy happens once per `corral run` and once per job in its
         * supervisor, before clone: shown apart from the launch. */
        const char *names[] = {"default", "strict"};
        for (size_t k = 0; k < 2; k++) {
                double *pt = calloc((size_t)n, sizeof(double));
                for (int i = 0; i < n && pt; i++) {
                        struct policy *p = NULL;
                        double t0 = now_us();
                        if (policy_load(names[k], NULL, &p, err, sizeof(err)) < 0)
                                failures++;
                        pt[i] = now_us() - t0;
                        policy_free(p);
                }
                if (pt) {
                        qsort(pt, (size_t)n, sizeof(double), cmp_double);
                        printf("policy_load %-8s median %.0f us, p90 %.0f us (parse + compile "
                               "both programs)\n",
                               names[k], pt[n / 2], pt[(n * 9) / 10]);
                        free(pt);
                }
        }
        if (failures)
                printf("%d runs failed\n", failures);
        policy_free(b.def);
        policy_free(b.strict);
        cg_manager_remove_parent(b.m);
        cg_manager_free(b.m);
        return failures ? 1 : 0;
}
