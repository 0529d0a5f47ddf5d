/* jobid.h - job ids and the other names that become path components.
 *
 * Every string that ends up as a file or directory name in the store (job ids,
 * tenant names, state-patch field names) passes one of these checks first, so
 * no path is ever built from an unchecked string (threat: "../../etc" or "a/b"
 * from a client walking out of the store).  The allowed set is
 * [A-Za-z0-9_-]{1,64}: no dot, so neither "." nor ".." nor hidden temporary
 * files can be named.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define JOBID_MAX 64
/* Length of a generated id: 16 base32 characters = 80 random bits. */
#define JOBID_GENERATED_LEN 16

/* Validates a name against [A-Za-z0-9_-]{1,64}.  Returns 0, or -EINVAL with
 * *ret_reason (when not NULL) set to a static sentence saying what was wrong and
 * what is allowed, e.g. "contains '/' (allowed: A-Z a-z 0-9 _ -, 1 to 64 characters)". */
int name_validate(const char *s, const char **ret_reason);
static inline bool name_is_valid(const char *s)
{
        return name_validate(s, NULL) == 0;
}
#define jobid_validate(s, r) name_validate((s), (r))
#define jobid_is_valid(s)    name_is_valid(s)

/* Writes a fresh id from getrandom(): JOBID_GENERATED_LEN characters of
 * lowercase RFC 4648 base32 (URL-safe, case-insensitive file systems safe).
 * ret must hold JOBID_GENERATED_LEN + 1 bytes.  Returns 0 or -errno. */
int jobid_generate(char *ret, size_t len);
