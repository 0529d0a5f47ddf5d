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
finish
