/* subid.c - see subid.h.
 *
 * The map is written from outside: an unprivileged process may write only
 * its own id into its namespace's maps, so a subordinate id goes through
 * the setuid helper, which checks it against /etc/subuid and writes
 * /proc/PID/uid_map.  The child therefore waits on a pipe after making its
 * namespace until the parent has run both helpers: a sync point after the
 * clone, as rootless Podman and bubblewrap's callers do.
 */
#include "subid.h"
#include "child.h"
#include "cleanup.h"
#include "fileio.h"
#include "uidpool.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* One line "NAME_OR_ID:FIRST:COUNT"; false when it is not for us or malformed. */
static bool parse_line(char *line, const char *name, unsigned long id, struct subid_range *ret)
{
        char *first = strchr(line, ':');
        if (!first)
                return false;
        *first++ = 0;
        char *count = strchr(first, ':');
        if (!count)
                return false;
        *count++ = 0;
        char *end;
        bool ours = name && strcmp(line, name) == 0;
        if (!ours && line[0] >= '0' && line[0] <= '9') {
                errno = 0;
                unsigned long who = strtoul(line, &end, 10);
                ours = errno == 0 && *end == 0 && who == id;
        }
        if (!ours || *first < '0' || *first > '9' || *count < '0' || *count > '9')
                return false;
        errno = 0;
        unsigned long f = strtoul(first, &end, 10);
        if (errno || *end)
                return false;
        unsigned long c = strtoul(count, &end, 10);
        if (errno || (*end && *end != '\n') || c == 0)
                return false;
        *ret = (struct subid_range){f, c};
        return true;
}

int subid_find(const char *path, const char *name, unsigned long id, struct subid_range *ret)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return NEG_ERRNO();
        char line[512];
        while (fgets(line, sizeof(line), f))
                if (parse_line(line, name, id, ret))
                        return 0;
        return ferror(f) ? -EIO : -ENOENT;
}

static const char *tool_path(const char *tool, char *buf, size_t len)
{
        static const char *const dirs[] = {"/usr/bin", "/bin"};
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                snprintf(buf, len, "%s/%s", dirs[i], tool);
                if (access(buf, X_OK) == 0)
                        return buf;
        }
        return NULL;
}

/* Starts tool on pid with the map "0 OUTER 1 1 SUB 1"; the helper's pid or
 * -errno. */
static pid_t start_helper(const char *tool, pid_t pid, unsigned long outer, unsigned long sub)
{
        char path[64];
        if (!tool_path(tool, path, sizeof(path)))
                return -ENOENT;
        char a_pid[24], a_outer[24], a_sub[24];
        snprintf(a_pid, sizeof(a_pid), "%d", (int)pid);
        snprintf(a_outer, sizeof(a_outer), "%lu", outer);
        snprintf(a_sub, sizeof(a_sub), "%lu", sub);
        char *const argv[] = {(char *)tool, a_pid, "0", a_outer, "1", "1", a_sub, "1", NULL};
        pid_t helper = fork();
        if (helper < 0)
                return NEG_ERRNO();
        if (helper == 0) {
                /* The helper's own error text goes to our stderr; its stdout is
                 * not ours to fill. */
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null >= 0)
                        dup2(null, 1);
                execv(path, argv);
                _exit(127);
        }
        return helper;
}

static int wait_helper(pid_t helper)
{
        int status;
        while (waitpid(helper, &status, 0) < 0)
                if (errno != EINTR)
                        return NEG_ERRNO();
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOEXEC : -EPERM;
}

int subid_write_map(const char *tool, pid_t pid, unsigned long outer, unsigned long sub)
{
        pid_t helper = start_helper(tool, pid, outer, sub);
        return helper < 0 ? (int)helper : wait_helper(helper);
}

int subid_write_maps(pid_t pid, uid_t uid, uid_t sub_uid, gid_t gid, gid_t sub_gid)
{
        /* Both at once: each helper costs an exec of a setuid program (a few
         * ms), and the two maps are independent files. */
        pid_t u = start_helper("newuidmap", pid, uid, sub_uid);
        if (u < 0)
                return (int)u;
        pid_t g = start_helper("newgidmap", pid, gid, sub_gid);
        int ru = wait_helper(u);
        int rg = g < 0 ? (int)g : wait_helper(g);
        return ru < 0 ? ru : rg;
}

/* The probe's child: a user namespace, a wait until the parent has mapped
 * it, then the switch to the namespace's 1 (the subordinate id).  Reports
 * 0 or an errno at each of its two points; never returns. */
static _Noreturn void probe_child(int report, int go)
{
        int e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
        if (write(report, &e, sizeof(e)) != (ssize_t)sizeof(e) || e)
                _exit(1);
        char mapped = 0;
        if (read(go, &mapped, 1) != 1 || !mapped)
                _exit(1);
        (void)setgroups(0, NULL); /* refused where setgroups is denied: then kept */
        e = setresgid(1, 1, 1) < 0 || setresuid(1, 1, 1) < 0 ? errno : 0;
        if (write(report, &e, sizeof(e)) != (ssize_t)sizeof(e))
                _exit(1);
        /* Wait, switched, while the parent reads our host ids; EOF ends it. */
        while (read(go, &mapped, 1) > 0)
                ;
        _exit(0);
}

static int read_status_id(pid_t pid, const char *key, unsigned long *ret)
{
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return NEG_ERRNO();
        size_t n = strlen(key);
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, key, n) == 0) {
                        *ret = strtoul(line + n, NULL, 10); /* the real id */
                        return 0;
                }
        return -ENODATA;
}

static int run_probe(struct subid_report *rep)
{
        int rp[2], gp[2];
        if (pipe2(rp, O_CLOEXEC) < 0)
                return NEG_ERRNO();
        _cleanup_close_ int report_rd = rp[0], report_wr = rp[1];
        if (pipe2(gp, O_CLOEXEC) < 0)
                return NEG_ERRNO();
        _cleanup_close_ int go_rd = gp[0], go_wr = gp[1];
        pid_t pid = fork();
        if (pid < 0)
                return NEG_ERRNO();
        if (pid == 0) {
                /* Only the parent may hold the ends we wait on, or EOF never comes. */
                close(report_rd);
                close(go_wr);
                probe_child(report_wr, go_rd);
        }
        closep(&report_wr);
        report_wr = -EBADF;
        closep(&go_rd);
        go_rd = -EBADF;

        int e = 0, r;
        if (read(report_rd, &e, sizeof(e)) != (ssize_t)sizeof(e))
                r = -EPROTO;
        else if (e)
                r = -e;
        else if ((r = subid_write_map("newuidmap", pid, getuid(), rep->uid.first)) == 0 &&
                 (r = subid_write_map("newgidmap", pid, getgid(), rep->gid.first)) == 0) {
                char go = 1;
                if (write(go_wr, &go, 1) != 1)
                        r = NEG_ERRNO();
                else if (read(report_rd, &e, sizeof(e)) != (ssize_t)sizeof(e))
                        r = -EPROTO;
                else if (e)
                        r = -e;
                else if ((r = read_status_id(pid, "Uid:", &rep->host_uid)) == 0)
                        r = read_status_id(pid, "Gid:", &rep->host_gid);
        }
        closep(&go_wr);
        go_wr = -EBADF;
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r;
}

int subid_check(struct subid_report *ret)
{
        *ret = (struct subid_report){.probe_err = -ENOENT};
        struct passwd *pw = getpwuid(getuid());
        const char *user = pw ? pw->pw_name : NULL;
        ret->uid_err = subid_find(SUBID_UID_FILE, user, getuid(), &ret->uid);
        /* /etc/subgid names its owners by user name or uid too, not by gid */
        ret->gid_err = subid_find(SUBID_GID_FILE, user, getuid(), &ret->gid);
        if (ret->uid_err == 0 && ret->gid_err == 0)
                ret->probe_err = run_probe(ret);
        return 0;
}

/* A directory of the caller's own, or -errno: the locks must be the same
 * for every corral of this user (whatever its environment), and nobody else
 * may hold them (a directory another user made could be filled with locks
 * held forever). */
static int own_dir(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return NEG_ERRNO();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        return st.st_uid == getuid() ? 0 : -EPERM;
}

static int lock_dir(char *buf, size_t len)
{
        char run[64];
        snprintf(run, sizeof(run), "/run/user/%u", (unsigned)getuid());
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        const char *base = NULL;
        /* /run/user/UID first: it is what XDG_RUNTIME_DIR names in a login
         * session, and a corral started without that variable (cron, a
         * service) must find the same locks. */
        if (own_dir(run) == 0)
                base = run;
        else if (xdg && xdg[0] == '/' && own_dir(xdg) == 0)
                base = xdg;
        int n;
        if (base)
                n = snprintf(buf, len, "%s/corral/subids", base);
        else {
                const char *state = getenv("XDG_STATE_HOME");
                const char *home = getenv("HOME");
                if (state && state[0] == '/')
                        n = snprintf(buf, len, "%s/corral/subids", state);
                else if (home && home[0] == '/')
                        n = snprintf(buf, len, "%s/.local/state/corral/subids", home);
                else
                        return -ENOENT;
        }
        if (n < 0 || (size_t)n >= len)
                return -ENAMETOOLONG;
        int r = mkdir_p(buf, 0700);
        if (r < 0)
                return r;
        return own_dir(buf);
}

static bool have_tool(const char *tool)
{
        char path[64];
        return tool_path(tool, path, sizeof(path)) != NULL;
}

int subid_acquire(struct subid_lease *ret)
{
        *ret = (struct subid_lease){.lockfd = -EBADF};
        struct passwd *pw = getpwuid(getuid());
        const char *user = pw ? pw->pw_name : NULL;
        struct subid_range u, g;
        if (subid_find(SUBID_UID_FILE, user, getuid(), &u) < 0 ||
            subid_find(SUBID_GID_FILE, user, getuid(), &g) < 0 || !have_tool("newuidmap") ||
            !have_tool("newgidmap"))
                return -ENOENT;
        ret->first = u.first;
        ret->count = u.count < g.count ? u.count : g.count;
        if (ret->count > 65536)
                ret->count = 65536; /* one lock file per id: enough for any host */
        int r = lock_dir(ret->lockdir, sizeof(ret->lockdir));
        if (r < 0)
                return r;
        uid_t uid;
        r = uidpool_acquire(ret->lockdir, (uid_t)u.first, (unsigned)ret->count, &uid, &ret->lockfd);
        if (r < 0)
                return r;
        ret->uid = uid;
        ret->gid = (gid_t)(g.first + (uid - u.first));
        return 0;
}

void subid_lease_range(const struct subid_lease *l, char *buf, size_t len)
{
        snprintf(buf, len, "%lu-%lu", l->first, l->first + l->count - 1);
}

const char *subid_refusal_hint(int step)
{
        if (step == CHILD_STEP_SUBID)
                return "; the helpers map only the user's ranges in " SUBID_UID_FILE
                       " and " SUBID_GID_FILE
                       ", for a process whose gid is the user's primary group (its message above "
                       "says which check failed; docs/rootless.md)";
        if (step == CHILD_STEP_SUBID_ACCESS)
                return "; the job runs as a subordinate id of its own and gets its paths by ACL "
                       "entries only their owner can add (docs/rootless.md)";
        return "";
}
