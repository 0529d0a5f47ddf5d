/* Unit tests for the method table (mcp-method.h, mcp-server.c): a module's
 * methods are registered once, dispatched with the module's userdata, gated
 * by the versions in their entry (and by initialize unless the entry allows
 * it), and an unknown name is "Method not found".  The methods registered
 * here exist only in this test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp-method.h"
#include "mcp.h"

#define MAXMSG 16
static char *out[MAXMSG];
static int n_out, next_out;

static void capture(void *userdata, const char *msg, size_t len)
{
        assert_true(n_out < MAXMSG);
        out[n_out++] = strndup(msg, len);
}

static struct mcp_server *server;

static int setup(void **state)
{
        return mcp_server_new(&(struct mcp_server_config){.send = capture, .name = "t"}, &server);
}

static int teardown(void **state)
{
        mcp_server_free(server);
        server = NULL;
        for (int i = 0; i < n_out; i++)
                free(out[i]);
        n_out = next_out = 0;
        return 0;
}

/* The next message the server sent, parsed (caller frees). */
static cJSON *take(void)
{
        if (next_out >= n_out)
                fail_msg("the server sent nothing more");
        cJSON *j = cJSON_Parse(out[next_out++]);
        assert_non_null(j);
        return j;
}

static void assert_no_more(void)
{
        if (next_out < n_out)
                fail_msg("unexpected message: %s", out[next_out]);
}

static void call(const char *method, const char *params)
{
        char line[512];
        snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\"%s%s}", method,
                 params ? ",\"params\":" : "", params ? params : "");
        mcp_server_handle_line(server, line, strlen(line));
}

static void expect_error(int code, const char *message)
{
        cJSON *m = take();
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
        if (!e)
                fail_msg("expected error %d, got %s", code, out[next_out - 1]);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(e, "code")->valueint, code);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "message")->valuestring, message);
        cJSON_Delete(m);
}

/* The result of the next message (caller frees the message, *ret_msg). */
static const cJSON *expect_result(cJSON **ret_msg)
{
        cJSON *m = take();
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
        if (!r)
                fail_msg("expected a result, got %s", out[next_out - 1]);
        *ret_msg = m;
        return r;
}

static void initialize(const char *version)
{
        char params[128];
        snprintf(params, sizeof(params), "{\"protocolVersion\":\"%s\"}", version);
        call("initialize", params);
        cJSON *m;
        expect_result(&m);
        cJSON_Delete(m);
}

/* --- a module of this test --- */

struct counter {
        int calls;
};

/* {calls: n, method: name}, with structuredContent for the shaping test. */
static int count(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct counter *c = userdata;
        c->calls++;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "calls", c->calls);
        cJSON_AddStringToObject(r, "method", mcp_request_method(req));
        cJSON_AddObjectToObject(r, "structuredContent");
        *ret = r;
        return 0;
}

static int refuse(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "refused by %s",
                                  (const char *)userdata);
}

static const struct mcp_method test_methods[] = {
    {"test/count", count, MCP_2025_06_18, MCP_2025_11_25, 0},
    {"test/early", count, MCP_2024_11_05, MCP_2026_07_28, MCP_METHOD_BEFORE_INIT},
    {"test/call", count, MCP_2024_11_05, MCP_2026_07_28, MCP_METHOD_CALL_RESULT},
    {"test/stateless", count, MCP_2026_07_28, MCP_2026_07_28, 0},
};

static void registration(void **state)
{
        struct counter c = {0};
        assert_int_equal(mcp_method_register(server, test_methods, 4, &c), 0);
        /* A name is registered once, whoever registers it: the core's own too. */
        assert_int_equal(mcp_method_register(server, test_methods, 1, &c), -EEXIST);
        static const struct mcp_method again[] = {
            {"test/refuse", refuse, MCP_2024_11_05, MCP_2026_07_28, 0},
            {"ping", refuse, MCP_2024_11_05, MCP_2026_07_28, 0},
        };
        assert_int_equal(mcp_method_register(server, again, 2, "x"), -EEXIST);
        /* A refused table adds nothing: test/refuse is still unknown. */
        initialize("2025-11-25");
        call("test/refuse", NULL);
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not found");
        call("ping", NULL); /* still the core's */
        cJSON *m;
        expect_result(&m);
        cJSON_Delete(m);
        /* Each call reaches the handler with the userdata it was registered with. */
        call("test/count", NULL);
        call("test/count", "{}");
        cJSON_Delete(m = take());
        const cJSON *r = expect_result(&m);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "calls")->valueint, 2);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "method")->valuestring,
                            "test/count");
        cJSON_Delete(m);
        assert_int_equal(mcp_method_register(server, again, 1, "the test"), 0);
        call("test/refuse", NULL);
        expect_error(MCP_ERR_INVALID_PARAMS, "refused by the test");
        assert_no_more();
}

static void version_gating(void **state)
{
        struct counter c = {0};
        assert_int_equal(mcp_method_register(server, test_methods, 4, &c), 0);
        /* Before initialize: only the entries that allow it. */
        call("test/count", NULL);
        expect_error(MCP_ERR_INVALID_REQUEST, "Server not initialized: send initialize first");
        call("test/early", NULL);
        cJSON *m;
        expect_result(&m);
        cJSON_Delete(m);
        /* 2024-11-05 is below test/count's first version. */
        initialize("2024-11-05");
        call("test/count", NULL);
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not available in this protocol version");
        call("test/stateless", NULL);
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not available in this protocol version");
        /* A 2026-07-28 request (version in _meta) is above test/count's last one. */
        call("test/count", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                           "\"2026-07-28\"}}");
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not available in this protocol version");
        call("test/stateless", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                               "\"2026-07-28\"}}");
        const cJSON *r = expect_result(&m);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "resultType")->valuestring,
                            "complete");
        cJSON_Delete(m);
        /* Only the handlers that ran counted. */
        assert_int_equal(c.calls, 2);
        /* MCP_METHOD_CALL_RESULT: structuredContent is left out before 2025-06-18. */
        call("test/call", NULL);
        r = expect_result(&m);
        assert_null(cJSON_GetObjectItemCaseSensitive(r, "structuredContent"));
        cJSON_Delete(m);
        call("test/early", NULL);
        r = expect_result(&m);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(r, "structuredContent"));
        cJSON_Delete(m);
        assert_no_more();
}

static void unknown_methods(void **state)
{
        initialize("2025-11-25");
        call("test/count", NULL); /* nobody registered it in this server */
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not found");
        call("tools/lis", NULL);
        expect_error(MCP_ERR_METHOD_NOT_FOUND, "Method not found");
        /* The version in _meta is checked before the name. */
        call("no/such", "{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"1999-01-01\"}}");
        expect_error(MCP_ERR_UNSUPPORTED_VERSION, "Unsupported protocol version");
        /* Every module registered its methods at creation. */
        const char *builtin[] = {"tools/list",     "resources/list", "resources/templates/list",
                                 "tasks/list",     "ping",           "logging/setLevel",
                                 "server/discover"};
        for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
                call(builtin[i], "{\"level\":\"info\"}");
                cJSON *m;
                expect_result(&m);
                cJSON_Delete(m);
        }
        assert_no_more();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(registration, setup, teardown),
            cmocka_unit_test_setup_teardown(version_gating, setup, teardown),
            cmocka_unit_test_setup_teardown(unknown_methods, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
