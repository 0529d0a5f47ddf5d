/* privs.h - dropping every privilege in the job's child, before exec.
 *
 * Threat: a job running as root, even with no capabilities, still opens
 * /etc/shadow and writes /etc/passwd (measured: libcap 2.66, kernel 6.18);
 * capabilities cleared from E/P/I but left in the bounding set, or without
 * no_new_privs, come back through a setuid-root binary at exec.  So the order
 * is fixed (the brief's): drop bounding + ambient -> setgroups(0) ->
 * setresgid -> setresuid -> clear E/P/I -> no_new_privs.  seccomp follows.
 *
 * privs_drop() is async-signal-safe: it runs after clone in the child.
 */
#pragma once

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct privs_spec {
        bool switch_user; /* false when corral is not root: the job keeps our uid */
        uid_t uid;
        gid_t gid;
        int cap_last; /* highest capability number (privs_cap_last()) */
};

/* Reads /proc/sys/kernel/cap_last_cap in the parent (falls back to 40). */
int privs_cap_last(void);

/* Returns 0 or -errno; *ret_step is set to the child step that failed. */
int privs_drop(const struct privs_spec *p, int *ret_step);

/* Per-job resource limits; 0 means "leave as inherited" except core (always 0). */
struct job_rlimits {
        rlim_t nofile;
        rlim_t fsize; /* bytes: caps what the job may write to one file (its logs) */
        rlim_t as;    /* bytes of address space */
        rlim_t stack; /* bytes */
        rlim_t cpu;   /* seconds of CPU time */
};

/* Applies core 0 and each set limit (soft = hard).  Async-signal-safe. */
int rlimits_apply(const struct job_rlimits *r);
