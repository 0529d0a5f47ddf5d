/* resultgate WORKDIR JOBDIR: holds every open of WORKDIR/results.json (a
 * fanotify permission event) while it looks at what a reader of the store
 * would see at that instant: the status in JOBDIR/job.json and whether
 * JOBDIR/results.json exists.  Prints one line per open,
 *     opener=COMM record=STATUS result=present|absent
 * then lets the open go on.  It creates WORKDIR/go once the mark is in place
 * (the job waits for it), and exits 0 a second after job.json turned
 * terminal, 1 on error or after 60 s.  Not a job: the integration tests run it beside one
 * (root only: fanotify permission events need CAP_SYS_ADMIN).  If it dies,
 * the kernel allows every pending open. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The status field of a job.json, or "none"; "terminal" tells whether the
 * job has ended (anything but queued or running). */
static void record_status(const char *jobdir, char *status, size_t size)
{
        char path[PATH_MAX], buf[16384];
        snprintf(status, size, "none");
        snprintf(path, sizeof(path), "%s/job.json", jobdir);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return;
        buf[n] = '\0';
        const char *p = strstr(buf, "\"status\":");
        if (!p || !(p = strchr(p + 9, '"')))
                return;
        const char *e = strchr(++p, '"');
        if (e && (size_t)(e - p) < size)
                snprintf(status, size, "%.*s", (int)(e - p), p);
}

static bool is_terminal(const char *status)
{
        return strcmp(status, "none") != 0 && strcmp(status, "queued") != 0 &&
               strcmp(status, "running") != 0;
}

static void report(const struct fanotify_event_metadata *m, const char *jobdir)
{
        char link[64], path[PATH_MAX], comm[64] = "?", status[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
        ssize_t n = readlink(link, path, sizeof(path) - 1);
        if (n < 0)
                return;
        path[n] = '\0';
        const char *base = strrchr(path, '/');
        if (!base || strcmp(base + 1, "results.json") != 0)
                return;
        snprintf(link, sizeof(link), "/proc/%d/comm", (int)m->pid);
        FILE *f = fopen(link, "re");
        if (f) {
                if (fgets(comm, sizeof(comm), f))
                        comm[strcspn(comm, "\n")] = '\0';
                fclose(f);
        }
        record_status(jobdir, status, sizeof(status));
        char result[PATH_MAX];
        snprintf(result, sizeof(result), "%s/results.json", jobdir);
        printf("opener=%s record=%s result=%s\n", comm, status,
               access(result, F_OK) == 0 ? "present" : "absent");
        fflush(stdout);
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: resultgate WORKDIR JOBDIR\n");
                return 2;
        }
        int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
        if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD,
                                     AT_FDCWD, argv[1]) < 0) {
                fprintf(stderr, "resultgate: fanotify on %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        char go[PATH_MAX];
        snprintf(go, sizeof(go), "%s/go", argv[1]);
        /* mknod, not open: an open here would wait for our own answer. */
        if (mknod(go, S_IFREG | 0644, 0) < 0) {
                fprintf(stderr, "resultgate: %s: %s\n", go, strerror(errno));
                return 1;
        }
        time_t deadline = time(NULL) + 60;
        int quiet_after_end = 0;
        while (time(NULL) < deadline) {
                struct pollfd pfd = {.fd = fan, .events = POLLIN};
                if (poll(&pfd, 1, 100) <= 0) {
                        /* Done once the record is terminal and no open came
                         * for a second: the supervisor's last one is over. */
                        char status[64];
                        record_status(argv[2], status, sizeof(status));
                        if (is_terminal(status) && ++quiet_after_end >= 10)
                                return 0;
                        continue;
                }
                char buf[8192]
                    __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
                ssize_t len = read(fan, buf, sizeof(buf));
                if (len <= 0)
                        continue;
                const struct fanotify_event_metadata *m = (const void *)buf;
                for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
                        if (m->fd < 0)
                                continue;
                        if (m->mask & FAN_OPEN_PERM)
                                report(m, argv[2]);
                        struct fanotify_response resp = {.fd = m->fd, .response = FAN_ALLOW};
                        if (write(fan, &resp, sizeof(resp)) < 0)
                                fprintf(stderr, "resultgate: response: %s\n", strerror(errno));
                        close(m->fd);
                }
        }
        fprintf(stderr, "resultgate: the job did not end within 60 s\n");
        return 1;
}
