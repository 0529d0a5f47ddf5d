/* mcp-internal.h - the structures shared by the mcp-*.c modules; nothing
 * outside src/mcp-*.c includes this (the public interface is corral/mcp.h). */
#pragma once

#include "mcp.h"

struct mcp_tool_entry {
        struct mcp_tool tool; /* strings owned (strdup) */
        cJSON *input_schema, *output_schema, *annotations, *meta;
        struct mcp_tool_entry *next;
};

struct mcp_request {
        struct mcp_server *server;
        char *id_raw; /* exact id token from the client; NULL for a task's work */
        char *method;
        enum mcp_version version;
        cJSON *progress_token;
        bool tasks_extension; /* 2026-07-28 client declared io.modelcontextprotocol/tasks */
        bool cancelled;
        bool pending; /* deferred: on server->pending */
        char *error_message;
        cJSON *error_data; /* error.data of the answer, if any */
        mcp_cancel_fn cancel_fn;
        void *cancel_data;
        struct mcp_task *task;         /* the task this work runs under */
        struct mcp_task *waiting_task; /* tasks/result waiting for this task */
        struct mcp_request *prev, *next;
};

struct mcp_task {
        struct mcp_server *server;
        char id[72]; /* a UUID, or a job id (mcp_task_set_id) */
        uint64_t seq;
        enum mcp_task_status status;
        char *status_message;
        uint64_t created_usec, updated_usec; /* realtime */
        int64_t ttl_ms;                      /* -1: unlimited (null) */
        enum mcp_version version;
        cJSON *result; /* the CallToolResult once terminal (completed or isError) */
        int error_code;
        char *error_message;
        struct mcp_request *work; /* the tool's request while it runs */
        struct mcp_task *prev, *next;
};

struct mcp_server {
        struct mcp_server_config cfg;
        char *name, *title, *version_string, *instructions;
        enum mcp_version version; /* negotiated by initialize */
        bool initialized;
        enum mcp_log_level log_level;
        struct mcp_tool_entry *tools;
        struct mcp_request *pending;
        struct mcp_task *tasks, *tasks_tail;
        size_t n_tasks;
        uint64_t task_seq;
        struct mcp_resource_provider resources;
        bool has_resources;
        char **subscriptions;
        size_t n_subscriptions;
};

/* mcp-rpc.c: envelopes. id_raw NULL means id null. */
void mcp_send_result(struct mcp_server *s, const char *id_raw, cJSON *result);
void mcp_send_error(struct mcp_server *s, const char *id_raw, int code, const char *message,
                    cJSON *data);
void mcp_send_json(struct mcp_server *s, cJSON *msg);

/* mcp-server.c */
struct mcp_request *mcp_request_new(struct mcp_server *s, const char *id_raw, const char *method,
                                    enum mcp_version v);
void mcp_request_free(struct mcp_request *req);
void mcp_request_defer(struct mcp_request *req);
/* -32021 with data.requiredCapabilities naming the tasks extension (2026-07-28). */
int mcp_request_needs_tasks_extension(struct mcp_request *req, const char *what);
void mcp_add_cache_fields(const struct mcp_request *req, cJSON *result);
struct mcp_tool_entry *mcp_tool_find(struct mcp_server *s, const char *name);
int mcp_call_tool_now(struct mcp_request *req, struct mcp_tool_entry *t, const cJSON *args,
                      cJSON **ret_result);
/* Adapts a finished tools/call result to the version of the request answering it. */
void mcp_shape_call_result(enum mcp_version v, cJSON *result);

/* mcp-tools.c */
int mcp_method_tools_list(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_tools_call(struct mcp_request *req, const cJSON *params, cJSON **ret);
void mcp_tools_free(struct mcp_server *s);

/* mcp-tasks.c */
int mcp_tasks_call_tool(struct mcp_request *req, struct mcp_tool_entry *t, const cJSON *args,
                        const cJSON *task_params, cJSON **ret_result);
void mcp_task_work_done(struct mcp_task *t, cJSON *result, int code, const char *message);
void mcp_tasks_free_all(struct mcp_server *s);
int mcp_method_tasks_get(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_tasks_result(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_tasks_list(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_tasks_cancel(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_tasks_update(struct mcp_request *req, const cJSON *params, cJSON **ret);

/* mcp-resources.c */
int mcp_method_resources_list(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_resources_templates(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_resources_read(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_resources_subscribe(struct mcp_request *req, const cJSON *params, cJSON **ret);
int mcp_method_resources_unsubscribe(struct mcp_request *req, const cJSON *params, cJSON **ret);
void mcp_resources_free(struct mcp_server *s);

/* Small cJSON helpers. */
const char *mcp_get_string(const cJSON *obj, const char *key);
