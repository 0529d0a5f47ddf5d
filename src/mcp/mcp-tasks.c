/* mcp-tasks.c - generic MCP tasks: a task-augmented tools/call answers at once
 * with a task, while the tool's work runs as an internal deferred request whose
 * outcome lands in the task.  2025-11-25 (core tasks: tasks/get, tasks/result,
 * tasks/list, tasks/cancel, notifications/tasks/status) and 2026-07-28 (the
 * io.modelcontextprotocol/tasks extension: resultType "task", tasks/get with the
 * result inline, tasks/update, tasks/cancel).  Tasks live in memory; the job
 * layer makes long-lived ones out of job records. */
#include "mcp-tasks.h"
#include "cleanup.h"
#include "mcp-rpc.h"
#include "mcp-work.h"
#include "units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAX_TASKS         4096
#define TASKS_PAGE        50
#define DEFAULT_TTL_MS    (3600 * 1000LL)
#define MAX_TTL_MS        (7 * 24 * 3600 * 1000LL)
#define POLL_INTERVAL_MS  1000
#define RELATED_TASK_META "io.modelcontextprotocol/related-task"

struct mcp_task {
        struct mcp_tasks *tasks;
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

struct mcp_tasks {
        struct mcp_server *server;
        struct mcp_task *head, *tail; /* oldest first */
        size_t n;
        uint64_t seq;
};

static const char *const status_names[] = {
    [MCP_TASK_WORKING] = "working",     [MCP_TASK_INPUT_REQUIRED] = "input_required",
    [MCP_TASK_COMPLETED] = "completed", [MCP_TASK_FAILED] = "failed",
    [MCP_TASK_CANCELLED] = "cancelled",
};

const char *mcp_task_status_to_string(enum mcp_task_status st)
{
        return status_names[st];
}

const char *mcp_task_id(const struct mcp_task *t)
{
        return t->id;
}

enum mcp_task_status mcp_task_status(const struct mcp_task *t)
{
        return t->status;
}

int64_t mcp_task_ttl_ms(const struct mcp_task *t)
{
        return t->ttl_ms;
}

static bool is_terminal(enum mcp_task_status st)
{
        return st >= MCP_TASK_COMPLETED;
}

static void task_free(struct mcp_task *t)
{
        struct mcp_tasks *T = t->tasks;
        if (t->work) /* still running: its eventual answer is dropped */
                mcp_work_orphan(t->work);
        if (t->prev)
                t->prev->next = t->next;
        else
                T->head = t->next;
        if (t->next)
                t->next->prev = t->prev;
        else
                T->tail = t->prev;
        T->n--;
        free(t->status_message);
        free(t->error_message);
        cJSON_Delete(t->result);
        free(t);
}

void mcp_tasks_free(struct mcp_tasks *T)
{
        if (!T)
                return;
        while (T->head)
                task_free(T->head);
        free(T);
}

/* Keeps memory bounded: expired terminal tasks go first, then the oldest ones. */
static void tasks_gc(struct mcp_tasks *T, uint64_t now)
{
        for (struct mcp_task *t = T->head, *next; t; t = next) {
                next = t->next;
                if (is_terminal(t->status) && t->ttl_ms >= 0 &&
                    t->created_usec + (uint64_t)t->ttl_ms * 1000 < now)
                        task_free(t);
        }
        for (struct mcp_task *t = T->head, *next; t && T->n >= MAX_TASKS; t = next) {
                next = t->next;
                if (is_terminal(t->status))
                        task_free(t);
        }
}

static struct mcp_task *task_find(struct mcp_tasks *T, const char *id)
{
        for (struct mcp_task *t = T->head; id && t; t = t->next)
                if (strcmp(t->id, id) == 0)
                        return t;
        return NULL;
}

static cJSON *task_to_json(const struct mcp_task *t, enum mcp_version v)
{
        char created[64], updated[64];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "taskId", t->id);
        cJSON_AddStringToObject(j, "status", status_names[t->status]);
        if (t->status_message)
                cJSON_AddStringToObject(j, "statusMessage", t->status_message);
        cJSON_AddStringToObject(j, "createdAt",
                                format_iso8601(created, sizeof(created), t->created_usec));
        cJSON_AddStringToObject(j, "lastUpdatedAt",
                                format_iso8601(updated, sizeof(updated), t->updated_usec));
        bool v26 = v >= MCP_2026_07_28;
        if (t->ttl_ms < 0)
                cJSON_AddNullToObject(j, v26 ? "ttlMs" : "ttl");
        else
                cJSON_AddNumberToObject(j, v26 ? "ttlMs" : "ttl", (double)t->ttl_ms);
        if (!is_terminal(t->status))
                cJSON_AddNumberToObject(j, v26 ? "pollIntervalMs" : "pollInterval",
                                        POLL_INTERVAL_MS);
        return j;
}

static void task_notify(struct mcp_task *t)
{
        /* 2026-07-28 pushes task status only after subscriptions/listen (not
         * implemented): clients poll tasks/get. */
        struct mcp_server *s = t->tasks->server;
        if (t->version == MCP_2025_11_25 && mcp_server_version(s) == MCP_2025_11_25)
                mcp_server_notify(s, "notifications/tasks/status", task_to_json(t, t->version));
}

void mcp_task_set_message(struct mcp_task *t, const char *message)
{
        if (is_terminal(t->status))
                return;
        char *m = strdup(message);
        if (!m)
                return;
        free(t->status_message);
        t->status_message = m;
        t->updated_usec = now_realtime_usec();
        task_notify(t);
}

/* The answer to tasks/result: the original CallToolResult, tagged with its task
 * (the dispatcher shapes it for the request's version: MCP_METHOD_CALL_RESULT). */
static int task_payload(struct mcp_request *req, struct mcp_task *t, cJSON **ret)
{
        if (t->status == MCP_TASK_CANCELLED)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Task %s was cancelled",
                                          t->id);
        if (!t->result)
                return mcp_request_errorf(req, t->error_code ? t->error_code : MCP_ERR_INTERNAL,
                                          "%s", t->error_message ? t->error_message : "failed");
        cJSON *r = cJSON_Duplicate(t->result, true);
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(r, "_meta");
        if (!meta)
                meta = cJSON_AddObjectToObject(r, "_meta");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, RELATED_TASK_META), "taskId", t->id);
        *ret = r;
        return 0;
}

/* Answers every tasks/result waiting for t, newest first. */
static void wake_waiters(struct mcp_task *t)
{
        struct mcp_request *req;
        while ((req = mcp_server_take_waiter(t->tasks->server, t))) {
                cJSON *result = NULL;
                int r = task_payload(req, t, &result);
                if (r < 0)
                        mcp_request_fail(req, r, NULL);
                else
                        mcp_request_complete(req, result);
        }
}

static char *first_text(const cJSON *result)
{
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(result, "content");
        const cJSON *b;
        cJSON_ArrayForEach(b, content)
        {
                const char *text = mcp_get_string(b, "text");
                if (text)
                        return strndup(text, 1024);
        }
        return NULL;
}

static void task_finish(struct mcp_task *t, enum mcp_task_status st)
{
        t->status = st;
        t->updated_usec = now_realtime_usec();
        task_notify(t);
        wake_waiters(t);
}

/* The answer of the task's work (mcp_work_new). */
static void work_done(struct mcp_task *t, cJSON *result, int code, const char *message)
{
        t->work = NULL;
        if (is_terminal(t->status)) { /* cancelled meanwhile */
                cJSON_Delete(result);
                return;
        }
        enum mcp_task_status st;
        if (code) {
                st = MCP_TASK_FAILED;
                t->error_code = code;
                t->error_message = strdup(message ? message : "failed");
                cJSON_Delete(result);
        } else {
                const cJSON *is_error = cJSON_GetObjectItemCaseSensitive(result, "isError");
                /* 2025-11-25: a tool error fails the task; the 2026 extension keeps
                 * `failed` for JSON-RPC errors only. */
                st = cJSON_IsTrue(is_error) && t->version == MCP_2025_11_25 ? MCP_TASK_FAILED
                                                                            : MCP_TASK_COMPLETED;
                t->result = result;
        }
        /* The SDK shows only the status message for a failed task: carry the outcome. */
        char *m =
            code ? strdup(t->error_message ? t->error_message : "failed") : first_text(t->result);
        if (m) {
                free(t->status_message);
                t->status_message = m;
        }
        task_finish(t, st);
}

static int64_t requested_ttl(const cJSON *task_params)
{
        const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(task_params, "ttl");
        if (!cJSON_IsNumber(ttl) || ttl->valuedouble < 0)
                return DEFAULT_TTL_MS;
        return ttl->valuedouble > (double)MAX_TTL_MS ? MAX_TTL_MS : (int64_t)ttl->valuedouble;
}

static int task_new(struct mcp_tasks *T, enum mcp_version v, int64_t ttl_ms, struct mcp_task **ret)
{
        uint64_t now = now_realtime_usec();
        tasks_gc(T, now);
        if (T->n >= MAX_TASKS)
                return -EBUSY;
        struct mcp_task *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        uint8_t rnd[16];
        if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (uint8_t)((now >> (i % 8)) ^ (T->seq * 131 + i));
        rnd[6] = (rnd[6] & 0x0f) | 0x40; /* a version-4 UUID */
        rnd[8] = (rnd[8] & 0x3f) | 0x80;
        snprintf(t->id, sizeof(t->id),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", rnd[0],
                 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10],
                 rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
        t->tasks = T;
        t->seq = ++T->seq;
        t->status = MCP_TASK_WORKING;
        t->created_usec = t->updated_usec = now;
        t->ttl_ms = ttl_ms;
        t->version = v;
        t->prev = T->tail;
        if (T->tail)
                T->tail->next = t;
        else
                T->head = t;
        T->tail = t;
        T->n++;
        *ret = t;
        return 0;
}

void mcp_task_mark_cancelled(struct mcp_task *t, const char *message)
{
        if (is_terminal(t->status))
                return;
        free(t->status_message);
        t->status_message = message ? strdup(message) : NULL;
        task_finish(t, MCP_TASK_CANCELLED);
}

int mcp_task_set_id(struct mcp_task *t, const char *id)
{
        if (!id || !*id || strlen(id) >= sizeof(t->id))
                return -EINVAL;
        struct mcp_task *other = task_find(t->tasks, id);
        if (other && other != t)
                return -EEXIST;
        snprintf(t->id, sizeof(t->id), "%s", id);
        return 0;
}

int mcp_task_adopt(struct mcp_server *s, const char *id, uint64_t created_usec, int64_t ttl_ms,
                   struct mcp_request **ret_work)
{
        struct mcp_tasks *T = mcp_server_tasks(s);
        if (task_find(T, id))
                return -EEXIST;
        struct mcp_task *t;
        int r = task_new(T, MCP_2025_11_25, ttl_ms, &t);
        if (r < 0)
                return r;
        r = mcp_task_set_id(t, id);
        struct mcp_request *work = r < 0 ? NULL : mcp_work_new(s, t->version, t, work_done, NULL);
        if (!work) {
                task_free(t);
                return r < 0 ? r : -ENOMEM;
        }
        t->created_usec = t->updated_usec = created_usec;
        t->work = work;
        mcp_request_defer(work);
        *ret_work = work;
        return 0;
}

int mcp_tasks_call_tool(struct mcp_request *req, const cJSON *task_params, mcp_task_run_fn run,
                        void *userdata, cJSON **ret_result)
{
        struct mcp_server *s = mcp_request_server(req);
        struct mcp_task *t;
        int r =
            task_new(mcp_server_tasks(s), mcp_request_version(req), requested_ttl(task_params), &t);
        if (r < 0)
                return mcp_request_errorf(req, MCP_ERR_INTERNAL, "Cannot create a task: %s",
                                          strerror(-r));
        struct mcp_request *work = mcp_work_new(s, mcp_request_version(req), t, work_done, req);
        if (!work) {
                task_free(t);
                return -ENOMEM;
        }
        t->work = work;
        /* The work's outcome may arrive before the CreateTaskResult is sent: that
         * one is answered first, so the status notification of a task finished
         * at once is left out (tasks/get tells). */
        enum mcp_version v = t->version;
        t->version = MCP_VERSION_INVALID;
        cJSON *result = NULL;
        r = run(work, userdata, &result);
        if (r == MCP_DEFERRED) {
                mcp_request_defer(work);
        } else if (r < 0) {
                mcp_request_fail(work, r, NULL);
        } else {
                mcp_request_complete(work, result);
        }
        t->version = v;

        cJSON *task = task_to_json(t, v);
        if (v >= MCP_2026_07_28) {
                cJSON_AddStringToObject(task, "resultType", "task");
                *ret_result = task;
        } else {
                cJSON *c = cJSON_CreateObject();
                cJSON_AddItemToObject(c, "task", task);
                *ret_result = c;
        }
        return 0;
}

/* 2026-07-28: the tasks methods need the extension declared on the request. */
static int lookup(struct mcp_request *req, struct mcp_tasks *T, const cJSON *params,
                  struct mcp_task **ret)
{
        if (mcp_request_version(req) >= MCP_2026_07_28 && !mcp_request_tasks_extension(req))
                return mcp_request_needs_tasks_extension(req, mcp_request_method(req));
        const char *id = mcp_get_string(params, "taskId");
        struct mcp_task *t = task_find(T, id);
        if (!t)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "Failed to retrieve task: Task not found");
        *ret = t;
        return 0;
}

static int tasks_get(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_task *t = NULL; /* lookup() sets it only on success */
        int r = lookup(req, userdata, params, &t);
        if (r < 0)
                return r;
        cJSON *j = task_to_json(t, mcp_request_version(req));
        if (mcp_request_version(req) >= MCP_2026_07_28) { /* DetailedTask: outcome inline */
                if (t->result) {
                        cJSON *res = cJSON_Duplicate(t->result, true);
                        cJSON_AddStringToObject(res, "resultType", "complete");
                        cJSON_AddItemToObject(j, "result", res);
                } else if (t->status == MCP_TASK_FAILED) {
                        cJSON *e = cJSON_AddObjectToObject(j, "error");
                        cJSON_AddNumberToObject(e, "code", t->error_code);
                        cJSON_AddStringToObject(e, "message", t->error_message);
                }
        }
        *ret = j;
        return 0;
}

static int tasks_result(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_task *t = NULL; /* lookup() sets it only on success */
        int r = lookup(req, userdata, params, &t);
        if (r < 0)
                return r;
        if (is_terminal(t->status))
                return task_payload(req, t, ret);
        mcp_request_wait_for(req, t); /* answered by wake_waiters() */
        return MCP_DEFERRED;
}

static int tasks_list(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_tasks *T = userdata;
        uint64_t after = 0;
        const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(params, "cursor");
        if (cursor) {
                char *end = NULL;
                if (!cJSON_IsString(cursor) || !*cursor->valuestring ||
                    (after = strtoull(cursor->valuestring, &end, 10), *end))
                        return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Invalid cursor");
        }
        cJSON *r = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(r, "tasks");
        int n = 0;
        for (struct mcp_task *t = T->head; t; t = t->next) {
                if (t->seq <= after)
                        continue;
                if (n == TASKS_PAGE) {
                        char next[32];
                        snprintf(next, sizeof(next), "%" PRIu64, t->prev->seq);
                        cJSON_AddStringToObject(r, "nextCursor", next);
                        break;
                }
                cJSON_AddItemToArray(list, task_to_json(t, mcp_request_version(req)));
                n++;
        }
        *ret = r;
        return 0;
}

static int tasks_cancel(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_task *t = NULL; /* lookup() sets it only on success */
        int r = lookup(req, userdata, params, &t);
        if (r < 0)
                return r;
        if (is_terminal(t->status))
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "Cannot cancel task %s: it is already %s", t->id,
                                          status_names[t->status]);
        free(t->status_message);
        t->status_message = strdup("cancelled by the client");
        /* Terminal first: work that the hook ends at once is then dropped. */
        t->status = MCP_TASK_CANCELLED;
        if (t->work)
                mcp_request_cancel(t->work);
        task_finish(t, MCP_TASK_CANCELLED);
        *ret = mcp_request_version(req) >= MCP_2026_07_28
                   ? cJSON_CreateObject()
                   : task_to_json(t, mcp_request_version(req));
        return 0;
}

static int tasks_update(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_task *t = NULL; /* lookup() sets it only on success */
        int r = lookup(req, userdata, params, &t);
        if (r < 0)
                return r;
        /* No corral tool asks for input: every response is for a key not
         * outstanding, which the extension says to ignore. */
        *ret = cJSON_CreateObject();
        return 0;
}

/* tasks/get and tasks/cancel are also the 2026-07-28 extension's (with
 * tasks/update); tasks/result and tasks/list are 2025-11-25 only. */
static const struct mcp_method methods[] = {
    {"tasks/get", tasks_get, MCP_2025_11_25, MCP_2026_07_28, 0},
    {"tasks/result", tasks_result, MCP_2025_11_25, MCP_2025_11_25, MCP_METHOD_CALL_RESULT},
    {"tasks/list", tasks_list, MCP_2025_11_25, MCP_2025_11_25, 0},
    {"tasks/cancel", tasks_cancel, MCP_2025_11_25, MCP_2026_07_28, 0},
    {"tasks/update", tasks_update, MCP_2026_07_28, MCP_2026_07_28, 0},
};

int mcp_tasks_new(struct mcp_server *s, struct mcp_tasks **ret)
{
        struct mcp_tasks *T = calloc(1, sizeof(*T));
        if (!T)
                return -ENOMEM;
        T->server = s;
        int r = mcp_method_register(s, methods, ELEMENTSOF(methods), T);
        if (r < 0) {
                free(T);
                return r;
        }
        *ret = T;
        return 0;
}
