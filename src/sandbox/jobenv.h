/* jobenv.h - the job's environment, rebuilt from an allow-list.
 *
 * Threat: corral's own environment (LD_PRELOAD, LD_LIBRARY_PATH, secrets in
 * variables, proxies...) must not leak into jobs.  A job gets only PATH, LANG,
 * LANGUAGE, LC_*, TZ and TERM from corral's environment, HOME set to its
 * working directory, and what the job's request asks for explicitly.
 */
#pragma once

/* Builds a NULL-terminated, malloc'ed envp (free with jobenv_free).  extra
 * holds "KEY=VALUE" strings the job asked for; they override the defaults.
 * Returns -EINVAL (and the offending entry's index in *ret_bad) for an entry
 * that is not KEY=VALUE with KEY matching [A-Za-z_][A-Za-z0-9_]*. */
int jobenv_build(char *const *parent, char *const *extra, const char *home, char ***ret,
                 int *ret_bad);
void jobenv_free(char **env);
