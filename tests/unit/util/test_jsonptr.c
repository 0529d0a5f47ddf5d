/* Unit tests for jsonptr.c: RFC 6901 evaluation, including the RFC's own examples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "jsonptr.h"

/* RFC 6901 section 5. */
static const char rfc_doc[] = "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, "
                              "\"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, "
                              "\"m~n\": 8}";

static int num_at(const cJSON *doc, const char *ptr)
{
        const cJSON *v = NULL;
        assert_int_equal(jsonptr_get(doc, ptr, &v, NULL), 0);
        assert_true(cJSON_IsNumber(v));
        return v->valueint;
}

static void rfc_examples(void **state)
{
        cJSON *doc = cJSON_Parse(rfc_doc);
        assert_non_null(doc);
        const cJSON *v = NULL;
        assert_int_equal(jsonptr_get(doc, "", &v, NULL), 0);
        assert_ptr_equal(v, doc);
        assert_int_equal(jsonptr_get(doc, "/foo", &v, NULL), 0);
        assert_true(cJSON_IsArray(v));
        assert_int_equal(jsonptr_get(doc, "/foo/0", &v, NULL), 0);
        assert_string_equal(v->valuestring, "bar");
        assert_int_equal(num_at(doc, "/"), 0);
        assert_int_equal(num_at(doc, "/a~1b"), 1);
        assert_int_equal(num_at(doc, "/c%d"), 2);
        assert_int_equal(num_at(doc, "/e^f"), 3);
        assert_int_equal(num_at(doc, "/g|h"), 4);
        assert_int_equal(num_at(doc, "/i\\j"), 5);
        assert_int_equal(num_at(doc, "/k\"l"), 6);
        assert_int_equal(num_at(doc, "/ "), 7);
        assert_int_equal(num_at(doc, "/m~0n"), 8);
        cJSON_Delete(doc);
}

static void escapes_decode_in_one_pass(void **state)
{
        /* "~01" is "~1" (a tilde then '1'), not "/". */
        cJSON *doc = cJSON_Parse("{\"~1\": 1, \"/\": 2}");
        assert_int_equal(num_at(doc, "/~01"), 1);
        assert_int_equal(num_at(doc, "/~1"), 2);
        cJSON_Delete(doc);
}

static void errors_are_named(void **state)
{
        cJSON *doc = cJSON_Parse("{\"a\": {\"b\": [10, 20]}, \"s\": \"x\", \"A\": 1}");
        const cJSON *v = (const cJSON *)0x1;
        size_t off = 99;
        assert_int_equal(jsonptr_get(doc, "a", &v, &off), -EINVAL);
        assert_int_equal(off, 0);
        assert_int_equal(jsonptr_get(doc, "/a/~2", &v, &off), -EINVAL);
        assert_int_equal(off, 3);
        assert_int_equal(jsonptr_get(doc, "/a/c", &v, &off), -ENOENT);
        assert_int_equal(off, 2);
        assert_int_equal(jsonptr_get(doc, "/a/b/2", &v, NULL), -ERANGE);
        assert_int_equal(jsonptr_get(doc, "/a/b/-", &v, NULL), -EDOM);
        assert_int_equal(jsonptr_get(doc, "/a/b/01", &v, NULL), -EDOM);
        assert_int_equal(jsonptr_get(doc, "/a/b/+1", &v, NULL), -EDOM);
        assert_int_equal(jsonptr_get(doc, "/s/0", &v, NULL), -ENOTDIR);
        assert_ptr_equal(v, (const cJSON *)0x1); /* untouched on failure */
        /* Case-sensitive: "/a" is not "/A". */
        assert_int_equal(num_at(doc, "/A"), 1);
        assert_int_equal(jsonptr_get(doc, "/a/b/1", &v, NULL), 0);
        assert_int_equal(v->valueint, 20);
        assert_string_equal(jsonptr_strerror(-ENOENT), "no such member");
        assert_int_equal(jsonptr_validate("/ok~0~1", NULL), 0);
        assert_int_equal(jsonptr_validate("/bad~", NULL), -EINVAL);
        cJSON_Delete(doc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(rfc_examples),
            cmocka_unit_test(escapes_decode_in_one_pass),
            cmocka_unit_test(errors_are_named),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
