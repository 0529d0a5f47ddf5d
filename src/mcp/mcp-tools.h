/* mcp-tools.h - the tool registry (mcp-tools.c): tools/list and tools/call.
 * The public side (mcp_tool_register, mcp_tool_result) is in mcp.h. */
#pragma once

#include "mcp-method.h"

/* Called by mcp_server_new: registers tools/list and tools/call. */
int mcp_tools_new(struct mcp_server *s, struct mcp_tools **ret);
void mcp_tools_free(struct mcp_tools *tools);
