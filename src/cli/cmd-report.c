/* cmd-report.c - `corral report`: accounting of finished jobs from the store
 * index (store-index.h), as sacct gives Slurm users: counts by status, OOM
 * kills, CPU-seconds, memory peaks (max and p50) and queue waits, for this
 * tenant, per tenant or per day. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "jobctl.h"
#include "jobid.h"
#include "log.h"
#include "store-index.h"
#include "units.h"

#define REPORT_USAGE "corral report [--since TIME] [--until TIME] [--by tenant|day] [--json]"

struct u64v {
        uint64_t *v;
        size_t n, cap;
};

static int u64v_push(struct u64v *a, uint64_t x)
{
        if (a->n == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 64;
                uint64_t *v = realloc(a->v, cap * sizeof(uint64_t));
                if (!v)
                        return -ENOMEM;
                a->v = v;
                a->cap = cap;
        }
        a->v[a->n++] = x;
        return 0;
}

struct group {
        char key[72];
        uint64_t jobs, by_status[_JOB_STATUS_MAX], oom_kills, cpu_usec;
        struct u64v peaks, waits;
};

struct report {
        enum { BY_NONE, BY_TENANT, BY_DAY } by;
        struct group *g;
        size_t n;
};

static struct group *group_for(struct report *rep, const char *key)
{
        for (size_t i = 0; i < rep->n; i++)
                if (strcmp(rep->g[i].key, key) == 0)
                        return &rep->g[i];
        struct group *g = realloc(rep->g, (rep->n + 1) * sizeof(*g));
        if (!g)
                return NULL;
        rep->g = g;
        g = &rep->g[rep->n++];
        *g = (struct group){0};
        snprintf(g->key, sizeof(g->key), "%s", key);
        return g;
}

static int add_row(const struct store_index_row *row, void *userdata)
{
        struct report *rep = userdata;
        char key[72] = "all";
        if (rep->by == BY_TENANT)
                snprintf(key, sizeof(key), "%s", row->tenant);
        else if (rep->by == BY_DAY) {
                time_t t = (time_t)(row->created_at / 1000000u);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(key, sizeof(key), "%Y-%m-%d", &tm);
        }
        struct group *g = group_for(rep, key);
        if (!g)
                return -ENOMEM;
        g->jobs++;
        g->by_status[row->status]++;
        g->oom_kills += row->oom_kills;
        g->cpu_usec += row->cpu_usage_usec;
        if (u64v_push(&g->peaks, row->memory_peak_bytes) < 0)
                return -ENOMEM;
        /* Queue wait: submitted to started; a job that never started has none. */
        if (row->started_at >= row->created_at && row->started_at > 0 &&
            u64v_push(&g->waits, row->started_at - row->created_at) < 0)
                return -ENOMEM;
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* The median (lower middle) and the maximum; 0 for none. */
static void p50_max(struct u64v *a, uint64_t *p50, uint64_t *max)
{
        *p50 = *max = 0;
        if (!a->n)
                return;
        qsort(a->v, a->n, sizeof(uint64_t), cmp_u64);
        *p50 = a->v[(a->n - 1) / 2];
        *max = a->v[a->n - 1];
}

static int cmp_group(const void *a, const void *b)
{
        return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

int cmd_report(const struct corral_options *o, int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        printf("usage: %s\n", REPORT_USAGE);
                        return 0;
                }
        struct report rep = {0};
        bool json = false;
        uint64_t since = 0, until = 0, now = now_realtime_usec();
        for (int i = 1; i < argc; i++) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if ((strcmp(argv[i], "--since") == 0 || strcmp(argv[i], "--until") == 0) &&
                         v) {
                        if (cli_parse_time(v, now, argv[i][2] == 's' ? &since : &until) < 0) {
                                log_error("Invalid time for %s: '%s': allowed are an ISO 8601 "
                                          "date or time (2026-12-01, 2026-12-01T10:00:00Z) or a "
                                          "duration ago (2h, 30m)",
                                          argv[i], v);
                                return EXIT_USAGE;
                        }
                        i++;
                } else if (strcmp(argv[i], "--by") == 0 && v &&
                           (strcmp(v, "tenant") == 0 || strcmp(v, "day") == 0)) {
                        rep.by = v[0] == 't' ? BY_TENANT : BY_DAY;
                        i++;
                } else {
                        log_error("usage: " REPORT_USAGE " (--by takes tenant or day)");
                        return EXIT_USAGE;
                }
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;

        /* --by tenant: every tenant of this state directory (each has its
         * own index); otherwise this tenant. */
        int r = 0;
        if (rep.by == BY_TENANT) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/tenants", c->state_dir);
                _cleanup_closedir_ DIR *d = opendir(path);
                if (!d) {
                        log_error("Failed to open %s: %m", path);
                        return 1;
                }
                for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                        if (!jobid_is_valid(de->d_name))
                                continue;
                        _cleanup_(store_freep) struct store *s = NULL;
                        _cleanup_(store_index_freep) struct store_index *ix = NULL;
                        char **live = NULL;
                        if ((r = store_open(c->state_dir, de->d_name, &s)) < 0 ||
                            (r = store_index_open(s, &ix, NULL)) < 0 ||
                            (r = store_index_sync(ix, s, &live)) < 0)
                                break;
                        store_ids_free(live);
                        r = store_index_foreach(ix, since, until, add_row, &rep);
                }
        } else {
                _cleanup_(store_index_freep) struct store_index *ix = NULL;
                char **live = NULL;
                if ((r = store_index_open(c->store, &ix, NULL)) >= 0 &&
                    (r = store_index_sync(ix, c->store, &live)) >= 0) {
                        /* A live job whose supervisor is gone is finished (lost):
                         * recover it so it is counted, as list does. */
                        int lost = 0;
                        for (char **id = live; *id; id++)
                                lost += jobctl_recover_one(c, *id) > 0;
                        store_ids_free(live);
                        if (lost > 0)
                                r = store_index_sync(ix, c->store, &live);
                        if (r >= 0 && lost > 0)
                                store_ids_free(live);
                        if (r >= 0)
                                r = store_index_foreach(ix, since, until, add_row, &rep);
                }
        }
        if (r < 0) {
                log_error("Failed to read the job index: %s", strerror(-r));
                goto out;
        }
        if (rep.n)
                qsort(rep.g, rep.n, sizeof(*rep.g), cmp_group);

        cJSON *arr = json ? cJSON_CreateArray() : NULL;
        if (!json)
                printf("%-12s %7s %6s %10s %10s %10s %9s %9s  %s\n", "GROUP", "JOBS", "OOM",
                       "CPU-S", "PEAK-P50", "PEAK-MAX", "WAIT-P50", "WAIT-MAX", "BY STATUS");
        for (size_t i = 0; i < rep.n; i++) {
                struct group *g = &rep.g[i];
                uint64_t pk50, pkmax, w50, wmax;
                p50_max(&g->peaks, &pk50, &pkmax);
                p50_max(&g->waits, &w50, &wmax);
                if (json) {
                        cJSON *o2 = cJSON_CreateObject(), *st = cJSON_CreateObject();
                        cJSON_AddStringToObject(o2, rep.by == BY_DAY ? "day" : "tenant",
                                                rep.by == BY_NONE ? store_tenant(c->store)
                                                                  : g->key);
                        cJSON_AddNumberToObject(o2, "jobs", (double)g->jobs);
                        for (int s = 0; s < _JOB_STATUS_MAX; s++)
                                if (g->by_status[s])
                                        cJSON_AddNumberToObject(st, job_status_to_string(s),
                                                                (double)g->by_status[s]);
                        cJSON_AddItemToObject(o2, "by_status", st);
                        cJSON_AddNumberToObject(o2, "oom_kills", (double)g->oom_kills);
                        cJSON_AddNumberToObject(o2, "cpu_seconds", (double)g->cpu_usec / 1e6);
                        cJSON_AddNumberToObject(o2, "memory_peak_bytes_p50", (double)pk50);
                        cJSON_AddNumberToObject(o2, "memory_peak_bytes_max", (double)pkmax);
                        cJSON_AddNumberToObject(o2, "queue_wait_seconds_p50", (double)w50 / 1e6);
                        cJSON_AddNumberToObject(o2, "queue_wait_seconds_max", (double)wmax / 1e6);
                        cJSON_AddItemToArray(arr, o2);
                } else {
                        char b1[32], b2[32];
                        printf("%-12s %7" PRIu64 " %6" PRIu64 " %10.2f %10s %10s %8.3fs %8.3fs ",
                               rep.by == BY_NONE ? store_tenant(c->store) : g->key, g->jobs,
                               g->oom_kills, (double)g->cpu_usec / 1e6,
                               format_bytes(b1, sizeof(b1), pk50),
                               format_bytes(b2, sizeof(b2), pkmax), (double)w50 / 1e6,
                               (double)wmax / 1e6);
                        for (int s = 0; s < _JOB_STATUS_MAX; s++)
                                if (g->by_status[s])
                                        printf(" %s=%" PRIu64, job_status_to_string(s),
                                               g->by_status[s]);
                        printf("\n");
                }
        }
        if (json) {
                char *text = cJSON_PrintUnformatted(arr);
                if (text)
                        printf("%s\n", text);
                free(text);
                cJSON_Delete(arr);
        }
out:
        for (size_t i = 0; i < rep.n; i++) {
                free(rep.g[i].peaks.v);
                free(rep.g[i].waits.v);
        }
        free(rep.g);
        return r < 0 ? 1 : 0;
}
