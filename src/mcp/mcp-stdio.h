/* mcp-stdio.h - the stdio transport of `corral serve`: reads lines from a
 * non-blocking input fd into an mcp_server and writes its messages, one per
 * line, to the output fd through a bounded buffer flushed from the event loop.
 *
 * Ends the loop (loop_exit) on input EOF (code 0), on a client that stops
 * reading until max_output bytes are queued (code 1, logged), and on write
 * errors such as a closed stdout (code 1, logged).
 */
#pragma once

#include "loop.h"
#include "mcp.h"

#define MCP_STDIO_DEFAULT_MAX_OUTPUT (64u * 1024 * 1024)

struct mcp_stdio;

/* in_fd/out_fd stay owned by the caller (out_fd is dup'ed). Call then
 * mcp_stdio_attach() once the server exists (its config uses mcp_stdio_send). */
int mcp_stdio_new(struct loop *l, int in_fd, int out_fd, size_t max_line, size_t max_output,
                  struct mcp_stdio **ret);
int mcp_stdio_attach(struct mcp_stdio *io, struct mcp_server *server);
/* The mcp_server_config.send callback (userdata: the struct mcp_stdio). */
void mcp_stdio_send(void *userdata, const char *msg, size_t len);
/* Writes what is queued, waiting at most timeout_ms in total (for exit). */
void mcp_stdio_flush_blocking(struct mcp_stdio *io, int timeout_ms);
void mcp_stdio_free(struct mcp_stdio *io);
