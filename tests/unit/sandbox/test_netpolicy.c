/* Unit tests for netpolicy.c (the allow-list) and the proxy's request parsing
 * (netproxy-serve.c): what is allowed, what is refused, what the origin sees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "netpolicy.h"
#include "netproxy-internal.h"

static struct net_policy parse_ok(const char *text)
{
        struct net_policy p;
        char err[256] = "";
        int r = net_policy_parse(text, &p, err, sizeof(err));
        if (r != 0)
                print_error("%s: %s\n", text, err);
        assert_int_equal(r, 0);
        return p;
}

static void modes(void **state)
{
        (void)state;
        assert_int_equal(parse_ok("host").mode, NET_HOST);
        assert_int_equal(parse_ok("none").mode, NET_NONE);
        struct net_policy p = parse_ok("allow:PyPI.org:443,*.pythonhosted.org:443,example.com");
        assert_int_equal(p.mode, NET_ALLOW);
        assert_int_equal(p.n, 3);
        char buf[512];
        net_policy_format(&p, buf, sizeof(buf));
        assert_string_equal(buf, "allow:pypi.org:443,*.pythonhosted.org:443,example.com");
        p = parse_ok("allow:[2001:db8::1]:8443,10.0.0.1:80");
        net_policy_format(&p, buf, sizeof(buf));
        assert_string_equal(buf, "allow:[2001:db8::1]:8443,10.0.0.1:80");
}

static void bad_policies(void **state)
{
        (void)state;
        const char *bad[] = {"",
                             "all",
                             "allow:",
                             "allow:,a.org:1",
                             "allow:a.org:1,",
                             "allow:*.org:443",
                             "allow:*:443",
                             "allow:a.*.org:443",
                             "allow:a.org:0",
                             "allow:a.org:65536",
                             "allow:a.org:http",
                             "allow:a b.org:80",
                             "allow:-a.org:80",
                             "allow:2001:db8::1:443",
                             "allow:[2001:db8::1:443",
                             "allow:[a.org]:443",
                             "allow:a.org:80:90"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct net_policy p;
                char err[256] = "";
                if (net_policy_parse(bad[i], &p, err, sizeof(err)) != -EINVAL)
                        fail_msg("accepted: '%s'", bad[i]);
                assert_true(err[0] != 0);
        }
}

static void matching(void **state)
{
        (void)state;
        struct net_policy p =
            parse_ok("allow:pypi.org:443,*.pythonhosted.org:443,example.com,127.0.0.2:8080");
        bool wild = true;
        assert_true(net_policy_allows(&p, "pypi.org", 443, &wild));
        assert_false(wild);
        assert_true(net_policy_allows(&p, "PYPI.ORG.", 443, NULL));
        assert_false(net_policy_allows(&p, "pypi.org", 80, NULL));
        assert_false(net_policy_allows(&p, "evil-pypi.org", 443, NULL));
        assert_false(net_policy_allows(&p, "pypi.org.evil.net", 443, NULL));
        assert_true(net_policy_allows(&p, "files.pythonhosted.org", 443, &wild));
        assert_true(wild);
        assert_true(net_policy_allows(&p, "a.b.pythonhosted.org", 443, NULL));
        assert_false(net_policy_allows(&p, "pythonhosted.org", 443, NULL));
        assert_false(net_policy_allows(&p, "xpythonhosted.org", 443, NULL));
        /* no port: 80 and 443 only */
        assert_true(net_policy_allows(&p, "example.com", 80, NULL));
        assert_true(net_policy_allows(&p, "example.com", 443, NULL));
        assert_false(net_policy_allows(&p, "example.com", 22, NULL));
        assert_true(net_policy_allows(&p, "127.0.0.2", 8080, NULL));
        /* IP literals compare in one written form */
        struct net_policy v6 = parse_ok("allow:[0:0::1]:80,[2001:DB8::1]:443");
        assert_true(net_policy_allows(&v6, "::1", 80, NULL));
        assert_true(net_policy_allows(&v6, "2001:db8:0::1", 443, NULL));
        assert_false(net_policy_allows(&v6, "::2", 80, NULL));
        assert_false(net_policy_allows(&p, "127.0.0.1", 8080, NULL));
        /* odd bytes never match */
        assert_false(net_policy_allows(&p, "*.pythonhosted.org", 443, NULL));
        assert_false(net_policy_allows(&p, "pypi.org\n", 443, NULL));
        assert_false(net_policy_allows(&p, "", 443, NULL));
        struct net_policy none = parse_ok("none");
        assert_false(net_policy_allows(&none, "pypi.org", 443, NULL));
}

static bool within(const char *p, const char *ceiling)
{
        struct net_policy a = parse_ok(p), c = parse_ok(ceiling);
        return net_policy_within(&a, &c);
}

static void ceilings(void **state)
{
        (void)state;
        assert_true(within("none", "none"));
        assert_true(within("none", "allow:a.org:443"));
        assert_true(within("host", "host"));
        assert_true(within("allow:a.org:443", "host"));
        assert_false(within("host", "allow:a.org:443"));
        assert_false(within("allow:a.org:443", "none"));
        const char *c = "allow:pypi.org:443,*.pythonhosted.org:443,example.com,10.0.0.1:8080";
        assert_true(within("allow:pypi.org:443", c));
        assert_true(within("allow:files.pythonhosted.org:443,pypi.org:443", c));
        assert_true(within("allow:*.a.pythonhosted.org:443", c));
        assert_true(within("allow:*.pythonhosted.org:443", c));
        assert_true(within("allow:example.com:80", c));
        assert_true(within("allow:example.com", c));
        assert_true(within("allow:10.0.0.1:8080", c));
        assert_false(within("allow:pypi.org:80", c));
        assert_false(within("allow:pythonhosted.org:443", c));
        assert_false(within("allow:evil.org:443", c));
        assert_false(within("allow:*.y.org:8443", "allow:*.x.y.org:8443"));
        assert_false(within("allow:*.x.org:443", "allow:x.org:443"));
        assert_false(within("allow:example.com:22", c));
        assert_false(within("allow:10.0.0.2:8080", c));
        assert_false(within("allow:pypi.org:443,evil.org:443", c));
}

static int head(const char *h, bool *connect, char *host, uint16_t *port, char *out, size_t *n)
{
        return netproxy_parse_head(h, strlen(h), connect, host, 300, port, out, 4096, n);
}

static void request_heads(void **state)
{
        (void)state;
        bool connect;
        char host[300], out[4096];
        uint16_t port = 0;
        size_t n;
        assert_int_equal(head("CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n",
                              &connect, host, &port, out, &n),
                         0);
        assert_true(connect);
        assert_string_equal(host, "pypi.org");
        assert_int_equal(port, 443);
        assert_int_equal(
            head("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", &connect, host, &port, out, &n), 0);
        assert_string_equal(host, "::1");
        assert_int_equal(port, 8443);

        assert_int_equal(head("GET http://Example.com/a/b?c=1 HTTP/1.1\r\nHost: example.com\r\n"
                              "Proxy-Connection: keep-alive\r\nConnection: keep-alive\r\n"
                              "Accept: */*\r\n\r\n",
                              &connect, host, &port, out, &n),
                         0);
        assert_false(connect);
        assert_string_equal(host, "Example.com");
        assert_int_equal(port, 80);
        out[n] = 0;
        assert_string_equal(out, "GET /a/b?c=1 HTTP/1.1\r\nHost: Example.com\r\nAccept: */*\r\n"
                                 "Connection: close\r\n\r\n");
        assert_int_equal(head("GET http://h:8080 HTTP/1.0\r\n\r\n", &connect, host, &port, out, &n),
                         0);
        out[n] = 0;
        assert_int_equal(port, 8080);
        assert_string_equal(out, "GET / HTTP/1.0\r\nHost: h:8080\r\nConnection: close\r\n\r\n");
        /* the Host the client wrote never reaches the origin */
        assert_int_equal(head("GET http://allowed.example/ HTTP/1.1\r\nHOST: other.example\r\n\r\n",
                              &connect, host, &port, out, &n),
                         0);
        out[n] = 0;
        assert_string_equal(out,
                            "GET / HTTP/1.1\r\nHost: allowed.example\r\nConnection: close\r\n\r\n");

        const char *bad[] = {
            "GET /relative HTTP/1.1\r\nHost: a\r\n\r\n", /* origin form: no destination */
            "GET https://a/ HTTP/1.1\r\n\r\n",           /* TLS goes through CONNECT */
            "CONNECT a HTTP/1.1\r\n\r\n",                /* CONNECT needs a port */
            "CONNECT a:0 HTTP/1.1\r\n\r\n",
            "CONNECT a:70000 HTTP/1.1\r\n\r\n",
            "GET http://user@a/ HTTP/1.1\r\n\r\n",
            "get http://a/ HTTP/1.1\r\n\r\n",
            "GET http://a/ SPDY/3\r\n\r\n",
            "GET http://a/\r\n\r\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (head(bad[i], &connect, host, &port, out, &n) != -EINVAL)
                        fail_msg("accepted: %s", bad[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(modes),    cmocka_unit_test(bad_policies),  cmocka_unit_test(matching),
            cmocka_unit_test(ceilings), cmocka_unit_test(request_heads),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
