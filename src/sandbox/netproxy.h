/* netproxy.h - the proxy that enforces a job's network allow-list (allow:LIST).
 *
 * Threat: a job on the host's network reaches everything the host reaches,
 * its loopback services and cloud metadata included.  With allow:LIST the job
 * gets an empty network namespace; the only thing it can reach is a proxy
 * listening on NETPROXY_ADDR:NETPROXY_PORT inside that namespace, served by a
 * small process in the HOST's namespace that connects only where the list
 * allows (HTTP CONNECT and plain absolute-form HTTP).  Names are checked
 * against the list BEFORE they are resolved, by the proxy: the job has no
 * resolver of its own, so DNS cannot carry data out.
 *
 * No root-only trick makes the bridge: a socket belongs to the network
 * namespace it was created in, so the job's child creates the LISTENING socket
 * after unshare(CLONE_NEWNET) (netproxy_job_listen) and hands it over a
 * socketpair (SCM_RIGHTS) to the proxy process, which accepts connections
 * from the job's namespace and connects out from the host's.
 *
 * Lifecycle (runner.c):
 *   netproxy_start()       before the job's clone: forks the proxy process
 *                          (own uid = the job's, no capabilities, not dumpable,
 *                          outside the job's cgroup: docs/decisions/network-policy.md)
 *   netproxy_job_sock()    the fd the job's child passes to netproxy_job_listen()
 *   netproxy_job_started() the parent's copy of that fd is closed
 *   netproxy_finish()      after the job ended: counts collected, process reaped
 */
#pragma once

#include "cleanup.h"
#include "netpolicy.h"

#include <stdint.h>
#include <sys/types.h>

#define NETPROXY_ADDR "127.0.0.1"
#define NETPROXY_PORT 3128
#define NETPROXY_URL  "http://127.0.0.1:3128"

/* Bounds of the proxy process: its memory is at most about
 * NETPROXY_MAX_CONNS * 2 * NETPROXY_BUF plus request heads. */
#define NETPROXY_MAX_CONNS 64
#define NETPROXY_BUF       (32 * 1024)
#define NETPROXY_HEAD_MAX  (16 * 1024)

#define NETPROXY_MAX_DENIED 16

struct netproxy_denial {
        char destination[NET_HOST_MAX + 8]; /* "host:port"; "(other)" collects overflow */
        uint64_t count;
};

struct netproxy_stats {
        uint64_t allowed; /* connections made to allowed destinations */
        uint64_t denied;  /* attempts refused (every one, also past the list below) */
        uint32_t n_denied;
        struct netproxy_denial list[NETPROXY_MAX_DENIED];
};

/* The variables that announce the proxy to the job (NULL-terminated): the
 * usual four, and no_proxy for the job's own loopback, which stays direct. */
extern const char *const netproxy_env[];

struct netproxy;
struct privs_spec;

/* Forks the proxy process for policy p (mode NET_ALLOW); privs: the job's
 * (the proxy takes its uid and drops every capability); NULL keeps ours. */
int netproxy_start(const struct net_policy *p, const struct privs_spec *privs,
                   struct netproxy **ret);
int netproxy_job_sock(const struct netproxy *np);
void netproxy_job_started(struct netproxy *np);
/* Stops the proxy (open connections are cut: the job is gone), collects its
 * counts into *ret and reaps it.  Frees np. */
int netproxy_finish(struct netproxy *np, struct netproxy_stats *ret);
/* Kills and reaps a proxy that is still running; accepts NULL. */
void netproxy_free(struct netproxy *np);
DEFINE_FREE_FUNC(struct netproxy, netproxy_free)

/* In the job's child (async-signal-safe): enters a new network namespace,
 * brings its loopback up, listens on NETPROXY_ADDR:NETPROXY_PORT there and
 * sends that socket over sock.  Closes sock.  Returns 0 or -errno. */
int netproxy_job_listen(int sock);

/* Counts a denial of destination in s (bounded as in outcome_add_denial). */
void netproxy_stats_add_denial(struct netproxy_stats *s, const char *destination);
