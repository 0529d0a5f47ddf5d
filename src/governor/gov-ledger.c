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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LEDGER_MAX (64u << 20)

/* Owners are checked for liveness at most this often, and only when an
 * admission is refused or delayed (docs/decisions/queue.md). */
#define PRUNE_INTERVAL_USEC (1000 * 1000ull)

/* Tenants whose queue heads are woken after a change, at most (more tenants
 * than this fall back on the waiters' own timers). */
#define WAKE_MAX 64

struct gov_ledger {
        char *dir;
        int dirfd;
};

struct entries {
        struct gov_entry *v;
        bool *wake; /* the owner asked to be woken by GOV_LEDGER_WAKE_SIGNAL */
        size_t n, cap;
};

struct state {
        struct entries run, queue;
        uint64_t pruned_at; /* CLOCK_REALTIME usec of the last liveness check */
        bool other_boot;    /* written during another boot: no owner of it lives */
};

/* The kernel's id of this boot (random per boot), "" when unreadable.  A
 * pid and start time name a process within one boot only: after a reboot a
 * new process may carry both (boots are alike), so a ledger that survived
 * one (on persistent storage) would keep its dead owners' slots. */
static const char *this_boot(void)
{
        static char id[40];
        static bool read_once;
        if (!read_once) {
                _cleanup_free_ char *text = NULL;
                if (read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, &text, NULL) >=
                        0 &&
                    sscanf(text, "%36s", id) != 1)
                        id[0] = 0;
                read_once = true;
        }
        return id;
}

static void state_done(struct state *s)
{
        free(s->run.v);
        free(s->run.wake);
        free(s->queue.v);
        free(s->queue.wake);
        *s = (struct state){0};
}

static int push(struct entries *e, const struct gov_entry *x, bool wake)
{
        if (e->n == e->cap) {
                size_t cap = e->cap ? e->cap * 2 : 16;
                struct gov_entry *nv = realloc(e->v, cap * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                e->v = nv;
                bool *nw = realloc(e->wake, cap * sizeof(*nw));
                if (!nw)
                        return -ENOMEM;
                e->wake = nw;
                e->cap = cap;
        }
        e->wake[e->n] = wake;
        e->v[e->n++] = *x;
        return 0;
}

/* The job ids seen while parsing, to drop duplicates in O(1) each (a linear
 * find per line made parsing O(n^2)). */
struct idset {
        uint64_t *h; /* 0 = empty slot */
        size_t cap;
};

static uint64_t id_hash(const char *id)
{
        uint64_t h = 0xcbf29ce484222325ull;
        for (; *id; id++)
                h = (h ^ (unsigned char)*id) * 0x100000001b3ull;
        return h ? h : 1;
}

/* 1 when added, 0 when a line with the same hash was seen (then compared by
 * the caller's linear find, which only a duplicate or a collision pays). */
static int idset_add(struct idset *set, const char *id)
{
        if (set->cap == 0) {
                set->cap = 1024;
                if (!(set->h = calloc(set->cap, sizeof(*set->h))))
                        return -ENOMEM;
        }
        uint64_t h = id_hash(id);
        size_t i = h & (set->cap - 1);
        while (set->h[i]) {
                if (set->h[i] == h)
                        return 0;
                i = (i + 1) & (set->cap - 1);
        }
        set->h[i] = h;
        return 1;
}

static int idset_grow(struct idset *set, size_t n)
{
        if (set->cap == 0 || n * 2 < set->cap)
                return 0; /* empty: idset_add allocates */
        struct idset bigger = {.cap = set->cap * 2};
        if (!(bigger.h = calloc(bigger.cap, sizeof(*bigger.h))))
                return -ENOMEM;
        for (size_t i = 0; i < set->cap; i++)
                if (set->h[i]) {
                        size_t k = set->h[i] & (bigger.cap - 1);
                        while (bigger.h[k])
                                k = (k + 1) & (bigger.cap - 1);
                        bigger.h[k] = set->h[i];
                }
        free(set->h);
        *set = bigger;
        return 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
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
        memmove(&e->wake[i], &e->wake[i + 1], (e->n - i - 1) * sizeof(e->wake[0]));
        e->n--;
}

/* Who to wake after a change: the first queued job of each tenant (the only
 * ones that can be admitted next, whatever the order across tenants), when its
 * owner asked for it.  Collected under the lock, signalled after it. */
struct wake_list {
        pid_t pid[WAKE_MAX];
        uint64_t starttime[WAKE_MAX];
        size_t n;
};

static bool is_tenant_head(const struct entries *q, size_t i)
{
        for (size_t k = 0; k < i; k++)
                if (strcmp(q->v[k].tenant, q->v[i].tenant) == 0)
                        return false;
        return true;
}

static void collect_heads(const struct state *s, const char *except, struct wake_list *w)
{
        w->n = 0;
        /* O(queue x tenants): stops at WAKE_MAX heads. */
        for (size_t i = 0; i < s->queue.n && w->n < WAKE_MAX; i++) {
                if (!is_tenant_head(&s->queue, i))
                        continue;
                /* A head whose owner died cannot take its turn: the next of its
                 * tenant is woken instead (it asks, and the dead one is dropped). */
                size_t k = i;
                while (k < s->queue.n && (strcmp(s->queue.v[k].tenant, s->queue.v[i].tenant) != 0 ||
                                          !proc_alive(s->queue.v[k].pid, s->queue.v[k].starttime)))
                        k++;
                if (k == s->queue.n)
                        continue;
                if (k != i) {
                        if (!s->queue.wake[k])
                                continue;
                        w->pid[w->n] = s->queue.v[k].pid;
                        w->starttime[w->n++] = s->queue.v[k].starttime;
                        continue;
                }
                if (!s->queue.wake[i] || (except && strcmp(s->queue.v[i].job_id, except) == 0))
                        continue;
                w->pid[w->n] = s->queue.v[i].pid;
                w->starttime[w->n++] = s->queue.v[i].starttime;
        }
}

static void wake_all(const struct wake_list *w)
{
        for (size_t i = 0; i < w->n; i++) {
                /* Through a pidfd checked against the start time: a reused pid
                 * never gets the signal. */
                int fd = (int)syscall(SYS_pidfd_open, w->pid[i], 0);
                if (fd < 0)
                        continue;
                if (proc_alive(w->pid[i], w->starttime[i]))
                        (void)syscall(SYS_pidfd_send_signal, fd, GOV_LEDGER_WAKE_SIGNAL, NULL, 0);
                close(fd);
        }
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

/* Parses one "run|queue JOB TENANT MEMORY PID STARTTIME [w]" line ("w": the
 * owner is woken by a signal, gov_ledger_wait_admit).  Malformed lines are
 * skipped: a torn or hand-edited line must not stop every admission.  Owners'
 * liveness is not checked here (prune_dead). */
/* The next space-separated field of *p (NUL-terminated in place), or NULL. */
static char *next_field(char **p)
{
        char *f = *p;
        while (*f == ' ' || *f == '\t')
                f++;
        if (!*f)
                return NULL;
        char *e = f;
        while (*e && *e != ' ' && *e != '\t')
                e++;
        if (*e)
                *e++ = 0;
        *p = e;
        return f;
}

static bool parse_u64(const char *f, uint64_t *ret)
{
        if (!f || *f < '0' || *f > '9')
                return false;
        uint64_t v = 0;
        for (; *f; f++) {
                if (*f < '0' || *f > '9' || v > (UINT64_MAX - (uint64_t)(*f - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t)(*f - '0');
        }
        *ret = v;
        return true;
}

/* Parses one "run|queue JOB TENANT MEMORY PID STARTTIME [w]" line ("w": the
 * owner is woken by a signal, gov_ledger_wait_admit).  Malformed lines are
 * skipped: a torn or hand-edited line must not stop every admission.  Owners'
 * liveness is not checked here (prune_dead).  By hand, not sscanf: every
 * admission parses every line, and with ~1,000 running jobs sscanf was most
 * of a submit's work (callgrind: docs/performance.md). */
static int parse_line(char *line, struct state *s, struct idset *ids, bool *changed)
{
        if (line[0] == 0)
                return 0;
        if (line[0] == '#') {
                unsigned long long at;
                char boot[40];
                if (sscanf(line, "# pruned-at %llu", &at) == 1)
                        s->pruned_at = at;
                else if (sscanf(line, "# boot %39s", boot) == 1 && this_boot()[0] &&
                         strcmp(boot, this_boot()) != 0)
                        s->other_boot = true;
                return 0;
        }
        char *p = line;
        const char *kind = next_field(&p), *job = next_field(&p), *tenant = next_field(&p);
        const char *mem_f = next_field(&p), *pid_f = next_field(&p), *st_f = next_field(&p);
        const char *flag = next_field(&p);
        uint64_t mem, pid, st;
        if (!kind || (strcmp(kind, "run") != 0 && strcmp(kind, "queue") != 0) || !job || !tenant ||
            !gov_valid_id(job) || !gov_valid_id(tenant) || !parse_u64(mem_f, &mem) ||
            !parse_u64(pid_f, &pid) || pid > INT_MAX || !parse_u64(st_f, &st)) {
                *changed = true;
                return 0;
        }
        struct gov_entry e = {.memory_bytes = mem, .pid = (pid_t)pid, .starttime = st};
        strcpy(e.job_id, job);
        strcpy(e.tenant, tenant);
        struct entries *dst = kind[0] == 'r' ? &s->run : &s->queue;
        int r = idset_grow(ids, s->run.n + s->queue.n + 1);
        if (r < 0)
                return r;
        r = idset_add(ids, job);
        if (r < 0)
                return r;
        if (r == 0 && (find(&s->run, job) >= 0 || find(&s->queue, job) >= 0)) {
                *changed = true; /* a duplicate: the first line wins */
                return 0;
        }
        return push(dst, &e, flag && strcmp(flag, "w") == 0);
}

static void drop_dead(struct entries *e, bool *changed)
{
        size_t k = 0;
        for (size_t i = 0; i < e->n; i++) {
                if (!proc_alive(e->v[i].pid, e->v[i].starttime)) {
                        *changed = true;
                        continue;
                }
                e->wake[k] = e->wake[i];
                e->v[k++] = e->v[i];
        }
        e->n = k;
}

/* Self-healing: an entry whose owner died (pid gone, or reused by another
 * process: the start time tells) holds nothing any more.  One /proc read per
 * entry, so done only when its last run is older than PRUNE_INTERVAL_USEC
 * (or in the future: a clock step or another boot); true when it ran. */
static bool prune_dead(struct state *s, bool force, bool *changed)
{
        uint64_t now = now_usec();
        if (!force && s->pruned_at <= now && now - s->pruned_at < PRUNE_INTERVAL_USEC)
                return false;
        drop_dead(&s->run, changed);
        drop_dead(&s->queue, changed);
        s->pruned_at = now;
        *changed = true;
        return true;
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
        struct idset ids = {0};
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                r = parse_line(line, &s, &ids, &changed);
                if (r < 0) {
                        free(ids.h);
                        state_done(&s);
                        return r;
                }
                line = next;
        }
        free(ids.h);
        if (s.other_boot) {
                /* Every entry is stale; the next write says this boot. */
                s.run.n = s.queue.n = 0;
                s.other_boot = false;
                changed = true;
        }
        *ret = s;
        *ret_changed = changed;
        return 0;
}

/* The ledger's text, built in one buffer: every admission rewrites every line
 * (parse_line says why that matters), and stdio's per-call overhead was most
 * of the rewrite. */
struct text {
        char *buf;
        size_t len, cap;
        bool oom;
};

static void text_add(struct text *t, const char *s, size_t n)
{
        if (t->oom)
                return;
        if (t->len + n + 1 > t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 4096;
                while (cap < t->len + n + 1)
                        cap *= 2;
                char *b = realloc(t->buf, cap);
                if (!b) {
                        t->oom = true;
                        return;
                }
                t->buf = b;
                t->cap = cap;
        }
        memcpy(t->buf + t->len, s, n);
        t->len += n;
        t->buf[t->len] = 0;
}

static void text_str(struct text *t, const char *s)
{
        text_add(t, s, strlen(s));
}

static void text_u64(struct text *t, uint64_t v)
{
        char tmp[21];
        size_t n = sizeof(tmp);
        do {
                tmp[--n] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        text_add(t, tmp + n, sizeof(tmp) - n);
}

static int write_state(struct gov_ledger *l, const struct state *s)
{
        struct text t = {0};
        text_str(&t, "# corral governor ledger: run|queue JOB TENANT MEMORY OWNER-PID "
                     "OWNER-STARTTIME [w]\n");
        if (this_boot()[0]) {
                text_str(&t, "# boot ");
                text_str(&t, this_boot());
                text_str(&t, "\n");
        }
        text_str(&t, "# pruned-at ");
        text_u64(&t, s->pruned_at);
        text_str(&t, "\n");
        for (int k = 0; k < 2; k++) {
                const struct entries *e = k == 0 ? &s->run : &s->queue;
                for (size_t i = 0; i < e->n; i++) {
                        text_str(&t, k == 0 ? "run " : "queue ");
                        text_str(&t, e->v[i].job_id);
                        text_str(&t, " ");
                        text_str(&t, e->v[i].tenant);
                        text_str(&t, " ");
                        text_u64(&t, e->v[i].memory_bytes);
                        text_str(&t, " ");
                        text_u64(&t, (uint64_t)e->v[i].pid);
                        text_str(&t, " ");
                        text_u64(&t, e->v[i].starttime);
                        text_str(&t, e->wake[i] ? " w\n" : "\n");
                }
        }
        if (t.oom) {
                free(t.buf);
                return -ENOMEM;
        }
        /* No fsync: every entry names a live owner, and after a power loss no owner lives
         * (the boot line tells another boot's entries), so whichever ledger survives (old,
         * new or empty) says the same thing. */
        int r = write_file_replace_at(l->dirfd, "ledger", t.buf, t.len, 0600, 0);
        free(t.buf);
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

static bool take_over(struct gov_entry *e, pid_t pid, uint64_t starttime)
{
        if (e->pid == pid && e->starttime == starttime)
                return false;
        e->pid = pid;
        e->starttime = starttime;
        return true;
}

static int admit(struct gov_ledger *l, const struct gov_candidate *c,
                 const struct gov_measurements *m, const struct gov_policy *policy, pid_t owner_pid,
                 uint64_t owner_starttime, bool wake, struct gov_decision *ret, bool *ret_head)
{
        const char *tenant = c->tenant ? c->tenant : GOV_DEFAULT_TENANT;
        if (!gov_valid_id(c->job_id) || !gov_valid_id(tenant))
                return -EINVAL;
        int r = self_starttime(&owner_pid, &owner_starttime);
        if (r < 0)
                return r;

        struct wake_list w = {0};
        bool head = false;
        struct gov_decision d;
        {
                _cleanup_close_ int fd = lock(l, LOCK_EX);
                if (fd < 0)
                        return fd;
                struct state s;
                bool changed;
                r = read_state(l, &s, &changed);
                if (r < 0)
                        return r;

                bool wake_heads = false;
                ssize_t running = find(&s.run, c->job_id);
                if (running >= 0) {
                        d = (struct gov_decision){.verdict = GOV_ADMIT};
                        /* Reserved by its submitter: the waiter runs it now. */
                        if (wake)
                                changed |= take_over(&s.run.v[running], owner_pid, owner_starttime);
                } else if (!m) {
                        /* No measurements: the caller measures only when there
                         * is a decision to make (gov-ledger.h). */
                        state_done(&s);
                        return -ENODATA;
                } else {
                        /* Read only for a decision: a reserved job needs none. */
                        struct gov_policy shared;
                        if (!policy) {
                                r = load_policy_unlocked(l, &shared, NULL, 0);
                                if (r < 0) {
                                        state_done(&s);
                                        return r;
                                }
                                policy = &shared;
                        }
                        struct gov_view v = {s.run.v, s.run.n, s.queue.v, s.queue.n};
                        gov_decide(m, policy, &v, c, &d);
                        /* Owners' liveness matters only when the job cannot go:
                         * drop the dead (at most once a PRUNE_INTERVAL) and ask
                         * again. */
                        if (d.verdict != GOV_ADMIT && prune_dead(&s, false, &changed)) {
                                v = (struct gov_view){s.run.v, s.run.n, s.queue.v, s.queue.n};
                                gov_decide(m, policy, &v, c, &d);
                                wake_heads = true;
                        }
                        struct gov_entry e = {.memory_bytes = c->memory_bytes,
                                              .pid = owner_pid,
                                              .starttime = owner_starttime};
                        snprintf(e.job_id, sizeof(e.job_id), "%s", c->job_id);
                        snprintf(e.tenant, sizeof(e.tenant), "%s", tenant);
                        ssize_t q = find(&s.queue, c->job_id);
                        if (d.verdict == GOV_ADMIT) {
                                if (q >= 0)
                                        remove_at(&s.queue, (size_t)q);
                                r = push(&s.run, &e, wake);
                                changed = true;
                                wake_heads = true;
                        } else if (d.verdict == GOV_WAIT && q < 0) {
                                r = push(&s.queue, &e, wake);
                                changed = true;
                        } else if (d.verdict == GOV_WAIT) {
                                /* A place its submitter took: the waiter is woken
                                 * from now on, not the submitter. */
                                if (wake)
                                        changed |=
                                            take_over(&s.queue.v[q], owner_pid, owner_starttime);
                                if (s.queue.wake[q] != wake) {
                                        s.queue.wake[q] = wake;
                                        changed = true;
                                }
                        }
                        if (d.verdict == GOV_WAIT && r >= 0) {
                                q = find(&s.queue, c->job_id);
                                head = q >= 0 && is_tenant_head(&s.queue, (size_t)q);
                        }
                }
                if (r >= 0 && changed)
                        r = write_state(l, &s);
                if (r >= 0 && wake_heads)
                        collect_heads(&s, c->job_id, &w);
                state_done(&s);
                if (r < 0)
                        return r;
        }
        wake_all(&w);
        *ret = d;
        if (ret_head)
                *ret_head = head;
        return 0;
}

int gov_ledger_admit(struct gov_ledger *l, const struct gov_candidate *c,
                     const struct gov_measurements *m, const struct gov_policy *policy,
                     pid_t owner_pid, uint64_t owner_starttime, struct gov_decision *ret)
{
        return admit(l, c, m, policy, owner_pid, owner_starttime, false, ret, NULL);
}

int gov_ledger_wait_admit(struct gov_ledger *l, const struct gov_candidate *c,
                          const struct gov_measurements *m, const struct gov_policy *policy,
                          struct gov_decision *ret, bool *ret_head)
{
        return admit(l, c, m, policy, 0, 0, true, ret, ret_head);
}

int gov_ledger_stamp(struct gov_ledger *l, uint64_t *ret)
{
        struct stat st;
        if (fstatat(l->dirfd, "ledger", &st, 0) < 0) {
                if (errno != ENOENT)
                        return NEG_ERRNO();
                *ret = 0;
                return 0;
        }
        /* Every change renames a new file into place: a new inode (and mtime). */
        *ret = (uint64_t)st.st_ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)st.st_mtim.tv_nsec ^
               ((uint64_t)st.st_mtim.tv_sec << 30);
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
                if (take_over(e, pid, starttime))
                        r = write_state(l, &s);
        } else
                r = -ENOENT;
        state_done(&s);
        return r;
}

int gov_ledger_release(struct gov_ledger *l, const char *job_id)
{
        struct wake_list w = {0};
        int found = 0, r;
        {
                _cleanup_close_ int fd = lock(l, LOCK_EX);
                if (fd < 0)
                        return fd;
                struct state s;
                bool changed;
                r = read_state(l, &s, &changed);
                if (r < 0)
                        return r;
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
                /* The slot (or place) freed goes to the next in line: wake the
                 * heads, not every waiter (docs/decisions/queue.md). */
                if (r >= 0 && found)
                        collect_heads(&s, NULL, &w);
                state_done(&s);
        }
        wake_all(&w);
        return r < 0 ? r : found;
}

static int snapshot(struct gov_ledger *l, bool check_all, struct gov_snapshot *ret)
{
        /* Exclusive: a snapshot may drop dead owners and write that down. */
        _cleanup_close_ int fd = lock(l, LOCK_EX);
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
        /* Dead entries: dropped when the last check is old (prune_dead), so a
         * snapshot reads /proc for each entry at most once a PRUNE_INTERVAL. */
        if (prune_dead(&s, check_all, &changed) && (r = write_state(l, &s)) < 0) {
                state_done(&s);
                return r;
        }
        free(s.run.wake);
        free(s.queue.wake);
        *ret = (struct gov_snapshot){.running = s.run.v,
                                     .n_running = s.run.n,
                                     .queued = s.queue.v,
                                     .n_queued = s.queue.n,
                                     .policy = p};
        return 0;
}

int gov_ledger_snapshot(struct gov_ledger *l, struct gov_snapshot *ret)
{
        return snapshot(l, false, ret);
}

int gov_ledger_snapshot_checked(struct gov_ledger *l, struct gov_snapshot *ret)
{
        return snapshot(l, true, ret);
}

void gov_snapshot_done(struct gov_snapshot *s)
{
        free(s->running);
        free(s->queued);
        *s = (struct gov_snapshot){0};
}
