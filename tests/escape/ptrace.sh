#!/bin/bash
# ptrace of another process (the neighbour job): EPERM from the seccomp policy,
# counted in the outcome; the neighbour is not stopped or traced.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" "ptrace-attach:$NB_PID" "ptrace-attach:$CANARY" 2>/dev/null)
assert_eq "PTRACE_ATTACH answered EPERM" \
        "ptrace-attach:$NB_PID errno=EPERM ptrace-attach:$CANARY errno=EPERM" "$(echo $out)"
assert_eq "the job ran on" completed "$(r status)"
assert_eq "the denials are the policy's (counted)" "ptrace=2" "$(denials)"
assert_eq "neighbour not traced" 0 "$(awk '$1 == "TracerPid:" {print $2}' "/proc/$NB_PID/status")"
check_untouched
finish
