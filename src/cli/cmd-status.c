/* cmd-status.c - `corral status --system [--json]`: what the governor sees.
 *
 * Every figure with its source, the thresholds, the running and queued counts
 * from the shared ledger, and why the head of the queue waits.  `corral status
 * ID` (one job) is handed to cmd_job_status.
 *
 * CPU needs two samples: a one-shot command takes them GOV_ONESHOT_GAP_USEC
 * apart (the server keeps a sliding window; see gov-measure.h).
 */
#include "cleanup.h"
#include "commands.h"
#include "gov-ledger.h"
#include "gov-measure.h"
#include "gov-status.h"
#include "governor.h"
#include "log.h"
#include "slurm-status.h"
#include "statedir.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
        fprintf(f, "usage: corral status ID [--json] | --system [--json]\n\n"
                   "  ID         one job's record: status, queue position and reason, outcome\n"
                   "  --system   the governor's view: memory, CPU, pressure, thresholds,\n"
                   "             running and queued jobs, why the head of the queue waits\n"
                   "  --json     one JSON object instead of text\n"
                   "  --root DIR read /proc and /sys below DIR (tests)\n");
}

static int collect(const char *state_dir, const char *root, struct gov_status *ret)
{
        struct gov_measure *meas = NULL;
        struct gov_measurements m;
        int r = gov_measure_new(root, &meas);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s' for measurements: %s",
                                       root ? root : "/", strerror(-r));
        r = gov_measure_oneshot(meas, GOV_ONESHOT_GAP_USEC, &m);
        gov_measure_free(meas);
        if (r < 0)
                return log_error_errno(r, "Failed to measure memory and CPU: %s", strerror(-r));
        r = gov_status_collect(&m, state_dir, ret);
        if (r < 0)
                return log_error_errno(r,
                                       "Failed to read the governor's ledger and policy in "
                                       "'%s/governor': %s",
                                       state_dir, strerror(-r));
        return 0;
}

static int print_json(const struct gov_status *s, const char *state_dir)
{
        cJSON *root = gov_status_to_json(s, state_dir);
        if (!root)
                return -ENOMEM;
        cJSON *ex = executor_status_json(state_dir); /* where jobs run, when not here */
        if (ex)
                cJSON_AddItemToObject(root, "executor", ex);
        char *text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (!text)
                return -ENOMEM;
        printf("%s\n", text);
        free(text);
        return 0;
}

static void print_text(const struct gov_status *s, const char *state_dir)
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
        else if (s->head_hidden)
                printf("queue     head is another tenant's job\n");
        else if (s->head.verdict == GOV_ADMIT)
                printf("queue     head %s would start now\n", s->snap.queued[0].job_id);
        else
                printf("queue     head %s waits: %s\n", s->snap.queued[0].job_id, s->head.reason);
        printf("state     %s\n", state_dir);
        cJSON *ex = executor_status_json(state_dir);
        if (ex) {
                char line[512];
                executor_status_text(ex, line, sizeof(line));
                printf("executor  %s\n", line);
                cJSON_Delete(ex);
        }
}

int cmd_status(const struct corral_options *o, int argc, char **argv)
{
        bool system = false, json = false;
        const char *root = NULL, *job_id = NULL;
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
                } else if (!job_id && argv[i][0] != '-') {
                        job_id = argv[i];
                } else {
                        fprintf(stderr,
                                "corral status: unknown argument '%s'; usage: corral "
                                "status ID [--json] | --system [--json]\n",
                                argv[i]);
                        return EXIT_USAGE;
                }
        }
        if (!system) {
                if (!job_id) {
                        fprintf(stderr, "usage: corral status ID [--json] | --system [--json]\n");
                        return EXIT_USAGE;
                }
                return cmd_job_status(o, job_id, json);
        }

        _cleanup_free_ char *state_dir = NULL;
        int r = state_dir_resolve(o->state_dir, &state_dir);
        if (r < 0) {
                log_error_errno(r,
                                "Failed to find a state directory: set HOME or pass --state-dir");
                return 1;
        }
        struct gov_status s;
        if (collect(state_dir, root, &s) < 0)
                return 1;
        if (json)
                r = print_json(&s, state_dir);
        else
                print_text(&s, state_dir);
        gov_status_done(&s);
        if (r < 0) {
                log_error_errno(r, "Failed to format the status: %s", strerror(-r));
                return 1;
        }
        return 0;
}
