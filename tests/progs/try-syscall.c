/* try-syscall.c - make one syscall with harmless bad arguments and print what happened.
 *
 * Usage: try-syscall NAME...   For each NAME prints "NAME errno=<E>" (e.g. "ptrace errno=EPERM")
 * or "NAME ok" when the call succeeded, and exits 0.  A seccomp kill ends the process with
 * SIGSYS before anything is printed for that NAME.
 *
 * After bubblewrap's tests/try-syscall.c: each call is made with arguments an unfiltered kernel
 * rejects with EBADF, EFAULT or EINVAL (an invalid fd, a NULL pointer, impossible flags), so
 *   - "allowed" shows up as EBADF/EFAULT/EINVAL/ESRCH...,
 *   - "filtered" shows up as the policy's errno (EPERM, ENOSYS for clone3) or SIGSYS,
 * and no call does anything even as root when the filter lets it through.  Callers compare
 * with the same call under the `none` policy when in doubt.
 *
 * Special names: x32 (getpid with the x32 bit 0x40000000), int80 (getpid through the i386
 * int 0x80 gate), clone-newuser / unshare-newuser (real namespace requests, undone at once
 * by the child's exit), ioctl-tiocsti / ioctl-tiocsti-hi (TIOCSTI on fd -1, the second with a
 * high bit set in the request), ioctl-tcgets (isatty's request), personality-norandom
 * (ADDR_NO_RANDOMIZE), socket-<family> for unix, inet, inet6, packet, netlink, vsock.
 *
 * Real attempts for the escape suite (tests/escape), NAME:ARG: ptrace-attach:PID,
 * kill:PID (SIGKILL), open:PATH (read-only), write:PATH (writes "0\n" as a cgroup file
 * wants), setns-self:NS (joins its own /proc/self/ns/NS), and kill-all (kill(-1, SIGKILL);
 * "ok" means it signalled someone).  For the hostile-tenant suite (tests/hostile):
 * create:PATH (a new file, removed again), signal0:PID (kill with signal 0: is PID there and ours
 * to signal), shm-make:KEY (a SysV segment of key KEY, mode 0666) and shm-get:KEY (is that segment
 * visible).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD_FD  (-1L)
#define BAD_PTR 0L

/* Under a sanitizer build: LeakSanitizer stops the world with ptrace at exit, which the
 * policies under test deny; leaks are checked in the unfiltered unit tests instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
        return "detect_leaks=0";
}

static long do_socket(int family)
{
        /* type -1 is invalid: an allowed family fails with EINVAL. */
        return syscall(SYS_socket, family, -1, 0);
}

/* A real namespace request in a child that exits at once; returns like a syscall. */
static long do_clone_newuser(void)
{
        long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0)
                _exit(0);
        if (pid > 0) {
                waitpid((pid_t)pid, NULL, 0);
                return 0;
        }
        return pid;
}

static long do_unshare_newuser(void)
{
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0)
                _exit(syscall(SYS_unshare, CLONE_NEWUSER) == 0 ? 0 : errno);
        int st;
        if (waitpid(pid, &st, 0) < 0)
                return -1;
        if (WIFSIGNALED(st))
                raise(WTERMSIG(st)); /* a SIGSYS in the child is ours to report */
        if (WEXITSTATUS(st) == 0)
                return 0;
        errno = WEXITSTATUS(st);
        return -1;
}

static long do_int80(void)
{
        long ret = 20; /* __NR_getpid on i386 */
        __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
        if (ret < 0 && ret > -4096) {
                errno = (int)-ret;
                return -1;
        }
        return ret;
}

static long do_write(const char *path)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        long r = write(fd, "0\n", 2);
        int e = errno;
        close(fd);
        errno = e;
        return r;
}

static long do_setns_self(const char *ns)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        long r = syscall(SYS_setns, fd, 0);
        int e = errno;
        close(fd);
        errno = e;
        return r;
}

/* The real attempts, NAME:ARG. */
static long try_with_arg(const char *name, const char *arg, int *known)
{
        *known = 1;
        if (!strcmp(name, "ptrace-attach"))
                return syscall(SYS_ptrace, 16L /* PTRACE_ATTACH */, atol(arg), 0, 0);
        if (!strcmp(name, "kill"))
                return syscall(SYS_kill, atol(arg), SIGKILL);
        if (!strcmp(name, "create")) { /* a new file at PATH (removed again) */
                long fd = syscall(SYS_openat, AT_FDCWD, arg,
                                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        close((int)fd);
                        unlink(arg);
                }
                return fd;
        }
        if (!strcmp(name, "signal0")) /* is PID there and ours to signal? */
                return syscall(SYS_kill, atol(arg), 0);
        if (!strcmp(name, "shm-make")) /* a SysV segment anyone may use, key ARG */
                return shmget((key_t)atol(arg), 4096, IPC_CREAT | 0666);
        if (!strcmp(name, "shm-get")) /* is the segment of key ARG visible? */
                return shmget((key_t)atol(arg), 0, 0);
        if (!strcmp(name, "open")) {
                long fd = syscall(SYS_openat, AT_FDCWD, arg, O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        close((int)fd);
                return fd;
        }
        if (!strcmp(name, "write"))
                return do_write(arg);
        if (!strcmp(name, "setns-self"))
                return do_setns_self(arg);
        *known = 0;
        return 0;
}

static long try(const char *name, int *known)
{
        *known = 1;
        const char *colon = strchr(name, ':');
        if (colon && strncmp(name, "x32", 3) != 0) {
                char head[64];
                snprintf(head, sizeof(head), "%.*s", (int)(colon - name), name);
                return try_with_arg(head, colon + 1, known);
        }
        if (!strcmp(name, "kill-all"))
                return syscall(SYS_kill, -1L, SIGKILL);
        if (!strcmp(name, "x32"))
                return syscall(0x40000000 | SYS_getpid);
        if (!strcmp(name, "int80"))
                return do_int80();
        if (!strcmp(name, "clone-newuser"))
                return do_clone_newuser();
        if (!strcmp(name, "unshare-newuser"))
                return do_unshare_newuser();
        if (!strcmp(name, "ioctl-tiocsti"))
                return syscall(SYS_ioctl, BAD_FD, TIOCSTI, BAD_PTR);
        if (!strcmp(name, "ioctl-tiocsti-hi"))
                return syscall(SYS_ioctl, BAD_FD, (1UL << 32) | TIOCSTI, BAD_PTR);
        if (!strcmp(name, "ioctl-tcgets"))
                return syscall(SYS_ioctl, BAD_FD, TCGETS, BAD_PTR);
        if (!strcmp(name, "socket-unix"))
                return do_socket(AF_UNIX);
        if (!strcmp(name, "socket-inet"))
                return do_socket(AF_INET);
        if (!strcmp(name, "socket-inet6"))
                return do_socket(AF_INET6);
        if (!strcmp(name, "socket-packet"))
                return do_socket(AF_PACKET);
        if (!strcmp(name, "socket-netlink"))
                return do_socket(AF_NETLINK);
        if (!strcmp(name, "socket-vsock"))
                return do_socket(AF_VSOCK);
        if (!strcmp(name, "read"))
                return syscall(SYS_read, BAD_FD, BAD_PTR, 0);
        if (!strcmp(name, "write"))
                return syscall(SYS_write, BAD_FD, BAD_PTR, 0);
        if (!strcmp(name, "ptrace"))
                return syscall(SYS_ptrace, 2L /* PEEKDATA */, 0, 0, 0) /* pid 0: ESRCH */;
        if (!strcmp(name, "mount"))
                return syscall(SYS_mount, BAD_PTR, BAD_PTR, BAD_PTR, 0, BAD_PTR);
        if (!strcmp(name, "umount2"))
                return syscall(SYS_umount2, BAD_PTR, 0);
        if (!strcmp(name, "pivot_root"))
                return syscall(SYS_pivot_root, BAD_PTR, BAD_PTR);
        if (!strcmp(name, "chroot"))
                return syscall(SYS_chroot, BAD_PTR);
        if (!strcmp(name, "setns"))
                return syscall(SYS_setns, BAD_FD, 0);
        if (!strcmp(name, "unshare"))
                return syscall(SYS_unshare, -1L); /* every bit: EINVAL when allowed */
        if (!strcmp(name, "kexec_load"))
                return syscall(SYS_kexec_load, 0, 0, BAD_PTR, -1L);
        if (!strcmp(name, "kexec_file_load"))
                return syscall(SYS_kexec_file_load, BAD_FD, BAD_FD, 0, BAD_PTR, -1L);
        if (!strcmp(name, "init_module"))
                return syscall(SYS_init_module, BAD_PTR, 0, BAD_PTR);
        if (!strcmp(name, "finit_module"))
                return syscall(SYS_finit_module, BAD_FD, BAD_PTR, 0);
        if (!strcmp(name, "delete_module"))
                return syscall(SYS_delete_module, BAD_PTR, 0);
        if (!strcmp(name, "iopl"))
                return syscall(SYS_iopl, 99);
        if (!strcmp(name, "ioperm"))
                return syscall(SYS_ioperm, -1L, -1L, 0);
        if (!strcmp(name, "reboot"))
                return syscall(SYS_reboot, 0, 0, 0, BAD_PTR); /* bad magic: EINVAL */
        if (!strcmp(name, "bpf"))
                return syscall(SYS_bpf, -1L, BAD_PTR, 0);
        if (!strcmp(name, "perf_event_open"))
                return syscall(SYS_perf_event_open, BAD_PTR, 0, -1L, -1L, 0);
        if (!strcmp(name, "keyctl"))
                return syscall(SYS_keyctl, -1L, 0, 0, 0, 0);
        if (!strcmp(name, "add_key"))
                return syscall(SYS_add_key, BAD_PTR, BAD_PTR, BAD_PTR, 0, 0);
        if (!strcmp(name, "request_key"))
                return syscall(SYS_request_key, BAD_PTR, BAD_PTR, BAD_PTR, 0);
        if (!strcmp(name, "open_by_handle_at"))
                return syscall(SYS_open_by_handle_at, BAD_FD, BAD_PTR, 0);
        if (!strcmp(name, "userfaultfd"))
                return syscall(SYS_userfaultfd, -1L);
        if (!strcmp(name, "swapon"))
                return syscall(SYS_swapon, BAD_PTR, 0);
        if (!strcmp(name, "swapoff"))
                return syscall(SYS_swapoff, BAD_PTR);
        if (!strcmp(name, "settimeofday"))
                return syscall(SYS_settimeofday, 1L, 1L); /* unmapped pointers */
        if (!strcmp(name, "clock_settime"))
                return syscall(SYS_clock_settime, CLOCK_REALTIME, BAD_PTR);
        if (!strcmp(name, "adjtimex"))
                return syscall(SYS_adjtimex, BAD_PTR);
        if (!strcmp(name, "acct"))
                return syscall(SYS_acct, 1L);
        if (!strcmp(name, "quotactl"))
                return syscall(SYS_quotactl, 0, BAD_PTR, 0, BAD_PTR);
        if (!strcmp(name, "process_vm_readv"))
                return syscall(SYS_process_vm_readv, 0, BAD_PTR, 1, BAD_PTR, 1, 0);
        if (!strcmp(name, "process_vm_writev"))
                return syscall(SYS_process_vm_writev, 0, BAD_PTR, 1, BAD_PTR, 1, 0);
        if (!strcmp(name, "io_uring_setup"))
                return syscall(SYS_io_uring_setup, 0, BAD_PTR);
        if (!strcmp(name, "clone3"))
                return syscall(SYS_clone3, BAD_PTR, 0); /* size 0: EINVAL when allowed */
        if (!strcmp(name, "sethostname"))
                return syscall(SYS_sethostname, BAD_PTR, -1L);
        if (!strcmp(name, "personality-norandom"))
                return syscall(SYS_personality, 0x0040000L); /* ADDR_NO_RANDOMIZE */
        if (!strcmp(name, "getpid"))
                return syscall(SYS_getpid);
        *known = 0;
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: %s NAME...\n", argv[0]);
                return 2;
        }
        setvbuf(stdout, NULL, _IONBF, 0); /* every line out before a possible SIGSYS */
        for (int i = 1; i < argc; i++) {
                int known;
                errno = 0;
                long r = try(argv[i], &known);
                int e = errno;
                if (!known) {
                        fprintf(stderr, "try-syscall: unknown name '%s'\n", argv[i]);
                        return 2;
                }
                if (r >= 0)
                        printf("%s ok\n", argv[i]);
                else
                        printf("%s errno=%s\n", argv[i],
                               strerrorname_np(e) ? strerrorname_np(e) : "?");
        }
        /* _exit, not return: an ASan build's leak check at exit (atexit) stops the world
         * with ptrace, which the policies under test deny, whatever ASAN_OPTIONS says. */
        fflush(stdout);
        _exit(0);
}
