#!/bin/bash
# Nothing is lost when a process dies: 20 jobs finish with their results with
# no corral process around; a job whose supervisor is SIGKILLed becomes `lost`
# (never `failed`) and its group and processes disappear; two corral processes
# recovering the same store at once record it exactly once.
. "$(dirname "$0")/../lib.sh"

# 20 jobs, each writing a result; the submitting commands are long gone while
# they run: every one still reaches its true status with its result.
ids=()
for i in $(seq 20); do
        ids+=("$(corral submit --max-concurrent 50 -- sh -c "sleep 0.2; echo '{\"i\": $i}' > results.json; [ $i -ne 7 ]")")
done
for id in "${ids[@]}"; do corral wait --timeout 120s "$id" >/dev/null; done
completed=0
for i in $(seq 20); do
        f=$STATE/tenants/default/jobs/${ids[$((i - 1))]}/job.json
        st=$(json "$f" 'j["status"]')
        if [ "$i" -eq 7 ]; then
                assert_eq "job 7 failed with its exit code" "failed 1" "$st $(json "$f" 'j["exit_code"]')"
        elif [ "$st" = completed ] &&
                [ "$(json "$STATE/tenants/default/jobs/${ids[$((i - 1))]}/results.json" 'j["i"]')" = "$i" ]; then
                completed=$((completed + 1))
        fi
done
assert_eq "the 19 others completed with their own results" 19 "$completed"

# SIGKILL a supervisor: its job is lost, with a reason, and its group and
# processes go away at the next corral command.
lost=$(corral submit -- "$CORRAL_PROGS/daemonize" pidfile)
for _ in $(seq 100); do
        [ "$(json "$STATE/tenants/default/jobs/$lost/job.json" 'j["status"]')" = running ] &&
                [ -s "$STATE/tenants/default/jobs/$lost/work/pidfile" ] && break
        sleep 0.1
done
sup=$(json "$STATE/tenants/default/jobs/$lost/job.json" 'j["supervisor"]["pid"]')
daemon=$(host_pid "$(cat "$STATE/tenants/default/jobs/$lost/work/pidfile")" "$STATE/tenants/default/jobs/$lost/work")
[ -n "$daemon" ] && ok "daemon found ($daemon)" || not_ok "daemon not found"
kill -9 "$sup"
sleep 0.2
# Two corral processes recover at once: the record is written exactly once.
corral list >/dev/null &
corral list >/dev/null &
wait
f=$STATE/tenants/default/jobs/$lost/job.json
assert_eq "status after the supervisor died" lost "$(json "$f" 'j["status"]')"
case "$(json "$f" 'j["lost_reason"]')" in
*"supervisor (pid $sup) ended"*) ok "lost_reason names the dead supervisor" ;;
*) not_ok "lost_reason: $(json "$f" 'j["lost_reason"]')" ;;
esac
assert_dead "$daemon" "the lost job's daemon was killed"
assert_no_groups
before=$(sha256sum "$f")
corral list >/dev/null
assert_eq "a lost record is final" "$before" "$(sha256sum "$f")"

# Recovery reads the active set, not every record (docs/decisions/store-index.md):
# with 300 more finished jobs in the store, a dead running job still becomes
# lost, through `corral gc` and through serve's start-up, and nothing else is
# touched: no finished record rewritten, no job added or run again.
STOREGEN="$CORRAL_BUILD/tests/bench/storegen"
[ -x "$STOREGEN" ] || not_ok "storegen not built: $STOREGEN"
"$STOREGEN" "$STATE" 300 --real 10 2>/dev/null || not_ok "storegen failed"
dead_job() { # a running job whose supervisor is SIGKILLed; prints its id
        local id sup
        id=$(corral submit -- "$CORRAL_PROGS/waitfile" never)
        for _ in $(seq 100); do
                [ "$(json "$STATE/tenants/default/jobs/$id/job.json" 'j["status"]')" = running ] && break
                sleep 0.1
        done
        sup=$(json "$STATE/tenants/default/jobs/$id/job.json" 'j["supervisor"]["pid"]')
        kill -9 "$sup"
        echo "$id"
}
d1=$(dead_job)
d2=$(dead_job)
sleep 0.2
jobs_dir=$STATE/tenants/default/jobs
snapshot() { for d in "$jobs_dir"/*/; do id=$(basename "$d"); [ "$id" = "$d1" ] || [ "$id" = "$d2" ] || sha256sum "$d/job.json"; done | sort; }
snap=$(snapshot)
count=$(ls "$jobs_dir" | wc -l)
assert_eq "the dead jobs are in the active set" "$(printf '%s\n' "$d1" "$d2" | sort | xargs)" "$(ls "$STATE/tenants/default/active" | xargs)"
corral gc >/dev/null
assert_eq "gc's recovery: the dead job is lost" lost "$(json "$jobs_dir/$d1/job.json" 'j["status"]')"
assert_eq "gc's recovery: and the other" lost "$(json "$jobs_dir/$d2/job.json" 'j["status"]')"
assert_eq "gc's recovery rewrote no finished record" "$snap" "$(snapshot)"
assert_eq "gc removed nothing, added nothing" "$count" "$(ls "$jobs_dir" | wc -l)"
d3=$(dead_job)
sleep 0.2
snap=$(snapshot | grep -v "/$d3/")
"$CORRAL" --state-dir "$STATE" serve </dev/null >/dev/null 2>&1
assert_eq "serve's start-up recovery: the dead job is lost" lost "$(json "$jobs_dir/$d3/job.json" 'j["status"]')"
assert_eq "no finished record rewritten" "$snap" "$(snapshot | grep -v "/$d3/")"
assert_eq "no job added or requeued" "$((count + 1))" "$(ls "$jobs_dir" | wc -l)"
assert_eq "the active set empty again" "" "$(ls "$STATE/tenants/default/active")"
assert_eq "the lost jobs indexed" 3 "$(corral list --status lost | grep -c -e "$d1" -e "$d2" -e "$d3")"
assert_no_groups

finish
