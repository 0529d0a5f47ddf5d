/* attachbench: how a fresh single-threaded child joins its v1 groups.
 *
 *   attachbench [-n RUNS] [--spin N] [--gap MS]
 *
 * Creates one group in each of the memory, cpu, cpuacct, pids and freezer
 * hierarchies (below a private parent, corral-attachbench-<pid>), then, in
 * alternating runs, forks a child that joins all five and _exits:
 *
 *   procs   writes "0" to each group's cgroup.procs (what corral did before
 *           issue 18): the kernel takes cgroup_threadgroup_rwsem for writing,
 *           which waits for an RCU grace period
 *   tasks   writes "0" to each group's tasks file: a thread moving itself, for
 *           which the kernel skips that lock (cgroup_procs_write_start:
 *           threadgroup_locked = pid || threadgroup); for a process of one
 *           thread the result is the same
 *
 * Each run is fork to reaped; the five writes are also timed inside the child
 * (reported through a pipe).  --gap MS sleeps between runs (default 30): the
 * lock's writer side is cheap again while the previous writer's grace period
 * is still pending (rcu_sync), so back-to-back runs would hide the wait a
 * supervisor, which launches one job, pays.  --spin N first starts N busy-looping processes
 * (in the bench's own groups) to load the CPUs, as a shared host is; they are
 * killed at the end.  Prints per variant the median and p90 of both times.
 * Everything it creates is removed at the end, also on failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const ctl[] = {"memory", "cpu", "cpuacct", "pids", "freezer"};
#define NCTL (sizeof(ctl) / sizeof(ctl[0]))

static char parent[NCTL][256], group[NCTL][300];
static pid_t spinners[64];
static int nspin;

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void cleanup(void)
{
        for (int i = 0; i < nspin; i++) {
                kill(spinners[i], SIGKILL);
                waitpid(spinners[i], NULL, 0);
        }
        nspin = 0;
        for (size_t c = 0; c < NCTL; c++) {
                if (group[c][0])
                        rmdir(group[c]);
                if (parent[c][0])
                        rmdir(parent[c]);
        }
}

static void on_signal(int sig)
{
        cleanup();
        signal(sig, SIG_DFL);
        raise(sig);
}

static int cmp(const void *a, const void *b)
{
        long long x = *(const long long *)a, y = *(const long long *)b;
        return x < y ? -1 : x > y;
}

/* One child: joins the five groups through FILE ("cgroup.procs" or "tasks"). */
static int run_once(const int *fds, long long *ret_total, long long *ret_writes)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        long long t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                long long a = now_ns();
                for (size_t c = 0; c < NCTL; c++)
                        if (write(fds[c], "0", 1) != 1)
                                _exit(1);
                long long d = now_ns() - a;
                _exit(write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
        }
        close(p[1]);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        *ret_total = now_ns() - t0;
        long long d = -1;
        ssize_t n = read(p[0], &d, sizeof(d));
        close(p[0]);
        if (n != sizeof(d) || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return -1;
        *ret_writes = d;
        return 0;
}

static void report(const char *name, long long *v, long n)
{
        qsort(v, (size_t)n, sizeof(*v), cmp);
        printf("%-6s %9.3f %9.3f", name, v[n / 2] / 1e6, v[n * 9 / 10] / 1e6);
}

int main(int argc, char **argv)
{
        long runs = 300, gap_ms = 30;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
                        runs = strtol(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--gap") == 0 && i + 1 < argc)
                        gap_ms = strtol(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--spin") == 0 && i + 1 < argc)
                        nspin = -(int)strtol(argv[++i], NULL, 10);
                else {
                        fprintf(stderr, "usage: attachbench [-n RUNS] [--spin N] [--gap MS]\n");
                        return 2;
                }
        }
        if (runs < 2 || nspin < -64)
                return 2;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        int fds[2][NCTL];
        int status = 1;
        for (size_t c = 0; c < NCTL; c++) {
                snprintf(parent[c], sizeof(parent[c]), "/sys/fs/cgroup/%s/corral-attachbench-%d",
                         ctl[c], (int)getpid());
                if (mkdir(parent[c], 0755) < 0) {
                        parent[c][0] = 0;
                        fprintf(stderr, "attachbench: mkdir %s: %m\n", parent[c]);
                        goto out;
                }
                snprintf(group[c], sizeof(group[c]), "%s/job", parent[c]);
                if (mkdir(group[c], 0755) < 0) {
                        group[c][0] = 0;
                        goto out;
                }
                char f[400];
                snprintf(f, sizeof(f), "%s/cgroup.procs", group[c]);
                fds[0][c] = open(f, O_WRONLY | O_CLOEXEC);
                snprintf(f, sizeof(f), "%s/tasks", group[c]);
                fds[1][c] = open(f, O_WRONLY | O_CLOEXEC);
                if (fds[0][c] < 0 || fds[1][c] < 0)
                        goto out;
        }
        int want = -nspin;
        nspin = 0;
        for (int i = 0; i < want; i++) {
                pid_t s = fork();
                if (s == 0)
                        for (volatile unsigned long x = 0;; x++)
                                ;
                if (s > 0)
                        spinners[nspin++] = s;
        }
        long long *tot[2], *wr[2];
        for (int v = 0; v < 2; v++) {
                tot[v] = calloc((size_t)runs, sizeof(long long));
                wr[v] = calloc((size_t)runs, sizeof(long long));
                if (!tot[v] || !wr[v])
                        goto out;
        }
        for (long i = -10; i < runs; i++)
                for (int k = 0; k < 2; k++) {
                        int v = (int)((i + k) & 1); /* alternate which goes first */
                        long long t, w;
                        if (gap_ms > 0)
                                usleep((useconds_t)gap_ms * 1000);
                        if (run_once(fds[v], &t, &w) < 0) {
                                fprintf(stderr, "attachbench: child failed\n");
                                goto out;
                        }
                        if (i >= 0) {
                                tot[v][i] = t;
                                wr[v][i] = w;
                        }
                }
        printf("variant  fork->reaped ms (median p90)   5 writes ms (median p90)   [%ld runs, %d "
               "spinners, %ld ms apart]\n",
               runs, nspin, gap_ms);
        const char *names[2] = {"procs", "tasks"};
        for (int v = 0; v < 2; v++) {
                report(names[v], tot[v], runs);
                printf("   ");
                report("", wr[v], runs);
                printf("\n");
        }
        status = 0;
out:
        cleanup();
        return status;
}
