/* mcp.h - the MCP server session: versions, dispatch, tools, deferred requests,
 * tasks, resources and notifications.  Transport-free: feed it lines with
 * mcp_server_handle_line(); it hands each outgoing message (compact JSON, no
 * newline) to config.send.  mcp-stdio.h wires it to stdin/stdout.
 *
 * Handlers (tool calls, resource providers) return:
 *   0             and set *ret_result: answered now;
 *   MCP_DEFERRED  they kept the struct mcp_request and will call
 *                 mcp_request_complete() or mcp_request_fail() later, from
 *                 another event-loop callback (this is how long calls block
 *                 without blocking the loop);
 *   < 0           -errno, or a JSON-RPC code (<= -32000) such as
 *                 MCP_ERR_INVALID_PARAMS; mcp_request_errorf() attaches the message.
 * The server is the one place -errno becomes a JSON-RPC error (mcp_error_code()).
 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mcp_version {
        MCP_VERSION_INVALID = -1,
        MCP_2024_11_05,
        MCP_2025_03_26,
        MCP_2025_06_18,
        MCP_2025_11_25,
        MCP_2026_07_28, /* stateless: version in each request's _meta */
        _MCP_VERSION_MAX,
};
#define MCP_LATEST_HANDSHAKE_VERSION MCP_2025_11_25

const char *mcp_version_to_string(enum mcp_version v);
enum mcp_version mcp_version_from_string(const char *s);

enum {
        MCP_ERR_PARSE = -32700,
        MCP_ERR_INVALID_REQUEST = -32600,
        MCP_ERR_METHOD_NOT_FOUND = -32601,
        MCP_ERR_INVALID_PARAMS = -32602,
        MCP_ERR_INTERNAL = -32603,
        MCP_ERR_RESOURCE_NOT_FOUND = -32002,
        MCP_ERR_MISSING_CAPABILITY = -32021,  /* 2026-07-28 */
        MCP_ERR_UNSUPPORTED_VERSION = -32022, /* 2026-07-28 */
};
#define MCP_DEFERRED 1

/* Maps a handler's return (-errno or a JSON-RPC code) to a JSON-RPC code. */
int mcp_error_code(int r);

enum mcp_log_level {
        MCP_LOG_DEBUG,
        MCP_LOG_INFO,
        MCP_LOG_NOTICE,
        MCP_LOG_WARNING,
        MCP_LOG_ERROR,
        MCP_LOG_CRITICAL,
        MCP_LOG_ALERT,
        MCP_LOG_EMERGENCY,
        _MCP_LOG_MAX,
};
const char *mcp_log_level_to_string(enum mcp_log_level l);
int mcp_log_level_from_string(const char *s); /* -EINVAL if unknown */

struct mcp_server;
struct mcp_request;
struct mcp_task;

struct mcp_server_config {
        /* Receives each outgoing message: compact JSON without the newline. */
        void (*send)(void *userdata, const char *msg, size_t len);
        void *userdata;
        const char *name, *title, *version, *instructions;
};

int mcp_server_new(const struct mcp_server_config *cfg, struct mcp_server **ret);
/* Calls the cancel hook of every pending request (closing=true), then frees. */
void mcp_server_free(struct mcp_server *s);

/* One line from the client (no newline). Never fails: errors are answered. */
void mcp_server_handle_line(struct mcp_server *s, const char *line, size_t len);
/* A line over the cap: answered with an error carrying the id when the first
 * bytes (prefix) reveal it, else id null. */
void mcp_server_handle_oversize(struct mcp_server *s, const char *prefix, size_t len, size_t max);

/* The version of the handshake, or MCP_VERSION_INVALID before initialize. */
enum mcp_version mcp_server_version(const struct mcp_server *s);

/* Sends a notification (params owned, may be NULL). */
void mcp_server_notify(struct mcp_server *s, const char *method, cJSON *params);
/* notifications/message when level >= the client's logging/setLevel. */
void mcp_server_log(struct mcp_server *s, enum mcp_log_level level, const char *logger,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* --- tools --- */
enum mcp_task_support { MCP_TASK_FORBIDDEN, MCP_TASK_OPTIONAL, MCP_TASK_REQUIRED };

typedef int (*mcp_tool_fn)(struct mcp_request *req, const cJSON *arguments, void *userdata,
                           cJSON **ret_result);

struct mcp_tool {
        const char *name;
        const char *title; /* sent from 2025-06-18 */
        const char *description;
        const char *input_schema;  /* JSON text, required */
        const char *output_schema; /* JSON text or NULL; sent from 2025-06-18 */
        const char *annotations;   /* JSON text (ToolAnnotations) or NULL */
        enum mcp_task_support task_support;
        mcp_tool_fn call;
        void *userdata;
        const char *meta; /* JSON text (the tool's _meta) or NULL; sent from 2025-06-18 */
};

/* Copies *tool (strings and schemas). -EEXIST for a duplicate name, -EINVAL for
 * schemas that are not JSON objects. */
int mcp_tool_register(struct mcp_server *s, const struct mcp_tool *tool);

/* A CallToolResult: one text block, optional structuredContent (owned). */
cJSON *mcp_tool_result(const char *text, cJSON *structured, bool is_error);

/* --- requests (also for deferred answers) --- */
struct mcp_server *mcp_request_server(const struct mcp_request *req);
enum mcp_version mcp_request_version(const struct mcp_request *req);
const char *mcp_request_method(const struct mcp_request *req);
/* The task this call runs under (task-augmented tools/call), or NULL. */
struct mcp_task *mcp_request_task(const struct mcp_request *req);
bool mcp_request_cancelled(const struct mcp_request *req);
/* The client gave a progressToken (so mcp_request_progress() reaches it). */
bool mcp_request_has_progress_token(const struct mcp_request *req);

/* Records the message for an error the handler is about to return; returns r. */
int mcp_request_errorf(struct mcp_request *req, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Answers a deferred request (result owned) and frees req. A cancelled request is
 * freed without an answer, as the protocol requires. */
void mcp_request_complete(struct mcp_request *req, cJSON *result);
void mcp_request_fail(struct mcp_request *req, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* notifications/progress if the client sent a progressToken (total < 0: none). */
void mcp_request_progress(struct mcp_request *req, double progress, double total,
                          const char *message);

/* Called once when the client cancels the request (notifications/cancelled,
 * tasks/cancel; closing=false: stop the work and still complete or fail the
 * request), or when the server is freed (closing=true: req is freed right after
 * the hook returns and must not be touched again). */
typedef void (*mcp_cancel_fn)(struct mcp_request *req, bool closing, void *userdata);
void mcp_request_on_cancel(struct mcp_request *req, mcp_cancel_fn fn, void *userdata);

/* --- tasks (mcp-tasks.c) --- */
enum mcp_task_status {
        MCP_TASK_WORKING,
        MCP_TASK_INPUT_REQUIRED,
        MCP_TASK_COMPLETED,
        MCP_TASK_FAILED,
        MCP_TASK_CANCELLED,
};
const char *mcp_task_status_to_string(enum mcp_task_status st);
const char *mcp_task_id(const struct mcp_task *t);
enum mcp_task_status mcp_task_status(const struct mcp_task *t);
/* The task's TTL in milliseconds; -1 for unlimited. */
int64_t mcp_task_ttl_ms(const struct mcp_task *t);
/* Updates a live task's status message (e.g. progress) and notifies the client. */
void mcp_task_set_message(struct mcp_task *t, const char *message);

/* Tasks that are job records (the job layer, mcp-jobs.c):
 * mcp_task_set_id renames the task of a task-augmented call to the job's id;
 * call it from the tool's handler before it returns (the CreateTaskResult is
 * sent after).  -EINVAL for an id over 71 bytes, -EEXIST when taken.
 * mcp_task_adopt re-creates a task after a restart: a working task with that
 * id whose work is the returned deferred request; complete or fail it (at once
 * for a job that already ended) as a task-augmented tool call would.  Status
 * notifications go only to a client that negotiated 2025-11-25. */
int mcp_task_set_id(struct mcp_task *t, const char *id);
/* The work was cancelled by other means (the job was cancelled): the task
 * becomes `cancelled` with message; its work's answer is then dropped. */
void mcp_task_mark_cancelled(struct mcp_task *t, const char *message);
int mcp_task_adopt(struct mcp_server *s, const char *id, uint64_t created_usec, int64_t ttl_ms,
                   struct mcp_request **ret_work);

/* --- resources (mcp-resources.c) --- */
struct mcp_resource_provider {
        /* {resources: [...], nextCursor?}; cursor NULL for the first page. */
        int (*list)(struct mcp_request *req, const char *cursor, void *userdata,
                    cJSON **ret_result);
        /* {resourceTemplates: [...], nextCursor?} */
        int (*templates)(struct mcp_request *req, const char *cursor, void *userdata,
                         cJSON **ret_result);
        /* {contents: [...]}; MCP_ERR_RESOURCE_NOT_FOUND for an unknown uri. */
        int (*read)(struct mcp_request *req, const char *uri, void *userdata, cJSON **ret_result);
        void *userdata;
};
/* Without a provider the lists are empty and every read is "not found". */
void mcp_server_set_resources(struct mcp_server *s, const struct mcp_resource_provider *p);
bool mcp_resource_subscribed(const struct mcp_server *s, const char *uri);
/* notifications/resources/updated if the client subscribed to uri. */
void mcp_resource_updated(struct mcp_server *s, const char *uri);
