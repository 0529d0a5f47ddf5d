/* mcp-line.h - newline framing for the MCP stdio transport.
 *
 * Each line (without "\n", and without a trailing "\r") is handed over whole,
 * however it was split across reads, if it is at most max bytes long.  A
 * longer line is reported once with oversize=true and the first bytes of it
 * (at most MCP_LINE_OVERSIZE_PREFIX, so the caller may recover the request id),
 * then discarded up to its newline; memory stays bounded by max + one read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MCP_LINE_DEFAULT_MAX     (4u * 1024 * 1024)
#define MCP_LINE_OVERSIZE_PREFIX 4096

typedef void (*mcp_line_fn)(void *userdata, const char *line, size_t len, bool oversize);

struct mcp_line_reader {
        char *buf;
        size_t len, cap, max;
        size_t scanned;  /* bytes of buf already known to hold no '\n' */
        bool discarding; /* inside an oversize line, dropping until '\n' */
};

void mcp_line_reader_init(struct mcp_line_reader *r, size_t max);
void mcp_line_reader_done(struct mcp_line_reader *r);

/* Appends data and calls fn for each complete line. Returns 0 or -ENOMEM. */
int mcp_line_reader_feed(struct mcp_line_reader *r, const char *data, size_t n, mcp_line_fn fn,
                         void *userdata);
/* Reads fd (non-blocking) until EAGAIN. Returns 0 on EAGAIN, 1 at EOF (after
 * handing over a last unterminated line), -errno on failure. */
int mcp_line_reader_read_fd(struct mcp_line_reader *r, int fd, mcp_line_fn fn, void *userdata);
