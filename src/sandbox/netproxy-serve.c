/* netproxy-serve.c - the HTTP proxy a job with allow:LIST talks to.
 *
 * One event loop (util/loop.c), one struct conn per client connection, at
 * most NETPROXY_MAX_CONNS at once (the listener is not watched while full),
 * each with two fixed buffers (client->upstream, upstream->client): the
 * proxy's memory is bounded whatever the job does.  A connection goes
 *   HEAD        reading the request head (timer: HEAD_TIMEOUT)
 *   CONNECTING  the destination was allowed, resolved and a non-blocking
 *               connect is under way (timer: CONNECT_TIMEOUT)
 *   RELAY       bytes copied both ways; each side's EOF is passed on with
 *               shutdown(SHUT_WR), the connection ends when both are done
 *   REFUSING    an error or denial response is flushed, the client's side
 *               half-closed, and what it still sends read and dropped until
 *               it closes (or the timer ends it)
 * The destination is checked against the list BEFORE any name is resolved,
 * so a name the list does not allow never reaches a DNS server.
 */
#include "cleanup.h"
#include "loop.h"
#include "netproxy-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_TIMEOUT_USEC    (30ull * 1000000)
#define CONNECT_TIMEOUT_USEC (15ull * 1000000)

struct buf {
        char data[NETPROXY_BUF];
        size_t off, len;
};

enum conn_state { C_HEAD, C_CONNECTING, C_RELAY, C_REFUSING };

struct proxy;

struct conn {
        struct proxy *px;
        struct conn *next;
        enum conn_state st;
        int cfd, ufd;
        struct loop_source *cs, *us, *timer;
        char head[NETPROXY_HEAD_MAX];
        size_t head_len;
        bool is_connect;
        bool c_eof, u_eof, c_shut, u_shut;
        struct addrinfo *ai, *ai_next;
        struct buf c2u, u2c;
};

struct proxy {
        struct loop *loop;
        const struct net_policy *policy;
        struct netproxy_stats *stats;
        int listen_fd;
        struct loop_source *ls;
        struct conn *conns;
        size_t n_conns;
};

/* ---- request heads -------------------------------------------------------- */

static bool starts_with_ci(const char *s, size_t n, const char *prefix)
{
        size_t k = strlen(prefix);
        return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* host[:port] or [v6][:port] of length n into host/port; port stays as given
 * when absent.  0 or -EINVAL. */
static int split_authority(const char *a, size_t n, char *host, size_t hostlen, uint16_t *port,
                           bool port_required)
{
        const char *h = a, *p = NULL;
        size_t hl = n;
        if (n && a[0] == '[') {
                const char *close = memchr(a, ']', n);
                if (!close)
                        return -EINVAL;
                h = a + 1;
                hl = (size_t)(close - a - 1);
                if (close + 1 < a + n) {
                        if (close[1] != ':')
                                return -EINVAL;
                        p = close + 2;
                }
        } else {
                const char *colon = memchr(a, ':', n);
                if (colon) {
                        hl = (size_t)(colon - a);
                        p = colon + 1;
                }
        }
        if (hl == 0 || hl >= hostlen || memchr(h, '@', hl))
                return -EINVAL;
        memcpy(host, h, hl);
        host[hl] = 0;
        if (p) {
                size_t pl = (size_t)(a + n - p);
                unsigned long v = 0;
                if (pl == 0 || pl > 5)
                        return -EINVAL;
                for (size_t i = 0; i < pl; i++) {
                        if (p[i] < '0' || p[i] > '9')
                                return -EINVAL;
                        v = v * 10 + (unsigned long)(p[i] - '0');
                }
                if (v < 1 || v > 65535)
                        return -EINVAL;
                *port = (uint16_t)v;
        } else if (port_required)
                return -EINVAL;
        return 0;
}

static int out_put(char *out, size_t outlen, size_t *k, const char *s, size_t n)
{
        if (*k + n > outlen)
                return -ENOBUFS;
        memcpy(out + *k, s, n);
        *k += n;
        return 0;
}

int netproxy_parse_head(const char *head, size_t len, bool *ret_connect, char *host, size_t hostlen,
                        uint16_t *ret_port, char *out, size_t outlen, size_t *ret_outlen)
{
        const char *eol = memmem(head, len, "\r\n", 2);
        if (!eol)
                return -EINVAL;
        const char *sp1 = memchr(head, ' ', (size_t)(eol - head));
        if (!sp1 || sp1 == head)
                return -EINVAL;
        const char *target = sp1 + 1;
        const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
        if (!sp2 || sp2 == target)
                return -EINVAL;
        const char *version = sp2 + 1;
        size_t vlen = (size_t)(eol - version);
        if (!starts_with_ci(version, vlen, "HTTP/1."))
                return -EINVAL;
        size_t mlen = (size_t)(sp1 - head), tlen = (size_t)(sp2 - target);
        for (size_t i = 0; i < mlen; i++)
                if (head[i] < 'A' || head[i] > 'Z')
                        return -EINVAL;

        if (mlen == 7 && memcmp(head, "CONNECT", 7) == 0) {
                *ret_connect = true;
                *ret_outlen = 0;
                return split_authority(target, tlen, host, hostlen, ret_port, true);
        }
        *ret_connect = false;
        /* Absolute form only: an origin-form request names no destination, and
         * https:// goes through CONNECT. */
        if (!starts_with_ci(target, tlen, "http://"))
                return -EINVAL;
        const char *auth = target + 7;
        size_t alen = 0;
        while (auth + alen < sp2 && auth[alen] != '/' && auth[alen] != '?' && auth[alen] != '#')
                alen++;
        *ret_port = 80;
        int r = split_authority(auth, alen, host, hostlen, ret_port, false);
        if (r < 0)
                return r;
        const char *path = auth + alen;
        size_t plen = (size_t)(sp2 - path);

        size_t k = 0;
        if ((r = out_put(out, outlen, &k, head, mlen + 1)) < 0)
                return r;
        if (plen == 0 || path[0] != '/') {
                if ((r = out_put(out, outlen, &k, "/", 1)) < 0)
                        return r;
        }
        if ((r = out_put(out, outlen, &k, path, plen)) < 0 ||
            (r = out_put(out, outlen, &k, " ", 1)) < 0 ||
            (r = out_put(out, outlen, &k, version, vlen)) < 0 ||
            (r = out_put(out, outlen, &k, "\r\n", 2)) < 0)
                return r;
        /* Host is the checked destination, whatever the client wrote: a
         * server hosting many sites must not be asked for another one. */
        if ((r = out_put(out, outlen, &k, "Host: ", 6)) < 0 ||
            (r = out_put(out, outlen, &k, auth, alen)) < 0 ||
            (r = out_put(out, outlen, &k, "\r\n", 2)) < 0)
                return r;
        const char *line = eol + 2, *end = head + len;
        while (line < end) {
                const char *le = memmem(line, (size_t)(end - line), "\r\n", 2);
                if (!le)
                        return -EINVAL;
                size_t ll = (size_t)(le - line);
                if (ll == 0)
                        break; /* the blank line */
                /* One request per connection: the origin closes after answering,
                 * so a second request on this connection cannot reach another
                 * destination than the one checked. */
                if (!starts_with_ci(line, ll, "proxy-") &&
                    !starts_with_ci(line, ll, "connection:") &&
                    !starts_with_ci(line, ll, "host:") &&
                    !starts_with_ci(line, ll, "keep-alive:") &&
                    (r = out_put(out, outlen, &k, line, ll + 2)) < 0)
                        return r;
                line = le + 2;
        }
        if ((r = out_put(out, outlen, &k, "Connection: close\r\n\r\n", 21)) < 0)
                return r;
        *ret_outlen = k;
        return 0;
}

/* ---- connections ---------------------------------------------------------- */

static void conn_free(struct conn *c)
{
        struct proxy *px = c->px;
        for (struct conn **p = &px->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        loop_source_free(c->cs);
        loop_source_free(c->us);
        loop_source_free(c->timer);
        if (c->cfd >= 0)
                close(c->cfd);
        if (c->ufd >= 0)
                close(c->ufd);
        if (c->ai)
                freeaddrinfo(c->ai);
        free(c);
        /* Room again: accept the next one. */
        if (px->n_conns-- == NETPROXY_MAX_CONNS && px->ls)
                loop_source_set_events(px->ls, EPOLLIN);
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
        if (b->off + b->len + n > sizeof(b->data)) {
                memmove(b->data, b->data + b->off, b->len);
                b->off = 0;
        }
        if (n > sizeof(b->data) - b->off - b->len)
                n = sizeof(b->data) - b->off - b->len;
        memcpy(b->data + b->off + b->len, s, n);
        b->len += n;
}

static void update(struct conn *c);

/* Answers with an error status and closes once it is sent. */
static void refuse(struct conn *c, int code, const char *reason, const char *detail)
{
        char msg[512];
        int n = snprintf(msg, sizeof(msg),
                         "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                         "Content-Length: %zu\r\n\r\ncorral: %s\n",
                         code, reason, strlen(detail) + 8, detail);
        c->st = C_REFUSING;
        c->u2c.off = c->u2c.len = 0;
        buf_put(&c->u2c, msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
        loop_timer_set(c->timer, HEAD_TIMEOUT_USEC);
        update(c);
}

static bool addr_is_local(const struct sockaddr *sa)
{
        if (sa->sa_family == AF_INET) {
                uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
                return (a >> 24) == 127 || (a >> 16) == 0xa9fe /* 169.254/16 */ || a == 0;
        }
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
                return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
                       IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_V4MAPPED(a);
        }
        return true;
}

static int conn_upstream_io(struct loop_source *s, int fd, uint32_t revents, void *userdata);

/* Starts a non-blocking connect to the next address; false when none is left. */
static bool try_next_address(struct conn *c)
{
        for (; c->ai_next; c->ai_next = c->ai_next->ai_next) {
                struct addrinfo *a = c->ai_next;
                int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        continue;
                if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
                        close(fd);
                        continue;
                }
                c->ai_next = a->ai_next;
                if (c->us) {
                        loop_source_free(c->us);
                        c->us = NULL;
                }
                if (c->ufd >= 0)
                        close(c->ufd);
                c->ufd = fd;
                if (loop_add_io(c->px->loop, fd, EPOLLOUT, conn_upstream_io, c, &c->us) < 0)
                        return false;
                return true;
        }
        return false;
}

static void on_head(struct conn *c, size_t head_end)
{
        struct proxy *px = c->px;
        char host[NET_HOST_MAX + 2], rewritten[NETPROXY_BUF];
        uint16_t port = 0;
        size_t rlen = 0;
        int r = netproxy_parse_head(c->head, head_end, &c->is_connect, host, sizeof(host), &port,
                                    rewritten, sizeof(rewritten), &rlen);
        if (r < 0)
                return refuse(c, 400, "Bad Request",
                              "only CONNECT host:port and absolute http:// requests are served");
        char dest[NET_HOST_MAX + 10];
        bool v6 = strchr(host, ':') != NULL;
        snprintf(dest, sizeof(dest), "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
        bool wildcard = false;
        if (!net_policy_allows(px->policy, host, port, &wildcard)) {
                netproxy_stats_add_denial(px->stats, dest);
                char why[NET_HOST_MAX + 80];
                snprintf(why, sizeof(why), "%s is not allowed by the job's network policy", dest);
                return refuse(c, 403, "Forbidden", why);
        }
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
        char ps[8];
        snprintf(ps, sizeof(ps), "%u", port);
        if (getaddrinfo(host, ps, &hints, &c->ai) != 0 || !c->ai)
                return refuse(c, 502, "Bad Gateway", "the destination's name does not resolve");
        /* A pattern trusts a domain's names, not every address they may resolve
         * to: a name below *.example.org pointing at 127.0.0.1 or cloud metadata
         * (169.254.169.254) would reach the host's own services. */
        if (wildcard)
                for (struct addrinfo *a = c->ai; a; a = a->ai_next)
                        if (addr_is_local(a->ai_addr)) {
                                netproxy_stats_add_denial(px->stats, dest);
                                return refuse(c, 403, "Forbidden",
                                              "a name matched by a pattern resolves to a "
                                              "loopback or link-local address");
                        }
        c->ai_next = c->ai;
        if (!try_next_address(c))
                return refuse(c, 502, "Bad Gateway", "cannot connect to the destination");
        /* What the client sent after the head goes on to the destination. */
        if (!c->is_connect)
                buf_put(&c->c2u, rewritten, rlen);
        buf_put(&c->c2u, c->head + head_end, c->head_len - head_end);
        c->st = C_CONNECTING;
        loop_timer_set(c->timer, CONNECT_TIMEOUT_USEC);
        update(c);
}

/* Reads into b from fd; sets *eof.  Returns false on a hard error. */
static bool fill(int fd, struct buf *b, bool *eof)
{
        if (b->off + b->len == sizeof(b->data) && b->off) {
                memmove(b->data, b->data + b->off, b->len);
                b->off = 0;
        }
        size_t room = sizeof(b->data) - b->off - b->len;
        if (room == 0)
                return true;
        ssize_t n = recv(fd, b->data + b->off + b->len, room, 0);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        if (n == 0)
                *eof = true;
        b->len += (size_t)n;
        return true;
}

static bool drain(int fd, struct buf *b)
{
        if (b->len == 0)
                return true;
        ssize_t n = send(fd, b->data + b->off, b->len, MSG_NOSIGNAL);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        b->off += (size_t)n;
        b->len -= (size_t)n;
        if (b->len == 0)
                b->off = 0;
        return true;
}

/* Passes EOFs on, ends a finished connection, or sets what each side waits for. */
static void update(struct conn *c)
{
        if (c->st == C_REFUSING) {
                /* Answer sent: half-close and read what the client still
                 * sends until it closes (or the timer), so that closing with
                 * unread data does not reset the answer away. */
                if (c->u2c.len == 0 && !c->c_shut) {
                        shutdown(c->cfd, SHUT_WR);
                        c->c_shut = true;
                }
                loop_source_set_events(c->cs, c->u2c.len ? EPOLLOUT : EPOLLIN);
                if (c->us)
                        loop_source_set_events(c->us, 0);
                return;
        }
        if (c->st == C_RELAY) {
                if (c->c_eof && c->c2u.len == 0 && !c->u_shut) {
                        shutdown(c->ufd, SHUT_WR);
                        c->u_shut = true;
                }
                if (c->u_eof && c->u2c.len == 0 && !c->c_shut) {
                        shutdown(c->cfd, SHUT_WR);
                        c->c_shut = true;
                }
                if (c->c_shut && c->u_shut)
                        return conn_free(c);
        }
        uint32_t ce = 0, ue = 0;
        if (c->st == C_HEAD)
                ce |= EPOLLIN;
        if (c->st == C_RELAY && !c->c_eof && c->c2u.off + c->c2u.len < sizeof(c->c2u.data))
                ce |= EPOLLIN;
        if (c->u2c.len)
                ce |= EPOLLOUT;
        if (c->st == C_CONNECTING || (c->st == C_RELAY && c->c2u.len))
                ue |= EPOLLOUT;
        if (c->st == C_RELAY && !c->u_eof && c->u2c.off + c->u2c.len < sizeof(c->u2c.data))
                ue |= EPOLLIN;
        loop_source_set_events(c->cs, ce);
        if (c->us)
                loop_source_set_events(c->us, ue);
}

static int conn_client_io(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)s;
        struct conn *c = userdata;
        if (revents & EPOLLERR) {
                conn_free(c);
                return 0;
        }
        if (c->st == C_REFUSING && c->c_shut) {
                char sink[4096];
                ssize_t n = recv(fd, sink, sizeof(sink), 0);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                        conn_free(c);
                return 0;
        }
        if (c->st == C_HEAD && (revents & (EPOLLIN | EPOLLHUP))) {
                ssize_t n = recv(fd, c->head + c->head_len, sizeof(c->head) - c->head_len - 1, 0);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n <= 0) {
                        conn_free(c);
                        return 0;
                }
                c->head_len += (size_t)n;
                const char *end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
                if (end) {
                        on_head(c, (size_t)(end + 4 - c->head));
                        return 0;
                }
                if (c->head_len >= sizeof(c->head) - 1)
                        refuse(c, 431, "Request Header Fields Too Large",
                               "the request head is too large");
                return 0;
        }
        if ((revents & EPOLLOUT) && !drain(fd, &c->u2c)) {
                conn_free(c);
                return 0;
        }
        if (c->st == C_RELAY && (revents & (EPOLLIN | EPOLLHUP)) && !c->c_eof &&
            !fill(fd, &c->c2u, &c->c_eof)) {
                conn_free(c);
                return 0;
        }
        update(c);
        return 0;
}

static int conn_upstream_io(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)s;
        struct conn *c = userdata;
        if (c->st == C_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
                        if (!try_next_address(c))
                                refuse(c, 502, "Bad Gateway", "cannot connect to the destination");
                        return 0;
                }
                c->st = C_RELAY;
                c->px->stats->allowed++;
                loop_timer_set(c->timer, 0);
                if (c->is_connect) {
                        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
                        buf_put(&c->u2c, ok, sizeof(ok) - 1);
                }
                update(c);
                return 0;
        }
        if ((revents & EPOLLERR) && !(revents & EPOLLIN)) {
                conn_free(c);
                return 0;
        }
        if ((revents & EPOLLOUT) && !drain(fd, &c->c2u)) {
                conn_free(c);
                return 0;
        }
        if ((revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->u_eof &&
            !fill(fd, &c->u2c, &c->u_eof)) {
                conn_free(c);
                return 0;
        }
        update(c);
        return 0;
}

static int conn_timeout(struct loop_source *s, void *userdata)
{
        (void)s;
        struct conn *c = userdata;
        if (c->st == C_CONNECTING)
                refuse(c, 504, "Gateway Timeout", "the destination did not answer");
        else
                conn_free(c); /* a silent client, or a refusal nobody reads */
        return 0;
}

static int on_accept(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)revents;
        struct proxy *px = userdata;
        for (;;) {
                if (px->n_conns >= NETPROXY_MAX_CONNS) {
                        /* Full: stop accepting; the job's connects wait in the
                         * backlog until a connection ends. */
                        loop_source_set_events(s, 0);
                        return 0;
                }
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                        return 0; /* EAGAIN, or an error of that one client */
                struct conn *c = calloc(1, sizeof(*c));
                if (!c) {
                        close(cfd);
                        return 0;
                }
                c->px = px;
                c->cfd = cfd;
                c->ufd = -1;
                c->st = C_HEAD;
                if (loop_add_io(px->loop, cfd, EPOLLIN, conn_client_io, c, &c->cs) < 0 ||
                    loop_add_timer(px->loop, HEAD_TIMEOUT_USEC, conn_timeout, c, &c->timer) < 0) {
                        loop_source_free(c->cs);
                        close(cfd);
                        free(c);
                        continue;
                }
                c->next = px->conns;
                px->conns = c;
                px->n_conns++;
        }
}

/* corral says stop (or is gone): end the loop. */
static int stop_loop(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)fd, (void)revents, (void)userdata;
        loop_exit(loop_source_loop(s), 0);
        return 0;
}

int netproxy_serve(int listen_fd, int ctl_fd, const struct net_policy *p,
                   struct netproxy_stats *stats)
{
        struct proxy px = {.policy = p, .stats = stats, .listen_fd = listen_fd};
        int r = loop_new(&px.loop);
        if (r < 0)
                return r;
        struct loop_source *ctl = NULL;
        if ((r = loop_add_io(px.loop, listen_fd, EPOLLIN, on_accept, &px, &px.ls)) < 0 ||
            (r = loop_add_io(px.loop, ctl_fd, EPOLLIN, stop_loop, &px, &ctl)) < 0) {
                loop_free(px.loop);
                return r;
        }
        r = loop_run(px.loop);
        px.ls = NULL; /* freed with the loop; conn_free must not touch it */
        while (px.conns)
                conn_free(px.conns);
        loop_free(px.loop);
        return r < 0 ? r : 0;
}
