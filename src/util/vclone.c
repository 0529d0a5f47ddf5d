/* vclone.c - start a child the way posix_spawn does (vclone.h). */
#include "vclone.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define VCLONE_FORKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VCLONE_FORKS 1
#endif
#endif

struct vclone_args {
        int (*fn)(void *arg);
        void *arg;
        sigset_t mask;
};

/* A handler of the caller's would run on the caller's memory: the child
 * starts with none (as posix_spawn's), and only then takes the caller's
 * signal mask back. */
static int vclone_child(void *data)
{
        const struct vclone_args *a = data;
        for (int sig = 1; sig < _NSIG; sig++) {
                struct sigaction sa;
                if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
                    sa.sa_handler != SIG_IGN)
                        signal(sig, SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &a->mask, NULL);
        return a->fn(a->arg);
}

pid_t vclone(int (*fn)(void *arg), void *arg)
{
        struct vclone_args a = {.fn = fn, .arg = arg};
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &a.mask);
#ifdef VCLONE_FORKS
        pid_t pid = fork();
        if (pid == 0)
                _exit(vclone_child(&a));
        int err = errno;
#else
        /* What the child's steps before exec need (job_run, with its
         * privilege drop, takes a few KiB); only the pages touched cost. */
        enum { STACK_SIZE = 1 << 20 };
        pid_t pid = -1;
        int err = 0;
        char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED)
                err = errno;
        else {
                pid = clone(vclone_child, stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
                err = errno;
                /* The child has exec'd or exited: its stack is ours again. */
                munmap(stack, STACK_SIZE);
        }
#endif
        sigprocmask(SIG_SETMASK, &a.mask, NULL);
        return pid < 0 ? -err : pid;
}
