/* usage.c - a job's usage series, bounded by decimation (see usage.h). */
#include "usage.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {"t_ms", "memory_bytes", "memory_peak_bytes", "cpu_usec",
                                      "pids"};

void usage_series_init(struct usage_series *s)
{
        memset(s, 0, sizeof(*s));
        s->interval_ms = USAGE_START_INTERVAL_MS;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
        return a > b ? a : b;
}

/* b follows a: the merged point is b's moment with a's maxima kept. */
static void merge(struct usage_point *a, const struct usage_point *b)
{
        a->t_ms = b->t_ms;
        a->memory_bytes = max_u64(a->memory_bytes, b->memory_bytes);
        a->memory_peak_bytes = max_u64(a->memory_peak_bytes, b->memory_peak_bytes);
        a->cpu_usec = max_u64(a->cpu_usec, b->cpu_usec);
        a->pids = max_u64(a->pids, b->pids);
}

/* Halves the series: points 2k and 2k+1 become one; the first point (the
 * job's start) stays as it is, so the chart still begins at zero. */
static void decimate(struct usage_series *s)
{
        size_t out = 1;
        for (size_t i = 1; i < s->n; i += 2) {
                struct usage_point p = s->p[i];
                if (i + 1 < s->n)
                        merge(&p, &s->p[i + 1]);
                s->p[out++] = p;
        }
        s->n = out;
        s->interval_ms *= 2;
}

int usage_series_add(struct usage_series *s, const struct usage_point *sample, bool final)
{
        if (s->have_pending)
                merge(&s->pending, sample);
        else
                s->pending = *sample;
        s->have_pending = true;
        bool due = s->n == 0 || final || s->pending.t_ms >= s->p[s->n - 1].t_ms + s->interval_ms;
        if (!due)
                return 0;
        if (s->n == USAGE_MAX_POINTS)
                decimate(s);
        s->p[s->n++] = s->pending;
        s->have_pending = false;
        return 1;
}

cJSON *usage_to_json(const struct usage_series *s)
{
        cJSON *o = cJSON_CreateObject();
        if (!o)
                return NULL;
        cJSON_AddNumberToObject(o, "interval_ms", (double)s->interval_ms);
        cJSON *cols = cJSON_AddArrayToObject(o, "columns");
        cJSON *pts = cJSON_AddArrayToObject(o, "points");
        if (!cols || !pts) {
                cJSON_Delete(o);
                return NULL;
        }
        for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
                cJSON_AddItemToArray(cols, cJSON_CreateString(columns[i]));
        for (size_t i = 0; i < s->n; i++) {
                const struct usage_point *p = &s->p[i];
                double v[] = {(double)p->t_ms, (double)p->memory_bytes,
                              (double)p->memory_peak_bytes, (double)p->cpu_usec, (double)p->pids};
                cJSON *row = cJSON_CreateDoubleArray(v, 5);
                if (!row) {
                        cJSON_Delete(o);
                        return NULL;
                }
                cJSON_AddItemToArray(pts, row);
        }
        return o;
}

static int number_at(const cJSON *row, int i, uint64_t *ret)
{
        const cJSON *v = cJSON_GetArrayItem(row, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0)
                return -EBADMSG;
        *ret = (uint64_t)v->valuedouble;
        return 0;
}

int usage_from_json(const char *text, size_t len, struct usage_series *ret)
{
        cJSON *o = cJSON_ParseWithLength(text, len);
        if (!o)
                return -EBADMSG;
        struct usage_series s;
        usage_series_init(&s);
        int r = -EBADMSG;
        const cJSON *iv = cJSON_GetObjectItemCaseSensitive(o, "interval_ms");
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(o, "points");
        if (!cJSON_IsNumber(iv) || iv->valuedouble < 1 || !cJSON_IsArray(pts) ||
            cJSON_GetArraySize(pts) > USAGE_MAX_POINTS)
                goto out;
        s.interval_ms = (uint64_t)iv->valuedouble;
        const cJSON *row;
        cJSON_ArrayForEach(row, pts)
        {
                struct usage_point *p = &s.p[s.n];
                if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != 5 ||
                    number_at(row, 0, &p->t_ms) < 0 || number_at(row, 1, &p->memory_bytes) < 0 ||
                    number_at(row, 2, &p->memory_peak_bytes) < 0 ||
                    number_at(row, 3, &p->cpu_usec) < 0 || number_at(row, 4, &p->pids) < 0)
                        goto out;
                s.n++;
        }
        *ret = s;
        r = 0;
out:
        cJSON_Delete(o);
        return r;
}

int usage_load_at(int job_dirfd, struct usage_series *ret)
{
        _cleanup_close_ int fd = open_regular_at(job_dirfd, USAGE_FILE, NULL);
        if (fd < 0)
                return fd;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file(path, USAGE_FILE_MAX, &text, &len);
        if (r < 0)
                return r;
        return usage_from_json(text, len, ret);
}

/* final: the series at the job's end, durable like the outcome beside it,
 * and the spare of the interim writes removed.  Interim writes (at most every
 * USAGE_WRITE_INTERVAL_MS while the job runs) keep the file's two inodes
 * (WRITE_REUSE): 1,000 running jobs would otherwise allocate and free 100
 * inodes a second, which on a journal-less ext4 slows every other file
 * creation on the host (docs/performance.md, third session).  They fsync the
 * contents and the directory: the spare they empty next must not still carry
 * the file's name on disk, so that a crash brings back the previous series,
 * never an empty file. */
static int save(struct usage_recorder *r, bool final)
{
        cJSON *o = usage_to_json(&r->series);
        if (!o)
                return -ENOMEM;
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!text)
                return -ENOMEM;
        int k = write_file_replace_at(r->job_dirfd, USAGE_FILE, text, strlen(text), 0600,
                                      WRITE_SYNC_FILE | WRITE_SYNC_DIR | (final ? 0 : WRITE_REUSE));
        free(text);
        if (final)
                write_file_reuse_done(r->job_dirfd, USAGE_FILE);
        return k;
}

void usage_recorder_init(struct usage_recorder *r, int job_dirfd)
{
        memset(r, 0, sizeof(*r));
        r->job_dirfd = job_dirfd;
        usage_series_init(&r->series);
}

static struct usage_point point_of(const struct cg_stats *st, uint64_t elapsed_usec)
{
        return (struct usage_point){.t_ms = elapsed_usec / 1000,
                                    .memory_bytes = st->memory_current_bytes,
                                    .memory_peak_bytes = st->memory_peak_bytes,
                                    .cpu_usec = st->cpu_usage_usec,
                                    .pids = st->pids_current};
}

void usage_recorder_sample(void *data, const struct cg_stats *st, uint64_t elapsed_usec)
{
        struct usage_recorder *r = data;
        struct usage_point p = point_of(st, elapsed_usec);
        if (usage_series_add(&r->series, &p, false) <= 0)
                return;
        /* At most one write per point, and none closer than the write interval:
         * as the series thins out, so do the writes (about 1,300 for a day). */
        uint64_t gap = r->series.interval_ms > USAGE_WRITE_INTERVAL_MS ? r->series.interval_ms
                                                                       : USAGE_WRITE_INTERVAL_MS;
        if (r->written && p.t_ms < r->last_write_ms + gap)
                return;
        /* A failed write loses nothing yet: the next one carries every point. */
        if (save(r, false) == 0) {
                r->written = true;
                r->last_write_ms = p.t_ms;
        }
}

int usage_recorder_finish(struct usage_recorder *r, const struct cg_stats *st,
                          uint64_t elapsed_usec)
{
        struct usage_point p = point_of(st, elapsed_usec);
        usage_series_add(&r->series, &p, true);
        return save(r, true);
}
