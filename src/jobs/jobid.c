/* jobid.c - job ids and validation of names used as path components (jobid.h). */
#include "jobid.h"
#include "names.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* Job ids, tenants, state-patch fields and tool names: no dot at all, so
 * neither "." nor ".." nor hidden temporary files can be named. */
static const struct name_rules store_name_rules = {.extra = "_-", .max = JOBID_MAX};

#define ALLOWED "(allowed: A-Z a-z 0-9 _ -, 1 to 64 characters)"

int name_validate(const char *s, const char **ret_reason)
{
        char bad = 0;
        const char *reason;
        switch (name_check(s, &store_name_rules, &bad)) {
        case NAME_OK:
                return 0;
        case NAME_EMPTY:
                reason = "is empty " ALLOWED;
                break;
        case NAME_TOO_LONG:
                reason = "is longer than 64 characters " ALLOWED;
                break;
        default:
                reason = bad == '/'   ? "contains '/' " ALLOWED
                         : bad == '.' ? "contains '.' " ALLOWED
                                      : "contains a character that is not allowed " ALLOWED;
                break;
        }
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

int jobid_generate(char *ret, size_t len)
{
        static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
        unsigned char rnd[10]; /* 80 bits -> 16 base32 characters */

        if (len < JOBID_GENERATED_LEN + 1)
                return -ENOBUFS;
        for (size_t got = 0; got < sizeof(rnd);) {
                ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                got += (size_t)n;
        }
        /* 5 bits per character, most significant first. */
        for (size_t i = 0; i < JOBID_GENERATED_LEN; i++) {
                size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
                unsigned v = (unsigned)rnd[byte] << 8;
                if (byte + 1 < sizeof(rnd))
                        v |= rnd[byte + 1];
                ret[i] = alphabet[(v >> (11 - shift)) & 31];
        }
        ret[JOBID_GENERATED_LEN] = 0;
        return 0;
}
