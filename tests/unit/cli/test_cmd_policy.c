/* Unit tests for cmd-policy.c: `corral policy check` answers 0 when every named
 * policy compiles, 1 when one does not, and the usage status for an unknown
 * subcommand.  (The policies themselves are tested in sandbox/test_policy.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "commands.h"

static void policy_check_command(void **state)
{
        struct corral_options o = {0};
        char *good[] = {"policy", "check", "default", "strict", "none", NULL};
        char *bad[] = {"policy", "check", "default", "no-such-policy", NULL};
        char *usage[] = {"policy", "frobnicate", NULL};
        assert_int_equal(cmd_policy(&o, 5, good), 0);
        assert_int_equal(cmd_policy(&o, 4, bad), 1);
        assert_int_equal(cmd_policy(&o, 2, usage), EXIT_USAGE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(policy_check_command),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
