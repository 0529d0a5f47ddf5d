#!/bin/bash
# An x32 syscall (nr | 0x40000000) slips past a filter that only checks the
# arch: corral's policies kill the job and name it.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" getpid x32 getpid 2>/dev/null)
assert_eq "exit status" 159 $?
assert_eq "status" seccomp_violation "$(r status)"
assert_eq "named" x32:getpid "$(r seccomp_syscall)"
assert_eq "stopped at the call" "getpid ok" "$out"
check_untouched
finish
