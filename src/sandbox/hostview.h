/* hostview.h - the job's whole view of the host, decided in one place.
 *
 * Threat: a job that sees (or reaches) more of the host than its own work:
 * other tenants' processes and their command lines (supervisors name their
 * tenant and job id), SysV IPC objects that outlive it or belong to others,
 * the network when it needs none, paths its own uid could not reach.  Every
 * front end (`corral run`, `submit`, the MCP tools) fills one struct hostview
 * and calls hostview_decide(); the child applies it in two halves:
 *
 *   hostview_apply_root()  in the job's init, with privileges, before the
 *                         drop: IPC namespace, mount namespace (mountns.c),
 *                         network, a fresh /proc for the job's own PID
 *                         namespace;
 *   hostview_apply_user()  in the job's process, AFTER the privilege drop:
 *                         everything that depends on who the job is
 *                         (chdir), so a directory its uid cannot pass is
 *                         refused with EACCES as for any path it names.
 *
 * The PID namespace is created at clone (hostview_clone_flags()): the
 * job's init (PID 1 there, root, never running job code) reaps every
 * orphan and relays the main process's wait status (child.c); when it exits
 * the kernel kills whatever is left.  As bubblewrap and nsjail do.
 */
#pragma once

#include "mountns.h"

#include <stdbool.h>
#include <sys/types.h>

enum hostview_network {
        HOSTVIEW_NETWORK_HOST, /* the host's network namespace */
        HOSTVIEW_NETWORK_NONE, /* an empty one: loopback only, down */
};

struct hostview {
        /* What the front end asks for. */
        bool private_mounts;           /* false: --mounts host */
        bool minimal_mounts;           /* --mounts minimal (with private_mounts) */
        bool tmp_noexec;               /* --tmp noexec */
        enum hostview_network network; /* --network host|none; allow:LIST is none
                                        * here plus the runner's proxy (netproxy.h) */
        const char *workdir;           /* absolute; writable, $HOME */
        const char *const *writable;   /* more writable paths; NULL-terminated */
        const char *const *expose;     /* paths below a hidden home kept visible, read-only */
        const char *cwd;               /* where the command starts; NULL: workdir */
        /* Decided by hostview_decide(). */
        bool own_pids; /* a PID namespace with its own /proc */
        bool own_ipc;  /* an IPC namespace */
        bool own_user; /* without root: a user namespace mapping our own uid and gid (and,
                        * with .subid, one subordinate id), which lets the others be made
                        * (delegated mode) */
        /* Without root: the user's home directories ($HOME and the password
         * database's), hidden from the job (docs/rootless.md). */
        const char *hide[3];
        char home_pw[512];
        uid_t outer_uid;
        gid_t outer_gid;
        /* With a subordinate id (hostview_use_subid(); docs/rootless.md): the
         * user namespace maps 0 to the user and SUBID_NS_ID to sub_uid /
         * sub_gid, written from outside by newuidmap/newgidmap while the
         * child waits (child.c); the job's process runs as SUBID_NS_ID. */
        bool subid;
        uid_t sub_uid;
        gid_t sub_gid;
        /* The lease's lock directory (subid.h), where the id's grants are
         * journaled (subid-access.h); the caller's storage. */
        const char *subid_lockdir;
        struct mountns_spec mounts;
};

/* Fills the decided part from the asked part.  privileged: corral may create
 * namespaces (root).  Without it (delegated mode, docs/threat-model.md) a
 * private view is built inside a user namespace that maps only corral's own
 * uid and gid, where the kernel allows unprivileged user namespaces (else the
 * namespaces step fails and the job is refused); with --mounts host the job
 * shares corral's namespaces. */
void hostview_decide(struct hostview *v, bool privileged);

/* After hostview_decide(), with own_user: the job's process runs as the
 * host's sub_uid/sub_gid (a lent subordinate id, subid.h).  The caller also
 * switches the job to SUBID_NS_ID (privs.h) and grants that uid its work
 * directory and --writable paths (runner.c). */
void hostview_use_subid(struct hostview *v, uid_t sub_uid, gid_t sub_gid, const char *lockdir);

/* "host" or "none"; -EINVAL otherwise. */
int hostview_parse_network(const char *s, enum hostview_network *ret);
const char *hostview_network_to_string(enum hostview_network n);

/* CLONE_NEW* flags for clone3: the namespaces the job's init starts in. */
unsigned long long hostview_clone_flags(const struct hostview *v);

/* In the job's init, before the privilege drop.  Async-signal-safe; 0 or -errno. */
int hostview_apply_root(const struct hostview *v);

/* In the job's process, after the privilege drop.  0 or -errno. */
int hostview_apply_user(const struct hostview *v);
