/* gov-ledger.c - the shared reservation ledger and FIFO queue (see gov-ledger.h).
 *
 * Race this file exists to close: N corral servers each measuring "2/3 running"
 * and each admitting.  Every change happens under an exclusive flock on
 * ledger.lock, and the decision is taken inside that critical section from the
 * ledger as it is then, so admissions are serialised across processes.
 */
#include "gov-ledger.h"
#include "cleanup.h"
#include "fileio.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEDGER_MAX (64u << 20)

struct gov_ledger {
        char *dir;
        int dirfd;
};

struct entries {
        struct gov_entry *v;
        size_t n, cap;
};

struct state {
        struct entries run, queue;
};

static void state_done(struct state *s)
{
        free(s->run.v);
        free(s->queue.v);
        *s = (struct state){0};
}

static int push(struct entries *e, const struct gov_entry *x)
{
        if (e->n == e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 16;
                struct gov_entry *nv = realloc(e->v, cap * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                e->v = nv;
                e->cap = cap;
        }
        e->v[e->n++] = *x;
        return 0;
}

static ssize_t find(const struct entries *e, const char *job_id)
{
        for (size_t i = 0; i < e->n; i++)
                if (strcmp(e->v[i].job_id, job_id) == 0)
                        return (ssize_t)i;
        return -1;
}

static void remove_at(struct entries *e, size_t i)
{
        memmove(&e->v[i], &e->v[i + 1], (e->n - i - 1) * sizeof(e->v[0]));
        e->n--;
}

int gov_ledger_open(const char *state_dir, struct gov_ledger **ret)
{
        /* mkdir -p: ~/.local/state may not exist yet on a fresh account. */
        int r = mkdir_p(state_dir, 0755);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/governor", state_dir) < 0)
                return -ENOMEM;
        /* 0700: the ledger names tenants and jobs; only the owner's processes share it. */
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return NEG_ERRNO();
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        struct gov_ledger *l = malloc(sizeof(*l));
        if (!l) {
                close(fd);
                return -ENOMEM;
        }
        l->dir = TAKE_PTR(dir);
        l->dirfd = fd;
        *ret = l;
        return 0;
}

void gov_ledger_free(struct gov_ledger *l)
{
        if (!l)
                return;
        if (l->dirfd >= 0)
                close(l->dirfd);
        free(l->dir);
        free(l);
}

const char *gov_ledger_dir(const struct gov_ledger *l)
{
        return l->dir;
}

/* Takes the lock; returns the fd holding it (closing it unlocks).  The lock file
 * is created once and never removed: unlinking it would let a late opener lock a
 * different inode than everyone else. */
static int lock(struct gov_ledger *l, int how)
{
        int fd = openat(l->dirfd, "ledger.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return NEG_ERRNO();
        while (flock(fd, how) < 0) {
                if (errno == EINTR)
                        continue;
                int r = NEG_ERRNO();
                close(fd);
                return r;
        }
        return fd;
}

/* Parses one "run|queue JOB TENANT MEMORY PID STARTTIME" line.  Malformed lines
 * are skipped: a torn or hand-edited line must not stop every admission. */
static int parse_line(char *line, struct state *s, bool *changed)
{
        _Static_assert(GOV_ID_MAX == 129, "the sscanf widths below are GOV_ID_MAX");
        char kind[8], job[GOV_ID_MAX + 1], tenant[GOV_ID_MAX + 1];
        unsigned long long mem, st;
        int pid;
        if (line[0] == '#' || line[0] == 0)
                return 0;
        if (sscanf(line, "%7s %129s %129s %llu %d %llu", kind, job, tenant, &mem, &pid, &st) != 6 ||
            !gov_valid_id(job) || !gov_valid_id(tenant) ||
            (strcmp(kind, "run") != 0 && strcmp(kind, "queue") != 0)) {
                *changed = true;
                return 0;
        }
        /* Self-healing: an entry whose owner died (pid gone, or reused by another
         * process: the start time tells) holds nothing any more. */
        if (!proc_alive(pid, st)) {
                *changed = true;
                return 0;
        }
        struct gov_entry e = {.memory_bytes = mem, .pid = pid, .starttime = st};
        strcpy(e.job_id, job);
        strcpy(e.tenant, tenant);
        struct entries *dst = kind[0] == 'r' ? &s->run : &s->queue;
        if (find(&s->run, job) >= 0 || find(&s->queue, job) >= 0) {
                *changed = true; /* a duplicate: the first line wins */
                return 0;
        }
        return push(dst, &e);
}

static int read_state(struct gov_ledger *l, struct state *ret, bool *ret_changed)
{
        struct state s = {0};
        bool changed = false;
        _cleanup_free_ char *buf = NULL;
        int r = read_file_at(l->dirfd, "ledger", LEDGER_MAX, &buf, NULL);
        if (r == -ENOENT) {
                *ret = s;
                *ret_changed = false;
                return 0;
        }
        if (r < 0)
                return r;
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                r = parse_line(line, &s, &changed);
                if (r < 0) {
                        state_done(&s);
                        return r;
                }
                line = next;
        }
        *ret = s;
        *ret_changed = changed;
        return 0;
}

static int write_state(struct gov_ledger *l, const struct state *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# corral governor ledger: run|queue JOB TENANT MEMORY OWNER-PID "
                   "OWNER-STARTTIME\n");
        for (int k = 0; k < 2; k++) {
                const struct entries *e = k == 0 ? &s->run : &s->queue;
                for (size_t i = 0; i < e->n; i++)
                        fprintf(f, "%s %s %s %" PRIu64 " %d %" PRIu64 "\n",
                                k == 0 ? "run" : "queue", e->v[i].job_id, e->v[i].tenant,
                                e->v[i].memory_bytes, e->v[i].pid, e->v[i].starttime);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        /* No fsync: every entry names a live owner, and after a power loss no owner lives,
         * so whichever ledger survives (old, new or empty) says the same thing. */
        int r = write_file_replace_at(l->dirfd, "ledger", buf, len, 0600, 0);
        free(buf);
        return r;
}

static int load_policy_unlocked(struct gov_ledger *l, struct gov_policy *ret, char *err,
                                size_t errlen)
{
        struct gov_policy p;
        gov_policy_init(&p);
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(l->dirfd, "governor.conf", 1 << 16, &text, NULL);
        if (r >= 0)
                r = gov_policy_parse_config(&p, text, err, errlen);
        else if (r == -ENOENT)
                r = 0;
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int gov_ledger_load_policy(struct gov_ledger *l, struct gov_policy *ret, char *err, size_t errlen)
{
        _cleanup_close_ int fd = lock(l, LOCK_SH);
        if (fd < 0)
                return fd;
        return load_policy_unlocked(l, ret, err, errlen);
}

int gov_ledger_store_policy(struct gov_ledger *l, const struct gov_policy *p)
{
        if (p->set == 0)
                return 0;
        _cleanup_close_ int fd = lock(l, LOCK_EX);
        if (fd < 0)
                return fd;
        struct gov_policy cur;
        char err[200];
        /* A malformed file is replaced by the explicit settings rather than
         * blocking the operator who is fixing the policy. */
        if (load_policy_unlocked(l, &cur, err, sizeof(err)) < 0)
                gov_policy_init(&cur);
        gov_policy_merge(&cur, p);
        _cleanup_free_ char *text = NULL;
        int r = gov_policy_format_config(&cur, &text);
        if (r < 0)
                return r;
        return write_file_atomic_at(l->dirfd, "governor.conf", text, strlen(text), 0600);
}

static int self_starttime(pid_t *pid, uint64_t *starttime)
{
        if (*pid == 0) {
                *pid = getpid();
                return proc_starttime(*pid, starttime);
        }
        return 0;
}

int gov_ledger_admit(struct gov_ledger *l, const struct gov_candidate *c,
                     const struct gov_measurements *m, const struct gov_policy *policy,
                     pid_t owner_pid, uint64_t owner_starttime, struct gov_decision *ret)
{
        const char *tenant = c->tenant ? c->tenant : GOV_DEFAULT_TENANT;
        if (!gov_valid_id(c->job_id) || !gov_valid_id(tenant))
                return -EINVAL;
        int r = self_starttime(&owner_pid, &owner_starttime);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = lock(l, LOCK_EX);
        if (fd < 0)
                return fd;
        struct gov_policy shared;
        if (!policy) {
                r = load_policy_unlocked(l, &shared, NULL, 0);
                if (r < 0)
                        return r;
                policy = &shared;
        }
        struct state s;
        bool changed;
        r = read_state(l, &s, &changed);
        if (r < 0)
                return r;

        struct gov_decision d;
        if (find(&s.run, c->job_id) >= 0)
                d = (struct gov_decision){.verdict = GOV_ADMIT};
        else {
                struct gov_view v = {s.run.v, s.run.n, s.queue.v, s.queue.n};
                gov_decide(m, policy, &v, c, &d);
                struct gov_entry e = {.memory_bytes = c->memory_bytes,
                                      .pid = owner_pid,
                                      .starttime = owner_starttime};
                snprintf(e.job_id, sizeof(e.job_id), "%s", c->job_id);
                snprintf(e.tenant, sizeof(e.tenant), "%s", tenant);
                ssize_t q = find(&s.queue, c->job_id);
                if (d.verdict == GOV_ADMIT) {
                        if (q >= 0)
                                remove_at(&s.queue, (size_t)q);
                        r = push(&s.run, &e);
                        changed = true;
                } else if (d.verdict == GOV_WAIT && q < 0) {
                        r = push(&s.queue, &e);
                        changed = true;
                }
        }
        if (r >= 0 && changed)
                r = write_state(l, &s);
        state_done(&s);
        if (r < 0)
                return r;
        *ret = d;
        return 0;
}

int gov_ledger_set_owner(struct gov_ledger *l, const char *job_id, pid_t pid, uint64_t starttime)
{
        _cleanup_close_ int fd = lock(l, LOCK_EX);
        if (fd < 0)
                return fd;
        struct state s;
        bool changed;
        int r = read_state(l, &s, &changed);
        if (r < 0)
                return r;
        ssize_t i = find(&s.run, job_id);
        struct gov_entry *e = i >= 0 ? &s.run.v[i] : NULL;
        if (!e && (i = find(&s.queue, job_id)) >= 0)
                e = &s.queue.v[i];
        if (e) {
                e->pid = pid;
                e->starttime = starttime;
                r = write_state(l, &s);
        } else
                r = -ENOENT;
        state_done(&s);
        return r;
}

int gov_ledger_release(struct gov_ledger *l, const char *job_id)
{
        _cleanup_close_ int fd = lock(l, LOCK_EX);
        if (fd < 0)
                return fd;
        struct state s;
        bool changed;
        int r = read_state(l, &s, &changed);
        if (r < 0)
                return r;
        int found = 0;
        ssize_t i;
        if ((i = find(&s.run, job_id)) >= 0) {
                remove_at(&s.run, (size_t)i);
                found = 1;
        } else if ((i = find(&s.queue, job_id)) >= 0) {
                remove_at(&s.queue, (size_t)i);
                found = 1;
        }
        if (found || changed)
                r = write_state(l, &s);
        state_done(&s);
        return r < 0 ? r : found;
}

int gov_ledger_watch(struct gov_ledger *l)
{
        int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0)
                return NEG_ERRNO();
        /* IN_MOVED_TO: write_file_atomic_at renames the new ledger into place. */
        if (inotify_add_watch(fd, l->dir, IN_MOVED_TO | IN_ONLYDIR) < 0) {
                int r = NEG_ERRNO();
                close(fd);
                return r;
        }
        return fd;
}

int gov_ledger_snapshot(struct gov_ledger *l, struct gov_snapshot *ret)
{
        _cleanup_close_ int fd = lock(l, LOCK_SH);
        if (fd < 0)
                return fd;
        struct gov_policy p;
        int r = load_policy_unlocked(l, &p, NULL, 0);
        if (r < 0)
                return r;
        struct state s;
        bool changed;
        r = read_state(l, &s, &changed);
        if (r < 0)
                return r;
        /* Dead entries were filtered; the next exclusive operation rewrites the file. */
        *ret = (struct gov_snapshot){.running = s.run.v,
                                     .n_running = s.run.n,
                                     .queued = s.queue.v,
                                     .n_queued = s.queue.n,
                                     .policy = p};
        return 0;
}

void gov_snapshot_done(struct gov_snapshot *s)
{
        free(s->running);
        free(s->queued);
        *s = (struct gov_snapshot){0};
}
