#!/bin/bash
# `corral result` prints a job's results JSON or says why there is none, and
# `corral metrics` gives Prometheus text that promtool accepts, counting what
# really happened: a real OOM kill, a real seccomp kill, admissions, a refusal,
# jobs by status and tenant.
. "$(dirname "$0")/../lib.sh"
command -v promtool >/dev/null || { not_ok "promtool missing: contrib/install-deps.sh package"; finish; }

good=$(corral submit -- sh -c 'echo "{\"answer\": 42}" > results.json')
none=$(corral submit -- true)
oom=$(corral submit --memory 32M -- "$CORRAL_PROGS/memhog" 200)
sec=$(corral submit -- "$CORRAL_PROGS/try-syscall" kexec_load)
other=$(corral --tenant alice submit -- true)
for id in "$good" "$none" "$oom" "$sec"; do corral wait --timeout 60s "$id" >/dev/null 2>&1; done
corral --tenant alice wait --timeout 60s "$other" >/dev/null 2>&1
# A job asking for more than jobs may reserve (95% of the host's memory, above
# the 85% threshold) is refused by the governor at submission.
big=$(awk '/^MemTotal:/ { printf "%dM", $2 * 0.95 / 1024 }' /proc/meminfo)
corral submit --memory "$big" -- true >/dev/null 2>&1
assert_eq "huge job refused (exit status)" 2 "$?"

# corral result
out=$(corral result "$good")
assert_eq "result: exit status" 0 "$?"
assert_eq "result: the job's JSON" '{"answer":42}' "$out"
err=$(corral result "$none" 2>&1 >/dev/null)
assert_eq "no result: exit status" 1 "$?"
case "$err" in *"did not write results.json"*) ok "no result: says why ($err)" ;;
*) not_ok "no result: message '$err'" ;; esac
err=$(corral result "$oom" 2>&1 >/dev/null)
case "$err" in *oom_killed*) ok "oom job: the outcome is named ($err)" ;;
*) not_ok "oom job: message '$err'" ;; esac
corral result no-such-job >/dev/null 2>&1
assert_eq "unknown job: exit status" 2 "$?"

# corral metrics
corral metrics >"$TEST_TMP/m.txt"
assert_eq "metrics: exit status" 0 "$?"
if promtool check metrics <"$TEST_TMP/m.txt" >"$TEST_TMP/promtool.out" 2>&1; then
        ok "promtool check metrics accepts it"
else
        not_ok "promtool check metrics: $(cat "$TEST_TMP/promtool.out")"
fi
value() { awk -v k="$1" '$1 == k { print $2 }' "$TEST_TMP/m.txt"; }
assert_eq "oom kill counted" 1 "$(value 'corral_oom_kills_total{tenant="default"}')"
assert_eq "oom_killed job finished" 1 "$(value 'corral_jobs_finished_total{tenant="default",status="oom_killed"}')"
assert_eq "seccomp violation counted" 1 "$(value 'corral_seccomp_violations_total{tenant="default"}')"
assert_eq "jobs by status: completed (default)" 2 "$(value 'corral_jobs{tenant="default",status="completed"}')"
assert_eq "jobs by status: oom_killed" 1 "$(value 'corral_jobs{tenant="default",status="oom_killed"}')"
assert_eq "jobs by tenant: alice completed" 1 "$(value 'corral_jobs{tenant="alice",status="completed"}')"
assert_eq "admissions" 5 "$(value corral_admissions_total)"
assert_eq "queue waits counted" 5 "$(value corral_queue_wait_seconds_count)"
assert_eq "refusal by reason" 1 "$(value 'corral_refusals_total{reason="never_fits",tenant="default"}')"
assert_eq "nothing queued" 0 "$(value corral_queue_length)"
case "$(value corral_host_memory_capacity_bytes)" in
[1-9]*) ok "host memory capacity reported" ;;
*) not_ok "host memory capacity: '$(value corral_host_memory_capacity_bytes)'" ;;
esac

# Memory in use of a running job: a job holding 64 MiB shows at least that much.
hold=$(corral submit --memory 256M -- python3 -c \
        'import time; b = bytearray(64 << 20); print("holding", flush=True); time.sleep(60)')
for _ in $(seq 200); do
        corral logs "$hold" 2>/dev/null | grep -q holding && break
        sleep 0.1
done
corral metrics >"$TEST_TMP/m2.txt"
used=$(awk '$1 == "corral_jobs_memory_bytes{tenant=\"default\"}" { print $2 }' "$TEST_TMP/m2.txt")
assert_cmp "memory in use of the running job (bytes)" "${used:-0}" -ge $((64 << 20))
# It is the job's group's figure, not its init's (on v1 the init stays in
# corral's groups, whose usage counts much else): read the group directly.
grp=""
for f in /proc/[0-9]*/cgroup; do
        p=${f%/cgroup}
        [ "$(cat "$p/comm" 2>/dev/null)" = python3 ] || continue
        grp=$(awk -F: -v parent="/$CORRAL_CGROUP_PARENT/" \
                '($2 ~ /(^|,)memory(,|$)/ || $1 == "0") && index($3, parent) == 1 { print $3 }' "$f")
        [ -n "$grp" ] && break
done
if [ -f "/sys/fs/cgroup/memory$grp/memory.usage_in_bytes" ]; then
        direct=$(cat "/sys/fs/cgroup/memory$grp/memory.usage_in_bytes")
else
        direct=$(cat "/sys/fs/cgroup$grp/memory.current" 2>/dev/null)
fi
if [ -n "$grp" ] && [ -n "$direct" ]; then
        diff=$((used - direct))
        assert_cmp "memory in use is the job's group's ($used against $direct bytes): difference" \
                "${diff#-}" -le $((16 << 20))
else
        not_ok "the holding job's memory group was not found (group '$grp')"
fi
assert_eq "running job counted" 1 "$(awk '$1 == "corral_jobs{tenant=\"default\",status=\"running\"}" { print $2 }' "$TEST_TMP/m2.txt")"
corral cancel "$hold" >/dev/null
assert_no_groups
finish
