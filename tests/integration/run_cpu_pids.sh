#!/bin/bash
# CPU quota throttles a busy loop; a fork bomb is contained by the pids limit.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json

"$CORRAL" run --cpus 0.5 --result "$R" -- "$CORRAL_PROGS/spin" 2
assert_eq "busy loop completes" completed "$(json "$R" 'j["status"]')"
usage=$(json "$R" 'j["cpu_usage_usec"]')
# Half a CPU for 2 s of wall time is about 1 s of CPU; unthrottled it would be 2 s.
assert_cmp "CPU used at --cpus 0.5 (usec)" "$usage" -le 1400000
assert_cmp "CPU used at --cpus 0.5 (usec)" "$usage" -ge 300000
assert_cmp "throttled periods" "$(json "$R" 'j["cpu_nr_throttled"]')" -ge 5
assert_cmp "throttled time (usec)" "$(json "$R" 'j["cpu_throttled_usec"]')" -gt 0

"$CORRAL" run --pids 32 --timeout 120s --result "$R" -- "$CORRAL_PROGS/forkbomb" 2>"$TEST_TMP/bomb.err"
st=$(json "$R" 'j["status"]')
assert_eq "fork bomb ends by itself" completed "$st"
grep -q "50 failures" "$TEST_TMP/bomb.err" && ok "forks were refused by the pids limit" ||
        not_ok "the fork bomb never saw fork fail"

assert_no_groups
finish
