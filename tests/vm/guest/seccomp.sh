# seccomp: on a cgroup2-only kernel, a syscall the default policy kills ends the
# job as seccomp_violation naming it (the supervisor's proof, not a SIGSYS);
# errno denials let the job run on and are counted by name; a job raising
# SIGSYS itself is `killed`; x32 and i386 calls are killed and named.
. /vm/lib.sh

job kill -- "$PROGS/try-syscall" getpid init_module getpid
assert_eq "kill: corral exit" 159 "$RC"
assert_eq "kill: status" seccomp_violation "$(jget "$R" status)"
assert_eq "kill: syscall named" init_module "$(jget "$R" seccomp_syscall)"
assert_eq "kill: the job stopped at the call" "getpid ok" "$(cat "$TMP/kill.out")"
assert_group_gone

job deny -- "$PROGS/try-syscall" ptrace bpf ptrace getpid
assert_eq "deny: corral exit" 0 "$RC"
assert_eq "deny: status" completed "$(jget "$R" status)"
assert_eq "deny: the job saw EPERM" "ptrace errno=EPERM" "$(head -n 1 "$TMP/deny.out")"
if grep -qF '"denied_syscalls":[{"name":"ptrace","count":2},{"name":"bpf","count":1}]' "$R"; then
        ok "deny: counted by name (ptrace 2, bpf 1)"
else
        not_ok "deny: denied_syscalls in $(cat "$R")"
fi
assert_group_gone

job raise -- /bin/sh -c 'kill -SYS $$'
assert_eq "own SIGSYS: status" killed "$(jget "$R" status)"
assert_eq "own SIGSYS: signal" SIGSYS "$(jget "$R" signal)"
assert_eq "own SIGSYS: no syscall named" null "$(jget "$R" seccomp_syscall)"
assert_group_gone

job x32 -- "$PROGS/try-syscall" x32
assert_eq "x32: status" seccomp_violation "$(jget "$R" status)"
assert_eq "x32: named" x32:getpid "$(jget "$R" seccomp_syscall)"
job int80 -- "$PROGS/try-syscall" int80
assert_eq "int80: status" seccomp_violation "$(jget "$R" status)"
assert_eq "int80: named" i386:20 "$(jget "$R" seccomp_syscall)"

job none --policy none -- "$PROGS/try-syscall" bpf
assert_eq "none: status" completed "$(jget "$R" status)"
grep -qF '"denied_syscalls":[]' "$R" && ok "none: nothing counted" || not_ok "none: $(cat "$R")"
assert_group_gone
finish
