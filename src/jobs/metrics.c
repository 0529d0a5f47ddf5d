/* metrics.c - the Prometheus text of a state directory (see metrics.h).
 *
 * Gauges are read now: every tenant's jobs by status (finished ones counted in
 * its index, live ones from their records: store_census), the governor's ledger
 * and policy, each running job's memory group, the host measurements.
 * Counters come from <state>/governor/counters (gov-counters.h), which
 * supervisors and submitters increment as events happen, so they survive
 * `corral gc` removing the records. */
#include "metrics.h"
#include "cgroup-usage.h"
#include "cleanup.h"
#include "gov-counters.h"
#include "gov-status.h"
#include "jobid.h"
#include "procfs.h"
#include "store-list.h"
#include "store.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tenant_figures {
        char name[80];
        size_t by_status[_JOB_STATUS_MAX];
        uint64_t memory_in_use; /* running jobs' groups, now */
        uint64_t cpus_milli;    /* running jobs' CPU limits */
        uint64_t oldest_queued; /* created_at of the oldest queued job; 0 = none */
};

static void family(FILE *f, const char *name, const char *type, const char *help)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int collect_tenant(const char *state_dir, const char *tenant, const struct cg_layout *layout,
                          struct tenant_figures *t)
{
        _cleanup_(store_freep) struct store *s = NULL;
        int r = store_open(state_dir, tenant, &s);
        if (r < 0)
                return r;
        snprintf(t->name, sizeof(t->name), "%s", tenant);
        /* Finished jobs are counted in the index: a scrape costs the live
         * jobs, not the history (store-list.h). */
        struct store_census c = {0};
        r = store_census(s, 0, &c);
        if (r < 0)
                return r;
        memcpy(t->by_status, c.by_status, sizeof(t->by_status));
        for (size_t i = 0; i < c.n_live; i++) {
                const struct job *j = c.live[i];
                if (j->status == JOB_QUEUED &&
                    (!t->oldest_queued || j->created_at < t->oldest_queued))
                        t->oldest_queued = j->created_at;
                if (j->status != JOB_RUNNING)
                        continue;
                t->cpus_milli += j->limits.cpus_milli;
                uint64_t bytes;
                /* The job's own pid, checked by start time: a reused pid is not it. */
                if (layout && j->pid > 0 && proc_alive(j->pid, j->pid_starttime) &&
                    cg_pid_memory_current(layout, j->pid, &bytes) == 0)
                        t->memory_in_use += bytes;
        }
        store_census_done(&c);
        return 0;
}

/* Every tenant directory of the store; an absent store has none. */
static int collect_tenants(const char *state_dir, struct tenant_figures **ret, size_t *ret_n)
{
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/tenants", state_dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        *ret = NULL;
        *ret_n = 0;
        DIR *d = opendir(path);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        _cleanup_(cg_layout_freep) struct cg_layout *layout = NULL;
        (void)cg_layout_detect(NULL, &layout); /* no layout: memory in use unknown (0) */
        struct tenant_figures *v = NULL;
        size_t n = 0;
        int r = 0;
        for (struct dirent *e; (e = readdir(d));) {
                if (e->d_name[0] == '.' || jobid_validate(e->d_name, NULL) < 0)
                        continue;
                struct tenant_figures *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                memset(&v[n], 0, sizeof(v[n]));
                if (collect_tenant(state_dir, e->d_name, layout, &v[n]) == 0)
                        n++;
        }
        closedir(d);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void write_counters(FILE *f, const struct gov_counter *c, size_t n)
{
        static const struct {
                const char *name, *type, *help;
        } families[] = {
            {"corral_admissions_total", "counter", "Jobs the governor admitted to run."},
            {"corral_refusals_total", "counter",
             "Jobs the governor refused, by reason (never_fits, queue_full)."},
            {"corral_jobs_finished_total", "counter", "Jobs that ended, by tenant and outcome."},
            {"corral_oom_kills_total", "counter",
             "Processes of jobs killed by the OOM killer, by tenant."},
            {"corral_seccomp_violations_total", "counter",
             "Jobs killed for a syscall their seccomp policy forbids, by tenant."},
            {"corral_queue_wait_seconds", "summary",
             "Time admitted jobs spent queued before they started."},
        };
        for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
                const char *name = families[k].name;
                size_t len = strlen(name);
                family(f, name, families[k].type, families[k].help);
                bool any = false;
                for (size_t i = 0; i < n; i++) {
                        const char *key = c[i].key;
                        /* The family's own samples: name, name{...}, name_sum, name_count. */
                        if (strncmp(key, name, len) != 0)
                                continue;
                        const char *rest = key + len;
                        if (*rest && *rest != '{' && strncmp(rest, "_sum", 4) != 0 &&
                            strncmp(rest, "_count", 6) != 0)
                                continue;
                        fprintf(f, "%s %.15g\n", key, c[i].value);
                        any = true;
                }
                /* Families without labels start at 0, so a scraper sees them from
                 * the first scrape (a labelled one appears with its first event). */
                if (!any && strcmp(name, "corral_admissions_total") == 0)
                        fprintf(f, "%s 0\n", name);
                else if (!any && strcmp(families[k].type, "summary") == 0)
                        fprintf(f, "%s_sum 0\n%s_count 0\n", name, name);
        }
}

static void write_jobs(FILE *f, const struct tenant_figures *t, size_t n, uint64_t now)
{
        family(f, "corral_jobs", "gauge", "Jobs in the store, by tenant and status.");
        for (size_t i = 0; i < n; i++)
                for (int s = 0; s < _JOB_STATUS_MAX; s++)
                        fprintf(f, "corral_jobs{tenant=\"%s\",status=\"%s\"} %zu\n", t[i].name,
                                job_status_to_string(s), t[i].by_status[s]);
        family(f, "corral_queue_oldest_wait_seconds", "gauge",
               "How long the oldest queued job of each tenant has waited.");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "corral_queue_oldest_wait_seconds{tenant=\"%s\"} %.3f\n", t[i].name,
                        t[i].oldest_queued && now > t[i].oldest_queued
                            ? (double)(now - t[i].oldest_queued) / 1e6
                            : 0.0);
        family(f, "corral_jobs_memory_bytes", "gauge",
               "Memory the running jobs' groups use now, by tenant.");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "corral_jobs_memory_bytes{tenant=\"%s\"} %llu\n", t[i].name,
                        (unsigned long long)t[i].memory_in_use);
        family(f, "corral_jobs_cpus_limit", "gauge",
               "CPUs the running jobs may use (sum of their --cpus limits), by tenant.");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "corral_jobs_cpus_limit{tenant=\"%s\"} %.3f\n", t[i].name,
                        (double)t[i].cpus_milli / 1000.0);
}

static void write_governor(FILE *f, const struct gov_status *s)
{
        family(f, "corral_running", "gauge", "Jobs holding a slot in the governor's ledger.");
        fprintf(f, "corral_running %zu\n", s->snap.n_running);
        family(f, "corral_queue_length", "gauge", "Jobs waiting in the governor's queue.");
        fprintf(f, "corral_queue_length %zu\n", s->snap.n_queued);
        family(f, "corral_max_concurrent", "gauge", "Running jobs allowed at once.");
        fprintf(f, "corral_max_concurrent %u\n", s->max_concurrent);
        family(f, "corral_queue_limit", "gauge", "Queued jobs allowed at once.");
        fprintf(f, "corral_queue_limit %u\n", s->snap.policy.queue_limit);
        family(f, "corral_memory_reserved_bytes", "gauge",
               "Memory limits of running jobs, reserved by the governor.");
        fprintf(f, "corral_memory_reserved_bytes %llu\n", (unsigned long long)s->reserved);
        family(f, "corral_memory_reservable_bytes", "gauge",
               "Memory jobs may reserve in all (the memory threshold of capacity).");
        fprintf(f, "corral_memory_reservable_bytes %llu\n", (unsigned long long)s->reservable);
}

static void write_host(FILE *f, const struct gov_measurements *m)
{
        family(f, "corral_host_memory_capacity_bytes", "gauge",
               "Memory capacity the governor counts (host, or corral's limiting group).");
        family(f, "corral_host_memory_used_bytes", "gauge", "Memory in use of that capacity.");
        if (m->memory.known) {
                fprintf(f, "corral_host_memory_capacity_bytes %llu\n",
                        (unsigned long long)m->memory.total_bytes);
                fprintf(f, "corral_host_memory_used_bytes %llu\n",
                        (unsigned long long)m->memory.used_bytes);
        }
        family(f, "corral_host_cpu_capacity_cores", "gauge", "CPUs the governor counts.");
        fprintf(f, "corral_host_cpu_capacity_cores %.3f\n", m->cpu.cores);
        family(f, "corral_host_cpu_used_ratio", "gauge",
               "Share of the CPU capacity busy over the last measurement window (0-1).");
        if (m->cpu.known)
                fprintf(f, "corral_host_cpu_used_ratio %.4f\n", m->cpu.used_percent / 100.0);
        family(f, "corral_host_pressure_some_ratio", "gauge",
               "Pressure stall information, some avg10 (0-1), by resource.");
        for (int r = 0; r < _GOV_PSI_MAX; r++)
                if (m->pressure[r].known)
                        fprintf(f, "corral_host_pressure_some_ratio{resource=\"%s\"} %.4f\n",
                                gov_resource_to_string(r), m->pressure[r].some_avg10 / 100.0);
        family(f, "corral_host_pressure_full_ratio", "gauge",
               "Pressure stall information, full avg10 (0-1), by resource.");
        for (int r = 0; r < _GOV_PSI_MAX; r++)
                if (m->pressure[r].known && m->pressure[r].full_known)
                        fprintf(f, "corral_host_pressure_full_ratio{resource=\"%s\"} %.4f\n",
                                gov_resource_to_string(r), m->pressure[r].full_avg10 / 100.0);
}

int metrics_render(const char *state_dir, const struct gov_measurements *m, char **ret,
                   size_t *ret_len)
{
        struct gov_status st;
        int r = gov_status_collect(m, state_dir, &st);
        if (r < 0)
                return r;
        _cleanup_free_ struct tenant_figures *t = NULL;
        size_t nt = 0;
        _cleanup_free_ struct gov_counter *c = NULL;
        size_t nc = 0;
        if ((r = collect_tenants(state_dir, &t, &nt)) < 0 ||
            (r = gov_counters_read(state_dir, &c, &nc)) < 0) {
                gov_status_done(&st);
                return r;
        }
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f) {
                gov_status_done(&st);
                return -ENOMEM;
        }
        family(f, "corral_info", "gauge", "corral's version; always 1.");
        fprintf(f, "corral_info{version=\"%s\"} 1\n", CORRAL_VERSION);
        write_jobs(f, t, nt, now_realtime_usec());
        write_governor(f, &st);
        write_counters(f, c, nc);
        write_host(f, m);
        gov_status_done(&st);
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        *ret_len = size;
        return 0;
}
