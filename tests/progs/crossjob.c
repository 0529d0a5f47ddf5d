/* crossjob: one job probing another across their sandboxes
 * (rootless/subid_jobs).  Two jobs share a directory DIR (--writable for
 * both).  What crosses a PID namespace is a file descriptor, so the victim
 * hands out its own handles to whoever connects, and the attacker tries what
 * the kernel then checks against the uids alone:
 *
 *   crossjob victim DIR   writes DIR/b-note (0644) and ./private (0600, in
 *                         its working directory), listens on DIR/victim.sock
 *                         (0666: anyone may connect), sends each client a
 *                         pidfd of itself and an fd of its /proc/self, and
 *                         exits once DIR/stop exists (or after 20 s).
 *   crossjob attack DIR FILE...
 *                         prints key=yes|no (or an errno name) per probe:
 *                         connect, signal (pidfd_send_signal 0), ptrace
 *                         (pidfd_getfd: the PTRACE_MODE_ATTACH check),
 *                         environ (read /proc/<victim>/environ), mem (open
 *                         /proc/<victim>/mem read-write), oom (open its
 *                         oom_score_adj for writing), fd_list (open its
 *                         /proc fd directory), write_note (append
 *                         to DIR/b-note), cgroup (append to its own
 *                         memory.limit_in_bytes), read:FILE / append:FILE
 *                         for each FILE; then waits like the victim.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void wait_stop(const char *dir)
{
        char stop[4096];
        snprintf(stop, sizeof(stop), "%s/stop", dir);
        for (int i = 0; i < 2000 && access(stop, F_OK) != 0; i++)
                usleep(10000);
}

static const char *res(int ok)
{
        static char buf[32];
        if (ok)
                return "yes";
        snprintf(buf, sizeof(buf), "%s",
                 errno == EACCES   ? "EACCES"
                 : errno == EPERM  ? "EPERM"
                 : errno == EROFS  ? "EROFS"
                 : errno == ENOENT ? "ENOENT"
                 : errno == EINVAL ? "EINVAL"
                 : errno == ESRCH  ? "ESRCH"
                                   : "no");
        return buf;
}

static int write_file(const char *path, mode_t mode, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        fchmod(fd, mode);
        close(fd);
        return n < 0 ? -1 : 0;
}

static int sock_addr(const char *dir, struct sockaddr_un *a)
{
        memset(a, 0, sizeof(*a));
        a->sun_family = AF_UNIX;
        int n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/victim.sock", dir);
        return n > 0 && (size_t)n < sizeof(a->sun_path) ? 0 : -1;
}

static int victim(const char *dir)
{
        char path[4096];
        snprintf(path, sizeof(path), "%s/b-note", dir);
        if (write_file(path, 0644, "note of job B\n") < 0 ||
            write_file("private", 0600, "private of job B\n") < 0) {
                perror("crossjob victim: write");
                return 1;
        }
        struct sockaddr_un a;
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || sock_addr(dir, &a) < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            chmod(a.sun_path, 0666) < 0 || listen(s, 4) < 0) {
                perror("crossjob victim: socket");
                return 1;
        }
        int fds[2] = {(int)syscall(SYS_pidfd_open, getpid(), 0),
                      open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
        if (fds[0] < 0 || fds[1] < 0) {
                perror("crossjob victim: handles");
                return 1;
        }
        snprintf(path, sizeof(path), "%s/victim.ready", dir);
        write_file(path, 0644, "");
        fcntl(s, F_SETFL, O_NONBLOCK);
        char stop[4096];
        snprintf(stop, sizeof(stop), "%s/stop", dir);
        for (int i = 0; i < 2000 && access(stop, F_OK) != 0; i++) {
                int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0) {
                        usleep(10000);
                        continue;
                }
                char byte = 'x';
                struct iovec iov = {.iov_base = &byte, .iov_len = 1};
                union {
                        char buf[CMSG_SPACE(sizeof(fds))];
                        struct cmsghdr align;
                } u;
                struct msghdr m = {.msg_iov = &iov,
                                   .msg_iovlen = 1,
                                   .msg_control = u.buf,
                                   .msg_controllen = sizeof(u.buf)};
                struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(fds));
                memcpy(CMSG_DATA(cm), fds, sizeof(fds));
                sendmsg(c, &m, 0);
                close(c);
        }
        return 0;
}

static int receive(const char *dir, int fds[2])
{
        struct sockaddr_un a;
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || sock_addr(dir, &a) < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
                return -1;
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(2 * sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = u.buf,
                           .msg_controllen = sizeof(u.buf)};
        if (recvmsg(s, &m, 0) != 1)
                return -1;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
                errno = EPROTO;
                return -1;
        }
        memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
        close(s);
        return 0;
}

static int can_read(int dirfd, const char *path)
{
        int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        char buf[64];
        ssize_t n = read(fd, buf, sizeof(buf));
        int e = errno;
        close(fd);
        errno = e;
        return n >= 0;
}

static int can_append(const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
                return 0;
        close(fd); /* opening for writing is the probe: nothing is written */
        return 1;
}

static int attack(const char *dir, int argc, char **argv)
{
        int fds[2];
        int got = receive(dir, fds) == 0;
        printf("connect=%s\n", res(got));
        if (got) {
                printf("signal=%s\n", res(syscall(SYS_pidfd_send_signal, fds[0], 0, NULL, 0) == 0));
                int stolen = (int)syscall(SYS_pidfd_getfd, fds[0], 0, 0);
                printf("ptrace=%s\n", res(stolen >= 0));
                printf("environ=%s\n", res(can_read(fds[1], "environ")));
                int mem = openat(fds[1], "mem", O_RDWR | O_CLOEXEC);
                printf("mem=%s\n", res(mem >= 0));
                /* Guarded by the file's owner alone (no ptrace check): the
                 * victim's OOM score (raising it makes the OOM killer pick it
                 * first) and the list of its open files. */
                int oom = openat(fds[1], "oom_score_adj", O_WRONLY | O_CLOEXEC);
                printf("oom=%s\n", res(oom >= 0));
                int fdl = openat(fds[1], "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                printf("fd_list=%s\n", res(fdl >= 0));
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/b-note", dir);
        printf("write_note=%s\n", res(can_append(path)));
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096], cg[4096] = "";
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "%*d:memory:%4000s", cg) == 1)
                        break;
        if (f)
                fclose(f);
        snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", cg);
        printf("cgroup=%s\n", res(can_append(path)));
        for (int i = 0; i < argc; i++) {
                printf("read:%s=%s\n", argv[i], res(can_read(AT_FDCWD, argv[i])));
                printf("append:%s=%s\n", argv[i], res(can_append(argv[i])));
        }
        fflush(stdout);
        snprintf(path, sizeof(path), "%s/attack.done", dir);
        write_file(path, 0644, "");
        wait_stop(dir);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc >= 3 && strcmp(argv[1], "victim") == 0)
                return victim(argv[2]);
        if (argc >= 3 && strcmp(argv[1], "attack") == 0)
                return attack(argv[2], argc - 3, argv + 3);
        fprintf(stderr, "usage: crossjob victim DIR | crossjob attack DIR FILE...\n");
        return 2;
}
