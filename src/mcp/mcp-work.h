/* mcp-work.h - requests the server makes for itself (the work of a task) and
 * requests that wait for an event: what mcp-tasks.c needs of the core
 * (mcp-server.c implements this header). */
#pragma once

#include "mcp.h"

/* Receives the answer of a task's work instead of the client: the result
 * (owned) with code 0, or code (a JSON-RPC code) and message. */
typedef void (*mcp_work_done_fn)(struct mcp_task *t, cJSON *result, int code, const char *message);

/* A request without an id that runs a tool (method tools/call, version v) as
 * the work of task t: mcp_request_task() returns t, and its answer goes to
 * done(t, ...) once.  progress_from, if not NULL, is the client's request whose
 * progressToken the work reports to.  NULL when out of memory. */
struct mcp_request *mcp_work_new(struct mcp_server *s, enum mcp_version v, struct mcp_task *t,
                                 mcp_work_done_fn done, const struct mcp_request *progress_from);
/* The task of the work is gone: its eventual answer is dropped. */
void mcp_work_orphan(struct mcp_request *work);

/* The request is answered later: it stays pending (and is freed, with its
 * cancel hook called, when the server is) until completed or failed. */
void mcp_request_defer(struct mcp_request *req);
/* As notifications/cancelled does: marks the request cancelled and calls its
 * cancel hook (closing=false).  Nothing when it is already cancelled. */
void mcp_request_cancel(struct mcp_request *req);

/* A request (about to be deferred) that waits for key, e.g. tasks/result for a
 * task.  mcp_server_take_waiter() returns the newest pending request waiting
 * for key, no longer waiting, or NULL. */
void mcp_request_wait_for(struct mcp_request *req, const void *key);
struct mcp_request *mcp_server_take_waiter(struct mcp_server *s, const void *key);
