# oom: a job that touches more memory than its limit is reported oom_killed
# (exit 137, SIGKILL, oom_cause own_limit), also when a shell wrapper would hide
# the kill behind its own exit status; a job under its limit completes and its
# memory.peak is reported; each job's oom_kills counts that job only
# (memory.events.local against a baseline taken at its start).
. /vm/lib.sh

job hog --memory 32M -- "$PROGS/memhog" 200
assert_eq "memhog 200 under 32M: corral exit" 137 "$RC"
assert_eq "status" oom_killed "$(jget "$R" status)"
assert_eq "signal" SIGKILL "$(jget "$R" signal)"
# (With memory.oom.group the kernel counts the victim once as the victim and
# once as a member of the group: 2 for a one-process job on 6.1.)
kills=$(jget "$R" oom_kills)
assert_cmp "oom_kills" "$kills" -ge 1
assert_eq "oom_cause" own_limit "$(jget "$R" oom_cause)"
assert_eq "memory_limit_bytes" 33554432 "$(jget "$R" memory_limit_bytes)"
peak=$(jget "$R" memory_peak_bytes)
assert_cmp "memory_peak_bytes reached the limit's neighbourhood" "$peak" -ge 25165824
assert_cmp "memory_peak_bytes within the limit" "$peak" -le 33554432
assert_group_gone

# The same job again: the same count, not the sum of both jobs.
job hog2 --memory 32M -- "$PROGS/memhog" 200
assert_eq "second OOM job: status" oom_killed "$(jget "$R" status)"
assert_eq "second OOM job: oom_kills counts this job only" "$kills" "$(jget "$R" oom_kills)"
assert_group_gone

# Behind `sh -c`: the shell would print the hog's status and exit 0.
job wrapped --memory 32M -- /bin/sh -c "$PROGS/memhog 200; echo hog exit \$?"
assert_eq "behind sh -c: status" oom_killed "$(jget "$R" status)"
assert_eq "behind sh -c: oom_cause" own_limit "$(jget "$R" oom_cause)"
assert_cmp "behind sh -c: oom_kills" "$(jget "$R" oom_kills)" -ge 1
assert_group_gone

job fits --memory 64M -- "$PROGS/memhog" 16
assert_eq "memhog 16 under 64M: corral exit" 0 "$RC"
assert_eq "status" completed "$(jget "$R" status)"
assert_eq "oom_kills" 0 "$(jget "$R" oom_kills)"
assert_eq "oom_cause" null "$(jget "$R" oom_cause)"
peak=$(jget "$R" memory_peak_bytes)
assert_cmp "memory_peak_bytes covers the 16 MiB touched" "$peak" -ge 16777216
assert_cmp "memory_peak_bytes below the limit" "$peak" -le 67108864
assert_eq "memory_limit_bytes" 67108864 "$(jget "$R" memory_limit_bytes)"
assert_group_gone
finish
