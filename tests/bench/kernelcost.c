/* kernelcost: what the kernel's primitives under a launch cost on this host
 * (docs/performance.md, "Issue 18, third session").
 *
 *   kernelcost [N]     (default 300 runs each, interleaved; needs root)
 *
 * Each line is a child started, doing one thing, exiting and reaped, with
 * the median in microseconds:
 *   fork, exit          the floor every line below includes
 *   + UTS / IPC ns      unshare() of that namespace
 *   + mount ns          unshare(CLONE_NEWNS) and / made private
 *   + mount ns, tmpfs   the same and one tmpfs mounted
 *   + PID ns, init      unshare(CLONE_NEWPID) and a fork into it (its init)
 *   fork + exec true    fork of the process, 4 MiB touched by then, exec /bin/true
 *   vclone + exec true  the same started by vclone() (src/util/vclone.c)
 * and per v1 hierarchy (or the v2 root), a group's mkdir and rmdir under
 * CORRAL_CGROUP_PARENT (default corral-bench), removed at the end. */

#include "bench-time.h"
#include "vclone.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { C_FORK, C_UTS, C_IPC, C_MNT, C_TMPFS, C_PID, C_EXEC, C_VEXEC, C_MAX };
static const char *const names[C_MAX] = {"fork, exit",       "+ UTS ns",          "+ IPC ns",
                                         "+ mount ns",       "+ mount ns, tmpfs", "+ PID ns, init",
                                         "fork + exec true", "vclone + exec true"};

static double median(double *v, int n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp_double);
        return v[n / 2];
}

static char *const true_argv[] = {"/bin/true", NULL};

static int exec_true(void *unused)
{
        (void)unused;
        execve(true_argv[0], true_argv, environ);
        _exit(127);
}

static void child(int c)
{
        switch (c) {
        case C_UTS:
                _exit(unshare(CLONE_NEWUTS) < 0);
        case C_IPC:
                _exit(unshare(CLONE_NEWIPC) < 0);
        case C_MNT:
        case C_TMPFS:
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(1);
                if (c == C_TMPFS &&
                    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m") < 0)
                        _exit(1);
                _exit(0);
        case C_PID: {
                if (unshare(CLONE_NEWPID) < 0)
                        _exit(1);
                pid_t p = fork();
                if (p == 0)
                        _exit(0);
                _exit(p < 0 || waitpid(p, NULL, 0) < 0);
        }
        case C_EXEC:
                exec_true(NULL);
        }
        _exit(0);
}

static double one(int c)
{
        double t0 = now_us();
        pid_t p = c == C_VEXEC ? vclone(exec_true, NULL) : fork();
        if (p == 0)
                child(c);
        int st;
        if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "kernelcost: %s failed\n", names[c]);
                exit(1);
        }
        return now_us() - t0;
}

static void groups(int n)
{
        const char *parent = getenv("CORRAL_CGROUP_PARENT");
        static const char *const v1[] = {"memory", "cpu", "cpuacct", "pids", "freezer", NULL};
        static const char *const v2[] = {"", NULL};
        struct stat st;
        bool is_v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
        double *mk = calloc((size_t)n, sizeof(double)), *rm = calloc((size_t)n, sizeof(double));
        if (!mk || !rm)
                exit(1);
        for (const char *const *h = is_v2 ? v2 : v1; *h; h++) {
                char base[512], dir[600];
                snprintf(base, sizeof(base), "/sys/fs/cgroup/%s%s%s", *h, **h ? "/" : "",
                         parent ? parent : "corral-bench");
                bool made = mkdir(base, 0755) == 0;
                for (int i = 0; i < n; i++) {
                        snprintf(dir, sizeof(dir), "%s/kernelcost-%d", base, (int)getpid());
                        double t0 = now_us();
                        if (mkdir(dir, 0755) < 0) {
                                fprintf(stderr, "kernelcost: mkdir %s: %s\n", dir, strerror(errno));
                                exit(1);
                        }
                        double t1 = now_us();
                        rmdir(dir);
                        rm[i] = now_us() - t1;
                        mk[i] = t1 - t0;
                }
                if (made)
                        rmdir(base);
                printf("group %-10s mkdir %6.1f us, rmdir %6.1f us\n", **h ? *h : "(v2)",
                       median(mk, n), median(rm, n));
        }
        free(mk);
        free(rm);
}

static void measure(double *t, int n, int from, int to)
{
        for (int i = 0; i < n; i++)
                for (int c = from; c < to; c++) {
                        t[c * n + i] = one(c);
                        usleep(2000);
                }
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 300;
        if (n < 1)
                n = 300;
        double *t = calloc((size_t)n * C_MAX, sizeof(double));
        if (!t)
                return 1;
        measure(t, n, C_FORK, C_EXEC);
        /* The exec lines as a corral process that has read its store would
         * pay them: 4 MiB touched. */
        size_t big = 4u << 20;
        char *heap = malloc(big);
        for (size_t i = 0; heap && i < big; i += 4096)
                heap[i] = 1;
        measure(t, n, C_EXEC, C_MAX);
        printf("kernelcost: %d runs each, interleaved, 2 ms apart\n", n);
        for (int c = 0; c < C_MAX; c++)
                printf("%-20s %7.1f us\n", names[c], median(t + c * n, n));
        groups(n);
        free(t);
        free(heap);
        return 0;
}
