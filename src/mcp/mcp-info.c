/* mcp-info.c - the corral_info diagnostic tool.  See mcp-info.h. */
#include "mcp-info.h"
#include "units.h"

#include <stdio.h>
#include <unistd.h>

static const char input_schema[] = "{\"type\":\"object\",\"properties\":{},"
                                   "\"additionalProperties\":false}";
static const char output_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"version\":{\"type\":\"string\"},"
    "\"pid\":{\"type\":\"integer\"},\"uptime_seconds\":{\"type\":\"number\"},"
    "\"protocol_version\":{\"type\":\"string\"}},"
    "\"required\":[\"name\",\"version\",\"pid\",\"uptime_seconds\",\"protocol_version\"]}";
static const char annotations[] = "{\"title\":\"Server information\",\"readOnlyHint\":true,"
                                  "\"destructiveHint\":false,\"idempotentHint\":false,"
                                  "\"openWorldHint\":false}";

static int info_call(struct mcp_request *req, const cJSON *arguments, void *userdata,
                     cJSON **ret_result)
{
        uint64_t start = *(const uint64_t *)userdata;
        double uptime = (double)(now_monotonic_usec() - start) / 1e6;
        const char *pv = mcp_version_to_string(mcp_request_version(req));
        cJSON *sc = cJSON_CreateObject();
        cJSON_AddStringToObject(sc, "name", "corral");
        cJSON_AddStringToObject(sc, "version", CORRAL_VERSION);
        cJSON_AddNumberToObject(sc, "pid", getpid());
        cJSON_AddNumberToObject(sc, "uptime_seconds", uptime);
        cJSON_AddStringToObject(sc, "protocol_version", pv ? pv : "unknown");
        char text[256];
        snprintf(text, sizeof(text), "corral %s, pid %d, up %.1f s, MCP protocol %s",
                 CORRAL_VERSION, (int)getpid(), uptime, pv ? pv : "unknown");
        *ret_result = mcp_tool_result(text, sc, false);
        return 0;
}

int mcp_info_register(struct mcp_server *s, uint64_t start_usec)
{
        static uint64_t start; /* one server per process: the tool's only state */
        start = start_usec;
        return mcp_tool_register(s, &(struct mcp_tool){
                                        .name = "corral_info",
                                        .title = "corral server information",
                                        .description = "Reports this corral server's "
                                                       "version, process id, uptime and "
                                                       "the MCP protocol version in use.",
                                        .input_schema = input_schema,
                                        .output_schema = output_schema,
                                        .annotations = annotations,
                                        .task_support = MCP_TASK_FORBIDDEN,
                                        .call = info_call,
                                        .userdata = &start,
                                    });
}
