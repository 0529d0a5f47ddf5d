/* netpolicy.h - which network a job gets: none, the host's, or an allow-list
 * of destinations reached through corral's proxy (netproxy.h).
 *
 * The text form (CLI --network, job.json, MCP limits.network):
 *   none                 an empty network namespace (loopback only)
 *   host                 the host's network, as corral's own
 *   allow:LIST           an empty network namespace plus a proxy that connects
 *                        only to LIST: comma-separated destinations
 *                          host:port          exact name or IP literal, one port
 *                          *.example.org:443  any name below example.org
 *                                             (not example.org itself)
 *                          host               ports 80 and 443
 *                          [2001:db8::1]:443  IPv6 literal
 * Names compare case-insensitively, a trailing dot ignored.  docs/decisions/
 * network-policy.md has the design and why names are checked before they are
 * resolved.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum net_mode { NET_HOST, NET_NONE, NET_ALLOW };

#define NET_POLICY_MAX_ENTRIES 64
#define NET_HOST_MAX           253

struct net_allow {
        char host[NET_HOST_MAX + 1]; /* lower case; "*.x" for a wildcard; no brackets */
        uint16_t port;               /* 0: 80 and 443 */
        bool wildcard;
};

struct net_policy {
        enum net_mode mode;
        size_t n;
        struct net_allow allow[NET_POLICY_MAX_ENTRIES];
};

/* Parses the text form.  On -EINVAL, err (if given) says which part is wrong
 * and what is allowed. */
int net_policy_parse(const char *text, struct net_policy *ret, char *err, size_t errlen);

/* The text form back (canonical: lower case, ports explicit where given). */
int net_policy_format(const struct net_policy *p, char *buf, size_t len);

/* True when host:port is on the list (mode NET_ALLOW).  host as the client gave
 * it (a name or an IP literal without brackets). *ret_wildcard (optional) says
 * whether a wildcard entry matched rather than an exact one. */
bool net_policy_allows(const struct net_policy *p, const char *host, uint16_t port,
                       bool *ret_wildcard);

/* True when p gives no more than ceiling: none is within everything; host
 * only within host; allow:LIST within host, or within an allow-list that
 * covers every entry of LIST (an exact name or address covered by an equal
 * entry or a pattern above it, a pattern by an equal or wider pattern, each
 * on the same ports).  Used for the operator's per-store ceiling. */
bool net_policy_within(const struct net_policy *p, const struct net_policy *ceiling);

/* True when host is an IPv4 or IPv6 literal. */
bool net_host_is_literal(const char *host);
