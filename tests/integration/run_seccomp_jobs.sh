#!/bin/bash
# Per-job seccomp policy through `corral submit --policy`: job.json carries
# seccomp_syscall for a kill and denied_syscalls for errno denials.
. "$(dirname "$0")/../lib.sh"
TRY=$CORRAL_PROGS/try-syscall

killed=$(corral submit -- "$TRY" kexec_load)
denied=$(corral submit -- "$TRY" ptrace perf_event_open ptrace ptrace)
strict=$(corral submit --policy strict -- "$TRY" bpf)
none=$(corral submit --policy none -- "$TRY" bpf)
bad=$(corral submit --policy no-such-policy -- true)
for id in "$killed" "$denied" "$strict" "$none" "$bad"; do
        corral wait --timeout 60s "$id" >/dev/null 2>&1
done

corral status "$killed" --json >"$TEST_TMP/k.json"
assert_eq "kill: status" seccomp_violation "$(json "$TEST_TMP/k.json" 'j["status"]')"
assert_eq "kill: seccomp_syscall" kexec_load "$(json "$TEST_TMP/k.json" 'j["seccomp_syscall"]')"

corral status "$denied" --json >"$TEST_TMP/d.json"
assert_eq "errno: status" completed "$(json "$TEST_TMP/d.json" 'j["status"]')"
assert_eq "errno: denied_syscalls" "ptrace=3 perf_event_open=1" \
        "$(json "$TEST_TMP/d.json" '" ".join("%s=%d" % (d["name"], d["count"]) for d in j["denied_syscalls"])')"
assert_eq "errno: the job saw EPERM" "ptrace errno=EPERM" "$(corral logs "$denied" | head -1)"

corral status "$strict" --json >"$TEST_TMP/s.json"
assert_eq "strict job: policy recorded" strict "$(json "$TEST_TMP/s.json" 'j["policy"]')"
assert_eq "strict job: bpf denied" "bpf=1" \
        "$(json "$TEST_TMP/s.json" '" ".join("%s=%d" % (d["name"], d["count"]) for d in j["denied_syscalls"])')"

corral status "$none" --json >"$TEST_TMP/n.json"
assert_eq "none job: status" completed "$(json "$TEST_TMP/n.json" 'j["status"]')"
assert_eq "none job: nothing denied" 0 "$(json "$TEST_TMP/n.json" 'len(j.get("denied_syscalls") or [])')"

corral status "$bad" --json >"$TEST_TMP/b.json"
assert_eq "unknown policy: job failed" failed "$(json "$TEST_TMP/b.json" 'j["status"]')"
case "$(json "$TEST_TMP/b.json" 'j["reason"]')" in
*no-such-policy*) ok "unknown policy: reason names it" ;;
*) not_ok "reason: $(json "$TEST_TMP/b.json" 'j["reason"]')" ;;
esac

assert_no_groups
finish
