/* outwrite: the output measurement's writer, and the load generator.
 *
 *   outwrite BYTES        writes BYTES to stdout in 64 KiB writes, then prints
 *                         "BYTES NANOSECONDS" on stderr (first write to last)
 *   outwrite --flood SEC  writes to stdout flat out for SEC seconds; when
 *                         stdout is a regular file it is truncated every
 *                         64 MiB, so a log under load stays small on disk
 *
 * The same program runs under corral (stdout is the job's stdout.log) and
 * directly (stdout redirected to a file), so the two figures differ only in
 * what corral put between the job and its log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK          (64u * 1024u)
#define TRUNCATE_EVERY (64ull * 1024u * 1024u)

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_all(const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t w = write(1, buf, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += w;
                n -= (size_t)w;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static char buf[CHUNK];
        memset(buf, 'x', sizeof(buf));
        for (size_t i = 79; i < sizeof(buf); i += 80)
                buf[i] = '\n';
        if (argc == 3 && strcmp(argv[1], "--flood") == 0) {
                long long end = now_ns() + (long long)(atof(argv[2]) * 1e9);
                struct stat st;
                int regular = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
                unsigned long long since = 0;
                while (now_ns() < end) {
                        if (write_all(buf, sizeof(buf)) < 0)
                                return 1;
                        since += sizeof(buf);
                        if (regular && since >= TRUNCATE_EVERY) {
                                if (ftruncate(1, 0) < 0)
                                        return 1;
                                since = 0;
                        }
                }
                return 0;
        }
        if (argc != 2) {
                fprintf(stderr, "usage: outwrite BYTES | outwrite --flood SECONDS\n");
                return 2;
        }
        unsigned long long total = strtoull(argv[1], NULL, 10), done = 0;
        long long t0 = now_ns();
        while (done < total) {
                size_t n = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
                int r = write_all(buf, n);
                if (r < 0) {
                        fprintf(stderr, "outwrite: write: %s\n", strerror(-r));
                        return 1;
                }
                done += n;
        }
        long long t1 = now_ns();
        fprintf(stderr, "%llu %lld\n", done, t1 - t0);
        return 0;
}
