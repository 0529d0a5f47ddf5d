#!/bin/bash
# gov_queue: the governor end to end with real jobs.  Six `corral submit`
# processes race on one store against --max-concurrent 2: exactly two run, four
# queue in order with the reason; `status --system` agrees; a queued job is
# cancelled; a full queue and a never-fitting job are refused; when the running
# jobs end, the queue drains.
source "$(dirname "$0")/../lib.sh"

state="$TEST_TMP/state"
go="$TEST_TMP/go"
chmod 755 "$TEST_TMP" # jobs run as an unprivileged uid and must see $go appear
c() { "$CORRAL" --state-dir "$state" "$@"; }

# Polls a condition (a shell expression) for up to 30 s: waiting for jobs to
# settle, not a timing assertion.
settle() {
        for _ in $(seq 300); do
                eval "$1" && return 0
                sleep 0.1
        done
        return 1
}
sys() { c status --system --json >"$TEST_TMP/sys.json" && json "$TEST_TMP/sys.json" "$1"; }
field() { c status "$1" --json >"$TEST_TMP/job.json" 2>/dev/null && json "$TEST_TMP/job.json" "j.get('$2')"; }

# Six submitters at once, each with the same explicit policy.
for i in 1 2 3 4 5 6; do
        c submit --max-concurrent 2 -- "$CORRAL_PROGS/waitfile" "$go" >"$TEST_TMP/submit$i" &
done
wait
# submit prints the job's id on its last line.
ids=""
for i in 1 2 3 4 5 6; do
        id=$(tail -n 1 "$TEST_TMP/submit$i")
        [ -n "$id" ] && ids="$ids $id"
done
assert_eq "six submissions accepted" 6 "$(echo $ids | wc -w)"
settle '[ "$(sys "j[\"running\"] + j[\"queued\"]")" = 6 ]' && ok "all six jobs reached the ledger" ||
        not_ok "jobs in the ledger: $(cat "$TEST_TMP/sys.json")"
assert_eq "exactly max-concurrent run" 2 "$(sys "j['running']")"
assert_eq "the rest queue" 4 "$(sys "j['queued']")"
assert_eq "max_concurrent_jobs is the persisted flag" 2 "$(sys "j['max_concurrent_jobs']")"
assert_eq "why the head waits" "2/2 jobs running" "$(sys "j['head']['reason']")"

running=0
positions=""
for id in $ids; do
        st=$(field "$id" status)
        if [ "$st" = running ]; then
                running=$((running + 1))
        elif [ "$st" = queued ]; then
                positions="$positions $(field "$id" queue_position)"
                reason=$(field "$id" reason)
                case "$reason" in
                "2/2 jobs running" | *"queued ahead") ok "$id queued: $reason" ;;
                *) not_ok "$id reason '$reason'" ;;
                esac
        fi
done
assert_eq "job records: two running" 2 "$running"
assert_eq "queue positions 1..4, each once" "1 2 3 4" "$(echo $positions | tr ' ' '\n' | sort -n | xargs)"

# Cancel the last queued job: it leaves the queue.
last=""
for id in $ids; do
        [ "$(field "$id" queue_position)" = 4 ] && last="$id"
done
c cancel "$last" >/dev/null 2>&1
settle '[ "$(field '"$last"' status)" = cancelled ]' && ok "queued job $last cancelled" ||
        not_ok "$last is $(field "$last" status)"
settle '[ "$(sys "j[\"queued\"]")" = 3 ]' && ok "the queue shrank to 3" ||
        not_ok "queued: $(sys "j['queued']")"

# A full queue refuses and names the limit.
full=$(c submit --queue-limit 3 -- "$CORRAL_PROGS/waitfile" "$go" | tail -n 1)
settle '[ "$(field "$full" status)" = failed ]' && ok "a submission to a full queue is refused" ||
        not_ok "full is $(field "$full" status)"
case "$(field "$full" reason)" in
*"queue full: 3/3 jobs queued"*) ok "reason names the queue limit: $(field "$full" reason)" ;;
*) not_ok "reason '$(field "$full" reason)'" ;;
esac

# A job larger than jobs may ever reserve (85% of memory) but within the host
# (submit itself rejects more than the host has) is refused at once, not queued.
mib=$(sys "(j['memory']['reservable_bytes'] + j['memory']['total_bytes']) // 2 // 1048576")
huge=$(c submit --memory "${mib}M" -- "$CORRAL_PROGS/waitfile" "$go" | tail -n 1)
settle '[ "$(field "$huge" status)" = failed ]' && ok "a never-fitting job is refused" ||
        not_ok "huge is $(field "$huge" status)"
case "$(field "$huge" reason)" in
*"more than the"*"jobs may reserve (85% of"*) ok "reason: $(field "$huge" reason)" ;;
*) not_ok "reason '$(field "$huge" reason)'" ;;
esac
assert_eq "refusals did not join the queue" 3 "$(sys "j['queued']")"

# The running jobs end: the queue drains and nothing stays reserved.
touch "$go"
settle '[ "$(sys "j[\"running\"] + j[\"queued\"]")" = 0 ]' && ok "the queue drained" ||
        not_ok "left: $(cat "$TEST_TMP/sys.json")"
done_count=0
for id in $ids; do
        [ "$id" = "$last" ] && continue
        settle '[ "$(field '"$id"' status)" = completed ]' && done_count=$((done_count + 1))
done
assert_eq "every other job completed" 5 "$done_count"
assert_no_groups
finish
