/* caller.c - see caller.h. */
#include "caller.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <unistd.h>

static bool caller_ids(uid_t *uid, gid_t *gid)
{
        const char *u = getenv("CORRAL_CALLER_UID"), *g = getenv("CORRAL_CALLER_GID");
        if (!u || !g)
                return false;
        char *end;
        errno = 0;
        unsigned long a = strtoul(u, &end, 10);
        if (errno || *end || end == u)
                return false;
        unsigned long b = strtoul(g, &end, 10);
        if (errno || *end || end == g)
                return false;
        *uid = (uid_t)a;
        *gid = (gid_t)b;
        return true;
}

int read_file_as_caller(const char *path, size_t max, char **ret, size_t *ret_len)
{
        uid_t uid;
        gid_t gid;
        if (!caller_ids(&uid, &gid) || geteuid() != 0)
                return read_file(path, max, ret, ret_len);

        /* Only the open is done as the caller; reading an fd needs no further check. */
        int ngroups = getgroups(0, NULL);
        if (ngroups < 0)
                return NEG_ERRNO();
        _cleanup_free_ gid_t *groups = calloc((size_t)ngroups + 1, sizeof(gid_t));
        if (!groups || getgroups(ngroups, groups) < 0)
                return groups ? NEG_ERRNO() : -ENOMEM;
        if (setgroups(0, NULL) < 0)
                return NEG_ERRNO();
        setfsgid(gid);
        setfsuid(uid);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int r = fd < 0 ? NEG_ERRNO() : 0;
        setfsuid(0);
        setfsgid(0);
        if (setgroups((size_t)ngroups, groups) < 0 && r == 0)
                r = NEG_ERRNO();
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                return r;
        }
        _cleanup_close_ int opened = fd;
        return read_full_fd(opened, max, ret, ret_len);
}
