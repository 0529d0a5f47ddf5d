#!/bin/sh
# tests/vm/verdict.sh RESULT_DIR NAME - the ctest result of one guest test of
# the cgroup v2 lane: prints what the test printed inside the guest and passes
# only when its verdict (written by tests/vm/lane.sh) says pass.  Exit 77 (ctest
# SKIP_RETURN_CODE) for a guest test that skipped itself; a test without a
# verdict did not run and fails.
dir=$1
name=$2
if [ ! -f "$dir/$name.verdict" ]; then
        echo "vm/$name: no verdict in $dir: the lane (vm/boot) did not run this test"
        exit 1
fi
[ -f "$dir/$name.log" ] && cat "$dir/$name.log"
verdict=$(cat "$dir/$name.verdict")
echo "vm/$name: $verdict"
case "$verdict" in
pass | "pass "*) exit 0 ;;
skip | "skip "*) exit 77 ;;
*) exit 1 ;;
esac
