/* Unit tests for daemon-peer.c: tenants from uids, and the identity of a real
 * peer over a socketpair (SO_PEERCRED of this very process). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon-peer.h"

static void tenants_from_uids(void **state)
{
        char t[65];
        daemon_tenant_for_uid(0, t, sizeof(t));
        assert_string_equal(t, "root");
        /* A uid without a passwd entry (the test checks that it has none). */
        uid_t u = 47999;
        while (getpwuid(u))
                u++;
        char want[32];
        snprintf(want, sizeof(want), "uid-%u", (unsigned)u);
        daemon_tenant_for_uid(u, t, sizeof(t));
        assert_string_equal(t, want);
}

static void identifies_the_peer(void **state)
{
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        struct daemon_peer p;
        assert_int_equal(daemon_peer_identify(sv[0], (gid_t)-1, &p), 0);
        assert_int_equal(p.pid, getpid());
        assert_int_equal(p.uid, getuid());
        if (getuid() == 0) {
                /* Root: the direct path's tenant, and an operator without any group. */
                assert_string_equal(p.tenant, "default");
                assert_true(p.operator);
        }
        close(sv[0]);
        close(sv[1]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(tenants_from_uids),
            cmocka_unit_test(identifies_the_peer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
