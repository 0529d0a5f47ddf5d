/* gov-counters.h - monotonic event counters shared by every corral process of
 * one state directory: admissions, refusals, finished jobs by outcome, OOM
 * kills, queue wait.  They feed `corral metrics` (Prometheus counters must
 * never go down, so they cannot be recounted from job records that `gc`
 * removes).
 *
 * File <state>/governor/counters: one "KEY VALUE" line per counter, KEY being
 * a metric name with its labels as Prometheus writes them
 * (corral_refusals_total{reason="queue_full"}).  Updates take an exclusive
 * flock on counters.lock (created once, never unlinked) and replace the file
 * atomically, so concurrent supervisors never lose an increment.
 * Every function returns >= 0 or -errno and does not log.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Adds delta to each of the n counters keys[i] (created at 0 when new), in one
 * locked update; deltas[i] may be 0.  Keys longer than GOV_COUNTER_KEY_MAX or
 * holding a space or newline are -EINVAL. */
#define GOV_COUNTER_KEY_MAX 200
int gov_counters_add(const char *state_dir, const char *const *keys, const double *deltas,
                     size_t n);

struct gov_counter {
        char key[GOV_COUNTER_KEY_MAX + 1];
        double value;
};

/* Reads every counter (no lock needed: the file is replaced atomically).
 * An absent file is no counters (*ret NULL, *ret_n 0).  Free *ret with free(). */
int gov_counters_read(const char *state_dir, struct gov_counter **ret, size_t *ret_n);

/* Builds a key: name{label="value",...} from n label pairs.  Label values are
 * tenant names, statuses and reason words ([A-Za-z0-9_.-]); anything else is
 * -EINVAL.  Returns the length or -errno. */
int gov_counter_key(char *buf, size_t len, const char *name, const char *const *labels,
                    size_t n_labels);
