/* Unit tests for retention.c: which finished jobs are deleted, and which never. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "retention.h"

#define DAY (24ull * 3600 * 1000000)
#define NOW (1000 * DAY)

static void ttl_deletes_old_finished_only(void **state)
{
        struct retention_entry e[] = {
            {JOB_COMPLETED, NOW - 8 * DAY, NOW - 9 * DAY, 10},    /* expired */
            {JOB_RUNNING, 0, NOW - 30 * DAY, 10},                 /* never */
            {JOB_QUEUED, 0, NOW - 30 * DAY, 10},                  /* never */
            {JOB_FAILED, NOW - 1 * DAY, NOW - 2 * DAY, 10},       /* young */
            {JOB_OOM_KILLED, NOW - 20 * DAY, NOW - 20 * DAY, 10}, /* expired, older */
        };
        struct retention_policy p = {.ttl_usec = RETENTION_DEFAULT_TTL_USEC};
        size_t *idx = NULL;
        int n = retention_select(e, 5, &p, NOW, &idx);
        assert_int_equal(n, 2);
        assert_int_equal(idx[0], 4); /* oldest first */
        assert_int_equal(idx[1], 0);
        free(idx);
}

static void budget_deletes_oldest_until_under(void **state)
{
        struct retention_entry e[] = {
            {JOB_COMPLETED, NOW - 3 * DAY, NOW - 3 * DAY, 100},
            {JOB_RUNNING, 0, NOW - 9 * DAY, 500}, /* counts, never deleted */
            {JOB_COMPLETED, NOW - 2 * DAY, NOW - 2 * DAY, 100},
            {JOB_CANCELLED, NOW - 1 * DAY, NOW - 1 * DAY, 100},
        };
        /* Total 800, budget 650: the oldest finished (100) and next (100) go. */
        struct retention_policy p = {.ttl_usec = 0, .disk_budget_bytes = 650};
        size_t *idx = NULL;
        int n = retention_select(e, 4, &p, NOW, &idx);
        assert_int_equal(n, 2);
        assert_int_equal(idx[0], 0);
        assert_int_equal(idx[1], 2);
        free(idx);

        /* A budget no deletion can reach still never takes a running job. */
        p.disk_budget_bytes = 1;
        n = retention_select(e, 4, &p, NOW, &idx);
        assert_int_equal(n, 3);
        for (int i = 0; i < n; i++)
                assert_int_not_equal(idx[i], 1);
        free(idx);
}

static void nothing_to_do(void **state)
{
        struct retention_entry e[] = {{JOB_RUNNING, 0, 1, 1 << 30}};
        struct retention_policy p = {.ttl_usec = 1, .disk_budget_bytes = 1};
        size_t *idx = (size_t *)0x1;
        assert_int_equal(retention_select(e, 1, &p, NOW, &idx), 0);
        assert_null(idx);
        assert_int_equal(retention_select(NULL, 0, &p, NOW, &idx), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(ttl_deletes_old_finished_only),
            cmocka_unit_test(budget_deletes_oldest_until_under),
            cmocka_unit_test(nothing_to_do),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
