/* storeexpose.h - which host paths a store's jobs may have exposed, set by the
 * store's operator in <state-dir>/expose.conf.
 *
 * Threat: a client (MCP, or anyone allowed to submit) asking to see the
 * user's secrets: without root the job's view hides the user's home
 * (docs/rootless.md), and --expose / an MCP call's "expose" brings paths back
 * read-only.  A client may only name paths the operator allowed.  The file:
 *
 *   allow /home/u/datasets      a job may ask for this path or anything below it
 *   always /home/u/models       every job of the store gets it
 *   # comments
 *
 * Applied at submit (jobctl_submit), so job.json records what the job sees.
 */
#pragma once

#include <stddef.h>

struct store_expose {
        char **allow;  /* NULL-terminated; NULL: nothing may be asked */
        char **always; /* NULL-terminated */
};

/* Reads <state_dir>/expose.conf (missing: nothing allowed, nothing always).
 * 0, or -EINVAL with "expose.conf:LINE: ..." in err, or -errno. */
int store_expose_load(const char *state_dir, struct store_expose *ret, char *err, size_t errlen);
void store_expose_done(struct store_expose *s);

/* Checks each path in *expose (asked by the client) against the allowed
 * ones, then appends the store's "always" paths.  0, or -EINVAL with a
 * sentence naming the path and what is allowed, or -ENOMEM. */
int store_expose_apply(const struct store_expose *s, char ***expose, char *err, size_t errlen);

/* An exposable path: absolute, no "." or ".." component, no empty one. */
int store_expose_path_ok(const char *p);
