/* cmd-version.c - `corral version`. */
#include "commands.h"

#include <stdio.h>

int cmd_version(const struct corral_options *o, int argc, char **argv)
{
        printf("corral %s\n", CORRAL_VERSION);
        return 0;
}
