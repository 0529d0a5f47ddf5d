#!/bin/bash
# seccomp through `corral run --policy`: a kill action is reported as
# seccomp_violation naming the syscall; errno denials let the job run on and
# are counted by name; strict runs a shell and python3; none filters nothing;
# a bad policy file is refused with file:line; a job's own SIGSYS is `killed`.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
TRY=$CORRAL_PROGS/try-syscall

# default kills module loading: the supervisor names the call, the call never ran.
out=$("$CORRAL" run --result "$R" -- "$TRY" getpid init_module getpid 2>/dev/null)
assert_eq "kill action: exit status" 159 $?
assert_eq "kill action: status" seccomp_violation "$(json "$R" 'j["status"]')"
assert_eq "kill action: syscall named" init_module "$(json "$R" 'j["seccomp_syscall"]')"
assert_eq "kill action: the job stopped at the call" "getpid ok" "$out"

# errno denials: the job runs on to completion and the outcome counts them.
out=$("$CORRAL" run --result "$R" -- "$TRY" ptrace bpf ptrace getpid 2>/dev/null)
assert_eq "errno denial: exit status" 0 $?
assert_eq "errno denial: status" completed "$(json "$R" 'j["status"]')"
assert_eq "errno denial: the job saw EPERM and ran on" \
        "ptrace errno=EPERM bpf errno=EPERM ptrace errno=EPERM getpid ok" "$(echo $out)"
assert_eq "denied_syscalls" "ptrace=2 bpf=1" \
        "$(json "$R" '" ".join("%s=%d" % (d["name"], d["count"]) for d in j["denied_syscalls"])')"
assert_eq "no violation recorded" null "$(json "$R" 'j["seccomp_syscall"]')"

# clone3 gets ENOSYS (glibc falls back to clone) and is not reported as a denial.
out=$("$CORRAL" run --result "$R" -- "$TRY" clone3 2>/dev/null)
assert_eq "clone3 under default" "clone3 errno=ENOSYS" "$out"
assert_eq "clone3 is not a counted denial" 0 "$(json "$R" 'len(j["denied_syscalls"])')"

# strict: enough for a shell and python3 (with threads: clone3 -> clone).
out=$("$CORRAL" run --policy strict --result "$R" -- sh -c \
        'echo shell-ok; python3 -c "import threading,hashlib; t=threading.Thread(target=lambda: None); t.start(); t.join(); print(sum(range(10**5)), hashlib.sha256(b\"x\").hexdigest()[:8])"' 2>&1)
assert_eq "strict: status" completed "$(json "$R" 'j["status"]')"
assert_eq "strict: shell and python3 ran" "shell-ok 4999950000 2d711642" "$(echo $out)"
out=$("$CORRAL" run --policy strict --result "$R" -- "$TRY" ptrace 2>/dev/null)
assert_eq "strict: ptrace denied" "ptrace errno=EPERM" "$out"

# Other ABIs are killed under strict too (every policy but none).
for abi in x32 int80; do
        "$CORRAL" run --policy strict --result "$R" -- "$TRY" "$abi" >/dev/null 2>&1
        assert_eq "strict: $abi killed" seccomp_violation "$(json "$R" 'j["status"]')"
done
assert_eq "strict: i386 call named" i386:20 "$(json "$R" 'j["seccomp_syscall"]')"

# none: nothing filtered (ptrace of pid 0 reaches the kernel: ESRCH).
out=$("$CORRAL" run --policy none --result "$R" -- "$TRY" ptrace x32 2>/dev/null)
assert_eq "none: status" completed "$(json "$R" 'j["status"]')"
case "$out" in
"ptrace errno=ESRCH"*) ok "none: ptrace reaches the kernel" ;;
*) not_ok "none: $out" ;;
esac
assert_eq "none: nothing counted" 0 "$(json "$R" 'len(j["denied_syscalls"])')"

# A policy file given by path works like a named one.
printf 'default allow\nerrno(EACCES) getppid\n' >"$TEST_TMP/mine.policy"
out=$("$CORRAL" run --policy "$TEST_TMP/mine.policy" --result "$R" -- sh -c 'echo $PPID' 2>/dev/null)
assert_eq "own policy file: denial counted" "getppid=1" \
        "$(json "$R" '" ".join("%s=%d" % (d["name"], d["count"]) for d in j["denied_syscalls"])')"

# A bad policy file: file:line and reason, exit 2, nothing run.
printf 'default allow\n# comment\nkill no_such_syscall\n' >"$TEST_TMP/bad.policy"
err=$("$CORRAL" run --policy "$TEST_TMP/bad.policy" -- touch "$TEST_TMP/ran" 2>&1)
assert_eq "bad policy: exit status" 2 $?
case "$err" in
*"$TEST_TMP/bad.policy:3:"*"no_such_syscall"*) ok "bad policy: file:line and reason" ;;
*) not_ok "bad policy message: $err" ;;
esac
[ -e "$TEST_TMP/ran" ] && not_ok "bad policy: the command ran" || ok "bad policy: nothing ran"
err=$("$CORRAL" run --policy no-such-policy -- true 2>&1)
assert_eq "unknown policy name: exit status" 2 $?

# SIGSYS without proof is not a violation: a job raising it is killed by SIGSYS.
"$CORRAL" run --result "$R" -- sh -c 'kill -SYS $$' 2>/dev/null
assert_eq "own SIGSYS: status" killed "$(json "$R" 'j["status"]')"
assert_eq "own SIGSYS: signal" SIGSYS "$(json "$R" 'j["signal"]')"
assert_eq "own SIGSYS: no syscall named" null "$(json "$R" 'j["seccomp_syscall"]')"

# A violation by a grandchild still names the call and ends the whole job.
"$CORRAL" run --result "$R" -- sh -c "sh -c '$TRY finit_module'; sleep 30" 2>/dev/null
assert_eq "grandchild violation: status" seccomp_violation "$(json "$R" 'j["status"]')"
assert_eq "grandchild violation: syscall" finit_module "$(json "$R" 'j["seccomp_syscall"]')"

assert_no_groups
finish
