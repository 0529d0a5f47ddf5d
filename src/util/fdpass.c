/* fdpass.c - see fdpass.h. */
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int fdpass_send(int sock, char tag, const int *fds, size_t n)
{
        if (n == 0 || n > FDPASS_MAX)
                return -EINVAL;
        union {
                char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
                struct cmsghdr align;
        } c;
        memset(&c, 0, sizeof(c));
        struct iovec iov = {.iov_base = &tag, .iov_len = 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = c.buf,
                             .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
        ssize_t k;
        do
                k = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (k < 0 && errno == EINTR);
        return k < 0 ? -errno : 0;
}

int fdpass_recv(int sock, char *ret_tag, int *fds, size_t max)
{
        union {
                char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
                struct cmsghdr align;
        } c;
        memset(&c, 0, sizeof(c));
        struct iovec iov = {.iov_base = ret_tag, .iov_len = 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = c.buf,
                             .msg_controllen = sizeof(c.buf)};
        ssize_t k;
        do
                k = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (k < 0 && errno == EINTR);
        if (k <= 0)
                return k < 0 ? -errno : -ECONNRESET;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
            cm->cmsg_len < CMSG_LEN(sizeof(int)))
                return -EPROTO;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int got[FDPASS_MAX];
        memcpy(got, CMSG_DATA(cm), sizeof(int) * n);
        if (n > max || (msg.msg_flags & MSG_CTRUNC)) {
                for (size_t i = 0; i < n; i++)
                        close(got[i]);
                return -EPROTO;
        }
        memcpy(fds, got, sizeof(int) * n);
        return (int)n;
}
