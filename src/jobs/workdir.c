/* workdir.c - see workdir.h. */
#include "workdir.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees keep their deepest files' owners; work/ itself is already
 * 0700 corral's, so no uid can walk down to them. */
#define RECLAIM_MAX_DEPTH 64

static int reclaim_tree(int dfd, uid_t uid, gid_t gid, int depth)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                int r = NEG_ERRNO();
                close(dfd);
                return r;
        }
        int first_err = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                /* The job is gone: nothing renames under us, and no link is
                 * followed (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW). */
                if (fchownat(dirfd(d), de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
                    first_err == 0)
                        first_err = NEG_ERRNO();
                if (de->d_type != DT_DIR || depth >= RECLAIM_MAX_DEPTH)
                        continue;
                int sub =
                    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        continue;
                int r = reclaim_tree(sub, uid, gid, depth + 1);
                if (r < 0 && first_err == 0)
                        first_err = r;
        }
        return first_err;
}

int workdir_reclaim(int job_dirfd)
{
        int fd = openat(job_dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : NEG_ERRNO();
        uid_t uid = geteuid();
        gid_t gid = getegid();
        /* The top first: from here on no job uid can enter, whatever follows. */
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0) {
                int r = NEG_ERRNO();
                close(fd);
                return r;
        }
        return reclaim_tree(fd, uid, gid, 0);
}
