/* test-server.c - `corral serve`'s wiring plus a timer-driven deferred tool,
 * `sleep`, for the real-client tests of deferred answers and tasks (built by
 * tests/mcp/CMakeLists.txt only: never shipped).  sleep {ms, fail?} answers
 * after ms milliseconds from a loop timer, with progress at the start and the
 * end; it supports tasks (optional); fail makes it a tool error (isError). */
#include "log.h"
#include "loop.h"
#include "mcp-info.h"
#include "mcp-stdio.h"
#include "mcp.h"
#include "units.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sleeper {
        struct mcp_request *req;
        struct loop_source *timer;
        double ms;
        bool fail;
};

static struct loop *loop;

static void sleeper_free(struct sleeper *z)
{
        loop_source_free(z->timer);
        free(z);
}

static int on_timer(struct loop_source *s, void *userdata)
{
        struct sleeper *z = userdata;
        mcp_request_progress(z->req, 1, 1, "awake");
        cJSON *sc = cJSON_CreateObject();
        cJSON_AddNumberToObject(sc, "slept_ms", z->ms);
        char text[64];
        snprintf(text, sizeof(text), z->fail ? "failed after %.0f ms" : "slept %.0f ms", z->ms);
        mcp_request_complete(z->req, mcp_tool_result(text, sc, z->fail));
        sleeper_free(z);
        return 0;
}

static void on_cancel(struct mcp_request *req, bool closing, void *userdata)
{
        struct sleeper *z = userdata;
        if (!closing) /* still ours to finish: the server drops the answer */
                mcp_request_fail(req, -ECANCELED, "cancelled");
        sleeper_free(z);
}

static int sleep_call(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(args, "ms");
        if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 60000)
                return mcp_request_errorf(req, -EINVAL, "ms must be a number in 0..60000");
        struct sleeper *z = calloc(1, sizeof(*z));
        if (!z)
                return -ENOMEM;
        z->req = req;
        z->ms = ms->valuedouble;
        z->fail = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "fail"));
        int r = loop_add_timer(loop, (uint64_t)(z->ms * 1000) + 1, on_timer, z, &z->timer);
        if (r < 0) {
                free(z);
                return r;
        }
        mcp_request_on_cancel(req, on_cancel, z);
        mcp_request_progress(req, 0, 1, "sleeping");
        return MCP_DEFERRED;
}

static int on_signal(struct loop_source *s, int signo, void *userdata)
{
        loop_exit(loop, 0);
        return 0;
}

int main(void)
{
        struct mcp_stdio *io = NULL;
        struct mcp_server *server = NULL;
        struct loop_source *sig = NULL;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        signal(SIGPIPE, SIG_IGN);
        int r = loop_new(&loop);
        if (r >= 0)
                r = loop_add_signals(loop, &mask, on_signal, NULL, &sig);
        if (r >= 0)
                r = mcp_stdio_new(loop, STDIN_FILENO, STDOUT_FILENO, 0, 0, &io);
        if (r >= 0)
                r = mcp_server_new(&(struct mcp_server_config){.send = mcp_stdio_send,
                                                               .userdata = io,
                                                               .name = "corral-test",
                                                               .version = "0"},
                                   &server);
        if (r >= 0)
                r = mcp_info_register(server, now_monotonic_usec());
        if (r >= 0)
                r = mcp_tool_register(
                    server, &(struct mcp_tool){
                                .name = "sleep",
                                .title = "Sleep",
                                .description = "Answers after ms milliseconds (test only).",
                                .input_schema = "{\"type\":\"object\",\"properties\":{\"ms\":"
                                                "{\"type\":\"number\"},\"fail\":{\"type\":"
                                                "\"boolean\"}},\"required\":[\"ms\"]}",
                                .output_schema = "{\"type\":\"object\",\"properties\":{"
                                                 "\"slept_ms\":{\"type\":\"number\"}},"
                                                 "\"required\":[\"slept_ms\"]}",
                                .annotations = "{\"readOnlyHint\":true}",
                                .task_support = MCP_TASK_OPTIONAL,
                                .call = sleep_call,
                            });
        if (r >= 0)
                r = mcp_stdio_attach(io, server);
        if (r >= 0)
                r = loop_run(loop);
        if (r < 0)
                log_error_errno(r, "test server: %s", strerror(-r));
        mcp_stdio_flush_blocking(io, 2000);
        mcp_server_free(server);
        mcp_stdio_free(io);
        loop_source_free(sig);
        loop_free(loop);
        return r < 0 ? 1 : r;
}
