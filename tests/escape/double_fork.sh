#!/bin/bash
# Surviving cancel by double fork and setsid: cancel (SIGTERM to corral run)
# kills the whole group, the daemon included; the outcome is cancelled.
. "$(dirname "$0")/escape.bash"
start_witnesses
"$CORRAL" run --result "$R" --kill-grace 1s -- "$CORRAL_PROGS/daemonize" "$TEST_TMP/daemon.pid" >/dev/null 2>&1 &
run=$!
for _ in $(seq 200); do [ -s "$TEST_TMP/daemon.pid" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$TEST_TMP/daemon.pid")" "$TEST_TMP")
dstart=$(sed 's/^.*) //' "/proc/$dpid/stat" | awk '{print $20}')
dsid=$(ps -o sid= -p "$dpid" | tr -d ' ')
[ -n "$dsid" ] && [ "$dsid" != "$(ps -o sid= -p "$run" | tr -d ' ')" ] && ok "daemon left the session (sid $dsid)" || not_ok "daemon's session: $dsid"
# Reparented to the job's init: PID 1 of its namespace, not the host's.
ppid=$(ps -o ppid= -p "$dpid" | tr -d ' ')
[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$ppid/status")" = 1 ] && ok "daemon reparented to the job's init" || not_ok "daemon's parent: $ppid"
kill -TERM "$run"
wait "$run"
assert_eq "corral run exit status" 143 $?
assert_eq "status" cancelled "$(r status)"
if alive "$dpid" "$dstart"; then not_ok "daemon $dpid survived the cancel"; kill -9 "$dpid"; else ok "daemon is dead"; fi
check_untouched
finish
