# self_leaf: corral started inside its own (non-root) group moves itself into a
# leaf, corral-self, before enabling controllers there (a group with
# controllers in subtree_control may hold no process), and its jobs get their
# groups and limits beside that leaf.  Twice: the second time corral starts in
# the leaf itself.
. /vm/lib.sh

D=$CG/vmsvc-$$
cg_make "$D"
JOB_CGROUP=$D

job first -- /bin/sh -c "wc -l <$D/cgroup.procs; cat $D/corral-self/cgroup.procs; cat $D/cgroup.subtree_control"
assert_eq "corral exit" 0 "$RC"
assert_eq "processes left in the service's group itself" 0 "$(sed -n 1p "$TMP/first.out")"
# corral is outside the job's PID namespace: read from inside, its pid is 0.
assert_eq "the leaf holds one process, corral (pid 0 from inside the job's PID namespace)" 0 "$(sed -n 2p "$TMP/first.out")"
assert_match "controllers enabled in the service's group" "*cpu*memory*pids*" "$(sed -n 3p "$TMP/first.out")"
assert_match "job group beside the leaf" "vmsvc-$$/$CORRAL_CGROUP_PARENT/?*" "$(cgkey)"
assert_group_gone

# The service's group now delegates controllers and may hold no process: a
# restarted corral starts in the leaf, and must not nest a new leaf in it.
JOB_CGROUP=$D/corral-self
job again --memory 32M -- "$PROGS/memhog" 100
assert_match "job group beside the leaf, not inside it" "vmsvc-$$/$CORRAL_CGROUP_PARENT/?*" "$(cgkey)"
assert_eq "second run, memhog 100 under 32M: status" oom_killed "$(jget "$R" status)"
assert_eq "oom_cause" own_limit "$(jget "$R" oom_cause)"
assert_group_gone
finish
