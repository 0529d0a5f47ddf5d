/* spin SECONDS: busy-loops on one CPU for SECONDS of wall-clock time. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: spin SECONDS\n");
                return 2;
        }
        double secs = strtod(argv[1], NULL);
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        volatile unsigned long x = 0;
        do {
                for (int i = 0; i < 100000; i++)
                        x += (unsigned long)i;
                clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
                 secs);
        return x == 1 ? 3 : 0; /* never 1 in practice: keeps x used */
}
