#!/bin/bash
# Slurm jobs end with the same statuses as local ones: an exit code, an OOM
# kill hidden behind `sh -c '...; exit 0'`, a timeout enforced to the second
# by corral (not Slurm's minutes), a cancel through scancel.  Slurm's job id
# and state are kept in the record.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

a=$(corral submit -- sh -c 'echo out; echo "failing now" >&2; exit 3')
# Submitted together; Slurm runs them as the node allows.
q=$(corral submit -- printf '%s|' '$(touch /tmp/corral-pwned)' '; echo x' "a'b\"c" '*')
p=$(corral submit --state-patch model:/v -- sh -c 'echo "{\"v\": {\"layers\": 3}}" > results.json')
b=$(corral submit --memory 32M -- sh -c "'$CORRAL_PROGS/memhog' 200; exit 0")
# Only Slurm's view: the job is OOM-killed, then corral run on the node dies
# (SIGKILL, as a crash would) before it writes its outcome.
n=$(corral submit --memory 32M -- sh -c "'$CORRAL_PROGS/memhog' 200; echo hogged; exec sleep 60")
# A log beyond its cap: the same stop and the same words as a local job's.
lc=$(corral submit --log 64K -- sh -c 'exec yes corral')
lci=$(corral submit --log 64K -- sh -c 'trap "" XFSZ; while :; do echo corral || sleep 0.1; done')
timeout 120 "$CORRAL" --state-dir "$STATE" wait "$a" >/dev/null
assert_eq "exit 3: corral wait's status" 3 $?
assert_eq "exit 3: status" failed "$(jf "$a" 'j["status"]')"
assert_eq "exit 3: exit_code" 3 "$(jf "$a" 'j["exit_code"]')"
assert_eq "exit 3: executor" slurm "$(jf "$a" 'j["executor"]')"
assert_eq "exit 3: Slurm's state" FAILED "$(jf "$a" 'j["slurm"]["state"]')"
assert_cmp "exit 3: Slurm's job id" "$(jf "$a" 'int(j["slurm"]["job_id"])')" -gt 0
assert_eq "exit 3: stdout.log (written by Slurm's batch job)" out "$(cat "$STATE/tenants/default/jobs/$a/stdout.log")"
assert_eq "exit 3: error is stderr's end" "failing now" "$(jf "$a" 'j["error"].strip()')"
sq=$(squeue -h -t all -j "$(jf "$a" 'j["slurm"]["job_id"]')" -o %j)
assert_eq "exit 3: the Slurm job's name" "corral.default.$a" "$sq"

timeout 120 "$CORRAL" --state-dir "$STATE" wait "$b" >/dev/null
assert_eq "OOM behind sh: corral wait's status" 137 $?
assert_eq "OOM behind sh: status" oom_killed "$(jf "$b" 'j["status"]')"
assert_eq "OOM behind sh: the shell exited 0" 0 "$(jf "$b" 'j["exit_code"]')"
assert_eq "OOM behind sh: oom_kills" 1 "$(jf "$b" 'j["oom_kills"]')"
assert_eq "OOM behind sh: limit" 33554432 "$(jf "$b" 'j["memory_limit_bytes"]')"
# Both views, each from its own source: Slurm counted the kill in its step
# (the job stays in Slurm's task group on the node) and corral's own outcome
# from the node says the same, with the job's own limit as the cause.
assert_eq "OOM behind sh: Slurm's state in the record" OUT_OF_MEMORY "$(jf "$b" 'j["slurm"]["state"]')"
bid=$(jf "$b" 'j["slurm"]["job_id"]')
assert_eq "OOM behind sh: Slurm's own word (scontrol)" JobState=OUT_OF_MEMORY \
        "$(scontrol show job -o "$bid" | grep -o 'JobState=[A-Z_]*')"
grep -q "^JobId=$bid .*JobState=OUT_OF_MEMORY" "$CORRAL_SLURM_DIR/jobcomp.txt" &&
        ok "OOM behind sh: Slurm's job completion log says OUT_OF_MEMORY" ||
        not_ok "OOM behind sh: jobcomp: $(grep "^JobId=$bid " "$CORRAL_SLURM_DIR/jobcomp.txt")"
node_out="$STATE/tenants/default/jobs/$b/slurm-outcome.json"
assert_eq "OOM behind sh: corral's outcome on the node" oom_killed "$(json "$node_out" 'j["status"]')"
assert_eq "OOM behind sh: the node's outcome counted the kill" 1 "$(json "$node_out" 'j["oom_kills"]')"
assert_eq "OOM behind sh: cause, from the node" own_limit "$(jf "$b" 'j["oom_cause"]')"

timeout 120 "$CORRAL" --state-dir "$STATE" wait "$lc" >/dev/null
assert_eq "log cap: status" killed "$(jf "$lc" 'j["status"]')"
assert_eq "log cap: signal" SIGXFSZ "$(jf "$lc" 'j["signal"]')"
assert_eq "log cap: the reason names the cap, as for a local job" \
        "log cap reached: stdout.log is at its limit of 64 KiB (limits.log)" "$(jf "$lc" 'j["reason"]')"
assert_eq "log cap: stdout.log stopped at the cap" 65536 "$(stat -c %s "$STATE/tenants/default/jobs/$lc/stdout.log")"
assert_eq "log cap: Slurm's job id kept" true "$(jf "$lc" 'int(j["slurm"]["job_id"]) > 0')"
timeout 120 "$CORRAL" --state-dir "$STATE" wait "$lci" >/dev/null
case "$(jf "$lci" 'j["status"]'):$(jf "$lci" 'j["reason"]')" in
killed:"log cap reached"*) ok "log cap: a job ignoring SIGXFSZ is stopped too" ;;
*) not_ok "log cap ignored: $(jf "$lci" 'j["status"]'): $(jf "$lci" 'j["reason"]')" ;;
esac
assert_cmp "log cap ignored: stdout.log not beyond the cap" "$(stat -c %s "$STATE/tenants/default/jobs/$lci/stdout.log")" -le 65536

# The OOM kill has happened once the shell says so; then the batch step's
# process (corral run, started for this job) is killed.
ndir="$STATE/tenants/default/jobs/$n"
hogged() { grep -q hogged "$ndir/stdout.log"; }
wait_for "node view lost: the hog was killed" 60 hogged
esc=$(printf '%s' "$ndir/slurm-outcome.json" | sed 's/[][\.*^$+?(){}|]/\\&/g')
run_pid=$(pgrep -f -- " run --result $esc ")
assert_cmp "node view lost: corral run found on the node" "${run_pid:-0}" -gt 0
kill -9 $run_pid
timeout 120 "$CORRAL" --state-dir "$STATE" wait "$n" >/dev/null
assert_eq "node view lost: corral wait's status" 137 $?
assert_eq "node view lost: no outcome from the node" "" "$(cat "$ndir/slurm-outcome.json" 2>/dev/null)"
nid=$(jf "$n" 'j["slurm"]["job_id"]')
assert_eq "node view lost: Slurm's own word (scontrol)" JobState=OUT_OF_MEMORY \
        "$(scontrol show job -o "$nid" | grep -o 'JobState=[A-Z_]*')"
assert_eq "node view lost: status from Slurm's view" oom_killed "$(jf "$n" 'j["status"]')"
assert_eq "node view lost: Slurm's state in the record" OUT_OF_MEMORY "$(jf "$n" 'j["slurm"]["state"]')"
case "$(jf "$n" 'j["reason"]')" in "Slurm: OUT_OF_MEMORY on "*) ok "node view lost: the reason is Slurm's" ;; *) not_ok "node view lost: reason '$(jf "$n" 'j["reason"]')'" ;; esac
# What corral run left running is killed with its groups (lib.sh's cleanup).

# Timeout: 2 s; Slurm's own limit is whole minutes, so a wall time under 30 s
# shows corral's enforcement.  Cancel: a running job.
t=$(corral submit --timeout 2s -- sleep 60)
c=$(corral submit -- sleep 60)
wait_for "cancel: job running" 60 status_is "$c" running
corral cancel "$c" >/dev/null
assert_eq "cancel: corral cancel's status" 0 $?
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$c" >/dev/null
assert_eq "cancel: status" cancelled "$(jf "$c" 'j["status"]')"
assert_eq "cancel: Slurm's state" CANCELLED "$(jf "$c" 'j["slurm"]["state"]')"

timeout 120 "$CORRAL" --state-dir "$STATE" wait "$t" >/dev/null
assert_eq "timeout: corral wait's status" 124 $?
assert_eq "timeout: status" timed_out "$(jf "$t" 'j["status"]')"
assert_cmp "timeout: wall_ms at least the limit" "$(jf "$t" 'j["wall_ms"]')" -ge 2000
assert_cmp "timeout: wall_ms far below Slurm's minute" "$(jf "$t" 'j["wall_ms"]')" -lt 30000

# No shell between the user's argv and the job: strings a shell would expand
# arrive as they were, and the batch script is the same constant text for
# every job (the command travels in slurm-argv, NUL-separated).
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$q" >/dev/null
assert_eq "argv reached the job untouched" "\$(touch /tmp/corral-pwned)|; echo x|a'b\"c|*|" "$(cat "$STATE/tenants/default/jobs/$q/stdout.log")"
assert_eq "nothing was expanded" no "$([ -e /tmp/corral-pwned ] && echo yes || echo no)"
assert_eq "the batch script is constant" "$(cat "$STATE/tenants/default/jobs/$a/slurm-batch.sh")" "$(cat "$STATE/tenants/default/jobs/$q/slurm-batch.sh")"
grep -q "$q" "$STATE/tenants/default/jobs/$q/slurm-batch.sh" && not_ok "the batch script names the job" || ok "the batch script names nothing of the job"

# Results and state patches, as for a local job.
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$p" >/dev/null
assert_eq "state patch: completed" completed "$(jf "$p" 'j["status"]')"
assert_eq "state patch: applied" true "$(jf "$p" 'j["state_applied"]')"
assert_eq "state patch: the part of the result" 3 "$(json "$STATE/tenants/default/state/model.json" 'j["layers"]')"

# A job may choose its executor only where the operator allows it.
msg=$(corral submit --executor-per-job no --job-executor local -- true 2>&1)
assert_eq "per job, not allowed: refused (usage)" 2 $?
echo "$msg" | grep -q "executor-per-job yes" && ok "the refusal says how to allow it" || not_ok "refusal: $msg"
l=$(corral submit --executor-per-job yes --job-executor local -- true)
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$l" >/dev/null
assert_eq "per job, allowed: ran here" completed "$(jf "$l" 'j["status"]')"
assert_eq "per job, allowed: a local job" null "$(jf "$l" 'j["executor"]')"
assert_eq "per job, allowed: never in Slurm" null "$(jf "$l" 'j["slurm"]')"

# The record says where it ran and nothing of the job is left on the node.
assert_eq "node recorded" "$(hostname -s)" "$(jf "$a" 'j["slurm"]["node"]')"
assert_no_groups
finish
