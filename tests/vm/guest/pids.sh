# pids: --pids N writes pids.max and a fork bomb is contained by it: forks fail,
# the bomb dies out, the job completes, the outcome counts the refused forks
# (pids_max_hits), nothing is left.
. /vm/lib.sh

job max --pids 8 -- /bin/sh -c 'cat /sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup)/pids.max'
assert_eq "pids.max inside the job" 8 "$(cat "$TMP/max.out")"

# After the bomb, the job's shell reads its own group's pids.events.
job bomb --pids 8 --timeout 30s -- /bin/sh -c \
        "$PROGS/forkbomb; cat /sys/fs/cgroup\$(cut -d: -f3- /proc/self/cgroup)/pids.events"
assert_eq "forkbomb under --pids 8: corral exit" 0 "$RC"
assert_eq "status" completed "$(jget "$R" status)"
# The bomb's first process reports its failed forks last (after its children).
failures=$(sed -n 's/.* \([0-9]*\) failures$/\1/p' "$TMP/bomb.err" | tail -n 1)
assert_cmp "forks refused by pids.max" "${failures:-0}" -gt 0
events=$(sed -n 's/^max //p' "$TMP/bomb.out")
assert_cmp "pids.events max (the limit was hit)" "${events:-0}" -gt 0
# The outcome carries the kernel's count: at least what the job's shell read
# after the bomb (the group is new, so no baseline is needed).
assert_cmp "pids_max_hits in the outcome" "$(jget "$R" pids_max_hits)" -ge "${events:-1}"
assert_eq "pids_limit in the outcome" 8 "$(jget "$R" pids_limit)"
assert_group_gone
finish
