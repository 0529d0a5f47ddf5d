/* units.c - see units.h. */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Parses a non-negative decimal with an optional fraction; *end is left after it. */
static int parse_decimal(const char *s, double *ret, const char **end)
{
        if (!isdigit((unsigned char)*s) && !(*s == '.' && isdigit((unsigned char)s[1])))
                return -EINVAL;
        errno = 0;
        char *e;
        double v = strtod(s, &e);
        if (errno || !isfinite(v) || v < 0)
                return -EINVAL;
        *ret = v;
        *end = e;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                double factor;
        } suffixes[] = {
            {"", 1.0},
            {"b", 1.0},
            {"k", 1024.0},
            {"kb", 1024.0},
            {"kib", 1024.0},
            {"m", 1048576.0},
            {"mb", 1048576.0},
            {"mib", 1048576.0},
            {"g", 1073741824.0},
            {"gb", 1073741824.0},
            {"gib", 1073741824.0},
            {"t", 1099511627776.0},
            {"tb", 1099511627776.0},
            {"tib", 1099511627776.0},
        };
        double v;
        const char *end;
        if (!s || parse_decimal(s, &v, &end) < 0)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
                if (strcasecmp(end, suffixes[i].suffix) != 0)
                        continue;
                double bytes = v * suffixes[i].factor;
                if (bytes < 1.0)
                        return -EINVAL;
                if (bytes >= 9223372036854775808.0)
                        return -ERANGE;
                *ret = (uint64_t)bytes;
                return 0;
        }
        return -EINVAL;
}

int parse_duration(const char *s, uint64_t *ret_usec)
{
        static const struct {
                const char *suffix;
                double factor;
        } suffixes[] = {
            {"", 1e6},   {"s", 1e6},    {"ms", 1e3},   {"us", 1.0},
            {"m", 60e6}, {"min", 60e6}, {"h", 3600e6},
        };
        double v;
        const char *end;
        if (!s || parse_decimal(s, &v, &end) < 0)
                return -EINVAL;
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
                if (strcmp(end, suffixes[i].suffix) != 0)
                        continue;
                double usec = v * suffixes[i].factor;
                if (usec < 1.0)
                        return -EINVAL;
                if (usec >= 1e18)
                        return -ERANGE;
                *ret_usec = (uint64_t)usec;
                return 0;
        }
        return -EINVAL;
}

int parse_cpus(const char *s, uint64_t *ret_millicpus)
{
        double v;
        const char *end;
        if (!s || parse_decimal(s, &v, &end) < 0 || *end)
                return -EINVAL;
        double m = v * 1000.0;
        if (m < 1.0)
                return -EINVAL;
        if (m > 1e9)
                return -ERANGE;
        *ret_millicpus = (uint64_t)(m + 0.5);
        return 0;
}

int parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
        if (!s || !isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end)
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

const char *format_bytes(char *buf, size_t len, uint64_t bytes)
{
        static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
                v /= 1024.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, len, "%llu B", (unsigned long long)bytes);
        else if (v == (double)(uint64_t)v)
                snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
        else
                snprintf(buf, len, "%.1f %s", v, units[u]);
        return buf;
}

static uint64_t clock_usec(clockid_t id)
{
        struct timespec ts;
        clock_gettime(id, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t now_monotonic_usec(void)
{
        return clock_usec(CLOCK_MONOTONIC);
}

uint64_t now_realtime_usec(void)
{
        return clock_usec(CLOCK_REALTIME);
}

const char *format_iso8601(char *buf, size_t len, uint64_t realtime_usec)
{
        time_t t = (time_t)(realtime_usec / 1000000u);
        struct tm tm;
        gmtime_r(&t, &tm);
        char base[24];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, len, "%s.%03uZ", base, (unsigned)(realtime_usec % 1000000u / 1000u));
        return buf;
}
