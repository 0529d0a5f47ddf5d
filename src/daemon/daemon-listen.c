/* daemon-listen.c - see daemon-listen.h.
 *
 * The socket activation protocol is three environment variables
 * (sd_listen_fds(3)): LISTEN_PID must be our pid, LISTEN_FDS the count of fds
 * from 3 on.  Implemented here rather than linking libsystemd for it: a
 * dozen lines, and corral keeps running on hosts without systemd.
 */
#include "daemon-listen.h"
#include "cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_FDS_START 3

int daemon_listen_inherited(void)
{
        const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
        if (!pid || !fds)
                return -ENOENT;
        char *end;
        errno = 0;
        unsigned long p = strtoul(pid, &end, 10);
        if (errno || *end || (pid_t)p != getpid())
                return -ENOENT; /* meant for another process */
        unsigned long n = strtoul(fds, &end, 10);
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        if (*end || n != 1)
                return -EINVAL;
        int fd = LISTEN_FDS_START;
        int type = 0, listening = 0, domain = 0;
        socklen_t l = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
            getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) < 0 ||
            getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0)
                return -EINVAL;
        if (type != SOCK_STREAM || !listening || domain != AF_UNIX)
                return -EINVAL;
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                return NEG_ERRNO();
        return fd;
}

/* Is a daemon answering at path? */
static bool someone_listens(const char *path)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
        return fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
}

int daemon_listen_path(const char *path)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (!path || path[0] != '/' || strlen(path) >= sizeof(a.sun_path))
                return -EINVAL;
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);

        /* The directory: created when missing (as systemd's RuntimeDirectory would). */
        _cleanup_free_ char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return NEG_ERRNO();
                /* /run/corral may have been made 0700 by the uid pool: every user
                 * must reach the socket.  Only a directory of our own is opened up. */
                struct stat ds;
                if (lstat(dir, &ds) < 0)
                        return NEG_ERRNO();
                if (!S_ISDIR(ds.st_mode))
                        return -ENOTDIR;
                if ((ds.st_mode & 0011) != 0011 && ds.st_uid == geteuid() &&
                    chmod(dir, (ds.st_mode & 07777) | 0011) < 0)
                        return NEG_ERRNO();
        }

        struct stat st;
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return -EEXIST;
                if (someone_listens(path))
                        return -EADDRINUSE;
                if (unlink(path) < 0)
                        return NEG_ERRNO();
        }
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return NEG_ERRNO();
        /* Bind with a umask so the file never exists with looser bits, then open
         * it to all: access is decided per request, by SO_PEERCRED. */
        mode_t old = umask(0077);
        int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
        umask(old);
        if (r < 0)
                return NEG_ERRNO();
        if (chmod(path, 0666) < 0 || listen(fd, 128) < 0)
                return NEG_ERRNO();
        return TAKE_FD(fd);
}
