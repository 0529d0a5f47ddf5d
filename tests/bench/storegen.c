/* storegen: fills a job store with finished jobs, for the footprint and
 * start-up measurements (a store with 10,000 or 100,000 jobs).
 *
 *   storegen STATE_DIR COUNT [--real K]
 *
 * Creates COUNT completed /bin/echo jobs through the store API itself
 * (store_job_create, then store_job_save of the finished record), so the
 * records are exactly what supervisors write: same layout, same lock files,
 * same atomic replace, same index row.  Every third job gets a stdout.log
 * line, as real jobs would.  Prints how long it took.
 *
 * That path is fsync-bound (~18 ms a job here: 100,000 take half an hour).
 * With --real K, only the first K jobs are made so; the other COUNT - K are
 * clones of them with fresh ids and times: the same job.json text the store
 * writes (job_to_json), the same directory, lock file and log, and the same
 * index row (store_index_put, with the usage store_job_disk_usage measures
 * once the files are written), but no fsync and no staging rename, which a
 * bench fixture does not need.  The bench says which way its store was made. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "fileio.h"
#include "job.h"
#include "jobid.h"
#include "store-index.h"
#include "store.h"

#include <sqlite3.h>

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

/* A clone of template t as job number i: fresh id and times, same content. */
static int clone_one(struct store *s, struct store_index *ix, const struct job *t,
                     unsigned long long created)
{
        char id[JOBID_GENERATED_LEN + 1];
        int r = jobid_generate(id, sizeof(id));
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if ((r = job_to_json(t, &text, &len)) < 0)
                return r;
        struct job *j = NULL;
        if ((r = job_from_json(text, len, &j, NULL)) < 0)
                return r;
        free(j->id);
        j->id = strdup(id);
        j->created_at = created - created % 1000;
        j->started_at = j->created_at + 1000;
        j->finished_at = j->created_at + 3000;
        free(text);
        text = NULL;
        if (!j->id || (r = job_to_json(j, &text, &len)) < 0)
                goto out;
        if (mkdirat(store_jobs_fd(s), id, 0700) < 0) {
                r = -errno;
                goto out;
        }
        int dfd = openat(store_jobs_fd(s), id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                goto out;
        }
        int lock = openat(dfd, "lock", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (lock < 0)
                r = -errno;
        else
                close(lock);
        if (r >= 0)
                r = write_file_replace_at(dfd, "job.json", text, len, 0600, 0);
        if (r >= 0 && created % 3 == 0) {
                int fd;
                if ((r = store_job_open_log(dfd, 1, &fd)) >= 0) {
                        if (write(fd, "hi\n", 3) != 3)
                                r = -EIO;
                        close(fd);
                }
        }
        close(dfd);
        uint64_t bytes = 0;
        if (r >= 0)
                r = store_job_disk_usage(s, id, &bytes);
        if (r >= 0)
                r = store_index_put(ix, j, bytes);
out:
        job_free(j);
        return r;
}

static int clone_all(struct store *s, long k, long n, unsigned long long base)
{
        struct job **t = calloc((size_t)k, sizeof(*t));
        struct store_list l = {0};
        int r = t ? store_list_jobs(s, NULL, NULL, 0, &l) : -ENOMEM;
        if (r < 0) {
                free(t);
                return r;
        }
        long nt = 0;
        for (size_t i = 0; i < l.n && nt < k; i++)
                t[nt++] = l.jobs[i];
        struct store_index *ix = NULL;
        if (nt == 0)
                r = -ENOENT;
        if (r >= 0)
                r = store_index_open(s, &ix, NULL);
        for (long i = k; r >= 0 && i < n; i++) {
                if ((i - k) % 10000 == 0 &&
                    sqlite3_exec(store_index_db(ix), i == k ? "BEGIN" : "COMMIT; BEGIN", NULL, NULL,
                                 NULL) != SQLITE_OK)
                        r = -EIO;
                if (r >= 0)
                        r = clone_one(s, ix, t[i % nt], base + (unsigned long long)i * 2000ULL);
        }
        if (ix && sqlite3_exec(store_index_db(ix), "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
            r >= 0)
                r = -EIO;
        store_index_free(ix);
        store_list_done(&l);
        free(t);
        return r;
}

int main(int argc, char **argv)
{
        long real = -1;
        if (argc == 5 && strcmp(argv[3], "--real") == 0)
                real = strtol(argv[4], NULL, 10);
        else if (argc != 3) {
                fprintf(stderr, "usage: storegen STATE_DIR COUNT [--real K]\n");
                return 2;
        }
        long n = strtol(argv[2], NULL, 10);
        if (real < 0 || real > n)
                real = n;
        struct store *s = NULL;
        int r = store_open(argv[1], NULL, &s);
        if (r < 0) {
                fprintf(stderr, "storegen: Failed to open store '%s': %s\n", argv[1], strerror(-r));
                return 1;
        }
        unsigned long long t0 = realtime_us(), base = t0 - (unsigned long long)n * 2000ULL;
        for (long i = 0; i < real; i++) {
                r = make_one(s, base + (unsigned long long)i * 2000ULL);
                if (r < 0) {
                        store_free(s);
                        return 1;
                }
        }
        if (real < n && (r = clone_all(s, real, n, base)) < 0) {
                fprintf(stderr, "storegen: Failed to clone the jobs: %s\n", strerror(-r));
                store_free(s);
                return 1;
        }
        fprintf(stderr, "storegen: %ld jobs (%ld through the store API, %ld clones) in %.1f s\n", n,
                real, n - real, (double)(realtime_us() - t0) / 1e6);
        store_free(s);
        return 0;
}
