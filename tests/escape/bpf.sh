#!/bin/bash
# bpf() and perf_event_open: EPERM from the policy, counted.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" bpf perf_event_open userfaultfd 2>/dev/null)
assert_eq "refused" "bpf errno=EPERM perf_event_open errno=EPERM userfaultfd errno=EPERM" "$(echo $out)"
assert_eq "denials counted" "bpf=1 perf_event_open=1 userfaultfd=1" "$(denials)"
assert_eq "job ran on" completed "$(r status)"
check_untouched
finish
