# cpu: --cpus 0.5 writes cpu.max and the kernel throttles the job to it: a
# 3-second busy loop gets throttled periods and about half a CPU, and the
# outcome reports the cpu.stat counters.  (TCG: counters and ratios only.)
. /vm/lib.sh

job max --cpus 0.5 -- /bin/sh -c 'cat /sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup)/cpu.max'
assert_eq "cpu.max inside the job" "50000 100000" "$(cat "$TMP/max.out")"

job spin --cpus 0.5 -- "$PROGS/spin" 3
assert_eq "spin 3 at 0.5 CPU: corral exit" 0 "$RC"
assert_eq "status" completed "$(jget "$R" status)"
nr=$(jget "$R" cpu_nr_throttled)
assert_cmp "cpu_nr_throttled" "$nr" -gt 5
assert_cmp "cpu_throttled_usec" "$(jget "$R" cpu_throttled_usec)" -gt 0
usage=$(jget "$R" cpu_usage_usec)
wall=$(jget "$R" wall_ms)
assert_cmp "cpu_usage_usec" "$usage" -gt 0
# Half a CPU over the wall time, with room for TCG's jitter: below 75%.
assert_cmp "cpu_usage_usec below 75% of wall time ($wall ms)" "$usage" -lt $((wall * 750))
user=$(jget "$R" cpu_user_usec)
sys=$(jget "$R" cpu_system_usec)
assert_cmp "cpu_user_usec + cpu_system_usec within usage" $((user + sys)) -le $((usage + 20000))
assert_group_gone

job free -- "$PROGS/spin" 1
assert_eq "spin 1 without a CPU limit: status" completed "$(jget "$R" status)"
assert_eq "without a CPU limit: cpu_nr_throttled" 0 "$(jget "$R" cpu_nr_throttled)"
assert_group_gone
finish
