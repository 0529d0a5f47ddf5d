/* Unit tests for usage.c: a day-long job's series stays bounded (points and
 * file size) while keeping its start, its end and its largest memory spike;
 * the file round-trips; a planted or oversized file is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usage.h"

static char tmpdir[64];
static int tmpfd = -1;

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-usage.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return tmpfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        unlinkat(tmpfd, USAGE_FILE, 0);
        unlinkat(tmpfd, "target", 0);
        unlinkat(tmpfd, "interim/" USAGE_FILE, 0);
        unlinkat(tmpfd, "interim/.usage.json.next", 0);
        unlinkat(tmpfd, "interim", AT_REMOVEDIR);
        close(tmpfd);
        return rmdir(tmpdir);
}

static struct cg_stats stats_at(uint64_t mem, uint64_t cpu)
{
        return (struct cg_stats){.memory_current_bytes = mem,
                                 .memory_peak_bytes = mem,
                                 .cpu_usage_usec = cpu,
                                 .pids_current = 3};
}

/* 24 hours of samples every 0.5 s, as the supervisor takes them, with one
 * 900 MiB spike lasting a single sample in hour 13. */
static void day_long_job_is_bounded(void **state)
{
        struct usage_recorder *r = malloc(sizeof(*r));
        assert_non_null(r);
        usage_recorder_init(r, tmpfd);
        const uint64_t day_usec = 24ull * 3600 * 1000000, step = 500000;
        const uint64_t spike_at = 13ull * 3600 * 1000000 + 250000 * 2;
        for (uint64_t t = step; t < day_usec; t += step) {
                uint64_t mem = t == spike_at ? 900ull << 20 : 100ull << 20;
                struct usage_point p = {.t_ms = t / 1000,
                                        .memory_bytes = mem,
                                        .memory_peak_bytes = 900ull << 20,
                                        .cpu_usec = t / 2,
                                        .pids = 3};
                /* The series alone: the recorder's writes (one per point at
                 * most) are exercised by the integration test. */
                usage_series_add(&r->series, &p, false);
                assert_true(r->series.n <= USAGE_MAX_POINTS);
        }
        struct cg_stats last = stats_at(1 << 20, day_usec / 2);
        assert_int_equal(usage_recorder_finish(r, &last, day_usec), 0);

        struct stat sb;
        assert_int_equal(fstatat(tmpfd, USAGE_FILE, &sb, 0), 0);
        assert_true(sb.st_size > 0 && sb.st_size < (off_t)USAGE_FILE_MAX);
        struct usage_series *s = malloc(sizeof(*s));
        assert_non_null(s);
        assert_int_equal(usage_load_at(tmpfd, s), 0);
        assert_true(s->n > USAGE_MAX_POINTS / 2 && s->n <= USAGE_MAX_POINTS);
        /* The interval doubled until a day fits in the points. */
        assert_true(s->interval_ms * USAGE_MAX_POINTS >= 24ull * 3600 * 1000 / 2);
        assert_int_equal(s->p[0].t_ms, step / 1000);
        assert_int_equal(s->p[s->n - 1].t_ms, day_usec / 1000);
        assert_int_equal(s->p[s->n - 1].cpu_usec, day_usec / 2);
        uint64_t top = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (s->p[i].memory_bytes > top)
                        top = s->p[i].memory_bytes;
                if (i)
                        assert_true(s->p[i].t_ms > s->p[i - 1].t_ms);
        }
        assert_int_equal(top, 900ull << 20); /* the spike survived decimation */
        free(s);
        free(r);
}

/* Interim writes through the recorder, with the times the supervisor would
 * pass: each rewrite reads back whole, two inodes trade places (the spare
 * holds the previous series), and the final series removes the spare. */
static void interim_writes_reuse_two_files(void **state)
{
        struct usage_recorder *r = malloc(sizeof(*r));
        struct usage_series *s = malloc(sizeof(*s));
        assert_non_null(r);
        assert_non_null(s);
        /* A job directory of its own: nothing written there before. */
        assert_int_equal(mkdirat(tmpfd, "interim", 0700), 0);
        int dfd = openat(tmpfd, "interim", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        usage_recorder_init(r, dfd);
        struct stat a, b;
        ino_t seen[2] = {0, 0};
        for (uint64_t t = 500000; t <= 35000000; t += 500000) {
                struct cg_stats st = stats_at(1 << 20, t / 2);
                usage_recorder_sample(r, &st, t);
                if (t == 500000) {
                        /* The first point is written at once; nothing to trade yet. */
                        assert_int_equal(usage_load_at(dfd, s), 0);
                        assert_int_equal(s->n, 1);
                        assert_int_equal(fstatat(dfd, ".usage.json.next", &b, 0), -1);
                }
                if (t == 10500000 || t == 20500000) {
                        assert_int_equal(usage_load_at(dfd, s), 0);
                        assert_int_equal(s->p[s->n - 1].t_ms, t / 1000);
                        assert_int_equal(fstatat(dfd, USAGE_FILE, &a, 0), 0);
                        assert_int_equal(fstatat(dfd, ".usage.json.next", &b, 0), 0);
                        assert_true(a.st_ino != b.st_ino);
                        if (t == 10500000) {
                                seen[0] = a.st_ino;
                                seen[1] = b.st_ino;
                        } else {
                                /* The same two files, their places traded. */
                                assert_true(a.st_ino == seen[1] && b.st_ino == seen[0]);
                        }
                }
        }
        struct cg_stats last = stats_at(1 << 20, 18000000);
        assert_int_equal(usage_recorder_finish(r, &last, 36000000), 0);
        assert_int_equal(usage_load_at(dfd, s), 0);
        assert_int_equal(s->p[s->n - 1].t_ms, 36000);
        assert_int_equal(fstatat(dfd, ".usage.json.next", &b, 0), -1);
        assert_int_equal(errno, ENOENT);
        close(dfd);
        free(s);
        free(r);
}

static void round_trip_and_refusals(void **state)
{
        struct usage_series a, b;
        usage_series_init(&a);
        for (uint64_t t = 0; t < 5; t++) {
                struct usage_point p = {.t_ms = t * 500,
                                        .memory_bytes = t << 20,
                                        .memory_peak_bytes = t << 20,
                                        .cpu_usec = t * 1000,
                                        .pids = 1};
                assert_int_equal(usage_series_add(&a, &p, false), 1);
        }
        cJSON *o = usage_to_json(&a);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        assert_int_equal(usage_from_json(text, strlen(text), &b), 0);
        free(text);
        assert_int_equal(b.n, 5);
        assert_memory_equal(a.p, b.p, sizeof(a.p[0]) * 5);

        const char *bad[] = {"{}", "{\"interval_ms\":500,\"points\":[[1,2,3]]}",
                             "{\"interval_ms\":500,\"points\":[[1,2,3,4,-5]]}", "[", "null"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(usage_from_json(bad[i], strlen(bad[i]), &b), -EBADMSG);

        /* A link planted in place of usage.json is not followed. */
        int fd = openat(tmpfd, "target", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        unlinkat(tmpfd, USAGE_FILE, 0);
        assert_int_equal(symlinkat("target", tmpfd, USAGE_FILE), 0);
        assert_true(usage_load_at(tmpfd, &b) < 0);
        unlinkat(tmpfd, USAGE_FILE, 0);
        assert_int_equal(usage_load_at(tmpfd, &b), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(day_long_job_is_bounded),
            cmocka_unit_test(interim_writes_reuse_two_files),
            cmocka_unit_test(round_trip_and_refusals),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
