/* Unit tests for subid.c's reading of /etc/subuid-format files: a user's
 * first range by name or by uid, other users' and malformed lines skipped,
 * none listed.  rootless/subids maps a range for real with newuidmap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "subid.h"

static char path[64];

static void write_fixture(const char *text)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static int setup(void **state)
{
        (void)state;
        snprintf(path, sizeof(path), "/tmp/corral-test-subid-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        unlink(path);
        return 0;
}

static void test_by_name_and_uid(void **state)
{
        (void)state;
        struct subid_range r;
        write_fixture("other:100000:65536\nalice:165536:65536\nalice:300000:10\n");
        assert_int_equal(subid_find(path, "alice", 1000, &r), 0);
        assert_int_equal(r.first, 165536);
        assert_int_equal(r.count, 65536);
        write_fixture("other:100000:65536\n1000:200000:7");
        assert_int_equal(subid_find(path, "alice", 1000, &r), 0);
        assert_int_equal(r.first, 200000);
        assert_int_equal(r.count, 7);
        assert_int_equal(subid_find(path, NULL, 1000, &r), 0);
}

static void test_skipped_and_none(void **state)
{
        (void)state;
        struct subid_range r;
        /* a prefix is not the name, a uid with junk is not the uid, a zero or
         * malformed count is no range */
        write_fixture("alic:1:5\nalicex:1:5\n1000x:2:5\nalice:3:0\nalice:x:5\nalice:4\n"
                      "alice:5:5z\n# alice:6:6\n");
        assert_int_equal(subid_find(path, "alice", 1000, &r), -ENOENT);
        write_fixture("");
        assert_int_equal(subid_find(path, "alice", 1000, &r), -ENOENT);
        assert_int_equal(subid_find("/nonexistent/subuid", "alice", 1000, &r), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_by_name_and_uid, setup, teardown),
            cmocka_unit_test_setup_teardown(test_skipped_and_none, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
