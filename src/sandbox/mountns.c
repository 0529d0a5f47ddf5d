/* mountns.c - see mountns.h.
 *
 * Order matters:
 *  1. unshare(CLONE_NEWNS) and make every mount private, so nothing we do
 *     propagates back to the host (and host mounts stop propagating in).
 *  2. Every mount read-only at once: mount_setattr(AT_RECURSIVE, RDONLY) on /.
 *  3. Fresh tmpfs on /tmp and /dev/shm, unless the working directory lies
 *     below one of them (it would be hidden; the job then sees that tree
 *     read-only but for its working directory).
 *  4. The working directory and the extra paths: bind each onto itself, then
 *     remount that bind read-write.
 */
#include "mountns.h"
#include "mounthide.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

static bool below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static int make_writable(const char *path)
{
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -errno;
        if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, NULL) < 0)
                return -errno;
        return 0;
}

static int fresh_tmpfs(const char *dir, const char *size)
{
        /* "mode=1777,size=" + size: built without snprintf (async-signal-safe). */
        char opts[96] = "mode=1777,size=";
        size_t n = strlen(opts);
        for (const char *p = size; *p && n < sizeof(opts) - 1; p++)
                opts[n++] = *p;
        opts[n] = 0;
        if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
                return -errno;
        return 0;
}

int mountns_apply(const struct mountns_spec *m)
{
        if (m->network_off && unshare(CLONE_NEWNET) < 0)
                return -errno;
        if (!m->enabled)
                return 0;
        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;

        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -errno;

        const char *size = m->tmp_size ? m->tmp_size : "64m";
        static const char *const private_dirs[] = {"/tmp", "/dev/shm"};
        for (size_t i = 0; i < sizeof(private_dirs) / sizeof(private_dirs[0]); i++) {
                if (m->workdir && below(m->workdir, private_dirs[i]))
                        continue;
                if (access(private_dirs[i], F_OK) < 0)
                        continue;
                int r = fresh_tmpfs(private_dirs[i], size);
                if (r < 0)
                        return r;
        }
        /* Before the work directory is made writable: it may lie below a
         * hidden directory and is carried over to its place on top of it. */
        int hr = mounthide_apply(m->hide, m->workdir, m->writable, m->expose);
        if (hr < 0)
                return hr;
        if (m->workdir) {
                int r = make_writable(m->workdir);
                if (r < 0)
                        return r;
        }
        for (const char *const *p = m->writable; p && *p; p++) {
                int r = make_writable(*p);
                if (r < 0)
                        return r;
        }
        return 0;
}
