#!/bin/bash
# Queueing is Slurm's: while a job holds every CPU of the node, the next one
# is queued with Slurm's reason (Resources) in words and a queue position,
# and it runs once the node is free.  corral's governor does not hold it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"

cpus=$(nproc)
big=$(corral submit --cpus "$cpus" -- "$CORRAL_PROGS/waitfile" go)
wait_for "the node-filling job runs" 60 status_is "$big" running
go="$STATE/tenants/default/jobs/$big/work/go"
small=$(corral submit --cpus 1 -- true)
reason_has_resources() { jf "$small" 'j["reason"]' | grep -q 'Resources'; }
wait_for "the second job waits for Resources" 30 reason_has_resources
assert_eq "pending: status" queued "$(jf "$small" 'j["status"]')"
assert_eq "pending: Slurm's state" PENDING "$(jf "$small" 'j["slurm"]["state"]')"
assert_eq "pending: queue_position (0-based: next)" 0 "$(jf "$small" 'j["queue_position"]')"
echo "reason: $(jf "$small" 'j["reason"]')"
jf "$small" 'j["reason"]' | grep -q 'the nodes it fits on are busy' &&
        ok "pending: the reason is in words" || not_ok "pending: reason '$(jf "$small" 'j["reason"]')'"
# corral status says the same.
corral status "$small" | grep -q 'queued.*Resources' && ok "corral status shows the reason" ||
        not_ok "corral status: $(corral status "$small")"

# The cluster as system_status shows it: the node full, one job pending.
corral status --system --json >"$TEST_TMP/sys.json"
assert_eq "system status: executor" slurm "$(json "$TEST_TMP/sys.json" 'j["executor"]["kind"]')"
assert_eq "system status: reachable" true "$(json "$TEST_TMP/sys.json" 'j["executor"]["reachable"]')"
assert_eq "system status: nodes" 1 "$(json "$TEST_TMP/sys.json" 'j["executor"]["nodes"]')"
assert_eq "system status: every CPU allocated" "$cpus" "$(json "$TEST_TMP/sys.json" 'j["executor"]["cpus_allocated"]')"
assert_eq "system status: CPUs" "$cpus" "$(json "$TEST_TMP/sys.json" 'j["executor"]["cpus_total"]')"
assert_eq "system status: pending jobs" 1 "$(json "$TEST_TMP/sys.json" 'j["executor"]["jobs_pending"]')"
corral status --system | grep -q '^executor  slurm nodes 1/1 up' && ok "corral status --system names the cluster" ||
        not_ok "corral status --system: $(corral status --system | tail -2)"

touch "$go"
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$big" >/dev/null
assert_eq "the first job completed" 0 $?
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$small" >/dev/null
assert_eq "the second job ran and completed" 0 $?
assert_cmp "it started once the first ended" "$(jf "$small" 'j["started_at"] >= j["created_at"] and 1 or 0')" -eq 1
assert_eq "no queue position once done" null "$(jf "$small" 'j["queue_position"]')"
assert_no_groups
finish
