/* Unit tests for names.c: the one name check behind job ids, tenants, ledger
 * ids, cgroup names, policy names and result files.  Each case is a name a
 * client could send and the answer its kind must give. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "names.h"

static const struct name_rules store = {.extra = "_-", .max = 64};
static const struct name_rules dotted = {.extra = "_.-", .max = 64};
static const struct name_rules lower = {.extra = "_-", .lowercase_only = true};
static const struct name_rules file = {.extra = "_.-", .max = 64, .no_leading_dot = true};

static void empty_and_long(void **state)
{
        assert_int_equal(name_check(NULL, &store, NULL), NAME_EMPTY);
        assert_int_equal(name_check("", &lower, NULL), NAME_EMPTY);
        char n[66];
        memset(n, 'a', sizeof(n) - 1);
        n[65] = 0;
        assert_int_equal(name_check(n, &store, NULL), NAME_TOO_LONG);
        n[64] = 0;
        assert_int_equal(name_check(n, &store, NULL), NAME_OK);
        /* max 0: no limit */
        char big[300];
        memset(big, 'a', sizeof(big) - 1);
        big[299] = 0;
        assert_int_equal(name_check(big, &lower, NULL), NAME_OK);
}

static void characters(void **state)
{
        char bad = 0;
        assert_int_equal(name_check("job_1-A", &store, NULL), NAME_OK);
        assert_int_equal(name_check("a/b", &store, &bad), NAME_BAD_CHAR);
        assert_int_equal(bad, '/');
        assert_int_equal(name_check("a.b", &store, &bad), NAME_BAD_CHAR);
        assert_int_equal(bad, '.');
        assert_int_equal(name_check("a.b", &dotted, NULL), NAME_OK);
        assert_int_equal(name_check("Web", &lower, &bad), NAME_BAD_CHAR);
        assert_int_equal(bad, 'W');
        assert_int_equal(name_check("web_2-x", &lower, NULL), NAME_OK);
        /* Not letters in any locale: bytes past ASCII, spaces, controls. */
        assert_int_equal(name_check("caf\xc3\xa9", &store, NULL), NAME_BAD_CHAR);
        assert_int_equal(name_check("a b", &store, NULL), NAME_BAD_CHAR);
        assert_int_equal(name_check("a\n", &store, NULL), NAME_BAD_CHAR);
        assert_int_equal(name_check("x", &(struct name_rules){0}, NULL), NAME_OK);
        assert_int_equal(name_check("_", &(struct name_rules){0}, NULL), NAME_BAD_CHAR);
}

static void dots(void **state)
{
        assert_int_equal(name_check(".", &dotted, NULL), NAME_DOT);
        assert_int_equal(name_check("..", &dotted, NULL), NAME_DOT);
        assert_int_equal(name_check("...", &dotted, NULL), NAME_OK);
        assert_int_equal(name_check(".hidden", &dotted, NULL), NAME_OK);
        assert_int_equal(name_check(".hidden", &file, NULL), NAME_DOT);
        assert_int_equal(name_check("out.json", &file, NULL), NAME_OK);
        /* Characters are checked before dots: "." where '.' is not allowed is a bad character. */
        assert_int_equal(name_check(".", &store, NULL), NAME_BAD_CHAR);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(empty_and_long),
            cmocka_unit_test(characters),
            cmocka_unit_test(dots),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
