/* cmd-policy.c - `corral policy check NAME|FILE...`: parse and compile policies, as a job
 * start would, and report each error as file:line: reason.  For people writing policies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "policy.h"

static int check_one(const struct corral_options *o, const char *name)
{
        char err[512];
        struct policy *p = NULL;
        int r = policy_load(name, o->policy_dir, &p, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "%s\n", err[0] ? err : strerror(-r));
                return r;
        }
        const struct sock_fprog *prog = policy_bpf(p);
        if (prog)
                printf("%s: ok, %u BPF instructions (%u in notify mode)\n", policy_name(p),
                       prog->len, policy_bpf_notify(p)->len);
        else
                printf("%s: ok, unfiltered\n", policy_name(p));
        policy_free(p);
        return 0;
}

int cmd_policy(const struct corral_options *o, int argc, char **argv)
{
        if (argc == 2 && strcmp(argv[1], "--help") == 0) {
                printf("usage: corral policy check NAME|FILE...\n"
                       "Parses and compiles each seccomp policy; a NAME is looked up as\n"
                       "NAME.policy in --policy-dir.  Errors are printed as file:line: reason.\n"
                       "The language: docs/policy-language.md.\n");
                return 0;
        }
        if (argc < 3 || strcmp(argv[1], "check") != 0) {
                fprintf(stderr, "usage: corral policy check NAME|FILE...\n");
                return EXIT_USAGE;
        }
        int status = 0;
        for (int i = 2; i < argc; i++)
                if (check_one(o, argv[i]) < 0)
                        status = 1;
        return status;
}
