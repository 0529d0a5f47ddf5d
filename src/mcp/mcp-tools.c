/* mcp-tools.c - the tool registry: registration, tools/list shaped for each
 * protocol version, and tools/call (direct, deferred, or as a task). */
#include "mcp-tools.h"
#include "cleanup.h"
#include "mcp-rpc.h"
#include "mcp-tasks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mcp_tool_entry {
        struct mcp_tool tool; /* strings owned (strdup) */
        cJSON *input_schema, *output_schema, *annotations, *meta;
        struct mcp_tool_entry *next;
};

struct mcp_tools {
        struct mcp_tool_entry *list; /* in registration order */
};

static char *strdup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void entry_free(struct mcp_tool_entry *t)
{
        free((char *)t->tool.name);
        free((char *)t->tool.title);
        free((char *)t->tool.description);
        cJSON_Delete(t->input_schema);
        cJSON_Delete(t->output_schema);
        cJSON_Delete(t->annotations);
        cJSON_Delete(t->meta);
        free(t);
}

void mcp_tools_free(struct mcp_tools *tools)
{
        if (!tools)
                return;
        while (tools->list) {
                struct mcp_tool_entry *t = tools->list;
                tools->list = t->next;
                entry_free(t);
        }
        free(tools);
}

static struct mcp_tool_entry *tool_find(struct mcp_tools *tools, const char *name)
{
        for (struct mcp_tool_entry *t = tools->list; t; t = t->next)
                if (strcmp(t->tool.name, name) == 0)
                        return t;
        return NULL;
}

static int parse_object(const char *text, bool required, cJSON **ret)
{
        *ret = NULL;
        if (!text)
                return required ? -EINVAL : 0;
        cJSON *j = cJSON_Parse(text);
        if (!cJSON_IsObject(j)) {
                cJSON_Delete(j);
                return -EINVAL;
        }
        *ret = j;
        return 0;
}

int mcp_tool_register(struct mcp_server *s, const struct mcp_tool *tool)
{
        struct mcp_tools *tools = mcp_server_tools(s);
        if (!tool->name || !tool->call)
                return -EINVAL;
        if (tool_find(tools, tool->name))
                return -EEXIST;
        struct mcp_tool_entry *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->tool = *tool;
        t->tool.meta = NULL; /* parsed into t->meta */
        t->tool.name = strdup(tool->name);
        t->tool.title = strdup_or_null(tool->title);
        t->tool.description = strdup_or_null(tool->description);
        int r = parse_object(tool->input_schema, true, &t->input_schema);
        if (r >= 0)
                r = parse_object(tool->output_schema, false, &t->output_schema);
        if (r >= 0)
                r = parse_object(tool->annotations, false, &t->annotations);
        if (r >= 0)
                r = parse_object(tool->meta, false, &t->meta);
        if (r >= 0 && (!t->tool.name || (tool->title && !t->tool.title) ||
                       (tool->description && !t->tool.description)))
                r = -ENOMEM;
        if (r < 0) {
                entry_free(t);
                return r;
        }
        /* Appended, so tools/list shows them in registration order. */
        struct mcp_tool_entry **p = &tools->list;
        while (*p)
                p = &(*p)->next;
        *p = t;
        return 0;
}

cJSON *mcp_tool_result(const char *text, cJSON *structured, bool is_error)
{
        cJSON *r = cJSON_CreateObject();
        cJSON *content = cJSON_AddArrayToObject(r, "content");
        cJSON *block = cJSON_CreateObject();
        cJSON_AddStringToObject(block, "type", "text");
        cJSON_AddStringToObject(block, "text", text ? text : "");
        cJSON_AddItemToArray(content, block);
        if (structured)
                cJSON_AddItemToObject(r, "structuredContent", structured);
        if (is_error)
                cJSON_AddBoolToObject(r, "isError", true);
        return r;
}

static const char *const task_support_names[] = {"forbidden", "optional", "required"};

static cJSON *tool_to_json(const struct mcp_tool_entry *t, enum mcp_version v)
{
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", t->tool.name);
        if (t->tool.title && v >= MCP_2025_06_18)
                cJSON_AddStringToObject(j, "title", t->tool.title);
        if (t->tool.description)
                cJSON_AddStringToObject(j, "description", t->tool.description);
        cJSON_AddItemToObject(j, "inputSchema", cJSON_Duplicate(t->input_schema, true));
        if (t->output_schema && v >= MCP_2025_06_18)
                cJSON_AddItemToObject(j, "outputSchema", cJSON_Duplicate(t->output_schema, true));
        if (t->annotations && v >= MCP_2025_03_26) {
                cJSON *a = cJSON_Duplicate(t->annotations, true);
                if (v < MCP_2025_06_18) /* ToolAnnotations.title came with 2025-06-18 */
                        cJSON_DeleteItemFromObjectCaseSensitive(a, "title");
                cJSON_AddItemToObject(j, "annotations", a);
        }
        if (t->meta && v >= MCP_2025_06_18)
                cJSON_AddItemToObject(j, "_meta", cJSON_Duplicate(t->meta, true));
        if (v == MCP_2025_11_25) {
                cJSON *e = cJSON_AddObjectToObject(j, "execution");
                cJSON_AddStringToObject(e, "taskSupport", task_support_names[t->tool.task_support]);
        }
        return j;
}

static int tools_list(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        const struct mcp_tools *registry = userdata;
        /* One page holds every tool: the list is short and fixed at start-up. */
        cJSON *r = cJSON_CreateObject();
        cJSON *tools = cJSON_AddArrayToObject(r, "tools");
        for (struct mcp_tool_entry *t = registry->list; t; t = t->next)
                cJSON_AddItemToArray(tools, tool_to_json(t, mcp_request_version(req)));
        mcp_add_cache_fields(req, r);
        *ret = r;
        return 0;
}

/* The arguments' required members are present and have the declared basic type.
 * Full JSON Schema validation belongs to the tool catalog's validator. */
static int check_arguments(struct mcp_request *req, const struct mcp_tool_entry *t,
                           const cJSON *args)
{
        const cJSON *required = cJSON_GetObjectItemCaseSensitive(t->input_schema, "required");
        const cJSON *n;
        cJSON_ArrayForEach(n, required)
        {
                if (cJSON_IsString(n) && !cJSON_GetObjectItemCaseSensitive(args, n->valuestring))
                        return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                                  "Tool '%s': missing required argument '%s'",
                                                  t->tool.name, n->valuestring);
        }
        return 0;
}

struct tool_call {
        struct mcp_tool_entry *tool;
        const cJSON *args;
};

/* Calls the tool's handler for req (the client's request, or a task's work). */
static int call_now(struct mcp_request *req, void *userdata, cJSON **ret_result)
{
        const struct tool_call *c = userdata;
        struct mcp_tool_entry *t = c->tool;
        const cJSON *args = c->args;
        cJSON *result = NULL;
        int r = t->tool.call(req, args, t->tool.userdata, &result);
        if (r == 0)
                *ret_result = result;
        else
                cJSON_Delete(result);
        return r;
}

static int tools_call(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        struct mcp_tools *tools = userdata;
        const char *name = mcp_get_string(params, "name");
        if (!name)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "tools/call needs params.name (a string)");
        struct mcp_tool_entry *t = tool_find(tools, name);
        if (!t)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Unknown tool '%s'", name);
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
        if (args && !cJSON_IsObject(args) && !cJSON_IsNull(args))
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "Tool '%s': arguments must be an object", name);
        cJSON *empty = NULL;
        if (!cJSON_IsObject(args))
                args = empty = cJSON_CreateObject();
        enum mcp_version v = mcp_request_version(req);
        int r = check_arguments(req, t, args);
        if (r >= 0) {
                const cJSON *task = cJSON_GetObjectItemCaseSensitive(params, "task");
                bool as_task = false;
                if (v == MCP_2025_11_25 && task)
                        as_task = true;
                else if (v >= MCP_2026_07_28 && mcp_request_tasks_extension(req) &&
                         t->tool.task_support != MCP_TASK_FORBIDDEN)
                        as_task = true; /* the server decides; the client allowed it */
                if (as_task && t->tool.task_support == MCP_TASK_FORBIDDEN)
                        r = mcp_request_errorf(req, MCP_ERR_METHOD_NOT_FOUND,
                                               "Tool '%s' does not support tasks", name);
                else if (!as_task && t->tool.task_support == MCP_TASK_REQUIRED &&
                         v >= MCP_2026_07_28)
                        r = mcp_request_needs_tasks_extension(req, name);
                else if (!as_task && t->tool.task_support == MCP_TASK_REQUIRED)
                        r = mcp_request_errorf(req, MCP_ERR_METHOD_NOT_FOUND,
                                               "Tool '%s' must be called as a task", name);
                else if (as_task)
                        r = mcp_tasks_call_tool(req, task, call_now, &(struct tool_call){t, args},
                                                ret);
                else
                        r = call_now(req, &(struct tool_call){t, args}, ret);
        }
        cJSON_Delete(empty);
        return r;
}

static const struct mcp_method methods[] = {
    {"tools/list", tools_list, MCP_2024_11_05, MCP_2026_07_28, 0},
    {"tools/call", tools_call, MCP_2024_11_05, MCP_2026_07_28, MCP_METHOD_CALL_RESULT},
};

int mcp_tools_new(struct mcp_server *s, struct mcp_tools **ret)
{
        struct mcp_tools *tools = calloc(1, sizeof(*tools));
        if (!tools)
                return -ENOMEM;
        int r = mcp_method_register(s, methods, ELEMENTSOF(methods), tools);
        if (r < 0) {
                free(tools);
                return r;
        }
        *ret = tools;
        return 0;
}
