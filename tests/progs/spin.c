/* spin SECONDS [THREADS]: busy-loops for SECONDS of wall-clock time on THREADS
 * threads (default 1), so a job can demand more CPU than its quota. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_THREADS 64

static double secs;

static void *spin(void *arg)
{
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        volatile unsigned long x = 0;
        do {
                for (int i = 0; i < 100000; i++)
                        x += (unsigned long)i;
                clock_gettime(CLOCK_MONOTONIC, &now);
        } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
                 secs);
        return x == 1 ? arg : NULL; /* never 1 in practice: keeps x used */
}

int main(int argc, char **argv)
{
        if (argc != 2 && argc != 3) {
                fprintf(stderr, "usage: spin SECONDS [THREADS]\n");
                return 2;
        }
        secs = strtod(argv[1], NULL);
        int n = argc == 3 ? atoi(argv[2]) : 1;
        if (n < 1 || n > MAX_THREADS) {
                fprintf(stderr, "spin: THREADS must be 1 to %d\n", MAX_THREADS);
                return 2;
        }
        pthread_t t[MAX_THREADS];
        for (int i = 1; i < n; i++)
                if (pthread_create(&t[i], NULL, spin, NULL) != 0) {
                        fprintf(stderr, "spin: cannot start thread %d\n", i);
                        return 1;
                }
        spin(NULL);
        for (int i = 1; i < n; i++)
                pthread_join(t[i], NULL);
        return 0;
}
