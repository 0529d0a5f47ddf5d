/* cgroup-v1.c - the v1/hybrid backend: one directory per controller hierarchy.
 *
 * Facts this backend is built on (measured on a hybrid host, see the brief):
 * limit_in_bytes must be written before memsw.limit_in_bytes; memory.failcnt
 * stays 0 when memsw is set, so whose limit bound is told by the peak; the OOM
 * kill count is memory.oom_control's oom_kill; cpu and cpuacct may be separate
 * mounts; a whole group is killed by freezing it first so that no process can
 * fork while we signal.
 */
#include "cgroup-internal.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_PERIOD_USEC 100000

static const enum cg_controller job_controllers[] = {CG_MEMORY, CG_CPU, CG_CPUACCT, CG_PIDS,
                                                     CG_FREEZER};

static int v1_manager_open(struct cg_manager *m)
{
        const struct cg_layout *l = m->layout;
        if (!l->v1_mount[CG_MEMORY])
                return -ENODEV; /* nothing to enforce the memory limit with */
        for (size_t i = 0; i < ELEMENTSOF(job_controllers); i++) {
                enum cg_controller c = job_controllers[i];
                if (!l->v1_mount[c])
                        continue;
                /* Root owns each hierarchy and puts its parent at the top.  A
                 * user can only write a group root delegated to it (chowned):
                 * the parent goes below the group corral was started in. */
                _cleanup_free_ char *base = getuid() == 0 || !l->v1_self[c]
                                                ? strdup(l->v1_mount[c])
                                                : path_join(l->v1_mount[c], l->v1_self[c]);
                if (!base)
                        return -ENOMEM;
                m->path[c] = path_join(base, m->parent_name);
                if (!m->path[c])
                        return -ENOMEM;
                int r = cg_mkdir_parent(m->path[c]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dir_write(int dfd, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int dir_write(int dfd, const char *file, const char *fmt, ...)
{
        char buf[64];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return write_string_at(dfd, file, buf);
}

static int v1_group_create(struct cg_group *g, const struct cg_limits *lim)
{
        for (size_t i = 0; i < ELEMENTSOF(job_controllers); i++) {
                enum cg_controller c = job_controllers[i];
                if (!g->path[c])
                        continue;
                int r = cg_mkdir(g->path[c]);
                if (r < 0)
                        return r;
                g->dir_fd[c] = open(g->path[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (g->dir_fd[c] < 0)
                        return NEG_ERRNO();
                /* The child joins through `tasks`, not cgroup.procs: a
                 * thread moving itself (writing "0") is a process of one
                 * thread moving, and the kernel then skips
                 * cgroup_threadgroup_rwsem (cgroup_procs_write_start: "If we
                 * migrate a single thread, we don't care about threadgroup
                 * stability"), whose write lock waits for an RCU grace
                 * period: 5 writes cost 5-10 ms median on this host against
                 * 0.11 ms through `tasks` (tests/bench/attachbench,
                 * docs/performance.md).  The result is the same group in
                 * every hierarchy (tests/integration/run_cgroup_attach.sh). */
                g->procs_fd[c] = openat(g->dir_fd[c], "tasks", O_WRONLY | O_CLOEXEC);
                if (g->procs_fd[c] < 0)
                        return NEG_ERRNO();
        }

        int r;
        if (g->m->enclosing_memory) {
                /* Read-only use of the group we run in: its limit is the job's. */
                g->dir_fd[CG_MEMORY] =
                    open(g->m->enclosing_memory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (g->dir_fd[CG_MEMORY] < 0)
                        return NEG_ERRNO();
                r = read_keyed_u64_at(g->dir_fd[CG_MEMORY], "memory.stat",
                                      "hierarchical_memory_limit", &g->limits.memory_max);
                if (r < 0)
                        return r;
        }
        int mem = g->dir_fd[CG_MEMORY];
        if (lim->memory_max && !g->m->enclosing_memory) {
                r = dir_write(mem, "memory.limit_in_bytes", "%" PRIu64, lim->memory_max);
                if (r < 0)
                        return r;
                /* memsw = memory + swap: equal to the limit means no swap at all. */
                r = dir_write(mem, "memory.memsw.limit_in_bytes", "%" PRIu64, lim->memory_max);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (lim->memory_high && !g->m->enclosing_memory) {
                r = dir_write(mem, "memory.soft_limit_in_bytes", "%" PRIu64, lim->memory_high);
                if (r < 0)
                        return r;
        }
        if (lim->cpu_millicpus) {
                if (g->dir_fd[CG_CPU] < 0)
                        return -ENODEV;
                r = dir_write(g->dir_fd[CG_CPU], "cpu.cfs_period_us", "%d", CPU_PERIOD_USEC);
                if (r < 0)
                        return r;
                r = dir_write(g->dir_fd[CG_CPU], "cpu.cfs_quota_us", "%" PRIu64,
                              lim->cpu_millicpus * CPU_PERIOD_USEC / 1000);
                if (r < 0)
                        return r;
        }
        if (lim->pids_max) {
                if (g->dir_fd[CG_PIDS] < 0)
                        return -ENODEV;
                r = dir_write(g->dir_fd[CG_PIDS], "pids.max", "%" PRIu64, lim->pids_max);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* total split in the ratio user:sys; all user when nothing was sampled (the
 * kernel's choice too). */
static void cpu_split(uint64_t total, uint64_t user, uint64_t sys, uint64_t *ret_user,
                      uint64_t *ret_sys)
{
        if (sys == 0) {
                *ret_user = total;
                *ret_sys = 0;
                return;
        }
        if (user == 0) {
                *ret_user = 0;
                *ret_sys = total;
                return;
        }
        uint64_t s = (uint64_t)((unsigned __int128)total * sys / ((unsigned __int128)user + sys));
        *ret_sys = s;
        *ret_user = total - s;
}

static uint64_t oom_kills(struct cg_group *g)
{
        static const char *const key[] = {"oom_kill"};
        uint64_t v;
        cg_stat_keyed(g, g->dir_fd[CG_MEMORY], "memory.oom_control", key, &v, 1);
        return v;
}

static int v1_group_baseline(struct cg_group *g)
{
        g->base_oom_kill = oom_kills(g);
        return 0;
}

static int v1_group_stats(struct cg_group *g, struct cg_stats *s)
{
        int mem = g->dir_fd[CG_MEMORY];
        s->memory_peak_bytes = cg_stat_u64(g, mem, "memory.max_usage_in_bytes");
        s->memory_current_bytes = cg_stat_u64(g, mem, "memory.usage_in_bytes");

        int acct = g->dir_fd[CG_CPUACCT] >= 0 ? g->dir_fd[CG_CPUACCT] : g->dir_fd[CG_CPU];
        s->cpu_usage_usec = cg_stat_u64(g, acct, "cpuacct.usage") / 1000;
        /* The user/system split is sampled at ticks (cpuacct.usage_user/_sys
         * are nanoseconds but tick-sampled; cpuacct.stat is ticks), so a short
         * job read 0 while cpuacct.usage, the scheduler's exact runtime, did
         * not.  Split the exact total by the sampled ratio, as the kernel's
         * cputime_adjust() does for v2's cpu.stat: user + system == usage. */
        uint64_t tu, ts;
        char buf[64];
        if (cg_stat_read(g, acct, "cpuacct.usage_user", buf, sizeof(buf)) >= 0) {
                tu = strtoull(buf, NULL, 10);
                ts = cg_stat_u64(g, acct, "cpuacct.usage_sys");
        } else {
                static const char *const keys[] = {"user", "system"};
                uint64_t v[2];
                cg_stat_keyed(g, acct, "cpuacct.stat", keys, v, 2);
                tu = v[0];
                ts = v[1];
        }
        cpu_split(s->cpu_usage_usec, tu, ts, &s->cpu_user_usec, &s->cpu_system_usec);

        static const char *const cpu_keys[] = {"nr_periods", "nr_throttled", "throttled_time"};
        uint64_t cpu[3];
        cg_stat_keyed(g, g->dir_fd[CG_CPU], "cpu.stat", cpu_keys, cpu, 3);
        s->cpu_nr_periods = cpu[0];
        s->cpu_nr_throttled = cpu[1];
        s->cpu_throttled_usec = cpu[2] / 1000;
        s->pids_current = cg_stat_u64(g, g->dir_fd[CG_PIDS], "pids.current");
        /* "max N": forks and clones refused because pids.max was reached.  No
         * baseline: the group is new, and a fork bomb may hit the limit before
         * the baseline would be taken (right after spawn). */
        static const char *const max_key[] = {"max"};
        cg_stat_keyed(g, g->dir_fd[CG_PIDS], "pids.events", max_key, &s->pids_max_hits, 1);

        uint64_t kills = oom_kills(g);
        s->oom_kills = kills >= g->base_oom_kill ? kills - g->base_oom_kill : 0;
        /* v1 counts no limit hits (failcnt stays 0 once memsw is set: measured).
         * The evidence that the job's own limit bound is its peak reaching that
         * limit, less the per-CPU charge batch (64 pages) the kernel may hold
         * back; an ancestor's or the host's OOM kills it below its own limit. */
        if (s->oom_kills > 0 && g->limits.memory_max) {
                uint64_t peak = cg_stat_u64(g, mem, "memory.memsw.max_usage_in_bytes");
                if (peak < s->memory_peak_bytes)
                        peak = s->memory_peak_bytes;
                s->oom_own_limit = peak + 2 * 64 * 4096 >= g->limits.memory_max;
        }
        s->oom_own_known = true;
        return 0;
}

static const char *any_dir(struct cg_group *g)
{
        for (size_t i = 0; i < ELEMENTSOF(job_controllers); i++)
                if (g->path[job_controllers[i]])
                        return g->path[job_controllers[i]];
        return NULL;
}

static int v1_group_is_empty(struct cg_group *g)
{
        /* Every job process is in every hierarchy; the memory one is always there. */
        const char *dir = g->path[CG_MEMORY] ? g->path[CG_MEMORY] : any_dir(g);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = cg_read_pids(dir, &pids, &n);
        if (r == -ENOENT)
                return 1;
        if (r < 0)
                return r;
        return n == 0;
}

static int v1_group_kill(struct cg_group *g, int sig)
{
        const char *dir = g->path[CG_MEMORY] ? g->path[CG_MEMORY] : any_dir(g);
        if (!dir)
                return 0;
        if (sig != SIGKILL) {
                int n = cg_signal_procs(dir, sig);
                return n < 0 ? n : 0;
        }
        /* Nothing to kill (the usual teardown after the job exited): skip the
         * freeze, whose toggling costs ~19% of a launch's CPU (docs/performance.md). */
        if (v1_group_is_empty(g) == 1)
                return 0;
        /* Freeze, kill everyone, thaw: frozen processes cannot fork a new member
         * between our read of cgroup.procs and the kills.  Repeat until empty in
         * case a process was mid-fork when the freeze landed. */
        const char *freezer = g->path[CG_FREEZER];
        int fdir = freezer ? open(freezer, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
        int r = 0;
        for (int round = 0; round < 50; round++) {
                if (fdir >= 0) {
                        write_string_at(fdir, "freezer.state", "FROZEN");
                        for (int w = 0; w < 100; w++) {
                                _cleanup_free_ char *state = NULL;
                                if (read_file_at(fdir, "freezer.state", 64, &state, NULL) < 0 ||
                                    strncmp(state, "FROZEN", 6) == 0)
                                        break;
                                usleep(1000);
                        }
                }
                int n = cg_signal_procs(dir, SIGKILL);
                if (fdir >= 0)
                        write_string_at(fdir, "freezer.state", "THAWED");
                if (n <= 0) {
                        r = n < 0 ? n : 0;
                        break;
                }
                usleep(1000);
                if (v1_group_is_empty(g) == 1)
                        break;
        }
        if (fdir >= 0)
                close(fdir);
        return r;
}

const struct cg_ops cg_v1_ops = {
    .manager_open = v1_manager_open,
    .group_create = v1_group_create,
    .group_baseline = v1_group_baseline,
    .group_stats = v1_group_stats,
    .group_is_empty = v1_group_is_empty,
    .group_kill = v1_group_kill,
};
