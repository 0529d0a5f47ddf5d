/* names.c - see names.h. */
#include "names.h"

#include <string.h>

static bool char_ok(char c, const struct name_rules *rules)
{
        /* Plain ranges, not isalnum(): the allowed set must not depend on the locale. */
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                return true;
        if (c >= 'A' && c <= 'Z')
                return !rules->lowercase_only;
        return c != 0 && rules->extra && strchr(rules->extra, c);
}

enum name_problem name_check(const char *s, const struct name_rules *rules, char *ret_bad)
{
        if (!s || !*s)
                return NAME_EMPTY;
        if (rules->max && strnlen(s, rules->max + 1) > rules->max)
                return NAME_TOO_LONG;
        for (const char *p = s; *p; p++)
                if (!char_ok(*p, rules)) {
                        if (ret_bad)
                                *ret_bad = *p;
                        return NAME_BAD_CHAR;
                }
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || (rules->no_leading_dot && s[0] == '.'))
                return NAME_DOT;
        return NAME_OK;
}
