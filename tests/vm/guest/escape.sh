# escape: the layout-dependent escape and hostile-tenant attempts on pure
# cgroup v2 (tests/escape/cgroup_escape.sh and tests/hostile/ on the host's
# v1/hybrid layout).  A root-run job writes cgroup.procs of the root, of its
# own group and of its parent, and its own limit files (EACCES: root's files,
# on a read-only mount); it cannot signal its init (EPERM) nor see the test's
# shell (ESRCH: its own PID namespace); its /proc holds only its processes and
# its init is "corral-init"; a 0666 SysV segment dies with its IPC namespace.
. /vm/lib.sh

cat >"$TMP/probe.sh" <<'PROBE'
g=/sys/fs/cgroup$(grep -m1 '^0::' /proc/self/cgroup | cut -d: -f3)
"$TRY" write:/sys/fs/cgroup/cgroup.procs "write:$g/cgroup.procs" "write:$g/../cgroup.procs" \
        "write:$g/memory.max" "write:$g/pids.max" "write:$g/cgroup.kill" "write:$g/cgroup.subtree_control" \
        kill:1 "signal0:$OUTSIDE" shm-make:4242 shm-get:4242
echo "procs $(ls /proc | grep -c '^[0-9]')"
echo "init $(tr -d '\0' </proc/1/cmdline)"
PROBE
job esc --env "TRY=$PROGS/try-syscall" --env "OUTSIDE=$$" -- sh "$TMP/probe.sh"
assert_eq "corral exit" 0 "$RC"
assert_eq "status" completed "$(jget "$R" status)"
n=0
while read -r t res; do
        case $t in
        write:*) n=$((n + 1)); assert_eq "$t refused" errno=EACCES "$res" ;;
        kill:1) assert_eq "killing its init refused" errno=EPERM "$res" ;;
        signal0:*) assert_eq "the test's shell is not in its PID namespace" errno=ESRCH "$res" ;;
        shm-*) assert_eq "$t in its own IPC namespace" ok "$res" ;;
        esac
done <"$TMP/esc.out"
assert_eq "cgroup writes attempted (root, own, parent, 4 files)" 7 "$n"
assert_cmp "processes in its /proc (init, sh, a subshell, ls, grep)" "$(sed -n 's/^procs //p' "$TMP/esc.out")" -le 5
assert_eq "its init's command line" corral-init "$(sed -n 's/^init //p' "$TMP/esc.out")"
assert_eq "the job's segment is not the host's (gone with its IPC namespace)" "shm-get:4242 errno=ENOENT" \
        "$("$PROGS/try-syscall" shm-get:4242)"
assert_group_gone
finish
