/* mountns.h - the job's private view of the file system, its own hostname
 * (and, optionally, no network).
 *
 * Threat: a job that can write anywhere root-owned-but-world-writable, leave
 * files in the host's /tmp for the next tenant, or fill /dev/shm.  In its own
 * mount namespace a job sees every mount read-only, gets a fresh /tmp and
 * /dev/shm (tmpfs, size-capped, inode-capped in proportion), and can write
 * only its working directory and the paths it was given.  With network off it
 * also gets an empty network namespace (loopback only, down).  It always gets
 * a UTS namespace whose hostname is MOUNTNS_HOSTNAME, not the host's name.
 *
 * mountns_apply() runs in the child, after the fds and before the privilege
 * drop (mounting needs CAP_SYS_ADMIN); it only makes system calls.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The hostname (and NIS domain name "none") every job sees. */
#define MOUNTNS_HOSTNAME "corral"

/* Size of the job's /tmp and /dev/shm when not given. */
#define MOUNTNS_TMP_BYTES_DEFAULT (64ull << 20)
/* One inode per this many bytes of their size: a job cannot make 100,000
 * empty files (each charged to its memory) in a 64 MiB /tmp; 16,384 files
 * of 4 KiB fill it exactly. */
#define MOUNTNS_BYTES_PER_INODE 4096

struct mountns_spec {
        bool enabled;                /* false: the host's mounts as they are */
        bool minimal;                /* only /usr, /bin, /lib*, /sbin, a few /etc files,
                                      * /dev's basic devices, /proc (mountns.c) */
        bool network_off;            /* a new, empty network namespace */
        bool network_proxy;          /* that namespace is made by netproxy_job_listen(), */
        int netproxy_sock;           /* which sends the proxy's listener on this socket */
        bool tmp_noexec;             /* /tmp and /dev/shm mounted noexec */
        const char *workdir;         /* absolute; stays writable */
        const char *const *writable; /* more absolute paths kept writable; NULL-terminated */
        const char *const *expose;   /* absolute paths kept visible, read-only, below a
                                      * hidden directory; NULL-terminated */
        const char *const *hide;     /* directories the job does not see (an empty
                                      * read-only tmpfs over each; mounthide.h) */
        uint64_t tmp_bytes;          /* size of /tmp and /dev/shm; 0: the default */
};

/* Returns 0 or -errno. */
int mountns_apply(const struct mountns_spec *m);
