/* statedir.h - where corral keeps its state (job store, governor ledger) by default.
 *
 * root: /var/lib/corral; anyone else: $XDG_STATE_HOME/corral when that is an
 * absolute path, else $HOME/.local/state/corral (XDG base directory spec).
 * --state-dir overrides it.  Nothing here creates directories or logs.
 */
#pragma once

/* The state directory to use: explicit (from --state-dir) when not NULL, else
 * the default above.  The caller frees *ret.  -ENOENT when no default can be
 * derived (not root and neither XDG_STATE_HOME nor HOME is set). */
int state_dir_resolve(const char *explicit_dir, char **ret);
