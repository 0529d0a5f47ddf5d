/* Fuzzes the JSON-RPC/MCP dispatch (mcp-server.c, mcp-rpc.c, mcp-json.c,
 * mcp-tasks.c, mcp-resources.c): each input is a session, one message per
 * line.  Every message the server sends must be one line of valid JSON.  A
 * deferred test tool (fuzz target only) is completed at the end of the input,
 * so tasks, tasks/result waiters and cancellation paths are reached. */
#include "mcp-info.h"
#include "mcp.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_output(void *userdata, const char *msg, size_t len)
{
        if (memchr(msg, '\n', len))
                abort();
        cJSON *j = cJSON_ParseWithLength(msg, len);
        if (!cJSON_IsObject(j))
                abort();
        cJSON_Delete(j);
}

static struct mcp_request *pending[16];
static int n_pending;

static int deferred_call(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        if (n_pending == 16) {
                *ret = mcp_tool_result("busy", NULL, true);
                return 0;
        }
        pending[n_pending++] = req;
        mcp_request_progress(req, 1, 2, "half");
        return MCP_DEFERRED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mcp_server *s;
        if (mcp_server_new(&(struct mcp_server_config){.send = check_output, .name = "fuzz"}, &s) <
            0)
                return 0;
        mcp_info_register(s, 0);
        mcp_tool_register(s, &(struct mcp_tool){.name = "later",
                                                .input_schema = "{\"type\":\"object\"}",
                                                .output_schema = "{\"type\":\"object\"}",
                                                .task_support = MCP_TASK_OPTIONAL,
                                                .call = deferred_call});
        n_pending = 0;
        const char *p = (const char *)data, *end = p + size;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
                mcp_server_handle_line(s, p, len);
                p += len + 1;
                if (n_pending > 0 && len % 3 == 0) { /* finish some work mid-session */
                        mcp_request_complete(pending[--n_pending],
                                             mcp_tool_result("done", cJSON_CreateObject(), false));
                }
        }
        if (n_pending > 0)
                mcp_request_fail(pending[--n_pending], -EIO, "late failure");
        mcp_server_free(s); /* frees what is left; ASan checks for leaks */
        n_pending = 0;
        return 0;
}
