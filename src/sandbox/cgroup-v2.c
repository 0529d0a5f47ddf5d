/* cgroup-v2.c - the unified-hierarchy backend.
 *
 * corral's parent group lives under the group corral was started in (systemd's
 * Delegate=yes hands a service such a group).  The no-internal-processes rule
 * forbids enabling controllers for children of a group that holds processes, so
 * when that group is not the root, corral first moves itself into a leaf
 * "corral-self" inside it.  Counters come from memory.events.local (this group
 * only: `oom` = hits of its own limit, `oom_kill` = kills by any OOM killer),
 * measured against a baseline taken when the group is created.
 */
#include "cgroup-internal.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_PERIOD_USEC 100000

/* Enables every wanted controller the group offers in its subtree_control. */
static int enable_controllers(const char *dir, const struct cg_layout *l)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NEG_ERRNO();
        _cleanup_free_ char *have = NULL;
        int r = read_file_at(dfd, "cgroup.subtree_control", 4096, &have, NULL);
        if (r < 0)
                return r;
        static const enum cg_controller wanted[] = {CG_MEMORY, CG_CPU, CG_PIDS};
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
                const char *name = cg_controller_to_string(wanted[i]);
                if (!l->available[wanted[i]])
                        continue;
                /* Already enabled?  (space-separated list) */
                bool on = false;
                for (const char *p = have; (p = strstr(p, name)); p += strlen(name))
                        if ((p == have || p[-1] == ' ') &&
                            (p[strlen(name)] == 0 || p[strlen(name)] == ' ' ||
                             p[strlen(name)] == '\n'))
                                on = true;
                if (on)
                        continue;
                char op[32];
                snprintf(op, sizeof(op), "+%s", name);
                r = write_string_at(dfd, "cgroup.subtree_control", op);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v2_manager_open(struct cg_manager *m)
{
        const struct cg_layout *l = m->layout;
        _cleanup_free_ char *home = NULL;
        const char *self = l->v2_self;

        /* A supervisor started by corral already sits in our leaf: its home is
         * the leaf's parent. */
        size_t n = strlen(self), k = strlen("/" SELF_LEAF);
        if (n >= k && strcmp(self + n - k, "/" SELF_LEAF) == 0) {
                home = strndup(self, n - k);
                if (!home)
                        return -ENOMEM;
                if (!*home) {
                        free(home);
                        home = strdup("/");
                        if (!home)
                                return -ENOMEM;
                }
        } else {
                home = strdup(self);
                if (!home)
                        return -ENOMEM;
        }
        _cleanup_free_ char *home_dir = path_join(l->v2_mount, home);
        if (!home_dir)
                return -ENOMEM;

        int r;
        if (strcmp(home, "/") != 0 && strcmp(self, home) == 0) {
                /* Leave the home group so that it may delegate controllers. */
                _cleanup_free_ char *leaf = path_join(home_dir, SELF_LEAF);
                if (!leaf)
                        return -ENOMEM;
                r = cg_mkdir(leaf);
                if (r < 0)
                        return r;
                _cleanup_close_ int lfd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (lfd < 0)
                        return NEG_ERRNO();
                r = write_string_at(lfd, "cgroup.procs", "0");
                if (r < 0)
                        return r;
        }
        /* EBUSY here: other processes share our home group; corral needs a group
         * of its own (see `corral doctor`). */
        r = enable_controllers(home_dir, l);
        if (r < 0)
                return r;

        _cleanup_free_ char *parent = path_join(home_dir, m->parent_name);
        if (!parent)
                return -ENOMEM;
        r = cg_mkdir_parent(parent);
        if (r < 0)
                return r;
        r = enable_controllers(parent, l);
        if (r < 0)
                return r;
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                m->path[c] = strdup(parent);
                if (!m->path[c])
                        return -ENOMEM;
        }
        return 0;
}

static int dir_write_u64(int dfd, const char *file, uint64_t v)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return write_string_at(dfd, file, buf);
}

static int v2_group_create(struct cg_group *g, const struct cg_limits *lim)
{
        int r = cg_mkdir(g->path[CG_MEMORY]);
        if (r < 0)
                return r;
        int dfd = open(g->path[CG_MEMORY], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NEG_ERRNO();
        g->dir_fd[CG_MEMORY] = dfd;
        g->procs_fd[CG_MEMORY] = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (g->procs_fd[CG_MEMORY] < 0)
                return NEG_ERRNO();

        const struct cg_layout *l = g->m->layout;
        if ((lim->memory_max || lim->memory_high) && !l->available[CG_MEMORY])
                return -ENODEV;
        if (lim->memory_max) {
                r = dir_write_u64(dfd, "memory.max", lim->memory_max);
                if (r < 0)
                        return r;
                r = write_string_at(dfd, "memory.swap.max", "0");
                if (r < 0 && r != -ENOENT) /* no swap accounting: nothing to limit */
                        return r;
        }
        if (l->available[CG_MEMORY]) {
                /* One OOM kill takes the whole job: a half-killed job is worse
                 * than a dead one, and the outcome stays unambiguous. */
                r = write_string_at(dfd, "memory.oom.group", "1");
                if (r < 0)
                        return r;
        }
        if (lim->memory_high) {
                r = dir_write_u64(dfd, "memory.high", lim->memory_high);
                if (r < 0)
                        return r;
        }
        if (lim->cpu_millicpus) {
                if (!l->available[CG_CPU])
                        return -ENODEV;
                char buf[64];
                snprintf(buf, sizeof(buf), "%" PRIu64 " %d",
                         lim->cpu_millicpus * CPU_PERIOD_USEC / 1000, CPU_PERIOD_USEC);
                r = write_string_at(dfd, "cpu.max", buf);
                if (r < 0)
                        return r;
        }
        if (lim->pids_max) {
                if (!l->available[CG_PIDS])
                        return -ENODEV;
                r = dir_write_u64(dfd, "pids.max", lim->pids_max);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* memory.events.local appeared in 5.2; before it memory.events is the group's own. */
static const char *events_file(int dfd)
{
        return faccessat(dfd, "memory.events.local", F_OK, 0) == 0 ? "memory.events.local"
                                                                   : "memory.events";
}

/* pids.events.local (6.15+) is this group's own; before it pids.events is. */
static const char *pids_events_file(int dfd)
{
        return faccessat(dfd, "pids.events.local", F_OK, 0) == 0 ? "pids.events.local"
                                                                 : "pids.events";
}

/* oom_kill and oom of the group's own events file (found once, at the
 * baseline: a kernel does not change while the job runs). */
static void oom_counts(struct cg_group *g, uint64_t *ret_kills, uint64_t *ret_ooms)
{
        static const char *const keys[] = {"oom_kill", "oom"};
        uint64_t v[2];
        cg_stat_keyed(g, g->dir_fd[CG_MEMORY], g->events_name, keys, v, 2);
        *ret_kills = v[0];
        *ret_ooms = v[1];
}

static int v2_group_baseline(struct cg_group *g)
{
        int dfd = g->dir_fd[CG_MEMORY];
        g->events_name = events_file(dfd);
        g->pids_events_name = pids_events_file(dfd);
        oom_counts(g, &g->base_oom_kill, &g->base_oom);
        return 0;
}

static int v2_group_stats(struct cg_group *g, struct cg_stats *s)
{
        int dfd = g->dir_fd[CG_MEMORY];
        char buf[64];
        if (cg_stat_read(g, dfd, "memory.peak", buf, sizeof(buf)) >= 0)
                s->memory_peak_bytes = strtoull(buf, NULL, 10);
        if (cg_stat_read(g, dfd, "memory.current", buf, sizeof(buf)) >= 0)
                s->memory_current_bytes = strtoull(buf, NULL, 10);
        static const char *const cpu_keys[] = {"usage_usec", "user_usec",    "system_usec",
                                               "nr_periods", "nr_throttled", "throttled_usec"};
        uint64_t cpu[6];
        cg_stat_keyed(g, dfd, "cpu.stat", cpu_keys, cpu, 6);
        s->cpu_usage_usec = cpu[0];
        s->cpu_user_usec = cpu[1];
        s->cpu_system_usec = cpu[2];
        s->cpu_nr_periods = cpu[3];
        s->cpu_nr_throttled = cpu[4];
        s->cpu_throttled_usec = cpu[5];
        if (cg_stat_read(g, dfd, "pids.current", buf, sizeof(buf)) >= 0)
                s->pids_current = strtoull(buf, NULL, 10);
        /* No baseline: the group is new (see cgroup-v1.c). */
        static const char *const max_key[] = {"max"};
        cg_stat_keyed(g, dfd, g->pids_events_name, max_key, &s->pids_max_hits, 1);

        uint64_t kills, ooms;
        oom_counts(g, &kills, &ooms);
        s->oom_kills = kills >= g->base_oom_kill ? kills - g->base_oom_kill : 0;
        s->oom_own_limit = ooms >= g->base_oom ? ooms - g->base_oom : 0;
        s->oom_own_known = true;
        return 0;
}

static int v2_group_is_empty(struct cg_group *g)
{
        _cleanup_free_ char *events = path_join(g->path[CG_MEMORY], "cgroup.events");
        if (!events)
                return -ENOMEM;
        uint64_t populated = 0;
        int r = read_keyed_u64_at(AT_FDCWD, events, "populated", &populated);
        if (r == -ENOENT)
                return 1;
        if (r < 0)
                return r;
        return populated == 0;
}

static int v2_group_kill(struct cg_group *g, int sig)
{
        const char *dir = g->path[CG_MEMORY];
        if (!dir)
                return 0;
        if (sig != SIGKILL) {
                int n = cg_signal_procs(dir, sig);
                return n < 0 ? n : 0;
        }
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : NEG_ERRNO();
        /* cgroup.kill (5.14+) kills the whole subtree atomically, forks included. */
        int r = write_string_at(dfd, "cgroup.kill", "1");
        if (r != -ENOENT)
                return r;
        /* Older kernels: freeze so nobody forks, kill the members, thaw. */
        write_string_at(dfd, "cgroup.freeze", "1");
        for (int round = 0; round < 50; round++) {
                int n = cg_signal_procs(dir, SIGKILL);
                if (n <= 0)
                        break;
                usleep(1000);
        }
        write_string_at(dfd, "cgroup.freeze", "0");
        return 0;
}

const struct cg_ops cg_v2_ops = {
    .manager_open = v2_manager_open,
    .group_create = v2_group_create,
    .group_baseline = v2_group_baseline,
    .group_stats = v2_group_stats,
    .group_is_empty = v2_group_is_empty,
    .group_kill = v2_group_kill,
};
