#!/bin/bash
# Filling the disk: a file beyond --rlimit fsize ends the job by SIGXFSZ with
# the file at the cap; the private /tmp and /dev/shm are size-capped tmpfs
# (ENOSPC) that vanish with the job.
. "$(dirname "$0")/escape.bash"
start_witnesses
attempt --rlimit fsize=1M -- head -c 10M /dev/zero >big 2>/dev/null
assert_eq "fsize: status" killed "$(r status)"
assert_eq "fsize: signal" SIGXFSZ "$(r signal)"
assert_eq "fsize: file stopped at the cap" 1048576 "$(stat -c %s big)"
rm -f big
# A working directory outside /tmp, so the job gets fresh /tmp and /dev/shm.
WD=$(mktemp -d /var/tmp/corral-escape.XXXXXX)
chmod 1777 "$WD"
EXTRA_CLEANUP='rm -rf "$WD"'
(cd "$WD" && attempt --memory 512M -- sh -c '
        for d in /tmp /dev/shm; do
                dd if=/dev/zero of=$d/fill bs=1M count=200 2>&1 | grep -o "No space left on device" | head -1
                echo "$d $(stat -c %s $d/fill)"
        done' >"$TEST_TMP/out" 2>&1)
assert_eq "tmpfs caps: ENOSPC twice" 2 "$(grep -c 'No space left on device' "$TEST_TMP/out")"
assert_eq "/tmp capped at 64 MiB" "/tmp 67108864" "$(grep '^/tmp ' "$TEST_TMP/out")"
assert_eq "/dev/shm capped at 64 MiB" "/dev/shm 67108864" "$(grep '^/dev/shm ' "$TEST_TMP/out")"
[ -e /tmp/fill ] || [ -e /dev/shm/fill ] && not_ok "the fill reached the host" || ok "host /tmp and /dev/shm untouched"
rm -rf "$WD"
check_untouched
finish
