/* cgroup.c - cgroup layout detection, corral's parent group, job group lifecycle.
 *
 * The version-specific work lives in cgroup-v1.c and cgroup-v2.c behind an ops
 * table chosen once from the detected layout.  This file owns the naming rules
 * that make corral's groups recognisable (and so never confused with anyone
 * else's): job groups are <parent>/<owner-pid>.<owner-starttime>.<label>, and a
 * group whose owner is gone is stale.
 */
#include "cgroup-internal.h"
#include "cleanup.h"
#include "fileio.h"
#include "names.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char *const controller_names[_CG_CONTROLLER_MAX] = {
    [CG_MEMORY] = "memory", [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",
    [CG_PIDS] = "pids",     [CG_FREEZER] = "freezer",
};

const char *cg_controller_to_string(enum cg_controller c)
{
        return c < _CG_CONTROLLER_MAX ? controller_names[c] : NULL;
}

char *path_join(const char *a, const char *b)
{
        char *s;
        while (*b == '/')
                b++;
        size_t la = strlen(a);
        bool slash = la > 0 && a[la - 1] == '/';
        if (asprintf(&s, "%s%s%s", a, slash || !*b ? "" : "/", b) < 0)
                return NULL;
        return s;
}

void cg_layout_free(struct cg_layout *l)
{
        if (!l)
                return;
        free(l->root);
        free(l->v2_mount);
        free(l->v2_self);
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                free(l->v1_mount[c]);
                free(l->v1_self[c]);
        }
        free(l);
}

/* Whether a comma-separated list ("cpu,cpuacct") has the word want. */
static bool list_has(const char *list, const char *want)
{
        size_t n = strlen(want);
        for (const char *t = list; t && *t;) {
                const char *comma = strchr(t, ',');
                if ((comma ? (size_t)(comma - t) : strlen(t)) == n && strncmp(t, want, n) == 0)
                        return true;
                t = comma ? comma + 1 : NULL;
        }
        return false;
}

/* Splits a /proc/self/cgroup line ("id:controllers:path") in place; false
 * when it is not one. */
static bool split_cgroup_line(char *line, char **ret_ctrls, char **ret_path)
{
        char *ctrls = strchr(line, ':');
        char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
        if (!path)
                return false;
        *ctrls++ = 0;
        *path++ = 0;
        *ret_ctrls = ctrls;
        *ret_path = path;
        return true;
}

/* Our group in the unified hierarchy ("0::/path") or, for v1, in the hierarchy
 * whose controller list contains want; text is /proc/self/cgroup's. */
static int self_cgroup_in(const char *text, const char *want, char **ret)
{
        _cleanup_free_ char *buf = strdup(text);
        if (!buf)
                return -ENOMEM;
        char *save = NULL, *ctrls, *path;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!split_cgroup_line(line, &ctrls, &path))
                        continue;
                if (want ? list_has(ctrls, want) : *ctrls == 0 && strcmp(line, "0") == 0) {
                        *ret = strdup(path);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

static int read_self_cgroup(char **ret)
{
        return read_file("/proc/self/cgroup", 1 << 16, ret, NULL);
}

/* A file of controller c that every group of its hierarchy has, the root
 * included, so that another hierarchy mounted in its place lacks it (the
 * roots of pids and freezer have none of theirs). */
static const char *const root_marker[_CG_CONTROLLER_MAX] = {
    [CG_MEMORY] = "memory.limit_in_bytes",
    [CG_CPU] = "cpu.shares",
    [CG_CPUACCT] = "cpuacct.usage",
};

/* v1, the usual layout, found without /proc/self/mountinfo (the kernel's
 * generation of it costs every launch ~0.1 ms, docs/performance.md): each
 * hierarchy that /proc/self/cgroup lists mounted at root/<its controllers>
 * ("memory", or "cpu,cpuacct" together, as systemd mounts them), a cgroup
 * filesystem with that controller's files.  0, or -ENOENT when
 * any of it does not hold: detect_v1 then reads the mount table. */
static int detect_v1_usual(struct cg_layout *l, const char *self)
{
        _cleanup_free_ char *text = strdup(self);
        if (!text)
                return -ENOMEM;
        char *save = NULL, *ctrls, *path;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!split_cgroup_line(line, &ctrls, &path))
                        return -ENOENT;
                _cleanup_free_ char *mnt = NULL;
                for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                        if (!list_has(ctrls, controller_names[c]))
                                continue;
                        if (!mnt) {
                                struct statfs sfs;
                                mnt = path_join(l->root, ctrls);
                                if (!mnt)
                                        return -ENOMEM;
                                if (statfs(mnt, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
                                        return -ENOENT;
                        }
                        char marker[PATH_MAX];
                        if (root_marker[c] && (snprintf(marker, sizeof(marker), "%s/%s", mnt,
                                                        root_marker[c]) >= (int)sizeof(marker) ||
                                               access(marker, F_OK) < 0))
                                return -ENOENT;
                        l->v1_mount[c] = strdup(mnt);
                        l->v1_self[c] = strdup(path);
                        if (!l->v1_mount[c] || !l->v1_self[c])
                                return -ENOMEM;
                        l->available[c] = true;
                }
        }
        return 0;
}

static void forget_v1(struct cg_layout *l)
{
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                free(l->v1_mount[c]);
                free(l->v1_self[c]);
                l->v1_mount[c] = l->v1_self[c] = NULL;
                l->available[c] = false;
        }
}

/* v1: each controller's mount point, limited to mounts below root ("cpu" and
 * "cpuacct" may be separate mounts or one): as usual (detect_v1_usual), or
 * from /proc/self/mountinfo. */
static int detect_v1(struct cg_layout *l)
{
        /* Our group in each hierarchy; "/" where it cannot be read. */
        _cleanup_free_ char *self = NULL;
        if (read_self_cgroup(&self) < 0)
                self = NULL;
        if (self) {
                int r = detect_v1_usual(l, self);
                if (r != -ENOENT)
                        return r;
                forget_v1(l);
        }
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return NEG_ERRNO();
        char line[4096];
        size_t rootlen = strlen(l->root);
        while (fgets(line, sizeof(line), f)) {
                /* id parent maj:min root mountpoint opts ... - fstype source superopts */
                char mnt[1024], fstype[64], superopts[1024];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, superopts) != 2)
                        continue;
                if (strcmp(fstype, "cgroup") != 0 || strncmp(mnt, l->root, rootlen) != 0)
                        continue;
                char *save = NULL;
                for (char *tok = strtok_r(superopts, ",", &save); tok;
                     tok = strtok_r(NULL, ",", &save)) {
                        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                                if (strcmp(tok, controller_names[c]) != 0 || l->v1_mount[c])
                                        continue;
                                l->v1_mount[c] = strdup(mnt);
                                if (!l->v1_mount[c])
                                        return -ENOMEM;
                                l->available[c] = true;
                                if (!self ||
                                    self_cgroup_in(self, controller_names[c], &l->v1_self[c]) < 0)
                                        l->v1_self[c] = strdup("/");
                        }
                }
        }
        return 0;
}

/* v2: a controller is usable when our group's parent lists it in
 * cgroup.controllers (we create our parent group beside or below ourselves). */
static int detect_v2(struct cg_layout *l)
{
        l->v2_mount = strdup(l->root);
        if (!l->v2_mount)
                return -ENOMEM;
        _cleanup_free_ char *text = NULL;
        int r = read_self_cgroup(&text);
        if (r >= 0)
                r = self_cgroup_in(text, NULL, &l->v2_self);
        if (r < 0)
                return r;
        _cleanup_free_ char *self = path_join(l->v2_mount, l->v2_self);
        _cleanup_free_ char *controllers = NULL;
        if (!self)
                return -ENOMEM;
        _cleanup_close_ int dfd = open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NEG_ERRNO();
        r = read_file_at(dfd, "cgroup.controllers", 4096, &controllers, NULL);
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *tok = strtok_r(controllers, " \n", &save); tok;
             tok = strtok_r(NULL, " \n", &save))
                for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                        if (strcmp(tok, controller_names[c]) == 0)
                                l->available[c] = true;
        /* cpuacct's figures are part of v2's cpu.stat; the freezer is cgroup.freeze,
         * always present. */
        l->available[CG_CPUACCT] = true;
        l->available[CG_FREEZER] = true;
        return 0;
}

int cg_layout_detect(const char *root, struct cg_layout **ret)
{
        _cleanup_(cg_layout_freep) struct cg_layout *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->root = strdup(root ? root : "/sys/fs/cgroup");
        if (!l->root)
                return -ENOMEM;

        struct statfs sfs;
        if (statfs(l->root, &sfs) < 0)
                return NEG_ERRNO();
        int r;
        if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
                l->version = CG_V2;
                r = detect_v2(l);
        } else {
                l->version = CG_V1;
                r = detect_v1(l);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* corral's parent group ("corral" unless configured): [A-Za-z0-9_.-]{1,64}, not "." or "..". */
static const struct name_rules parent_name_rules = {.extra = "_.-", .max = 64};
/* A job's group label: [A-Za-z0-9_-]{1,64}. */
static const struct name_rules label_rules = {.extra = "_-", .max = 64};

void cg_manager_free(struct cg_manager *m)
{
        if (!m)
                return;
        cg_layout_free(m->layout);
        free(m->parent_name);
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                free(m->path[c]);
        free(m->enclosing_memory);
        free(m);
}

int cg_manager_use_enclosing_memory(struct cg_manager *m)
{
        const struct cg_layout *l = m->layout;
        if (l->version != CG_V1)
                return -EOPNOTSUPP;
        if (!l->v1_mount[CG_MEMORY] || !l->v1_self[CG_MEMORY] ||
            strcmp(l->v1_self[CG_MEMORY], "/") == 0)
                return -ENOENT;
        _cleanup_free_ char *dir = path_join(l->v1_mount[CG_MEMORY], l->v1_self[CG_MEMORY]);
        if (!dir)
                return -ENOMEM;
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        uint64_t limit;
        /* The limit that binds may be an ancestor's (Slurm limits the step's
         * and the job's groups, not the task's): memory.stat says the least. */
        int r = read_keyed_u64_at(fd, "memory.stat", "hierarchical_memory_limit", &limit);
        if (r < 0)
                return r;
        /* "No limit" reads as PAGE_COUNTER_MAX pages: far above any host's memory. */
        if (limit >= (UINT64_C(1) << 62))
                return -ENOENT;
        free(m->enclosing_memory);
        m->enclosing_memory = TAKE_PTR(dir);
        return 0;
}

int cg_manager_open(struct cg_layout *layout, const char *parent_name, struct cg_manager **ret)
{
        if (!parent_name)
                parent_name = "corral";
        if (!name_ok(parent_name, &parent_name_rules))
                return -EINVAL;
        _cleanup_(cg_manager_freep) struct cg_manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->parent_name = strdup(parent_name);
        if (!m->parent_name)
                return -ENOMEM;
        m->ops = layout->version == CG_V2 ? &cg_v2_ops : &cg_v1_ops;
        m->layout = layout;
        int r = m->ops->manager_open(m);
        if (r < 0) {
                m->layout = NULL; /* still the caller's on failure */
                return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

const struct cg_layout *cg_manager_layout(const struct cg_manager *m)
{
        return m->layout;
}

const char *cg_manager_path(const struct cg_manager *m, enum cg_controller c)
{
        return c < _CG_CONTROLLER_MAX ? m->path[c] : NULL;
}

int cg_mkdir(const char *path)
{
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return NEG_ERRNO();
        return 0;
}

int cg_mkdir_parent(const char *path)
{
        /* Every launch opens the parent: one stat when it is there as it
         * should be, rather than a mkdir and a chmod in each hierarchy. */
        bool root = geteuid() == 0;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (!root || (st.st_mode & 07777) == 0711))
                return 0;
        int r = cg_mkdir(path);
        if (r < 0)
                return r;
        if (root && chmod(path, 0711) < 0)
                return NEG_ERRNO();
        return 0;
}

int cg_rmdir_tree(const char *path)
{
        /* The usual case, a group with none below it, needs no listing. */
        if (rmdir(path) == 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return NEG_ERRNO();
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : NEG_ERRNO();
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *sub = path_join(path, de->d_name);
                if (!sub)
                        return -ENOMEM;
                int r = cg_rmdir_tree(sub);
                if (r < 0)
                        return r;
        }
        if (rmdir(path) < 0 && errno != ENOENT)
                return NEG_ERRNO();
        return 0;
}

int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n)
{
        _cleanup_free_ char *procs = path_join(dir, "cgroup.procs");
        _cleanup_free_ char *buf = NULL;
        if (!procs)
                return -ENOMEM;
        int r = read_file(procs, 1 << 24, &buf, NULL);
        if (r < 0)
                return r;
        size_t n = 0, cap = 16;
        _cleanup_free_ pid_t *pids = malloc(cap * sizeof(pid_t));
        if (!pids)
                return -ENOMEM;
        for (char *p = buf; *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (n == cap) {
                        cap *= 2;
                        pid_t *np = realloc(pids, cap * sizeof(pid_t));
                        if (!np)
                                return -ENOMEM;
                        pids = np;
                }
                pids[n++] = (pid_t)v;
                p = end;
                while (*p == '\n')
                        p++;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

int cg_signal_procs(const char *dir, int sig)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = cg_read_pids(dir, &pids, &n);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        for (size_t i = 0; i < n; i++)
                kill(pids[i], sig);
        return (int)n;
}

int cg_write_self(int procs_fd)
{
        if (procs_fd < 0)
                return 0;
        if (write(procs_fd, "0", 1) != 1)
                return NEG_ERRNO();
        return 0;
}

/* Parses "<pid>.<starttime>.<label>"; anything else is not a job group of ours. */
static bool parse_group_owner(const char *name, pid_t *ret_pid, uint64_t *ret_start)
{
        char *end;
        errno = 0;
        long pid = strtol(name, &end, 10);
        if (errno || end == name || *end != '.' || pid <= 0)
                return false;
        const char *s = end + 1;
        unsigned long long st = strtoull(s, &end, 10);
        if (errno || end == s || *end != '.')
                return false;
        *ret_pid = (pid_t)pid;
        *ret_start = st;
        return true;
}

/* Owners found alive in this sweep: a job group has the same name in every
 * hierarchy (5 on v1), and each /proc read costs; with 1,000 jobs running a
 * sweep read /proc 5,000 times.  A small open-addressing set of names. */
struct alive_set {
        char **v;
        size_t cap, n;
};

static uint64_t name_hash(const char *s)
{
        uint64_t h = 1469598103934665603ull;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return h;
}

static bool alive_has(const struct alive_set *a, const char *name)
{
        if (a->cap == 0)
                return false;
        for (size_t i = name_hash(name) & (a->cap - 1); a->v[i]; i = (i + 1) & (a->cap - 1))
                if (strcmp(a->v[i], name) == 0)
                        return true;
        return false;
}

/* Best effort: a name not remembered is only checked again. */
static void alive_add(struct alive_set *a, const char *name)
{
        if ((a->n + 1) * 2 > a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 256;
                char **v = calloc(cap, sizeof(*v));
                if (!v)
                        return;
                for (size_t k = 0; k < a->cap; k++) {
                        if (!a->v[k])
                                continue;
                        size_t i = name_hash(a->v[k]) & (cap - 1);
                        while (v[i])
                                i = (i + 1) & (cap - 1);
                        v[i] = a->v[k];
                }
                free(a->v);
                a->v = v;
                a->cap = cap;
        }
        char *copy = strdup(name);
        if (!copy)
                return;
        size_t i = name_hash(name) & (a->cap - 1);
        while (a->v[i])
                i = (i + 1) & (a->cap - 1);
        a->v[i] = copy;
        a->n++;
}

static void alive_done(struct alive_set *a)
{
        for (size_t k = 0; k < a->cap; k++)
                free(a->v[k]);
        free(a->v);
}

int cg_manager_clean_stale(struct cg_manager *m)
{
        int removed = 0;
        _cleanup_(alive_done) struct alive_set alive = {0};
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                if (!m->path[c])
                        continue;
                /* v2 and co-mounted v1 hierarchies repeat a path: visit once. */
                bool seen = false;
                for (int p = 0; p < c; p++)
                        if (m->path[p] && strcmp(m->path[p], m->path[c]) == 0)
                                seen = true;
                if (seen)
                        continue;
                _cleanup_closedir_ DIR *d = opendir(m->path[c]);
                if (!d)
                        continue;
                struct dirent *de;
                while ((de = readdir(d))) {
                        pid_t pid;
                        uint64_t start;
                        if (de->d_type != DT_DIR || !parse_group_owner(de->d_name, &pid, &start))
                                continue;
                        if (alive_has(&alive, de->d_name))
                                continue;
                        if (proc_alive(pid, start)) {
                                alive_add(&alive, de->d_name);
                                continue;
                        }
                        _cleanup_free_ char *path = path_join(m->path[c], de->d_name);
                        if (!path)
                                return -ENOMEM;
                        /* The owner died: whatever still runs there is an orphan.
                         * Kill it through every hierarchy the group exists in (the
                         * freezer too, which may have been left frozen). */
                        struct cg_group g = {.m = m, .name = de->d_name};
                        for (int k = 0; k < _CG_CONTROLLER_MAX; k++) {
                                g.dir_fd[k] = g.procs_fd[k] = -EBADF;
                                g.path[k] = m->path[k] ? path_join(m->path[k], de->d_name) : NULL;
                                if (g.path[k] && access(g.path[k], F_OK) != 0) {
                                        free(g.path[k]);
                                        g.path[k] = NULL;
                                }
                        }
                        (void)m->ops->group_kill(&g, SIGKILL);
                        for (int k = 0; k < _CG_CONTROLLER_MAX; k++) {
                                for (int tries = 0;
                                     g.path[k] && tries < 100 && cg_rmdir_tree(g.path[k]) == -EBUSY;
                                     tries++)
                                        usleep(10000);
                                free(g.path[k]);
                        }
                        if (access(path, F_OK) != 0)
                                removed++;
                }
        }
        return removed;
}

int cg_manager_remove_parent(struct cg_manager *m)
{
        int r = 0;
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                if (!m->path[c])
                        continue;
                if (rmdir(m->path[c]) < 0 && errno != ENOENT && r == 0)
                        r = NEG_ERRNO();
        }
        return r;
}

int cg_stat_read(struct cg_group *g, int dir_fd, const char *name, char *buf, size_t len)
{
        if (dir_fd < 0 || len == 0)
                return -EBADF;
        struct cg_stat_file *f = NULL;
        for (size_t i = 0; i < g->n_stat_files && !f; i++)
                if (g->stat_files[i].dir_fd == dir_fd && strcmp(g->stat_files[i].name, name) == 0)
                        f = &g->stat_files[i];
        int once = -EBADF; /* no room to keep it: read it the old way */
        if (!f) {
                int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return NEG_ERRNO();
                if (g->n_stat_files < CG_STAT_FILES_MAX) {
                        f = &g->stat_files[g->n_stat_files++];
                        *f = (struct cg_stat_file){.dir_fd = dir_fd, .name = name, .fd = fd};
                } else
                        once = fd;
        }
        ssize_t n = pread(f ? f->fd : once, buf, len - 1, 0);
        int e = errno;
        if (once >= 0)
                close(once);
        if (n < 0)
                return -e;
        buf[n] = 0;
        return 0;
}

uint64_t cg_stat_u64(struct cg_group *g, int dir_fd, const char *name)
{
        char buf[64];
        if (cg_stat_read(g, dir_fd, name, buf, sizeof(buf)) < 0)
                return 0;
        return strtoull(buf, NULL, 10);
}

int cg_stat_keyed(struct cg_group *g, int dir_fd, const char *name, const char *const *keys,
                  uint64_t *vals, size_t n)
{
        for (size_t i = 0; i < n; i++)
                vals[i] = 0;
        char buf[4096]; /* cpu.stat, memory.events, pids.events: a few lines */
        int r = cg_stat_read(g, dir_fd, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        for (char *line = buf; *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char *sp = strchr(line, ' ');
                for (size_t i = 0; sp && i < n; i++)
                        if ((size_t)(sp - line) == strlen(keys[i]) &&
                            strncmp(line, keys[i], (size_t)(sp - line)) == 0)
                                vals[i] = strtoull(sp + 1, NULL, 10);
                if (!next)
                        break;
                line = next;
        }
        return 0;
}

void cg_stat_close(struct cg_group *g)
{
        for (size_t i = 0; i < g->n_stat_files; i++)
                close(g->stat_files[i].fd);
        g->n_stat_files = 0;
}

void cg_group_free(struct cg_group *g)
{
        if (!g)
                return;
        cg_stat_close(g);
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                free(g->path[c]);
                closep(&g->dir_fd[c]);
                closep(&g->procs_fd[c]);
        }
        free(g->name);
        free(g);
}

int cg_group_create(struct cg_manager *m, const char *label, const struct cg_limits *limits,
                    struct cg_group **ret)
{
        if (!name_ok(label, &label_rules))
                return -EINVAL;
        uint64_t start;
        int r = proc_starttime(getpid(), &start);
        if (r < 0)
                return r;
        _cleanup_(cg_group_freep) struct cg_group *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->m = m;
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                g->dir_fd[c] = g->procs_fd[c] = -EBADF;
        if (asprintf(&g->name, "%d.%" PRIu64 ".%s", (int)getpid(), start, label) < 0) {
                g->name = NULL;
                return -ENOMEM;
        }
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                /* The enclosing memory group is not ours: no path, so it is
                 * never entered, signalled as a whole or removed. */
                if (!m->path[c] || (c == CG_MEMORY && m->enclosing_memory))
                        continue;
                g->path[c] = path_join(m->path[c], g->name);
                if (!g->path[c])
                        return -ENOMEM;
        }
        g->limits = *limits;
        r = m->ops->group_create(g, limits);
        if (r == -ENOENT) {
                /* Another corral process removed our (then empty) parent: set it
                 * up again and retry once. */
                for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                        free(m->path[c]);
                        m->path[c] = NULL;
                }
                r = m->ops->manager_open(m);
                if (r >= 0)
                        r = m->ops->group_create(g, limits);
        }
        if (r < 0) {
                for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                        if (g->path[c])
                                cg_rmdir_tree(g->path[c]);
                return r;
        }
        /* The baseline is taken now, while the group is still empty: taken
         * after the spawn, it could already hold the job's OOM kill (a job
         * reaches a 32 MiB limit ~50 ms after exec, and a loaded parent may
         * not run for longer), and the kill would count as the baseline,
         * reported as a plain SIGKILL with oom_kills 0. */
        r = m->ops->group_baseline(g);
        if (r < 0) {
                for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                        if (g->path[c])
                                cg_rmdir_tree(g->path[c]);
                return r;
        }
        *ret = TAKE_PTR(g);
        return 0;
}

const char *cg_group_name(const struct cg_group *g)
{
        return g->name;
}

int cg_group_relpath(const struct cg_group *g, char *buf, size_t len)
{
        const struct cg_layout *l = g->m->layout;
        const char *mnt = l->version == CG_V2 ? l->v2_mount : l->v1_mount[CG_MEMORY];
        const char *path = g->path[CG_MEMORY];
        if (!mnt || !path || strncmp(path, mnt, strlen(mnt)) != 0)
                return -ENOENT;
        if (snprintf(buf, len, "%s", path + strlen(mnt)) >= (int)len)
                return -ENAMETOOLONG;
        return 0;
}

int cg_group_clone_fd(const struct cg_group *g)
{
        if (g->m->layout->version != CG_V2)
                return -EOPNOTSUPP;
        return g->dir_fd[CG_MEMORY] >= 0 ? g->dir_fd[CG_MEMORY] : -EBADF;
}

bool cg_manager_clone_into(const struct cg_manager *m)
{
        return m->layout->version == CG_V2;
}

size_t cg_group_join_fds(const struct cg_group *g, int fds[_CG_CONTROLLER_MAX])
{
        /* The controllers' own order, memory first (a process is charged
         * before it can allocate much); v2 has the one fd. */
        size_t n = 0;
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                if (g->procs_fd[c] >= 0)
                        fds[n++] = g->procs_fd[c];
        return n;
}

int cg_join_fds(const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = cg_write_self(fds[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cg_group_enter_self(const struct cg_group *g)
{
        int fds[_CG_CONTROLLER_MAX];
        return cg_join_fds(fds, cg_group_join_fds(g, fds));
}

int cg_group_stats(struct cg_group *g, struct cg_stats *ret)
{
        struct cg_stats s = {0};
        int r = g->m->ops->group_stats(g, &s);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

uint64_t cg_group_memory_max(const struct cg_group *g)
{
        return g->limits.memory_max;
}

int cg_group_is_empty(struct cg_group *g)
{
        return g->m->ops->group_is_empty(g);
}

int cg_group_kill(struct cg_group *g, int sig)
{
        return g->m->ops->group_kill(g, sig);
}

int cg_group_destroy(struct cg_group *g)
{
        if (!g)
                return 0; /* never made (a launch that failed before it) */
        /* Usually the job has ended and the group is empty: nothing to kill,
         * and removing it is the test (EBUSY while a process is left), with
         * no read of its members first.  Otherwise killed processes leave the
         * group once the kernel has reaped their memory; that takes
         * milliseconds, so wait a bounded while. */
        int first = 0;
        while (first < _CG_CONTROLLER_MAX && !g->path[first])
                first++;
        bool removed = first < _CG_CONTROLLER_MAX && rmdir(g->path[first]) == 0;
        int r = 0;
        for (int tries = 0; tries < 500 && !removed; tries++) {
                int e = cg_group_is_empty(g);
                if (e == 1)
                        break;
                if (e < 0 || tries % 50 == 0) {
                        int k = cg_group_kill(g, SIGKILL);
                        if (r >= 0)
                                r = k;
                }
                if (e < 0)
                        break;
                usleep(2000);
        }
        cg_stat_close(g); /* their fds: the group's directory goes */
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                if (!g->path[c])
                        continue;
                closep(&g->dir_fd[c]);
                g->dir_fd[c] = -EBADF;
                closep(&g->procs_fd[c]);
                g->procs_fd[c] = -EBADF;
                if (removed && c == first)
                        continue;
                int k = cg_rmdir_tree(g->path[c]);
                if (k == -ENOENT)
                        k = 0;
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r < 0 ? r : 0;
}
