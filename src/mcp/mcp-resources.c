/* mcp-resources.c - resources/list, resources/templates/list, resources/read
 * and subscriptions, over a provider the job layer registers (job records,
 * logs and results as resources).  Pagination is the provider's: it receives
 * the client's opaque cursor and returns nextCursor. */
#include "mcp-resources.h"
#include "cleanup.h"
#include "mcp-rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUBSCRIPTIONS 4096

struct mcp_resources {
        struct mcp_resource_provider provider;
        bool has_provider;
        char **subscriptions;
        size_t n_subscriptions;
};

void mcp_server_set_resources(struct mcp_server *s, const struct mcp_resource_provider *p)
{
        struct mcp_resources *R = mcp_server_resources(s);
        R->has_provider = p != NULL;
        if (p)
                R->provider = *p;
}

void mcp_resources_free(struct mcp_resources *R)
{
        if (!R)
                return;
        for (size_t i = 0; i < R->n_subscriptions; i++)
                free(R->subscriptions[i]);
        free(R->subscriptions);
        free(R);
}

static ssize_t find_subscription(const struct mcp_resources *R, const char *uri)
{
        for (size_t i = 0; i < R->n_subscriptions; i++)
                if (strcmp(R->subscriptions[i], uri) == 0)
                        return (ssize_t)i;
        return -1;
}

bool mcp_resource_subscribed(const struct mcp_server *s, const char *uri)
{
        return find_subscription(mcp_server_resources(s), uri) >= 0;
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

static int list_common(struct mcp_request *req, const struct mcp_resources *R, const cJSON *params,
                       cJSON **ret, int (*fn)(struct mcp_request *, const char *, void *, cJSON **),
                       const char *key)
{
        const char *cursor = NULL;
        int r = get_cursor(req, params, &cursor);
        if (r < 0)
                return r;
        cJSON *result = NULL;
        if (fn) {
                r = fn(req, cursor, R->provider.userdata, &result);
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

static int resources_list(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        const struct mcp_resources *R = userdata;
        return list_common(req, R, params, ret, R->has_provider ? R->provider.list : NULL,
                           "resources");
}

static int resources_templates(struct mcp_request *req, const cJSON *params, void *userdata,
                               cJSON **ret)
{
        const struct mcp_resources *R = userdata;
        return list_common(req, R, params, ret, R->has_provider ? R->provider.templates : NULL,
                           "resourceTemplates");
}

static int get_uri(struct mcp_request *req, const cJSON *params, const char **ret)
{
        const char *uri = mcp_get_string(params, "uri");
        if (!uri)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                          "%s needs params.uri (a string)",
                                          mcp_request_method(req));
        *ret = uri;
        return 0;
}

static int resources_read(struct mcp_request *req, const cJSON *params, void *userdata, cJSON **ret)
{
        const struct mcp_resources *R = userdata;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        if (!R->has_provider || !R->provider.read)
                return mcp_request_errorf(req, MCP_ERR_RESOURCE_NOT_FOUND, "Resource not found: %s",
                                          uri);
        cJSON *result = NULL;
        r = R->provider.read(req, uri, R->provider.userdata, &result);
        if (r != 0)
                return r;
        mcp_add_cache_fields(req, result);
        *ret = result;
        return 0;
}

static int resources_subscribe(struct mcp_request *req, const cJSON *params, void *userdata,
                               cJSON **ret)
{
        struct mcp_resources *R = userdata;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        if (find_subscription(R, uri) < 0) {
                if (R->n_subscriptions >= MAX_SUBSCRIPTIONS)
                        return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS,
                                                  "Too many subscriptions (limit %d)",
                                                  MAX_SUBSCRIPTIONS);
                char **n =
                    realloc(R->subscriptions, (R->n_subscriptions + 1) * sizeof(*R->subscriptions));
                if (!n)
                        return -ENOMEM;
                R->subscriptions = n;
                if (!(n[R->n_subscriptions] = strdup(uri)))
                        return -ENOMEM;
                R->n_subscriptions++;
        }
        *ret = cJSON_CreateObject();
        return 0;
}

static int resources_unsubscribe(struct mcp_request *req, const cJSON *params, void *userdata,
                                 cJSON **ret)
{
        struct mcp_resources *R = userdata;
        const char *uri = NULL;
        int r = get_uri(req, params, &uri);
        if (r < 0)
                return r;
        ssize_t i = find_subscription(R, uri);
        if (i >= 0) {
                free(R->subscriptions[i]);
                R->subscriptions[i] = R->subscriptions[--R->n_subscriptions];
        }
        *ret = cJSON_CreateObject();
        return 0;
}

/* Subscriptions end with 2025-11-25: 2026-07-28 has subscriptions/listen. */
static const struct mcp_method methods[] = {
    {"resources/list", resources_list, MCP_2024_11_05, MCP_2026_07_28, 0},
    {"resources/templates/list", resources_templates, MCP_2024_11_05, MCP_2026_07_28, 0},
    {"resources/read", resources_read, MCP_2024_11_05, MCP_2026_07_28, 0},
    {"resources/subscribe", resources_subscribe, MCP_2024_11_05, MCP_2025_11_25, 0},
    {"resources/unsubscribe", resources_unsubscribe, MCP_2024_11_05, MCP_2025_11_25, 0},
};

int mcp_resources_new(struct mcp_server *s, struct mcp_resources **ret)
{
        struct mcp_resources *R = calloc(1, sizeof(*R));
        if (!R)
                return -ENOMEM;
        int r = mcp_method_register(s, methods, ELEMENTSOF(methods), R);
        if (r < 0) {
                free(R);
                return r;
        }
        *ret = R;
        return 0;
}
