/* cgroup.h - one cgroup per job, on cgroup v2 or on a v1/hybrid host.
 *
 * The layout is detected once (cg_layout_detect) and chooses a backend, an ops
 * table in cgroup-v1.c or cgroup-v2.c; callers never test the version.  corral
 * only ever creates, changes and removes groups below its own parent group
 * (default "corral"): never a group it did not create.
 *
 * Lifecycle, and when each call runs:
 *   parent process                              child (after fork/clone, before exec)
 *   cg_manager_open()      start-up: parent group, stale groups cleaned
 *   cg_group_create()      per job: group + limits + counter baseline
 *                          (v1: while the child builds its namespaces)
 *   cg_group_clone_fd()    v2: for clone3(CLONE_INTO_CGROUP)
 *   cg_group_join_fds()    v1: sent to a child started before its group
 *                                               cg_group_enter_self(),
 *                                               cg_join_fds()  (async-signal-safe)
 *   cg_group_stats()       any time; before teardown for the outcome
 *   cg_group_kill()        timeout, cancel, teardown: the whole group, daemons too
 *   cg_group_destroy()     kill, wait until empty, remove bottom-up
 *
 * Every function returns >= 0 or -errno and does not log.
 */
#pragma once

#include "cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_version { CG_V1 = 1, CG_V2 = 2 };

enum cg_controller {
        CG_MEMORY, /* first: a child joins in this order (cg_group_join_fds) */
        CG_CPU,
        CG_CPUACCT,
        CG_PIDS,
        CG_FREEZER,
        _CG_CONTROLLER_MAX,
};

const char *cg_controller_to_string(enum cg_controller c);

struct cg_layout {
        enum cg_version version;
        char *root; /* "/sys/fs/cgroup" */
        /* v2: the unified mount and our own group relative to it ("/" or "/a/b"). */
        char *v2_mount;
        char *v2_self;
        /* v1: each controller's mount point (NULL when not mounted) and our own
         * group in that hierarchy, from /proc/self/cgroup. */
        char *v1_mount[_CG_CONTROLLER_MAX];
        char *v1_self[_CG_CONTROLLER_MAX];
        /* Usable: mounted (v1), or listed in the parent's cgroup.controllers (v2). */
        bool available[_CG_CONTROLLER_MAX];
};

/* Detects the layout under root (NULL: /sys/fs/cgroup), using statfs for the v2
 * magic and /proc/self/mountinfo for v1 hierarchies. */
int cg_layout_detect(const char *root, struct cg_layout **ret);
void cg_layout_free(struct cg_layout *l);
DEFINE_FREE_FUNC(struct cg_layout, cg_layout_free)

struct cg_manager;

/* Opens (creating when missing) corral's parent group parent_name (NULL:
 * "corral"): under each v1 hierarchy's root, or on v2 under our own delegated
 * group, after moving this process into a leaf when the group must hold
 * controllers.  The parent's name must match [A-Za-z0-9_.-]{1,64}. */
int cg_manager_open(struct cg_layout *layout, const char *parent_name, struct cg_manager **ret);
void cg_manager_free(struct cg_manager *m);
DEFINE_FREE_FUNC(struct cg_manager, cg_manager_free)
const struct cg_layout *cg_manager_layout(const struct cg_manager *m);
/* The parent group's directory for a controller (v2: the one directory). */
const char *cg_manager_path(const struct cg_manager *m, enum cg_controller c);

/* Leaves every job in the memory cgroup this process was started in instead
 * of a memory group of corral's: that group's limit is then the job's, and
 * its OOM kills are counted there.  For `corral run` inside a batch
 * scheduler's step (Slurm's task group): v1's oom_kill counter is not
 * hierarchical, so a kill in a group of corral's below it would be invisible
 * to the scheduler (docs/decisions/slurm-oom-in-step-group.md).  v1
 * only: -EOPNOTSUPP on v2; -ENOENT when that group has no memory limit
 * (nothing would bound the job).  The other controllers keep corral's groups. */
int cg_manager_use_enclosing_memory(struct cg_manager *m);

/* Removes groups left by a corral process that died: every job group whose
 * owner (pid and start time encoded in its name) is gone is killed and removed.
 * Returns the number of groups removed. */
int cg_manager_clean_stale(struct cg_manager *m);
/* Removes the parent group itself when it is empty (tests, uninstall). */
int cg_manager_remove_parent(struct cg_manager *m);

struct cg_limits {
        uint64_t memory_max;    /* bytes, 0 = no limit; swap is always limited to 0 extra */
        uint64_t memory_high;   /* bytes, 0 = none (v2 memory.high; v1 soft limit) */
        uint64_t cpu_millicpus; /* 500 = half a CPU, 0 = no limit */
        uint64_t pids_max;      /* 0 = no limit */
};

struct cg_stats {
        uint64_t memory_peak_bytes; /* v2 memory.peak, v1 max_usage_in_bytes */
        uint64_t memory_current_bytes;
        uint64_t cpu_usage_usec; /* user + system, from the group */
        uint64_t cpu_user_usec;
        uint64_t cpu_system_usec;
        uint64_t cpu_throttled_usec;
        uint64_t cpu_nr_throttled;
        uint64_t cpu_nr_periods;
        uint64_t pids_current;
        /* Forks/clones refused because the group reached pids.max (the
         * kernel's pids.events "max" counter of the job's new group). */
        uint64_t pids_max_hits;
        /* Deltas against the baseline taken at creation. oom_kills: processes in this group killed
         * by any OOM killer.  oom_own_limit: times this group's own limit was hit
         * (v2 memory.events.local "oom"; v1: 1 when the peak reached the limit). */
        uint64_t oom_kills;
        uint64_t oom_own_limit;
        bool oom_own_known; /* false when the kernel does not tell whose limit it was */
};

struct cg_group;

/* Creates the job group parent/<owner-pid>.<owner-starttime>.<label> with the
 * limits applied, and records the counters the outcome is measured against
 * (before any process can enter it: an OOM kill right after exec counts).  label must match
 * [A-Za-z0-9_-]{1,64}; the owner is this process (the supervisor), which is what makes stale groups
 * recognisable. */
int cg_group_create(struct cg_manager *m, const char *label, const struct cg_limits *limits,
                    struct cg_group **ret);
/* Frees the handle only; the group stays (see cg_group_destroy). */
void cg_group_free(struct cg_group *g);
DEFINE_FREE_FUNC(struct cg_group, cg_group_free)
const char *cg_group_name(const struct cg_group *g);
/* The group's path relative to its hierarchy's mount ("/corral/123.456.run-1"),
 * for the memory controller's hierarchy (the one on v2). */
int cg_group_relpath(const struct cg_group *g, char *buf, size_t len);
/* v2: a directory fd for clone3's CLONE_INTO_CGROUP; -EOPNOTSUPP on v1. */
int cg_group_clone_fd(const struct cg_group *g);
/* Whether a child can start inside its group (v2: clone3 with
 * CLONE_INTO_CGROUP), so the group must exist before the clone.  Without it
 * (v1) the child joins by itself, and the group can be made while the child
 * starts (child.h, make_group). */
bool cg_manager_clone_into(const struct cg_manager *m);
/* The fds a process joins the group through (cg_group_enter_self's), in its
 * order, memory first: for a child started before the group existed, which
 * is sent them and joins with cg_join_fds().  Returns how many (at most
 * _CG_CONTROLLER_MAX); they stay the group's. */
size_t cg_group_join_fds(const struct cg_group *g, int fds[_CG_CONTROLLER_MAX]);
/* In the child: joins through fds from cg_group_join_fds. Async-signal-safe. */
int cg_join_fds(const int *fds, size_t n);
/* In the child before exec: moves the calling process into the group in every
 * hierarchy through fds opened by cg_group_create. Async-signal-safe.  The
 * caller must have one thread (a fresh clone child): on v1 it moves the
 * calling thread, which is then the whole process. */
int cg_group_enter_self(const struct cg_group *g);
int cg_group_stats(struct cg_group *g, struct cg_stats *ret);
/* The memory limit the group's processes have: the one asked for, or the
 * enclosing group's (cg_manager_use_enclosing_memory).  0 = none. */
uint64_t cg_group_memory_max(const struct cg_group *g);
/* True when no process is left in the group. */
int cg_group_is_empty(struct cg_group *g);
/* Kills every process in the group (v2 cgroup.kill, else freeze + SIGKILL
 * until empty), including double-forked, setsid'ed daemons. sig other than
 * SIGKILL is sent to every member without freezing (graceful cancel). */
int cg_group_kill(struct cg_group *g, int sig);
/* Kills what is left, waits (bounded) until empty and removes the group.
 * NULL: nothing to do (0). */
int cg_group_destroy(struct cg_group *g);
