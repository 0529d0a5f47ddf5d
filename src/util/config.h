/* config.h - the syntax of corral's configuration files: "key = value" lines,
 * '#' comments and blank lines.  Only the syntax: what the keys mean and which
 * values they take is the reader's (src/cli/config-file.c), which reports each
 * error with the file and the entry's line.
 */
#pragma once

#include <stddef.h>

struct config_entry {
        char *key;     /* [a-z0-9-]+ */
        char *value;   /* trimmed, never empty */
        unsigned line; /* 1-based */
};

/* Parses text.  A malformed line (no '=', a bad key, an empty value, a key
 * given twice, a NUL byte) is -EINVAL with "N: what is wrong" (N the line) in err.
 * Returns 0 and the entries in file order; free with config_entries_free. */
int config_parse(const char *text, size_t len, struct config_entry **ret, size_t *ret_n, char *err,
                 size_t errlen);
void config_entries_free(struct config_entry *e, size_t n);
