/* mcp-rpc.h - JSON-RPC 2.0 envelopes, handed to the server config's send
 * (mcp-rpc.c; the name tables and mcp_error_code() are public, in mcp.h).
 * id_raw is the exact id token the client sent; NULL means id null.  Each
 * function takes ownership of the cJSON it is given. */
#pragma once

#include "mcp.h"

void mcp_send_json(const struct mcp_server_config *cfg, cJSON *msg);
void mcp_send_result(const struct mcp_server_config *cfg, const char *id_raw, cJSON *result);
void mcp_send_error(const struct mcp_server_config *cfg, const char *id_raw, int code,
                    const char *message, cJSON *data);

/* obj[key] when it is a string, else NULL (case-sensitive, unlike cJSON's). */
const char *mcp_get_string(const cJSON *obj, const char *key);
