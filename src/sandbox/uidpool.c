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

/* Where to start probing: the uid the last acquirer took.  Jobs mostly end
 * in the order they started, so the ids just after it are the likeliest
 * free, and with 999 long jobs holding the ids below it the search is one
 * or two locks, not 1,000 (about 4 ms here, on every job's way to running).
 * Only a hint, in a file beside the locks: the flocks decide, and a torn,
 * missing or foreign value starts at first. */
#define HINT_FILE "hint"

static unsigned hint_read(int dfd, uid_t first, unsigned count)
{
        char buf[16] = "";
        _cleanup_close_ int fd = openat(dfd, HINT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        unsigned long v;
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0 || sscanf(buf, "%lu", &v) != 1 ||
            v < first || v - first >= count)
                return 0;
        return (unsigned)(v - first);
}

static void hint_write(int dfd, uid_t uid)
{
        char buf[16];
        int n = snprintf(buf, sizeof(buf), "%u\n", (unsigned)uid);
        _cleanup_close_ int fd =
            openat(dfd, HINT_FILE, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        /* One write at offset 0; the newline ends the number, so the tail of a
         * longer old value after it does not matter.  A failed write only
         * costs the next caller a longer search. */
        ssize_t w = fd >= 0 ? pwrite(fd, buf, (size_t)n, 0) : -1;
        (void)w;
}

int uidpool_acquire(const char *lockdir, uid_t first, unsigned count, uid_t *ret_uid,
                    int *ret_lockfd)
{
        int r = mkdir_p(lockdir, 0700);
        if (r < 0)
                return r;
        _cleanup_close_ int dfd = open(lockdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NEG_ERRNO();
        unsigned start = count > 1 ? hint_read(dfd, first, count) : 0;
        for (unsigned k = 0; k < count; k++) {
                unsigned i = (start + k) % count;
                char name[32];
                snprintf(name, sizeof(name), "%u.lock", (unsigned)(first + i));
                int fd = openat(dfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return NEG_ERRNO();
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        if (count > 1 && i != start)
                                hint_write(dfd, first + i);
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
