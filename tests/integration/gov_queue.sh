#!/bin/bash
# gov_queue: the shared queue with real jobs.  Six `corral submit` processes
# start at the same moment on one store against --max-concurrent 2: exactly two
# run and four queue at positions 1..4 with their reasons; cancelling a queued
# job takes it out of the ledger and the others close up; when the running jobs
# end, the queue drains in order.  (Refusals at submit and memory reservations:
# gov_admission.sh.)
source "$(dirname "$0")/../lib.sh"

state="$TEST_TMP/state"
go="$TEST_TMP/go"
chmod 755 "$TEST_TMP" # jobs run as an unprivileged uid and must see $go appear
c() { "$CORRAL" --state-dir "$state" "$@"; }

# Polls a shell condition for up to 20 s: waiting for jobs to settle, not a
# timing assertion.
settle() {
        for _ in $(seq 200); do
                eval "$1" && return 0
                sleep 0.1
        done
        return 1
}
sys() { c status --system --json >"$TEST_TMP/sys.json" && json "$TEST_TMP/sys.json" "$1"; }
jobs_json() { c list --json >"$TEST_TMP/list.json" && json "$TEST_TMP/list.json" "$1"; }
count() { jobs_json "sum(1 for x in j if x['status'] == '$1')"; }

# Six submitters released at once by a shared start file.
for i in 1 2 3 4 5 6; do
        (while [ ! -e "$TEST_TMP/start" ]; do sleep 0.01; done
         c submit --max-concurrent 2 -- "$CORRAL_PROGS/waitfile" "$go" >"$TEST_TMP/submit$i") &
done
touch "$TEST_TMP/start"
wait
ids=""
for i in 1 2 3 4 5 6; do ids="$ids $(tail -n 1 "$TEST_TMP/submit$i")"; done
assert_eq "six submissions accepted" 6 "$(echo $ids | wc -w)"

settle '[ "$(count running)" = 2 ] && [ "$(count queued)" = 4 ]'
assert_eq "exactly max-concurrent run" 2 "$(count running)"
assert_eq "the rest queue" 4 "$(count queued)"
settle '[ "$(jobs_json "sorted(x.get(\"queue_position\") or 0 for x in j if x[\"status\"] == \"queued\")")" = "[1, 2, 3, 4]" ]'
assert_eq "queue positions 1..4, each once" "[1, 2, 3, 4]" \
        "$(jobs_json "sorted(x.get('queue_position') or 0 for x in j if x['status'] == 'queued')")"
assert_eq "the head waits for a slot" "2/2 jobs running" \
        "$(jobs_json "next(x['reason'] for x in j if x.get('queue_position') == 1)")"
assert_eq "the others wait behind it" "3 jobs queued ahead" \
        "$(jobs_json "next(x['reason'] for x in j if x.get('queue_position') == 4)")"
assert_eq "the ledger agrees: running" 2 "$(sys "j['running']")"
assert_eq "the ledger agrees: queued" 4 "$(sys "j['queued']")"
assert_eq "max_concurrent_jobs is the persisted flag" 2 "$(sys "j['max_concurrent_jobs']")"
assert_eq "status --system names why the head waits" "2/2 jobs running" "$(sys "j['head']['reason']")"

# Cancel the job at position 2: it leaves the ledger, the ones behind close up.
second=$(jobs_json "next(x['id'] for x in j if x.get('queue_position') == 2)")
c cancel "$second" >/dev/null 2>&1
settle '[ "$(c status '"$second"' --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"])")" = cancelled ]' &&
        ok "queued job cancelled" || not_ok "cancel of $second"
settle '[ "$(sys "j[\"queued\"]")" = 3 ]' && ok "the ledger dropped it" ||
        not_ok "ledger still queues $(sys "j['queued']")"
settle '[ "$(jobs_json "sorted(x.get(\"queue_position\") or 0 for x in j if x[\"status\"] == \"queued\")")" = "[1, 2, 3]" ]' &&
        ok "the others closed up to positions 1..3" ||
        not_ok "positions: $(jobs_json "sorted(x.get('queue_position') or 0 for x in j if x['status'] == 'queued')")"

# The running jobs end: the queue drains through the two slots.
touch "$go"
settle '[ "$(sys "j[\"running\"] + j[\"queued\"]")" = 0 ] && [ "$(count completed)" = 5 ]'
assert_eq "every other job completed" 5 "$(count completed)"
assert_eq "nothing left in the ledger" 0 "$(sys "j['running'] + j['queued']")"
assert_eq "nothing left reserved" 0 "$(sys "j['memory']['reserved_bytes']")"
assert_no_groups
finish
