/* daemon-server.c - see daemon-server.h. */
#include "daemon-server.h"
#include "cleanup.h"
#include "daemon-peer.h"
#include "daemon-proto.h"
#include "governor.h"
#include "log.h"
#include "loop.h"
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum conn_state { CONN_READING, CONN_RUNNING };

struct conn {
        struct daemon *d;
        struct conn *prev, *next;
        int fd;
        struct daemon_peer peer;
        enum conn_state state;
        struct loop_source *io, *worker_src;
        uint8_t hdr[DAEMON_HEADER_SIZE];
        size_t hdr_got;
        char *payload;
        uint32_t payload_len;
        size_t payload_got;
        int fds[DAEMON_REQUEST_FDS];
        int n_fds;
        uint64_t deadline;
        pid_t worker;
        char what[32]; /* the command, for the log */
};

struct daemon {
        const struct daemon_config *cfg;
        pid_t pid;
        struct loop *loop;
        int listen_fd;
        struct loop_source *listen_src;
        struct conn *conns;
        unsigned n_conns;
        unsigned n_over_limit; /* refused for the limits since the last tick */
};

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void conn_close_fds(struct conn *c)
{
        for (int i = 0; i < c->n_fds; i++)
                close(c->fds[i]);
        c->n_fds = 0;
}

static void conn_free(struct conn *c)
{
        if (!c)
                return;
        struct daemon *d = c->d;
        if (c->prev)
                c->prev->next = c->next;
        else
                d->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        d->n_conns--;
        loop_source_free(c->io);
        loop_source_free(c->worker_src);
        conn_close_fds(c);
        if (c->fd >= 0)
                close(c->fd);
        free(c->payload);
        free(c);
}

/* The one thing the daemon ever writes to a client: never blocking (a
 * client that does not read loses its reply, nobody else waits). */
static void send_reply(int fd, int exit_status, const char *error)
{
        _cleanup_free_ char *payload = NULL;
        size_t len;
        if (daemon_reply_format(exit_status, error, &payload, &len) < 0)
                return;
        uint8_t hdr[DAEMON_HEADER_SIZE];
        daemon_header_format(hdr, (uint32_t)len);
        struct iovec iov[2] = {{hdr, sizeof(hdr)}, {payload, len}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
        (void)sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void conn_refuse_quietly(struct conn *c, int exit_status, const char *error)
{
        send_reply(c->fd, exit_status, error);
        conn_free(c);
}

static void conn_refuse(struct conn *c, int exit_status, const char *error)
{
        log_notice("uid=%u pid=%d: refused: %s", (unsigned)c->peer.uid, (int)c->peer.pid, error);
        send_reply(c->fd, exit_status, error);
        /* Closing a Unix socket with unread input resets it, and the client would
         * lose the reply: read (a bounded amount of) what is waiting first. */
        char sink[4096];
        for (int i = 0; i < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
                ;
        conn_free(c);
}

/* Arguments for the log: control characters replaced, so a request cannot
 * forge log lines; at most 200 bytes. */
static void describe(const struct daemon_request *r, char *buf, size_t len)
{
        size_t n = 0;
        buf[0] = 0;
        for (size_t i = 0; i < r->argc && n + 1 < len; i++) {
                for (const char *s = r->argv[i]; *s && n + 1 < len; s++)
                        buf[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
                if (n + 1 < len && i + 1 < r->argc)
                        buf[n++] = ' ';
        }
        buf[n] = 0;
        if (n + 1 >= len && len > 4)
                strcpy(buf + len - 4, "...");
}

/* Checks that depend on who asks: acting for another tenant, and changing
 * the governor's policy (shared by every tenant), are for operators. */
static const char *operator_only(const struct daemon_request *r, const struct daemon_peer *p)
{
        if (p->operator)
                return NULL;
        if (r->tenant && strcmp(r->tenant, p->tenant) != 0)
                return "only operators may act for another tenant (--tenant)";
        for (size_t i = 1; i < r->argc; i++) {
                if (strcmp(r->argv[i], "--") == 0)
                        break;
                struct gov_policy gp;
                char err[256];
                gov_policy_init(&gp);
                if (gov_policy_parse_option(&gp, r->argv[i], "1", err, sizeof(err)) != 0)
                        return "only operators may change the governor's policy, which every "
                               "tenant shares";
        }
        return NULL;
}

static int on_worker_exit(struct loop_source *s, pid_t pid, int pidfd, void *userdata)
{
        struct conn *c = userdata;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) <= 0)
                return 0;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        log_info("uid=%u pid=%d tenant=%s: %s ended with %d", (unsigned)c->peer.uid,
                 (int)c->peer.pid, c->peer.tenant, c->what, code);
        c->worker = 0;
        send_reply(c->fd, code, NULL);
        conn_free(c);
        return 0;
}

/* Moves fd above the standard ones, keeping it close-on-exec. */
static int fd_above_stdio(int fd)
{
        return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* In the forked child: becomes the worker.  Never returns. */
static void worker_exec(const struct daemon *d, const struct conn *c,
                        const struct daemon_request *r, const char *tenant)
{
        const struct daemon_config *cfg = d->cfg;
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        /* A command that only reads ends with the daemon, so a client that asks
         * again after a restart does not get two answers; one that changes the
         * store (submit, cancel, retry, gc) finishes what it began. */
        if (daemon_command_reads_only(r->argv[0])) {
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != d->pid)
                        _exit(EXIT_CORRAL_FAILED);
        }

        int fds[DAEMON_REQUEST_FDS];
        for (int i = 0; i < DAEMON_REQUEST_FDS; i++)
                if ((fds[i] = fd_above_stdio(c->fds[i])) < 0)
                        _exit(EXIT_CORRAL_FAILED);
        for (int i = 0; i < 3; i++)
                if (dup2(fds[i], i) < 0)
                        _exit(EXIT_CORRAL_FAILED);
        if (fchdir(fds[3]) < 0)
                _exit(EXIT_CORRAL_FAILED);
        /* Nothing of the daemon's (other clients' fds, the listener) reaches the worker. */
        if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
                _exit(EXIT_CORRAL_FAILED);

        char uid[32], gid[32], view[96];
        snprintf(uid, sizeof(uid), "CORRAL_CALLER_UID=%u", (unsigned)c->peer.uid);
        snprintf(gid, sizeof(gid), "CORRAL_CALLER_GID=%u", (unsigned)c->peer.gid);
        const char *envp[DAEMON_ENV_MAX + 8];
        size_t ne = 0;
        envp[ne++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        envp[ne++] = uid;
        envp[ne++] = gid;
        /* Operators see every tenant's job at the head of the queue; others their own. */
        snprintf(view, sizeof(view), "CORRAL_VIEW_TENANT=%s", tenant);
        if (!c->peer.operator)
                envp[ne++] = view;
        for (size_t i = 0; r->env && r->env[i] && ne < DAEMON_ENV_MAX + 6; i++)
                envp[ne++] = r->env[i];
        envp[ne] = NULL;

        const char **argv = calloc(r->argc + 16, sizeof(char *));
        if (!argv)
                _exit(EXIT_CORRAL_FAILED);
        size_t n = 0;
        argv[n++] = "corral";
        argv[n++] = "--state-dir";
        argv[n++] = cfg->state_dir;
        argv[n++] = "--tenant";
        argv[n++] = tenant;
        if (cfg->cgroup_parent) {
                argv[n++] = "--cgroup-parent";
                argv[n++] = cfg->cgroup_parent;
        }
        if (cfg->policy_dir) {
                argv[n++] = "--policy-dir";
                argv[n++] = cfg->policy_dir;
        }
        if (cfg->verbose)
                argv[n++] = "-v";
        for (size_t i = 0; i < r->argc; i++)
                argv[n++] = r->argv[i];
        argv[n] = NULL;
        execve("/proc/self/exe", (char **)argv, (char **)envp);
        _exit(EXIT_CORRAL_FAILED);
}

/* The whole request is in: check it and start its worker. */
static void conn_dispatch(struct conn *c)
{
        struct daemon *d = c->d;
        char err[512];
        struct daemon_request *r = NULL;
        int k = daemon_request_parse(c->payload, c->payload_len, &r, err, sizeof(err));
        if (k < 0) {
                conn_refuse(c, EXIT_USAGE, k == -ENOMEM ? "out of memory" : err);
                return;
        }
        const char *why = NULL;
        struct stat st;
        if (c->n_fds != DAEMON_REQUEST_FDS)
                why = "the request must carry 4 file descriptors: stdin, stdout, stderr and the "
                      "working directory";
        else if (fstat(c->fds[3], &st) < 0 || !S_ISDIR(st.st_mode))
                why = "the fourth file descriptor must be a directory (the working directory)";
        else
                why = operator_only(r, &c->peer);
        if (why) {
                daemon_request_free(r);
                conn_refuse(c, EXIT_USAGE, why);
                return;
        }
        const char *tenant = r->tenant ? r->tenant : c->peer.tenant;
        char args[256];
        describe(r, args, sizeof(args));
        snprintf(c->what, sizeof(c->what), "%s", r->argv[0]);
        /* Every request, submits and cancels included, with who asked. */
        log_notice("uid=%u pid=%d tenant=%s%s: %s", (unsigned)c->peer.uid, (int)c->peer.pid, tenant,
                   c->peer.operator? " (operator)" : "", args);

        pid_t pid = fork();
        if (pid == 0)
                worker_exec(d, c, r, tenant);
        daemon_request_free(r);
        conn_close_fds(c);
        if (pid < 0) {
                conn_refuse(c, 1, "the daemon could not start a worker");
                return;
        }
        c->worker = pid;
        c->state = CONN_RUNNING;
        if (loop_add_pid(d->loop, pid, on_worker_exit, c, &c->worker_src) < 0) {
                /* Without a pidfd we cannot report its end: the worker goes on, the client learns
                 * nothing more.  Reap it later through SIGCHLD's default (ignored below). */
                log_warning("Cannot watch worker %d", (int)pid);
                conn_free(c);
                return;
        }
        /* From now on only the client's hang-up matters: it ends the worker (as
         * Ctrl-C on the direct path would). */
        (void)loop_source_set_events(c->io, EPOLLRDHUP);
}

/* Takes SCM_RIGHTS fds from one recvmsg; false when the request is malformed. */
static bool take_fds(struct conn *c, struct msghdr *m)
{
        bool ok = !(m->msg_flags & MSG_CTRUNC);
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int got[DAEMON_REQUEST_FDS + 1];
                if (n > DAEMON_REQUEST_FDS + 1)
                        n = DAEMON_REQUEST_FDS + 1;
                memcpy(got, CMSG_DATA(cm), n * sizeof(int));
                if (c->n_fds == 0 && n == DAEMON_REQUEST_FDS) {
                        memcpy(c->fds, got, n * sizeof(int));
                        c->n_fds = (int)n;
                } else {
                        for (size_t i = 0; i < n; i++)
                                close(got[i]);
                        ok = false;
                }
        }
        return ok;
}

static int on_conn_io(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        if (c->state == CONN_RUNNING) {
                if (revents & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                        log_info("uid=%u pid=%d: client went away; ending its %s", c->peer.uid,
                                 (int)c->peer.pid, c->what);
                        kill(c->worker, SIGTERM);
                        /* epoll reports a hang-up whatever the mask: stop watching. */
                        loop_source_free(c->io);
                        c->io = NULL;
                }
                return 0;
        }
        for (;;) {
                void *dst;
                size_t want;
                if (c->hdr_got < DAEMON_HEADER_SIZE) {
                        dst = c->hdr + c->hdr_got;
                        want = DAEMON_HEADER_SIZE - c->hdr_got;
                } else {
                        dst = c->payload + c->payload_got;
                        want = c->payload_len - c->payload_got;
                }
                union {
                        char buf[CMSG_SPACE(sizeof(int) * (DAEMON_REQUEST_FDS + 1))];
                        struct cmsghdr align;
                } ctrl;
                struct iovec iov = {dst, want};
                struct msghdr m = {.msg_iov = &iov,
                                   .msg_iovlen = 1,
                                   .msg_control = ctrl.buf,
                                   .msg_controllen = sizeof(ctrl.buf)};
                ssize_t got = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (got < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (got <= 0) {
                        log_debug("uid=%u pid=%d: connection closed before a whole request",
                                  c->peer.uid, (int)c->peer.pid);
                        conn_free(c);
                        return 0;
                }
                if (!take_fds(c, &m)) {
                        conn_refuse(c, EXIT_USAGE,
                                    "a request carries 4 file descriptors, once, on its header");
                        return 0;
                }
                if (c->hdr_got < DAEMON_HEADER_SIZE) {
                        c->hdr_got += (size_t)got;
                        if (c->hdr_got < DAEMON_HEADER_SIZE)
                                continue;
                        int k = daemon_header_parse(c->hdr, &c->payload_len);
                        if (k < 0) {
                                char e[128];
                                snprintf(e, sizeof(e),
                                         k == -EMSGSIZE
                                             ? "request size not within 1..%u bytes"
                                             : "not a corral request (a frame starts with CRL1)",
                                         DAEMON_PAYLOAD_MAX);
                                conn_refuse(c, EXIT_USAGE, e);
                                return 0;
                        }
                        if (!(c->payload = malloc(c->payload_len))) {
                                conn_refuse(c, 1, "out of memory");
                                return 0;
                        }
                        continue;
                }
                c->payload_got += (size_t)got;
                if (c->payload_got == c->payload_len) {
                        conn_dispatch(c);
                        return 0;
                }
        }
}

static unsigned conns_of_uid(const struct daemon *d, uid_t uid)
{
        unsigned n = 0;
        for (const struct conn *c = d->conns; c; c = c->next)
                n += c->peer.uid == uid;
        return n;
}

static int on_listen(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct daemon *d = userdata;
        for (int i = 0; i < 64; i++) { /* a burst at a time: timers and workers go on */
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning_errno(-errno, "accept: %s", strerror(errno));
                        return 0;
                }
                struct conn *c = calloc(1, sizeof(*c));
                if (!c) {
                        close(cfd);
                        return 0;
                }
                c->d = d;
                c->fd = cfd;
                c->next = d->conns;
                if (d->conns)
                        d->conns->prev = c;
                d->conns = c;
                d->n_conns++;
                if (daemon_peer_identify(cfd, d->cfg->operator_gid, &c->peer) < 0) {
                        conn_refuse(c, 1, "cannot identify the peer");
                        continue;
                }
                char e[160];
                if (d->n_conns > d->cfg->max_connections) {
                        snprintf(e, sizeof(e), "the daemon serves %u connections at most",
                                 d->cfg->max_connections);
                        d->n_over_limit++; /* logged once a second: a flood must not flood the log
                                            */
                        conn_refuse_quietly(c, 1, e);
                        continue;
                }
                if (conns_of_uid(d, c->peer.uid) > d->cfg->max_per_uid) {
                        snprintf(e, sizeof(e), "uid %u has %u connections open, the most allowed",
                                 (unsigned)c->peer.uid, d->cfg->max_per_uid);
                        if (d->n_over_limit++ == 0)
                                log_notice("uid=%u pid=%d: refused: %s", (unsigned)c->peer.uid,
                                           (int)c->peer.pid, e);
                        conn_refuse_quietly(c, 1, e);
                        continue;
                }
                c->deadline = now_usec() + (uint64_t)d->cfg->request_timeout_ms * 1000;
                if (loop_add_io(d->loop, cfd, EPOLLIN, on_conn_io, c, &c->io) < 0)
                        conn_free(c);
        }
        return 0;
}

/* Once a second: a request still incomplete past its deadline is dropped. */
static int on_tick(struct loop_source *s, void *userdata)
{
        struct daemon *d = userdata;
        uint64_t now = now_usec();
        if (d->n_over_limit > 1)
                log_notice("Refused %u connections over the connection limits in the last second",
                           d->n_over_limit);
        d->n_over_limit = 0;
        for (struct conn *c = d->conns, *next; c; c = next) {
                next = c->next;
                if (c->state == CONN_READING && now >= c->deadline)
                        conn_refuse(c, EXIT_USAGE, "the request did not arrive in time");
        }
        loop_timer_set(s, 1000000);
        return 0;
}

static int on_signal(struct loop_source *s, int signo, void *userdata)
{
        log_notice("Received %s: stopping (workers and jobs go on)", strsignal(signo));
        loop_exit(loop_source_loop(s), 0);
        return 0;
}

/* Room for every connection's fds: 1 + 4 received while reading, 2 while running. */
static void raise_fd_limit(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int daemon_serve(const struct daemon_config *cfg, int listen_fd)
{
        struct daemon d = {.cfg = cfg, .listen_fd = listen_fd, .pid = getpid()};
        raise_fd_limit();
        /* A client gone mid-reply must not kill the daemon. */
        signal(SIGPIPE, SIG_IGN);
        int r = loop_new(&d.loop);
        if (r < 0)
                return r;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        struct loop_source *sig = NULL, *tick = NULL;
        if ((r = fcntl(listen_fd, F_SETFL, O_NONBLOCK) < 0 ? NEG_ERRNO() : 0) < 0 ||
            (r = loop_add_signals(d.loop, &mask, on_signal, &d, &sig)) < 0 ||
            (r = loop_add_timer(d.loop, 1000000, on_tick, &d, &tick)) < 0 ||
            (r = loop_add_io(d.loop, listen_fd, EPOLLIN, on_listen, &d, &d.listen_src)) < 0) {
                loop_free(d.loop);
                return r;
        }
        r = loop_run(d.loop);
        /* Workers go on and finish their commands; their clients simply get no
         * reply (docs/daemon.md).  Only our own memory and fds are released. */
        while (d.conns)
                conn_free(d.conns);
        loop_free(d.loop);
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        return r;
}
