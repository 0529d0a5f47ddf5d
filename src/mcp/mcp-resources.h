/* mcp-resources.h - resources over a provider (mcp-resources.c): the methods
 * resources/list, resources/templates/list, resources/read, subscribe and
 * unsubscribe.  The public side (mcp_server_set_resources, ...) is in mcp.h. */
#pragma once

#include "mcp-method.h"

/* Called by mcp_server_new: registers the resources/ methods. */
int mcp_resources_new(struct mcp_server *s, struct mcp_resources **ret);
void mcp_resources_free(struct mcp_resources *resources);
