# pids: --pids N writes pids.max and a fork bomb is contained by it: forks fail,
# the bomb dies out, the job completes, nothing is left.
. /vm/lib.sh

job max --pids 16 -- /bin/sh -c 'cat /sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup)/pids.max'
assert_eq "pids.max inside the job" 16 "$(cat "$TMP/max.out")"

job bomb --pids 16 --timeout 30s -- "$PROGS/forkbomb"
assert_eq "forkbomb under --pids 16: corral exit" 0 "$RC"
assert_eq "status" completed "$(jget "$R" status)"
# The bomb's first process reports its failed forks last (after its children).
failures=$(sed -n 's/.* \([0-9]*\) failures$/\1/p' "$TMP/bomb.err" | tail -n 1)
assert_cmp "forks refused by pids.max" "${failures:-0}" -gt 0
procs=$(grep -c forkbomb "$TMP/bomb.err")
assert_cmp "bomb processes (bounded by the limit)" "$procs" -le 16
assert_group_gone
finish
