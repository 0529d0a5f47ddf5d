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
        # A zombie awaiting its reaper (init) is dead; anything else is a survivor.
        state=$(awk '{print $3}' "/proc/$dpid/stat" 2>/dev/null || echo gone)
        case "$state" in
        gone | Z | X) ok "the setsid grandchild $dpid is dead ($state)" ;;
        *) not_ok "the setsid grandchild $dpid survived (state $state)"; kill -9 "$dpid" ;;
        esac
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
state=$(awk '{print $3}' "/proc/$dpid/stat" 2>/dev/null || echo gone)
case "$state" in
gone | Z | X) ok "cancel killed the daemon too" ;;
*) not_ok "daemon $dpid survived cancel"; kill -9 "$dpid" ;;
esac

assert_no_groups
finish
