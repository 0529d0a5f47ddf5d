/* mcplat: the protocol latency measurement's client.
 *
 *   mcplat [-n RUNS] [-w WARMUPS] [-i GAP_US] [-t TOOL -a ARGS_JSON] -- COMMAND [ARG...]
 *
 * Starts COMMAND (`corral serve ...`) with its stdin and stdout on pipes and
 * sends `initialize` at once: "init NS" is the time from posix_spawn to the
 * complete reply line, i.e. process start, dynamic linking, corral's start-up
 * (store recovery included) and the handshake.  Then, after
 * notifications/initialized, it sends WARMUPS unmeasured and RUNS measured
 * requests one at a time and prints "rtt NS" for each: `ping` by default, or
 * tools/call of TOOL with ARGS_JSON (e.g. job_status).  Lines that are not
 * the awaited response (notifications) are skipped.  -i sleeps GAP_US
 * between requests, as a client polling a job does: each request then finds
 * the server asleep in epoll_wait and measures its wake-up too.  It then closes the
 * server's stdin and reaps it (corral exits on EOF).  Written in C so the
 * client adds microseconds, not the tens of microseconds of a Python loop. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A line reader over a blocking fd. */
static char rbuf[1 << 16];
static size_t rlen;

static char *read_line(int fd)
{
        static char *line;
        static size_t cap;
        size_t n = 0;
        for (;;) {
                char *nl = memchr(rbuf, '\n', rlen);
                size_t take = nl ? (size_t)(nl - rbuf) + 1 : rlen;
                if (n + take + 1 > cap) {
                        cap = (n + take + 1) * 2;
                        line = realloc(line, cap);
                        if (!line)
                                return NULL;
                }
                memcpy(line + n, rbuf, take);
                n += take;
                memmove(rbuf, rbuf + take, rlen - take);
                rlen -= take;
                if (nl) {
                        line[n] = 0;
                        return line;
                }
                ssize_t r = read(fd, rbuf, sizeof(rbuf));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return NULL;
                rlen = (size_t)r;
        }
}

static int send_line(int fd, const char *s)
{
        size_t n = strlen(s);
        while (n > 0) {
                ssize_t w = write(fd, s, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                s += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Sends request id and waits for its response; 0 or -1 (EOF, error reply). */
static int round_trip(int in, int out, long id, const char *tool, const char *args)
{
        char req[8192], want[64];
        if (tool)
                snprintf(req, sizeof(req),
                         "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"%s\",\"arguments\":%s}}\n",
                         id, tool, args);
        else
                snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"ping\"}\n",
                         id);
        snprintf(want, sizeof(want), "\"id\":%ld", id);
        if (send_line(in, req) < 0)
                return -1;
        for (;;) {
                char *l = read_line(out);
                if (!l)
                        return -1;
                const char *m = strstr(l, want);
                if (m && (m[strlen(want)] < '0' || m[strlen(want)] > '9')) {
                        if (strstr(l, "\"error\":")) {
                                fprintf(stderr, "mcplat: error reply: %s", l);
                                return -1;
                        }
                        return 0;
                }
        }
}

int main(int argc, char **argv)
{
        long runs = 1000, warmups = 50, gap_us = 0;
        const char *tool = NULL, *args = "{}";
        int opt;
        while ((opt = getopt(argc, argv, "+n:w:i:t:a:")) != -1) {
                switch (opt) {
                case 'n':
                        runs = strtol(optarg, NULL, 10);
                        break;
                case 'w':
                        warmups = strtol(optarg, NULL, 10);
                        break;
                case 'i':
                        gap_us = strtol(optarg, NULL, 10);
                        break;
                case 't':
                        tool = optarg;
                        break;
                case 'a':
                        args = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (optind >= argc || runs < 0 || warmups < 0) {
                fprintf(stderr,
                        "usage: mcplat [-n RUNS] [-w WARMUPS] [-t TOOL -a ARGS] -- COMMAND...\n");
                return 2;
        }
        int to[2], from[2];
        if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
                return 1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, to[0], 0);
        posix_spawn_file_actions_adddup2(&fa, from[1], 1);
        long long t0 = now_ns();
        pid_t pid;
        int r = posix_spawn(&pid, argv[optind], &fa, NULL, argv + optind, environ);
        if (r != 0) {
                fprintf(stderr, "mcplat: Failed to spawn '%s': %s\n", argv[optind], strerror(r));
                return 1;
        }
        close(to[0]);
        close(from[1]);
        int in = to[1], out = from[0];
        const char *init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                           "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                           "\"clientInfo\":{\"name\":\"mcplat\",\"version\":\"1\"}}}\n";
        int status = 1;
        if (send_line(in, init) < 0)
                goto out;
        char *l = read_line(out);
        if (!l || !strstr(l, "\"result\"")) {
                fprintf(stderr, "mcplat: no initialize result: %s\n", l ? l : "(EOF)");
                goto out;
        }
        printf("init %lld\n", now_ns() - t0);
        printf("pid %d\n", (int)pid);
        fflush(stdout);
        if (send_line(in, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n") < 0)
                goto out;
        long id = 1;
        for (long i = 0; i < warmups; i++)
                if (round_trip(in, out, id++, tool, args) < 0)
                        goto out;
        long long *t = calloc((size_t)runs + 1, sizeof(*t));
        if (!t)
                goto out;
        for (long i = 0; i < runs; i++) {
                if (gap_us > 0)
                        usleep((useconds_t)gap_us);
                long long a = now_ns();
                if (round_trip(in, out, id++, tool, args) < 0) {
                        free(t);
                        goto out;
                }
                t[i] = now_ns() - a;
        }
        for (long i = 0; i < runs; i++)
                printf("rtt %lld\n", t[i]);
        free(t);
        status = 0;
out:
        close(in);
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        close(out);
        return status;
}
