/* mcp-tasks.h - MCP tasks (mcp-tasks.c): the methods tasks/get, tasks/result,
 * tasks/list, tasks/cancel, tasks/update, and task-augmented tool calls.  The
 * public side (mcp_task_*) is in mcp.h. */
#pragma once

#include "mcp-method.h"

/* Called by mcp_server_new: registers the tasks/ methods. */
int mcp_tasks_new(struct mcp_server *s, struct mcp_tasks **ret);
/* Frees every task; work still running has its eventual answer dropped. */
void mcp_tasks_free(struct mcp_tasks *tasks);

/* Runs the tool of a task: calls it for work (a request to answer now or
 * defer, as a tool handler does) and returns its handler's return. */
typedef int (*mcp_task_run_fn)(struct mcp_request *work, void *userdata, cJSON **ret_result);

/* tools/call as a task (task_params: the request's `task` member, or NULL):
 * creates the task, runs the tool as its work through run, and answers req
 * at once with the task. */
int mcp_tasks_call_tool(struct mcp_request *req, const cJSON *task_params, mcp_task_run_fn run,
                        void *userdata, cJSON **ret_result);
