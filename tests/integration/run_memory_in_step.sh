#!/bin/bash
# corral run --memory-in-step (what the Slurm executor runs on a node): the
# job stays in the memory group corral was started in and that group's limit
# is its limit, so the group's own oom_kill counter -- the one a batch
# scheduler such as Slurm reads, not hierarchical on v1 -- counts the job's
# OOM kill, and corral's outcome says the same.  Where that group has no
# limit, --memory gives the job a group of corral's as usual.  The "step"
# groups are this test's, below its private parent (lib.sh removes them).
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
M=/sys/fs/cgroup/memory
[ -f "$M/memory.oom_control" ] || { not_ok "no cgroup v1 memory hierarchy at $M (this test is for v1 hosts)"; finish; }

step=$M/$CORRAL_CGROUP_PARENT/step
mkdir -p "$step"
echo 32M >"$step/memory.limit_in_bytes"
echo 32M >"$step/memory.memsw.limit_in_bytes"
# The shell moves itself into the step group, then becomes corral run.
in_group() { local g=$1; shift; sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$g" "$@"; }

in_group "$step" "$CORRAL" run --memory-in-step --result "$R" -- sh -c "'$CORRAL_PROGS/memhog' 200; exit 0"
assert_eq "exit status of the OOM-killed job" 137 $?
assert_eq "status behind sh -c" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "the shell exited 0" 0 "$(json "$R" 'j["exit_code"]')"
assert_eq "oom_kills" 1 "$(json "$R" 'j["oom_kills"]')"
assert_eq "the limit is the step group's" 33554432 "$(json "$R" 'j["memory_limit_bytes"]')"
assert_eq "whose limit" own_limit "$(json "$R" 'j["oom_cause"]')"
assert_eq "the step group counted the kill itself (the scheduler's view)" 1 \
        "$(awk '$1 == "oom_kill" {print $2}' "$step/memory.oom_control")"
assert_eq "no memory group of corral's was made below its parent" "" \
        "$(find "$M/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d ! -name step)"

# Under the limit the same program completes, in the same group.
in_group "$step" "$CORRAL" run --memory-in-step --result "$R" -- "$CORRAL_PROGS/memhog" 8 >/dev/null
assert_eq "under the step's limit: completed" completed "$(json "$R" 'j["status"]')"

# A step group without a limit: --memory holds, in a group of corral's.
open=$M/$CORRAL_CGROUP_PARENT/open
mkdir -p "$open"
in_group "$open" "$CORRAL" run --memory-in-step --memory 32M --result "$R" -- "$CORRAL_PROGS/memhog" 200
assert_eq "no limit to take: --memory's OOM kill" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "no limit to take: --memory's limit" 33554432 "$(json "$R" 'j["memory_limit_bytes"]')"
assert_eq "no limit to take: the kill was in corral's own group" 0 \
        "$(awk '$1 == "oom_kill" {print $2}' "$open/memory.oom_control")"

# The test's own groups are empty once corral run exited; lib.sh's trap
# removes them too if this line is never reached.
rmdir "$step" "$open"
assert_no_groups
finish
