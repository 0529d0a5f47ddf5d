/* mcp-info.h - the corral_info tool: what this server is (version, pid,
 * uptime, protocol version in use), for diagnosing a client's connection. */
#pragma once

#include "mcp.h"

#include <stdint.h>

/* Registers corral_info; start_usec is the monotonic time the server started. */
int mcp_info_register(struct mcp_server *s, uint64_t start_usec);
