/* Unit tests for tools-schema.c (the catalog's JSON Schema subset) and
 * tools-catalog.c (placeholders, limits). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "tools-catalog.h"
#include "tools-schema.h"

static const char schema_text[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10},"
    "\"name\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3},"
    "\"mode\":{\"enum\":[\"fast\",\"slow\"]},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"opt\":{\"type\":[\"number\",\"null\"]},"
    "\"meta\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"boolean\"}}},"
    "\"required\":[\"n\"],\"additionalProperties\":false}";

/* Validates args (JSON text) and returns the error text ("" when valid). */
static char *check(const char *args)
{
        static char err[512];
        cJSON *schema = cJSON_Parse(schema_text);
        cJSON *v = cJSON_Parse(args);
        assert_non_null(schema);
        assert_non_null(v);
        char cerr[256];
        assert_int_equal(schema_check(schema, cerr, sizeof(cerr)), 0);
        err[0] = 0;
        int r = schema_validate(schema, v, err, sizeof(err));
        assert_true(r == 0 ? err[0] == 0 : r == -EINVAL && err[0] != 0);
        cJSON_Delete(schema);
        cJSON_Delete(v);
        return err;
}

static void valid_arguments_pass(void **state)
{
        assert_string_equal(check("{\"n\":3}"), "");
        assert_string_equal(check("{\"n\":10,\"name\":\"\xc3\xa9t\xc3\xa9\",\"mode\":\"slow\","
                                  "\"tags\":[\"a\"],\"opt\":null,\"meta\":{\"x\":true}}"),
                            "");
        assert_string_equal(check("{\"n\":2.0}"), ""); /* an integral number is an integer */
}

static void each_rule_names_the_member(void **state)
{
        assert_string_equal(check("{}"), "arguments: missing required member 'n'");
        assert_string_equal(check("{\"n\":\"3\"}"), "arguments.n: must be of type integer");
        assert_string_equal(check("{\"n\":2.5}"), "arguments.n: must be of type integer");
        assert_string_equal(check("{\"n\":0}"), "arguments.n: must be at least 1");
        assert_string_equal(check("{\"n\":11}"), "arguments.n: must be at most 10");
        assert_string_equal(check("{\"n\":1,\"name\":\"a\"}"),
                            "arguments.name: must be at least 2 characters long");
        assert_string_equal(check("{\"n\":1,\"name\":\"abcd\"}"),
                            "arguments.name: must be at most 3 characters long");
        assert_string_equal(check("{\"n\":1,\"mode\":\"medium\"}"),
                            "arguments.mode: must be one of [\"fast\",\"slow\"]");
        assert_string_equal(check("{\"n\":1,\"tags\":[\"a\",2]}"),
                            "arguments.tags[1]: must be of type string");
        assert_string_equal(check("{\"n\":1,\"opt\":\"x\"}"),
                            "arguments.opt: must be one of the types [\"number\",\"null\"]");
        assert_string_equal(check("{\"n\":1,\"meta\":{\"x\":1}}"),
                            "arguments.meta.x: must be of type boolean");
        assert_string_equal(check("{\"n\":1,\"other\":1}"), "arguments: unknown member 'other'");
}

static void schemas_outside_the_subset_are_refused(void **state)
{
        const char *bad[] = {
            "{\"type\":\"object\",\"properties\":{\"s\":{\"pattern\":\"^a\"}}}",
            "{\"type\":\"objekt\"}",
            "{\"oneOf\":[]}",
            "{\"minLength\":-1}",
            "{\"required\":\"n\"}",
            "{\"enum\":[]}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cJSON *s = cJSON_Parse(bad[i]);
                char err[256] = "";
                assert_int_equal(schema_check(s, err, sizeof(err)), -EINVAL);
                assert_true(strncmp(err, "inputSchema", 11) == 0);
                cJSON_Delete(s);
        }
}

static void placeholders_expand(void **state)
{
        char *cmd[] = {"tool", "--in={input}", "{job_dir}/x", "{job_id}{job_id}", "{other}", NULL};
        struct catalog_tool t = {.command = cmd};
        char **v = catalog_expand(&t, "abc", "/s/jobs/abc");
        assert_non_null(v);
        assert_string_equal(v[0], "tool");
        assert_string_equal(v[1], "--in=/s/jobs/abc/work/input.json");
        assert_string_equal(v[2], "/s/jobs/abc/x");
        assert_string_equal(v[3], "abcabc");
        assert_string_equal(v[4], "{other}");
        assert_null(v[5]);
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static void limits_as_strings_or_numbers(void **state)
{
        struct job_limits l = {0};
        char err[256];
        cJSON *o = cJSON_Parse("{\"memory\":\"32M\",\"cpus\":0.5,\"pids\":64,\"timeout\":30}");
        assert_int_equal(catalog_parse_limits(o, &l, err, sizeof(err)), 0);
        assert_int_equal(l.memory_bytes, 32u << 20);
        assert_int_equal(l.cpus_milli, 500);
        assert_int_equal(l.pids, 64);
        assert_int_equal(l.timeout_ms, 30000);
        cJSON_Delete(o);
        o = cJSON_Parse("{\"disk\":\"1G\"}");
        assert_int_equal(catalog_parse_limits(o, &l, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "Unknown limit 'disk'"));
        cJSON_Delete(o);
        o = cJSON_Parse("{\"memory\":\"lots\"}");
        assert_int_equal(catalog_parse_limits(o, &l, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "memory"));
        cJSON_Delete(o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(valid_arguments_pass),
            cmocka_unit_test(each_rule_names_the_member),
            cmocka_unit_test(schemas_outside_the_subset_are_refused),
            cmocka_unit_test(placeholders_expand),
            cmocka_unit_test(limits_as_strings_or_numbers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
