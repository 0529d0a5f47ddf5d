/* jobid.c - job ids and validation of names used as path components (jobid.h). */
#include "jobid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static bool name_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

int name_validate(const char *s, const char **ret_reason)
{
        const char *reason = NULL;
        if (!s || !*s)
                reason = "is empty (allowed: A-Z a-z 0-9 _ -, 1 to 64 characters)";
        else if (strnlen(s, JOBID_MAX + 1) > JOBID_MAX)
                reason = "is longer than 64 characters (allowed: A-Z a-z 0-9 _ -, 1 to 64 "
                         "characters)";
        else
                for (const char *p = s; *p; p++)
                        if (!name_char_ok(*p)) {
                                reason = *p == '/'   ? "contains '/' (allowed: A-Z a-z 0-9 _ -, "
                                                       "1 to 64 characters)"
                                         : *p == '.' ? "contains '.' (allowed: A-Z a-z 0-9 _ -, 1 "
                                                       "to 64 characters)"
                                                     : "contains a character that is not allowed "
                                                       "(allowed: A-Z a-z 0-9 _ -, 1 to 64 "
                                                       "characters)";
                                break;
                        }
        if (!reason)
                return 0;
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
