/* netproxy-internal.h - what netproxy.c (the process) shares with
 * netproxy-serve.c (the HTTP proxy it runs).  Not for other modules. */
#pragma once

#include "netproxy.h"

/* Serves listen_fd (non-blocking, in the job's namespace) until ctl_fd reads
 * EOF or a message, then stops and fills *stats.  Returns 0 or -errno. */
int netproxy_serve(int listen_fd, int ctl_fd, const struct net_policy *p,
                   struct netproxy_stats *stats);

/* Parses the head of a proxy request (up to and including the blank line).
 * For CONNECT: *ret_connect = true, host and port.  For absolute-form plain
 * HTTP: host, port (default 80) and the head rewritten for the origin server
 * into out (origin-form request line, Host set to the URL's authority, no
 * Proxy-*, Connection or Keep-Alive headers, "Connection: close" added).
 * Returns 0, -EINVAL for a request a proxy must refuse (400), -ENOBUFS when
 * out is too small. */
int netproxy_parse_head(const char *head, size_t len, bool *ret_connect, char *host, size_t hostlen,
                        uint16_t *ret_port, char *out, size_t outlen, size_t *ret_outlen);
