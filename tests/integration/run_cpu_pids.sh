#!/bin/bash
# CPU quota throttles a busy loop; a fork bomb is contained by the pids limit,
# and every fork the limit refused is counted in the outcome (pids.events max).
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json

# --cpus 0.5 sets a CFS quota of half a period, and the job never uses more
# than that over its wall time.  The job demands far more than its quota (four
# busy threads: up to 2 CPUs here), so without the quota it would use about
# 2 s of CPU per second on an idle machine.  On a loaded machine the group may
# get less than its quota from the scheduler and never be throttled at all, so
# "throttled" alone is no proof of a limit (it measured 0 periods under load);
# the quota file and usage <= quota x wall are, and they hold under any load.
"$CORRAL" run --cpus 0.5 --result "$R" -- "$CORRAL_PROGS/spin" 2 4 &
run_pid=$!
quota=
for _ in $(seq 100); do
        for g in /sys/fs/cgroup/cpu/"$CORRAL_CGROUP_PARENT"/*/ /sys/fs/cgroup/"$CORRAL_CGROUP_PARENT"/*/; do
                if [ -f "$g/cpu.cfs_quota_us" ]; then
                        quota="$(cat "$g/cpu.cfs_quota_us" "$g/cpu.cfs_period_us" 2>/dev/null | tr '\n' ' ')"
                elif [ -f "$g/cpu.max" ]; then
                        quota="$(cat "$g/cpu.max" 2>/dev/null) "
                fi
                [ -n "$quota" ] && break 2
        done
        sleep 0.02
done
wait "$run_pid"
assert_eq "the job's CFS quota: half of each period" "50000 100000 " "$quota"
assert_eq "busy loop completes" completed "$(json "$R" 'j["status"]')"
usage=$(json "$R" 'j["cpu_usage_usec"]')
wall=$(json "$R" 'j["wall_ms"]')
# At most half the wall time, plus one period's quota for a start mid-period.
assert_cmp "CPU used at --cpus 0.5 (usec) vs wall ${wall} ms" "$usage" -le $((wall * 500 + 50000))
assert_cmp "the job ran (CPU used, usec)" "$usage" -gt 0
# Where the group did get its quota it must have been throttled: with four
# threads it wants four times as much.  (Skipped only when the machine was too
# busy to give it 80% of its quota.)
if [ "$usage" -ge $((wall * 400)) ]; then
        assert_cmp "throttled periods while using its quota" "$(json "$R" 'j["cpu_nr_throttled"]')" -ge 1
        assert_cmp "throttled time (usec)" "$(json "$R" 'j["cpu_throttled_usec"]')" -gt 0
else
        echo "# the machine gave the job less than its quota (${usage} usec in ${wall} ms): throttling not checked"
fi

"$CORRAL" run --pids 32 --timeout 120s --result "$R" -- "$CORRAL_PROGS/forkbomb" 2>"$TEST_TMP/bomb.err"
st=$(json "$R" 'j["status"]')
assert_eq "fork bomb ends by itself" completed "$st"
grep -q "50 failures" "$TEST_TMP/bomb.err" && ok "forks were refused by the pids limit" ||
        not_ok "the fork bomb never saw fork fail"
# The bomb handled every refusal and exited 0: only the kernel's counter tells.
# Its first process alone saw 50 refused forks.
assert_cmp "pids_max_hits of a contained fork bomb" "$(json "$R" 'j["pids_max_hits"]')" -ge 50
assert_eq "pids_limit in the outcome" 32 "$(json "$R" 'j["pids_limit"]')"

"$CORRAL" run --result "$R" -- true
assert_eq "no pids limit hit: pids_max_hits" 0 "$(json "$R" 'j["pids_max_hits"]')"

# A background job: the count in job.json, the status JSON and the text summary.
id=$(corral submit --pids 16 -- sh -c "$CORRAL_PROGS/forkbomb 2>/dev/null; exit 1")
corral wait --timeout 120s "$id" >/dev/null
corral status "$id" --json >"$TEST_TMP/st.json"
hits=$(json "$TEST_TMP/st.json" 'j["pids_max_hits"]')
assert_cmp "job status pids_max_hits" "$hits" -ge 50
# MCP's summary is "failed: " + this reason.
assert_eq "job reason names the pids limit" "exit code 1; hit its limit of 16 processes $hits times" \
        "$(json "$TEST_TMP/st.json" 'j["reason"]')"
corral status "$id" | grep -q "processes: hit its limit of 16 processes $hits times" &&
        ok "text status names the pids limit" || not_ok "text status: $(corral status "$id")"

# cgroup v1: user and system time split the exact cpuacct.usage (as v2's
# cpu.stat does), instead of tick-sampled cpuacct.stat that reads 0 for a job
# shorter than a tick.
for job in true "$CORRAL_PROGS/spin 0.03"; do
        "$CORRAL" run --result "$R" -- $job
        assert_cmp "user+system of '$job' (usec)" "$(json "$R" 'j["cpu_user_usec"] + j["cpu_system_usec"]')" -gt 0
        assert_eq "user+system == usage for '$job'" 0 \
                "$(json "$R" 'j["cpu_user_usec"] + j["cpu_system_usec"] - j["cpu_usage_usec"]')"
done

assert_no_groups
finish
