#!/bin/bash
# tests/vm/selftest.sh BUILD_DIR - tests the lane itself: boots once with the
# guest tests in tests/vm/selftest/ (a pass, a failed check, a hang under its
# own bound, a leak, a skip, a test without checks, one that outlives the
# guest's bound and one never reached) and checks that each gets the verdict
# and the ctest result it should: nothing that failed, hung or did not run
# may look like a pass, and a guest that does not finish fails the lane.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
results=$(mktemp -d /tmp/corral-vm-selftest.XXXXXX)
trap 'rm -rf "$results"' EXIT
fails=0
check() { # what expected actual
        if [ "$2" = "$3" ]; then echo "ok - $1: $3"; else
                echo "not ok - $1: expected '$2', got '$3'"
                fails=$((fails + 1))
        fi
}

CORRAL_VM_GUEST_DIR=$here/selftest CORRAL_VM_TIMEOUT=${CORRAL_VM_SELFTEST_TIMEOUT:-25} \
        bash "$here/lane.sh" "$build" "$results" >"$results/lane.out" 2>&1
check "lane exit when the guest does not finish" 1 $?
grep -q "did not finish within" "$results/lane.out" && echo "ok - the lane says the guest did not finish" ||
        { echo "not ok - no clear message:"; tail -n 5 "$results/lane.out"; fails=$((fails + 1)); }

verdict() { cut -d' ' -f1-3 "$results/$1.verdict" 2>/dev/null | sed 's/ ([0-9]* ms)$//'; }
check "a_pass verdict" "pass" "$(verdict a_pass | cut -d' ' -f1)"
check "b_fail verdict" "fail: exit status" "$(verdict b_fail)"
check "c_hang verdict" "fail: timed out" "$(verdict c_hang)"
check "d_leak verdict" "fail: left processes" "$(verdict d_leak)"
grep -q "processes left behind.*sleep" "$results/d_leak.log" && echo "ok - d_leak names the process" ||
        { echo "not ok - d_leak log does not name the sleep"; fails=$((fails + 1)); }
grep -q "cgroups left behind: /sys/fs/cgroup/selftest-leak" "$results/d_leak.log" && echo "ok - d_leak names the cgroup" ||
        { echo "not ok - d_leak log does not name the cgroup"; fails=$((fails + 1)); }
check "e_skip verdict" "skip" "$(verdict e_skip | cut -d' ' -f1)"
check "f_nochecks verdict" "fail: exit status" "$(verdict f_nochecks)"
check "y_stuck verdict" "fail: the guest" "$(verdict y_stuck)"
check "z_never verdict" "fail: did not" "$(verdict z_never)"

# And the ctest side: only a pass passes, a skip is 77.
for t in a_pass:0 b_fail:1 c_hang:1 d_leak:1 e_skip:77 f_nochecks:1 y_stuck:1 z_never:1 missing:1; do
        sh "$here/verdict.sh" "$results" "${t%%:*}" >/dev/null 2>&1
        check "verdict.sh ${t%%:*}" "${t#*:}" $?
done
[ $fails -eq 0 ]
