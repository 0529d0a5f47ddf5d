/* progress.h - how far along a running job is, as the job itself reports it.
 *
 * A job reports progress either by writing progress.json into its directory
 * ({"percent": 45.5, "message": "..."}) or by printing lines to stdout that the
 * store recognises in the TAIL of stdout.log (never the whole log, which may be
 * gigabytes):
 *     "Progress: 45.5%"   decimal percent
 *     "Day 10/20"         -> 50
 *     "Step 3 of 10"      -> 30 (also "Step 3/10")
 *     "[3/10]"            -> 30
 * The message is the last non-empty line, made valid UTF-8 and capped.
 * Progress shown to a user never goes backwards: progress_update() keeps the max.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes read from the end of stdout.log. */
#define PROGRESS_TAIL_BYTES (16u * 1024u)
/* Longest message kept, in bytes (cut at a character boundary). */
#define PROGRESS_MESSAGE_MAX 256u
/* Largest progress.json read. */
#define PROGRESS_JSON_MAX (64u * 1024u)

struct progress {
        double percent; /* 0..100; negative when unknown */
        char *message;  /* NULL when none; valid UTF-8 without control characters */
};

#define PROGRESS_INIT ((struct progress){.percent = -1.0, .message = NULL})

void progress_done(struct progress *p);

/* Parses progress.json text.  Missing members are unknown; wrong types or a
 * percent outside 0..100 give -EINVAL.  Returns 0 or -errno. */
int progress_parse_json(const char *buf, size_t len, struct progress *ret);

/* Parses log text (the tail of stdout.log): the last line holding a progress
 * pattern gives the percent, the last non-empty line the message.  When
 * partial_first_line is true the text before the first newline is ignored (it
 * is the cut end of a line).  Never fails except -ENOMEM. */
int progress_parse_text(const char *buf, size_t len, bool partial_first_line, struct progress *ret);

/* Reads the last at most max bytes of the file name in dirfd with pread (never
 * more: a 100 GB log costs the same as a small one).  *ret is NUL-terminated,
 * *ret_partial says whether the read started past offset 0, *ret_bytes_read (optional)
 * counts bytes actually read.  -ENOENT when missing. */
int progress_read_tail_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                          bool *ret_partial, uint64_t *ret_bytes_read);

/* The job's current progress from its directory: progress.json when present
 * and valid, else the tail of stdout.log.  Neither present: percent unknown,
 * no message, returns 0.  -EBADFD when stdout.log is not a regular file (a
 * symlink or FIFO the job planted).  *ret_bytes_read (optional) counts bytes read. */
int progress_read_at(int job_dirfd, struct progress *ret, uint64_t *ret_bytes_read);

/* Merges next into *prev: the percent never decreases (an unknown percent
 * keeps the previous one); a non-empty message replaces the old one.
 * Returns 0 or -ENOMEM. */
int progress_update(struct progress *prev, const struct progress *next);

/* Copies len bytes of text into a new string that is valid UTF-8 (invalid
 * sequences become U+FFFD), has no control characters except '\n' and '\t'
 * when keep_newlines (others become ' '), and is at most max bytes, cut at a
 * character boundary.  With from_end the LAST max bytes are kept (for the end
 * of stderr).  Returns 0 or -ENOMEM. */
int progress_sanitize_text(const char *s, size_t len, size_t max, bool keep_newlines, bool from_end,
                           char **ret);
