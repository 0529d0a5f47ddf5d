/* usage.h - a job's resource usage over time: memory (current and peak), CPU
 * and pids, recorded by its supervisor into jobs/<id>/usage.json.
 *
 * The series is bounded whatever the job's length: it starts with one point
 * every USAGE_START_INTERVAL_MS; when USAGE_MAX_POINTS are held, neighbouring
 * points are merged pairwise (memory and pids keep the larger value, CPU and
 * the peak the later one, which are cumulative) and the interval doubles.  A
 * sample that falls between two points is not lost: its memory and pids
 * count toward the next point, so a short spike still shows.
 *
 * When to call: usage_recorder_init() before the job starts,
 * usage_recorder_sample() on each of the runner's ticks, usage_recorder_finish()
 * with the final statistics (read before the group's teardown).  Readers use
 * usage_load_at() and usage_to_json().  Functions return >= 0 or -errno and do
 * not log.
 */
#pragma once

#include "cgroup.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USAGE_FILE              "usage.json"
#define USAGE_MAX_POINTS        240
#define USAGE_START_INTERVAL_MS 500
/* The file is rewritten at most this often, and at most once per point, while
 * the job runs (and always at its end), so a long job's writes thin out with
 * its points.  Each rewrite creates, fsyncs and renames a file: every 2 s,
 * 1,000 running jobs kept the host at ~500 such writes a second and ~60% of
 * a CPU (docs/performance.md, issue 18 (c)); every 10 s a live chart lags by
 * at most 10 s. */
#define USAGE_WRITE_INTERVAL_MS 10000
/* usage.json is never larger than this (240 points of 5 numbers). */
#define USAGE_FILE_MAX (64u << 10)

struct usage_point {
        uint64_t t_ms; /* since the job started */
        uint64_t memory_bytes;
        uint64_t memory_peak_bytes;
        uint64_t cpu_usec; /* cumulative */
        uint64_t pids;
};

struct usage_series {
        uint64_t interval_ms;
        size_t n;
        struct usage_point p[USAGE_MAX_POINTS];
        /* Samples seen since the last point, merged (see above). */
        bool have_pending;
        struct usage_point pending;
};

void usage_series_init(struct usage_series *s);
/* Adds one sample; returns 1 when it made a new point, 0 when it was merged
 * into the pending one.  final: always make a point (the job ended). */
int usage_series_add(struct usage_series *s, const struct usage_point *sample, bool final);

/* {"interval_ms":..,"columns":["t_ms","memory_bytes","memory_peak_bytes",
 *  "cpu_usec","pids"],"points":[[..],..]} */
cJSON *usage_to_json(const struct usage_series *s);
int usage_from_json(const char *text, size_t len, struct usage_series *ret);
/* Reads jobs/<id>/usage.json through the job's directory fd; -ENOENT when the
 * job has not run (yet). */
int usage_load_at(int job_dirfd, struct usage_series *ret);

struct usage_recorder {
        int job_dirfd; /* borrowed */
        uint64_t last_write_ms;
        bool written;
        struct usage_series series;
};

void usage_recorder_init(struct usage_recorder *r, int job_dirfd);
/* The runner's on_sample callback: data is the recorder. */
void usage_recorder_sample(void *data, const struct cg_stats *st, uint64_t elapsed_usec);
/* Records the last point and writes the file. */
int usage_recorder_finish(struct usage_recorder *r, const struct cg_stats *st,
                          uint64_t elapsed_usec);
