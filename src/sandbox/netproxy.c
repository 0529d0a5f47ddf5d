/* netproxy.c - the proxy process's lifecycle and the job side of the bridge;
 * see netproxy.h.  The proxy itself is netproxy-serve.c. */
#include "netproxy.h"
#include "fdpass.h"
#include "cleanup.h"
#include "netproxy-internal.h"
#include "privs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const netproxy_env[] = {"http_proxy=" NETPROXY_URL,
                                    "https_proxy=" NETPROXY_URL,
                                    "HTTP_PROXY=" NETPROXY_URL,
                                    "HTTPS_PROXY=" NETPROXY_URL,
                                    "no_proxy=localhost,127.0.0.1,::1",
                                    "NO_PROXY=localhost,127.0.0.1,::1",
                                    NULL};

struct netproxy {
        pid_t pid;
        int job_sock; /* the job's child sends its listening socket here */
        int ctl;      /* stop and counts */
};

void netproxy_stats_add_denial(struct netproxy_stats *s, const char *destination)
{
        s->denied++;
        for (uint32_t i = 0; i < s->n_denied; i++)
                if (strcmp(s->list[i].destination, destination) == 0) {
                        s->list[i].count++;
                        return;
                }
        if (s->n_denied == NETPROXY_MAX_DENIED) {
                s->list[NETPROXY_MAX_DENIED - 1].count++;
                return;
        }
        if (s->n_denied == NETPROXY_MAX_DENIED - 1)
                destination = "(other)";
        struct netproxy_denial *d = &s->list[s->n_denied++];
        snprintf(d->destination, sizeof(d->destination), "%s", destination);
        d->count = 1;
}

/* ---- the job's side (async-signal-safe) ---------------------------------- */

int netproxy_job_listen(int sock)
{
        int r = 0;
        if (unshare(CLONE_NEWNET) < 0) {
                r = -errno;
                goto out;
        }
        /* The new namespace's loopback starts down. */
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) {
                r = -errno;
                goto out;
        }
        struct ifreq ifr = {0};
        memcpy(ifr.ifr_name, "lo", 3);
        ifr.ifr_flags = IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                r = -errno;
        close(s);
        if (r < 0)
                goto out;

        int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (l < 0) {
                r = -errno;
                goto out;
        }
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(NETPROXY_PORT)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
                r = -errno;
                close(l);
                goto out;
        }
        r = fdpass_send(sock, 'L', &l, 1);
        /* The job never holds its proxy's listening socket. */
        close(l);
out:
        close(sock);
        return r;
}

/* ---- the proxy process ---------------------------------------------------- */

static int receive_listener(int sock)
{
        char tag;
        int fd;
        int n = fdpass_recv(sock, &tag, &fd, 1);
        return n < 0 ? n : fd; /* -ECONNRESET: the job never got that far */
}

static _Noreturn void proxy_main(int job_sock, int ctl, const struct net_policy *p,
                                 const struct privs_spec *privs, pid_t parent)
{
        /* Corral gone: the proxy goes too (the job cannot outlive it anyway). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_IGN); /* a ^C at the terminal is corral's to handle */

        /* Nothing of corral's but the two sockets. */
        if (dup2(job_sock, 3) < 0 || dup2(ctl, 4) < 0)
                _exit(1);
        syscall(SYS_close_range, 5, ~0U, 0);
        job_sock = 3;
        ctl = 4;

        struct netproxy_stats stats = {0};
        int listen_fd = receive_listener(job_sock);
        close(job_sock);
        if (listen_fd >= 0) {
                int step;
                struct privs_spec none_privs = {.cap_last = privs_cap_last()};
                if (privs_drop(privs ? privs : &none_privs, &step) < 0 ||
                    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                        _exit(1);
                int fl = fcntl(listen_fd, F_GETFL);
                if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
                        _exit(1);
                if (netproxy_serve(listen_fd, ctl, p, &stats) < 0)
                        _exit(1);
        } else {
                /* Wait for the stop all the same, so the counts (none) arrive. */
                struct pollfd pf = {.fd = ctl, .events = POLLIN};
                while (poll(&pf, 1, -1) < 0 && errno == EINTR)
                        ;
        }
        (void)!send(ctl, &stats, sizeof(stats), MSG_NOSIGNAL);
        _exit(0);
}

/* ---- corral's side -------------------------------------------------------- */

int netproxy_start(const struct net_policy *p, const struct privs_spec *privs,
                   struct netproxy **ret)
{
        int js[2], cs[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, js) < 0)
                return NEG_ERRNO();
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cs) < 0) {
                int r = NEG_ERRNO();
                close(js[0]);
                close(js[1]);
                return r;
        }
        struct netproxy *np = calloc(1, sizeof(*np));
        pid_t parent = getpid();
        pid_t pid = np ? fork() : -1;
        if (pid == 0)
                proxy_main(js[0], cs[1], p, privs, parent);
        int r = pid < 0 ? (np ? NEG_ERRNO() : -ENOMEM) : 0;
        close(js[0]);
        close(cs[1]);
        if (r < 0) {
                close(js[1]);
                close(cs[0]);
                free(np);
                return r;
        }
        np->pid = pid;
        np->job_sock = js[1];
        np->ctl = cs[0];
        *ret = np;
        return 0;
}

int netproxy_job_sock(const struct netproxy *np)
{
        return np->job_sock;
}

void netproxy_job_started(struct netproxy *np)
{
        if (np->job_sock >= 0)
                close(np->job_sock);
        np->job_sock = -EBADF;
}

int netproxy_finish(struct netproxy *np, struct netproxy_stats *ret)
{
        netproxy_job_started(np);
        shutdown(np->ctl, SHUT_WR);
        struct netproxy_stats s = {0};
        int r = -ETIMEDOUT;
        /* The proxy answers at once unless stuck in a name lookup: bounded. */
        struct pollfd pf = {.fd = np->ctl, .events = POLLIN};
        int k;
        while ((k = poll(&pf, 1, 5000)) < 0 && errno == EINTR)
                ;
        if (k > 0) {
                ssize_t n = recv(np->ctl, &s, sizeof(s), 0);
                r = n == (ssize_t)sizeof(s) ? 0 : n < 0 ? NEG_ERRNO() : -EPROTO;
        }
        if (r == 0 && s.n_denied > NETPROXY_MAX_DENIED)
                r = -EPROTO;
        if (r == 0) {
                for (uint32_t i = 0; i < s.n_denied; i++)
                        s.list[i].destination[sizeof(s.list[i].destination) - 1] = 0;
                *ret = s;
        }
        netproxy_free(np);
        return r;
}

void netproxy_free(struct netproxy *np)
{
        if (!np)
                return;
        if (np->job_sock >= 0)
                close(np->job_sock);
        if (np->ctl >= 0)
                close(np->ctl);
        if (np->pid > 0) {
                /* Counts were sent (or will never be): nothing is lost by ending it. */
                kill(np->pid, SIGKILL);
                while (waitpid(np->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        free(np);
}
