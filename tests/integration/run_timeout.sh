#!/bin/bash
# A job past --timeout is timed_out, and its double-forked setsid daemon dies too.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
PIDFILE=$TEST_TMP/daemon.pid

# The daemon's pid file holds its pid in the job's PID namespace: its host pid
# is looked up while it lives (host_pid, tests/lib.sh); the timeout leaves
# time for that on a busy machine.
"$CORRAL" run --timeout 3s --result "$R" -- "$CORRAL_PROGS/daemonize" "$PIDFILE" &
runner=$!
for _ in $(seq 100); do [ -s "$PIDFILE" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$PIDFILE" 2>/dev/null)" "$TEST_TMP")
wait $runner
assert_eq "exit status of a timeout" 124 $?
assert_eq "status" timed_out "$(json "$R" 'j["status"]')"
assert_cmp "ran about the timeout (ms)" "$(json "$R" 'j["wall_ms"]')" -ge 3000

if [ -n "$dpid" ]; then
        assert_dead "$dpid" "the setsid grandchild is dead"
else
        not_ok "the daemon's pid was not found while it ran"
fi

# Cancelling corral run (SIGTERM) cancels the job, and its group goes too.
"$CORRAL" run --kill-grace 200ms --result "$R" -- "$CORRAL_PROGS/daemonize" "$PIDFILE.2" &
runner=$!
for _ in $(seq 100); do [ -s "$PIDFILE.2" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$PIDFILE.2" 2>/dev/null)" "$TEST_TMP")
[ -n "$dpid" ] && ok "daemon found ($dpid)" || not_ok "daemon not found"
kill -TERM $runner
wait $runner
assert_eq "exit status of a cancelled run" 143 $?
assert_eq "status" cancelled "$(json "$R" 'j["status"]')"
assert_dead "$dpid" "cancel killed the daemon too"

assert_no_groups
finish
