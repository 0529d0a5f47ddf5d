/* policy.h - seccomp policies: parse a text policy, compile it once, install it in a child.
 *
 * Life cycle (prepare in the parent, apply in the child, as nsjail does):
 *   1. The supervisor (or server) calls policy_load() once per policy name.  This parses the
 *      file (and its includes) and compiles it with libseccomp into a classic BPF program held
 *      in memory.  Errors come back as "file:line: reason" in err.
 *   2. After fork/clone, the child calls policy_install(policy_bpf(p), 0) as its LAST step
 *      before execve, after no_new_privs is set.  policy_install() is async-signal-safe and
 *      allocates nothing, so it is safe after fork in a multi-threaded parent.
 *   3. The parent calls policy_free() when it no longer needs the policy.
 *
 * The language is documented in docs/policy-language.md; the shipped policies in
 * docs/policies.md.
 */
#pragma once

#include "cleanup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

struct policy;

/* Loads and compiles a policy.  name_or_path is either a bare name matching [a-z0-9_-]+,
 * resolved to <policy_dir>/<name>.policy, or a path to a file (anything containing '/').
 * policy_dir NULL means the installed CORRAL_POLICY_DIR, or the source tree's policies/
 * (CORRAL_SOURCE_POLICY_DIR) when corral is not installed.
 * Returns 0 and *ret on success; -ENOENT when the file does not exist, -EINVAL for a syntax
 * or semantic error, -ELOOP for an include cycle or too deep includes, or another -errno.
 * On every error, err (if non-NULL) holds a one-line message "file:line: reason". */
int policy_load(const char *name_or_path, const char *policy_dir, struct policy **ret, char *err,
                size_t errlen);

/* policy_load, with the compiled programs kept in cache_dir (created 0700 when
 * missing; NULL: no cache): the policy is still parsed and checked every time,
 * but compiled only once per distinct text (keyed by a hash of every file the
 * parse read and corral's version). */
int policy_load_cached(const char *name_or_path, const char *policy_dir, const char *cache_dir,
                       struct policy **ret, char *err, size_t errlen);

/* policy_load_cached for a job someone else asked for (a supervisor, whose
 * reasons MCP clients read): an error names the file, the line and the kind
 * of error, never the text found there.  Threat: a policy path turned into a
 * file-reading oracle ("/etc/shadow:1: unknown action 'root'"). */
int policy_load_quiet(const char *name_or_path, const char *policy_dir, const char *cache_dir,
                      struct policy **ret, char *err, size_t errlen);

/* Same as policy_load() for a policy held in memory (used by the fuzzer and tests).  name is
 * used in messages and as the policy's name.  include_dir is where `include NAME` looks; NULL
 * makes every include an error. */
int policy_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
                        struct policy **ret, char *err, size_t errlen);

/* The compiled program, owned by p; NULL for an unfiltered policy (`unfiltered`, e.g. none). */
const struct sock_fprog *policy_bpf(const struct policy *p);

/* The policy's name: the bare name, or the path it was loaded from. */
const char *policy_name(const struct policy *p);

/* Accepts NULL. */
void policy_free(struct policy *p);
DEFINE_FREE_FUNC(struct policy, policy_free)

/* The native (x86_64) name of syscall number nr, e.g. "ptrace" for 101, for reporting
 * "seccomp_violation: ptrace".  NULL when nr is not a native syscall (an x32 number with bit
 * 0x40000000, or unknown).  Thread-safe; the string is static. */
const char *policy_syscall_name(long nr);

/* Installs prog with seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).  Call in the child, after
 * PR_SET_NO_NEW_PRIVS, immediately before execve.  prog NULL (unfiltered policy) installs
 * nothing and returns 0.  Returns >= 0 on success (the listener fd when flags contains
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0) or -errno (-EACCES: no_new_privs is not set and
 * the caller lacks CAP_SYS_ADMIN).  Async-signal-safe: one syscall, no allocation. */
int policy_install(const struct sock_fprog *prog, unsigned flags);

/* ---- denials reported to the supervisor (docs/decisions/seccomp-denials.md) ----
 *
 * Notify mode: the child installs policy_bpf_notify(p) instead of policy_bpf(p), with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER.  Every syscall the policy would not allow then waits for
 * the supervisor, which decides with the enforcing program (policy_evaluate), answers errno
 * actions itself (the job runs on, the denial is counted and named), and learns the name of
 * a syscall the policy kills before it kills the job.  The child:
 *     probe = dup(2); close(probe);          // the listener will get this number
 *     tell the supervisor `probe` (error pipe), then
 *     policy_install(policy_bpf_notify(p), SECCOMP_FILTER_FLAG_NEW_LISTENER);  // == probe
 *     policy_notify_marker();                // blocks until the supervisor holds the fd
 *     execve(...)                            // the listener is O_CLOEXEC: the job never has it
 * The supervisor: pidfd_getfd(pidfd, probe) until it succeeds, then policy_notify_receive()
 * whenever the listener is readable. */

/* prctl option used as the marker; no real prctl has this value. */
#define POLICY_MARKER_PRCTL 0x434f5252u /* "CORR" */

/* The notify-mode program; NULL for an unfiltered policy. */
const struct sock_fprog *policy_bpf_notify(const struct policy *p);

/* Runs the enforcing program on d in user space: returns the SECCOMP_RET_* value the kernel
 * would have applied (e.g. SECCOMP_RET_ERRNO | EPERM).  SECCOMP_RET_ALLOW for an unfiltered
 * policy; SECCOMP_RET_KILL_PROCESS for a malformed program (fail closed). */
uint32_t policy_evaluate(const struct policy *p, const struct seccomp_data *d);

/* Runs any seccomp classic-BPF program on d (the interpreter behind policy_evaluate). */
uint32_t policy_bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d);

/* In the child, after installing the notify program: returns once the supervisor answered
 * (0), or -errno (-ENOSYS: the listener was closed; the supervisor is gone). */
int policy_notify_marker(void);

struct policy_event {
        pid_t pid;       /* the calling thread, in the supervisor's pid namespace */
        int nr;          /* syscall number as the caller passed it */
        uint32_t arch;   /* AUDIT_ARCH_*; with nr, tells x32 (nr & 0x40000000) and i386 apart */
        uint32_t action; /* the enforcing verdict, SECCOMP_RET_* */
        bool marker;     /* the child's marker, not a denial */
        bool answered;   /* false for kills: the caller must kill the job now */
};

/* Receives one notification from listener (call when it is readable), decides it with
 * policy_evaluate() and answers it: errno actions get their errno, log gets "continue", the
 * marker gets 0.  Kill actions are NOT answered: the caller records
 * "seccomp_violation: <policy_event_name()>" and kills the job (the syscall never runs;
 * if the supervisor dies instead, the kernel fails it with ENOSYS).  Syscalls through other
 * ABIs (i386, x32) arrive here as kills too, so in notify mode the kernel never sends SIGSYS
 * itself: a job that dies by SIGSYS raised it.
 * Returns 0 and *ret, -ENOENT when the caller died before being answered (nothing to do),
 * or another -errno. */
int policy_notify_receive(const struct policy *p, int listener, struct policy_event *ret);

/* A name for the syscall of ev for reports: "ptrace", "x32:getpid", "i386:20" (i386 and
 * unknown numbers are given as numbers).  Writes at most size bytes into buf; returns buf. */
const char *policy_event_name(const struct policy_event *ev, char *buf, size_t size);
