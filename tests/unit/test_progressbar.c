/* test_progressbar.c - the progress line a person sees: bar, percent, elapsed
 * time, memory, message cut to the width on a character boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "progressbar.h"

static void test_bar(void **state)
{
        struct progressbar p = {.status = "running",
                                .percent = 50,
                                .message = "step 3 of 6",
                                .elapsed_usec = 75 * 1000000ull,
                                .memory_known = true,
                                .memory_bytes = 64ull << 20};
        char buf[256];
        progressbar_format(&p, 120, buf, sizeof(buf));
        assert_string_equal(buf,
                            "[##########..........]  50%  01:15  mem 64 MiB  running  step 3 of 6");
        progressbar_plain(&p, buf, sizeof(buf));
        assert_string_equal(buf, "running 50% 01:15  mem 64 MiB: step 3 of 6");
}

static void test_unknown_and_narrow(void **state)
{
        struct progressbar p = {.percent = -1,
                                .message = "ééééééééééééééééééééééééééééé",
                                .elapsed_usec = 3723 * 1000000ull};
        char buf[256];
        progressbar_format(&p, 50, buf, sizeof(buf));
        assert_string_equal(buf, "[                    ]   -%  1:02:03  ééééééééééé");
        /* 49 cells: the last column stays free, so the terminal never wraps. */
        /* Narrower than the fixed part: cut, never past the width. */
        progressbar_format(&p, 10, buf, sizeof(buf));
        assert_int_equal(strlen(buf), 19);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bar),
            cmocka_unit_test(test_unknown_and_narrow),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
