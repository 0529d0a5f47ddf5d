/* test_gov_counters.c - the store's metrics counters: keys with labels, reading
 * an absent store, and no increment lost when processes race (the flock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gov-counters.h"

static char dir[64];

static int setup(void **state)
{
        snprintf(dir, sizeof(dir), "/tmp/corral-counters.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static double value(const char *key)
{
        struct gov_counter *c = NULL;
        size_t n = 0;
        assert_int_equal(gov_counters_read(dir, &c, &n), 0);
        double v = -1;
        for (size_t i = 0; i < n; i++)
                if (strcmp(c[i].key, key) == 0)
                        v = c[i].value;
        free(c);
        return v;
}

static void test_keys(void **state)
{
        char key[GOV_COUNTER_KEY_MAX + 1];
        const char *labels[] = {"tenant", "alice", "status", "oom_killed"};
        const char *want = "corral_x_total{tenant=\"alice\",status=\"oom_killed\"}";
        assert_int_equal(gov_counter_key(key, sizeof(key), "corral_x_total", labels, 2),
                         (int)strlen(want));
        assert_string_equal(key, want);
        /* A label value that could break the exposition format is refused. */
        const char *bad[] = {"tenant", "a\"b"};
        assert_int_equal(gov_counter_key(key, sizeof(key), "corral_x_total", bad, 1), -EINVAL);
        const char *spaced[] = {"corral_x_total 1"};
        const double one = 1;
        assert_int_equal(gov_counters_add(dir, spaced, &one, 1), -EINVAL);
}

static void test_absent_and_add(void **state)
{
        struct gov_counter *c = (void *)1;
        size_t n = 7;
        assert_int_equal(gov_counters_read("/nonexistent/store", &c, &n), 0);
        assert_null(c);
        assert_int_equal(n, 0);
        const char *keys[] = {"a_total", "b_sum"};
        const double d[] = {1, 0.25};
        assert_int_equal(gov_counters_add(dir, keys, d, 2), 0);
        assert_int_equal(gov_counters_add(dir, keys, d, 2), 0);
        assert_true(value("a_total") == 2);
        assert_true(value("b_sum") == 0.5);
}

/* 8 processes add 20 times each at once: every increment is kept. */
static void test_race(void **state)
{
        const char *keys[] = {"race_total"};
        const double one = 1;
        pid_t pids[8];
        for (int p = 0; p < 8; p++) {
                pids[p] = fork();
                assert_true(pids[p] >= 0);
                if (pids[p] == 0) {
                        for (int i = 0; i < 20; i++)
                                if (gov_counters_add(dir, keys, &one, 1) < 0)
                                        _exit(1);
                        _exit(0);
                }
        }
        for (int p = 0; p < 8; p++) {
                int st;
                assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        assert_true(value("race_total") == 160);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_keys),
            cmocka_unit_test(test_absent_and_add),
            cmocka_unit_test(test_race),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
