/* slurm-status.c - see slurm-status.h. */
#include "slurm-status.h"
#include "executor.h"
#include "slurm-cli.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

cJSON *executor_status_json(const char *state_dir)
{
        struct executor_settings es;
        char err[300];
        if (executor_load(state_dir, &es, err, sizeof(err)) < 0 || es.kind != EXECUTOR_SLURM)
                return NULL;
        cJSON *e = cJSON_CreateObject();
        if (!e)
                return NULL;
        cJSON_AddStringToObject(e, "kind", "slurm");
        if (es.partition[0])
                cJSON_AddStringToObject(e, "partition", es.partition);
        else
                cJSON_AddNullToObject(e, "partition");

        struct slurm_cluster c = {0};
        struct slurm_cmd_result nodes = {0}, jobs = {0};
        char part[300];
        snprintf(part, sizeof(part), "--partition=%s", es.partition);
        char *nargv[] = {"scontrol", "show", "node", "-o", NULL};
        char *jargv[] = {"squeue", "-h", "-o", "%T", es.partition[0] ? part : NULL, NULL};
        int r = slurm_cmd_run(nargv, &nodes);
        if (r == 0 && nodes.status == 0)
                r = slurm_cmd_run(jargv, &jobs);
        bool ok = r == 0 && nodes.status == 0 && jobs.status == 0;
        if (ok) {
                slurm_parse_nodes(nodes.out, &c);
                slurm_count_states(jobs.out, &c);
        }
        cJSON_AddBoolToObject(e, "reachable", ok);
        if (ok)
                cJSON_AddNullToObject(e, "error");
        else {
                const char *why = r < 0               ? strerror(-r)
                                  : nodes.status != 0 ? nodes.err
                                  : jobs.err          ? jobs.err
                                                      : "no answer";
                char line[300];
                size_t n = strcspn(why, "\n");
                snprintf(line, sizeof(line), "%.*s", (int)(n < 299 ? n : 299), why);
                cJSON_AddStringToObject(e, "error", line);
        }
        cJSON_AddNumberToObject(e, "nodes", c.nodes);
        cJSON_AddNumberToObject(e, "nodes_up", c.nodes_up);
        cJSON_AddNumberToObject(e, "cpus_total", (double)c.cpus_total);
        cJSON_AddNumberToObject(e, "cpus_allocated", (double)c.cpus_alloc);
        cJSON_AddNumberToObject(e, "memory_total_bytes", (double)(c.memory_total_mb << 20));
        cJSON_AddNumberToObject(e, "memory_allocated_bytes", (double)(c.memory_alloc_mb << 20));
        cJSON_AddNumberToObject(e, "jobs_pending", c.jobs_pending);
        cJSON_AddNumberToObject(e, "jobs_running", c.jobs_running);
        slurm_cmd_result_done(&nodes);
        slurm_cmd_result_done(&jobs);
        return e;
}

static double num(const cJSON *e, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
        return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void executor_status_text(const cJSON *e, char *buf, unsigned long len)
{
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(e, "error");
        if (cJSON_IsString(err)) {
                snprintf(buf, len, "slurm cluster unreachable: %s", err->valuestring);
                return;
        }
        char a[32], b[32];
        snprintf(buf, len,
                 "slurm nodes %.0f/%.0f up, CPUs %.0f/%.0f allocated, memory %s/%s allocated, "
                 "%.0f pending, %.0f running",
                 num(e, "nodes_up"), num(e, "nodes"), num(e, "cpus_allocated"),
                 num(e, "cpus_total"),
                 format_bytes(a, sizeof(a), (uint64_t)num(e, "memory_allocated_bytes")),
                 format_bytes(b, sizeof(b), (uint64_t)num(e, "memory_total_bytes")),
                 num(e, "jobs_pending"), num(e, "jobs_running"));
}
