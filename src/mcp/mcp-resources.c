/* mcp-resources.c - resources/list, resources/templates/list, resources/read
 * and subscriptions, over a provider the job layer registers (job records,
 * logs and results as resources).  Pagination is the provider's: it receives
 * the client's opaque cursor and returns nextCursor. */
#include "mcp-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUBSCRIPTIONS 4096

void mcp_server_set_resources(struct mcp_server *s, const struct mcp_resource_provider *p)
{
        s->has_resources = p != NULL;
        if (p)
                s->resources = *p;
}

void mcp_resources_free(struct mcp_server *s)
{
        for (size_t i = 0; i < s->n_subscriptions; i++)
                free(s->subscriptions[i]);
        free(s->subscriptions);
        s->subscriptions = NULL;
        s->n_subscriptions = 0;
}

static ssize_t find_subscription(const struct mcp_server *s, const char *uri)
{
        for (size_t i = 0; i < s->n_subscriptions; i++)
                if (strcmp(s->subscriptions[i], uri) == 0)
                        return (ssize_t)i;
        return -1;
}

bool mcp_resource_subscribed(const struct mcp_server *s, const char *uri)
{
        return find_subscription(s, uri) >= 0;
}

void mcp_resource_updated(struct mcp_server *s, const char *uri)
{
        if (!mcp_resource_subscribed(s, uri))
                return;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "uri", uri);
        mcp_server_notify(s, "notifications/resources/updated", p);
}

static int get_cursor(struct mcp_request *req, const cJSON *params, const char **ret)
{
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(params, "cursor");
        if (c && !cJSON_IsString(c))
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "Invalid params: cursor must be a string");
        *ret = c ? c->valuestring : NULL;
        return 0;
}

static int list_common(struct mcp_request *req, const cJSON *params, cJSON **ret,
                       int (*fn)(struct mcp_request *, const char *, void *, cJSON **),
                       const char *key)
{
        const char *cursor = NULL;
        int r = get_cursor(req, params, &cursor);
        if (r < 0)
                return r;
        cJSON *result = NULL;
        if (fn) {
                r = fn(req, cursor, req->server->resources.userdata, &result);
                if (r != 0)
                        return r;
        } else if (cursor) {
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Invalid cursor");
        } else {
                result = cJSON_CreateObject();
                cJSON_AddArrayToObject(result, key);
        }
        mcp_add_cache_fields(req, result);
        *ret = result;
        return 0;
}

int mcp_method_resources_list(struct mcp_request *req, const cJSON *params, cJSON **ret)
{
        struct mcp_server *s = req->server;
        return list_common(req, params, ret, s->has_resources ? s->resources.list : NULL,
                           "resources");
}

int mcp_method_resources_templates(struct mcp_request *req, const cJSON *params, cJSON **ret)
{
        struct mcp_server *s = req->server;
        return list_common(req, params, ret, s->has_resources ? s->resources.templates : NULL,
                           "resourceTemplates");
}

static int get_uri(struct mcp_request *req, const cJSON *params, const char **ret)
{
        const char *uri = mcp_get_string(params, "uri");
        if (!uri)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "%s needs params.uri (a string)", req->method);
        *ret = uri;
        return 0;
}

int mcp_method_resources_read(struct mcp_request *req, const cJSON *params, cJSON **ret)
{
        struct mcp_server *s = req->server;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        if (!s->has_resources || !s->resources.read)
                return mcp_request_errorf(req, MCP_ERR_RESOURCE_NOT_FOUND, "Resource not found: %s",
                                          uri);
        cJSON *result = NULL;
        r = s->resources.read(req, uri, s->resources.userdata, &result);
        if (r != 0)
                return r;
        mcp_add_cache_fields(req, result);
        *ret = result;
        return 0;
}

int mcp_method_resources_subscribe(struct mcp_request *req, const cJSON *params, cJSON **ret)
{
        struct mcp_server *s = req->server;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        if (find_subscription(s, uri) < 0) {
                if (s->n_subscriptions >= MAX_SUBSCRIPTIONS)
                        return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                                  "Too many subscriptions (limit %d)",
                                                  MAX_SUBSCRIPTIONS);
                char **n =
                    realloc(s->subscriptions, (s->n_subscriptions + 1) * sizeof(*s->subscriptions));
                if (!n)
                        return -ENOMEM;
                s->subscriptions = n;
                if (!(n[s->n_subscriptions] = strdup(uri)))
                        return -ENOMEM;
                s->n_subscriptions++;
        }
        *ret = cJSON_CreateObject();
        return 0;
}

int mcp_method_resources_unsubscribe(struct mcp_request *req, const cJSON *params, cJSON **ret)
{
        struct mcp_server *s = req->server;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        ssize_t i = find_subscription(s, uri);
        if (i >= 0) {
                free(s->subscriptions[i]);
                s->subscriptions[i] = s->subscriptions[--s->n_subscriptions];
        }
        *ret = cJSON_CreateObject();
        return 0;
}
