#!/bin/bash
# Dependencies as Slurm dependencies: a job that depends on a Slurm job is
# submitted at once with --dependency=afterok:<its Slurm id> and waits in
# Slurm (reason Dependency, in words); when the dependency fails, Slurm
# drops it (--kill-on-invalid-dep) and corral records dependency_failed;
# when it completes, the dependent job runs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

bad=$(corral submit -- sh -c "'$CORRAL_PROGS/waitfile' go; exit 1")
good=$(corral submit -- sh -c "'$CORRAL_PROGS/waitfile' go; exit 0")
after_bad=$(corral submit --depends-on "$bad" -- true)
after_good=$(corral submit --depends-on "$good" -- true)
has_slurm_id() { [ "$(jf "$1" 'j["slurm"] and j["slurm"]["job_id"]')" != null ]; }
wait_for "the dependent job is in Slurm" 30 has_slurm_id "$after_bad"
wait_for "the other dependent job is in Slurm" 30 has_slurm_id "$after_good"
dep=$(scontrol show job -o "$(jf "$after_bad" 'j["slurm"]["job_id"]')" | tr ' ' '\n' | grep '^Dependency=')
assert_eq "a Slurm dependency on the first job" "Dependency=afterok:$(jf "$bad" 'j["slurm"]["job_id"]')(unfulfilled)" "$dep"
waits_in_slurm() { jf "$after_bad" 'j["reason"]' | grep -q 'depends on (Dependency)'; }
wait_for "its reason: waiting in Slurm for its dependency" 30 waits_in_slurm
assert_eq "queued meanwhile" queued "$(jf "$after_bad" 'j["status"]')"

touch "$STATE/tenants/default/jobs/$bad/work/go" "$STATE/tenants/default/jobs/$good/work/go"
timeout 90 "$CORRAL" --state-dir "$STATE" wait "$after_bad" >/dev/null
assert_eq "a failed dependency: status" dependency_failed "$(jf "$after_bad" 'j["status"]')"
echo "reason: $(jf "$after_bad" 'j["reason"]')"
timeout 90 "$CORRAL" --state-dir "$STATE" wait "$after_good" >/dev/null
assert_eq "a completed dependency: the job ran and completed" 0 $?
assert_eq "the first job failed" failed "$(jf "$bad" 'j["status"]')"
# A dependency that already ended: checked by corral, nothing for Slurm.
late=$(corral submit --depends-on "$bad" -- true)
timeout 30 "$CORRAL" --state-dir "$STATE" wait "$late" >/dev/null
assert_eq "depending on a job that already failed" dependency_failed "$(jf "$late" 'j["status"]')"
assert_eq "never submitted to Slurm" null "$(jf "$late" 'j["slurm"]')"
assert_no_groups
finish
