/* progressbar.h - one line that shows a job's progress to a person: a bar with
 * the percent, the job's message, elapsed time and memory in use, fitted to
 * the terminal's width; and the same facts as a plain line for logs and
 * pipes.  Pure formatting: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progressbar {
        const char *status;  /* "running", "queued", ...; NULL: not shown */
        double percent;      /* 0..100; negative: unknown (the bar shows none) */
        const char *message; /* the job's last message; NULL: none */
        uint64_t elapsed_usec;
        bool memory_known;
        uint64_t memory_bytes; /* in use now */
};

/* The terminal line, at most columns display cells (ASCII plus the message's
 * UTF-8, cut on a character boundary), without a newline.  columns below 20
 * count as 20. */
void progressbar_format(const struct progressbar *p, unsigned columns, char *buf, size_t len);

/* The plain line: "running 42% 00:12 mem 63 MiB: message", without a newline. */
void progressbar_plain(const struct progressbar *p, char *buf, size_t len);
