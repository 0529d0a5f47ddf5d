/* Unit tests for units.c: sizes, durations and CPU counts as users write them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "units.h"

static void sizes_accept_binary_suffixes(void **state)
{
        uint64_t v;
        assert_int_equal(parse_size("256M", &v), 0);
        assert_int_equal(v, 256ull << 20);
        assert_int_equal(parse_size("1.5G", &v), 0);
        assert_int_equal(v, 3ull << 29);
        assert_int_equal(parse_size("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_size("64KiB", &v), 0);
        assert_int_equal(v, 65536);
        assert_int_equal(parse_size("2gb", &v), 0);
        assert_int_equal(v, 2ull << 30);
}

static void sizes_reject_nonsense(void **state)
{
        uint64_t v = 7;
        assert_int_equal(parse_size("256Q", &v), -EINVAL);
        assert_int_equal(parse_size("0", &v), -EINVAL);
        assert_int_equal(parse_size("-1M", &v), -EINVAL);
        assert_int_equal(parse_size("", &v), -EINVAL);
        assert_int_equal(parse_size("M", &v), -EINVAL);
        assert_int_equal(parse_size("1 M", &v), -EINVAL);
        assert_int_equal(parse_size("99999999T", &v), -ERANGE);
        assert_int_equal(v, 7); /* untouched on error */
}

static void durations(void **state)
{
        uint64_t v;
        assert_int_equal(parse_duration("30s", &v), 0);
        assert_int_equal(v, 30000000);
        assert_int_equal(parse_duration("500ms", &v), 0);
        assert_int_equal(v, 500000);
        assert_int_equal(parse_duration("2m", &v), 0);
        assert_int_equal(v, 120000000);
        assert_int_equal(parse_duration("1.5", &v), 0);
        assert_int_equal(v, 1500000);
        assert_int_equal(parse_duration("0", &v), -EINVAL);
        assert_int_equal(parse_duration("10x", &v), -EINVAL);
        assert_int_equal(parse_duration("-3s", &v), -EINVAL);
}

static void cpus(void **state)
{
        uint64_t v;
        assert_int_equal(parse_cpus("0.5", &v), 0);
        assert_int_equal(v, 500);
        assert_int_equal(parse_cpus("2", &v), 0);
        assert_int_equal(v, 2000);
        assert_int_equal(parse_cpus("0", &v), -EINVAL);
        assert_int_equal(parse_cpus("half", &v), -EINVAL);
}

static void bytes_print_readably(void **state)
{
        char buf[32];
        assert_string_equal(format_bytes(buf, sizeof(buf), 32u << 20), "32 MiB");
        assert_string_equal(format_bytes(buf, sizeof(buf), 1536u << 20), "1.5 GiB");
        assert_string_equal(format_bytes(buf, sizeof(buf), 512), "512 B");
}

static void iso8601_is_utc_with_millis(void **state)
{
        char buf[40];
        assert_string_equal(format_iso8601(buf, sizeof(buf), 1700000000123456ull),
                            "2023-11-14T22:13:20.123Z");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(sizes_accept_binary_suffixes),
            cmocka_unit_test(sizes_reject_nonsense),
            cmocka_unit_test(durations),
            cmocka_unit_test(cpus),
            cmocka_unit_test(bytes_print_readably),
            cmocka_unit_test(iso8601_is_utc_with_millis),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
