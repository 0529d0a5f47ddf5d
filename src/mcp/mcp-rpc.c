/* mcp-rpc.c - JSON-RPC 2.0 envelopes and the tables of names (protocol
 * versions, log levels) and error codes.  Ids are emitted as the exact token
 * the client sent (cJSON_CreateRaw), so an id of any size survives. */
#include "mcp-rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const version_names[_MCP_VERSION_MAX] = {
    [MCP_2024_11_05] = "2024-11-05", [MCP_2025_03_26] = "2025-03-26",
    [MCP_2025_06_18] = "2025-06-18", [MCP_2025_11_25] = "2025-11-25",
    [MCP_2026_07_28] = "2026-07-28",
};

const char *mcp_version_to_string(enum mcp_version v)
{
        return v >= 0 && v < _MCP_VERSION_MAX ? version_names[v] : NULL;
}

enum mcp_version mcp_version_from_string(const char *s)
{
        for (int v = 0; s && v < _MCP_VERSION_MAX; v++)
                if (strcmp(s, version_names[v]) == 0)
                        return (enum mcp_version)v;
        return MCP_VERSION_INVALID;
}

static const char *const level_names[_MCP_LOG_MAX] = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency",
};

const char *mcp_log_level_to_string(enum mcp_log_level l)
{
        return l < _MCP_LOG_MAX ? level_names[l] : NULL;
}

int mcp_log_level_from_string(const char *s)
{
        for (int l = 0; s && l < _MCP_LOG_MAX; l++)
                if (strcmp(s, level_names[l]) == 0)
                        return l;
        return -EINVAL;
}

int mcp_error_code(int r)
{
        if (r <= -32000 && r >= -32768)
                return r; /* already a JSON-RPC code */
        switch (r) {
        case -EINVAL:
        case -ERANGE:
        case -ENOENT:
        case -ESRCH:
        case -E2BIG:
                return MCP_ERR_INVALID_PARAMS;
        case -ENOSYS:
        case -EOPNOTSUPP:
                return MCP_ERR_METHOD_NOT_FOUND;
        default:
                return MCP_ERR_INTERNAL;
        }
}

const char *mcp_get_string(const cJSON *obj, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

void mcp_send_json(const struct mcp_server_config *cfg, cJSON *msg)
{
        /* Unformatted: one message, one line, never a newline inside. */
        char *text = msg ? cJSON_PrintUnformatted(msg) : NULL;
        if (text)
                cfg->send(cfg->userdata, text, strlen(text));
        free(text);
        cJSON_Delete(msg);
}

static cJSON *envelope(const char *id_raw)
{
        cJSON *m = cJSON_CreateObject();
        if (!m)
                return NULL;
        cJSON_AddStringToObject(m, "jsonrpc", "2.0");
        cJSON_AddItemToObject(m, "id", id_raw ? cJSON_CreateRaw(id_raw) : cJSON_CreateNull());
        return m;
}

void mcp_send_result(const struct mcp_server_config *cfg, const char *id_raw, cJSON *result)
{
        cJSON *m = envelope(id_raw);
        if (!m) {
                cJSON_Delete(result);
                return;
        }
        cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateObject());
        mcp_send_json(cfg, m);
}

void mcp_send_error(const struct mcp_server_config *cfg, const char *id_raw, int code,
                    const char *message, cJSON *data)
{
        cJSON *m = envelope(id_raw);
        cJSON *e = cJSON_CreateObject();
        if (!m || !e) {
                cJSON_Delete(m);
                cJSON_Delete(e);
                cJSON_Delete(data);
                return;
        }
        cJSON_AddNumberToObject(e, "code", code);
        cJSON_AddStringToObject(e, "message", message ? message : "Error");
        if (data)
                cJSON_AddItemToObject(e, "data", data);
        cJSON_AddItemToObject(m, "error", e);
        mcp_send_json(cfg, m);
}
