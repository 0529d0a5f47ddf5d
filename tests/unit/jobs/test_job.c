/* Unit tests for job.c and jobid.c: the record's JSON round trip, canonical
 * bytes, forward compatibility, strict types, validation and ids. */
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
#include <unistd.h>

#include "job.h"
#include "jobid.h"
#include "procfs.h"
#include "store-test-util.h"

static char tmpdir[64];

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-job.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

/* Runs even when a test failed: nothing is left behind. */
static int teardown(void **state)
{
        return test_rm_rf(tmpdir);
}

static char **strv(const char *a, const char *b)
{
        char **v = calloc(3, sizeof(char *));
        v[0] = strdup(a);
        if (b)
                v[1] = strdup(b);
        return v;
}

/* A record with every field set to a non-default value. */
static struct job *full_job(void)
{
        struct job *j = job_new();
        j->id = strdup("job_1-A");
        j->tenant = strdup("tenant-a");
        j->command = strv("/bin/sh", "-c");
        j->cwd = strdup("/srv/w");
        j->env = strv("A=1", "B=two words");
        j->limits = (struct job_limits){.memory_bytes = 256u << 20,
                                        .cpus_milli = 1500,
                                        .pids = 64,
                                        .timeout_ms = 30000,
                                        .grace_ms = 5000};
        j->policy = strdup("default");
        j->status = JOB_OOM_KILLED;
        j->created_at = 1764177601123000ull;
        j->started_at = 1764177601456000ull;
        j->finished_at = 1764177611000000ull;
        j->supervisor_pid = 4242;
        j->supervisor_starttime = 123456789;
        j->pid = 4243;
        j->pid_starttime = 123456790;
        j->exit_code = 137;
        j->signal = 9;
        j->oom_kills = 1;
        j->oom_cause = strdup("job_limit");
        j->memory_peak_bytes = 9007199254740991ull; /* 2^53-1: must survive exactly */
        j->memory_limit_bytes = 256u << 20;
        j->cpu_usage_usec = 1000001;
        j->cpu_user_usec = 900000;
        j->cpu_system_usec = 100001;
        j->cpu_throttled_usec = 5;
        j->cpu_nr_throttled = 20;
        j->wall_ms = 9544;
        j->n_denied_syscalls = 2;
        j->denied_syscalls = calloc(2, sizeof(*j->denied_syscalls));
        j->denied_syscalls[0] = (struct job_syscall_count){strdup("ptrace"), 3};
        j->denied_syscalls[1] = (struct job_syscall_count){strdup("mount"), 1};
        j->seccomp_syscall = strdup("ptrace");
        j->error = strdup("Traceback...\nMemoryError: \xc3\xa9\n");
        j->progress.percent = 100.0 / 3.0;
        j->progress.message = strdup("Day 1/3");
        j->result_file = strdup("out.json");
        j->result_error = strdup("out.json is not valid JSON");
        j->state_patch_field = strdup("my_results");
        j->state_patch_pointer = strdup("/a~1b/0");
        j->state_applied = true;
        j->retry_of = strdup("oldjob");
        j->depends_on = strv("dep1", "dep2");
        j->queue_position = 3;
        j->reason = strdup("memory limit 256 MiB hit");
        j->lost_reason = strdup("supervisor 4242 gone");
        j->has_input = true;
        return j;
}

static void round_trip_is_exact(void **state)
{
        struct job *j = full_job();
        char *text = NULL, *text2 = NULL, *err = NULL;
        size_t len, len2;
        assert_int_equal(job_to_json(j, &text, &len), 0);
        struct job *k = NULL;
        assert_int_equal(job_from_json(text, len, &k, &err), 0);
        assert_null(err);

        /* Field by field for what matters most, then byte equality. */
        assert_string_equal(k->id, "job_1-A");
        assert_int_equal(k->status, JOB_OOM_KILLED);
        assert_int_equal(k->created_at, j->created_at);
        assert_int_equal(k->memory_peak_bytes, 9007199254740991ull);
        assert_int_equal(k->limits.cpus_milli, 1500);
        assert_true(k->progress.percent == j->progress.percent);
        assert_string_equal(k->env[1], "B=two words");
        assert_null(k->env[2]);
        assert_int_equal(k->n_denied_syscalls, 2);
        assert_string_equal(k->denied_syscalls[1].name, "mount");
        assert_string_equal(k->state_patch_pointer, "/a~1b/0");
        assert_int_equal(k->exit_code, 137);
        assert_int_equal(k->queue_position, 3);
        assert_true(k->has_input);
        assert_non_null(strstr(text, "\"memory_peak_bytes\":\t9007199254740991"));
        assert_non_null(strstr(text, "\"cpus\":\t1.5"));
        assert_non_null(strstr(text, "\"created_at\":\t\"2025-11-26T17:20:01.123Z\""));

        assert_int_equal(job_to_json(k, &text2, &len2), 0);
        assert_int_equal(len, len2);
        assert_memory_equal(text, text2, len);
        free(text);
        free(text2);
        job_free(j);
        job_free(k);
}

static void defaults_round_trip_as_null(void **state)
{
        struct job *j = job_new();
        j->id = strdup("x");
        j->tenant = strdup("t");
        j->command = strv("true", NULL);
        char *text;
        size_t len;
        assert_int_equal(job_to_json(j, &text, &len), 0);
        assert_non_null(strstr(text, "\"exit_code\":\tnull"));
        assert_non_null(strstr(text, "\"signal\":\tnull"));
        assert_non_null(strstr(text, "\"state_patch\":\tnull"));
        assert_non_null(strstr(text, "\"status\":\t\"queued\""));
        assert_non_null(strstr(text, "\"schema_version\":\t1"));
        struct job *k;
        assert_int_equal(job_from_json(text, len, &k, NULL), 0);
        assert_int_equal(k->exit_code, -1);
        assert_int_equal(k->signal, 0);
        assert_int_equal(k->queue_position, -1);
        assert_true(k->progress.percent < 0);
        assert_null(k->env);
        assert_null(k->state_patch_field);
        free(text);
        job_free(j);
        job_free(k);
}

static const char minimal[] = "{\"schema_version\": 1, \"id\": \"a\", \"tenant\": \"t\", "
                              "\"status\": \"running\", \"command\": [\"x\"]%s}";

static int parse_with(const char *extra, struct job **ret, char **err)
{
        char buf[1024];
        snprintf(buf, sizeof(buf), minimal, extra);
        *err = NULL;
        return job_from_json(buf, strlen(buf), ret, err);
}

static void unknown_fields_are_kept(void **state)
{
        struct job *j;
        char *err, *text;
        size_t len;
        /* A newer writer (schema 2) added a field: read, kept, written back. */
        const char *newer = "{\"schema_version\": 2, \"id\": \"a\", \"tenant\": \"t\", "
                            "\"status\": \"running\", \"command\": [\"x\"], "
                            "\"gpu\": {\"count\": 2}, \"limits\": {\"io\": 1, \"pids\": 5}}";
        assert_int_equal(job_from_json(newer, strlen(newer), &j, &err), 0);
        assert_int_equal(j->schema_version, 2);
        assert_int_equal(j->limits.pids, 5);
        assert_int_equal(job_to_json(j, &text, &len), 0);
        assert_non_null(strstr(text, "\"gpu\":"));
        assert_non_null(strstr(text, "\"count\":\t2"));
        free(text);
        job_free(j);
        (void)parse_with;
}

static void wrong_types_are_named(void **state)
{
        struct job *j = NULL;
        char *err;
        assert_int_equal(parse_with(", \"exit_code\": \"1\"", &j, &err), -EINVAL);
        assert_non_null(err);
        assert_non_null(strstr(err, "exit_code"));
        free(err);
        assert_int_equal(parse_with(", \"limits\": {\"pids\": -1}", &j, &err), -EINVAL);
        assert_non_null(strstr(err, "limits.pids"));
        free(err);
        assert_int_equal(parse_with(", \"limits\": {\"memory_bytes\": 1.5}", &j, &err), -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"created_at\": \"yesterday\"", &j, &err), -EINVAL);
        assert_non_null(strstr(err, "created_at"));
        free(err);
        assert_int_equal(parse_with(", \"created_at\": \"2026-13-01T00:00:00Z\"", &j, &err),
                         -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"created_at\": \"2026-11-26T17:20:01.Z\"", &j, &err),
                         -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"created_at\": \"2026-11-26 17:20:01Z\"", &j, &err),
                         -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"created_at\": \"2026-11-26T17:20:01.5Z\"", &j, &err), 0);
        assert_int_equal(j->created_at % 1000000, 500000);
        job_free(j);
        j = NULL;
        assert_int_equal(parse_with(", \"status\": \"done\"", &j, &err), -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"command\": [1]", &j, &err), -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"state_applied\": 1", &j, &err), -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"denied_syscalls\": [{\"name\": 1}]", &j, &err), -EINVAL);
        free(err);
        assert_int_equal(parse_with(", \"oom_kills\": 1e300", &j, &err), -EINVAL);
        free(err);
        /* Duplicate keys: cJSON would take the first; we refuse to guess. */
        assert_int_equal(parse_with(", \"pid\": 1, \"pid\": 2", &j, &err), -EINVAL);
        free(err);
        /* Validation: ids that would walk out of the store. */
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "{\"schema_version\": 1, \"id\": \"../x\", \"tenant\": \"t\", \"status\": "
                 "\"running\", \"command\": [\"x\"]}");
        assert_int_equal(job_from_json(buf, strlen(buf), &j, &err), -EINVAL);
        assert_non_null(strstr(err, "id"));
        free(err);
        assert_int_equal(job_from_json("[1]", 3, &j, &err), -EINVAL);
        free(err);
        assert_int_equal(job_from_json("{", 1, &j, &err), -EINVAL);
        free(err);
        assert_null(j);
        /* The fine case parses. */
        assert_int_equal(parse_with("", &j, &err), 0);
        job_free(j);
}

static void validation(void **state)
{
        struct job *j = job_new();
        const char *why = NULL;
        assert_int_equal(job_validate(j, &why), -EINVAL);
        j->id = strdup("ok");
        j->tenant = strdup("t");
        j->command = strv("x", NULL);
        assert_int_equal(job_validate(j, &why), 0);
        j->result_file = strdup("job.json");
        assert_int_equal(job_validate(j, &why), -EINVAL);
        assert_non_null(strstr(why, "result file"));
        free(j->result_file);
        j->result_file = strdup("../../etc/passwd");
        assert_int_equal(job_validate(j, &why), -EINVAL);
        free(j->result_file);
        j->result_file = strdup("out.v2.json");
        assert_int_equal(job_validate(j, &why), 0);
        j->state_patch_field = strdup("a/b");
        assert_int_equal(job_validate(j, &why), -EINVAL);
        free(j->state_patch_field);
        j->state_patch_field = strdup("field");
        j->state_patch_pointer = strdup("no-slash");
        assert_int_equal(job_validate(j, &why), -EINVAL);
        assert_non_null(strstr(why, "pointer"));
        job_free(j);
}

static void ids(void **state)
{
        char a[JOBID_GENERATED_LEN + 1], b[JOBID_GENERATED_LEN + 1];
        assert_int_equal(jobid_generate(a, sizeof(a)), 0);
        assert_int_equal(jobid_generate(b, sizeof(b)), 0);
        assert_int_equal(strlen(a), 16);
        assert_true(jobid_is_valid(a));
        assert_string_not_equal(a, b);
        assert_int_equal(jobid_generate(a, 5), -ENOBUFS);

        const char *why = NULL;
        assert_int_equal(jobid_validate("../etc", &why), -EINVAL);
        assert_non_null(strstr(why, "'.'"));
        assert_int_equal(jobid_validate("a/b", &why), -EINVAL);
        assert_non_null(strstr(why, "'/'"));
        assert_int_equal(jobid_validate("", &why), -EINVAL);
        assert_non_null(strstr(why, "empty"));
        char longid[66];
        memset(longid, 'a', 65);
        longid[65] = 0;
        assert_int_equal(jobid_validate(longid, &why), -EINVAL);
        assert_non_null(strstr(why, "64"));
        longid[64] = 0;
        assert_int_equal(jobid_validate(longid, NULL), 0);
        assert_int_equal(jobid_validate("a b", NULL), -EINVAL);
        assert_int_equal(jobid_validate("caf\xc3\xa9", NULL), -EINVAL);
        assert_int_equal(jobid_validate("My_Job-01", NULL), 0);
}

static void error_is_the_end_of_stderr(void **state)
{
        int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = openat(dfd, "stderr.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        /* 100 KiB of early noise, then the real error at the end. */
        for (int i = 0; i < 2000; i++)
                assert_int_equal(write(fd, "warning: noise noise noise noise noise noise\n", 45),
                                 45);
        const char *last = "Traceback (most recent call last):\nMemoryError\n";
        assert_int_equal(write(fd, last, strlen(last)), (ssize_t)strlen(last));
        close(fd);

        struct job *j = job_new();
        assert_int_equal(job_set_error_from_log(j, dfd, "stderr.log"), 0);
        assert_non_null(j->error);
        assert_true(strlen(j->error) <= JOB_ERROR_MAX);
        size_t el = strlen(j->error);
        assert_string_equal(j->error + el - strlen("MemoryError"), "MemoryError");
        assert_non_null(strstr(j->error, "Traceback"));
        /* Starts at a line start, not mid-line. */
        assert_true(strncmp(j->error, "warning:", 8) == 0 || strncmp(j->error, "Trace", 5) == 0);
        job_free(j);

        j = job_new();
        assert_int_equal(job_set_error_from_log(j, dfd, "missing.log"), 0);
        assert_null(j->error);
        job_free(j);
        close(dfd);
}

static void retry_copies_the_spec_only(void **state)
{
        struct job *old = full_job();
        struct job *r = job_new_retry(old);
        assert_non_null(r);
        assert_null(r->id);
        assert_string_equal(r->retry_of, "job_1-A");
        assert_string_equal(r->command[0], "/bin/sh");
        assert_string_equal(r->env[1], "B=two words");
        assert_int_equal(r->limits.memory_bytes, old->limits.memory_bytes);
        assert_string_equal(r->state_patch_pointer, "/a~1b/0");
        assert_string_equal(r->depends_on[1], "dep2");
        assert_int_equal(r->status, JOB_QUEUED);
        assert_int_equal(r->exit_code, -1);
        assert_int_equal(r->oom_kills, 0);
        assert_int_equal(r->created_at, 0);
        assert_null(r->error);
        assert_false(r->state_applied);
        job_free(r);
        job_free(old);
}

static void supervisor_alive_needs_pid_and_starttime(void **state)
{
        struct job *j = job_new();
        assert_false(job_supervisor_alive(j));
        j->supervisor_pid = getpid();
        assert_false(job_supervisor_alive(j)); /* no start time: not proof */
        assert_int_equal(proc_starttime(getpid(), &j->supervisor_starttime), 0);
        assert_true(job_supervisor_alive(j));
        j->supervisor_starttime += 1; /* a reused pid */
        assert_false(job_supervisor_alive(j));
        job_free(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(round_trip_is_exact),
            cmocka_unit_test(defaults_round_trip_as_null),
            cmocka_unit_test(unknown_fields_are_kept),
            cmocka_unit_test(wrong_types_are_named),
            cmocka_unit_test(validation),
            cmocka_unit_test(ids),
            cmocka_unit_test(error_is_the_end_of_stderr),
            cmocka_unit_test(retry_copies_the_spec_only),
            cmocka_unit_test(supervisor_alive_needs_pid_and_starttime),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
