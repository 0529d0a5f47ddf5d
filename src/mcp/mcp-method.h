/* mcp-method.h - the method table: how the parts of the server plug into its
 * dispatcher (mcp-server.c implements this header).
 *
 * mcp_server_new() creates the core, which registers initialize, ping,
 * server/discover and logging/setLevel, then each module, which registers its
 * own methods with its state as userdata: mcp-tools.c (tools/...),
 * mcp-tasks.c (tasks/...), mcp-resources.c (resources/...).  A module sees the
 * server, its requests and the other modules only through functions; no
 * structure is shared.
 *
 * Which protocol versions have a method is data in its entry, never a test in
 * the dispatcher.  For a request the dispatcher answers, in this order:
 *   -32022 when its _meta names a protocol version that does not exist;
 *   -32601 "Method not found" when no module registered the name;
 *   -32600 "Server not initialized" before initialize, unless the entry has
 *          MCP_METHOD_BEFORE_INIT;
 *   -32601 "Method not available in this protocol version" outside [min, max];
 * and otherwise calls the handler, which returns as the handlers of mcp.h do
 * (0 with *ret, MCP_DEFERRED, or an error).  Notifications never reach the
 * table. */
#pragma once

#include "mcp.h"

typedef int (*mcp_method_fn)(struct mcp_request *req, const cJSON *params, void *userdata,
                             cJSON **ret);

enum {
        MCP_METHOD_BEFORE_INIT = 1 << 0, /* also answered before initialize */
        MCP_METHOD_CALL_RESULT = 1 << 1, /* answers with a CallToolResult: shaped for the
                                          * request's version (no structuredContent before
                                          * 2025-06-18) */
};

struct mcp_method {
        const char *name;
        mcp_method_fn call;
        enum mcp_version min, max; /* the versions that have the method */
        unsigned flags;
};

/* Adds the n entries of table, each called with userdata.  The table is kept
 * by reference (static storage).  -EEXIST if a name is already registered,
 * -ENOMEM. */
int mcp_method_register(struct mcp_server *s, const struct mcp_method *table, size_t n,
                        void *userdata);

/* The state of each module, for the module's public functions (mcp.h) that
 * are given only the server.  Opaque outside its own file. */
struct mcp_tools;
struct mcp_tasks;
struct mcp_resources;
struct mcp_tools *mcp_server_tools(const struct mcp_server *s);
struct mcp_tasks *mcp_server_tasks(const struct mcp_server *s);
struct mcp_resources *mcp_server_resources(const struct mcp_server *s);

/* --- for handlers --- */

/* 2026-07-28: the client declared the io.modelcontextprotocol/tasks extension
 * in this request's _meta. */
bool mcp_request_tasks_extension(const struct mcp_request *req);
/* Records -32021 with data.requiredCapabilities naming the tasks extension
 * (2026-07-28) for `what`; returns the code to return. */
int mcp_request_needs_tasks_extension(struct mcp_request *req, const char *what);
/* From 2026-07-28: cacheScope "private", ttlMs 0 (job lists and logs belong
 * to this client and change at any time). */
void mcp_add_cache_fields(const struct mcp_request *req, cJSON *result);
