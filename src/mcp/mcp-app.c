/* mcp-app.c - serves the corral MCP App (see mcp-app.h).
 *
 * The HTML is src/mcp/app/corral-app.html, committed (built by build.mjs from
 * view.js and the official ext-apps App API pinned by tests/mcp's lock file)
 * and pulled into the binary with .incbin, so the C build needs neither Node
 * nor the network (docs/decisions/mcp-app.md). */
#include "mcp-app.h"

#include <string.h>

#ifndef CORRAL_APP_HTML
#error "CORRAL_APP_HTML must name src/mcp/app/corral-app.html (src/CMakeLists.txt sets it)"
#endif

/* The page as read-only data, NUL-terminated, with its end for the length. */
__asm__(".pushsection .rodata\n"
        ".global corral_app_html_start\n"
        ".type corral_app_html_start, @object\n"
        "corral_app_html_start:\n"
        ".incbin \"" CORRAL_APP_HTML "\"\n"
        ".global corral_app_html_end\n"
        "corral_app_html_end:\n"
        ".byte 0\n"
        ".popsection\n");
extern const char corral_app_html_start[];
extern const char corral_app_html_end[];

const char *mcp_app_html(size_t *ret_len)
{
        if (ret_len)
                *ret_len = (size_t)(corral_app_html_end - corral_app_html_start);
        return corral_app_html_start;
}

bool mcp_app_is_uri(const char *uri)
{
        return uri && strcmp(uri, MCP_APP_URI) == 0;
}

cJSON *mcp_app_resource(void)
{
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "uri", MCP_APP_URI);
        cJSON_AddStringToObject(r, "name", "corral-jobs-app");
        cJSON_AddStringToObject(r, "title", "corral jobs (MCP App)");
        cJSON_AddStringToObject(r, "description",
                                "A live view of corral's jobs for clients that show MCP Apps: "
                                "running jobs with progress and memory against their limit, "
                                "the queue and why it waits, outcomes explained, usage charts, "
                                "logs, cancel and retry.");
        cJSON_AddStringToObject(r, "mimeType", MCP_APP_MIME);
        return r;
}

cJSON *mcp_app_read(void)
{
        size_t len;
        const char *html = mcp_app_html(&len);
        cJSON *res = cJSON_CreateObject();
        cJSON *contents = cJSON_AddArrayToObject(res, "contents");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddItemToArray(contents, c);
        cJSON_AddStringToObject(c, "uri", MCP_APP_URI);
        cJSON_AddStringToObject(c, "mimeType", MCP_APP_MIME);
        cJSON_AddStringToObject(c, "text", html);
        /* The page needs no origin at all: no connect, resource or frame
         * domains (the host's sandbox CSP stays at its strictest). */
        cJSON *ui = cJSON_AddObjectToObject(cJSON_AddObjectToObject(c, "_meta"), "ui");
        cJSON *csp = cJSON_AddObjectToObject(ui, "csp");
        cJSON_AddArrayToObject(csp, "connectDomains");
        cJSON_AddArrayToObject(csp, "resourceDomains");
        cJSON_AddBoolToObject(ui, "prefersBorder", true);
        return res;
}
