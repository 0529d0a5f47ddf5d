/* scope_request.c - the rootless tests' driver for systemd-scope.c: asks the
 * user's systemd manager for a delegated scope exactly as corral does, prints
 * the outcome, and stays in the scope until stdin closes so the test can
 * inspect the unit while it exists.
 *
 * stdout: "ok <unit>" then "cgroup <path>", or "failed <reason>: <detail>".
 * Exit 0 on success, 1 on failure. */
#include "systemd-scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
        char detail[256];
        enum scope_failure why;
        char *unit = NULL;
        int r = systemd_scope_enter("corral-test", &unit, &why, detail, sizeof(detail));
        if (r < 0) {
                printf("failed %s: %s\n", scope_failure_to_string(why), detail);
                return 1;
        }
        printf("ok %s\n", unit);
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096];
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0)
                        printf("cgroup %s", line + 3);
        if (f)
                fclose(f);
        fflush(stdout);
        free(unit);
        /* Hold the scope (its only process) until the test is done with it. */
        char c;
        while (read(0, &c, 1) > 0)
                ;
        return 0;
}
