/* Unit tests for daemon-proto.c: the frames, the request a client may send
 * and every refusal with the sentence a user reads, the reply round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-proto.h"

static int parse(const char *json, struct daemon_request **r, char *err)
{
        return daemon_request_parse(json, strlen(json), r, err, 512);
}

static void refused(const char *json, const char *message)
{
        char err[512] = "";
        struct daemon_request *r = NULL;
        assert_int_equal(parse(json, &r, err), -EINVAL);
        assert_null(r);
        assert_string_equal(err, message);
}

static void frames(void **state)
{
        uint8_t h[DAEMON_HEADER_SIZE];
        uint32_t len = 0;
        daemon_header_format(h, 300);
        assert_memory_equal(h, "CRL1\x2c\x01\x00\x00", 8);
        assert_int_equal(daemon_header_parse(h, &len), 0);
        assert_int_equal(len, 300);
        daemon_header_format(h, DAEMON_PAYLOAD_MAX + 1);
        assert_int_equal(daemon_header_parse(h, &len), -EMSGSIZE);
        daemon_header_format(h, 0);
        assert_int_equal(daemon_header_parse(h, &len), -EMSGSIZE);
        assert_int_equal(daemon_header_parse((const uint8_t *)"GET / HT", &len), -EBADMSG);
}

static void a_request_round_trips(void **state)
{
        char *argv[] = {"submit", "--memory", "32M", "--", "sh", "-c", "exit 3", NULL};
        char *env[] = {"LANG=C.UTF-8", "LC_ALL=C", NULL};
        char *payload = NULL;
        size_t len = 0;
        assert_int_equal(daemon_request_format(argv, env, "alice", &payload, &len), 0);
        char err[512];
        struct daemon_request *r = NULL;
        assert_int_equal(daemon_request_parse(payload, len, &r, err, sizeof(err)), 0);
        free(payload);
        assert_int_equal(r->argc, 7);
        assert_string_equal(r->argv[6], "exit 3");
        assert_null(r->argv[7]);
        assert_string_equal(r->env[1], "LC_ALL=C");
        assert_string_equal(r->tenant, "alice");
        daemon_request_free(r);
}

static void after_the_double_dash_anything_goes(void **state)
{
        /* The job's own command line may hold what would be our options. */
        char err[512];
        struct daemon_request *r = NULL;
        assert_int_equal(
            parse("{\"argv\":[\"submit\",\"--\",\"prog\",\"--state-dir\",\"/x\"]}", &r, err), 0);
        daemon_request_free(r);
}

static void refusals(void **state)
{
        refused("[1]", "the request is not a JSON object");
        refused("{\"argv\":\"submit\"}", "\"argv\" must be an array of at most 4096 strings");
        refused("{\"argv\":[]}", "the request names no command");
        refused("{\"argv\":[\"__supervise\",\"x\"]}",
                "'__supervise' cannot run through the daemon: allowed are submit, status, list, "
                "logs, wait, cancel, retry, gc and serve");
        refused("{\"argv\":[\"list\",\"--state-dir=/tmp\"]}",
                "--state-dir=/tmp cannot be used through the daemon: it sets the state directory, "
                "cgroup parent and policy directory, and the tenant comes from your identity");
        refused("{\"argv\":[\"status\",\"--tenant\",\"bob\",\"x\"]}",
                "--tenant cannot be used through the daemon: it sets the state directory, cgroup "
                "parent and policy directory, and the tenant comes from your identity");
        refused("{\"argv\":[\"serve\",\"--too=/etc/shadow\"]}",
                "serve --tools FILE cannot be used through the daemon");
        refused("{\"argv\":[\"submit\",\"--policy\",\"/etc/x\",\"--\",\"true\"]}",
                "--policy with a path (name a policy of the daemon's policy directory) cannot be "
                "used through the daemon");
        refused("{\"argv\":[\"status\",\"--system\",\"--root\",\"/\"]}",
                "status --root (measurements are the daemon's host) cannot be used through the "
                "daemon");
        refused("{\"argv\":[\"list\"],\"env\":[\"LD_PRELOAD=/x.so\"]}",
                "environment entry 'LD_PRELOAD=/x.so' is not forwarded: allowed are LANG, "
                "LANGUAGE, LC_*, TZ and TERM");
        refused("{\"argv\":[\"list\"],\"tenant\":\"../etc\"}",
                "invalid tenant name: allowed are 1-64 characters of A-Z a-z 0-9 _ -");
        refused("{\"argv\":[\"list\"],\"tenant\":7}", "\"tenant\" must be a string");
}

static void environment_allow_list(void **state)
{
        assert_true(daemon_env_allowed("LC_MESSAGES=C"));
        assert_true(daemon_env_allowed("TZ=UTC"));
        assert_false(daemon_env_allowed("LC_=x"));
        assert_false(daemon_env_allowed("LC_a=x"));
        assert_false(daemon_env_allowed("LANGX=1"));
        assert_false(daemon_env_allowed("PATH=/tmp"));
        assert_false(daemon_env_allowed("TERM"));
}

static void replies(void **state)
{
        char *p = NULL, *error = NULL;
        size_t len;
        int code = -1;
        assert_int_equal(daemon_reply_format(3, NULL, &p, &len), 0);
        assert_int_equal(daemon_reply_parse(p, len, &code, &error), 0);
        assert_int_equal(code, 3);
        assert_null(error);
        free(p);
        assert_int_equal(daemon_reply_format(2, "no", &p, &len), 0);
        assert_int_equal(daemon_reply_parse(p, len, &code, &error), 0);
        assert_string_equal(error, "no");
        free(error);
        free(p);
        assert_int_equal(daemon_reply_parse("{\"exit\":300}", 12, &code, &error), -EBADMSG);
        assert_int_equal(daemon_reply_parse("nope", 4, &code, &error), -EBADMSG);
}

static void command_classes(void **state)
{
        assert_true(daemon_command_repeatable("wait"));
        assert_false(daemon_command_repeatable("submit"));
        assert_false(daemon_command_repeatable("logs")); /* --follow would print twice */
        assert_true(daemon_command_reads_only("serve"));
        assert_false(daemon_command_reads_only("cancel"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(frames),
            cmocka_unit_test(a_request_round_trips),
            cmocka_unit_test(after_the_double_dash_anything_goes),
            cmocka_unit_test(refusals),
            cmocka_unit_test(environment_allow_list),
            cmocka_unit_test(replies),
            cmocka_unit_test(command_classes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
