# ancestor_oom: an OOM caused by an ancestor's limit (a parent group smaller
# than the job's own limit) is told apart from the job's own: both are
# oom_killed, but oom_cause is ancestor_or_host for the first (the job group's
# memory.events.local shows oom_kill without oom) and own_limit for the second.
. /vm/lib.sh

O=$CG/vmouter-$$
cg_make "$O"
echo "+memory +cpu +pids" >"$O/cgroup.subtree_control"
echo 32M >"$O/memory.max"
mkdir "$O/inner"
JOB_CGROUP=$O/inner

job ancestor --memory 200M -- "$PROGS/memhog" 100
assert_eq "memhog 100, own limit 200M, ancestor 32M: corral exit" 137 "$RC"
assert_eq "status" oom_killed "$(jget "$R" status)"
assert_eq "oom_cause" ancestor_or_host "$(jget "$R" oom_cause)"
assert_cmp "oom_kills" "$(jget "$R" oom_kills)" -ge 1
assert_eq "memory_limit_bytes (the job's own)" 209715200 "$(jget "$R" memory_limit_bytes)"
assert_match "job group inside the ancestor" "vmouter-$$/inner/*" "$(cgkey)"
assert_cmp "the ancestor's own limit was hit (its memory.events.local oom)" \
        "$(sed -n 's/^oom //p' "$O/memory.events.local")" -ge 1
assert_group_gone

echo max >"$O/memory.max"
# The inner group now delegates controllers and may hold no process: corral
# starts again in its leaf, as a restarted service would.
JOB_CGROUP=$O/inner/corral-self
job own --memory 32M -- "$PROGS/memhog" 100
assert_eq "memhog 100, own limit 32M, ancestor unlimited: status" oom_killed "$(jget "$R" status)"
assert_eq "oom_cause" own_limit "$(jget "$R" oom_cause)"
assert_group_gone

job fits --memory 200M -- "$PROGS/memhog" 16
assert_eq "memhog 16 under both: status" completed "$(jget "$R" status)"
assert_eq "oom_cause" null "$(jget "$R" oom_cause)"
finish
