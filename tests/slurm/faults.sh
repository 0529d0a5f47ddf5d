#!/bin/bash
# No false outcomes across faults.  A supervisor killed mid-job: Slurm still
# runs the job; the next corral command that looks at it starts a supervisor
# that adopts it and records its true outcome (never `lost`).  slurmctld
# stopped mid-job: the job stays `running` with a reason saying the cluster
# does not answer, and once slurmctld is back its true outcome is recorded; a
# job submitted meanwhile stays queued with that reason and is submitted once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

workdir() { echo "$STATE/tenants/default/jobs/$1/work"; }

# 1. The supervisor is killed while the job runs, and the job ends meanwhile.
a=$(corral submit -- sh -c "'$CORRAL_PROGS/waitfile' go; exit 7")
wait_for "job a runs" 60 status_is "$a" running
sup=$(jf "$a" 'j["supervisor"]["pid"]')
kill -9 "$sup"
for _ in $(seq 1 50); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
assert_dead "$sup" "the supervisor was killed"
touch "$(workdir "$a")/go"
slurm_id=$(jf "$a" 'j["slurm"]["job_id"]')
ended() { squeue -h -t all -j "$slurm_id" -o %T | grep -qx FAILED; }
wait_for "Slurm saw job a end without its supervisor" 60 ended
assert_eq "without a supervisor the record still says running" running "$(jf "$a" 'j["status"]')"
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$a" >/dev/null
assert_eq "adopted: corral wait's status" 7 $?
assert_eq "adopted: true outcome" failed "$(jf "$a" 'j["status"]')"
assert_eq "adopted: exit code" 7 "$(jf "$a" 'j["exit_code"]')"
assert_cmp "adopted: a new supervisor recorded it" "$(jf "$a" 'j["supervisor"]["pid"]')" -ne "$sup"

# 2. slurmctld stops while the job runs and comes back after it ended.
b=$(corral submit -- sh -c "'$CORRAL_PROGS/waitfile' go; exit 0")
wait_for "job b runs" 60 status_is "$b" running
ctld=$(cat "$CORRAL_SLURM_DIR/slurmctld.pid")
kill -TERM "$ctld"
for _ in $(seq 1 100); do kill -0 "$ctld" 2>/dev/null || break; sleep 0.1; done
assert_dead "$ctld" "slurmctld stopped"
unreachable() { jf "$b" 'j["reason"]' | grep -q 'unreachable'; }
wait_for "the record says the cluster does not answer" 30 unreachable
assert_eq "controller down: still running, not lost" running "$(jf "$b" 'j["status"]')"
echo "reason: $(jf "$b" 'j["reason"]')"
# A job submitted while the controller is down stays queued, saying why.
c=$(corral submit -- sh -c 'exit 0')
submit_waits() { jf "$c" 'j["reason"]' | grep -q 'unreachable.*submitting again'; }
wait_for "a job submitted meanwhile says the cluster is unreachable" 30 submit_waits
assert_eq "submitted meanwhile: queued, not failed" queued "$(jf "$c" 'j["status"]')"
corral status --system --json >"$TEST_TMP/sys.json"
assert_eq "system status: the cluster unreachable" false "$(json "$TEST_TMP/sys.json" 'j["executor"]["reachable"]')"
touch "$(workdir "$b")/go"
sleep 1
assert_eq "controller down, job ended: still running in the record" running "$(jf "$b" 'j["status"]')"
bash "$CORRAL_SRC/contrib/slurm/cluster.sh" up "$CORRAL_SLURM_DIR" >/dev/null
timeout 90 "$CORRAL" --state-dir "$STATE" wait "$b" >/dev/null
assert_eq "controller back: corral wait's status" 0 $?
assert_eq "controller back: true outcome" completed "$(jf "$b" 'j["status"]')"
assert_eq "controller back: Slurm's state" COMPLETED "$(jf "$b" 'j["slurm"]["state"]')"
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$c" >/dev/null
assert_eq "submitted while down: ran once the controller was back" completed "$(jf "$c" 'j["status"]')"
assert_eq "submitted while down: one Slurm job" 1 "$(squeue -h -t all -n "corral.default.$c" -o %i | wc -l)"
assert_no_groups
finish
