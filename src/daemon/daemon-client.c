/* daemon-client.c - see daemon-client.h. */
#include "daemon-client.h"
#include "cleanup.h"
#include "daemon-proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

/* Could this process create corral's cgroups itself?  Write access to the
 * hierarchy where corral's parent group lives (v1 memory, else v2's root). */
static bool can_create_cgroups(void)
{
        struct stat st;
        if (stat("/sys/fs/cgroup/memory", &st) == 0)
                return access("/sys/fs/cgroup/memory", W_OK) == 0;
        return access("/sys/fs/cgroup", W_OK) == 0;
}

const char *daemon_client_socket(const struct corral_options *o)
{
        if (o->socket && *o->socket)
                return o->socket;
        const char *e = getenv("CORRAL_SOCKET");
        if (e && *e)
                return e;
        struct stat st;
        if (geteuid() != 0 && !can_create_cgroups() && stat(DAEMON_SOCKET_PATH, &st) == 0 &&
            S_ISSOCK(st.st_mode))
                return DAEMON_SOCKET_PATH;
        return NULL;
}

static int send_all(int fd, const void *buf, size_t len, int *fds, size_t n_fds)
{
        const uint8_t *p = buf;
        union {
                char buf[CMSG_SPACE(sizeof(int) * DAEMON_REQUEST_FDS)];
                struct cmsghdr align;
        } ctrl;
        while (len > 0) {
                struct iovec iov = {(void *)p, len};
                struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
                if (n_fds) {
                        memset(&ctrl, 0, sizeof(ctrl));
                        m.msg_control = ctrl.buf;
                        m.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
                        cm->cmsg_level = SOL_SOCKET;
                        cm->cmsg_type = SCM_RIGHTS;
                        cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                        memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
                }
                ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                n_fds = 0; /* the fds travel with the first bytes only */
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int recv_all(int fd, void *buf, size_t len)
{
        uint8_t *p = buf;
        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return NEG_ERRNO();
                if (n == 0)
                        return -ECONNRESET;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* LANG, LC_*, TZ, TERM: what a job's environment takes from corral's. */
static char **forwarded_env(void)
{
        size_t n = 0;
        char **v = calloc(DAEMON_ENV_MAX + 1, sizeof(char *));
        for (char **e = environ; v && e && *e && n < DAEMON_ENV_MAX; e++)
                if (daemon_env_allowed(*e))
                        v[n++] = *e;
        return v;
}

int daemon_client_call(const char *path, char *const *argv, const char *tenant, int *ret_exit,
                       char **ret_error)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(a.sun_path))
                return -ENAMETOOLONG;
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);

        _cleanup_free_ char **env = forwarded_env();
        _cleanup_free_ char *payload = NULL;
        size_t len;
        int r = daemon_request_format(argv, env, tenant, &payload, &len);
        if (r < 0)
                return r;

        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cwd < 0)
                return NEG_ERRNO();
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return NEG_ERRNO();
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
                return NEG_ERRNO();

        uint8_t hdr[DAEMON_HEADER_SIZE];
        daemon_header_format(hdr, (uint32_t)len);
        /* A closed stdio fd cannot travel: /dev/null stands in, as for a daemon. */
        _cleanup_close_ int null = -EBADF;
        int fds[DAEMON_REQUEST_FDS] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, cwd};
        for (int i = 0; i < 3; i++)
                if (fcntl(i, F_GETFD) < 0) {
                        if (null < 0 && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
                                return NEG_ERRNO();
                        fds[i] = null;
                }
        if ((r = send_all(fd, hdr, sizeof(hdr), fds, DAEMON_REQUEST_FDS)) < 0 ||
            (r = send_all(fd, payload, len, NULL, 0)) < 0)
                return r == -EPIPE ? -ECONNRESET : r;

        /* The command runs now, its output going straight to our fds; we wait. */
        uint8_t rhdr[DAEMON_HEADER_SIZE];
        uint32_t rlen;
        if ((r = recv_all(fd, rhdr, sizeof(rhdr))) < 0)
                return r;
        if (daemon_header_parse(rhdr, &rlen) < 0)
                return -EBADMSG;
        _cleanup_free_ char *reply = malloc(rlen);
        if (!reply)
                return -ENOMEM;
        if ((r = recv_all(fd, reply, rlen)) < 0)
                return r;
        return daemon_reply_parse(reply, rlen, ret_exit, ret_error);
}
