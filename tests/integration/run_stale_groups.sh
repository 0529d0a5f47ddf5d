#!/bin/bash
# A corral killed with SIGKILL leaves a group behind; the next corral removes it
# and kills the orphaned job in it.
. "$(dirname "$0")/../lib.sh"

"$CORRAL" run -- "$CORRAL_PROGS/daemonize" "$TEST_TMP/d.pid" 2>/dev/null &
runner=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/d.pid" ] && break; sleep 0.05; done
dpid=$(host_pid "$(cat "$TEST_TMP/d.pid")" "$TEST_TMP")
[ -n "$dpid" ] && ok "daemon found ($dpid)" || not_ok "daemon not found"
kill -9 $runner
wait $runner 2>/dev/null
left=$(leftover_groups | wc -l)
assert_cmp "a group is left after kill -9" "$left" -ge 1

"$CORRAL" run -- true 2>"$TEST_TMP/err"
grep -q "Removed 1 stale job group" "$TEST_TMP/err" && ok "stale group removal reported" ||
        not_ok "no removal reported: $(cat "$TEST_TMP/err")"
assert_dead "$dpid" "the orphaned job was killed"
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
