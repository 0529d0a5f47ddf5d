/* gov-measure.c - memory, CPU and pressure of the host, bounded by the limits of
 * the cgroup corral runs in (see gov-measure.h).
 *
 * Every path is opened relative to a root directory fd, so a fixture tree stands
 * in for "/" in unit tests.  corral's own groups are found the way the kernel
 * describes them: /proc/self/cgroup gives the group path within each hierarchy,
 * /proc/self/mountinfo where that hierarchy is mounted and which part of it
 * (field 4, "root": a container sees only its own subtree).
 */
#include "gov-measure.h"
#include "cleanup.h"
#include "fileio.h"
#include "units.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN 512

/* One hierarchy's view of corral's own group, as paths relative to the root fd
 * ("sys/fs/cgroup/memory/process_api/x"). */
struct own_group {
        int version;          /* 0: not found, 1 or 2 */
        char mount[PATH_LEN]; /* the hierarchy's mount point */
        char dir[PATH_LEN];   /* our group's directory under it */
};

struct sample {
        uint64_t t_usec;
        uint64_t host_busy, host_total; /* jiffies */
        bool group_known;
        uint64_t group_usage_usec;
};

struct gov_measure {
        int rootfd;
        struct own_group memory, cpu, cpuacct;
        struct sample samples[GOV_MAX_SAMPLES];
        size_t n_samples;
};

const char *gov_source_to_string(enum gov_source s)
{
        switch (s) {
        case GOV_SOURCE_HOST:
                return "host";
        case GOV_SOURCE_CGROUP_V1:
                return "cgroup-v1";
        case GOV_SOURCE_CGROUP_V2:
                return "cgroup-v2";
        default:
                return "none";
        }
}

const char *gov_resource_to_string(enum gov_resource r)
{
        static const char *const names[] = {"memory", "cpu", "io"};
        return r < _GOV_PSI_MAX ? names[r] : "?";
}

/* "/a/b" -> "a/b"; "/" -> "." so that openat() accepts it. */
static const char *rel(const char *abs)
{
        while (*abs == '/')
                abs++;
        return *abs ? abs : ".";
}

/* Is word one of the comma-separated tokens of list? */
static bool has_token(const char *list, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = list; p && *p;) {
                const char *c = strchr(p, ',');
                size_t len = c ? (size_t)(c - p) : strlen(p);
                if (len == n && strncmp(p, word, n) == 0)
                        return true;
                p = c ? c + 1 : NULL;
        }
        return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

/* Finds the mount of the v1 hierarchy holding controller (version 1) or the v2
 * mount (version 2, controller ignored): its mount point and mounted root. */
static int find_mount(const char *mountinfo, int version, const char *controller, char *ret_mount,
                      char *ret_root)
{
        _cleanup_free_ char *copy = strdup(mountinfo);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
                char *sep = strstr(line, " - ");
                if (!sep)
                        continue;
                /* Most lines are not cgroup mounts: skip them before sscanf, which
                 * was most of a supervisor's own work before its job started
                 * (callgrind; every submit and supervisor measures). */
                if (strncmp(sep + 3, "cgroup", 6) != 0)
                        continue;
                *sep = 0;
                char fstype[64], source[256], superopts[512] = "";
                if (sscanf(sep + 3, "%63s %255s %511s", fstype, source, superopts) < 2)
                        continue;
                char root[PATH_LEN], mnt[PATH_LEN];
                if (sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) != 2)
                        continue;
                bool match = version == 2 ? strcmp(fstype, "cgroup2") == 0
                                          : strcmp(fstype, "cgroup") == 0 &&
                                                has_token(superopts, controller);
                if (!match)
                        continue;
                unescape_octal(root);
                unescape_octal(mnt);
                strcpy(ret_mount, mnt);
                strcpy(ret_root, root);
                return 0;
        }
        return -ENOENT;
}

/* Locates our own group for controller (v1 first, then v2) from the contents of
 * /proc/self/cgroup and mountinfo.  Leaves g->version 0 when there is none. */
static void find_own_group(const char *cgroup, const char *mountinfo, const char *controller,
                           struct own_group *g)
{
        memset(g, 0, sizeof(*g));
        _cleanup_free_ char *copy = strdup(cgroup);
        if (!copy)
                return;
        char v1_path[PATH_LEN] = "", v2_path[PATH_LEN] = "";
        bool have_v1 = false, have_v2 = false;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* hierarchy-id:controller-list:path */
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2 || strlen(c2 + 1) >= PATH_LEN)
                        continue;
                *c1 = 0;
                *c2 = 0;
                const char *ctls = c1 + 1, *path = c2 + 1;
                if (strcmp(line, "0") == 0 && *ctls == 0) {
                        snprintf(v2_path, sizeof(v2_path), "%s", path);
                        have_v2 = true;
                } else if (has_token(ctls, controller)) {
                        snprintf(v1_path, sizeof(v1_path), "%s", path);
                        have_v1 = true;
                }
        }
        for (int version = 1; version <= 2; version++) {
                const char *path = version == 1 ? v1_path : v2_path;
                if (!(version == 1 ? have_v1 : have_v2))
                        continue;
                char mnt[PATH_LEN], root[PATH_LEN];
                if (find_mount(mountinfo, version, controller, mnt, root) < 0)
                        continue;
                /* The group path is relative to the hierarchy's root; the mount shows
                 * the subtree at `root`.  Under a cgroup namespace the path is
                 * already relative to the mount. */
                size_t rl = strlen(root);
                const char *tail = path;
                if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0 &&
                    (path[rl] == '/' || path[rl] == 0))
                        tail = path + rl;
                g->version = version;
                snprintf(g->mount, sizeof(g->mount), "%s", rel(mnt));
                int n = snprintf(g->dir, sizeof(g->dir), "%s%s", rel(mnt),
                                 strcmp(tail, "/") == 0 ? "" : tail);
                if (n >= (int)sizeof(g->dir))
                        g->version = 0;
                return;
        }
}

int gov_measure_new(const char *root, struct gov_measure **ret)
{
        _cleanup_close_ int fd = open(root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        struct gov_measure *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;

        /* Without either file corral simply is not limited by a group of its own. */
        _cleanup_free_ char *cgroup = NULL, *mountinfo = NULL;
        if (read_file_at(fd, "proc/self/cgroup", 1 << 16, &cgroup, NULL) >= 0 &&
            read_file_at(fd, "proc/self/mountinfo", 1 << 20, &mountinfo, NULL) >= 0) {
                find_own_group(cgroup, mountinfo, "memory", &m->memory);
                find_own_group(cgroup, mountinfo, "cpu", &m->cpu);
                find_own_group(cgroup, mountinfo, "cpuacct", &m->cpuacct);
        }
        m->rootfd = TAKE_FD(fd);
        *ret = m;
        return 0;
}

void gov_measure_free(struct gov_measure *m)
{
        if (!m)
                return;
        if (m->rootfd >= 0)
                close(m->rootfd);
        free(m);
}

/* Cuts the last component of dir; false once dir is the mount point itself. */
static bool parent_dir(char *dir, const char *mount)
{
        if (strlen(dir) <= strlen(mount))
                return false;
        char *slash = strrchr(dir, '/');
        if (!slash)
                return false;
        *slash = 0;
        return strlen(dir) >= strlen(mount);
}

static void display_path(char *buf, size_t len, const char *relpath)
{
        /* A path longer than buf is cut: it is only displayed. */
        const char *p = strcmp(relpath, ".") == 0 ? "" : relpath;
        size_t n = strlen(p);
        if (len < 2)
                return;
        if (n > len - 2)
                n = len - 2;
        buf[0] = '/';
        memcpy(buf + 1, p, n);
        buf[n + 1] = 0;
}

/* The smallest memory limit of our group and its ancestors: its value and the
 * group that sets it.  -ENOENT when no group limits memory. */
static int memory_limit(struct gov_measure *m, uint64_t *ret_limit, char *ret_dir)
{
        struct own_group *g = &m->memory;
        if (g->version == 0)
                return -ENOENT;
        const char *file = g->version == 1 ? "memory.limit_in_bytes" : "memory.max";
        char dir[PATH_LEN];
        snprintf(dir, sizeof(dir), "%s", g->dir);
        uint64_t best = UINT64_MAX;
        for (;;) {
                char path[PATH_LEN + 32];
                uint64_t v;
                snprintf(path, sizeof(path), "%s/%s", dir, file);
                if (read_u64_at(m->rootfd, path, &v) >= 0 && v < best) {
                        best = v;
                        strcpy(ret_dir, dir);
                }
                if (!parent_dir(dir, g->mount))
                        break;
        }
        if (best == UINT64_MAX)
                return -ENOENT;
        *ret_limit = best;
        return 0;
}

/* A group's memory in use, as the kernel would reclaim it last: usage minus
 * the inactive file cache (what docker stats and the kubelet report). */
static int group_memory_used(struct gov_measure *m, const char *dir, uint64_t *ret)
{
        int v1 = m->memory.version == 1;
        char path[PATH_LEN + 32];
        uint64_t usage, inactive = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, v1 ? "memory.usage_in_bytes" : "memory.current");
        int r = read_u64_at(m->rootfd, path, &usage);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/memory.stat", dir);
        (void)read_keyed_u64_at(m->rootfd, path, v1 ? "total_inactive_file" : "inactive_file",
                                &inactive);
        *ret = usage > inactive ? usage - inactive : 0;
        return 0;
}

static int read_memory(struct gov_measure *m, struct gov_memory *ret)
{
        uint64_t total_kb, avail_kb;
        int r = read_keyed_u64_at(m->rootfd, "proc/meminfo", "MemTotal:", &total_kb);
        if (r < 0)
                return r;
        r = read_keyed_u64_at(m->rootfd, "proc/meminfo", "MemAvailable:", &avail_kb);
        if (r < 0)
                return r;
        if (total_kb == 0 || avail_kb > total_kb)
                return -EIO;

        struct gov_memory mem = {
            .known = true,
            .source = GOV_SOURCE_HOST,
            .host_total_bytes = total_kb * 1024,
            .host_available_bytes = avail_kb * 1024,
            .total_bytes = total_kb * 1024,
            .available_bytes = avail_kb * 1024,
            .used_bytes = (total_kb - avail_kb) * 1024,
        };
        display_path(mem.source_path, sizeof(mem.source_path), "proc/meminfo");

        uint64_t limit, used;
        char dir[PATH_LEN];
        /* A group limit counts only when it is below the host's memory; "no limit"
         * reads as a huge page-rounded number on v1. */
        if (memory_limit(m, &limit, dir) >= 0 && limit < mem.host_total_bytes &&
            group_memory_used(m, dir, &used) >= 0) {
                mem.source = m->memory.version == 1 ? GOV_SOURCE_CGROUP_V1 : GOV_SOURCE_CGROUP_V2;
                display_path(mem.source_path, sizeof(mem.source_path), dir);
                mem.total_bytes = limit;
                mem.used_bytes = used < limit ? used : limit;
                mem.available_bytes = limit - mem.used_bytes;
                /* The group cannot use memory the host does not have: when the host
                 * is fuller than the group, the host's room is what is left. */
                if (mem.host_available_bytes < mem.available_bytes) {
                        mem.available_bytes = mem.host_available_bytes;
                        mem.used_bytes = limit - mem.available_bytes;
                }
        }
        mem.used_percent = 100.0 * (double)mem.used_bytes / (double)mem.total_bytes;
        *ret = mem;
        return 0;
}

/* The smallest CPU quota of our group and its ancestors, in cores. */
static int cpu_limit(struct gov_measure *m, double *ret_cores, char *ret_dir)
{
        struct own_group *g = &m->cpu;
        if (g->version == 0)
                return -ENOENT;
        char dir[PATH_LEN];
        snprintf(dir, sizeof(dir), "%s", g->dir);
        double best = INFINITY;
        for (;;) {
                char path[PATH_LEN + 32];
                double cores = INFINITY;
                if (g->version == 1) {
                        char qpath[PATH_LEN + 32];
                        uint64_t period;
                        _cleanup_free_ char *q = NULL;
                        snprintf(qpath, sizeof(qpath), "%s/cpu.cfs_quota_us", dir);
                        snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
                        /* quota is -1 when unlimited: read it as a signed number. */
                        if (read_file_at(m->rootfd, qpath, 64, &q, NULL) >= 0 &&
                            read_u64_at(m->rootfd, path, &period) >= 0 && period > 0) {
                                long long quota = strtoll(q, NULL, 10);
                                if (quota > 0)
                                        cores = (double)quota / (double)period;
                        }
                } else {
                        _cleanup_free_ char *s = NULL;
                        snprintf(path, sizeof(path), "%s/cpu.max", dir);
                        unsigned long long quota, period;
                        /* "max 100000" or "50000 100000" */
                        if (read_file_at(m->rootfd, path, 128, &s, NULL) >= 0 &&
                            sscanf(s, "%llu %llu", &quota, &period) == 2 && period > 0)
                                cores = (double)quota / (double)period;
                }
                if (cores < best) {
                        best = cores;
                        strcpy(ret_dir, dir);
                }
                if (!parent_dir(dir, g->mount))
                        break;
        }
        if (isinf(best))
                return -ENOENT;
        *ret_cores = best;
        return 0;
}

/* CPU time used by the group at dir (a cpu-hierarchy directory), in usec. */
static int group_cpu_usage(struct gov_measure *m, const char *dir, uint64_t *ret)
{
        char path[PATH_LEN + 64];
        if (m->cpu.version == 2) {
                snprintf(path, sizeof(path), "%s/cpu.stat", dir);
                return read_keyed_u64_at(m->rootfd, path, "usage_usec", ret);
        }
        /* v1: cpuacct may be mounted apart from cpu (as on this build host); the
         * same group path under the cpuacct mount, else our own cpuacct group. */
        if (m->cpuacct.version != 1)
                return -ENOENT;
        const char *tail = dir + strlen(m->cpu.mount);
        uint64_t ns;
        snprintf(path, sizeof(path), "%s%s/cpuacct.usage", m->cpuacct.mount, tail);
        int r = read_u64_at(m->rootfd, path, &ns);
        if (r < 0) {
                snprintf(path, sizeof(path), "%s/cpuacct.usage", m->cpuacct.dir);
                r = read_u64_at(m->rootfd, path, &ns);
        }
        if (r < 0)
                return r;
        *ret = ns / 1000;
        return 0;
}

/* Host CPU counters: busy and total jiffies from the "cpu" line, and the cpuN count. */
static int read_proc_stat(struct gov_measure *m, uint64_t *ret_busy, uint64_t *ret_total,
                          unsigned *ret_cores)
{
        _cleanup_free_ char *buf = NULL;
        int r = read_file_at(m->rootfd, "proc/stat", 1 << 20, &buf, NULL);
        if (r < 0)
                return r;
        unsigned long long v[8] = {0};
        bool found = false;
        unsigned cores = 0;
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, "cpu ", 4) == 0)
                        /* user nice system idle iowait irq softirq steal; guest time is
                         * already inside user. */
                        found = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                                       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 4;
                else if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9')
                        cores++;
                line = next;
        }
        if (!found)
                return -EIO;
        uint64_t total = 0;
        for (int i = 0; i < 8; i++)
                total += v[i];
        *ret_total = total;
        *ret_busy = total - v[3] - v[4];
        *ret_cores = cores > 0 ? cores : 1;
        return 0;
}

int gov_measure_sample(struct gov_measure *m, uint64_t now_usec)
{
        struct sample s = {.t_usec = now_usec ? now_usec : now_monotonic_usec()};
        unsigned cores;
        int r = read_proc_stat(m, &s.host_busy, &s.host_total, &cores);
        if (r < 0)
                return r;
        double limit;
        char dir[PATH_LEN];
        if (cpu_limit(m, &limit, dir) >= 0 && limit < (double)cores)
                s.group_known = group_cpu_usage(m, dir, &s.group_usage_usec) >= 0;

        /* Keep what the window needs plus one sample older than it, so the figure
         * always spans at least the window once enough time has passed. */
        while (m->n_samples >= 2 && s.t_usec - m->samples[1].t_usec >= GOV_CPU_WINDOW_USEC) {
                memmove(&m->samples[0], &m->samples[1], (m->n_samples - 1) * sizeof(s));
                m->n_samples--;
        }
        if (m->n_samples == GOV_MAX_SAMPLES) {
                memmove(&m->samples[0], &m->samples[1], (m->n_samples - 1) * sizeof(s));
                m->n_samples--;
        }
        m->samples[m->n_samples++] = s;
        return 0;
}

static void compute_cpu(struct gov_measure *m, struct gov_cpu *ret)
{
        struct gov_cpu cpu = {.source = GOV_SOURCE_HOST};
        display_path(cpu.source_path, sizeof(cpu.source_path), "proc/stat");
        uint64_t busy, total;
        unsigned cores = 1;
        if (read_proc_stat(m, &busy, &total, &cores) < 0)
                cores = 1;
        cpu.host_cores = cores;
        cpu.cores = cores;
        double limit;
        char dir[PATH_LEN];
        bool limited = cpu_limit(m, &limit, dir) >= 0 && limit < (double)cores;
        if (limited) {
                cpu.cores = limit;
                cpu.source = m->cpu.version == 1 ? GOV_SOURCE_CGROUP_V1 : GOV_SOURCE_CGROUP_V2;
                display_path(cpu.source_path, sizeof(cpu.source_path), dir);
        }
        if (m->n_samples >= 2) {
                const struct sample *a = &m->samples[0], *b = &m->samples[m->n_samples - 1];
                cpu.window_usec = b->t_usec - a->t_usec;
                if (b->host_total > a->host_total && b->host_busy >= a->host_busy) {
                        cpu.host_known = true;
                        cpu.host_used_percent = 100.0 * (double)(b->host_busy - a->host_busy) /
                                                (double)(b->host_total - a->host_total);
                }
                if (limited) {
                        /* Usage of the group against what its quota allows in the window. */
                        if (a->group_known && b->group_known && cpu.window_usec > 0 &&
                            b->group_usage_usec >= a->group_usage_usec) {
                                double pct = 100.0 *
                                             (double)(b->group_usage_usec - a->group_usage_usec) /
                                             ((double)cpu.window_usec * limit);
                                cpu.used_percent = pct > 100.0 ? 100.0 : pct;
                                cpu.known = true;
                        }
                } else if (cpu.host_known) {
                        cpu.used_percent = cpu.host_used_percent;
                        cpu.known = true;
                }
        }
        *ret = cpu;
}

/* /proc/pressure/<resource>: "some avg10=1.23 avg60=... total=..." and "full ...". */
static void read_pressure(struct gov_measure *m, enum gov_resource res, struct gov_pressure *ret)
{
        struct gov_pressure p = {0};
        char path[64];
        _cleanup_free_ char *buf = NULL;
        snprintf(path, sizeof(path), "proc/pressure/%s", gov_resource_to_string(res));
        if (read_file_at(m->rootfd, path, 4096, &buf, NULL) >= 0) {
                for (char *line = buf; line && *line;) {
                        char *next = strchr(line, '\n');
                        if (next)
                                *next++ = 0;
                        double v;
                        if (sscanf(line, "some avg10=%lf", &v) == 1) {
                                p.some_avg10 = v;
                                p.known = true;
                        } else if (sscanf(line, "full avg10=%lf", &v) == 1) {
                                p.full_avg10 = v;
                                p.full_known = true;
                        }
                        line = next;
                }
        }
        *ret = p;
}

int gov_measure_read(struct gov_measure *m, struct gov_measurements *ret)
{
        struct gov_measurements out = {0};
        int r = read_memory(m, &out.memory);
        if (r < 0)
                return r;
        compute_cpu(m, &out.cpu);
        for (int i = 0; i < _GOV_PSI_MAX; i++)
                read_pressure(m, (enum gov_resource)i, &out.pressure[i]);
        *ret = out;
        return 0;
}

int gov_measure_oneshot(struct gov_measure *m, uint64_t gap_usec, struct gov_measurements *ret)
{
        int r = gov_measure_sample(m, 0);
        if (r < 0)
                return r;
        struct timespec ts = {.tv_sec = (time_t)(gap_usec / 1000000),
                              .tv_nsec = (long)(gap_usec % 1000000) * 1000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
        r = gov_measure_sample(m, 0);
        if (r < 0)
                return r;
        return gov_measure_read(m, ret);
}
