/* mountns.c - see mountns.h.
 *
 * Order matters:
 *  0. A UTS namespace with a neutral hostname; the network namespace.
 *  1. unshare(CLONE_NEWNS) and make every mount private, so nothing we do
 *     propagates back to the host (and host mounts stop propagating in).
 *     With --mounts minimal, a new root holding only what mountns.h lists
 *     (build_minimal_root) replaces the host's tree before step 2.
 *  2. Every mount read-only at once: mount_setattr(AT_RECURSIVE, RDONLY) on /.
 *  3. Fresh tmpfs on /tmp and /dev/shm, unless the working directory lies
 *     below one of them (it would be hidden; the job then sees that tree
 *     read-only but for its working directory).
 *  4. The working directory and the extra paths: bind each onto itself, then
 *     remount that bind read-write.
 */
#include "mountns.h"
#include "mounthide.h"
#include "netproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

/* Appends src to buf (of size len) at *n; async-signal-safe. */
static void put(char *buf, size_t len, size_t *n, const char *src)
{
        for (; *src && *n < len - 1; src++)
                buf[(*n)++] = *src;
        buf[*n] = 0;
}

static void put_u64(char *buf, size_t len, size_t *n, uint64_t v)
{
        char d[24];
        size_t k = 0;
        do
                d[k++] = (char)('0' + v % 10);
        while ((v /= 10) && k < sizeof(d));
        while (k && *n < len - 1)
                buf[(*n)++] = d[--k];
        buf[*n] = 0;
}

static int fresh_tmpfs(const char *dir, uint64_t bytes, bool noexec)
{
        /* "mode=1777,size=N,nr_inodes=M": built without snprintf (async-signal-safe). */
        char opts[96];
        size_t n = 0;
        opts[0] = 0;
        put(opts, sizeof(opts), &n, "mode=1777,size=");
        put_u64(opts, sizeof(opts), &n, bytes);
        put(opts, sizeof(opts), &n, ",nr_inodes=");
        put_u64(opts, sizeof(opts), &n, bytes / MOUNTNS_BYTES_PER_INODE + 1);
        unsigned long flags = MS_NOSUID | MS_NODEV | (noexec ? MS_NOEXEC : 0);
        if (mount("tmpfs", dir, "tmpfs", flags, opts) < 0)
                return -errno;
        return 0;
}

/* ---- --mounts minimal ----------------------------------------------------
 *
 * Built as bubblewrap does: a tmpfs on /tmp is the staging root; pivot_root
 * puts the host's tree at /oldroot (where the original /tmp shows again),
 * the new root is assembled in /newroot from binds out of /oldroot, then
 * /newroot becomes / and the old tree is detached.  What the job sees is
 * exactly the lists below, its working directory and --writable paths
 * (docs/hardening.md). */

/* Top-level trees of the installed system (symlinks on merged-/usr hosts are
 * copied as symlinks). */
static const char *const minimal_trees[] = {"usr",   "bin",   "sbin",  "lib",
                                            "lib32", "lib64", "libx32"};
/* /etc entries programs need to run and to reach TLS servers; no passwd,
 * group, shadow, hosts, hostname, machine-id. */
static const char *const minimal_etc[] = {
    "etc/ld.so.cache", "etc/ld.so.conf",    "etc/ld.so.conf.d", "etc/alternatives",
    "etc/localtime",   "etc/nsswitch.conf", "etc/ssl",          "etc/ca-certificates",
    "etc/protocols",   "etc/services",      "etc/mime.types",   "etc/os-release",
};
static const char *const minimal_dev[] = {"dev/null",   "dev/zero",    "dev/full",
                                          "dev/random", "dev/urandom", "dev/tty"};

/* mkdir -p of path (relative to cwd or absolute), async-signal-safe. */
static int mkdir_p(const char *path)
{
        char buf[4096];
        size_t n = 0;
        buf[0] = 0;
        put(buf, sizeof(buf), &n, path);
        for (size_t i = 1; i <= n; i++)
                if (buf[i] == '/' || buf[i] == 0) {
                        char c = buf[i];
                        buf[i] = 0;
                        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        buf[i] = c;
                }
        return 0;
}

/* Binds /oldroot/<rel> onto /newroot/<rel>, creating the mount point as a
 * directory or an empty file; a symlink is copied; a missing source skipped. */
static int bind_in(const char *rel)
{
        char src[4096], dst[4096];
        size_t a = 0, b = 0;
        src[0] = dst[0] = 0;
        put(src, sizeof(src), &a, "/oldroot/");
        put(src, sizeof(src), &a, rel);
        put(dst, sizeof(dst), &b, "/newroot/");
        put(dst, sizeof(dst), &b, rel);
        if (a >= sizeof(src) - 1 || b >= sizeof(dst) - 1)
                return -ENAMETOOLONG;
        struct stat st;
        if (lstat(src, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        /* the parent directories of the mount point */
        char *slash = strrchr(dst, '/');
        *slash = 0;
        int r = mkdir_p(dst);
        *slash = '/';
        if (r < 0)
                return r;
        if (S_ISLNK(st.st_mode)) {
                char target[4096];
                ssize_t k = readlink(src, target, sizeof(target) - 1);
                if (k < 0)
                        return -errno;
                target[k] = 0;
                return symlink(target, dst) < 0 && errno != EEXIST ? -errno : 0;
        }
        if (S_ISDIR(st.st_mode)) {
                if (mkdir(dst, 0755) < 0 && errno != EEXIST)
                        return -errno;
        } else {
                int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd < 0 && errno != EEXIST)
                        return -errno;
                if (fd >= 0)
                        close(fd);
        }
        if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -errno;
        return 0;
}

static int build_minimal_root(const struct mountns_spec *m)
{
        if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0 ||
            mkdir("/tmp/oldroot", 0755) < 0 || mkdir("/tmp/newroot", 0755) < 0 ||
            mount("tmpfs", "/tmp/newroot", "tmpfs", MS_NOSUID | MS_NODEV,
                  "mode=0755,size=1m,nr_inodes=4096") < 0 ||
            syscall(SYS_pivot_root, "/tmp", "/tmp/oldroot") < 0 || chdir("/") < 0)
                return -errno;
        int r;
        for (size_t i = 0; i < sizeof(minimal_trees) / sizeof(minimal_trees[0]); i++)
                if ((r = bind_in(minimal_trees[i])) < 0)
                        return r;
        for (size_t i = 0; i < sizeof(minimal_etc) / sizeof(minimal_etc[0]); i++)
                if ((r = bind_in(minimal_etc[i])) < 0)
                        return r;
        if (mkdir("/newroot/dev", 0755) < 0 ||
            mount("tmpfs", "/newroot/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
                  "mode=0755,size=64k,nr_inodes=64") < 0)
                return -errno;
        for (size_t i = 0; i < sizeof(minimal_dev) / sizeof(minimal_dev[0]); i++)
                if ((r = bind_in(minimal_dev[i])) < 0)
                        return r;
        static const char *const fdlinks[][2] = {{"/proc/self/fd", "/newroot/dev/fd"},
                                                 {"/proc/self/fd/0", "/newroot/dev/stdin"},
                                                 {"/proc/self/fd/1", "/newroot/dev/stdout"},
                                                 {"/proc/self/fd/2", "/newroot/dev/stderr"}};
        for (size_t i = 0; i < sizeof(fdlinks) / sizeof(fdlinks[0]); i++)
                if (symlink(fdlinks[i][0], fdlinks[i][1]) < 0)
                        return -errno;
        if (mkdir("/newroot/dev/shm", 01777) < 0 || mkdir("/newroot/tmp", 01777) < 0 ||
            mkdir("/newroot/proc", 0555) < 0 ||
            mount("proc", "/newroot/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return -errno;
        /* Fresh /tmp and /dev/shm before the working directory is bound: when
         * it lies below /tmp it is bound inside the fresh one, so the job gets
         * a private /tmp even then (mountns_apply makes them writable). */
        uint64_t size = m->tmp_bytes ? m->tmp_bytes : MOUNTNS_TMP_BYTES_DEFAULT;
        if ((r = fresh_tmpfs("/newroot/tmp", size, m->tmp_noexec)) < 0 ||
            (r = fresh_tmpfs("/newroot/dev/shm", size, m->tmp_noexec)) < 0)
                return r;
        if (m->workdir && (r = bind_in(m->workdir + 1)) < 0)
                return r;
        for (const char *const *p = m->writable; p && *p; p++)
                if ((r = bind_in(*p + 1)) < 0)
                        return r;
        /* /newroot becomes /; the staging tmpfs with the host's tree under it
         * is stacked above and detached at once. */
        if (chdir("/newroot") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return -errno;
        return 0;
}

int mountns_apply(const struct mountns_spec *m)
{
        /* The host's name tells a job where it runs (and names the machine in
         * whatever it sends out): every job gets the same neutral one. */
        if (unshare(CLONE_NEWUTS) < 0) {
                /* A corral without privileges (a delegated user's, --mounts
                 * host) cannot make namespaces at all: the job keeps the
                 * host's view, name included, as that option says. */
                if (errno != EPERM || m->enabled || m->minimal)
                        return -errno;
        } else if (sethostname(MOUNTNS_HOSTNAME, strlen(MOUNTNS_HOSTNAME)) < 0 ||
                   setdomainname("none", 4) < 0)
                return -errno;
        /* Allow-list networking: the new network namespace and the proxy's
         * listening socket in it (netproxy.h); otherwise an empty one. */
        if (m->network_proxy) {
                int e = netproxy_job_listen(m->netproxy_sock);
                if (e < 0)
                        return e;
        } else if (m->network_off && unshare(CLONE_NEWNET) < 0)
                return -errno;
        if (!m->enabled && !m->minimal)
                return 0;
        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        int r;
        if (m->minimal && (r = build_minimal_root(m)) < 0)
                return r;

        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -errno;

        uint64_t size = m->tmp_bytes ? m->tmp_bytes : MOUNTNS_TMP_BYTES_DEFAULT;
        static const char *const private_dirs[] = {"/tmp", "/dev/shm"};
        for (size_t i = 0; i < sizeof(private_dirs) / sizeof(private_dirs[0]); i++) {
                if (m->minimal) {
                        /* Mounted by build_minimal_root; only that mount (not
                         * what is bound below it) becomes writable again. */
                        struct mount_attr rw = {.attr_clr = MOUNT_ATTR_RDONLY};
                        if (syscall(SYS_mount_setattr, AT_FDCWD, private_dirs[i], 0, &rw,
                                    sizeof(rw)) < 0)
                                return -errno;
                        continue;
                }
                if (m->workdir && below(m->workdir, private_dirs[i]))
                        continue;
                if (access(private_dirs[i], F_OK) < 0)
                        continue;
                r = fresh_tmpfs(private_dirs[i], size, m->tmp_noexec);
                if (r < 0)
                        return r;
        }
        /* Before the work directory is made writable: it may lie below a
         * hidden directory and is carried over to its place on top of it. */
        int hr = mounthide_apply(m->hide, m->workdir, m->writable, m->expose);
        if (hr < 0)
                return hr;
        if (m->workdir) {
                r = make_writable(m->workdir);
                if (r < 0)
                        return r;
        }
        for (const char *const *p = m->writable; p && *p; p++) {
                r = make_writable(*p);
                if (r < 0)
                        return r;
        }
        return 0;
}
