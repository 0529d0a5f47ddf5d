#!/bin/bash
# A job past --timeout is timed_out, and its double-forked setsid daemon dies too.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
PIDFILE=$TEST_TMP/daemon.pid

"$CORRAL" run --timeout 1s --result "$R" -- "$CORRAL_PROGS/daemonize" "$PIDFILE"
assert_eq "exit status of a timeout" 124 $?
assert_eq "status" timed_out "$(json "$R" 'j["status"]')"
assert_cmp "ran about the timeout (ms)" "$(json "$R" 'j["wall_ms"]')" -ge 1000

if [ -s "$PIDFILE" ]; then
        dpid=$(cat "$PIDFILE")
        assert_dead "$dpid" "the setsid grandchild is dead"
else
        not_ok "the daemon never wrote its pid"
fi

# Cancelling corral run (SIGTERM) cancels the job, and its group goes too.
"$CORRAL" run --kill-grace 200ms --result "$R" -- "$CORRAL_PROGS/daemonize" "$PIDFILE.2" &
runner=$!
for _ in $(seq 100); do [ -s "$PIDFILE.2" ] && break; sleep 0.05; done
kill -TERM $runner
wait $runner
assert_eq "exit status of a cancelled run" 143 $?
assert_eq "status" cancelled "$(json "$R" 'j["status"]')"
dpid=$(cat "$PIDFILE.2" 2>/dev/null)
assert_dead "$dpid" "cancel killed the daemon too"

assert_no_groups
finish
