/* userns-check.h - can this user make the user namespace a rootless sandbox
 * needs, and if not, which host setting refuses it and how to change it.
 *
 * Hosts refuse unprivileged user namespaces in several ways, each with its
 * own fix: Ubuntu 24.04's AppArmor (kernel.apparmor_restrict_unprivileged_userns
 * lets the namespace be made but denies every capability in it),
 * user.max_user_namespaces=0 (ENOSPC), Debian's old
 * kernel.unprivileged_userns_clone=0 (EPERM), and container runtimes whose
 * seccomp profile refuses the clone flags (EPERM with every sysctl open).
 * corral never falls back to a weaker sandbox; `corral doctor` names the cause.
 *
 * Does not log.
 */
#pragma once

#include <stdbool.h>

enum userns_step {
        USERNS_STEP_NONE,    /* every step worked */
        USERNS_STEP_UNSHARE, /* unshare(CLONE_NEWUSER|CLONE_NEWNS) */
        USERNS_STEP_MAP,     /* writing setgroups/uid_map/gid_map */
        USERNS_STEP_MOUNT,   /* using CAP_SYS_ADMIN in it (a mount) */
};

struct userns_report {
        /* The probe, run in a child as the calling user: the failed step and
         * its errno (0 when a sandbox's user namespace can be built). */
        enum userns_step failed_step;
        int probe_errno;
        /* Host settings, -1 where the file does not exist. */
        long max_user_namespaces;       /* /proc/sys/user/max_user_namespaces */
        long apparmor_restrict;         /* /proc/sys/kernel/apparmor_restrict_unprivileged_userns */
        long unprivileged_userns_clone; /* /proc/sys/kernel/unprivileged_userns_clone */
};

/* Reads the settings under proc_root (NULL: "/proc"; tests pass a fixture
 * tree) and, when probe is true, runs the probe in a forked child. */
int userns_check(const char *proc_root, bool probe, struct userns_report *ret);

/* One line of what the report means, and the fix (NULL when nothing is to be
 * fixed).  Pure: decided from the report alone. */
const char *userns_verdict(const struct userns_report *r, const char **ret_fix);

/* For a job refused at its namespaces step: without root that step is the
 * user namespace, so the message points at `corral doctor`; "" for root. */
const char *userns_refusal_hint(void);
