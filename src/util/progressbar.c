/* progressbar.c - a job's progress as one terminal line or one plain line
 * (see progressbar.h). */
#include "progressbar.h"
#include "units.h"

#include <stdio.h>
#include <string.h>

#define BAR_CELLS 20

static void elapsed(char *buf, size_t len, uint64_t usec)
{
        uint64_t s = usec / 1000000;
        if (s >= 3600)
                snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
                         (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
        else
                snprintf(buf, len, "%02llu:%02llu", (unsigned long long)(s / 60),
                         (unsigned long long)(s % 60));
}

/* Copies at most cells characters of s (UTF-8: a character is a lead byte and
 * its continuation bytes, counted as one cell), never splitting one. */
static size_t copy_cells(char *dst, size_t dstlen, const char *s, size_t cells)
{
        size_t i = 0, n = 0;
        while (s[i] && n < cells) {
                size_t k = i + 1;
                while (((unsigned char)s[k] & 0xC0) == 0x80)
                        k++;
                if (k >= dstlen)
                        break;
                i = k;
                n++;
        }
        memcpy(dst, s, i);
        dst[i] = 0;
        return i;
}

static void facts(const struct progressbar *p, char *buf, size_t len)
{
        char t[32], m[32] = "";
        elapsed(t, sizeof(t), p->elapsed_usec);
        if (p->memory_known) {
                char b[24];
                snprintf(m, sizeof(m), "  mem %s", format_bytes(b, sizeof(b), p->memory_bytes));
        }
        snprintf(buf, len, "%s%s", t, m);
}

void progressbar_format(const struct progressbar *p, unsigned columns, char *buf, size_t len)
{
        if (columns < 20)
                columns = 20;
        char bar[BAR_CELLS + 1], pct[8], tail[64];
        int filled = p->percent < 0 ? 0 : (int)(p->percent * BAR_CELLS / 100.0 + 1e-9);
        for (int k = 0; k < BAR_CELLS; k++)
                bar[k] = k < filled ? '#' : (p->percent < 0 ? ' ' : '.');
        bar[BAR_CELLS] = 0;
        if (p->percent < 0)
                snprintf(pct, sizeof(pct), "  -%%");
        else
                snprintf(pct, sizeof(pct), "%3d%%", (int)p->percent);
        facts(p, tail, sizeof(tail));
        char head[128];
        int n = snprintf(head, sizeof(head), "[%s] %s  %s%s%s", bar, pct, tail,
                         p->status ? "  " : "", p->status ? p->status : "");
        if (n < 0)
                n = 0;
        if ((size_t)n >= sizeof(head))
                n = sizeof(head) - 1;
        /* What is left of the width goes to the message. */
        size_t used = (size_t)n;
        if (used >= columns) {
                copy_cells(buf, len, head, columns - 1);
                return;
        }
        size_t off = (size_t)snprintf(buf, len, "%s", head);
        if (off >= len)
                return;
        if (p->message && *p->message && columns - used > 3) {
                off += (size_t)snprintf(buf + off, len - off, "  ");
                if (off < len)
                        copy_cells(buf + off, len - off, p->message, columns - used - 3);
        }
}

void progressbar_plain(const struct progressbar *p, char *buf, size_t len)
{
        char pct[16] = "", tail[64];
        if (p->percent >= 0)
                snprintf(pct, sizeof(pct), " %.0f%%", p->percent);
        facts(p, tail, sizeof(tail));
        snprintf(buf, len, "%s%s %s%s%s", p->status ? p->status : "", pct, tail,
                 p->message && *p->message ? ": " : "", p->message ? p->message : "");
}
