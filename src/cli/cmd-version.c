/* cmd-version.c - `corral version`. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

int cmd_version(const struct corral_options *o, int argc, char **argv)
{
        if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("usage: corral version   (or corral --version)\n");
                return 0;
        }
        printf("corral %s\n", CORRAL_VERSION);
        return 0;
}
