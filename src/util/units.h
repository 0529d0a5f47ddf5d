/* units.h - parsing and printing of sizes, durations and CPU counts as users write them.
 *
 * Parsers return 0 or -EINVAL/-ERANGE and never log; the caller names the option.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* "256M", "1.5G", "4096", "64K", "2GiB": binary multiples (K = 1024).  0 and
 * negative values are rejected (-EINVAL), values past 2^63 with -ERANGE. */
int parse_size(const char *s, uint64_t *ret);

/* "30s", "500ms", "2m", "1h", "1.5" (seconds): returns microseconds, > 0. */
int parse_duration(const char *s, uint64_t *ret_usec);

/* "0.5", "2": CPUs as a fraction, > 0; returned in millicpus (0.5 -> 500). */
int parse_cpus(const char *s, uint64_t *ret_millicpus);

/* Positive decimal integer with an upper bound. */
int parse_uint(const char *s, uint64_t max, uint64_t *ret);

/* "32 MiB", "1.5 GiB", "512 B" into buf. */
const char *format_bytes(char *buf, size_t len, uint64_t bytes);

/* Monotonic and real clocks in microseconds. */
uint64_t now_monotonic_usec(void);
uint64_t now_realtime_usec(void);

/* ISO 8601 UTC with milliseconds: "2026-11-26T17:20:01.123Z" (buf >= 32). */
const char *format_iso8601(char *buf, size_t len, uint64_t realtime_usec);
