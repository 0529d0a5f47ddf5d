/* Unit tests for mcp-line.c (framing) and mcp-json.c (UTF-8, depth, ids, duplicates). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcp-json.h"
#include "mcp-line.h"

struct seen {
        int n;
        char *lines[16];
        size_t lens[16];
        bool oversize[16];
};

static void collect(void *userdata, const char *line, size_t len, bool oversize)
{
        struct seen *s = userdata;
        assert_true(s->n < 16);
        s->lines[s->n] = strndup(line, len);
        s->lens[s->n] = len;
        s->oversize[s->n] = oversize;
        s->n++;
}

static void seen_free(struct seen *s)
{
        for (int i = 0; i < s->n; i++)
                free(s->lines[i]);
}

static void split_reads_give_whole_lines(void **state)
{
        struct mcp_line_reader r;
        struct seen s = {0};
        mcp_line_reader_init(&r, 100);
        const char *text = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
        /* One byte at a time: every line still arrives whole, CR stripped. */
        for (size_t i = 0; text[i]; i++)
                assert_int_equal(mcp_line_reader_feed(&r, text + i, 1, collect, &s), 0);
        assert_int_equal(s.n, 4);
        assert_string_equal(s.lines[0], "{\"a\":1}");
        assert_string_equal(s.lines[1], "{\"b\":2}");
        assert_int_equal(s.lens[2], 0);
        assert_string_equal(s.lines[3], "{\"c\":3}");
        seen_free(&s);
        mcp_line_reader_done(&r);
}

static void huge_line_under_cap_is_whole(void **state)
{
        size_t n = 5 * 1024 * 1024; /* over the old 4 MiB default: raise the cap */
        char *big = malloc(n + 1);
        memset(big, 'x', n);
        big[n] = '\n';
        struct mcp_line_reader r;
        struct seen s = {0};
        mcp_line_reader_init(&r, 6 * 1024 * 1024);
        for (size_t off = 0; off < n + 1; off += 70000) {
                size_t k = n + 1 - off < 70000 ? n + 1 - off : 70000;
                assert_int_equal(mcp_line_reader_feed(&r, big + off, k, collect, &s), 0);
        }
        assert_int_equal(s.n, 1);
        assert_false(s.oversize[0]);
        assert_int_equal(s.lens[0], n);
        seen_free(&s);
        mcp_line_reader_done(&r);
        free(big);
}

static void oversize_line_is_reported_once_and_skipped(void **state)
{
        struct mcp_line_reader r;
        struct seen s = {0};
        mcp_line_reader_init(&r, 16);
        const char *text = "{\"id\":7,\"method\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\nok\n";
        for (size_t i = 0; i < strlen(text); i += 5)
                mcp_line_reader_feed(&r, text + i, strnlen(text + i, 5), collect, &s);
        assert_int_equal(s.n, 2);
        assert_true(s.oversize[0]);
        assert_true(s.lens[0] <= MCP_LINE_OVERSIZE_PREFIX);
        assert_memory_equal(s.lines[0], "{\"id\":7", 7); /* enough to recover the id */
        assert_false(s.oversize[1]);
        assert_string_equal(s.lines[1], "ok");
        /* Exactly at the cap is fine, one past is not. */
        mcp_line_reader_feed(&r, "0123456789abcdef\n0123456789abcdefX\n", 35, collect, &s);
        assert_int_equal(s.n, 4);
        assert_false(s.oversize[2]);
        assert_true(s.oversize[3]);
        seen_free(&s);
        mcp_line_reader_done(&r);
}

static void fd_reader_hands_over_last_line_at_eof(void **state)
{
        int p[2];
        assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        assert_int_equal(write(p[1], "a\nb", 3), 3);
        struct mcp_line_reader r;
        struct seen s = {0};
        mcp_line_reader_init(&r, 100);
        assert_int_equal(mcp_line_reader_read_fd(&r, p[0], collect, &s), 0); /* EAGAIN */
        assert_int_equal(s.n, 1);
        close(p[1]);
        assert_int_equal(mcp_line_reader_read_fd(&r, p[0], collect, &s), 1); /* EOF */
        assert_int_equal(s.n, 2);
        assert_string_equal(s.lines[1], "b");
        close(p[0]);
        seen_free(&s);
        mcp_line_reader_done(&r);
}

static void precheck_rejects_bad_utf8_and_deep_nesting(void **state)
{
        const char ok[] = "{\"k\":\"caf\xc3\xa9 \xf0\x9f\x90\x84\"}";
        assert_int_equal(mcp_json_precheck(ok, strlen(ok), 64), 0);
        const char *bad[] = {
            "{\"k\":\"\xff\"}",         /* invalid byte */
            "{\"k\":\"\xc0\xaf\"}",     /* overlong */
            "{\"k\":\"\xed\xa0\x80\"}", /* surrogate */
            "{\"k\":\"\xe2\x82\"}",     /* truncated */
            "{\"k\":\"a\tb\"}",         /* raw control character in a string */
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(mcp_json_precheck(bad[i], strlen(bad[i]), 64), -EILSEQ);
        char deep[200];
        memset(deep, '[', 65);
        memset(deep + 65, ']', 65);
        assert_int_equal(mcp_json_precheck(deep, 130, 64), -ELOOP);
        assert_int_equal(mcp_json_precheck(deep + 1, 128, 64), 0);
        /* Brackets inside strings do not count. */
        assert_int_equal(mcp_json_precheck("\"[[[[\"", 6, 2), 0);
}

static void raw_id_is_exact(void **state)
{
        char *id = NULL;
        const char *m = "{\"jsonrpc\":\"2.0\",\"params\":{\"id\":1},\"id\": "
                        "123456789012345678901234567890 ,\"method\":\"ping\"}";
        assert_int_equal(mcp_json_find_raw_id(m, strlen(m), &id), 0);
        assert_string_equal(id, "123456789012345678901234567890");
        free(id);
        m = "{\"\\u0069d\":\"x\\\"y\",\"method\":\"ping\"}";
        assert_int_equal(mcp_json_find_raw_id(m, strlen(m), &id), 0);
        assert_string_equal(id, "\"x\\\"y\"");
        free(id);
        m = "{\"method\":\"ping\",\"id\":null}";
        assert_int_equal(mcp_json_find_raw_id(m, strlen(m), &id), -ENOENT);
        m = "{\"id\":12345"; /* cut by the oversize prefix: not whole */
        assert_int_equal(mcp_json_find_raw_id(m, strlen(m), &id), -ENOENT);
}

static void duplicates_found_at_any_depth(void **state)
{
        cJSON *j = cJSON_Parse("{\"a\":1,\"b\":{\"c\":1,\"d\":[{\"e\":1,\"e\":2}]}}");
        assert_int_equal(mcp_json_check_duplicates(j), -EEXIST);
        cJSON_Delete(j);
        j = cJSON_Parse("{\"a\":1,\"A\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}");
        assert_int_equal(mcp_json_check_duplicates(j), 0);
        cJSON_Delete(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(split_reads_give_whole_lines),
            cmocka_unit_test(huge_line_under_cap_is_whole),
            cmocka_unit_test(oversize_line_is_reported_once_and_skipped),
            cmocka_unit_test(fd_reader_hands_over_last_line_at_eof),
            cmocka_unit_test(precheck_rejects_bad_utf8_and_deep_nesting),
            cmocka_unit_test(raw_id_is_exact),
            cmocka_unit_test(duplicates_found_at_any_depth),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
