/* names.h - one check for the names corral turns into file names, directory
 * names and cgroup names.
 *
 * Every kind of name has its own allowed set, and each caller states it in a
 * struct name_rules beside the code that uses the name, so the rules of one
 * kind can be read in one place (threat: "../../etc" or "a/b" from a client
 * walking out of a directory).  Letters and digits are ASCII only, whatever
 * the locale.  "." and ".." are refused for every kind.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct name_rules {
        const char *extra;   /* characters allowed besides the letters and digits, e.g. "_-" */
        size_t max;          /* most characters allowed; 0 for no limit */
        bool lowercase_only; /* letters must be a-z */
        bool no_leading_dot; /* refuse any name starting with '.' (hidden files) */
};

enum name_problem {
        NAME_OK = 0,
        NAME_EMPTY,    /* NULL or "" */
        NAME_TOO_LONG, /* more than max characters */
        NAME_BAD_CHAR, /* a character outside the allowed set */
        NAME_DOT,      /* ".", "..", or a leading '.' under no_leading_dot */
};

/* Checks s against rules, in this order: empty, too long, each character from
 * the first, dots.  Returns NAME_OK or the first problem found; for
 * NAME_BAD_CHAR, *ret_bad (when not NULL) gets the character refused. */
enum name_problem name_check(const char *s, const struct name_rules *rules, char *ret_bad);

static inline bool name_ok(const char *s, const struct name_rules *rules)
{
        return name_check(s, rules, NULL) == NAME_OK;
}
