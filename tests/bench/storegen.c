/* storegen: fills a job store with finished jobs, for the footprint and
 * start-up measurements (a store with 10,000 jobs).
 *
 *   storegen STATE_DIR COUNT
 *
 * Creates COUNT completed /bin/true jobs through the store API itself
 * (store_job_create, then store_job_save of the finished record), so the
 * records are exactly what supervisors write: same layout, same lock files,
 * same atomic replace.  Every third job gets a stdout.log line, as real
 * jobs would.  Prints how long it took. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "store.h"

static unsigned long long realtime_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

static int make_one(struct store *s, unsigned long long created)
{
        struct job *j = job_new();
        if (!j)
                return -ENOMEM;
        int r = -ENOMEM;
        j->command = calloc(3, sizeof(char *));
        if (!j->command || !(j->command[0] = strdup("/bin/echo")) ||
            !(j->command[1] = strdup("hi")))
                goto out;
        j->created_at = created - created % 1000;
        int lock = -1;
        const char *reason = NULL;
        r = store_job_create(s, j, NULL, NULL, 0, &lock, &reason);
        if (r < 0) {
                fprintf(stderr, "storegen: Failed to create a job: %s (%s)\n", strerror(-r),
                        reason ? reason : "");
                goto out;
        }
        j->status = JOB_COMPLETED;
        j->started_at = j->created_at + 1000;
        j->finished_at = j->created_at + 3000;
        j->exit_code = 0;
        j->wall_ms = 2;
        j->memory_peak_bytes = 262144;
        j->cpu_usage_usec = 1400;
        j->queue_position = -1;
        r = store_job_save(s, j);
        if (r >= 0 && created % 3 == 0) {
                int dfd;
                r = store_job_open_dir(s, j->id, &dfd);
                if (r >= 0) {
                        int fd;
                        r = store_job_open_log(dfd, 1, &fd);
                        if (r >= 0) {
                                if (write(fd, "hi\n", 3) != 3)
                                        r = -EIO;
                                close(fd);
                        }
                        close(dfd);
                }
        }
        close(lock);
out:
        job_free(j);
        return r;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: storegen STATE_DIR COUNT\n");
                return 2;
        }
        long n = strtol(argv[2], NULL, 10);
        struct store *s = NULL;
        int r = store_open(argv[1], NULL, &s);
        if (r < 0) {
                fprintf(stderr, "storegen: Failed to open store '%s': %s\n", argv[1], strerror(-r));
                return 1;
        }
        unsigned long long t0 = realtime_us(), base = t0 - (unsigned long long)n * 2000ULL;
        for (long i = 0; i < n; i++) {
                r = make_one(s, base + (unsigned long long)i * 2000ULL);
                if (r < 0) {
                        store_free(s);
                        return 1;
                }
        }
        fprintf(stderr, "storegen: %ld jobs in %.1f s\n", n, (double)(realtime_us() - t0) / 1e6);
        store_free(s);
        return 0;
}
