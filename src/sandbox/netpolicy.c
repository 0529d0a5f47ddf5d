/* netpolicy.c - see netpolicy.h. */
#include "netpolicy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool net_host_is_literal(const char *host)
{
        unsigned char buf[16];
        return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A DNS name: labels of [a-z0-9-_], 1-63 characters, not starting or ending
 * with '-'; at most 253 characters. */
static bool valid_name(const char *s)
{
        size_t len = strlen(s), label = 0;
        if (len == 0 || len > NET_HOST_MAX)
                return false;
        for (size_t i = 0; i <= len; i++) {
                char c = s[i];
                if (c == '.' || c == 0) {
                        if (label == 0 || label > 63 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                        return false;
                if (label == 0 && c == '-')
                        return false;
                label++;
        }
        return true;
}

/* Lower-cases host into out and drops one trailing dot. */
static void canonical(const char *host, size_t n, char *out, size_t outlen)
{
        size_t k = 0;
        for (size_t i = 0; i < n && k < outlen - 1; i++)
                out[k++] = (char)((host[i] >= 'A' && host[i] <= 'Z') ? host[i] + 32 : host[i]);
        if (k > 0 && out[k - 1] == '.')
                k--;
        out[k] = 0;
}

/* An IP literal in its one written form (inet_ntop's), so that ::1 and
 * 0:0::1 are the same entry and the same destination; names are left alone. */
static void normalise_literal(char *host, size_t len)
{
        unsigned char a[16];
        char out[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET, host, a) == 1 && inet_ntop(AF_INET, a, out, sizeof(out)))
                snprintf(host, len, "%s", out);
        else if (inet_pton(AF_INET6, host, a) == 1 && inet_ntop(AF_INET6, a, out, sizeof(out)))
                snprintf(host, len, "%s", out);
}

static int bad(char *err, size_t errlen, const char *entry, size_t n, const char *why)
{
        if (err)
                snprintf(err, errlen, "'%.*s': %s", (int)(n > 200 ? 200 : n), entry, why);
        return -EINVAL;
}

static int parse_entry(const char *s, size_t n, struct net_allow *a, char *err, size_t errlen)
{
        const char *host = s, *port = NULL;
        size_t hlen = n;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close)
                        return bad(err, errlen, s, n, "an IPv6 address needs its closing ']'");
                host = s + 1;
                hlen = (size_t)(close - s - 1);
                if (close + 1 < s + n) {
                        if (close[1] != ':')
                                return bad(err, errlen, s, n, "expected ':PORT' after ']'");
                        port = close + 2;
                }
        } else {
                const char *colon = memrchr(s, ':', n);
                if (colon && memchr(s, ':', n) != colon)
                        return bad(err, errlen, s, n, "write an IPv6 address as [ADDRESS]:PORT");
                if (colon) {
                        hlen = (size_t)(colon - s);
                        port = colon + 1;
                }
        }
        if (port) {
                size_t plen = (size_t)(s + n - port);
                char pbuf[8];
                if (plen == 0 || plen > 5)
                        return bad(err, errlen, s, n, "the port must be a number from 1 to 65535");
                memcpy(pbuf, port, plen);
                pbuf[plen] = 0;
                char *end;
                unsigned long v = strtoul(pbuf, &end, 10);
                if (*end || v < 1 || v > 65535 || pbuf[0] < '0' || pbuf[0] > '9')
                        return bad(err, errlen, s, n, "the port must be a number from 1 to 65535");
                a->port = (uint16_t)v;
        }
        if (hlen == 0 || hlen > NET_HOST_MAX)
                return bad(err, errlen, s, n, "a host name or address is missing or too long");
        canonical(host, hlen, a->host, sizeof(a->host));
        if (strncmp(a->host, "*.", 2) == 0) {
                a->wildcard = true;
                if (!valid_name(a->host + 2) || !strchr(a->host + 2, '.'))
                        return bad(err, errlen, s, n,
                                   "a pattern is '*.' and a domain of at least two labels, "
                                   "such as *.example.org");
                return 0;
        }
        if (strchr(a->host, '*'))
                return bad(err, errlen, s, n,
                           "'*' may only stand alone as the first label (*.example.org)");
        if (s[0] == '[' ? !net_host_is_literal(a->host)
                        : !net_host_is_literal(a->host) && !valid_name(a->host))
                return bad(err, errlen, s, n, "not a host name or an IP address");
        normalise_literal(a->host, sizeof(a->host));
        return 0;
}

int net_policy_parse(const char *text, struct net_policy *ret, char *err, size_t errlen)
{
        struct net_policy p = {0};
        if (strcmp(text, "host") == 0)
                p.mode = NET_HOST;
        else if (strcmp(text, "none") == 0)
                p.mode = NET_NONE;
        else if (strncmp(text, "allow:", 6) == 0) {
                p.mode = NET_ALLOW;
                const char *s = text + 6;
                if (!*s)
                        return bad(err, errlen, text, strlen(text),
                                   "the list is empty (use none for no network)");
                while (*s) {
                        const char *comma = strchr(s, ',');
                        size_t n = comma ? (size_t)(comma - s) : strlen(s);
                        if (n == 0)
                                return bad(err, errlen, text, strlen(text), "an empty entry");
                        if (p.n == NET_POLICY_MAX_ENTRIES)
                                return bad(err, errlen, text, 40, "more than 64 destinations");
                        int r = parse_entry(s, n, &p.allow[p.n], err, errlen);
                        if (r < 0)
                                return r;
                        p.n++;
                        s += n;
                        if (*s == ',' && !*++s)
                                return bad(err, errlen, text, strlen(text), "an empty entry");
                }
        } else
                return bad(err, errlen, text, strlen(text),
                           "use none, host or allow:HOST:PORT,*.DOMAIN:PORT,...");
        *ret = p;
        return 0;
}

int net_policy_format(const struct net_policy *p, char *buf, size_t len)
{
        if (p->mode != NET_ALLOW)
                return snprintf(buf, len, "%s", p->mode == NET_NONE ? "none" : "host");
        size_t used = 0;
        int k = snprintf(buf, len, "allow:");
        if (k < 0)
                return k;
        used = (size_t)k;
        for (size_t i = 0; i < p->n; i++) {
                const struct net_allow *a = &p->allow[i];
                bool v6 = strchr(a->host, ':') != NULL;
                char port[8] = "";
                if (a->port)
                        snprintf(port, sizeof(port), ":%u", a->port);
                k = snprintf(buf + (used < len ? used : len), used < len ? len - used : 0,
                             "%s%s%s%s%s", i ? "," : "", v6 ? "[" : "", a->host, v6 ? "]" : "",
                             port);
                if (k < 0)
                        return k;
                used += (size_t)k;
        }
        return (int)used;
}

/* Ports entry a allows are all allowed by c. */
static bool ports_within(const struct net_allow *a, const struct net_allow *c)
{
        if (c->port)
                return a->port == c->port;
        return a->port == 80 || a->port == 443 || a->port == 0;
}

/* Every host entry a names is named by c. */
static bool hosts_within(const struct net_allow *a, const struct net_allow *c)
{
        if (!c->wildcard)
                return !a->wildcard && strcmp(a->host, c->host) == 0;
        const char *dom = c->host + 1; /* ".example.org" */
        size_t dl = strlen(dom);
        /* a's names (a->host itself, or every name below its pattern's domain)
         * must all lie below c's domain. */
        const char *h = a->wildcard ? a->host + 1 : a->host;
        size_t hl = strlen(h);
        if (a->wildcard && hl == dl)
                return strcmp(h, dom) == 0;
        return hl > dl && strcmp(h + hl - dl, dom) == 0 && !net_host_is_literal(a->host);
}

bool net_policy_within(const struct net_policy *p, const struct net_policy *ceiling)
{
        if (p->mode == NET_NONE || ceiling->mode == NET_HOST)
                return true;
        if (p->mode == NET_HOST || ceiling->mode == NET_NONE)
                return false;
        for (size_t i = 0; i < p->n; i++) {
                bool covered = false;
                for (size_t k = 0; k < ceiling->n && !covered; k++)
                        covered = hosts_within(&p->allow[i], &ceiling->allow[k]) &&
                                  ports_within(&p->allow[i], &ceiling->allow[k]);
                if (!covered)
                        return false;
        }
        return true;
}

bool net_policy_allows(const struct net_policy *p, const char *host, uint16_t port,
                       bool *ret_wildcard)
{
        if (p->mode != NET_ALLOW || !host || !*host)
                return false;
        char h[NET_HOST_MAX + 2];
        size_t n = strlen(host);
        if (n > NET_HOST_MAX + 1)
                return false;
        canonical(host, n, h, sizeof(h));
        /* A name must be a name (no '*' or odd bytes sneaking through). */
        if (!net_host_is_literal(h) && !valid_name(h))
                return false;
        normalise_literal(h, sizeof(h));
        for (size_t i = 0; i < p->n; i++) {
                const struct net_allow *a = &p->allow[i];
                if (a->port ? a->port != port : port != 80 && port != 443)
                        continue;
                if (a->wildcard) {
                        const char *dom = a->host + 1; /* ".example.org" */
                        size_t dl = strlen(dom), hl = strlen(h);
                        if (hl > dl && strcmp(h + hl - dl, dom) == 0) {
                                if (ret_wildcard)
                                        *ret_wildcard = true;
                                return true;
                        }
                } else if (strcmp(a->host, h) == 0) {
                        if (ret_wildcard)
                                *ret_wildcard = false;
                        return true;
                }
        }
        return false;
}
