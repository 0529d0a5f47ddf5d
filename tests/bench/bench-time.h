/* bench-time.h - the clock and the sort order the C benchmarks share. */
#pragma once

#include <time.h>

/* CLOCK_MONOTONIC in microseconds. */
static inline double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* qsort order of doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}
