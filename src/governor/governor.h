/* governor.h - the admission policy and the pure decision: may this job start now?
 *
 * Nothing here does I/O.  gov-measure.h supplies the measurements, gov-ledger.h
 * the running and queued jobs (and does the locking); gov_decide() turns them
 * into ADMIT, WAIT with a reason a person can read, or a refusal.  Because it
 * is pure, every branch is tested directly (tests/unit/governor/test_governor.c).
 */
#pragma once

#include "gov-measure.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GOV_DEFAULT_MEMORY_THRESHOLD 85.0 /* percent, from the seed's health check */
#define GOV_DEFAULT_CPU_THRESHOLD    90.0
#define GOV_DEFAULT_QUEUE_LIMIT      1000
/* Ledger job keys are "<tenant>.<id>" (jobctl_ledger_key): a 64-character
 * tenant, a dot, a 64-character id.  Names: [A-Za-z0-9_.-]{1,GOV_ID_MAX}. */
#define GOV_ID_MAX         129
#define GOV_DEFAULT_TENANT "default"

/* Which policy fields were given explicitly (flags or governor.conf). */
enum {
        GOV_SET_MEMORY_THRESHOLD = 1 << 0,
        GOV_SET_CPU_THRESHOLD = 1 << 1,
        GOV_SET_PSI_THRESHOLD = 1 << 2,
        GOV_SET_MAX_CONCURRENT = 1 << 3,
        GOV_SET_QUEUE_LIMIT = 1 << 4,
        GOV_SET_TENANT_MAX_CONCURRENT = 1 << 5,
        GOV_SET_TENANT_MAX_MEMORY = 1 << 6,
        GOV_SET_TENANT_MAX_QUEUED = 1 << 7,
};

#define GOV_TENANT_QUOTAS_MAX 64

/* One tenant's own quotas (governor.conf "tenant.NAME.KEY = value", gov-quota.h):
 * each field set replaces the default for all tenants. */
struct gov_tenant_quota {
        char tenant[GOV_ID_MAX + 1];
        unsigned set; /* GOV_SET_TENANT_MAX_* bits */
        unsigned max_concurrent, max_queued;
        uint64_t max_memory;
};

struct gov_policy {
        unsigned set;                   /* GOV_SET_* bits: fields given explicitly */
        double memory_threshold;        /* percent of capacity in use at which jobs wait */
        double cpu_threshold;           /* percent of capacity busy at which jobs wait */
        double psi_threshold;           /* percent some-avg10 of any resource; 0 = off */
        unsigned max_concurrent;        /* 0 = gov_default_max_concurrent(cores) */
        unsigned queue_limit;           /* queued jobs at most; a further one is refused */
        unsigned tenant_max_concurrent; /* per tenant; 0 = no limit */
        uint64_t tenant_max_memory;     /* bytes reserved per tenant; 0 = no limit */
        unsigned tenant_max_queued;     /* queued jobs per tenant; 0 = no limit */
        size_t n_tenant_quotas;         /* per-tenant quotas replacing the three above */
        struct gov_tenant_quota tenant_quotas[GOV_TENANT_QUOTAS_MAX];
};

/* Fills p with the defaults (nothing marked set): the built-in ones, or those
 * given to gov_policy_set_defaults. */
void gov_policy_init(struct gov_policy *p);
/* Replaces the built-in defaults for this process (corral.conf's governor keys;
 * called once at start-up). */
void gov_policy_set_defaults(const struct gov_policy *p);

/* max(2, ceil(cores)): one heavy job per core; at least two so a slow
 * I/O-bound job does not hold a one-core host alone.  See docs/governor.md. */
unsigned gov_default_max_concurrent(double cores);

/* max_concurrent, or the default for cores when it is 0. */
unsigned gov_policy_max_concurrent(const struct gov_policy *p, double cores);

/* Applies one option as it appears on a command line: flag is "--memory-threshold",
 * "--cpu-threshold", "--psi-threshold", "--max-concurrent", "--queue-limit",
 * "--tenant-max-concurrent" or "--tenant-max-memory"; "--flag=value" with value
 * NULL works too.  Returns 1 when applied,
 * 0 when flag is not a governor option (the caller handles it), -EINVAL with a
 * one-line message in err when the value is bad. */
int gov_policy_parse_option(struct gov_policy *p, const char *flag, const char *value, char *err,
                            size_t errlen);

/* The config file (governor.conf): "key = value" lines, keys are the flag names
 * without "--", '#' starts a comment.  Sets the fields it names (marking them
 * set).  -EINVAL with "line N: ..." in err on a bad line. */
int gov_policy_parse_config(struct gov_policy *p, const char *text, char *err, size_t errlen);

/* Writes the explicitly set fields of p as governor.conf text (malloc'ed). */
int gov_policy_format_config(const struct gov_policy *p, char **ret);

/* Copies the fields set in src into dst (and marks them set there). */
void gov_policy_merge(struct gov_policy *dst, const struct gov_policy *src);

/* One job the ledger knows: running (holding a reservation) or queued. */
struct gov_entry {
        char job_id[GOV_ID_MAX + 1];
        char tenant[GOV_ID_MAX + 1];
        uint64_t memory_bytes; /* its memory limit, reserved while it runs; 0 = none */
        int pid;               /* the process that owns the entry (the job's supervisor,
                                * or the server until it hands over) */
        uint64_t starttime;    /* of pid, /proc/PID/stat field 22 */
};

struct gov_view {
        const struct gov_entry *running;
        size_t n_running;
        const struct gov_entry *queued; /* in arrival order: queued[0] came first */
        size_t n_queued;
};

struct gov_candidate {
        const char *job_id;
        const char *tenant;    /* NULL: GOV_DEFAULT_TENANT */
        uint64_t memory_bytes; /* the job's memory limit; 0 = none */
};

enum gov_verdict {
        GOV_ADMIT,
        GOV_WAIT,              /* queue it (or keep it queued) at queue_position */
        GOV_REFUSE_NEVER_FITS, /* its limit exceeds the host or its tenant's quota */
        GOV_REFUSE_QUEUE_FULL, /* it would wait, but queue_limit jobs already do */
};
const char *gov_verdict_to_string(enum gov_verdict v); /* "admit", "wait", "refuse", "queue-full" */

struct gov_decision {
        enum gov_verdict verdict;
        unsigned queue_position; /* WAIT: 1-based place in the fair order once queued */
        char reason[256];        /* empty on ADMIT; else e.g. "3/3 jobs running" */
};

/* Decides for candidate, which may already be in view->queued (re-evaluation)
 * or not (a new submission).  Queued jobs go in a fair order across tenants
 * (round robin: each tenant's next job takes a turn; arrival order within a
 * round; with one tenant, plain FIFO).  Order of checks, the first that fails is the reason:
 * never-fits, jobs queued ahead, max concurrent, tenant concurrent, tenant
 * reservation, memory threshold, CPU threshold, pressure, memory reservation,
 * and for a new job that must wait, the queue limit.  Measurements that are not
 * known (no CPU samples yet, no PSI) do not hold a job back. */
void gov_decide(const struct gov_measurements *m, const struct gov_policy *p,
                const struct gov_view *view, const struct gov_candidate *c,
                struct gov_decision *ret);

/* Memory running jobs may reserve in total: memory_threshold percent of capacity. */
uint64_t gov_reservable_bytes(const struct gov_measurements *m, const struct gov_policy *p);

/* True when s is a valid job id or tenant name ([A-Za-z0-9_.-]{1,64}, not "." or ".."). */
bool gov_valid_id(const char *s);

/* "91" or "23.5": a percentage as reasons print it. */
const char *gov_format_percent(char *buf, size_t len, double pct);
