/* daemon-peer.c - see daemon-peer.h. */
#include "daemon-peer.h"
#include "cleanup.h"
#include "names.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The store's tenant names (src/jobs/store.c): what a user name must be to name one. */
static bool valid_tenant(const char *s)
{
        static const struct name_rules rules = {.extra = "_-", .max = 64};
        return name_ok(s, &rules);
}

/* The user's passwd entry into a caller buffer; false when there is none. */
static bool lookup_user(uid_t uid, struct passwd *pw, char *buf, size_t len)
{
        struct passwd *res = NULL;
        return getpwuid_r(uid, pw, buf, len, &res) == 0 && res;
}

void daemon_tenant_for_uid(uid_t uid, char *buf, size_t len)
{
        struct passwd pw;
        char pwbuf[4096];
        /* "default" is root's tenant on the direct path and "uid-N" names the
         * users without one: a user name never takes either. */
        if (lookup_user(uid, &pw, pwbuf, sizeof(pwbuf)) && valid_tenant(pw.pw_name) &&
            strcmp(pw.pw_name, "default") != 0 && strncmp(pw.pw_name, "uid-", 4) != 0) {
                snprintf(buf, len, "%s", pw.pw_name);
                return;
        }
        /* Threat: a user name such as "a.b" cannot be a directory name here; a
         * uid always can, and two uids never share one. */
        snprintf(buf, len, "uid-%u", (unsigned)uid);
}

/* Is uid (with primary group gid) a member of group g, by the group database? */
static bool in_group(uid_t uid, gid_t gid, gid_t g)
{
        if (gid == g)
                return true;
        struct passwd pw;
        char pwbuf[4096];
        if (!lookup_user(uid, &pw, pwbuf, sizeof(pwbuf)))
                return false;
        gid_t groups[256];
        int n = (int)(sizeof(groups) / sizeof(groups[0]));
        if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
                return false; /* more than 256 groups: not an operator by this path */
        for (int i = 0; i < n; i++)
                if (groups[i] == g)
                        return true;
        return false;
}

int daemon_peer_identify(int fd, gid_t operator_gid, struct daemon_peer *p)
{
        struct ucred cred;
        socklen_t l = sizeof(cred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
                return NEG_ERRNO();
        struct daemon_peer q = {.pid = cred.pid, .uid = cred.uid, .gid = cred.gid};
        if (cred.uid == 0)
                /* Root's own jobs: the same tenant as on the direct path. */
                snprintf(q.tenant, sizeof(q.tenant), "default");
        else
                daemon_tenant_for_uid(cred.uid, q.tenant, sizeof(q.tenant));
        q.operator= cred.uid ==
            0 ||(operator_gid != (gid_t)-1 && in_group(cred.uid, cred.gid, operator_gid));
        *p = q;
        return 0;
}
