/* fileio.c - see fileio.h. */
#include "fileio.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        /* Room for max + 1 bytes at the most: reading the byte past max is how
         * a file longer than max is told from one of exactly max bytes. */
        size_t limit = max < SIZE_MAX / 2 ? max + 1 : SIZE_MAX / 2;
        size_t cap = limit < 4096 ? limit : 4096, len = 0;
        /* A regular file says its size: one too large is refused unread, and
         * the buffer is sized once (/proc and cgroupfs files say 0). */
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                if ((uint64_t)st.st_size > max)
                        return -EFBIG;
                cap = (size_t)st.st_size + 1; /* + 1: the read that sees the end */
        }
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap >= limit)
                                return -EFBIG;
                        cap = cap > limit / 2 ? limit : cap * 2;
                        char *nb = realloc(buf, cap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NEG_ERRNO();
        return read_full_fd(fd, max, ret, ret_len);
}

int open_regular_at(int dirfd, const char *name, struct stat *ret_st)
{
        /* O_NOFOLLOW|O_NONBLOCK: a job owns such files and could plant a
         * symlink to a secret or a FIFO that would block the reader forever. */
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ELOOP ? -EBADFD : NEG_ERRNO();
        struct stat st;
        int r = fstat(fd, &st) < 0 ? NEG_ERRNO() : S_ISREG(st.st_mode) ? 0 : -EBADFD;
        if (r < 0) {
                close(fd);
                return r;
        }
        if (ret_st)
                *ret_st = st;
        return fd;
}

int open_regular_for_write_at(int dirfd, const char *name, struct stat *ret_st)
{
        int fd = openat(dirfd, name,
                        O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0644);
        /* ELOOP: a symlink; ENXIO: a FIFO without reader, or a socket. */
        if (fd < 0)
                return errno == ELOOP || errno == ENXIO ? -EBADFD : NEG_ERRNO();
        struct stat st;
        int r = fstat(fd, &st) < 0                         ? NEG_ERRNO()
                : !S_ISREG(st.st_mode) || st.st_nlink != 1 ? -EBADFD
                                                           : 0;
        if (r < 0) {
                close(fd);
                return r;
        }
        if (ret_st)
                *ret_st = st;
        return fd;
}

int rewrite_fd(int fd, const void *data, size_t len)
{
        if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                return NEG_ERRNO();
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
        while (*s == ' ' || *s == '\t')
                s++;
        if (strncmp(s, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -errno;
        if (*end && *end != '\n' && *end != ' ')
                return -EINVAL;
        *ret = v;
        return 0;
}

int read_u64_at(int dirfd, const char *path, uint64_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        int r = read_file_at(dirfd, path, 4096, &buf, NULL);
        if (r < 0)
                return r;
        return parse_u64(buf, ret);
}

int read_keyed_u64_at(int dirfd, const char *path, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        int r = read_file_at(dirfd, path, 1 << 20, &buf, NULL);
        if (r < 0)
                return r;
        size_t klen = strlen(key);
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
                        return parse_u64(line + klen + 1, ret);
                line = next;
        }
        return -ENOENT;
}

int mkdir_p(const char *path, mode_t mode)
{
        if (strlen(path) >= PATH_MAX)
                return -ENAMETOOLONG;
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return NEG_ERRNO();
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return NEG_ERRNO();
        return 0;
}

int write_string_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NEG_ERRNO();
        size_t len = strlen(s);
        ssize_t n = write(fd, s, len);
        if (n < 0)
                return NEG_ERRNO();
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, int mode)
{
        return write_file_replace_at(dirfd, name, data, len, mode,
                                     WRITE_SYNC_FILE | WRITE_SYNC_DIR);
}

/* WRITE_REUSE's spare beside name. */
static int spare_name(const char *name, char *buf, size_t len)
{
        return snprintf(buf, len, ".%s.next", name);
}

int write_file_replace_at(int dirfd, const char *name, const void *data, size_t len, int mode,
                          unsigned flags)
{
        bool reuse = flags & WRITE_REUSE;
        char tmp[256];
        int tmplen;
        if (reuse)
                tmplen = spare_name(name, tmp, sizeof(tmp));
        else {
                uint64_t rnd;
                if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return NEG_ERRNO();
                tmplen = snprintf(tmp, sizeof(tmp), ".%s.%016" PRIx64 ".tmp", name, rnd);
        }
        if (tmplen >= (int)sizeof(tmp))
                return -ENAMETOOLONG;

        int fd =
            openat(dirfd, tmp,
                   O_WRONLY | O_CREAT | (reuse ? O_NOFOLLOW : O_EXCL) | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return NEG_ERRNO();

        int r = 0;
        if (reuse && ftruncate(fd, 0) < 0)
                r = NEG_ERRNO();
        const char *p = data;
        size_t left = len;
        while (r == 0 && left > 0) {
                ssize_t n = write(fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = NEG_ERRNO();
                        break;
                }
                p += n;
                left -= (size_t)n;
        }
        if (r == 0 && (flags & WRITE_SYNC_FILE) && fsync(fd) < 0)
                r = NEG_ERRNO();
        if (close(fd) < 0 && r == 0)
                r = NEG_ERRNO();
        if (r == 0 && reuse) {
                /* The first write has nothing to trade places with (ENOENT);
                 * a file system without the exchange says EINVAL. */
                if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) < 0 &&
                    ((errno != ENOENT && errno != EINVAL) || renameat(dirfd, tmp, dirfd, name) < 0))
                        r = NEG_ERRNO();
        } else if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = NEG_ERRNO();
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (!(flags & WRITE_SYNC_DIR))
                return 0;
        /* The rename is durable only once the directory entry is. */
        if (dirfd == AT_FDCWD)
                dirfd = -1;
        _cleanup_close_ int dfd = dirfd >= 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 3)
                                             : open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0 && fsync(dfd) < 0)
                return NEG_ERRNO();
        return 0;
}

void write_file_reuse_done(int dirfd, const char *name)
{
        char spare[256];
        if (spare_name(name, spare, sizeof(spare)) < (int)sizeof(spare))
                (void)unlinkat(dirfd, spare, 0);
}

int opendir_fd(int dirfd, DIR **ret)
{
        int dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return NEG_ERRNO();
        DIR *d = fdopendir(dfd);
        if (!d) {
                int r = NEG_ERRNO();
                close(dfd);
                return r;
        }
        /* The duplicate shares the offset of an fd walked before. */
        rewinddir(d);
        *ret = d;
        return 0;
}
