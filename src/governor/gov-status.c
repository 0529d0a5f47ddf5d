/* gov-status.c - the governor's view as a record and as JSON (see gov-status.h). */
#include "gov-status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int gov_status_collect(const struct gov_measurements *m, const char *state_dir,
                       struct gov_status *ret)
{
        struct gov_status s = {.m = *m};
        char gdir[4096];
        struct stat st;
        if (snprintf(gdir, sizeof(gdir), "%s/governor", state_dir) >= (int)sizeof(gdir))
                return -ENAMETOOLONG;
        gov_policy_init(&s.snap.policy);
        if (stat(gdir, &st) == 0) {
                struct gov_ledger *l = NULL;
                int r = gov_ledger_open(state_dir, &l);
                if (r >= 0) {
                        r = gov_ledger_snapshot_checked(l, &s.snap);
                        gov_ledger_free(l);
                }
                if (r < 0)
                        return r;
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
                /* Threat: through `corral daemon` a tenant must not learn another
                 * tenant's job ids or name (docs/daemon.md); the daemon names the
                 * viewer's tenant for everyone but operators. */
                const char *viewer = getenv("CORRAL_VIEW_TENANT");
                s.head_hidden = viewer && strcmp(viewer, h->tenant) != 0;
        }
        *ret = s;
        return 0;
}

void gov_status_done(struct gov_status *s)
{
        gov_snapshot_done(&s->snap);
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

cJSON *gov_status_to_json(const struct gov_status *s, const char *state_dir)
{
        const struct gov_policy *p = &s->snap.policy;
        cJSON *root = cJSON_CreateObject();
        if (!root)
                return NULL;
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
        if (p->tenant_max_queued)
                cJSON_AddNumberToObject(root, "tenant_max_queued", p->tenant_max_queued);
        else
                cJSON_AddNullToObject(root, "tenant_max_queued");
        if (s->have_head && s->head_hidden) {
                cJSON *h = cJSON_AddObjectToObject(root, "head");
                cJSON_AddNullToObject(h, "job_id");
                cJSON_AddNullToObject(h, "tenant");
                cJSON_AddStringToObject(h, "verdict", gov_verdict_to_string(s->head.verdict));
                cJSON_AddNullToObject(h, "reason");
        } else if (s->have_head) {
                cJSON *h = cJSON_AddObjectToObject(root, "head");
                cJSON_AddStringToObject(h, "job_id", s->snap.queued[0].job_id);
                cJSON_AddStringToObject(h, "tenant", s->snap.queued[0].tenant);
                cJSON_AddStringToObject(h, "verdict", gov_verdict_to_string(s->head.verdict));
                cJSON_AddStringToObject(h, "reason", s->head.reason);
        } else
                cJSON_AddNullToObject(root, "head");
        cJSON_AddStringToObject(root, "state_dir", state_dir);

        return root;
}
