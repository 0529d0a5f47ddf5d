/* mcp-app.h - the corral MCP App (extension io.modelcontextprotocol/ui): one
 * self-contained HTML page (src/mcp/app/, built by build.mjs, embedded at
 * compile time) with a jobs view and a job view, served as a ui:// resource
 * and named in the job tools' _meta so clients that show Apps show it where
 * the tool's result appears.  Clients without Apps ignore both. */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define MCP_APP_URI  "ui://corral/jobs.html"
#define MCP_APP_MIME "text/html;profile=mcp-app"
/* A tool's _meta linking the App: the nested key of ext-apps 1.x/2.x and
 * the flat key older hosts read. */
#define MCP_APP_TOOL_META                                                                          \
        "{\"ui\":{\"resourceUri\":\"" MCP_APP_URI "\"},\"ui/resourceUri\":\"" MCP_APP_URI "\"}"

/* The page; NUL-terminated. */
const char *mcp_app_html(size_t *ret_len);
/* The entry for resources/list. */
cJSON *mcp_app_resource(void);
/* True when uri names the App. */
bool mcp_app_is_uri(const char *uri);
/* The ReadResourceResult: {contents: [{uri, mimeType, text, _meta}]}. */
cJSON *mcp_app_read(void);
