/* jsonptr.h - RFC 6901 JSON pointers over cJSON documents (state patches).
 *
 * "" selects the whole document; "/a/0/b~1c" selects doc.a[0]["b/c"].  "~0"
 * reads as "~" and "~1" as "/" (decoded in one pass, so "~01" is "~1").  Member
 * names are compared case-sensitively (cJSON_GetObjectItem is not).
 */
#pragma once

#include <stddef.h>

struct cJSON;

/* Checks the syntax only: empty or starting with '/', every '~' followed by
 * '0' or '1'.  Returns 0 or -EINVAL; *ret_offset (optional) is the byte offset
 * of the fault. Call it when a pointer is accepted (job submission), so bad
 * ones are refused before the job runs. */
int jsonptr_validate(const char *ptr, size_t *ret_offset);

/* Resolves ptr in doc.  Returns 0 and *ret (a node inside doc, not a copy), or:
 *   -EINVAL   bad syntax (see jsonptr_validate)
 *   -ENOENT   an object has no member of that name
 *   -ERANGE   an array index is past the end
 *   -EDOM     "-" (the element after the last) used to read, or an index
 *             with a leading zero, sign or non-digit
 *   -ENOTDIR  a token steps into a string, number, boolean or null
 * *ret_offset (optional) is set on failure to the byte offset in ptr of the
 * token that failed, so callers can name it. */
int jsonptr_get(const struct cJSON *doc, const char *ptr, const struct cJSON **ret,
                size_t *ret_offset);

/* A short English description of a jsonptr_get error, e.g. "no such member". */
const char *jsonptr_strerror(int r);
