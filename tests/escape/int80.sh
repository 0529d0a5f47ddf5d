#!/bin/bash
# A syscall through the i386 gate (int 0x80): the job is killed and the call
# named by its i386 number (20 = getpid).
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" getpid int80 getpid 2>/dev/null)
assert_eq "exit status" 159 $?
assert_eq "status" seccomp_violation "$(r status)"
assert_eq "named" i386:20 "$(r seccomp_syscall)"
assert_eq "stopped at the call" "getpid ok" "$out"
check_untouched
finish
