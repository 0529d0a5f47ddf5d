#!/bin/bash
# A corral killed with SIGKILL takes its job along (a daemon the job left
# included: its init dies with corral, and with it the job's PID namespace),
# but leaves the group behind; the next corral removes it.
. "$(dirname "$0")/../lib.sh"

"$CORRAL" run -- "$CORRAL_PROGS/daemonize" "$TEST_TMP/d.pid" 2>/dev/null &
runner=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/d.pid" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$TEST_TMP/d.pid")" "$TEST_TMP")
[ -n "$dpid" ] && ok "daemon found ($dpid)" || not_ok "daemon not found"
kill -9 $runner
wait $runner 2>/dev/null
# No other corral runs meanwhile: nothing but the kernel can end it.
for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
assert_dead "$dpid" "the job's daemon died with its corral run, before any sweep"
left=$(leftover_groups | wc -l)
assert_cmp "a group is left after kill -9" "$left" -ge 1

"$CORRAL" run -- true 2>"$TEST_TMP/err"
grep -q "Removed 1 stale job group" "$TEST_TMP/err" && ok "stale group removal reported" ||
        not_ok "no removal reported: $(cat "$TEST_TMP/err")"
assert_no_groups

# A supervised job sweeps too, once its job runs (off the way to running,
# issue 18), and leaves a running neighbour's group alone.  The neighbour
# starts first (its own supervisor sweeps as well).
neighbour=$(corral submit -- sleep 60)
for _ in $(seq 200); do
        [ "$(corral status "$neighbour" --json | json /dev/stdin 'j["status"]')" = running ] && break
        sleep 0.05
done
rm -f "$TEST_TMP/d.pid"
"$CORRAL" run -- "$CORRAL_PROGS/daemonize" "$TEST_TMP/d.pid" 2>/dev/null &
runner=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/d.pid" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$TEST_TMP/d.pid")" "$TEST_TMP")
[ -n "$dpid" ] && ok "second daemon found ($dpid)" || not_ok "second daemon not found"
kill -9 $runner
wait $runner 2>/dev/null
assert_cmp "groups before the supervised job (stale + the neighbour's)" "$(leftover_groups | grep -c "/memory/")" -ge 2
id=$(corral submit -- true)
corral wait "$id" >/dev/null 2>&1
assert_eq "the supervised job" completed "$(corral status "$id" --json | json /dev/stdin 'j["status"]')"
log=$(find "$STATE" -path "*/$id/supervisor.log" | head -1)
grep -q "Removed 1 stale job group" "$log" && ok "the supervisor reported the removal" ||
        not_ok "no removal in the supervisor's log: $(cat "$log" 2>/dev/null)"
assert_dead "$dpid" "the second orphaned job was killed"
assert_eq "the running neighbour's group is left alone" running \
        "$(corral status "$neighbour" --json | json /dev/stdin 'j["status"]')"
assert_eq "groups left: only the neighbour's (memory hierarchy)" 1 "$(leftover_groups | grep -c "/memory/")"
corral cancel "$neighbour" >/dev/null
corral wait "$neighbour" >/dev/null 2>&1
assert_no_groups
finish
