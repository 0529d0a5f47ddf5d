/* governor.c - the admission policy and the pure admission decision (see governor.h).
 *
 * No I/O and no clock: the same inputs always give the same verdict and reason,
 * which is what lets N corral processes holding the ledger lock in turn agree,
 * and what lets the unit tests reach every branch.
 */
#include "governor.h"
#include "cleanup.h"
#include "gov-quota.h"
#include "names.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The site's defaults from corral.conf, which replace the built-in ones in every
 * policy this process builds.  Process-wide on purpose: main() sets them once,
 * before any command runs, and every corral process (CLI, server, supervisor)
 * reads the same file, so all of them start from the same defaults. */
static struct gov_policy site_defaults;
static bool have_site_defaults;

void gov_policy_set_defaults(const struct gov_policy *p)
{
        site_defaults = *p;
        site_defaults.set = 0; /* defaults, not explicit choices to store */
        have_site_defaults = true;
}

void gov_policy_init(struct gov_policy *p)
{
        if (have_site_defaults) {
                *p = site_defaults;
                return;
        }
        *p = (struct gov_policy){
            .memory_threshold = GOV_DEFAULT_MEMORY_THRESHOLD,
            .cpu_threshold = GOV_DEFAULT_CPU_THRESHOLD,
            .queue_limit = GOV_DEFAULT_QUEUE_LIMIT,
        };
}

unsigned gov_default_max_concurrent(double cores)
{
        double c = ceil(cores);
        if (!(c >= 2.0)) /* also NaN */
                return 2;
        return c > 1024.0 ? 1024u : (unsigned)c;
}

unsigned gov_policy_max_concurrent(const struct gov_policy *p, double cores)
{
        return p->max_concurrent ? p->max_concurrent : gov_default_max_concurrent(cores);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        if (err && errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* "85", "85%", "23.5": a percentage in (0, 100]. */
static int parse_percent(const char *s, double *ret)
{
        if (!s || !*s)
                return -EINVAL;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s)
                return -EINVAL;
        if (*end == '%')
                end++;
        if (*end || !(v > 0.0 && v <= 100.0))
                return -EINVAL;
        *ret = v;
        return 0;
}

static const struct {
        const char *name; /* flag without "--", also the config key */
        unsigned bit;
} options[] = {
    {"memory-threshold", GOV_SET_MEMORY_THRESHOLD},
    {"cpu-threshold", GOV_SET_CPU_THRESHOLD},
    {"psi-threshold", GOV_SET_PSI_THRESHOLD},
    {"max-concurrent", GOV_SET_MAX_CONCURRENT},
    {"queue-limit", GOV_SET_QUEUE_LIMIT},
    {"tenant-max-concurrent", GOV_SET_TENANT_MAX_CONCURRENT},
    {"tenant-max-memory", GOV_SET_TENANT_MAX_MEMORY},
    {"tenant-max-queued", GOV_SET_TENANT_MAX_QUEUED},
};

/* Applies key (without "--") = value.  1 applied, 0 unknown key, -EINVAL bad value. */
static int apply(struct gov_policy *p, const char *key, const char *value, char *err, size_t errlen)
{
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
                if (strcmp(key, options[i].name) == 0)
                        bit = options[i].bit;
        if (!bit)
                return gov_quota_apply(p, key, value, err, errlen);
        if (!value || !*value)
                return fail(err, errlen, "--%s needs a value", key);

        uint64_t u;
        double d;
        switch (bit) {
        case GOV_SET_MEMORY_THRESHOLD:
        case GOV_SET_CPU_THRESHOLD:
        case GOV_SET_PSI_THRESHOLD:
                if (parse_percent(value, &d) < 0)
                        return fail(err, errlen,
                                    "--%s: '%s' is not a percentage above 0 and at most 100", key,
                                    value);
                if (bit == GOV_SET_MEMORY_THRESHOLD)
                        p->memory_threshold = d;
                else if (bit == GOV_SET_CPU_THRESHOLD)
                        p->cpu_threshold = d;
                else
                        p->psi_threshold = d;
                break;
        case GOV_SET_MAX_CONCURRENT:
        case GOV_SET_TENANT_MAX_CONCURRENT:
                if (parse_uint(value, 100000, &u) < 0 || u == 0)
                        return fail(err, errlen, "--%s: '%s' is not a number from 1 to 100000", key,
                                    value);
                if (bit == GOV_SET_MAX_CONCURRENT)
                        p->max_concurrent = (unsigned)u;
                else
                        p->tenant_max_concurrent = (unsigned)u;
                break;
        case GOV_SET_TENANT_MAX_QUEUED:
                if (parse_uint(value, 1000000, &u) < 0 || u == 0)
                        return fail(err, errlen, "--%s: '%s' is not a number from 1 to 1000000",
                                    key, value);
                p->tenant_max_queued = (unsigned)u;
                break;
        case GOV_SET_QUEUE_LIMIT:
                /* 0 is allowed: never queue, refuse whatever cannot start at once. */
                if (strcmp(value, "0") == 0)
                        u = 0;
                else if (parse_uint(value, 1000000, &u) < 0)
                        return fail(err, errlen, "--%s: '%s' is not a number from 0 to 1000000",
                                    key, value);
                p->queue_limit = (unsigned)u;
                break;
        case GOV_SET_TENANT_MAX_MEMORY:
                if (parse_size(value, &u) < 0)
                        return fail(err, errlen, "--%s: '%s' is not a size such as 4G or 512M", key,
                                    value);
                p->tenant_max_memory = u;
                break;
        }
        p->set |= bit;
        return 1;
}

int gov_policy_parse_option(struct gov_policy *p, const char *flag, const char *value, char *err,
                            size_t errlen)
{
        if (!flag || strncmp(flag, "--", 2) != 0)
                return 0;
        const char *eq = strchr(flag, '=');
        if (eq && !value) {
                /* "--memory-threshold=80" */
                char key[64];
                size_t n = (size_t)(eq - flag - 2);
                if (n >= sizeof(key))
                        return 0;
                memcpy(key, flag + 2, n);
                key[n] = 0;
                return apply(p, key, eq + 1, err, errlen);
        }
        return apply(p, flag + 2, value, err, errlen);
}

static char *strip(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

int gov_policy_parse_config(struct gov_policy *p, const char *text, char *err, size_t errlen)
{
        char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        struct gov_policy tmp = *p; /* all or nothing */
        char sub[200];
        int r = 0, lineno = 0;
        for (char *line = copy; line && r >= 0;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                lineno++;
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = 0;
                char *s = strip(line);
                line = next;
                if (!*s)
                        continue;
                char *eq = strchr(s, '=');
                if (!eq) {
                        r = fail(err, errlen, "line %d: expected 'key = value'", lineno);
                        break;
                }
                *eq = 0;
                char *key = strip(s), *value = strip(eq + 1);
                r = apply(&tmp, key, value, sub, sizeof(sub));
                if (r == 0)
                        r = fail(err, errlen, "line %d: unknown key '%s'", lineno, key);
                else if (r < 0)
                        r = fail(err, errlen, "line %d: %s", lineno, sub);
        }
        free(copy);
        if (r < 0)
                return r;
        *p = tmp;
        return 0;
}

int gov_policy_format_config(const struct gov_policy *p, char **ret)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# corral governor policy, shared by every corral process using this state\n"
                   "# directory.  Explicit flags (--memory-threshold ...) are written here and\n"
                   "# then apply to all of them.  See docs/governor.md.\n");
        if (p->set & GOV_SET_MEMORY_THRESHOLD)
                fprintf(f, "memory-threshold = %g\n", p->memory_threshold);
        if (p->set & GOV_SET_CPU_THRESHOLD)
                fprintf(f, "cpu-threshold = %g\n", p->cpu_threshold);
        if (p->set & GOV_SET_PSI_THRESHOLD)
                fprintf(f, "psi-threshold = %g\n", p->psi_threshold);
        if (p->set & GOV_SET_MAX_CONCURRENT)
                fprintf(f, "max-concurrent = %u\n", p->max_concurrent);
        if (p->set & GOV_SET_QUEUE_LIMIT)
                fprintf(f, "queue-limit = %u\n", p->queue_limit);
        if (p->set & GOV_SET_TENANT_MAX_CONCURRENT)
                fprintf(f, "tenant-max-concurrent = %u\n", p->tenant_max_concurrent);
        if (p->set & GOV_SET_TENANT_MAX_MEMORY)
                fprintf(f, "tenant-max-memory = %llu\n", (unsigned long long)p->tenant_max_memory);
        if (p->set & GOV_SET_TENANT_MAX_QUEUED)
                fprintf(f, "tenant-max-queued = %u\n", p->tenant_max_queued);
        gov_quota_format(p, f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

void gov_policy_merge(struct gov_policy *dst, const struct gov_policy *src)
{
        if (src->set & GOV_SET_MEMORY_THRESHOLD)
                dst->memory_threshold = src->memory_threshold;
        if (src->set & GOV_SET_CPU_THRESHOLD)
                dst->cpu_threshold = src->cpu_threshold;
        if (src->set & GOV_SET_PSI_THRESHOLD)
                dst->psi_threshold = src->psi_threshold;
        if (src->set & GOV_SET_MAX_CONCURRENT)
                dst->max_concurrent = src->max_concurrent;
        if (src->set & GOV_SET_QUEUE_LIMIT)
                dst->queue_limit = src->queue_limit;
        if (src->set & GOV_SET_TENANT_MAX_CONCURRENT)
                dst->tenant_max_concurrent = src->tenant_max_concurrent;
        if (src->set & GOV_SET_TENANT_MAX_MEMORY)
                dst->tenant_max_memory = src->tenant_max_memory;
        if (src->set & GOV_SET_TENANT_MAX_QUEUED)
                dst->tenant_max_queued = src->tenant_max_queued;
        gov_quota_merge(dst, src);
        dst->set |= src->set;
}

const char *gov_verdict_to_string(enum gov_verdict v)
{
        switch (v) {
        case GOV_ADMIT:
                return "admit";
        case GOV_WAIT:
                return "wait";
        case GOV_REFUSE_NEVER_FITS:
                return "refuse";
        case GOV_REFUSE_QUEUE_FULL:
                return "queue-full";
        }
        return "?";
}

bool gov_valid_id(const char *s)
{
        /* The ledger's own check: it also takes '.', never "." or "..". */
        static const struct name_rules rules = {.extra = "_.-", .max = GOV_ID_MAX};
        return name_ok(s, &rules);
}

const char *gov_format_percent(char *buf, size_t len, double pct)
{
        double r = round(pct * 10.0) / 10.0;
        if (r == floor(r))
                snprintf(buf, len, "%.0f%%", r);
        else
                snprintf(buf, len, "%.1f%%", r);
        return buf;
}

uint64_t gov_reservable_bytes(const struct gov_measurements *m, const struct gov_policy *p)
{
        return (uint64_t)((double)m->memory.total_bytes * (p->memory_threshold / 100.0));
}

struct tenant_usage {
        unsigned running;
        uint64_t reserved;
};

static struct tenant_usage tenant_usage(const struct gov_view *v, const char *tenant)
{
        struct tenant_usage u = {0};
        for (size_t i = 0; i < v->n_running; i++)
                if (strcmp(v->running[i].tenant, tenant) == 0) {
                        u.running++;
                        u.reserved += v->running[i].memory_bytes;
                }
        return u;
}

/* Would a job of tenant needing memory wait for its own tenant's limits alone?
 * Writes the reason when it would. */
static bool tenant_blocked(const struct gov_policy *p, const struct gov_view *v, const char *tenant,
                           uint64_t memory, char *reason, size_t len)
{
        struct tenant_usage u = tenant_usage(v, tenant);
        struct gov_quota q = gov_quota_for(p, tenant);
        char a[32], b[32], c[32];
        if (q.max_concurrent && u.running >= q.max_concurrent) {
                snprintf(reason, len, "tenant %s: %u/%u jobs running", tenant, u.running,
                         q.max_concurrent);
                return true;
        }
        if (q.max_memory && memory) {
                uint64_t left = u.reserved < q.max_memory ? q.max_memory - u.reserved : 0;
                if (memory > left) {
                        snprintf(reason, len, "tenant %s: needs %s, %s of %s quota unreserved",
                                 tenant, format_bytes(a, sizeof(a), memory),
                                 format_bytes(b, sizeof(b), left),
                                 format_bytes(c, sizeof(c), q.max_memory));
                        return true;
                }
        }
        return false;
}

/* Limits the job can never meet, whatever else finishes. */
static bool never_fits(const struct gov_measurements *m, const struct gov_policy *p,
                       const char *tenant, uint64_t memory, char *reason, size_t len)
{
        char a[32], b[32], c[32], d[32];
        uint64_t reservable = gov_reservable_bytes(m, p);
        if (memory > reservable) {
                snprintf(reason, len, "needs %s, more than the %s jobs may reserve (%s of %s)",
                         format_bytes(a, sizeof(a), memory), format_bytes(b, sizeof(b), reservable),
                         gov_format_percent(c, sizeof(c), p->memory_threshold),
                         format_bytes(d, sizeof(d), m->memory.total_bytes));
                return true;
        }
        struct gov_quota q = gov_quota_for(p, tenant);
        if (q.max_memory && memory > q.max_memory) {
                snprintf(reason, len, "tenant %s: needs %s, more than its %s quota", tenant,
                         format_bytes(a, sizeof(a), memory),
                         format_bytes(b, sizeof(b), q.max_memory));
                return true;
        }
        /* Threat: a job without a limit could use the whole host, so a tenant held to
         * a memory quota must say how much it needs. */
        if (q.max_memory && memory == 0) {
                snprintf(reason, len,
                         "tenant %s has a %s memory quota: the job must set a memory limit", tenant,
                         format_bytes(a, sizeof(a), q.max_memory));
                return true;
        }
        return false;
}

/* The concurrency limit; checked before the load so "3/3 jobs running" is said
 * rather than a figure those three jobs cause. */
static bool host_blocked(const struct gov_measurements *m, const struct gov_policy *p,
                         const struct gov_view *v, char *reason, size_t len)
{
        unsigned max = gov_policy_max_concurrent(p, m->cpu.cores);
        if (v->n_running >= max) {
                snprintf(reason, len, "%zu/%u jobs running", v->n_running, max);
                return true;
        }
        return false;
}

/* Host load and the memory reservation. */
static bool load_blocked(const struct gov_measurements *m, const struct gov_policy *p,
                         const struct gov_view *v, uint64_t memory, char *reason, size_t len)
{
        char a[32], b[32];
        const char *where;
        if (m->memory.known && m->memory.used_percent >= p->memory_threshold) {
                where = m->memory.source == GOV_SOURCE_HOST ? "host" : "cgroup";
                snprintf(reason, len, "%s memory %s >= %s", where,
                         gov_format_percent(a, sizeof(a), m->memory.used_percent),
                         gov_format_percent(b, sizeof(b), p->memory_threshold));
                return true;
        }
        /* 100 is "off": a saturated host shared with other work would otherwise
         * hold the queue for as long as that work runs. */
        if (m->cpu.known && p->cpu_threshold < 100 && m->cpu.used_percent >= p->cpu_threshold) {
                where = m->cpu.source == GOV_SOURCE_HOST ? "host" : "cgroup";
                snprintf(reason, len, "%s CPU %s >= %s", where,
                         gov_format_percent(a, sizeof(a), m->cpu.used_percent),
                         gov_format_percent(b, sizeof(b), p->cpu_threshold));
                return true;
        }
        if (p->psi_threshold > 0)
                for (int i = 0; i < _GOV_PSI_MAX; i++) {
                        const struct gov_pressure *ps = &m->pressure[i];
                        if (ps->known && ps->some_avg10 >= p->psi_threshold) {
                                snprintf(reason, len, "%s pressure %s >= %s",
                                         gov_resource_to_string((enum gov_resource)i),
                                         gov_format_percent(a, sizeof(a), ps->some_avg10),
                                         gov_format_percent(b, sizeof(b), p->psi_threshold));
                                return true;
                        }
                }
        if (memory) {
                uint64_t reserved = 0, reservable = gov_reservable_bytes(m, p);
                for (size_t i = 0; i < v->n_running; i++)
                        reserved += v->running[i].memory_bytes;
                uint64_t left = reserved < reservable ? reservable - reserved : 0;
                if (memory > left) {
                        snprintf(reason, len, "needs %s, %s unreserved",
                                 format_bytes(a, sizeof(a), memory),
                                 format_bytes(b, sizeof(b), left));
                        return true;
                }
        }
        return false;
}

/* Fair order across tenants.  A queued job's round is the number of its
 * tenant's jobs running plus those queued before it: lower rounds go first, so
 * a tenant with 100 queued jobs takes one turn in each round and a tenant with
 * one is in the first.  Within a round, the tenant with the smaller backlog
 * (queued jobs) goes first, then arrival order.  The backlog matters when
 * nothing runs (a concurrency of 1 between two jobs): rounds then tie, and
 * arrival order alone would let the long backlog's head go first every time.
 * With one tenant, the order is FIFO. */
struct fair {
        size_t round, backlog;
};

struct tenant_count {
        const char *tenant;
        size_t running, queued, seen;
};

static struct tenant_count *tenant_slot(struct tenant_count *t, size_t *n_t, const char *tenant)
{
        for (size_t k = 0; k < *n_t; k++)
                if (strcmp(t[k].tenant, tenant) == 0)
                        return &t[k];
        t[*n_t] = (struct tenant_count){.tenant = tenant};
        return &t[(*n_t)++];
}

/* f[i] for queued[i]; *ret_new for a new job of tenant.  -ENOMEM: FIFO. */
static int fair_order(const struct gov_view *v, const char *tenant, struct fair *f,
                      struct fair *ret_new)
{
        size_t n_t = 0;
        _cleanup_free_ struct tenant_count *t = calloc(v->n_running + v->n_queued + 1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < v->n_running; i++)
                tenant_slot(t, &n_t, v->running[i].tenant)->running++;
        for (size_t i = 0; i < v->n_queued; i++)
                tenant_slot(t, &n_t, v->queued[i].tenant)->queued++;
        for (size_t i = 0; i < v->n_queued; i++) {
                struct tenant_count *c = tenant_slot(t, &n_t, v->queued[i].tenant);
                f[i] = (struct fair){c->running + c->seen++, c->queued};
        }
        struct tenant_count *c = tenant_slot(t, &n_t, tenant);
        *ret_new = (struct fair){c->running + c->queued, c->queued + 1};
        return 0;
}

/* Does queued job i go before the candidate (at arrival index pos, with me)? */
static bool goes_before(const struct fair *f, size_t i, size_t pos, struct fair me)
{
        if (!f)
                return i < pos;
        if (f[i].round != me.round)
                return f[i].round < me.round;
        if (f[i].backlog != me.backlog)
                return f[i].backlog < me.backlog;
        return i < pos;
}

/* A new job that must wait, when its tenant already has its quota of queued
 * jobs: writes the reason. */
static bool tenant_queue_full(const struct gov_policy *p, const struct gov_view *v,
                              const char *tenant, char *reason, size_t len)
{
        struct gov_quota q = gov_quota_for(p, tenant);
        if (!q.max_queued)
                return false;
        unsigned n = 0;
        for (size_t i = 0; i < v->n_queued; i++)
                n += strcmp(v->queued[i].tenant, tenant) == 0;
        if (n < q.max_queued)
                return false;
        snprintf(reason, len, "queue full: tenant %s: %u/%u jobs queued", tenant, n, q.max_queued);
        return true;
}

void gov_decide(const struct gov_measurements *m, const struct gov_policy *p,
                const struct gov_view *v, const struct gov_candidate *c, struct gov_decision *ret)
{
        struct gov_decision d = {.verdict = GOV_WAIT};
        const char *tenant = c->tenant ? c->tenant : GOV_DEFAULT_TENANT;

        /* Where the candidate stands in the FIFO: its index when queued, else the tail. */
        size_t pos = v->n_queued;
        for (size_t i = 0; i < v->n_queued; i++)
                if (c->job_id && strcmp(v->queued[i].job_id, c->job_id) == 0) {
                        pos = i;
                        break;
                }
        bool in_queue = pos < v->n_queued;

        _cleanup_free_ struct fair *rounds =
            v->n_queued ? calloc(v->n_queued, sizeof(struct fair)) : NULL;
        struct fair round = {0, 0};
        if (rounds && fair_order(v, tenant, rounds, &round) < 0) {
                free(rounds);
                rounds = NULL;
        }
        if (rounds && in_queue)
                round = rounds[pos];
        size_t before = 0;
        for (size_t i = 0; i < v->n_queued; i++)
                before += i != pos && goes_before(rounds, i, pos, round);
        d.queue_position = (unsigned)before + 1;

        if (never_fits(m, p, tenant, c->memory_bytes, d.reason, sizeof(d.reason))) {
                d.verdict = GOV_REFUSE_NEVER_FITS;
                d.queue_position = 0;
                *ret = d;
                return;
        }

        /* Fair order: a job before this one goes first, unless it waits only for its
         * own tenant's limits; one tenant at its quota must not hold every other
         * tenant back. */
        size_t ahead = 0;
        char scratch[256];
        for (size_t i = 0; i < v->n_queued; i++)
                if (i != pos && goes_before(rounds, i, pos, round) &&
                    !tenant_blocked(p, v, v->queued[i].tenant, v->queued[i].memory_bytes, scratch,
                                    sizeof(scratch)))
                        ahead++;
        /* A job its own tenant's quota holds says so first: that holds it whatever
         * else ends. */
        bool wait = true;
        if (tenant_blocked(p, v, tenant, c->memory_bytes, d.reason, sizeof(d.reason)))
                ;
        else if (ahead > 0)
                snprintf(d.reason, sizeof(d.reason), "%zu job%s queued ahead", ahead,
                         ahead == 1 ? "" : "s");
        else if (!host_blocked(m, p, v, d.reason, sizeof(d.reason)) &&
                 !load_blocked(m, p, v, c->memory_bytes, d.reason, sizeof(d.reason)))
                wait = false;

        if (!wait) {
                d.verdict = GOV_ADMIT;
                d.queue_position = 0;
                d.reason[0] = 0;
        } else if (!in_queue && tenant_queue_full(p, v, tenant, d.reason, sizeof(d.reason))) {
                d.verdict = GOV_REFUSE_QUEUE_FULL;
                d.queue_position = 0;
        } else if (!in_queue && v->n_queued >= p->queue_limit) {
                char why[sizeof(d.reason)];
                memcpy(why, d.reason, sizeof(why));
                d.verdict = GOV_REFUSE_QUEUE_FULL;
                d.queue_position = 0;
                snprintf(d.reason, sizeof(d.reason), "queue full: %zu/%u jobs queued (%.150s)",
                         v->n_queued, p->queue_limit, why);
        }
        *ret = d;
}
