/* cgroup_libcgroup: the measurement behind docs/decisions/libcgroup.md.
 *
 * Creates and deletes a memory+cpu+pids job group N times through libcgroup
 * and through cgroupfs directly (what corral's per-job path does), in the same
 * run, and prints the medians.  Also shows what libcgroup's delete does to a
 * group that still holds a live process.  Needs root on a v1/hybrid host. */
#include "bench-time.h"
#include <libcgroup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ctrls[] = {"memory", "cpu", "pids"};

static int direct_once(const char *name)
{
        char p[256];
        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", ctrls[i], name);
                if (mkdir(p, 0755) < 0)
                        return -1;
        }
        snprintf(p, sizeof(p), "/sys/fs/cgroup/memory/%s/memory.limit_in_bytes", name);
        FILE *f = fopen(p, "w");
        if (!f)
                return -1;
        fputs("67108864", f);
        fclose(f);
        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", ctrls[i], name);
                rmdir(p);
        }
        return 0;
}

static int libcg_once(const char *name)
{
        struct cgroup *cg = cgroup_new_cgroup(name);
        if (!cg)
                return -1;
        struct cgroup_controller *mem = cgroup_add_controller(cg, "memory");
        cgroup_add_controller(cg, "cpu");
        cgroup_add_controller(cg, "pids");
        cgroup_add_value_string(mem, "memory.limit_in_bytes", "67108864");
        int r = cgroup_create_cgroup(cg, 0);
        if (r == 0)
                r = cgroup_delete_cgroup(cg, 0);
        cgroup_free(&cg);
        return r ? -1 : 0;
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? atoi(argv[1]) : 300;
        double t0 = now_us();
        if (cgroup_init() != 0) {
                fprintf(stderr, "cgroup_init failed (needs root on a v1/hybrid host)\n");
                return 77;
        }
        double init_us = now_us() - t0;
        double *a = calloc((size_t)n, sizeof(double)), *b = calloc((size_t)n, sizeof(double));
        char name[64];
        snprintf(name, sizeof(name), "corral-bench-%d", (int)getpid());
        for (int i = 0; i < n; i++) {
                double s = now_us();
                if (direct_once(name) < 0)
                        return 1;
                a[i] = now_us() - s;
                s = now_us();
                if (libcg_once(name) < 0)
                        return 1;
                b[i] = now_us() - s;
        }
        qsort(a, (size_t)n, sizeof(double), cmp_double);
        qsort(b, (size_t)n, sizeof(double), cmp_double);
        printf("cgroup_init: %.0f us\n", init_us);
        printf("create+limit+delete, median of %d: cgroupfs %.0f us, libcgroup %.0f us (%.1fx)\n",
               n, a[n / 2], b[n / 2], b[n / 2] / a[n / 2]);

        /* Delete of a busy group: where does its live process end up? */
        pid_t pid = fork();
        if (pid == 0) {
                pause();
                _exit(0);
        }
        char p[256];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/memory/%s", name);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "/sys/fs/cgroup/memory/%s/cgroup.procs", name);
        FILE *f = fopen(p, "w");
        fprintf(f, "%d", (int)pid);
        fclose(f);
        struct cgroup *cg = cgroup_new_cgroup(name);
        cgroup_add_controller(cg, "memory");
        int r = cgroup_delete_cgroup(cg, 0);
        char line[256] = "";
        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        f = fopen(p, "r");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, ":memory:"))
                        break;
        if (f)
                fclose(f);
        printf("cgroup_delete_cgroup on a group with a live task: returned %d; the task is now "
               "in %s",
               r, line);
        cgroup_free(&cg);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        snprintf(p, sizeof(p), "/sys/fs/cgroup/memory/%s", name);
        rmdir(p);
        free(a);
        free(b);
        return 0;
}
