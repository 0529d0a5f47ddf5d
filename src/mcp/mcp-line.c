/* mcp-line.c - newline framing for MCP over stdio: whole lines up to a cap,
 * oversize lines reported once and skipped.  See mcp-line.h. */
#include "mcp-line.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (64u * 1024)
#define MIN(a, b)  ((a) < (b) ? (a) : (b))

void mcp_line_reader_init(struct mcp_line_reader *r, size_t max)
{
        *r = (struct mcp_line_reader){.max = max ? max : MCP_LINE_DEFAULT_MAX};
}

void mcp_line_reader_done(struct mcp_line_reader *r)
{
        free(r->buf);
        *r = (struct mcp_line_reader){.max = r->max};
}

static int reserve(struct mcp_line_reader *r, size_t extra)
{
        if (r->len + extra <= r->cap)
                return 0;
        size_t cap = r->cap ? r->cap : READ_CHUNK;
        while (cap < r->len + extra)
                cap *= 2;
        char *p = realloc(r->buf, cap);
        if (!p)
                return -ENOMEM;
        r->buf = p;
        r->cap = cap;
        return 0;
}

/* The last line of the stream, which had no newline. */
static void deliver_last(struct mcp_line_reader *r, mcp_line_fn fn, void *userdata)
{
        size_t len = r->len;
        if (len > 0 && r->buf[len - 1] == '\r')
                len--;
        if (len > r->max)
                fn(userdata, r->buf, MIN(len, MCP_LINE_OVERSIZE_PREFIX), true);
        else
                fn(userdata, r->buf, len, false);
}

/* Hands over every complete line in buf, then enforces the cap on the rest. */
static void drain(struct mcp_line_reader *r, mcp_line_fn fn, void *userdata)
{
        size_t start = 0;
        for (;;) {
                char *nl = memchr(r->buf + r->scanned, '\n', r->len - r->scanned);
                if (!nl)
                        break;
                size_t end = (size_t)(nl - r->buf);
                size_t len = end - start;
                if (len > 0 && r->buf[end - 1] == '\r')
                        len--;
                if (r->discarding)
                        r->discarding = false; /* the oversize line ends here */
                else if (len > r->max)
                        fn(userdata, r->buf + start, MIN(len, MCP_LINE_OVERSIZE_PREFIX), true);
                else
                        fn(userdata, r->buf + start, len, false);
                start = end + 1;
                r->scanned = start;
        }
        memmove(r->buf, r->buf + start, r->len - start);
        r->len -= start;
        r->scanned = r->len;
        if (r->discarding) {
                r->len = r->scanned = 0;
        } else if (r->len > r->max + 1) {
                /* No newline within the cap (+1 for a CR): report once and drop. */
                fn(userdata, r->buf, MIN(r->len, MCP_LINE_OVERSIZE_PREFIX), true);
                r->discarding = true;
                r->len = r->scanned = 0;
        }
}

int mcp_line_reader_feed(struct mcp_line_reader *r, const char *data, size_t n, mcp_line_fn fn,
                         void *userdata)
{
        while (n > 0) {
                size_t chunk = n < READ_CHUNK ? n : READ_CHUNK;
                int k = reserve(r, chunk);
                if (k < 0)
                        return k;
                memcpy(r->buf + r->len, data, chunk);
                r->len += chunk;
                data += chunk;
                n -= chunk;
                drain(r, fn, userdata);
        }
        return 0;
}

int mcp_line_reader_read_fd(struct mcp_line_reader *r, int fd, mcp_line_fn fn, void *userdata)
{
        /* Bounded per call so one flooding client cannot starve the loop. */
        for (int rounds = 0; rounds < 64; rounds++) {
                int k = reserve(r, READ_CHUNK);
                if (k < 0)
                        return k;
                ssize_t n = read(fd, r->buf + r->len, READ_CHUNK);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? 0 : NEG_ERRNO();
                }
                if (n == 0) {
                        if (r->len > 0 && !r->discarding)
                                deliver_last(r, fn, userdata);
                        r->len = r->scanned = 0;
                        return 1;
                }
                r->len += (size_t)n;
                drain(r, fn, userdata);
        }
        return 0;
}
