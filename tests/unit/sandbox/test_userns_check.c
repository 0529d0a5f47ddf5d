/* Unit tests for userns-check.c: each way a host refuses unprivileged user
 * namespaces is named with its own fix, from fixture /proc/sys trees (this
 * host has no AppArmor, no Debian clone sysctl, no container seccomp) plus
 * the probe result such a host gives; and the real probe on this host.
 * rootless/userns_doctor produces max_user_namespaces=0 for real. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "userns-check.h"

static struct userns_report fixture(const char *scenario, enum userns_step step, int err)
{
        char root[512];
        snprintf(root, sizeof(root), "%s/userns/%s", TEST_FIXTURE_DIR, scenario);
        struct userns_report r;
        assert_int_equal(userns_check(root, false, &r), 0);
        r.failed_step = step;
        r.probe_errno = err;
        return r;
}

static void expect(const struct userns_report *r, const char *verdict_part, const char *fix_part)
{
        const char *fix = NULL;
        const char *v = userns_verdict(r, &fix);
        if (!strstr(v, verdict_part))
                fail_msg("verdict '%s' lacks '%s'", v, verdict_part);
        if (!fix_part) {
                assert_null(fix);
                return;
        }
        assert_non_null(fix);
        if (!strstr(fix, fix_part))
                fail_msg("fix '%s' lacks '%s'", fix, fix_part);
}

/* Ubuntu 24.04: unshare works, the first capability use in it fails. */
static void apparmor_restriction(void **state)
{
        (void)state;
        struct userns_report r = fixture("apparmor", USERNS_STEP_MOUNT, EACCES);
        assert_int_equal(r.apparmor_restrict, 1);
        expect(&r, "AppArmor", "apparmor_restrict_unprivileged_userns=0");
        expect(&r, "holds no capability", "userns,");
}

static void max_user_namespaces_zero(void **state)
{
        (void)state;
        struct userns_report r = fixture("max_zero", USERNS_STEP_UNSHARE, ENOSPC);
        assert_int_equal(r.max_user_namespaces, 0);
        expect(&r, "user.max_user_namespaces is 0", "sysctl -w user.max_user_namespaces=");
}

static void debian_clone_sysctl(void **state)
{
        (void)state;
        struct userns_report r = fixture("clone_sysctl_zero", USERNS_STEP_UNSHARE, EPERM);
        assert_int_equal(r.unprivileged_userns_clone, 0);
        expect(&r, "unprivileged_userns_clone is 0", "kernel.unprivileged_userns_clone=1");
}

/* Every sysctl open, yet EPERM: a container's seccomp profile. */
static void container_without_clone_flags(void **state)
{
        (void)state;
        struct userns_report r = fixture("container_eperm", USERNS_STEP_UNSHARE, EPERM);
        expect(&r, "not permitted (EPERM)", "seccomp");
}

static void open_host(void **state)
{
        (void)state;
        struct userns_report r = fixture("open", USERNS_STEP_NONE, 0);
        assert_int_equal(r.apparmor_restrict, -1);
        expect(&r, "available", NULL);
}

/* This host allows them (docs: BRIEF); the probe must say so. */
static void probe_on_this_host(void **state)
{
        (void)state;
        struct userns_report r;
        assert_int_equal(userns_check(NULL, true, &r), 0);
        assert_int_equal(r.failed_step, USERNS_STEP_NONE);
        expect(&r, "available", NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(apparmor_restriction),
            cmocka_unit_test(max_user_namespaces_zero),
            cmocka_unit_test(debian_clone_sysctl),
            cmocka_unit_test(container_without_clone_flags),
            cmocka_unit_test(open_host),
            cmocka_unit_test(probe_on_this_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
