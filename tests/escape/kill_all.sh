#!/bin/bash
# kill(-1, SIGKILL): the job's uid is its own, so it can signal nobody but its
# own processes; Linux returns 0 when it found processes but every one refused
# (EPERM), so the proof is that everyone else survives.  In its own PID
# namespace no other process even has a pid: direct kills of the neighbour,
# its supervisor and the host canary get ESRCH.  (A sibling of the same job,
# same uid, is a legitimate target: kill -1 returns 0.)
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- sh -c "sleep 60 & exec $TRY kill-all kill:$NB_PID kill:$NB_SUP kill:$CANARY" 2>/dev/null)
assert_eq "kill -1 reached only the job's own processes" \
        "kill-all ok kill:$NB_PID errno=ESRCH kill:$NB_SUP errno=ESRCH kill:$CANARY errno=ESRCH" \
        "$(echo $out)"
assert_eq "the job itself ran on" completed "$(r status)"
check_untouched
finish
