/* statedir.c - the default state directory (see statedir.h). */
#include "statedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int state_dir_resolve(const char *explicit_dir, char **ret)
{
        char *s = NULL;
        if (explicit_dir && *explicit_dir)
                s = strdup(explicit_dir);
        else if (geteuid() == 0)
                s = strdup("/var/lib/corral");
        else {
                const char *xdg = getenv("XDG_STATE_HOME");
                const char *home = getenv("HOME");
                /* The spec says relative values are invalid and must be ignored. */
                if (xdg && xdg[0] == '/') {
                        if (asprintf(&s, "%s/corral", xdg) < 0)
                                s = NULL;
                } else if (home && home[0] == '/') {
                        if (asprintf(&s, "%s/.local/state/corral", home) < 0)
                                s = NULL;
                } else
                        return -ENOENT;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
