/* mcp-server.c - the MCP session: message validation, version negotiation
 * (initialize for 2024-11-05..2025-11-25, per-request _meta for 2026-07-28),
 * the method table (mcp-method.h) and its dispatcher, requests (deferred ones,
 * the work of tasks: mcp-work.h), progress and logging.  Tools, tasks and
 * resources are modules that register their methods into the table. */
#include "cleanup.h"
#include "log.h"
#include "mcp-json.h"
#include "mcp-method.h"
#include "mcp-resources.h"
#include "mcp-rpc.h"
#include "mcp-tasks.h"
#include "mcp-tools.h"
#include "mcp-work.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_VERSION    "io.modelcontextprotocol/protocolVersion"
#define META_CLIENTCAPS "io.modelcontextprotocol/clientCapabilities"
#define TASKS_EXTENSION "io.modelcontextprotocol/tasks"

static void cjson_deletep(cJSON **p)
{
        cJSON_Delete(*p);
}

struct mcp_request {
        struct mcp_server *server;
        char *id_raw; /* exact id token from the client; NULL for a task's work */
        char *method;
        unsigned flags; /* of the method (MCP_METHOD_*) */
        enum mcp_version version;
        cJSON *progress_token;
        bool tasks_extension; /* 2026-07-28 client declared io.modelcontextprotocol/tasks */
        bool cancelled;
        bool pending; /* deferred: on server->pending */
        char *error_message;
        cJSON *error_data; /* error.data of the answer, if any */
        mcp_cancel_fn cancel_fn;
        void *cancel_data;
        struct mcp_task *task;   /* the task this work runs under */
        mcp_work_done_fn done;   /* receives the work's answer */
        const void *waiting_for; /* mcp_request_wait_for() */
        struct mcp_request *prev, *next;
};

struct method_entry {
        const struct mcp_method *m;
        void *userdata;
};

struct mcp_server {
        struct mcp_server_config cfg;
        char *name, *title, *version_string, *instructions;
        enum mcp_version version; /* negotiated by initialize */
        bool initialized;
        enum mcp_log_level log_level;
        struct method_entry *methods;
        size_t n_methods;
        struct mcp_request *pending;
        struct mcp_tools *tools;
        struct mcp_tasks *tasks;
        struct mcp_resources *resources;
};

static int register_core_methods(struct mcp_server *s);
static void request_free(struct mcp_request *req);

static char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

int mcp_server_new(const struct mcp_server_config *cfg, struct mcp_server **ret)
{
        struct mcp_server *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->cfg = *cfg;
        s->name = strdup(cfg->name ? cfg->name : "corral");
        s->title = strdup_or_null(cfg->title);
        s->version_string = strdup(cfg->version ? cfg->version : "0");
        s->instructions = strdup_or_null(cfg->instructions);
        s->version = MCP_VERSION_INVALID;
        s->log_level = MCP_LOG_WARNING; /* until the client's logging/setLevel */
        int r = 0;
        if (!s->name || !s->version_string || (cfg->title && !s->title) ||
            (cfg->instructions && !s->instructions))
                r = -ENOMEM;
        if (r >= 0)
                r = register_core_methods(s);
        if (r >= 0)
                r = mcp_tools_new(s, &s->tools);
        if (r >= 0)
                r = mcp_tasks_new(s, &s->tasks);
        if (r >= 0)
                r = mcp_resources_new(s, &s->resources);
        if (r < 0) {
                mcp_server_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void mcp_server_free(struct mcp_server *s)
{
        if (!s)
                return;
        mcp_tasks_free(s->tasks);
        s->tasks = NULL;
        while (s->pending) {
                struct mcp_request *req = s->pending;
                if (req->cancel_fn)
                        req->cancel_fn(req, true, req->cancel_data);
                request_free(req);
        }
        mcp_tools_free(s->tools);
        mcp_resources_free(s->resources);
        free(s->methods);
        free(s->name);
        free(s->title);
        free(s->version_string);
        free(s->instructions);
        free(s);
}

enum mcp_version mcp_server_version(const struct mcp_server *s)
{
        return s->version;
}

struct mcp_tools *mcp_server_tools(const struct mcp_server *s)
{
        return s->tools;
}

struct mcp_tasks *mcp_server_tasks(const struct mcp_server *s)
{
        return s->tasks;
}

struct mcp_resources *mcp_server_resources(const struct mcp_server *s)
{
        return s->resources;
}

/* --- the method table --- */

static const struct method_entry *method_find(const struct mcp_server *s, const char *name)
{
        for (size_t i = 0; i < s->n_methods; i++)
                if (strcmp(s->methods[i].m->name, name) == 0)
                        return &s->methods[i];
        return NULL;
}

int mcp_method_register(struct mcp_server *s, const struct mcp_method *table, size_t n,
                        void *userdata)
{
        for (size_t i = 0; i < n; i++)
                if (method_find(s, table[i].name))
                        return -EEXIST;
        struct method_entry *e = realloc(s->methods, (s->n_methods + n) * sizeof(*e));
        if (!e)
                return -ENOMEM;
        s->methods = e;
        for (size_t i = 0; i < n; i++)
                s->methods[s->n_methods++] = (struct method_entry){&table[i], userdata};
        return 0;
}

/* --- requests --- */

static struct mcp_request *request_new(struct mcp_server *s, const char *id_raw, const char *method,
                                       enum mcp_version v)
{
        struct mcp_request *req = calloc(1, sizeof(*req));
        if (!req)
                return NULL;
        req->server = s;
        req->version = v;
        req->id_raw = strdup_or_null(id_raw);
        req->method = strdup(method);
        if ((id_raw && !req->id_raw) || !req->method) {
                request_free(req);
                return NULL;
        }
        return req;
}

struct mcp_request *mcp_work_new(struct mcp_server *s, enum mcp_version v, struct mcp_task *t,
                                 mcp_work_done_fn done, const struct mcp_request *progress_from)
{
        struct mcp_request *work = request_new(s, NULL, "tools/call", v);
        if (!work)
                return NULL;
        work->task = t;
        work->done = done;
        if (progress_from)
                work->progress_token = cJSON_Duplicate(progress_from->progress_token, true);
        return work;
}

void mcp_work_orphan(struct mcp_request *work)
{
        work->task = NULL;
        work->cancelled = true;
}

static void request_free(struct mcp_request *req)
{
        if (!req)
                return;
        if (req->pending) {
                struct mcp_server *s = req->server;
                if (req->prev)
                        req->prev->next = req->next;
                else
                        s->pending = req->next;
                if (req->next)
                        req->next->prev = req->prev;
        }
        free(req->id_raw);
        free(req->method);
        free(req->error_message);
        cJSON_Delete(req->error_data);
        cJSON_Delete(req->progress_token);
        free(req);
}

bool mcp_request_tasks_extension(const struct mcp_request *req)
{
        return req->tasks_extension;
}

int mcp_request_needs_tasks_extension(struct mcp_request *req, const char *what)
{
        cJSON *data = cJSON_CreateObject();
        cJSON *caps = cJSON_AddObjectToObject(data, "requiredCapabilities");
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(caps, "extensions"), TASKS_EXTENSION);
        cJSON_Delete(req->error_data);
        req->error_data = data;
        return mcp_request_errorf(req, MCP_ERR_MISSING_CAPABILITY,
                                  "Missing required client capability: %s needs the "
                                  "extension " TASKS_EXTENSION,
                                  what);
}

void mcp_request_defer(struct mcp_request *req)
{
        if (req->pending)
                return;
        struct mcp_server *s = req->server;
        req->pending = true;
        req->prev = NULL;
        req->next = s->pending;
        if (s->pending)
                s->pending->prev = req;
        s->pending = req;
}

void mcp_request_cancel(struct mcp_request *req)
{
        if (req->cancelled)
                return;
        req->cancelled = true;
        if (req->cancel_fn)
                req->cancel_fn(req, false, req->cancel_data);
}

void mcp_request_wait_for(struct mcp_request *req, const void *key)
{
        req->waiting_for = key;
}

struct mcp_request *mcp_server_take_waiter(struct mcp_server *s, const void *key)
{
        for (struct mcp_request *req = s->pending; req; req = req->next)
                if (key && req->waiting_for == key) {
                        req->waiting_for = NULL;
                        return req;
                }
        return NULL;
}

struct mcp_server *mcp_request_server(const struct mcp_request *req)
{
        return req->server;
}

enum mcp_version mcp_request_version(const struct mcp_request *req)
{
        return req->version;
}

const char *mcp_request_method(const struct mcp_request *req)
{
        return req->method;
}

struct mcp_task *mcp_request_task(const struct mcp_request *req)
{
        return req->task;
}

bool mcp_request_cancelled(const struct mcp_request *req)
{
        return req->cancelled;
}

bool mcp_request_has_progress_token(const struct mcp_request *req)
{
        return req->progress_token != NULL;
}

void mcp_request_on_cancel(struct mcp_request *req, mcp_cancel_fn fn, void *userdata)
{
        req->cancel_fn = fn;
        req->cancel_data = userdata;
}

int mcp_request_errorf(struct mcp_request *req, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(req->error_message);
        if (vasprintf(&req->error_message, fmt, ap) < 0)
                req->error_message = NULL;
        va_end(ap);
        return r;
}

/* The 2026 era has no initialize: a result names its server in
 * _meta["io.modelcontextprotocol/serverInfo"] (ResultMetaObject), which is
 * where clients (SDK v2's getServerVersion) find it. */
static void add_server_info(const struct mcp_server *s, cJSON *result)
{
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "_meta");
        if (!meta)
                meta = cJSON_AddObjectToObject(result, "_meta");
        if (!cJSON_IsObject(meta) ||
            cJSON_GetObjectItemCaseSensitive(meta, "io.modelcontextprotocol/serverInfo"))
                return;
        cJSON *info = cJSON_AddObjectToObject(meta, "io.modelcontextprotocol/serverInfo");
        cJSON_AddStringToObject(info, "name", s->name);
        if (s->title)
                cJSON_AddStringToObject(info, "title", s->title);
        cJSON_AddStringToObject(info, "version", s->version_string);
}

static void add_result_type(const struct mcp_request *req, cJSON *result)
{
        if (req->version < MCP_2026_07_28 || !cJSON_IsObject(result))
                return;
        if (!cJSON_GetObjectItemCaseSensitive(result, "resultType"))
                cJSON_AddStringToObject(result, "resultType", "complete");
        add_server_info(req->server, result);
}

void mcp_add_cache_fields(const struct mcp_request *req, cJSON *result)
{
        if (req->version < MCP_2026_07_28)
                return;
        /* Job lists and logs belong to this client and change at any time. */
        cJSON_AddStringToObject(result, "cacheScope", "private");
        cJSON_AddNumberToObject(result, "ttlMs", 0);
}

/* structuredContent came with 2025-06-18. */
static void shape_call_result(const struct mcp_request *req, cJSON *result)
{
        if ((req->flags & MCP_METHOD_CALL_RESULT) && req->version < MCP_2025_06_18)
                cJSON_DeleteItemFromObjectCaseSensitive(result, "structuredContent");
}

static void answer(struct mcp_request *req, cJSON *result, int r)
{
        struct mcp_server *s = req->server;
        if (req->task) { /* the work of a task: its outcome goes to the task */
                struct mcp_task *t = req->task;
                req->task = NULL;
                req->done(t, result, r < 0 ? mcp_error_code(r) : 0,
                          req->error_message ? req->error_message : strerror(-r));
                return;
        }
        if (req->cancelled) { /* the protocol forbids answering a cancelled request */
                cJSON_Delete(result);
                return;
        }
        if (r < 0) {
                int code = mcp_error_code(r);
                const char *msg = req->error_message;
                if (!msg)
                        msg = code == MCP_ERR_INTERNAL && r > -4096 ? strerror(-r) : "Error";
                mcp_send_error(&s->cfg, req->id_raw, code, msg, req->error_data);
                req->error_data = NULL; /* sent (and freed) with the message */
                return;
        }
        shape_call_result(req, result);
        add_result_type(req, result);
        mcp_send_result(&s->cfg, req->id_raw, result);
}

void mcp_request_complete(struct mcp_request *req, cJSON *result)
{
        answer(req, result ? result : cJSON_CreateObject(), 0);
        request_free(req);
}

void mcp_request_fail(struct mcp_request *req, int r, const char *fmt, ...)
{
        if (fmt) {
                va_list ap;
                va_start(ap, fmt);
                free(req->error_message);
                if (vasprintf(&req->error_message, fmt, ap) < 0)
                        req->error_message = NULL;
                va_end(ap);
        }
        answer(req, NULL, r < 0 ? r : -EIO);
        request_free(req);
}

void mcp_request_progress(struct mcp_request *req, double progress, double total,
                          const char *message)
{
        if (!req->progress_token || req->cancelled)
                return;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddItemToObject(p, "progressToken", cJSON_Duplicate(req->progress_token, true));
        cJSON_AddNumberToObject(p, "progress", progress);
        if (total >= 0)
                cJSON_AddNumberToObject(p, "total", total);
        if (message && req->version >= MCP_2025_03_26)
                cJSON_AddStringToObject(p, "message", message);
        mcp_server_notify(req->server, "notifications/progress", p);
}

/* --- notifications out --- */

void mcp_server_notify(struct mcp_server *s, const char *method, cJSON *params)
{
        cJSON *m = cJSON_CreateObject();
        if (!m) {
                cJSON_Delete(params);
                return;
        }
        cJSON_AddStringToObject(m, "jsonrpc", "2.0");
        cJSON_AddStringToObject(m, "method", method);
        if (params)
                cJSON_AddItemToObject(m, "params", params);
        mcp_send_json(&s->cfg, m);
}

void mcp_server_log(struct mcp_server *s, enum mcp_log_level level, const char *logger,
                    const char *fmt, ...)
{
        if (level < s->log_level || s->version == MCP_VERSION_INVALID)
                return;
        char *text = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "level", mcp_log_level_to_string(level));
        if (logger)
                cJSON_AddStringToObject(p, "logger", logger);
        cJSON_AddStringToObject(p, "data", text);
        free(text);
        mcp_server_notify(s, "notifications/message", p);
}

/* --- lifecycle --- */

static cJSON *server_capabilities(const struct mcp_server *s, enum mcp_version v)
{
        cJSON *c = cJSON_CreateObject();
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(c, "tools"), "listChanged", false);
        cJSON_AddObjectToObject(c, "logging");
        cJSON *res = cJSON_AddObjectToObject(c, "resources");
        cJSON_AddBoolToObject(res, "subscribe", true);
        cJSON_AddBoolToObject(res, "listChanged", false);
        if (v == MCP_2025_11_25) {
                cJSON *t = cJSON_AddObjectToObject(c, "tasks");
                cJSON_AddObjectToObject(t, "list");
                cJSON_AddObjectToObject(t, "cancel");
                cJSON_AddObjectToObject(
                    cJSON_AddObjectToObject(cJSON_AddObjectToObject(t, "requests"), "tools"),
                    "call");
        } else if (v >= MCP_2026_07_28) {
                cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "extensions"), TASKS_EXTENSION);
        }
        return c;
}

static int method_initialize(struct mcp_request *req, const cJSON *params, void *userdata,
                             cJSON **ret)
{
        struct mcp_server *s = req->server;
        const char *requested = mcp_get_string(params, "protocolVersion");
        if (!requested)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "initialize needs params.protocolVersion (a string)");
        if (s->version != MCP_VERSION_INVALID)
                return mcp_request_errorf(req, MCP_ERR_INVALID_REQUEST,
                                          "Already initialized (protocol version %s)",
                                          mcp_version_to_string(s->version));
        /* An unknown (or stateless-only) version gets the latest we support; the
         * client then decides whether it can speak it. */
        enum mcp_version v = mcp_version_from_string(requested);
        if (v == MCP_VERSION_INVALID || v > MCP_LATEST_HANDSHAKE_VERSION)
                v = MCP_LATEST_HANDSHAKE_VERSION;
        s->version = v;
        req->version = v;

        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "protocolVersion", mcp_version_to_string(v));
        cJSON_AddItemToObject(r, "capabilities", server_capabilities(s, v));
        cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
        cJSON_AddStringToObject(info, "name", s->name);
        if (s->title && v >= MCP_2025_06_18)
                cJSON_AddStringToObject(info, "title", s->title);
        cJSON_AddStringToObject(info, "version", s->version_string);
        if (s->instructions && v >= MCP_2025_03_26)
                cJSON_AddStringToObject(r, "instructions", s->instructions);
        *ret = r;
        return 0;
}

static int method_discover(struct mcp_request *req, const cJSON *params, void *userdata,
                           cJSON **ret)
{
        cJSON *r = cJSON_CreateObject();
        cJSON *versions = cJSON_AddArrayToObject(r, "supportedVersions");
        for (int v = _MCP_VERSION_MAX - 1; v >= 0; v--)
                cJSON_AddItemToArray(versions, cJSON_CreateString(mcp_version_to_string(v)));
        cJSON_AddItemToObject(r, "capabilities", server_capabilities(req->server, MCP_2026_07_28));
        if (req->server->instructions)
                cJSON_AddStringToObject(r, "instructions", req->server->instructions);
        cJSON_AddStringToObject(r, "cacheScope", "public");
        cJSON_AddNumberToObject(r, "ttlMs", 0);
        if (req->version < MCP_2026_07_28) { /* asked without _meta: still a 2026 result */
                cJSON_AddStringToObject(r, "resultType", "complete");
                add_server_info(req->server, r);
        }
        *ret = r;
        return 0;
}

static int method_ping(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        *ret = cJSON_CreateObject();
        return 0;
}

static int method_set_level(struct mcp_request *req, const cJSON *params, void *userdata,
                            cJSON **ret)
{
        int l = mcp_log_level_from_string(mcp_get_string(params, "level"));
        if (l < 0)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "logging/setLevel needs params.level, one of debug, "
                                          "info, notice, warning, error, critical, alert, "
                                          "emergency");
        req->server->log_level = (enum mcp_log_level)l;
        *ret = cJSON_CreateObject();
        return 0;
}

/* The lifecycle; the modules register the rest (mcp_server_new). */
static const struct mcp_method core_methods[] = {
    {"initialize", method_initialize, MCP_2024_11_05, MCP_2025_11_25, MCP_METHOD_BEFORE_INIT},
    {"ping", method_ping, MCP_2024_11_05, MCP_2026_07_28, MCP_METHOD_BEFORE_INIT},
    {"server/discover", method_discover, MCP_2024_11_05, MCP_2026_07_28, MCP_METHOD_BEFORE_INIT},
    {"logging/setLevel", method_set_level, MCP_2024_11_05, MCP_2026_07_28, 0},
};

static int register_core_methods(struct mcp_server *s)
{
        return mcp_method_register(s, core_methods, ELEMENTSOF(core_methods), NULL);
}

/* --- incoming messages --- */

static void handle_cancelled(struct mcp_server *s, const cJSON *params)
{
        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
        if (!rid)
                return;
        for (struct mcp_request *req = s->pending; req; req = req->next) {
                cJSON *mine = req->id_raw ? cJSON_Parse(req->id_raw) : NULL;
                bool same = mine && cJSON_Compare(mine, rid, true);
                cJSON_Delete(mine);
                if (!same || req->cancelled)
                        continue;
                /* tasks/cancel, not this, cancels a task (2025-11-25 spec). */
                if (strcmp(req->method, "initialize") == 0)
                        return;
                mcp_request_cancel(req);
                return;
        }
}

static void handle_notification(struct mcp_server *s, const char *method, const cJSON *params)
{
        if (strcmp(method, "notifications/initialized") == 0)
                s->initialized = true;
        else if (strcmp(method, "notifications/cancelled") == 0)
                handle_cancelled(s, params);
        else
                log_debug("Ignoring notification '%s'", method);
}

/* Works out the version a request speaks: 2026-07-28 from its _meta, else the
 * session's.  Returns 0, or a JSON-RPC error (already sent) as < 0. */
static int request_version(struct mcp_server *s, const char *id_raw, const cJSON *params,
                           enum mcp_version *ret, bool *ret_tasks_ext)
{
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
        const char *pv = mcp_get_string(meta, META_VERSION);
        *ret_tasks_ext = false;
        if (!pv) {
                *ret = s->version;
                return 0;
        }
        enum mcp_version v = mcp_version_from_string(pv);
        if (v == MCP_VERSION_INVALID) {
                cJSON *data = cJSON_CreateObject();
                cJSON_AddStringToObject(data, "requested", pv);
                cJSON *sup = cJSON_AddArrayToObject(data, "supported");
                for (int i = _MCP_VERSION_MAX - 1; i >= 0; i--)
                        cJSON_AddItemToArray(sup, cJSON_CreateString(mcp_version_to_string(i)));
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_UNSUPPORTED_VERSION,
                               "Unsupported protocol version", data);
                return -EPROTO;
        }
        if (v < MCP_2026_07_28) { /* older versions negotiate with initialize */
                *ret = s->version;
                return 0;
        }
        const cJSON *caps = cJSON_GetObjectItemCaseSensitive(meta, META_CLIENTCAPS);
        const cJSON *ext = cJSON_GetObjectItemCaseSensitive(caps, "extensions");
        *ret_tasks_ext = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ext, TASKS_EXTENSION));
        *ret = v;
        return 0;
}

static void handle_request(struct mcp_server *s, const char *id_raw, const char *method,
                           const cJSON *params)
{
        enum mcp_version v;
        bool tasks_ext;
        if (request_version(s, id_raw, params, &v, &tasks_ext) < 0)
                return;
        const struct method_entry *e = method_find(s, method);
        if (!e) {
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_METHOD_NOT_FOUND, "Method not found", NULL);
                return;
        }
        if (v == MCP_VERSION_INVALID && !(e->m->flags & MCP_METHOD_BEFORE_INIT)) {
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_INVALID_REQUEST,
                               "Server not initialized: send initialize first", NULL);
                return;
        }
        if (v != MCP_VERSION_INVALID && (v < e->m->min || v > e->m->max)) {
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_METHOD_NOT_FOUND,
                               "Method not available in this protocol version", NULL);
                return;
        }
        struct mcp_request *req = request_new(s, id_raw, method, v);
        if (!req) {
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_INTERNAL, "Out of memory", NULL);
                return;
        }
        req->flags = e->m->flags;
        req->tasks_extension = tasks_ext;
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "_meta");
        const cJSON *token = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
        if (cJSON_IsString(token) || cJSON_IsNumber(token))
                req->progress_token = cJSON_Duplicate(token, true);

        cJSON *result = NULL;
        int r = e->m->call(req, params, e->userdata, &result);
        if (r == MCP_DEFERRED) {
                mcp_request_defer(req);
                return;
        }
        answer(req, result, r);
        request_free(req);
}

static const char *precheck_message(int r)
{
        return r == -ELOOP ? "Parse error: nested deeper than 64 levels"
                           : "Parse error: invalid UTF-8 or control character in a string";
}

void mcp_server_handle_line(struct mcp_server *s, const char *line, size_t len)
{
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
        if (i == len)
                return; /* blank lines are not messages */
        int r = mcp_json_precheck(line, len, MCP_JSON_MAX_DEPTH);
        if (r < 0) {
                mcp_send_error(&s->cfg, NULL, MCP_ERR_PARSE, precheck_message(r), NULL);
                return;
        }
        _cleanup_(cjson_deletep) cJSON *msg = cJSON_ParseWithLength(line, len);
        if (!msg) {
                mcp_send_error(&s->cfg, NULL, MCP_ERR_PARSE, "Parse error: not a JSON text", NULL);
                return;
        }
        if (cJSON_IsArray(msg)) {
                mcp_send_error(&s->cfg, NULL, MCP_ERR_INVALID_REQUEST,
                               "Invalid request: JSON-RPC batches are not supported", NULL);
                return;
        }
        if (!cJSON_IsObject(msg)) {
                mcp_send_error(&s->cfg, NULL, MCP_ERR_INVALID_REQUEST,
                               "Invalid request: a message is a JSON object", NULL);
                return;
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        _cleanup_free_ char *id_raw = NULL;
        if (cJSON_IsString(id) || cJSON_IsNumber(id)) {
                if (mcp_json_find_raw_id(line, len, &id_raw) < 0)
                        id_raw = cJSON_PrintUnformatted(id);
        }
        if (mcp_json_check_duplicates(msg) < 0) {
                mcp_send_error(&s->cfg, id_raw, MCP_ERR_INVALID_REQUEST,
                               "Invalid request: duplicate member names in an object", NULL);
                return;
        }
        const char *jsonrpc = mcp_get_string(msg, "jsonrpc");
        const char *method = mcp_get_string(msg, "method");
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
        if (!method && (cJSON_GetObjectItemCaseSensitive(msg, "result") ||
                        cJSON_GetObjectItemCaseSensitive(msg, "error"))) {
                log_debug("Ignoring a response from the client (we send no requests)");
                return;
        }
        if (!jsonrpc || strcmp(jsonrpc, "2.0") != 0 || !method ||
            (id && !cJSON_IsString(id) && !cJSON_IsNumber(id))) {
                if (id) /* a notification is never answered, even when malformed */
                        mcp_send_error(&s->cfg, id_raw, MCP_ERR_INVALID_REQUEST,
                                       "Invalid request: needs jsonrpc \"2.0\", a string method "
                                       "and an id that is a string or an integer",
                                       NULL);
                return;
        }
        if (params && !cJSON_IsObject(params)) {
                if (id)
                        mcp_send_error(&s->cfg, id_raw, MCP_ERR_INVALID_PARAMS,
                                       "Invalid params: params must be an object", NULL);
                return;
        }
        if (!id)
                handle_notification(s, method, params);
        else
                handle_request(s, id_raw, method, params);
}

void mcp_server_handle_oversize(struct mcp_server *s, const char *prefix, size_t len, size_t max)
{
        _cleanup_free_ char *id_raw = NULL;
        (void)mcp_json_find_raw_id(prefix, len, &id_raw);
        char msg[128];
        snprintf(msg, sizeof(msg), "Message too long: the limit is %zu bytes per line", max);
        mcp_send_error(&s->cfg, id_raw, MCP_ERR_INVALID_REQUEST, msg, NULL);
}
