/* cgroup-internal.h - what cgroup.c shares with its two backends. Not for other modules. */
#pragma once

#include "cgroup.h"

struct cg_ops {
        /* Creates and configures the parent group(s) in m->path[]. */
        int (*manager_open)(struct cg_manager *m);
        /* Creates g's directories under the parent, applies limits, opens fds. */
        int (*group_create)(struct cg_group *g, const struct cg_limits *limits);
        int (*group_baseline)(struct cg_group *g);
        int (*group_stats)(struct cg_group *g, struct cg_stats *ret);
        int (*group_is_empty)(struct cg_group *g);
        int (*group_kill)(struct cg_group *g, int sig);
};

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

struct cg_manager {
        struct cg_layout *layout;
        const struct cg_ops *ops;
        char *parent_name;
        /* Parent group directory per controller; on v2 every slot holds the same
         * path. NULL where the controller is unusable. */
        char *path[_CG_CONTROLLER_MAX];
        unsigned next_label;
        /* v1: the memory group we were started in, used for every job
         * (cg_manager_use_enclosing_memory); NULL = groups of our own. */
        char *enclosing_memory;
};

#define CG_STAT_FILES_MAX 12

struct cg_group {
        struct cg_manager *m;
        char *name;
        char *path[_CG_CONTROLLER_MAX];
        /* Opened at creation so that the child can join without allocating. */
        int dir_fd[_CG_CONTROLLER_MAX];
        /* Where the child writes "0" to join: cgroup.procs on v2, the
         * thread-level `tasks` file on v1 (cgroup-v1.c says why). */
        int procs_fd[_CG_CONTROLLER_MAX];
        struct cg_limits limits;
        uint64_t base_oom_kill;
        uint64_t base_oom;
        /* v2: the group's own events files, found at the baseline, which
         * cg_group_create takes for every group (cgroup-v2.c). */
        const char *events_name;
        const char *pids_events_name;
        /* Statistics files, opened at their first read and read again with
         * one pread each (cg_stat_read): a supervisor samples them every
         * 0.5 s for its job's whole life. */
        struct cg_stat_file {
                int dir_fd;
                const char *name; /* a string literal */
                int fd;
        } stat_files[CG_STAT_FILES_MAX];
        size_t n_stat_files;
};

/* Helpers shared by the backends (cgroup.c). */

/* The text of the group's statistics file name (a string literal) in dir_fd,
 * NUL-terminated in buf: the file is kept open after its first read and read
 * from offset 0 each time (kernfs regenerates it then).  0 or -errno. */
int cg_stat_read(struct cg_group *g, int dir_fd, const char *name, char *buf, size_t len);
/* One number file; 0 when it cannot be read. */
uint64_t cg_stat_u64(struct cg_group *g, int dir_fd, const char *name);
/* Keys of a flat keyed file ("key value" lines) from one read; a key not
 * found reads 0.  0, or -errno with every value 0. */
int cg_stat_keyed(struct cg_group *g, int dir_fd, const char *name, const char *const *keys,
                  uint64_t *vals, size_t n);
/* Closes the files cg_stat_read kept open. */
void cg_stat_close(struct cg_group *g);

int cg_mkdir(const char *path);
/* cg_mkdir for corral's parent group: execute-only for others (0711), so a
 * job can reach its own group's files but not list its neighbours' groups,
 * whose names carry their job ids.  The mode is set only by root (a
 * delegated parent keeps whatever its owner gave it). */
int cg_mkdir_parent(const char *path);
/* Removes a group directory and every group below it, deepest first. */
int cg_rmdir_tree(const char *path);
/* Reads the pids in a cgroup.procs file; *ret is malloc'ed. */
int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n);
/* Sends sig to each listed process; returns how many there were. */
int cg_signal_procs(const char *dir, int sig);
/* Writes "0" (the caller) into an opened cgroup.procs or tasks file;
 * async-signal-safe. */
int cg_write_self(int procs_fd);
char *path_join(const char *a, const char *b);

/* v2: the leaf corral moves itself into inside its own group (docs/cgroups.md). */
#define SELF_LEAF "corral-self"
