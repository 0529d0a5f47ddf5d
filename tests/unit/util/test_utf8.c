/* Unit tests for utf8.c: the decoder both the MCP input check and the job
 * output cleaner rely on.  Each case is a byte sequence from RFC 3629's
 * boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "utf8.h"

static size_t len_of(const char *s)
{
        return utf8_seq_len((const unsigned char *)s, strlen(s));
}

static void valid(void **state)
{
        assert_int_equal(len_of("a"), 1);
        assert_int_equal(len_of("\x7f"), 1);
        assert_int_equal(len_of("\xc2\x80"), 2);         /* U+0080 */
        assert_int_equal(len_of("\xc3\xa9x"), 2);        /* é, then more */
        assert_int_equal(len_of("\xe0\xa0\x80"), 3);     /* U+0800 */
        assert_int_equal(len_of("\xed\x9f\xbf"), 3);     /* U+D7FF */
        assert_int_equal(len_of("\xee\x80\x80"), 3);     /* U+E000 */
        assert_int_equal(len_of("\xef\xbf\xbd"), 3);     /* U+FFFD */
        assert_int_equal(len_of("\xf0\x90\x80\x80"), 4); /* U+10000 */
        assert_int_equal(len_of("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
}

static void invalid(void **state)
{
        assert_int_equal(len_of("\x80"), 0);             /* lone continuation */
        assert_int_equal(len_of("\xc0\x80"), 0);         /* overlong NUL */
        assert_int_equal(len_of("\xc1\xbf"), 0);         /* overlong */
        assert_int_equal(len_of("\xe0\x9f\xbf"), 0);     /* overlong U+07FF */
        assert_int_equal(len_of("\xf0\x8f\xbf\xbf"), 0); /* overlong U+FFFF */
        assert_int_equal(len_of("\xed\xa0\x80"), 0);     /* surrogate U+D800 */
        assert_int_equal(len_of("\xed\xbf\xbf"), 0);     /* surrogate U+DFFF */
        assert_int_equal(len_of("\xf4\x90\x80\x80"), 0); /* U+110000 */
        assert_int_equal(len_of("\xf5\x80\x80\x80"), 0); /* bad lead */
        assert_int_equal(len_of("\xff"), 0);
        assert_int_equal(len_of("\xc3("), 0); /* bad continuation */
        /* Cut short by the end of the buffer, not by a NUL. */
        assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
        assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid),
            cmocka_unit_test(invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
