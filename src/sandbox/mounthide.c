/* mounthide.c - see mounthide.h.
 *
 * Order, for each hidden directory H:
 *  1. every kept path below H: fd = open_tree(path, OPEN_TREE_CLONE |
 *     AT_RECURSIVE), a detached copy of the mount tree there (taken before
 *     H is covered, or it could no longer be reached);
 *  2. an empty tmpfs on H;
 *  3. each kept path's directories created in the tmpfs, and the copy moved
 *     there (move_mount);
 *  4. the tmpfs itself made read-only (not recursively: the copies keep
 *     their own flags, and mountns.c makes the work directory and
 *     --writable paths writable afterwards).
 */
#include "mounthide.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#define MAX_KEPT 32

static bool below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* Creates path's directories (path itself a directory, or an empty file when
 * is_dir is false); async-signal-safe. */
static int make_mount_point(const char *path, bool is_dir)
{
        char buf[4096];
        size_t n = strlen(path);
        if (n >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (size_t i = 1; i < n; i++)
                if (buf[i] == '/') {
                        buf[i] = 0;
                        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        buf[i] = '/';
                }
        if (is_dir)
                return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
        int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return errno == EEXIST ? 0 : -errno;
        close(fd);
        return 0;
}

struct kept {
        const char *path;
        int fd;
        bool is_dir;
};

static int collect(const char *hidden, const char *path, struct kept *k, size_t *n)
{
        if (!path || !below(path, hidden) || strcmp(path, hidden) == 0)
                return 0;
        if (*n == MAX_KEPT)
                return -E2BIG;
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (fd < 0)
                return -errno;
        k[(*n)++] = (struct kept){.path = path, .fd = fd, .is_dir = S_ISDIR(st.st_mode)};
        return 0;
}

static int hide_one(const char *hidden, const char *workdir, const char *const *keep_a,
                    const char *const *keep_b)
{
        struct kept k[MAX_KEPT];
        size_t n = 0;
        int r = collect(hidden, workdir, k, &n);
        for (const char *const *p = keep_a; r >= 0 && p && *p; p++)
                r = collect(hidden, *p, k, &n);
        for (const char *const *p = keep_b; r >= 0 && p && *p; p++)
                r = collect(hidden, *p, k, &n);
        if (r >= 0 &&
            mount("tmpfs", hidden, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
                r = -errno;
        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = make_mount_point(k[i].path, k[i].is_dir);
                if (r >= 0 && syscall(SYS_move_mount, k[i].fd, "", AT_FDCWD, k[i].path,
                                      MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        r = -errno;
                close(k[i].fd);
        }
        if (r < 0)
                return r;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        if (syscall(SYS_mount_setattr, AT_FDCWD, hidden, 0, &attr, sizeof(attr)) < 0)
                return -errno;
        return 0;
}

int mounthide_apply(const char *const *hide, const char *workdir, const char *const *keep_a,
                    const char *const *keep_b)
{
        for (const char *const *h = hide; h && *h; h++) {
                /* The work directory itself, or a directory inside it, is
                 * the job's own: nothing to hide. */
                if (workdir && below(*h, workdir))
                        continue;
                if (access(*h, F_OK) < 0)
                        continue;
                int r = hide_one(*h, workdir, keep_a, keep_b);
                if (r < 0)
                        return r;
        }
        return 0;
}
