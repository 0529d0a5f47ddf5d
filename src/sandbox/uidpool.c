/* uidpool.c - see uidpool.h. */
#include "uidpool.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int uidpool_acquire(const char *lockdir, uid_t first, unsigned count, uid_t *ret_uid,
                    int *ret_lockfd)
{
        int r = mkdir_p(lockdir, 0700);
        if (r < 0)
                return r;
        _cleanup_close_ int dfd = open(lockdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NEG_ERRNO();
        for (unsigned i = 0; i < count; i++) {
                char name[32];
                snprintf(name, sizeof(name), "%u.lock", (unsigned)(first + i));
                int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return NEG_ERRNO();
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        *ret_uid = first + i;
                        *ret_lockfd = fd;
                        return 0;
                }
                int e = errno;
                close(fd);
                if (e != EWOULDBLOCK)
                        return -e;
        }
        return -EAGAIN;
}

int uidpool_acquire_default(uid_t *ret_uid, int *ret_lockfd)
{
        return uidpool_acquire(UIDPOOL_DEFAULT_DIR, UIDPOOL_DEFAULT_FIRST, UIDPOOL_DEFAULT_COUNT,
                               ret_uid, ret_lockfd);
}

void uidpool_default_range(char *buf, size_t len)
{
        snprintf(buf, len, "%u-%u", UIDPOOL_DEFAULT_FIRST,
                 UIDPOOL_DEFAULT_FIRST + UIDPOOL_DEFAULT_COUNT - 1);
}
