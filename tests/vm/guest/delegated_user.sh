# delegated_user: corral as a non-root user in a delegated subtree (a group
# chowned to that uid with its cgroup.procs, cgroup.subtree_control and
# cgroup.threads, as systemd's Delegate=yes gives).  corral moves itself into a
# leaf, enables the controllers, and its jobs are limited there too.
#
# Without privileges corral builds the private view (--mounts private, the
# default) in a user namespace mapping only the user's uid (jobs cannot write
# their own cgroup files); with --mounts host it runs the job as the user
# itself, in corral's namespaces.
. /vm/lib.sh

uid=$(id -u corraluser)
D=$CG/vmdeleg-$$
cg_make "$D"
chown "$uid:$uid" "$D" "$D/cgroup.procs" "$D/cgroup.subtree_control" "$D/cgroup.threads"
JOB_CGROUP=$D
JOB_USER=corraluser

job whoami --mounts host -- /bin/sh -c "id -u; wc -l <$D/cgroup.procs; cat $D/cgroup.subtree_control"
assert_eq "corral exit" 0 "$RC"
assert_eq "the job runs as the delegated user" "$uid" "$(sed -n 1p "$TMP/whoami.out")"
assert_eq "processes in the delegated group itself (corral moved into a leaf)" 0 "$(sed -n 2p "$TMP/whoami.out")"
assert_match "controllers enabled in the delegated group" "*memory*pids*" "$(sed -n 3p "$TMP/whoami.out")"
assert_match "job group inside the delegated subtree" "vmdeleg-$$/?*" "$(cgkey)"
assert_group_gone

# From now on the delegated group delegates controllers and may hold no
# process: corral starts in its leaf (owned by the user), as on a restart.
JOB_CGROUP=$D/corral-self
# The private view (the default) without root: built in a user namespace that
# maps only the user's own uid.  The job's group's files are the user's, yet
# it cannot write them: cgroupfs is read-only in its mount namespace (EROFS);
# it sees only its own processes.  The control (--mounts host) can write them.
cat >"$TMP/cg.sh" <<'PROBE'
g=/sys/fs/cgroup$(grep -m1 '^0::' /proc/self/cgroup | cut -d: -f3)
id -u
echo "procs $(ls /proc | grep -c '^[0-9]')"
"$TRY" "write:$g/cgroup.procs" "write:$g/pids.max"
PROBE
chmod 644 "$TMP/cg.sh"
job private --env "TRY=$PROGS/try-syscall" -- /bin/sh "$TMP/cg.sh"
assert_eq "private view without root: corral exit" 0 "$RC"
assert_eq "it runs as the user" "$uid" "$(sed -n 1p "$TMP/private.out")"
assert_cmp "processes in its /proc (its own PID namespace)" "$(sed -n 's/^procs //p' "$TMP/private.out")" -le 5
assert_eq "its own group's files are read-only for it" \
        "write:errno=EROFS write:errno=EROFS" "$(sed -n 's/^\(write:\)[^ ]* /\1/p' "$TMP/private.out" | tr '\n' ' ' | sed 's/ $//')"
assert_group_gone
job hostmounts --mounts host --env "TRY=$PROGS/try-syscall" -- /bin/sh "$TMP/cg.sh"
assert_eq "control, --mounts host: the same writes succeed" \
        "write:ok write:ok" "$(sed -n 's/^\(write:\)[^ ]* /\1/p' "$TMP/hostmounts.out" | tr '\n' ' ' | sed 's/ $//')"
assert_group_gone

job oom --mounts host --memory 32M -- "$PROGS/memhog" 100
assert_eq "memhog 100 under 32M: corral exit" 137 "$RC"
assert_eq "status" oom_killed "$(jget "$R" status)"
assert_eq "oom_cause" own_limit "$(jget "$R" oom_cause)"
assert_group_gone

job pids --mounts host --pids 8 -- /bin/sh -c 'cat /sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup)/pids.max'
assert_eq "pids.max inside the job" 8 "$(cat "$TMP/pids.out")"
assert_group_gone

job spin --mounts host --cpus 0.5 -- "$PROGS/spin" 1
assert_cmp "spin 1 at 0.5 CPU: cpu_nr_throttled" "$(jget "$R" cpu_nr_throttled)" -gt 0
assert_group_gone
finish
