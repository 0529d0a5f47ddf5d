/* progress.c - progress of a running job from progress.json or the tail of
 * stdout.log (progress.h).  The original implementation kept output in memory
 * until the job exited, so progress was only visible afterwards; here the job
 * writes straight to its log and this reads the log's last few KiB. */
#include "progress.h"
#include "fileio.h"
#include "utf8.h"
#include "cleanup.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void progress_done(struct progress *p)
{
        free(p->message);
        *p = PROGRESS_INIT;
}

int progress_sanitize_text(const char *s, size_t len, size_t max, bool keep_newlines, bool from_end,
                           char **ret)
{
        /* Worst case every byte becomes U+FFFD (3 bytes). */
        char *out = malloc(len * 3 + 1);
        if (!out)
                return -ENOMEM;
        const unsigned char *u = (const unsigned char *)s;
        size_t o = 0;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_seq_len(u + i, len - i);
                if (n == 0) {
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                        continue;
                }
                if (n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
                        bool keep = keep_newlines && (u[i] == '\n' || u[i] == '\t');
                        out[o++] = keep ? (char)u[i] : ' ';
                } else {
                        memcpy(out + o, u + i, n);
                        o += n;
                }
                i += n;
        }
        size_t start = 0, end = o;
        if (o > max) {
                if (from_end) {
                        start = o - max;
                        while (start < o && ((unsigned char)out[start] & 0xc0) == 0x80)
                                start++;
                } else {
                        end = max;
                        while (end > 0 && ((unsigned char)out[end] & 0xc0) == 0x80)
                                end--;
                }
        }
        memmove(out, out + start, end - start);
        out[end - start] = 0;
        *ret = out;
        return 0;
}

static bool percent_ok(double v)
{
        return isfinite(v) && v >= 0.0 && v <= 100.0;
}

int progress_parse_json(const char *buf, size_t len, struct progress *ret)
{
        cJSON *root = cJSON_ParseWithLength(buf, len);
        if (!root)
                return -EINVAL;
        int r = -EINVAL;
        struct progress p = PROGRESS_INIT;
        if (!cJSON_IsObject(root))
                goto out;
        const cJSON *pc = cJSON_GetObjectItemCaseSensitive(root, "percent");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (pc && !cJSON_IsNull(pc)) {
                if (!cJSON_IsNumber(pc) || !percent_ok(pc->valuedouble))
                        goto out;
                p.percent = pc->valuedouble;
        }
        if (msg && !cJSON_IsNull(msg)) {
                if (!cJSON_IsString(msg))
                        goto out;
                r = progress_sanitize_text(msg->valuestring, strlen(msg->valuestring),
                                           PROGRESS_MESSAGE_MAX, false, false, &p.message);
                if (r < 0)
                        goto out;
        }
        *ret = p;
        p = PROGRESS_INIT;
        r = 0;
out:
        progress_done(&p);
        cJSON_Delete(root);
        return r;
}

/* Reads a non-negative decimal ("45", "45.5") at *s; advances *s. */
static bool read_number(const char **s, const char *end, double *ret)
{
        const char *p = *s;
        double v = 0;
        bool digits = false;
        while (p < end && isdigit((unsigned char)*p)) {
                v = v * 10 + (*p++ - '0');
                digits = true;
        }
        if (p < end && *p == '.' && p + 1 < end && isdigit((unsigned char)p[1])) {
                double scale = 0.1;
                for (p++; p < end && isdigit((unsigned char)*p); p++, scale /= 10)
                        v += (*p - '0') * scale;
        }
        if (!digits)
                return false;
        *s = p;
        *ret = v;
        return true;
}

static const char *skip_spaces(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        return p;
}

/* "N/M" or, with allow_of, "N of M" at p; a fraction as percent. */
static bool read_fraction(const char *p, const char *end, bool allow_of, double *ret)
{
        double a, b;
        if (!read_number(&p, end, &a))
                return false;
        p = skip_spaces(p, end);
        if (p < end && *p == '/')
                p++;
        else if (allow_of && end - p >= 2 && strncasecmp(p, "of", 2) == 0)
                p += 2;
        else
                return false;
        p = skip_spaces(p, end);
        if (!read_number(&p, end, &b) || b <= 0 || a > b)
                return false;
        *ret = a / b * 100.0;
        return true;
}

static bool word_at(const char *line, const char *p, const char *end, const char *w)
{
        size_t n = strlen(w);
        if ((size_t)(end - p) < n || strncasecmp(p, w, n) != 0)
                return false;
        /* A word boundary before it ("Today 3/4" is not "Day 3/4"). */
        return p == line || !isalnum((unsigned char)p[-1]);
}

/* The percent one line reports, if any. */
static bool line_percent(const char *line, const char *end, double *ret)
{
        for (const char *p = line; p < end; p++) {
                double v;
                if (word_at(line, p, end, "progress")) {
                        const char *q = skip_spaces(p + 8, end);
                        if (q < end && *q == ':')
                                q = skip_spaces(q + 1, end);
                        if (read_number(&q, end, &v) && q < end && *q == '%' && percent_ok(v)) {
                                *ret = v;
                                return true;
                        }
                } else if (word_at(line, p, end, "day ")) {
                        if (read_fraction(skip_spaces(p + 4, end), end, false, &v)) {
                                *ret = v;
                                return true;
                        }
                } else if (word_at(line, p, end, "step ")) {
                        if (read_fraction(skip_spaces(p + 5, end), end, true, &v)) {
                                *ret = v;
                                return true;
                        }
                } else if (*p == '[') {
                        const char *close = memchr(p, ']', (size_t)(end - p));
                        if (close && read_fraction(skip_spaces(p + 1, close), close, false, &v)) {
                                *ret = v;
                                return true;
                        }
                }
        }
        return false;
}

static bool line_blank(const char *s, const char *end)
{
        for (; s < end; s++)
                if (!isspace((unsigned char)*s))
                        return false;
        return true;
}

int progress_parse_text(const char *buf, size_t len, bool partial_first_line, struct progress *ret)
{
        const char *begin = buf, *end = buf + len;
        if (partial_first_line) {
                const char *nl = memchr(buf, '\n', len);
                begin = nl ? nl + 1 : end;
        }
        struct progress p = PROGRESS_INIT;
        bool have_msg = false, have_pct = false;
        /* Walk lines backwards; '\r' ends a line too (progress bars redraw with it). */
        for (const char *le = end; le > begin && !(have_msg && have_pct);) {
                const char *ls = le;
                while (ls > begin && ls[-1] != '\n' && ls[-1] != '\r')
                        ls--;
                if (!line_blank(ls, le)) {
                        if (!have_msg) {
                                int r = progress_sanitize_text(ls, (size_t)(le - ls),
                                                               PROGRESS_MESSAGE_MAX, false, false,
                                                               &p.message);
                                if (r < 0)
                                        return r;
                                have_msg = true;
                        }
                        double v;
                        if (!have_pct && line_percent(ls, le, &v)) {
                                p.percent = v;
                                have_pct = true;
                        }
                }
                le = ls > begin ? ls - 1 : begin;
        }
        *ret = p;
        return 0;
}

int progress_read_tail_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                          bool *ret_partial, uint64_t *ret_bytes_read)
{
        struct stat st;
        _cleanup_close_ int fd = open_regular_at(dirfd, name, &st);
        if (fd < 0)
                return fd;
        uint64_t size = (uint64_t)st.st_size;
        uint64_t off = size > max ? size - max : 0;
        size_t want = (size_t)(size - off);
        _cleanup_free_ char *buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        size_t got = 0;
        while (got < want) {
                ssize_t n = pread(fd, buf + got, want - got, (off_t)(off + got));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                if (n == 0)
                        break; /* truncated meanwhile */
                got += (size_t)n;
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = got;
        if (ret_partial)
                *ret_partial = off > 0;
        if (ret_bytes_read)
                *ret_bytes_read = got;
        return 0;
}

int progress_read_at(int job_dirfd, struct progress *ret, uint64_t *ret_bytes_read)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        bool partial;
        uint64_t nread = 0;

        /* progress.json first; a half-written or invalid one (the job may not
         * write it atomically) falls back to the log. */
        int r = progress_read_tail_at(job_dirfd, "progress.json", PROGRESS_JSON_MAX, &buf, &len,
                                      &partial, &nread);
        if (r == 0 && !partial && progress_parse_json(buf, len, ret) == 0) {
                if (ret_bytes_read)
                        *ret_bytes_read = nread;
                return 0;
        }
        free(buf);
        buf = NULL;
        uint64_t n2 = 0;
        r = progress_read_tail_at(job_dirfd, "stdout.log", PROGRESS_TAIL_BYTES, &buf, &len,
                                  &partial, &n2);
        if (r == -ENOENT) {
                *ret = PROGRESS_INIT;
                if (ret_bytes_read)
                        *ret_bytes_read = nread;
                return 0;
        }
        if (r < 0)
                return r;
        r = progress_parse_text(buf, len, partial, ret);
        if (r == 0 && ret_bytes_read)
                *ret_bytes_read = nread + n2;
        return r;
}

int progress_update(struct progress *prev, const struct progress *next)
{
        if (next->message && *next->message) {
                char *m = strdup(next->message);
                if (!m)
                        return -ENOMEM;
                free(prev->message);
                prev->message = m;
        }
        if (next->percent >= 0 && next->percent > prev->percent)
                prev->percent = next->percent;
        return 0;
}
