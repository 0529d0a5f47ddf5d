#!/bin/bash
# The hostile-tenant suite (label hostile; docs/threat-model.md): a job of
# tenant bob tries every way we know to read, find, signal, ptrace or
# overwrite tenant alice's job, record, logs and results, and to make its own
# outcome lie; once while alice's job runs, once after it ended on the uid it
# had.  Each attempt asserts the specific failure; a control run by root
# outside the sandbox proves the probe itself works (the path is there, the
# process is there and can be signalled) wherever a control is harmless.
. "$(dirname "$0")/../lib.sh"
TRY=$CORRAL_PROGS/try-syscall
key=$((0x11100000 + $$))
rec() { json "$STATE/tenants/$1/jobs/$2/job.json" "$3"; }
wait_job() { corral --tenant "$1" wait --timeout 60s "$2" >/dev/null 2>&1; }

# Alice: a secret in her work directory, a result, a log line, a SysV segment.
a=$(corral --tenant alice submit -- sh -c "echo alice-log; echo alice-secret >secret; chmod 600 secret; echo '{\"r\":1}' >results.json; $TRY shm-make:$key >shm; exec sleep 120")
A_DIR=$STATE/tenants/alice/jobs/$a
A_WORK=$A_DIR/work
for _ in $(seq 200); do [ -s "$A_WORK/shm" ] && [ "$(rec alice "$a" 'j["status"]')" = running ] && break; sleep 0.05; done
A_INIT=$(rec alice "$a" 'j["pid"]')
A_SUP=$(rec alice "$a" 'j["supervisor"]["pid"]')
assert_eq "alice's job made its segment (inside its IPC namespace)" "shm-make:$key ok" "$(cat "$A_WORK/shm")"
GROUPS_DIR=$(ls -d /sys/fs/cgroup/memory/"$CORRAL_CGROUP_PARENT" /sys/fs/cgroup/"$CORRAL_CGROUP_PARENT" 2>/dev/null | head -1)

READS="open:$A_WORK/secret open:$A_WORK/results.json open:$A_DIR/job.json open:$A_DIR/stdout.log open:$STATE/tenants open:$STATE/tenants/alice/jobs open:$STATE/governor/ledger open:$GROUPS_DIR"
FINDS="signal0:$A_INIT signal0:$A_SUP open:/proc/$A_INIT/cmdline open:/proc/$A_SUP/cmdline"

# Controls: root, outside any sandbox, reaches every one of them.
out=$("$TRY" $READS $FINDS 2>&1)
want=""
for p in $READS $FINDS; do want="$want $p ok"; done
assert_eq "control: root outside the sandbox reads and finds them all" "${want# }" "$(echo $out)"

# Bob's job, at the same time.  Its own record, logs and group (found from
# inside: $HOME is its work/, /proc/self/cgroup its group) are what it would
# have to change to lie about its outcome.
CG=/sys/fs/cgroup LIMIT=memory.max
[ -d /sys/fs/cgroup/memory ] && CG=/sys/fs/cgroup/memory LIMIT=memory.limit_in_bytes
m=$(corral --tenant bob submit --env "CG=$CG" --env "LIMIT=$LIMIT" -- sh -c '
g=$(grep -m1 ":memory:" /proc/self/cgroup | cut -d: -f3)
[ -n "$g" ] || g=$(grep -m1 "^0::" /proc/self/cgroup | cut -d: -f3)
exec "$0" "$@" "write:$HOME/../job.json" "write:$HOME/../stdout.log" "create:$HOME/../results.json" \
        "write:$CG$g/$LIMIT" "write:$CG$g/cgroup.procs" "write:$CG$g/../cgroup.procs" \
        kill:1 ptrace-attach:1' "$TRY" $READS $FINDS \
        "kill:$A_INIT" "kill:$A_SUP" "ptrace-attach:$A_INIT" \
        "write:$A_WORK/secret" "write:$A_DIR/job.json" "write:$A_DIR/stdout.log" \
        "shm-get:$key")
wait_job bob "$m"
got=$(cat "$STATE/tenants/bob/jobs/$m/stdout.log")
line() { echo "$got" | grep "^$1 " ; }
for p in $READS; do assert_eq "read refused" "$p errno=EACCES" "$(line "$p")"; done
for p in $FINDS; do
        case $p in signal0:*) e=ESRCH ;; *) e=ENOENT ;; esac
        assert_eq "not even visible from bob's PID namespace" "$p errno=$e" "$(line "$p")"
done
assert_eq "kill alice's job" "kill:$A_INIT errno=ESRCH" "$(line "kill:$A_INIT")"
assert_eq "kill alice's supervisor" "kill:$A_SUP errno=ESRCH" "$(line "kill:$A_SUP")"
assert_eq "ptrace alice's job (the policy denies ptrace)" "ptrace-attach:$A_INIT errno=EPERM" "$(line "ptrace-attach:$A_INIT")"
for p in "write:$A_WORK/secret" "write:$A_DIR/job.json" "write:$A_DIR/stdout.log"; do
        assert_eq "overwrite refused" "$p errno=EACCES" "$(line "$p")"
done
assert_eq "alice's SysV segment is not in bob's IPC namespace" "shm-get:$key errno=ENOENT" "$(line "shm-get:$key")"
# Its own outcome: the record and the log files are corral's; its group's files
# (and its parent's) are root's, on a read-only mount; its init is root and
# ignores it.
errno_of() { echo "$got" | grep -E "^$1 " | sed 's/.* //'; }
assert_eq "writing its own job.json refused" errno=EACCES "$(errno_of 'write:[^ ]*/job\.json' | tail -1)"
assert_eq "writing its own stdout.log by path refused" errno=EACCES "$(errno_of "write:[^ ]*$m/work/\.\./stdout\.log")"
# (Creating checks the mount first: everything but work/ is read-only for it.)
assert_eq "planting its own results.json beside its record refused" errno=EROFS "$(errno_of 'create:[^ ]*/work/\.\./results\.json')"
assert_eq "raising its own memory limit refused" errno=EACCES "$(errno_of "write:[^ ]*/$LIMIT")"
assert_eq "leaving its group refused" errno=EACCES "$(errno_of "write:[^ ]*job-$m/cgroup\.procs")"
assert_eq "moving into its parent group refused" errno=EACCES "$(errno_of "write:[^ ]*job-$m/\.\./cgroup\.procs")"
assert_eq "killing its own init (to fake a SIGKILL) refused" "kill:1 errno=EPERM" "$(line kill:1)"
assert_eq "ptracing its own init refused" "ptrace-attach:1 errno=EPERM" "$(line ptrace-attach:1)"
assert_eq "bob's job ran to its end" completed "$(rec bob "$m" 'j["status"]')"
assert_eq "bob's job saw no corral denial it could count as a lie" "" "$(rec bob "$m" 'j.get("seccomp_syscall") or ""')"
assert_eq "alice's job untouched" running "$(rec alice "$a" 'j["status"]')"
assert_eq "alice's secret intact" alice-secret "$(cat "$A_WORK/secret")"

# After alice's job ended: a later job on the very uid it had finds nothing.
uid=$(stat -c %u "$A_WORK")
corral --tenant alice cancel "$a" >/dev/null
wait_job alice "$a"
assert_eq "alice's job ended cancelled" cancelled "$(rec alice "$a" 'j["status"]')"
out=$("$CORRAL" run --uid "$uid" -- "$TRY" "open:$A_WORK/secret" "open:$A_WORK" "write:$A_WORK/secret" 2>/dev/null)
assert_eq "a later job on alice's uid ($uid)" \
        "open:$A_WORK/secret errno=EACCES open:$A_WORK errno=EACCES write:$A_WORK/secret errno=EACCES" "$(echo $out)"
out=$("$TRY" "open:$A_WORK/secret" 2>&1)
assert_eq "control: the secret is still there for root" "open:$A_WORK/secret ok" "$out"
assert_no_groups
finish
