#!/bin/bash
# Tighter defaults (issue 19): default rlimits (nofile 1024, fsize 1 GiB), a
# neutral hostname (UTS namespace), /tmp and
# /dev/shm with an inode cap in proportion to their size, --tmp noexec, and
# --mounts minimal (only what a command needs from /usr, /bin, /lib*, a few
# /etc files, basic /dev and /proc).
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
W=$TEST_TMP/work
mkdir "$W" && chmod 777 "$W"
cd "$W" || exit 1

# UTS namespace: the job sees "corral", whatever the host is called.
assert_eq "the job's hostname" corral "$("$CORRAL" run --result "$R" -- hostname)"
assert_eq "the job's hostname, --mounts host too" corral \
        "$("$CORRAL" run --mounts host --result "$R" -- cat /proc/sys/kernel/hostname)"
[ "$(hostname)" != corral ] && ok "the host keeps its own name ($(hostname))" ||
        not_ok "the host is called corral: the check above proves nothing"

# Default rlimits: the job gets 1024 open files and a 1 GiB file size cap,
# not whatever the caller has (this host: nofile 20,000, fsize unlimited);
# --rlimit overrides each.  The caller's own limits are raised first (as far
# as its hard limit allows), so the defaults are what made the job's lower.
ulimit -n "$(ulimit -Hn)"
ulimit -f unlimited
[ "$(ulimit -n)" -gt 4096 ] && [ "$(ulimit -f)" = unlimited ] &&
        ok "the caller has nofile $(ulimit -n), fsize unlimited" ||
        not_ok "the caller's limits are too low to show the defaults: nofile $(ulimit -n), fsize $(ulimit -f)"
assert_eq "default rlimits (nofile, fsize in 512-byte blocks)" "1024 2097152" \
        "$("$CORRAL" run --result "$R" -- sh -c 'echo $(ulimit -n) $(ulimit -f)')"
assert_eq "--rlimit overrides them" "4096 20480" \
        "$("$CORRAL" run --rlimit nofile=4096 --rlimit fsize=10M --result "$R" -- sh -c 'echo $(ulimit -n) $(ulimit -f)')"

# Inode cap: 64 MiB / 4 KiB = 16384 files (+1 for the root), not the host's
# millions; a job making 20,000 empty files stops there.
made=$("$CORRAL" run --result "$R" -- /usr/bin/python3 -c '
import os
n = 0
try:
    for n in range(20000):
        open("/dev/shm/f%d" % n, "w").close()
    n = 20000
except OSError as e:
    assert e.errno == 28, e
print(n)')
assert_eq "files a job can make in its /dev/shm" 16384 "$made"
assert_eq "inode cap of /dev/shm (df -i)" 16385 \
        "$("$CORRAL" run --result "$R" -- df --output=itotal /dev/shm | tail -1 | tr -d ' ')"

# --tmp noexec: a program copied to /dev/shm does not run; by default it does.
assert_eq "default: programs run from /dev/shm" ok \
        "$("$CORRAL" run --result "$R" -- sh -c 'cp /bin/true /dev/shm/t && /dev/shm/t && echo ok')"
out=$("$CORRAL" run --tmp noexec --result "$R" -- sh -c 'cp /bin/true /dev/shm/t && /dev/shm/t' 2>&1)
case "$out" in *"Permission denied"*) ok "--tmp noexec: /dev/shm/t refused" ;; *) not_ok "--tmp noexec: $out" ;; esac
"$CORRAL" run --tmp sometimes -- true 2>/dev/null
assert_eq "invalid --tmp: exit status" 2 $?

# --mounts minimal: exactly the documented view.
"$CORRAL" run --mounts minimal --result "$R" -- sh -c '
        echo "root: $(ls / | tr "\n" " ")"
        for f in /etc/passwd /etc/group /etc/shadow /etc/hostname /etc/machine-id /home /root /sys /var /opt; do
                [ -e "$f" ] && echo "visible: $f"
        done
        echo data >"'"$W"'/out.txt" && echo "workdir writable"
        python3 -c "import ssl, json; print(\"python ok\")"
        [ -s /etc/ssl/certs/ca-certificates.crt ] && echo "ca bundle"
        [ -r /proc/self/status ] && echo "proc"
        echo x >/dev/null && echo "dev null"
        touch /usr/x 2>/dev/null || echo "usr read-only"
' >"$TEST_TMP/minimal.out" 2>&1
cat "$TEST_TMP/minimal.out"
assert_eq "minimal: status" completed "$(json "$R" 'j["status"]')"
assert_eq "minimal: the root holds only" "root: bin dev etc lib$([ -e /lib32 ] && echo ' lib32')$([ -e /lib64 ] && echo ' lib64')$([ -e /libx32 ] && echo ' libx32') proc sbin tmp usr " \
        "$(grep '^root:' "$TEST_TMP/minimal.out")"
if grep -q '^visible:' "$TEST_TMP/minimal.out"; then
        not_ok "minimal: host files visible: $(grep '^visible:' "$TEST_TMP/minimal.out" | tr '\n' ' ')"
else
        ok "minimal: no passwd, group, shadow, hostname, machine-id, /home, /root, /sys, /var, /opt"
fi
for what in "workdir writable" "python ok" "ca bundle" "proc" "dev null" "usr read-only"; do
        grep -qx "$what" "$TEST_TMP/minimal.out" && ok "minimal: $what" || not_ok "minimal: no '$what'"
done
assert_eq "minimal: the job's file reached the working directory" data "$(cat "$W/out.txt" 2>&1)"

# The same for background jobs: corral submit --mounts minimal --tmp noexec
# (recorded in job.json; MCP's mounts/tmp arguments: tests/mcp/jobs.test.mjs).
id=$(corral submit --mounts minimal --tmp noexec -- sh -c \
        '[ -e /etc/passwd ] && exit 3; [ "$(hostname)" = corral ] || exit 4; cp /bin/true /tmp/t || exit 5; /tmp/t && exit 6; echo ok >out')
corral wait --timeout 60s "$id" >/dev/null
assert_eq "submit --mounts minimal --tmp noexec: status" completed \
        "$(corral status "$id" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j.get("reason"))' | cut -d' ' -f1)"
assert_eq "recorded in job.json" "minimal noexec" \
        "$(json "$STATE/tenants/default/jobs/$id/job.json" 'j["mounts"] + " " + j["tmp"]')"
corral submit --mounts host -- true 2>/dev/null
assert_eq "submit --mounts host: refused (jobs never share the host's mounts)" 2 $?

cd "$TEST_TMP" || exit 1
assert_no_groups
finish
