/* job-counters.c - events counted for `corral metrics` (see job-counters.h). */
#include "job-counters.h"
#include "gov-counters.h"
#include "log.h"
#include "units.h"

#include <string.h>

static const char *tenant_of(const char *t)
{
        return t && *t ? t : GOV_DEFAULT_TENANT;
}

static void add(const char *state_dir, const char *const *keys, const double *deltas, size_t n)
{
        int r = gov_counters_add(state_dir, keys, deltas, n);
        if (r < 0)
                log_debug("Failed to update the metrics counters: %s", strerror(-r));
}

void job_counters_admitted(const char *state_dir, const struct job *j, uint64_t admitted_at)
{
        double waited = j->created_at && admitted_at > j->created_at
                            ? (double)(admitted_at - j->created_at) / 1e6
                            : 0;
        const char *keys[] = {"corral_admissions_total", "corral_queue_wait_seconds_sum",
                              "corral_queue_wait_seconds_count"};
        const double deltas[] = {1, waited, 1};
        add(state_dir, keys, deltas, 3);
}

void job_counters_refused(const char *state_dir, const char *tenant, enum gov_verdict v)
{
        char key[GOV_COUNTER_KEY_MAX + 1];
        const char *labels[] = {"reason", v == GOV_REFUSE_QUEUE_FULL ? "queue_full" : "never_fits",
                                "tenant", tenant_of(tenant)};
        if (gov_counter_key(key, sizeof(key), "corral_refusals_total", labels, 2) < 0)
                return;
        const char *keys[] = {key};
        const double one = 1;
        add(state_dir, keys, &one, 1);
}

void job_counters_finished(const char *state_dir, const struct job *j)
{
        char finished[GOV_COUNTER_KEY_MAX + 1], oom[GOV_COUNTER_KEY_MAX + 1],
            seccomp[GOV_COUNTER_KEY_MAX + 1];
        const char *tenant = tenant_of(j->tenant);
        const char *l1[] = {"tenant", tenant, "status", job_status_to_string(j->status)};
        const char *l2[] = {"tenant", tenant};
        if (gov_counter_key(finished, sizeof(finished), "corral_jobs_finished_total", l1, 2) < 0 ||
            gov_counter_key(oom, sizeof(oom), "corral_oom_kills_total", l2, 1) < 0 ||
            gov_counter_key(seccomp, sizeof(seccomp), "corral_seccomp_violations_total", l2, 1) < 0)
                return;
        const char *keys[] = {finished, oom, seccomp};
        const double deltas[] = {1, (double)j->oom_kills,
                                 j->status == JOB_SECCOMP_VIOLATION ? 1 : 0};
        add(state_dir, keys, deltas, 3);
}
