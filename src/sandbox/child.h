/* child.h - starting a job process inside its sandbox.
 *
 * child_spawn() creates the process (clone3, into its cgroup directly on v2),
 * and the new process runs a fixed pipeline of steps before execve; see
 * child.c's theory of operation.  A failing step is reported back to the
 * parent over a close-on-exec pipe, so the caller learns which step failed and
 * why instead of seeing a mysterious exit status.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct cg_group;
struct sock_fprog;
struct privs_spec;
struct job_rlimits;
struct hostview;
struct policy;

enum child_step {
        CHILD_STEP_NONE,
        CHILD_STEP_CGROUP,
        CHILD_STEP_SESSION,
        CHILD_STEP_STDIO,
        CHILD_STEP_FDS,
        CHILD_STEP_NAMESPACES,
        CHILD_STEP_CWD,
        CHILD_STEP_RLIMITS,
        CHILD_STEP_CREDENTIALS,
        CHILD_STEP_CAPABILITIES,
        CHILD_STEP_NO_NEW_PRIVS,
        CHILD_STEP_SECCOMP,
        CHILD_STEP_EXEC,
        CHILD_STEP_LISTENER,     /* handing the seccomp listener to the parent (notify mode) */
        CHILD_STEP_INIT,         /* the job's init starting the job in its PID namespace */
        CHILD_STEP_SUBID,        /* corral mapping the job's subordinate id (newuidmap/newgidmap) */
        CHILD_STEP_SUBID_ACCESS, /* corral granting that id its paths (runner.c) */
        _CHILD_STEP_MAX,
};

const char *child_step_to_string(enum child_step s);

struct child_spec {
        const char *path; /* resolved executable (child_resolve) */
        char *const *argv;
        char *const *envp;
        int stdin_fd; /* -1: inherit */
        int stdout_fd;
        int stderr_fd;
        bool new_session; /* setsid(): detached from corral's terminal and signals */
        const struct cg_group *group;
        /* Files, processes, IPC, network, cwd (hostview.h); NULL: corral's own,
         * cwd inherited. */
        const struct hostview *view;
        const struct job_rlimits *rlimits; /* NULL: only core 0 */
        const struct privs_spec *privs;    /* NULL: keep corral's credentials */
        const struct sock_fprog *seccomp;  /* NULL: no filter (policy "none") */
        /* Notify mode (docs/decisions/seccomp-denials.md): when set and filtered, the child
         * installs policy_bpf_notify(policy) with a listener that child_spawn() hands back,
         * and .seccomp is ignored.  NULL: plain mode with .seccomp. */
        const struct policy *policy;
        /* Written to /proc/self/oom_score_adj first thing ("1000"): the job
         * is the OOM killer's first choice where it shares its memory group
         * with corral (`corral run --memory-in-step`).  NULL: inherited. */
        const char *oom_score_adj;
        /* Called in the parent with the child's pid once the child exists and
         * its namespaces are built, before it may exec: the child waits on a
         * pipe until this returns, so whatever is recorded here (the job
         * running) precedes the job's first instruction.  NULL: no wait. */
        void (*before_exec)(void *data, pid_t pid);
        void *before_exec_data;
        /* Instead of .group (NULL then): called in the parent right after the
         * clone, while the child builds its namespaces and mounts, to make the
         * group the job's process joins (its join fds are sent to it) before
         * anything of the job runs.  The init stays out of it: the group is
         * empty as soon as the job's last process has ended, while the init
         * may still be exiting.  For a layout where the child joins by itself
         * anyway (cg_manager_clone_into() false): the two halves run on two
         * CPUs at once.  A failure here ends the child; child_spawn returns it
         * with step CHILD_STEP_NONE. */
        int (*make_group)(void *data, const struct cg_group **ret);
        void *make_group_data;
};

struct child_failure {
        enum child_step step;
        int err; /* positive errno */
};

/* Starts the child.  On success returns 0 with its pid and a pidfd (O_CLOEXEC),
 * and in *ret_status_fd (O_CLOEXEC, -1 when the view has no PID namespace) the
 * read end on which the job's init relays the main process's wait status: the
 * pid is then the init's, whose own exit status says nothing about the job
 * (child_read_status()).
 * and in notify mode the seccomp listener in *ret_listener (O_CLOEXEC; -1 when
 * no filter has one; ret_listener may be NULL only when spec->policy is NULL).
 * The caller must read the listener (policy_notify_receive) while the job runs:
 * every syscall the policy does not allow waits for an answer.
 * When the child fails before exec, it has been reaped, *ret_failure says
 * where, and the return value is -err. */
int child_spawn(const struct child_spec *spec, pid_t *ret_pid, int *ret_pidfd, int *ret_listener,
                int *ret_status_fd, struct child_failure *ret_failure);

/* After the init (pid from child_spawn) was reaped with init_status: the job's
 * own wait status, as its init relayed it, or init_status when the init was
 * killed before it could (SIGKILL for the whole group: timeout, cancel).
 * status_fd < 0: init_status. */
int child_read_status(int status_fd, int init_status);

/* While the init may still run: reads the job's wait status its init relayed
 * into *ret (1), or 0 when the init ended without relaying one (EOF). Blocks
 * until one of the two: poll status_fd first. */
int child_take_status(int status_fd, int *ret);

/* Resolves a command name through PATH (from envp, else a safe default) as
 * execvp would, so that "not found" (-ENOENT) and "not executable" (-EACCES)
 * are known before any sandbox is built.  *ret is malloc'ed. */
int child_resolve(const char *name, char *const *envp, char **ret);
