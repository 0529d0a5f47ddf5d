/* log.c - one write(2) per record on stderr; see log.h. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level current_level = LOG_NOTICE;
static char current_context[96];

void log_set_level(enum log_level level)
{
        current_level = level;
}

enum log_level log_get_level(void)
{
        return current_level;
}

void log_set_context(const char *context)
{
        snprintf(current_context, sizeof(current_context), "%s", context ? context : "");
}

int log_full_errno(enum log_level level, int err, const char *fmt, ...)
{
        int saved = errno;
        if (level > current_level) {
                errno = saved;
                return err;
        }

        char buf[2048];
        size_t n = (size_t)snprintf(buf, sizeof(buf), "corral%s%s: ", current_context[0] ? " " : "",
                                    current_context);
        if (n >= sizeof(buf))
                n = sizeof(buf) - 1;

        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
        va_end(ap);
        n = m < 0 ? n : n + (size_t)m;
        if (n >= sizeof(buf) - 1)
                n = sizeof(buf) - 2;
        buf[n++] = '\n';

        ssize_t w = write(STDERR_FILENO, buf, n);
        (void)w;
        errno = saved;
        return err;
}
