/* daemon-peer.h - who is on the other end of a daemon connection.
 *
 * The kernel says it (SO_PEERCRED, taken at connect time): the tenant is the
 * peer uid's user name, or "uid-N" when it has none usable as a tenant name;
 * never anything the client sends.  An operator (root, or a member of the
 * operator group) may act for any tenant.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct daemon_peer {
        pid_t pid;
        uid_t uid;
        gid_t gid;
        char tenant[65];
        bool operator;
};

/* Fills p for the connected socket fd.  operator_gid (or (gid_t)-1 for none)
 * names the operator group.  Returns 0 or -errno. */
int daemon_peer_identify(int fd, gid_t operator_gid, struct daemon_peer *p);

/* The tenant name for uid: its user name when that is a valid tenant name
 * ([A-Za-z0-9_-]{1,64}), else "uid-N". */
void daemon_tenant_for_uid(uid_t uid, char *buf, size_t len);
