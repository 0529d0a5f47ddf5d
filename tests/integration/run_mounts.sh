#!/bin/bash
# A job sees the file system read-only but its working directory, gets a fresh
# /tmp and /dev/shm, and with --network none has no network but loopback.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
mkdir -p "$TEST_TMP/extra" && chmod 777 "$TEST_TMP/extra"
# A marker in the host's /dev/shm the job must not see (it gets its own).
marker=/dev/shm/corral-test-marker-$$
touch "$marker"
trap 'rm -f "$marker"; cleanup_test' EXIT

try() { # path -> "ok" or the error
        "$CORRAL" run --uid 0 --result "$R" -- sh -c "touch '$1' 2>&1 && echo ok" 2>&1 | tail -1
}
assert_eq "working directory is writable" ok "$(try "$TEST_TMP/file")"
case "$(try /etc/corral-test-file)" in *"Read-only file system"*) ok "/etc is read-only, even for uid 0" ;; *) not_ok "/etc writable" ;; esac
case "$(try /var/tmp/corral-test-file)" in *"Read-only file system"*) ok "/var/tmp is read-only" ;; *) not_ok "/var/tmp writable" ;; esac
assert_eq "/dev/shm is a fresh writable tmpfs" ok "$(try /dev/shm/scratch)"
[ -e /dev/shm/scratch ] && not_ok "the job's /dev/shm file reached the host" || ok "the job's /dev/shm stays private"
seen=$("$CORRAL" run --result "$R" -- sh -c "ls /dev/shm" 2>/dev/null)
case "$seen" in *corral-test-marker*) not_ok "the host's /dev/shm is visible" ;; *) ok "the host's /dev/shm is hidden" ;; esac
out=$("$CORRAL" run --uid 0 --writable "$TEST_TMP/extra" --result "$R" -- sh -c "cd /; touch '$TEST_TMP/extra/f' && echo ok" 2>&1)
assert_eq "--writable keeps a path writable" ok "$out"

# --mounts host turns it off (for trusted tools).
out=$("$CORRAL" run --uid 0 --mounts host --result "$R" -- sh -c "touch /dev/shm/corral-test-host-$$ && echo ok" 2>&1)
assert_eq "--mounts host writes the host's /dev/shm" ok "$out"
rm -f "/dev/shm/corral-test-host-$$"

ifaces=$("$CORRAL" run --network none --result "$R" -- cat /proc/net/dev | awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' | tr '\n' ' ')
assert_eq "--network none leaves only loopback" "lo " "$ifaces"
host_ifaces=$("$CORRAL" run --result "$R" -- cat /proc/net/dev | awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' | tr '\n' ' ')
if [ "$host_ifaces" != "lo " ]; then
        ok "the host network is visible by default ($host_ifaces)"
else
        not_ok "the default run saw only loopback: the comparison above proves nothing"
fi
err=$("$CORRAL" run --mounts maybe -- true 2>&1)
assert_eq "invalid --mounts: exit status" 2 $?
assert_no_groups
finish
