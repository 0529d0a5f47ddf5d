#!/bin/bash
# Surviving cancel by double fork and setsid: cancel (SIGTERM to corral run)
# kills the whole group, the daemon included; the outcome is cancelled.
. "$(dirname "$0")/escape.bash"
start_witnesses
"$CORRAL" run --result "$R" --kill-grace 1s -- "$CORRAL_PROGS/daemonize" "$TEST_TMP/daemon.pid" >/dev/null 2>&1 &
run=$!
for _ in $(seq 200); do [ -s "$TEST_TMP/daemon.pid" ] && break; sleep 0.05; done
dpid=$(cat "$TEST_TMP/daemon.pid")
dstart=$(sed 's/^.*) //' "/proc/$dpid/stat" | awk '{print $20}')
dsid=$(ps -o sid= -p "$dpid" | tr -d ' ')
[ -n "$dsid" ] && [ "$dsid" != "$(ps -o sid= -p "$run" | tr -d ' ')" ] && ok "daemon left the session (sid $dsid)" || not_ok "daemon's session: $dsid"
[ "$(ps -o ppid= -p "$dpid" | tr -d ' ')" = 1 ] && ok "daemon reparented to init" || not_ok "daemon's parent: $(ps -o ppid= -p "$dpid")"
kill -TERM "$run"
wait "$run"
assert_eq "corral run exit status" 143 $?
assert_eq "status" cancelled "$(r status)"
if alive "$dpid" "$dstart"; then not_ok "daemon $dpid survived the cancel"; kill -9 "$dpid"; else ok "daemon is dead"; fi
check_untouched
finish
