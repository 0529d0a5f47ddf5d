/* cmd-status.c - `corral status --system [--json]`: what the governor sees.
 *
 * Every figure with its source, the thresholds, the running and queued counts
 * from the shared ledger, and why the head of the queue waits.  Job status
 * (`corral status ID`) joins this command once the job store exists.
 *
 * CPU needs two samples: a one-shot command takes them GOV_ONESHOT_GAP_USEC
 * apart (the server keeps a sliding window; see gov-measure.h).
 */
#include "corral/cleanup.h"
#include "corral/commands.h"
#include "corral/gov-ledger.h"
#include "corral/gov-measure.h"
#include "corral/governor.h"
#include "corral/log.h"
#include "corral/statedir.h"
#include "corral/units.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct system_status {
        struct gov_measurements m;
        struct gov_snapshot snap; /* empty when the state dir has no ledger yet */
        unsigned max_concurrent;
        uint64_t reserved, reservable;
        bool have_head;
        struct gov_decision head;
        const char *state_dir;
};

static void usage(FILE *f)
{
        fprintf(f, "usage: corral status --system [--json]\n\n"
                   "  --system   the governor's view: memory, CPU, pressure, thresholds,\n"
                   "             running and queued jobs, why the head of the queue waits\n"
                   "  --json     one JSON object instead of text\n"
                   "  --root DIR read /proc and /sys below DIR (tests)\n");
}

static int collect(const char *state_dir, const char *root, struct system_status *ret)
{
        struct system_status s = {.state_dir = state_dir};
        struct gov_measure *meas = NULL;
        int r = gov_measure_new(root, &meas);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s' for measurements: %s",
                                       root ? root : "/", strerror(-r));
        r = gov_measure_oneshot(meas, GOV_ONESHOT_GAP_USEC, &s.m);
        gov_measure_free(meas);
        if (r < 0)
                return log_error_errno(r, "Failed to measure memory and CPU: %s", strerror(-r));

        /* Reading the status must not create a store: without one, nothing runs
         * and the policy is the default. */
        char gdir[4096];
        struct stat st;
        snprintf(gdir, sizeof(gdir), "%s/governor", state_dir);
        gov_policy_init(&s.snap.policy);
        if (stat(gdir, &st) == 0) {
                struct gov_ledger *l = NULL;
                r = gov_ledger_open(state_dir, &l);
                if (r >= 0) {
                        r = gov_ledger_snapshot(l, &s.snap);
                        gov_ledger_free(l);
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to read the governor ledger in '%s': %s",
                                               gdir, strerror(-r));
        }
        s.max_concurrent = gov_policy_max_concurrent(&s.snap.policy, s.m.cpu.cores);
        s.reservable = gov_reservable_bytes(&s.m, &s.snap.policy);
        for (size_t i = 0; i < s.snap.n_running; i++)
                s.reserved += s.snap.running[i].memory_bytes;
        if (s.snap.n_queued > 0) {
                const struct gov_entry *h = &s.snap.queued[0];
                struct gov_candidate c = {h->job_id, h->tenant, h->memory_bytes};
                struct gov_view v = gov_snapshot_view(&s.snap);
                gov_decide(&s.m, &s.snap.policy, &v, &c, &s.head);
                s.have_head = true;
        }
        *ret = s;
        return 0;
}

static cJSON *pressure_json(const struct gov_pressure *p)
{
        if (!p->known)
                return cJSON_CreateNull();
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "some_avg10", p->some_avg10);
        if (p->full_known)
                cJSON_AddNumberToObject(o, "full_avg10", p->full_avg10);
        else
                cJSON_AddNullToObject(o, "full_avg10");
        return o;
}

static int print_json(const struct system_status *s)
{
        const struct gov_policy *p = &s->snap.policy;
        cJSON *root = cJSON_CreateObject();
        if (!root)
                return -ENOMEM;
        cJSON *mem = cJSON_AddObjectToObject(root, "memory");
        cJSON_AddNumberToObject(mem, "used_percent", s->m.memory.used_percent);
        cJSON_AddNumberToObject(mem, "threshold_percent", p->memory_threshold);
        cJSON_AddNumberToObject(mem, "total_bytes", (double)s->m.memory.total_bytes);
        cJSON_AddNumberToObject(mem, "available_bytes", (double)s->m.memory.available_bytes);
        cJSON_AddNumberToObject(mem, "used_bytes", (double)s->m.memory.used_bytes);
        cJSON_AddStringToObject(mem, "source", gov_source_to_string(s->m.memory.source));
        cJSON_AddStringToObject(mem, "source_path", s->m.memory.source_path);
        cJSON_AddNumberToObject(mem, "host_total_bytes", (double)s->m.memory.host_total_bytes);
        cJSON_AddNumberToObject(mem, "host_available_bytes",
                                (double)s->m.memory.host_available_bytes);
        cJSON_AddNumberToObject(mem, "reserved_bytes", (double)s->reserved);
        cJSON_AddNumberToObject(mem, "reservable_bytes", (double)s->reservable);

        cJSON *cpu = cJSON_AddObjectToObject(root, "cpu");
        if (s->m.cpu.known)
                cJSON_AddNumberToObject(cpu, "used_percent", s->m.cpu.used_percent);
        else
                cJSON_AddNullToObject(cpu, "used_percent");
        cJSON_AddNumberToObject(cpu, "threshold_percent", p->cpu_threshold);
        cJSON_AddNumberToObject(cpu, "cores", s->m.cpu.cores);
        cJSON_AddNumberToObject(cpu, "host_cores", s->m.cpu.host_cores);
        cJSON_AddStringToObject(cpu, "source", gov_source_to_string(s->m.cpu.source));
        cJSON_AddStringToObject(cpu, "source_path", s->m.cpu.source_path);
        cJSON_AddNumberToObject(cpu, "window_usec", (double)s->m.cpu.window_usec);
        if (s->m.cpu.host_known)
                cJSON_AddNumberToObject(cpu, "host_used_percent", s->m.cpu.host_used_percent);
        else
                cJSON_AddNullToObject(cpu, "host_used_percent");

        cJSON *pr = cJSON_AddObjectToObject(root, "pressure");
        if (p->psi_threshold > 0)
                cJSON_AddNumberToObject(pr, "threshold_percent", p->psi_threshold);
        else
                cJSON_AddNullToObject(pr, "threshold_percent");
        for (int i = 0; i < _GOV_PSI_MAX; i++)
                cJSON_AddItemToObject(pr, gov_resource_to_string((enum gov_resource)i),
                                      pressure_json(&s->m.pressure[i]));

        cJSON_AddNumberToObject(root, "running", (double)s->snap.n_running);
        cJSON_AddNumberToObject(root, "queued", (double)s->snap.n_queued);
        cJSON_AddNumberToObject(root, "max_concurrent_jobs", s->max_concurrent);
        cJSON_AddNumberToObject(root, "queue_limit", p->queue_limit);
        if (p->tenant_max_concurrent)
                cJSON_AddNumberToObject(root, "tenant_max_concurrent", p->tenant_max_concurrent);
        else
                cJSON_AddNullToObject(root, "tenant_max_concurrent");
        if (p->tenant_max_memory)
                cJSON_AddNumberToObject(root, "tenant_max_memory_bytes",
                                        (double)p->tenant_max_memory);
        else
                cJSON_AddNullToObject(root, "tenant_max_memory_bytes");
        if (s->have_head) {
                cJSON *h = cJSON_AddObjectToObject(root, "head");
                cJSON_AddStringToObject(h, "job_id", s->snap.queued[0].job_id);
                cJSON_AddStringToObject(h, "tenant", s->snap.queued[0].tenant);
                cJSON_AddStringToObject(h, "verdict", gov_verdict_to_string(s->head.verdict));
                cJSON_AddStringToObject(h, "reason", s->head.reason);
        } else
                cJSON_AddNullToObject(root, "head");
        cJSON_AddStringToObject(root, "state_dir", s->state_dir);

        char *text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (!text)
                return -ENOMEM;
        printf("%s\n", text);
        free(text);
        return 0;
}

static void print_text(const struct system_status *s)
{
        const struct gov_policy *p = &s->snap.policy;
        const struct gov_measurements *m = &s->m;
        char a[32], b[32], c[32], d[32];

        printf("memory    %s used, %s of %s available   threshold %s   (%s %s)\n",
               gov_format_percent(a, sizeof(a), m->memory.used_percent),
               format_bytes(b, sizeof(b), m->memory.available_bytes),
               format_bytes(c, sizeof(c), m->memory.total_bytes),
               gov_format_percent(d, sizeof(d), p->memory_threshold),
               gov_source_to_string(m->memory.source), m->memory.source_path);
        if (m->cpu.known)
                printf("cpu       %s busy over %.2f s, %.2g cores   threshold %s   (%s %s)\n",
                       gov_format_percent(a, sizeof(a), m->cpu.used_percent),
                       (double)m->cpu.window_usec / 1e6, m->cpu.cores,
                       gov_format_percent(b, sizeof(b), p->cpu_threshold),
                       gov_source_to_string(m->cpu.source), m->cpu.source_path);
        else
                printf("cpu       not available, %.2g cores   threshold %s   (%s %s)\n",
                       m->cpu.cores, gov_format_percent(b, sizeof(b), p->cpu_threshold),
                       gov_source_to_string(m->cpu.source), m->cpu.source_path);
        printf("pressure ");
        for (int i = 0; i < _GOV_PSI_MAX; i++) {
                const struct gov_pressure *ps = &m->pressure[i];
                printf(" %s ", gov_resource_to_string((enum gov_resource)i));
                if (!ps->known)
                        printf("not available;");
                else if (ps->full_known)
                        printf("some %.2f%% full %.2f%%;", ps->some_avg10, ps->full_avg10);
                else
                        printf("some %.2f%%;", ps->some_avg10);
        }
        if (p->psi_threshold > 0)
                printf("   threshold %s (some avg10)\n",
                       gov_format_percent(a, sizeof(a), p->psi_threshold));
        else
                printf("   threshold off\n");
        printf("jobs      %zu running, %zu queued   max concurrent %u, queue limit %u\n",
               s->snap.n_running, s->snap.n_queued, s->max_concurrent, p->queue_limit);
        printf("reserved  %s of %s reservable (%s of capacity)\n",
               format_bytes(a, sizeof(a), s->reserved), format_bytes(b, sizeof(b), s->reservable),
               gov_format_percent(c, sizeof(c), p->memory_threshold));
        if (p->tenant_max_concurrent || p->tenant_max_memory) {
                printf("tenants   at most ");
                if (p->tenant_max_concurrent)
                        printf("%u jobs", p->tenant_max_concurrent);
                if (p->tenant_max_concurrent && p->tenant_max_memory)
                        printf(", ");
                if (p->tenant_max_memory)
                        printf("%s reserved", format_bytes(a, sizeof(a), p->tenant_max_memory));
                printf(" each\n");
        }
        if (!s->have_head)
                printf("queue     empty\n");
        else if (s->head.verdict == GOV_ADMIT)
                printf("queue     head %s would start now\n", s->snap.queued[0].job_id);
        else
                printf("queue     head %s waits: %s\n", s->snap.queued[0].job_id, s->head.reason);
        printf("state     %s\n", s->state_dir);
}

int cmd_status(const struct corral_options *o, int argc, char **argv)
{
        bool system = false, json = false;
        const char *root = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--system") == 0)
                        system = true;
                else if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--root") == 0) {
                        if (i + 1 >= argc) {
                                fprintf(stderr, "corral status: --root needs a directory\n");
                                return EXIT_USAGE;
                        }
                        root = argv[++i];
                } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else {
                        fprintf(stderr,
                                "corral status: '%s': job status needs the job store, which this "
                                "build does not have yet; only 'corral status --system [--json]' "
                                "works\n",
                                argv[i]);
                        return EXIT_USAGE;
                }
        }
        if (!system) {
                fprintf(stderr, "corral status: job status needs the job store, which this build "
                                "does not have yet; use 'corral status --system [--json]'\n");
                return EXIT_USAGE;
        }

        _cleanup_free_ char *state_dir = NULL;
        int r = state_dir_resolve(o->state_dir, &state_dir);
        if (r < 0) {
                log_error_errno(r,
                                "Failed to find a state directory: set HOME or pass --state-dir");
                return 1;
        }
        struct system_status s;
        if (collect(state_dir, root, &s) < 0)
                return 1;
        if (json)
                r = print_json(&s);
        else
                print_text(&s);
        gov_snapshot_done(&s.snap);
        if (r < 0) {
                log_error_errno(r, "Failed to format the status: %s", strerror(-r));
                return 1;
        }
        return 0;
}
