/* Unit tests for gov-status.c: the JSON other tools rely on (memory, cpu,
 * pressure, running, queued, max_concurrent_jobs, head), from fixture
 * measurements and a real ledger; and that reading never creates a store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gov-status.h"
#include "gov-test-util.h"

static double num(cJSON *o, const char *a, const char *b)
{
        cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
        if (b)
                x = cJSON_GetObjectItemCaseSensitive(x, b);
        assert_true(cJSON_IsNumber(x));
        return x->valuedouble;
}

static void without_a_store(void **state)
{
        char dir[] = "/tmp/corral-gov-status.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char state_dir[128];
        snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
        struct gov_measurements m = gov_test_measure("psi-high");
        struct gov_status s;
        assert_int_equal(gov_status_collect(&m, state_dir, &s), 0);
        struct stat st;
        assert_int_equal(stat(state_dir, &st), -1); /* not created */
        cJSON *j = gov_status_to_json(&s, state_dir);
        assert_non_null(j);
        assert_float_equal(num(j, "memory", "used_percent"), 50.0, 1e-9);
        assert_float_equal(num(j, "memory", "threshold_percent"), 85.0, 1e-9);
        assert_float_equal(num(j, "memory", "total_bytes"), 16.0 * GIB, 1);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(j, "memory"), "source")
                                ->valuestring,
                            "host");
        /* CPU not sampled: null, with capacity still known. */
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(j, "cpu"), "used_percent")));
        assert_float_equal(num(j, "cpu", "threshold_percent"), 90.0, 1e-9);
        assert_float_equal(num(j, "cpu", "cores"), 4.0, 1e-9);
        cJSON *pr = cJSON_GetObjectItemCaseSensitive(j, "pressure");
        assert_float_equal(num(pr, "memory", "some_avg10"), 23.5, 1e-9);
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(pr, "cpu"), "full_avg10")));
        assert_float_equal(num(j, "running", NULL), 0, 0);
        assert_float_equal(num(j, "queued", NULL), 0, 0);
        assert_float_equal(num(j, "max_concurrent_jobs", NULL), 4, 0);
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "head")));
        cJSON_Delete(j);
        gov_status_done(&s);
        assert_int_equal(rmdir(dir), 0);
}

static void with_running_and_queued_jobs(void **state)
{
        char dir[] = "/tmp/corral-gov-status.XXXXXX";
        assert_non_null(mkdtemp(dir));
        struct gov_measurements m = gov_test_measure("host-normal");
        struct gov_ledger *l = NULL;
        assert_int_equal(gov_ledger_open(dir, &l), 0);
        struct gov_policy p;
        char err[100];
        gov_policy_init(&p);
        assert_int_equal(gov_policy_parse_option(&p, "--max-concurrent", "2", err, 100), 1);
        assert_int_equal(gov_ledger_store_policy(l, &p), 0);
        const char *jobs[] = {"a", "b", "c"};
        for (int i = 0; i < 3; i++) {
                struct gov_candidate c = {jobs[i], "alice", 1 * GIB};
                struct gov_decision d;
                assert_int_equal(gov_ledger_admit(l, &c, &m, NULL, 0, 0, &d), 0);
        }
        gov_ledger_free(l);

        struct gov_status s;
        assert_int_equal(gov_status_collect(&m, dir, &s), 0);
        cJSON *j = gov_status_to_json(&s, dir);
        assert_float_equal(num(j, "running", NULL), 2, 0);
        assert_float_equal(num(j, "queued", NULL), 1, 0);
        assert_float_equal(num(j, "max_concurrent_jobs", NULL), 2, 0);
        assert_float_equal(num(j, "memory", "reserved_bytes"), 2.0 * GIB, 0);
        cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "head");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "job_id")->valuestring, "c");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "verdict")->valuestring, "wait");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "reason")->valuestring,
                            "2/2 jobs running");
        cJSON_Delete(j);
        gov_status_done(&s);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(without_a_store),
            cmocka_unit_test(with_running_and_queued_jobs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
