#!/bin/bash
# Usage over time: an OOM-killed job's series (corral status --json) shows its
# memory climbing to the limit, the terminal chart says so, and the series of
# a finished job is where `corral status` finds it.
. "$(dirname "$0")/../lib.sh"

# 1 MiB every 100 ms against a 32 MiB limit: killed after about 3 s.
id=$(corral submit --memory 32M -- "$CORRAL_PROGS/memclimb" 200 100 | tail -1)
corral wait "$id" >/dev/null
corral status "$id" --json >"$TEST_TMP/s.json"
assert_eq "status" oom_killed "$(json "$TEST_TMP/s.json" 'j["status"]')"
P='j["usage"]["points"]'
assert_eq "columns" "t_ms memory_bytes memory_peak_bytes cpu_usec pids" \
        "$(json "$TEST_TMP/s.json" '" ".join(j["usage"]["columns"])')"
n=$(json "$TEST_TMP/s.json" "len($P)")
assert_cmp "points recorded while it ran" "$n" -ge 4
# The climb: memory rises point after point until the kill...
rises=$(json "$TEST_TMP/s.json" "sum(1 for a,b in zip($P,$P[1:-1]) if b[1]>a[1])")
assert_cmp "points where memory rose" "$rises" -ge 3
assert_cmp "first point well under the limit (bytes)" \
        "$(json "$TEST_TMP/s.json" "$P[0][1]")" -lt 20000000
# ...and the peak reaches the 32 MiB limit.
assert_cmp "peak in the series (bytes)" "$(json "$TEST_TMP/s.json" "max(p[2] for p in $P)")" \
        -ge 32000000
assert_eq "times increase" true "$(json "$TEST_TMP/s.json" "all(b[0]>a[0] for a,b in zip($P,$P[1:]))")"

# What a person sees: the chart with the limit.
text=$(corral status "$id")
case "$text" in
*"memory: peak 32 MiB of a 32 MiB limit (100%)"*) ok "chart caption names the limit" ;;
*) not_ok "chart caption: $text" ;;
esac
case "$text" in
*"█"*) ok "chart drawn" ;;
*) not_ok "no chart: $text" ;;
esac

# A job that has not run has no series: null in JSON, no chart.
id2=$(corral submit --depends-on "$id" -- /bin/true | tail -1)
corral wait "$id2" >/dev/null
corral status "$id2" --json >"$TEST_TMP/s2.json"
assert_eq "no series for a job that never ran" null "$(json "$TEST_TMP/s2.json" 'j["usage"]')"

assert_no_groups
finish
