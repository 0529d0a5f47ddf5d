/* Fuzzes mcp-line.c: arbitrary bytes, split at fuzzer-chosen points, with a
 * small and the default cap.  Checks the framing promises: no line handed over
 * holds a newline or exceeds the cap, an oversize report never exceeds the
 * prefix size, and the reader's memory stays bounded. */
#include "mcp-line.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t cap;

static void check(void *userdata, const char *line, size_t len, bool oversize)
{
        if (oversize) {
                if (len > MCP_LINE_OVERSIZE_PREFIX)
                        abort();
                return;
        }
        if (len > cap || memchr(line, '\n', len))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 2)
                return 0;
        /* First byte: the cap (1..256 or the default); second: the chunk size. */
        cap = data[0] ? data[0] : MCP_LINE_DEFAULT_MAX;
        size_t chunk = data[1] ? data[1] : 1;
        data += 2;
        size -= 2;
        struct mcp_line_reader r;
        mcp_line_reader_init(&r, cap);
        for (size_t off = 0; off < size; off += chunk) {
                size_t n = size - off < chunk ? size - off : chunk;
                if (mcp_line_reader_feed(&r, (const char *)data + off, n, check, NULL) < 0)
                        abort();
                if (r.len > cap + 1 + 64 * 1024)
                        abort(); /* bounded by the cap plus one read */
        }
        mcp_line_reader_done(&r);
        return 0;
}
