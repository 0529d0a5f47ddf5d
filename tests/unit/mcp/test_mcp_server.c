/* Unit tests for the MCP session (mcp-server.c, mcp-rpc.c, mcp-tasks.c,
 * mcp-resources.c): framing errors, id echo, dispatch errors, version
 * negotiation and shaping, deferred tools, tasks, progress, logging and
 * resources.  The slow tool below is driven by a fake clock (tick()): it lives
 * here only, never in the shipped server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp-info.h"
#include "mcp.h"

#define MAXMSG 256
static char *out[MAXMSG];
static int n_out, next_out;

static void capture(void *userdata, const char *msg, size_t len)
{
        assert_int_equal(strlen(msg), len);
        assert_null(memchr(msg, '\n', len)); /* one message, one line */
        assert_true(n_out < MAXMSG);
        out[n_out++] = strndup(msg, len);
}

static void reset_out(void)
{
        for (int i = 0; i < n_out; i++)
                free(out[i]);
        n_out = next_out = 0;
}

/* --- the fake slow tool: completes on tick() --- */
static struct mcp_request *slow_pending[8];
static int n_slow, cancel_hooks;

static void slow_cancel(struct mcp_request *req, bool closing, void *userdata)
{
        cancel_hooks++;
        for (int i = 0; i < n_slow; i++)
                if (slow_pending[i] == req && closing)
                        slow_pending[i] = NULL;
}

static int slow_call(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        assert_true(n_slow < 8);
        slow_pending[n_slow++] = req;
        mcp_request_on_cancel(req, slow_cancel, NULL);
        mcp_request_progress(req, 0, 2, "started");
        const cJSON *fail = cJSON_GetObjectItemCaseSensitive(args, "fail");
        (void)fail;
        return MCP_DEFERRED;
}

/* The fake clock: every slow call finishes now. */
static void tick(void)
{
        for (int i = 0; i < n_slow; i++) {
                if (!slow_pending[i])
                        continue;
                struct mcp_request *req = slow_pending[i];
                slow_pending[i] = NULL;
                mcp_request_progress(req, 2, 2, "done");
                cJSON *sc = cJSON_CreateObject();
                cJSON_AddStringToObject(sc, "outcome", "oom_killed");
                mcp_request_complete(req, mcp_tool_result("oom_killed: 32 MiB limit", sc, true));
        }
        n_slow = 0;
}

static int quick_call(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(args, "x");
        if (!cJSON_IsNumber(x))
                return mcp_request_errorf(req, -EINVAL, "x must be a number");
        *ret = mcp_tool_result("ok", NULL, false);
        return 0;
}

static struct mcp_server *server;

static int setup(void **state)
{
        reset_out();
        n_slow = cancel_hooks = 0;
        assert_int_equal(mcp_server_new(&(struct mcp_server_config){.send = capture,
                                                                    .name = "corral",
                                                                    .title = "Corral",
                                                                    .version = "9.9",
                                                                    .instructions = "hi"},
                                        &server),
                         0);
        assert_int_equal(mcp_info_register(server, 0), 0);
        assert_int_equal(mcp_tool_register(server,
                                           &(struct mcp_tool){
                                               .name = "slow",
                                               .title = "Slow",
                                               .description = "waits for tick()",
                                               .input_schema = "{\"type\":\"object\"}",
                                               .task_support = MCP_TASK_OPTIONAL,
                                               .call = slow_call,
                                           }),
                         0);
        assert_int_equal(mcp_tool_register(server,
                                           &(struct mcp_tool){
                                               .name = "quick",
                                               .input_schema = "{\"type\":\"object\",\"required\":"
                                                               "[\"x\"]}",
                                               .call = quick_call,
                                           }),
                         0);
        return 0;
}

static int teardown(void **state)
{
        mcp_server_free(server);
        server = NULL;
        reset_out();
        return 0;
}

static void send_line(const char *line)
{
        mcp_server_handle_line(server, line, strlen(line));
}

static void sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sendf(const char *fmt, ...)
{
        char *line;
        va_list ap;
        va_start(ap, fmt);
        assert_true(vasprintf(&line, fmt, ap) >= 0);
        va_end(ap);
        send_line(line);
        free(line);
}

/* The next message the server sent, parsed (caller frees), or NULL. */
static cJSON *take(void)
{
        if (next_out >= n_out)
                return NULL;
        cJSON *j = cJSON_Parse(out[next_out++]);
        assert_non_null(j);
        return j;
}

static const char *last_raw(void)
{
        return out[next_out - 1];
}

static void assert_no_more(void)
{
        if (next_out < n_out)
                fail_msg("unexpected message: %s", out[next_out]);
}

static int error_code(const cJSON *m)
{
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
        assert_non_null(e);
        return cJSON_GetObjectItemCaseSensitive(e, "code")->valueint;
}

static const cJSON *result_of(const cJSON *m)
{
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "result");
        if (!r)
                fail_msg("no result in %s", last_raw());
        return r;
}

static void expect_error(int code)
{
        cJSON *m = take();
        assert_non_null(m);
        assert_int_equal(error_code(m), code);
        cJSON_Delete(m);
}

static void initialize(const char *version)
{
        sendf("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
              "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
              "\"version\":\"1\"}}}",
              version);
        send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        cJSON *m = take();
        assert_non_null(result_of(m));
        cJSON_Delete(m);
        assert_no_more();
}

static char *negotiate(const char *requested)
{
        sendf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
              "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
              "\"version\":\"1\"}}}",
              requested);
        cJSON *m = take();
        char *v =
            strdup(cJSON_GetObjectItemCaseSensitive(result_of(m), "protocolVersion")->valuestring);
        cJSON_Delete(m);
        return v;
}

static void version_negotiation(void **state)
{
        static const struct {
                const char *asked, *got;
        } cases[] = {
            {"2024-11-05", "2024-11-05"}, {"2025-03-26", "2025-03-26"},
            {"2025-06-18", "2025-06-18"}, {"2025-11-25", "2025-11-25"},
            {"1999-01-01", "2025-11-25"}, {"2026-07-28", "2025-11-25"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                teardown(state);
                setup(state);
                char *v = negotiate(cases[i].asked);
                assert_string_equal(v, cases[i].got);
                free(v);
        }
        /* A second initialize is refused. */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\"}}");
        expect_error(-32600);
}

static const cJSON *tool_named(const cJSON *result, const char *name)
{
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(result, "tools"))
        {
                if (strcmp(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, name) == 0)
                        return t;
        }
        fail_msg("no tool %s", name);
        return NULL;
}

static void responses_shaped_per_version(void **state)
{
        static const char *const versions[] = {"2024-11-05", "2025-03-26", "2025-06-18",
                                               "2025-11-25"};
        for (int v = 0; v < 4; v++) {
                teardown(state);
                setup(state);
                initialize(versions[v]);
                send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
                cJSON *m = take();
                const cJSON *t = tool_named(result_of(m), "corral_info");
                assert_true(cJSON_HasObjectItem(t, "title") == (v >= 2));
                assert_true(cJSON_HasObjectItem(t, "outputSchema") == (v >= 2));
                assert_true(cJSON_HasObjectItem(t, "annotations") == (v >= 1));
                assert_true(cJSON_HasObjectItem(t, "execution") == (v == 3));
                if (v == 1)
                        assert_false(cJSON_HasObjectItem(
                            cJSON_GetObjectItemCaseSensitive(t, "annotations"), "title"));
                assert_false(cJSON_HasObjectItem(result_of(m), "resultType"));
                cJSON_Delete(m);
                send_line("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                          "\"name\":\"corral_info\"}}");
                m = take();
                assert_true(cJSON_HasObjectItem(result_of(m), "structuredContent") == (v >= 2));
                cJSON_Delete(m);
                send_line("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}");
                expect_error(-32602);
                send_line("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/list\"}");
                if (v == 3) {
                        m = take();
                        assert_non_null(result_of(m));
                        cJSON_Delete(m);
                } else {
                        expect_error(-32601);
                }
                assert_no_more();
        }
}

static void requests_before_initialize_refused(void **state)
{
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
        expect_error(-32600);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
        cJSON *m = take();
        assert_non_null(result_of(m));
        cJSON_Delete(m);
        send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}");
        send_line("{\"jsonrpc\":\"2.0\",\"method\":\"tools/list\"}"); /* a notification */
        assert_no_more();
}

static void ids_echoed_exactly(void **state)
{
        initialize("2025-11-25");
        static const char *const ids[] = {
            "123456789012345678901234567890",
            "-9007199254740993",
            "0",
            "\"abc\"",
            "\"\\u00e9t\\u00e9 \\\"q\\\"\"",
            "\"\"",
            "18446744073709551616",
        };
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                sendf("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":%s}", ids[i]);
                cJSON_Delete(take());
                char want[256];
                snprintf(want, sizeof(want), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}",
                         ids[i]);
                assert_string_equal(last_raw(), want);
        }
        /* The same id twice: both answered (the client's problem, not ours). */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}");
        cJSON_Delete(take());
        cJSON_Delete(take());
        assert_no_more();
}

static void expect_error_id(int code, const char *id_raw)
{
        cJSON *m = take();
        assert_int_equal(error_code(m), code);
        char want[64];
        snprintf(want, sizeof(want), "\"id\":%s,", id_raw);
        if (!strstr(last_raw(), want))
                fail_msg("expected %s in %s", want, last_raw());
        cJSON_Delete(m);
}

static void dispatch_errors(void **state)
{
        initialize("2025-11-25");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}");
        expect_error_id(-32601, "1");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":[1]}");
        expect_error_id(-32602, "2");
        send_line("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}");
        expect_error_id(-32600, "3");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}");
        expect_error_id(-32600, "null");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":7}");
        expect_error_id(-32600, "4");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":5,");
        expect_error_id(-32700, "null");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"x\":\"\xff\"}");
        expect_error_id(-32700, "null");
        send_line("[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}]");
        expect_error_id(-32600, "null");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"method\":\"tools/list\"}");
        expect_error_id(-32600, "8");
        send_line("42");
        expect_error_id(-32600, "null");
        char deep[300];
        int n = snprintf(deep, sizeof(deep),
                         "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\","
                         "\"params\":{\"a\":");
        for (int i = 0; i < 70; i++)
                deep[n++] = '[';
        deep[n] = 0;
        send_line(deep);
        expect_error_id(-32700, "null");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"missing\"}}");
        expect_error_id(-32602, "10");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"quick\",\"arguments\":{}}}");
        expect_error_id(-32602, "11");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"quick\",\"arguments\":{\"x\":\"y\"}}}");
        cJSON *m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(m, "error"), "message")
                                ->valuestring,
                            "x must be a number"); /* -EINVAL became -32602 with the text */
        assert_int_equal(error_code(m), -32602);
        cJSON_Delete(m);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"logging/setLevel\",\"params\":{"
                  "\"level\":\"loud\"}}");
        expect_error_id(-32602, "13");
        /* Responses from the client and blank lines are not answered. */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}");
        send_line("   ");
        const char oversize[] = "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"tools/call\",\"p";
        mcp_server_handle_oversize(server, oversize, strlen(oversize), 4096);
        expect_error_id(-32600, "\"big\"");
        assert_no_more();
}

static cJSON *call_slow_as_task(int id)
{
        sendf("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\",\"arguments\":{},\"task\":{\"ttl\":60000},\"_meta\":{\"progressToken\":"
              "\"p%d\"}}}",
              id, id);
        cJSON *m = take(); /* progress "started" comes first */
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring,
                            "notifications/progress");
        cJSON_Delete(m);
        m = take();
        return m;
}

static void tasks_2025_11_25(void **state)
{
        initialize("2025-11-25");
        cJSON *m = call_slow_as_task(1);
        const cJSON *task = cJSON_GetObjectItemCaseSensitive(result_of(m), "task");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(task, "status")->valuestring,
                            "working");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(task, "ttl")->valueint, 60000);
        char *id = strdup(cJSON_GetObjectItemCaseSensitive(task, "taskId")->valuestring);
        cJSON_Delete(m);

        sendf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/result\",\"params\":{"
              "\"taskId\":\"%s\"}}",
              id);
        assert_no_more(); /* blocks until the task ends, without blocking the server */
        sendf("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{"
              "\"taskId\":\"%s\"}}",
              id);
        m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(result_of(m), "status")->valuestring,
                            "working");
        cJSON_Delete(m);

        tick();
        m = take(); /* progress "done" */
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(m, "params"), "progressToken")
                                ->valuestring,
                            "p1");
        cJSON_Delete(m);
        m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring,
                            "notifications/tasks/status");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "params");
        /* isError fails the task in 2025-11-25; the outcome is in statusMessage. */
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "status")->valuestring, "failed");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "statusMessage")->valuestring,
                            "oom_killed: 32 MiB limit");
        cJSON_Delete(m);
        m = take(); /* the blocked tasks/result */
        assert_true(strstr(last_raw(), "\"id\":2,") != NULL);
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(result_of(m), "_meta");
        assert_string_equal(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(meta, "io.modelcontextprotocol/related-task"),
                "taskId")
                ->valuestring,
            id);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result_of(m), "isError")));
        cJSON_Delete(m);
        assert_no_more();

        /* Cancel a second task: the tool's hook runs, the status is cancelled. */
        m = call_slow_as_task(4);
        char *id2 = strdup(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(result_of(m), "task"), "taskId")
                               ->valuestring);
        cJSON_Delete(m);
        sendf("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/cancel\",\"params\":{"
              "\"taskId\":\"%s\"}}",
              id2);
        m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring,
                            "notifications/tasks/status");
        cJSON_Delete(m);
        m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(result_of(m), "status")->valuestring,
                            "cancelled");
        cJSON_Delete(m);
        assert_int_equal(cancel_hooks, 1);
        tick(); /* the tool finishing late changes nothing and sends nothing */
        assert_no_more();
        sendf("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/cancel\",\"params\":{"
              "\"taskId\":\"%s\"}}",
              id2);
        expect_error(-32602);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/get\",\"params\":{"
                  "\"taskId\":\"nope\"}}");
        expect_error(-32602);
        /* corral_info forbids tasks. */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"corral_info\",\"task\":{}}}");
        expect_error(-32601);
        free(id);
        free(id2);
}

static void tasks_list_paginates(void **state)
{
        initialize("2025-11-25");
        for (int i = 0; i < 60; i++) {
                cJSON_Delete(call_slow_as_task(100 + i));
                if (n_slow == 8)
                        tick(), reset_out();
        }
        tick();
        reset_out();
        int seen = 0, pages = 0;
        char cursor[64] = "";
        do {
                if (*cursor)
                        sendf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/list\","
                              "\"params\":{\"cursor\":\"%s\"}}",
                              cursor);
                else
                        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/list\"}");
                cJSON *m = take();
                seen += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result_of(m), "tasks"));
                const cJSON *next = cJSON_GetObjectItemCaseSensitive(result_of(m), "nextCursor");
                snprintf(cursor, sizeof(cursor), "%s", next ? next->valuestring : "");
                cJSON_Delete(m);
                pages++;
        } while (*cursor);
        assert_int_equal(seen, 60);
        assert_int_equal(pages, 2);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/list\",\"params\":{"
                  "\"cursor\":\"bogus\"}}");
        expect_error(-32602);
}

#define META26                                                                                     \
        "\"_meta\":{\"io.modelcontextprotocol/"                                                    \
        "protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{%s}}"

static void stateless_2026_07_28(void **state)
{
        /* No initialize: the version comes with each request. */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{}}");
        cJSON *m = take();
        const cJSON *r = result_of(m);
        assert_string_equal(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "supportedVersions"), 0)
                ->valuestring,
            "2026-07-28");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "resultType")->valuestring,
                            "complete");
        assert_non_null(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "capabilities"),
                                             "extensions"),
            "io.modelcontextprotocol/tasks"));
        cJSON_Delete(m);

        sendf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{" META26 "}}",
              "");
        m = take();
        r = result_of(m);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "resultType")->valuestring,
                            "complete");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "cacheScope")->valuestring,
                            "private");
        assert_false(cJSON_HasObjectItem(tool_named(r, "slow"), "execution"));
        cJSON_Delete(m);

        send_line("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"_meta\":{"
                  "\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\"}}}");
        m = take();
        assert_int_equal(error_code(m), -32022);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(m, "error"), "data"),
                                "requested")
                                ->valuestring,
                            "2099-01-01");
        cJSON_Delete(m);

        /* A client with the tasks extension gets a task for the slow tool. */
        sendf("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\"," META26 "}}",
              "\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}");
        m = take();
        r = result_of(m);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "resultType")->valuestring, "task");
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "ttlMs")));
        char *id = strdup(cJSON_GetObjectItemCaseSensitive(r, "taskId")->valuestring);
        cJSON_Delete(m);
        sendf("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
              "\"%s\"," META26 "}}",
              id, "");
        m = take(); /* tasks methods need the extension declared, and say so */
        assert_int_equal(error_code(m), -32021);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "error"),
                                                     "data"),
                    "requiredCapabilities"),
                "extensions"),
            "io.modelcontextprotocol/tasks"));
        cJSON_Delete(m);
        tick();
        assert_no_more(); /* no progress token, no status push in 2026 */
        sendf("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
              "\"%s\"," META26 "}}",
              id, "\"extensions\":{\"io.modelcontextprotocol/tasks\":{}}");
        m = take();
        r = result_of(m);
        /* A tool error completes the task (failed is for JSON-RPC errors only). */
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "status")->valuestring,
                            "completed");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "resultType")->valuestring,
                            "complete");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(r, "result"), "isError")));
        cJSON_Delete(m);
        /* Without the extension the same call answers directly, when done. */
        sendf("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\"," META26 "}}",
              "");
        assert_no_more();
        tick();
        m = take();
        assert_string_equal(
            cJSON_GetObjectItemCaseSensitive(result_of(m), "resultType")->valuestring, "complete");
        cJSON_Delete(m);
        /* tasks/result and tasks/list do not exist in 2026-07-28. */
        sendf("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tasks/list\",\"params\":{" META26 "}}",
              "");
        expect_error(-32601);
        free(id);
}

static void cancelled_requests_get_no_answer(void **state)
{
        initialize("2025-06-18");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"slow\"}}");
        assert_no_more(); /* no progress token: no progress */
        send_line("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                  "\"requestId\":\"c1\",\"reason\":\"user\"}}");
        assert_int_equal(cancel_hooks, 1);
        tick();
        assert_no_more();
}

static void logging_honours_set_level(void **state)
{
        initialize("2025-11-25");
        mcp_server_log(server, MCP_LOG_INFO, "jobs", "job %d started", 1);
        assert_no_more(); /* below the default threshold (warning) */
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"logging/setLevel\",\"params\":{"
                  "\"level\":\"debug\"}}");
        cJSON_Delete(take());
        mcp_server_log(server, MCP_LOG_INFO, "jobs", "job %d started", 2);
        cJSON *m = take();
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "params");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "level")->valuestring, "info");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(p, "data")->valuestring,
                            "job 2 started");
        cJSON_Delete(m);
}

/* A fake resource provider: 5 resources, 2 per page. */
static int res_list(struct mcp_request *req, const char *cursor, void *ud, cJSON **ret)
{
        int start = cursor ? atoi(cursor) : 0;
        if (start < 0 || start > 5)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Invalid cursor");
        cJSON *r = cJSON_CreateObject();
        cJSON *a = cJSON_AddArrayToObject(r, "resources");
        for (int i = start; i < start + 2 && i < 5; i++) {
                char uri[32];
                snprintf(uri, sizeof(uri), "corral://job/%d", i);
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "uri", uri);
                cJSON_AddStringToObject(o, "name", uri + 9);
                cJSON_AddItemToArray(a, o);
        }
        if (start + 2 < 5) {
                char next[8];
                snprintf(next, sizeof(next), "%d", start + 2);
                cJSON_AddStringToObject(r, "nextCursor", next);
        }
        *ret = r;
        return 0;
}

static int res_read(struct mcp_request *req, const char *uri, void *ud, cJSON **ret)
{
        if (strcmp(uri, "corral://job/1") != 0)
                return mcp_request_errorf(req, MCP_ERR_RESOURCE_NOT_FOUND, "Not found: %s", uri);
        cJSON *r = cJSON_CreateObject();
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "uri", uri);
        cJSON_AddStringToObject(c, "text", "{}");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "contents"), c);
        *ret = r;
        return 0;
}

static void resources_through_provider(void **state)
{
        initialize("2025-11-25");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
        cJSON *m = take();
        assert_int_equal(
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result_of(m), "resources")), 0);
        cJSON_Delete(m);
        mcp_server_set_resources(
            server, &(struct mcp_resource_provider){.list = res_list, .read = res_read});
        int total = 0;
        char cursor[16] = "";
        for (int pages = 0; pages < 10; pages++) {
                if (*cursor)
                        sendf("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\","
                              "\"params\":{\"cursor\":\"%s\"}}",
                              cursor);
                else
                        send_line("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
                m = take();
                total +=
                    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result_of(m), "resources"));
                const cJSON *next = cJSON_GetObjectItemCaseSensitive(result_of(m), "nextCursor");
                snprintf(cursor, sizeof(cursor), "%s", next ? next->valuestring : "");
                cJSON_Delete(m);
                if (!*cursor)
                        break;
        }
        assert_int_equal(total, 5);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{"
                  "\"uri\":\"corral://job/9\"}}");
        expect_error(-32002);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/templates/list\"}");
        m = take();
        assert_non_null(cJSON_GetObjectItemCaseSensitive(result_of(m), "resourceTemplates"));
        cJSON_Delete(m);
        send_line("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/subscribe\",\"params\":{"
                  "\"uri\":\"corral://job/1\"}}");
        cJSON_Delete(take());
        mcp_resource_updated(server, "corral://job/1");
        mcp_resource_updated(server, "corral://job/2"); /* not subscribed */
        m = take();
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring,
                            "notifications/resources/updated");
        cJSON_Delete(m);
        assert_no_more();
        send_line("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/unsubscribe\","
                  "\"params\":{\"uri\":\"corral://job/1\"}}");
        cJSON_Delete(take());
        mcp_resource_updated(server, "corral://job/1");
        assert_no_more();
}

static void server_free_releases_pending_work(void **state)
{
        initialize("2025-11-25");
        send_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                  "\"name\":\"slow\"}}");
        cJSON_Delete(call_slow_as_task(2));
        mcp_server_free(server); /* the hooks run with closing=true; ASan checks the rest */
        server = NULL;
        assert_int_equal(cancel_hooks, 2);
        n_slow = 0;
        setup(state);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(version_negotiation, setup, teardown),
            cmocka_unit_test_setup_teardown(responses_shaped_per_version, setup, teardown),
            cmocka_unit_test_setup_teardown(requests_before_initialize_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(ids_echoed_exactly, setup, teardown),
            cmocka_unit_test_setup_teardown(dispatch_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(tasks_2025_11_25, setup, teardown),
            cmocka_unit_test_setup_teardown(tasks_list_paginates, setup, teardown),
            cmocka_unit_test_setup_teardown(stateless_2026_07_28, setup, teardown),
            cmocka_unit_test_setup_teardown(cancelled_requests_get_no_answer, setup, teardown),
            cmocka_unit_test_setup_teardown(logging_honours_set_level, setup, teardown),
            cmocka_unit_test_setup_teardown(resources_through_provider, setup, teardown),
            cmocka_unit_test_setup_teardown(server_free_releases_pending_work, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
