/* mountns.h - the job's private view of the file system (and, optionally, no network).
 *
 * Threat: a job that can write anywhere root-owned-but-world-writable, leave
 * files in the host's /tmp for the next tenant, or fill /dev/shm.  In its own
 * mount namespace a job sees every mount read-only, gets a fresh /tmp and
 * /dev/shm (tmpfs, size-capped), and can write only its working directory and
 * the paths it was given.  With network off it also gets an empty network
 * namespace (loopback only, down).
 *
 * mountns_apply() runs in the child, after the fds and before the privilege
 * drop (mounting needs CAP_SYS_ADMIN); it only makes system calls.
 */
#pragma once

#include <stdbool.h>

struct mountns_spec {
        bool enabled;                /* false: the host's mounts as they are */
        bool network_off;            /* a new, empty network namespace */
        const char *workdir;         /* absolute; stays writable */
        const char *const *writable; /* more absolute paths kept writable; NULL-terminated */
        const char *const *expose;   /* absolute paths kept visible, read-only, below a
                                      * hidden directory; NULL-terminated */
        const char *const *hide;     /* directories the job does not see (an empty
                                      * read-only tmpfs over each; mounthide.h) */
        const char *tmp_size;        /* tmpfs size option, e.g. "64m" */
};

/* Returns 0 or -errno. */
int mountns_apply(const struct mountns_spec *m);
