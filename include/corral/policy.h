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

#include <stddef.h>
#include <linux/filter.h>

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
