#!/bin/bash
# daemon/daemon: `corral daemon` with unprivileged clients (docs/daemon.md).
# Two uids without passwd entries (tenants uid-N) submit through the daemon;
# their jobs are limited and their outcomes distinct; neither sees, waits for,
# cancels or reads the other's jobs (an id of another tenant answers like one
# that does not exist, byte for byte); the operator group can.  Outputs and
# exit statuses equal the direct path's.  A file the client cannot read is not
# read for it.  Fairness across tenants with a concurrency of 1.  The daemon
# killed with SIGKILL mid-run and restarted loses nothing.  A hostile client
# (garbage, oversized, half-written, 1,000 connections, never reading) leaves
# the daemon up and others served.
. "$(dirname "$0")/../lib.sh"

UA=47101 UB=47102 UOP=47103 UBAD=47104 GOP=47199
for u in $UA $UB $UOP $UBAD; do
        if getent passwd $u >/dev/null; then not_ok "uid $u has a passwd entry; the test needs free uids"; finish; fi
done
SOCK=$TEST_TMP/corral.sock
DAEMON_PID=
HOSTILE_PID=
stop_daemon() { [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=; }
trap '[ -n "$HOSTILE_PID" ] && kill -9 $HOSTILE_PID 2>/dev/null; stop_daemon; cleanup_test' EXIT

start_daemon() { # STARTS-SO-FAR
        touch "$TEST_TMP/daemon.log"
        "$CORRAL" --state-dir "$STATE" --socket "$SOCK" daemon --operator-group $GOP \
                --max-connections-per-uid 16 --request-timeout 2 2>>"$TEST_TMP/daemon.log" &
        DAEMON_PID=$!
        # Listening when it says so (a killed daemon's socket file may still be there).
        for _ in $(seq 200); do [ "$(grep -c "Listening on $SOCK" "$TEST_TMP/daemon.log")" -gt "$1" ] && break; sleep 0.05; done
        [ "$(grep -c "Listening on $SOCK" "$TEST_TMP/daemon.log")" -gt "$1" ] && ok "daemon listening" ||
                { not_ok "daemon did not start: $(cat "$TEST_TMP/daemon.log")"; finish; }
}
as() { # UID [GID] -- corral args...: an unprivileged client through the daemon
        local u=$1 g=$1; shift
        [ "$1" != -- ] && { g=$1; shift; }
        shift
        setpriv --reuid "$u" --regid "$g" --clear-groups env CORRAL_SOCKET="$SOCK" "$CORRAL" "$@"
}
direct() { "$CORRAL" --state-dir "$STATE" "$@"; } # root, no daemon

start_daemon 0

# --- Each tenant submits; limits hold; outcomes are distinct and true. ---
idA=$(as $UA -- submit --memory 32M -- sh -c "'$CORRAL_PROGS/memhog' 200; echo survived \$?")
idB=$(as $UB -- submit --memory 32M -- sh -c 'echo out-b; exit 3')
assert_cmp "tenant A got a job id" "${#idA}" -gt 0
assert_cmp "tenant B got a job id" "${#idB}" -gt 0
as $UA -- wait "$idA" >/dev/null; rcA=$?
as $UB -- wait "$idB" >"$TEST_TMP/waitB" 2>&1; rcB=$?
direct --tenant uid-$UB wait "$idB" >"$TEST_TMP/waitB.direct" 2>&1; rcBd=$?
assert_eq "wait through the daemon: B's exit status is the direct path's" "$rcBd" "$rcB"
assert_eq "wait output is the direct path's" "$(cat "$TEST_TMP/waitB.direct")" "$(cat "$TEST_TMP/waitB")"
assert_eq "B's job failed with 3" 3 "$rcB"
as $UA -- status --json "$idA" >"$TEST_TMP/a.json"
assert_eq "A's job behind sh -c is oom_killed" oom_killed "$(json "$TEST_TMP/a.json" 'j["status"]')"
assert_eq "A's job is limited to 32M" 33554432 "$(json "$TEST_TMP/a.json" 'j["limits"]["memory_bytes"]')"
assert_eq "A's tenant is its uid" "uid-$UA" "$(json "$TEST_TMP/a.json" 'j["tenant"]')"
assert_cmp "wait reports A's OOM kill by its exit status" "$rcA" -ne 0
as $UB -- status --json "$idB" >"$TEST_TMP/b.json"
assert_eq "B: failed" failed "$(json "$TEST_TMP/b.json" 'j["status"]')"
assert_eq "B: exit code 3" 3 "$(json "$TEST_TMP/b.json" 'j["exit_code"]')"
direct --tenant uid-$UB status --json "$idB" >"$TEST_TMP/b.direct.json"
assert_eq "status --json is the direct path's" "$(md5sum <"$TEST_TMP/b.direct.json")" "$(md5sum <"$TEST_TMP/b.json")"
assert_eq "logs through the daemon" out-b "$(as $UB -- logs "$idB")"

# --- Isolation: another tenant's id answers like an id that does not exist. ---
for cmd in status wait logs cancel retry; do
        as $UB -- $cmd "$idA" >"$TEST_TMP/o1" 2>"$TEST_TMP/e1"; r1=$?
        as $UB -- $cmd nosuchjob0000000 >"$TEST_TMP/o2" 2>"$TEST_TMP/e2"; r2=$?
        assert_eq "B $cmd A's job: exit status as for no such job" "$r2" "$r1"
        assert_eq "B $cmd A's job: output as for no such job" \
                "$(sed "s/nosuchjob0000000/ID/g" "$TEST_TMP/o2" "$TEST_TMP/e2")" \
                "$(sed "s/$idA/ID/g" "$TEST_TMP/o1" "$TEST_TMP/e1")"
done
assert_eq "A's job was not cancelled by B" oom_killed "$(direct --tenant uid-$UA status --json "$idA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
as $UB -- list >"$TEST_TMP/listB"
if grep -q "$idA" "$TEST_TMP/listB"; then not_ok "B's listing shows A's job"; else ok "B's listing does not show A's job"; fi
grep -q "$idB" "$TEST_TMP/listB" && ok "B's listing shows its own job" || not_ok "B's listing misses its job"
as $UB -- --tenant uid-$UA list >/dev/null 2>"$TEST_TMP/e"; rc=$?
assert_eq "B cannot claim A's tenant" 2 "$rc"
grep -q "only operators" "$TEST_TMP/e" && ok "the refusal says why" || not_ok "refusal: $(cat "$TEST_TMP/e")"
# Through MCP too: B's server does not know A's job.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
        '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"job_status\",\"arguments\":{\"job_id\":\"$idA\"}}}" \
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"job_status\",\"arguments\":{\"job_id\":\"$idB\"}}}" \
        '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"job_status","arguments":{"job_id":"nosuchjob0000000"}}}' |
        as $UB -- serve >"$TEST_TMP/mcp.out" 2>"$TEST_TMP/mcp.err"
python3 - "$TEST_TMP/mcp.out" "$idA" "$idB" >"$TEST_TMP/mcp.check" <<'PY'
import json, sys
out = {m.get("id"): m for m in map(json.loads, open(sys.argv[1])) if "id" in m}
a, b, n = out[2]["result"], out[3]["result"], out[4]["result"]
print("other", a.get("isError"), json.dumps(a).replace(sys.argv[2], "ID") == json.dumps(n).replace("nosuchjob0000000", "ID"))
print("own", b.get("isError"), b.get("structuredContent", {}).get("status"))
PY
assert_eq "MCP: A's job is unknown to B's server" "other True True" "$(sed -n 1p "$TEST_TMP/mcp.check")"
assert_eq "MCP: B's own job" "own None failed" "$(sed -n 2p "$TEST_TMP/mcp.check")"

# --- The operator group acts for any tenant. ---
as $UOP $GOP -- --tenant uid-$UA status --json "$idA" >"$TEST_TMP/op.json"; rc=$?
assert_eq "operator reads A's job" "0 oom_killed" "$rc $(json "$TEST_TMP/op.json" 'j["status"]')"
as $UOP $GOP -- --tenant uid-$UB list | grep -q "$idB" && ok "operator lists B's jobs" || not_ok "operator cannot list B's jobs"

# --- What the root daemon must not do for a client. ---
echo secret >"$TEST_TMP/root-only"; chmod 600 "$TEST_TMP/root-only"
as $UA -- submit --input "$TEST_TMP/root-only" -- true >/dev/null 2>"$TEST_TMP/e"; rc=$?
assert_eq "--input the client cannot read is refused" "2 Permission denied" "$rc $(grep -o 'Permission denied' "$TEST_TMP/e")"
echo '{"x":1}' >"$TEST_TMP/mine.json"; chown $UA "$TEST_TMP/mine.json"; chmod 600 "$TEST_TMP/mine.json"
id=$(as $UA -- submit --input "$TEST_TMP/mine.json" -- cat input.json)
as $UA -- wait "$id" >/dev/null
assert_eq "--input the client can read is read" '{"x":1}' "$(as $UA -- logs "$id")"
as $UA -- submit --max-concurrent 100 -- true >/dev/null 2>&1; rc=$?
assert_eq "a tenant cannot change the shared governor policy" 2 "$rc"
as $UA -- --state-dir /tmp list >/dev/null 2>&1; rc=$?
assert_eq "a client cannot choose the state directory" 2 "$rc"
grep -q "uid=$UA pid=[0-9]* tenant=uid-$UA: submit" "$TEST_TMP/daemon.log" && ok "submits are logged with uid and pid" || not_ok "no submit log line"
grep -q "uid=$UB pid=[0-9]* tenant=uid-$UB: cancel" "$TEST_TMP/daemon.log" && ok "cancels are logged with uid and pid" || not_ok "no cancel log line"

# --- Fairness: concurrency 1, A queues 20, then B queues 1. ---
echo "max-concurrent = 1" >>"$STATE/governor/governor.conf"
fa=()
# A's first job runs until B has queued (waitfile), so the 20 are queued whatever the speed.
fa+=("$(as $UA -- submit -- "$CORRAL_PROGS/waitfile" "$TEST_TMP/fair-go")")
for i in $(seq 2 20); do fa+=("$(as $UA -- submit -- true)"); done
fb=$(as $UB -- submit -- true)
# The head of the queue is A's: B's view of the host does not name it.
headB=$(as $UB -- status --system --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["head"]; print(h and h["job_id"], h and h["tenant"])')
headA=$(as $UA -- status --system --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["head"]; print(h and h["job_id"], h and h["tenant"])')
assert_eq "status --system: another tenant's head is anonymous" "None None" "$headB"
assert_eq "status --system: one's own head is named" "uid-$UA.${fa[1]} uid-$UA" "$headA"
as $UB -- status --system --root / >/dev/null 2>&1; rc=$?
assert_eq "status --root is refused through the daemon" 2 "$rc"
touch "$TEST_TMP/fair-go"
as $UB -- wait "$fb" >/dev/null
as $UA -- wait "${fa[2]}" >/dev/null
sb=$(as $UB -- status --json "$fb" | python3 -c 'import json,sys; print(json.load(sys.stdin)["started_at"])')
sa=$(as $UA -- status --json "${fa[2]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["started_at"])')
if [[ "$sb" < "$sa" ]]; then ok "B's job started ($sb) before A's third ($sa)"; else not_ok "B's job started $sb, A's third $sa"; fi
for id in "${fa[@]}"; do direct --tenant uid-$UA cancel "$id" >/dev/null 2>&1; done
sed -i '/^max-concurrent/d' "$STATE/governor/governor.conf"

# --- kill -9 of the daemon mid-run: nothing lost. ---
run=$(as $UA -- submit -- sh -c 'sleep 2; echo done-after-restart')
# A client waiting across the restart asks the next daemon again, and prints once.
as $UA -- wait "$run" >"$TEST_TMP/wait-across" 2>"$TEST_TMP/wait-across.err" &
waiter=$!
sleep 0.3
stop_daemon
assert_eq "a client without a daemon gets a clear error" 1 "$(as $UA -- status "$run" >/dev/null 2>&1; echo $?)"
start_daemon 1
as $UA -- wait "$run" >/dev/null; rc=$?
assert_eq "the job that ran across the restart completed" "0 completed" "$rc $(as $UA -- status --json "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
assert_eq "its output is whole" done-after-restart "$(as $UA -- logs "$run")"
wait "$waiter"; rc=$?
assert_eq "the client waiting across the restart got the outcome" 0 "$rc"
assert_eq "... printed once" 1 "$(grep -c "$run" "$TEST_TMP/wait-across")"
grep -q "asking again" "$TEST_TMP/wait-across.err" && ok "... and said it asked again" || not_ok "wait across restart: $(cat "$TEST_TMP/wait-across.err")"
assert_eq "earlier records are intact" "oom_killed failed" \
        "$(as $UA -- status --json "$idA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') $(as $UB -- status --json "$idB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"

# --- A hostile client. ---
long=$(as $UBAD -- submit -- sh -c 'yes | head -c 2000000; sleep 30')
mkfifo "$TEST_TMP/hostile.in"
setpriv --reuid $UBAD --regid $UBAD --clear-groups /usr/bin/python3 "$CORRAL_SRC/tests/daemon/hostile.py" "$SOCK" "$long" \
        <"$TEST_TMP/hostile.in" >"$TEST_TMP/hostile.out" 2>&1 &
HOSTILE_PID=$!
exec 7>"$TEST_TMP/hostile.in"
for _ in $(seq 200); do grep -q holding "$TEST_TMP/hostile.out" && break; sleep 0.05; done
grep -q holding "$TEST_TMP/hostile.out" && ok "hostile client holds its connections" || not_ok "hostile client: $(cat "$TEST_TMP/hostile.out")"
grep -q "garbage: {'exit': 2" "$TEST_TMP/hostile.out" && ok "garbage is refused" || not_ok "garbage: $(grep garbage "$TEST_TMP/hostile.out")"
grep -q "oversized: {'exit': 2" "$TEST_TMP/hostile.out" && ok "an oversized request is refused" || not_ok "oversized: $(grep oversized "$TEST_TMP/hostile.out")"
grep -q "no-fds: {'exit': 2" "$TEST_TMP/hostile.out" && ok "a request without fds is refused" || not_ok "$(grep no-fds "$TEST_TMP/hostile.out")"
grep -q "internal-command: {'exit': 2" "$TEST_TMP/hostile.out" && ok "an internal command is refused" || not_ok "$(grep internal "$TEST_TMP/hostile.out")"
assert_eq "others are served meanwhile" out-b "$(timeout 10 setpriv --reuid $UB --regid $UB --clear-groups env CORRAL_SOCKET="$SOCK" "$CORRAL" logs "$idB")"
kill -0 "$DAEMON_PID" 2>/dev/null && ok "the daemon is up" || not_ok "the daemon died"
n=$(ls /proc/"$DAEMON_PID"/fd | wc -l)
assert_cmp "the hostile uid holds a bounded number of the daemon's fds" "$n" -lt 200
# Past the request timeout (2 s, checked each second) the half-written request is dropped.
for _ in $(seq 100); do grep -q "refused: the request did not arrive in time" "$TEST_TMP/daemon.log" && break; sleep 0.1; done
grep -q "uid=$UBAD pid=[0-9]*: refused: the request did not arrive in time" "$TEST_TMP/daemon.log" && ok "a half-written request times out" || not_ok "no timeout logged"
(echo >&7) 2>/dev/null # a subshell: a dead reader's SIGPIPE must not end the test
exec 7>&-
wait "$HOSTILE_PID"; HOSTILE_PID=
direct --tenant uid-$UBAD cancel "$long" >/dev/null
assert_eq "served after the hostile client left" out-b "$(as $UB -- logs "$idB")"
kill -0 "$DAEMON_PID" 2>/dev/null && ok "the daemon is still up" || not_ok "the daemon died"
# --- Socket activation: a socket passed as systemd does (LISTEN_PID/LISTEN_FDS). ---
stop_daemon
ASOCK=$TEST_TMP/activated.sock
DAEMON_PID=$(/usr/bin/python3 - "$ASOCK" "$CORRAL" "$STATE" 2>>"$TEST_TMP/daemon.log" <<'PY'
import os, socket, sys
path, corral, state = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o666)
s.listen(16)
pid = os.fork()
if pid == 0:
    os.dup2(s.fileno(), 3)
    os.dup2(os.open("/dev/null", os.O_WRONLY), 1)  # not the $(...) pipe: it would never end
    os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
    os.execv(corral, [corral, "--state-dir", state, "daemon"])
print(pid)
PY
)
for _ in $(seq 100); do grep -q "Listening on the socket systemd passed" "$TEST_TMP/daemon.log" && break; sleep 0.05; done
assert_eq "a socket-activated daemon serves" out-b "$(setpriv --reuid $UB --regid $UB --clear-groups "$CORRAL" --socket "$ASOCK" logs "$idB")"
kill -TERM "$DAEMON_PID"
for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DAEMON_PID" 2>/dev/null && not_ok "the daemon did not stop on SIGTERM" || ok "SIGTERM stops the daemon"
DAEMON_PID=
finish
