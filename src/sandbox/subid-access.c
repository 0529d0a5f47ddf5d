/* subid-access.c - see subid-access.h.
 *
 * Every grant is kept with an fd of the file it was made on (opened
 * O_NOFOLLOW at grant time), so the revoke reaches the same inode whatever
 * was renamed meanwhile.
 *
 * The journal, <lockdir>/<uid>.grants beside the id's lock (subid.h): each
 * path is written there before it is granted, and the file is removed once
 * every entry is taken back.  A holder killed with SIGKILL (a `corral run`)
 * leaves it; the next holder of the id, whose lock says the old one is gone
 * (and whose sandbox set-up swept the old job's group: sandbox-setup.h),
 * takes those grants back before it makes its own.  Format: a header line
 * "corral-subid-grants 1 UID GID OUTER_UID OUTER_GID", then per grant 'R' (a
 * tree the job could write in: handed back) or 'G', the absolute path, NUL.
 */
#include "subid-access.h"
#include "cleanup.h"
#include "fileio.h"
#include "hostview.h"
#include "posix-acl.h"
#include "subid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_GRANTS        160
#define MAX_ROOTS         40
#define RECLAIM_MAX_DEPTH 64
#define JOURNAL_HEADER    "corral-subid-grants 1"
#define JOURNAL_MAX       ((size_t)MAX_GRANTS * (PATH_MAX + 2) + 128)

struct subid_access {
        uid_t uid;
        gid_t gid;
        uid_t outer_uid;
        gid_t outer_gid;
        size_t n;
        int fd[MAX_GRANTS];
        /* The trees the job could write in (fds among the above): handed back. */
        size_t nroots;
        int root[MAX_ROOTS];
        /* The journal (see above): its directory and file, -1 without one. */
        int journal_dir;
        int journal_fd;
};

static void journal_name(uid_t uid, char name[32])
{
        snprintf(name, 32, "%u.grants", (unsigned)uid);
}

/* One record, written before the grant it names: a crash after the grant
 * leaves it on record. */
static int journal_put(struct subid_access *a, char kind, const char *path)
{
        if (a->journal_fd < 0)
                return 0;
        if (path[0] != '/')
                return -EINVAL; /* taken back later from another cwd */
        size_t len = strlen(path);
        if (len >= PATH_MAX)
                return -ENAMETOOLONG;
        char rec[PATH_MAX + 2];
        rec[0] = kind;
        memcpy(rec + 1, path, len + 1);
        ssize_t w = write(a->journal_fd, rec, len + 2);
        return w == (ssize_t)(len + 2) ? 0 : w < 0 ? NEG_ERRNO() : -EIO;
}

static void journal_remove(struct subid_access *a)
{
        if (a->journal_dir < 0)
                return;
        char name[32];
        journal_name(a->uid, name);
        unlinkat(a->journal_dir, name, 0);
}

static bool same_or_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

/* True when dir is covered by a hidden home in the job's view: the job
 * passes corral's tmpfs there, never the real directories. */
static bool hidden(const struct hostview *v, const char *dir)
{
        for (size_t i = 0; i < ELEMENTSOF(v->hide) && v->hide[i]; i++)
                if (same_or_below(dir, v->hide[i]))
                        return true;
        return false;
}

/* Grants perms on path.  optional: a path the user does not own is left as
 * it is (an --expose path is readable as far as its modes let anyone read;
 * only its owner could grant more). */
static int add(struct subid_access *a, const char *path, unsigned perms, bool root, bool optional)
{
        if (a->n == MAX_GRANTS || (root && a->nroots == MAX_ROOTS))
                return -E2BIG;
        /* O_NOFOLLOW on the last component only: a path the user names may
         * pass links, the grant lands on what it names. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return NEG_ERRNO();
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int r = NEG_ERRNO();
                close(fd);
                return r;
        }
        if (optional && st.st_uid != a->outer_uid) {
                close(fd);
                return 0;
        }
        if (!S_ISDIR(st.st_mode))
                perms &= ~POSIX_ACL_X; /* a file is read or written, never run from here */
        int r = journal_put(a, root ? 'R' : 'G', path);
        if (r == 0)
                r = posix_acl_grant(fd, a->uid, perms);
        if (r < 0) {
                close(fd);
                return r;
        }
        a->fd[a->n++] = fd;
        if (root)
                a->root[a->nroots++] = fd;
        return 0;
}

/* The directories above path that the user owns and others may not pass. */
static int add_ancestors(struct subid_access *a, const struct hostview *v, const char *path)
{
        char dir[PATH_MAX];
        if (strlen(path) >= sizeof(dir))
                return -ENAMETOOLONG;
        strcpy(dir, path);
        for (;;) {
                char *slash = strrchr(dir, '/');
                if (!slash || slash == dir)
                        return 0; /* "/" is never the user's */
                *slash = 0;
                if (hidden(v, dir))
                        return 0;
                struct stat st;
                if (stat(dir, &st) < 0)
                        return NEG_ERRNO();
                if (st.st_uid != v->outer_uid || (st.st_mode & S_IXOTH))
                        continue;
                int r = add(a, dir, POSIX_ACL_X, false, false);
                if (r < 0)
                        return r;
        }
}

static int grant_all(struct subid_access *a, const struct hostview *v, char *ret_path, size_t len)
{
        const unsigned rwx = POSIX_ACL_R | POSIX_ACL_W | POSIX_ACL_X;
        struct {
                const char *path;
                unsigned perms;
        } want[MAX_ROOTS * 2];
        size_t n = 0;
        if (v->workdir)
                want[n++] = (typeof(want[0])){v->workdir, rwx};
        for (const char *const *p = v->writable; p && *p && n < ELEMENTSOF(want); p++)
                want[n++] = (typeof(want[0])){*p, rwx};
        for (const char *const *p = v->expose; p && *p && n < ELEMENTSOF(want); p++)
                want[n++] = (typeof(want[0])){*p, POSIX_ACL_R | POSIX_ACL_X};
        for (size_t i = 0; i < n; i++) {
                bool writes = want[i].perms == rwx;
                int r = add(a, want[i].path, want[i].perms, writes, !writes);
                if (r == 0)
                        r = add_ancestors(a, v, want[i].path);
                if (r < 0) {
                        snprintf(ret_path, len, "%s", want[i].path);
                        return r;
                }
        }
        return 0;
}

/* Takes back what an earlier holder of a->uid recorded in the journal and
 * did not: *a names the id, the journal is open.  Every entry is attempted;
 * one that cannot be taken back (its path gone or renamed) stays, as
 * `getfacl` shows.  0, or the first -errno. */
static int journal_recover(const struct subid_access *a)
{
        char name[32];
        journal_name(a->uid, name);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(a->journal_dir, name, JOURNAL_MAX, &text, &len);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        struct subid_access *old = calloc(1, sizeof(*old));
        if (!old)
                return -ENOMEM;
        *old = (struct subid_access){.journal_dir = -1, .journal_fd = -1};
        unsigned uid, gid, ouid, ogid;
        const char *nl = memchr(text, '\n', len);
        if (!nl || sscanf(text, JOURNAL_HEADER " %u %u %u %u", &uid, &gid, &ouid, &ogid) != 4 ||
            uid != a->uid || ouid != a->outer_uid) {
                free(old);
                return -EBADMSG; /* not ours to act on */
        }
        old->uid = uid;
        old->gid = gid;
        old->outer_uid = ouid;
        old->outer_gid = ogid;
        int first = 0;
        for (const char *p = nl + 1, *end = text + len; p < end;) {
                const char *z = memchr(p, 0, (size_t)(end - p));
                if (!z)
                        break; /* a record cut short by the crash: never granted */
                bool root = *p == 'R';
                const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
                int fd = root || *p == 'G' ? open(p + 1, flags) : -1;
                p = z + 1;
                if (fd < 0)
                        continue;
                if (old->n == MAX_GRANTS || (root && old->nroots == MAX_ROOTS)) {
                        close(fd);
                        first = first ? first : -E2BIG;
                        continue;
                }
                old->fd[old->n++] = fd;
                if (root)
                        old->root[old->nroots++] = fd;
        }
        r = subid_access_revoke(old, true);
        return first ? first : r;
}

/* Opens the id's journal, after taking back what it names; -1 fds without a
 * lock directory (nothing to journal in: a caller that keeps no lease). */
static int journal_start(struct subid_access *a, const char *lockdir)
{
        if (!lockdir)
                return 0;
        a->journal_dir = open(lockdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (a->journal_dir < 0)
                return NEG_ERRNO();
        (void)journal_recover(a); /* what stays is the earlier job's, not this one's failure */
        char name[32], head[128];
        journal_name(a->uid, name);
        a->journal_fd = openat(a->journal_dir, name,
                               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (a->journal_fd < 0)
                return NEG_ERRNO();
        int n = snprintf(head, sizeof(head), JOURNAL_HEADER " %u %u %u %u\n", (unsigned)a->uid,
                         (unsigned)a->gid, (unsigned)a->outer_uid, (unsigned)a->outer_gid);
        return write(a->journal_fd, head, (size_t)n) == n ? 0 : -EIO;
}

int subid_access_grant(const struct hostview *v, struct subid_access **ret, char *ret_path,
                       size_t len)
{
        struct subid_access *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (struct subid_access){.uid = v->sub_uid,
                                   .gid = v->sub_gid,
                                   .outer_uid = v->outer_uid,
                                   .outer_gid = v->outer_gid,
                                   .journal_dir = -1,
                                   .journal_fd = -1};
        int r = journal_start(a, v->subid_lockdir);
        if (r < 0)
                snprintf(ret_path, len, "%s/%u.grants", v->subid_lockdir, (unsigned)a->uid);
        else
                r = grant_all(a, v, ret_path, len);
        /* On record before the job runs (the grants are, on the file system). */
        if (r == 0 && a->journal_fd >= 0 && fsync(a->journal_fd) < 0)
                r = NEG_ERRNO();
        if (r < 0) {
                subid_access_revoke(a, false);
                return r;
        }
        *ret = a;
        return 0;
}

/* ---- handing the job's files back ----------------------------------------- */

/* In the hand-back child, inside a user namespace mapping 0 to the user and
 * SUBID_NS_ID to the job's id: every entry the job owns becomes the user's
 * (its group too, where it is the job's).  Links are never followed, and
 * chown clears setuid/setgid bits and file capabilities of what it hands
 * over: a job cannot leave a program that runs as the user with privileges. */
static int reclaim_tree(int dfd, int depth)
{
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -1;
        }
        int bad = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (st.st_uid == SUBID_NS_ID &&
                    fchownat(dirfd(d), de->d_name, 0, st.st_gid == SUBID_NS_ID ? 0 : (gid_t)-1,
                             AT_SYMLINK_NOFOLLOW) < 0)
                        bad = 1;
                /* The job could add entries only where it could write: its own
                 * directories (and one open to anyone); the rest of the user's
                 * tree (a `corral run` from the home) is not walked. */
                if (!S_ISDIR(st.st_mode) || depth >= RECLAIM_MAX_DEPTH ||
                    (st.st_uid != SUBID_NS_ID && !(st.st_mode & S_IWOTH)))
                        continue;
                int sub =
                    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0 && reclaim_tree(sub, depth + 1) < 0)
                        bad = 1;
        }
        closedir(d);
        return bad ? -1 : 0;
}

static _Noreturn void reclaim_child(struct subid_access *a, int go)
{
        char mapped = 0;
        if (read(go, &mapped, 1) != 1 || mapped != 1)
                _exit(1);
        int bad = 0;
        for (size_t i = 0; i < a->nroots; i++) {
                struct stat st;
                if (fstat(a->root[i], &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                int d = openat(a->root[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (d < 0 || reclaim_tree(d, 0) < 0)
                        bad = 1;
        }
        _exit(bad);
}

/* A child in a user namespace of its own (CLONE_NEWUSER: it holds every
 * capability there) mapped like the job's, so that both the user's and the
 * job's ids exist there and CAP_CHOWN turns one into the other.  The job is
 * gone by now (its cgroup emptied) and its id still lent to us, so nothing
 * of its changes the tree while we walk. */
/* True when a root holds an entry the hand-back would walk or change: one
 * of the job's, or a directory open to all.  Most jobs leave nothing in
 * their --writable paths, and a job that wrote nothing (or only in /tmp)
 * nothing at all: they cost no namespace and no helper. */
static bool left_anything(const struct subid_access *a)
{
        for (size_t i = 0; i < a->nroots; i++) {
                int d = openat(a->root[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (d < 0)
                        continue;
                DIR *dir = fdopendir(d);
                if (!dir) {
                        close(d);
                        return true; /* cannot tell: walk */
                }
                bool found = false;
                struct dirent *de;
                while (!found && (de = readdir(dir))) {
                        struct stat st;
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                            fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        found =
                            st.st_uid == a->uid || (S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH));
                }
                closedir(dir);
                if (found)
                        return true;
        }
        return false;
}

static int hand_back(struct subid_access *a)
{
        if (a->nroots == 0 || !left_anything(a))
                return 0;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return NEG_ERRNO();
        _cleanup_close_ int go_rd = p[0], go_wr = p[1];
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
                return NEG_ERRNO();
        if (pid == 0) {
                close(go_wr);
                reclaim_child(a, go_rd);
        }
        closep(&go_rd);
        go_rd = -EBADF;
        int r = subid_write_maps(pid, a->outer_uid, a->uid, a->outer_gid, a->gid);
        char go = 1;
        if (r == 0 && write(go_wr, &go, 1) != 1)
                r = NEG_ERRNO();
        closep(&go_wr);
        go_wr = -EBADF;
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return r < 0 ? r : NEG_ERRNO();
        if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                r = -EPERM;
        return r;
}

int subid_access_revoke(struct subid_access *a, bool ran)
{
        if (!a)
                return 0;
        int first = ran ? hand_back(a) : 0;
        /* In reverse order of the grants; each is attempted. */
        for (size_t i = a->n; i-- > 0;) {
                int r = posix_acl_revoke(a->fd[i], a->uid);
                if (r < 0 && first == 0)
                        first = r;
                close(a->fd[i]);
        }
        /* Kept when something stayed: the next holder tries again. */
        if (first == 0)
                journal_remove(a);
        if (a->journal_fd >= 0)
                close(a->journal_fd);
        if (a->journal_dir >= 0)
                close(a->journal_dir);
        free(a);
        return first;
}

int subid_access_recover(int job_dirfd)
{
        _cleanup_close_ int work =
            openat(job_dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (work < 0)
                return errno == ENOENT ? 0 : NEG_ERRNO();
        uid_t users[16];
        int n = posix_acl_users(work, users, ELEMENTSOF(users));
        if (n <= 0)
                return n == -EOPNOTSUPP ? 0 : n;
        struct passwd *pw = getpwuid(getuid());
        struct subid_range u, g;
        if (subid_find(SUBID_UID_FILE, pw ? pw->pw_name : NULL, getuid(), &u) < 0 ||
            subid_find(SUBID_GID_FILE, pw ? pw->pw_name : NULL, getuid(), &g) < 0)
                return 0; /* no range: no entry of ours to take back */
        int first = 0;
        for (int i = 0; i < n && i < (int)ELEMENTSOF(users); i++) {
                unsigned long off = (unsigned long)users[i] - u.first;
                if (users[i] < u.first || off >= u.count || off >= g.count)
                        continue; /* not one of ours: the user's own entry */
                struct subid_access *a = calloc(1, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                *a = (struct subid_access){.uid = users[i],
                                           .gid = (gid_t)(g.first + off),
                                           .outer_uid = getuid(),
                                           .outer_gid = getgid(),
                                           .journal_dir = -1,
                                           .journal_fd = -1};
                a->fd[a->n++] = openat(job_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                a->fd[a->n++] = fcntl(work, F_DUPFD_CLOEXEC, 3);
                a->root[a->nroots++] = a->fd[1];
                int r = a->fd[0] < 0 || a->fd[1] < 0 ? -EBADF : 0;
                if (r == 0)
                        r = subid_access_revoke(a, true);
                else {
                        for (size_t k = 0; k < a->n; k++)
                                if (a->fd[k] >= 0)
                                        close(a->fd[k]);
                        free(a);
                }
                if (r < 0 && first == 0)
                        first = r;
        }
        return first;
}
