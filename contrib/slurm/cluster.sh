#!/bin/bash
# contrib/slurm/cluster.sh - a single-node Slurm cluster on this machine, from
# Debian's packages (slurm-wlm, munge), for corral's Slurm executor tests.
#
#   contrib/slurm/cluster.sh up   [DIR]   start munged, slurmctld, slurmd
#   contrib/slurm/cluster.sh down [DIR]   stop them, remove what up created
#   contrib/slurm/cluster.sh env  [DIR]   print the SLURM_CONF line to source
#
# DIR (default /tmp/corral-slurm) holds everything: slurm.conf, a private munge
# key and socket, state, spool, logs and the pid files `down` kills by.  The
# daemons listen on 127.0.0.1 only (ports 16817/16818 unless CORRAL_SLURM_PORT
# names the first of two).  Client commands find the cluster through
# SLURM_CONF=DIR/slurm.conf (`eval "$(cluster.sh env)"`).
#
# Cgroups: Slurm's cgroup/v1 plugin writes at its CgroupMountpoint's root
# (memory.use_hierarchy, root cgroup.procs) -- on this host that would be the
# real hierarchy root, shared with the machine's own groups.  So slurmd runs
# in a private mount namespace where CgroupMountpoint is DIR/cgroup, and each
# controller there is a bind mount of a group this script creates
# (/sys/fs/cgroup/<controller>/corral-slurm-<tag>).  Slurm sees that group as
# its root; nothing else on the host is touched.  `down` kills what is left
# in those groups (only processes Slurm started there) and removes them.
set -euo pipefail

cmd=${1:-}
D=${2:-${CORRAL_SLURM_DIR:-/tmp/corral-slurm}}
PORT=${CORRAL_SLURM_PORT:-16817}
NODE=$(hostname -s)
TAG=$(printf '%s' "$D" | md5sum | cut -c1-8)
GROUP=corral-slurm-$TAG
CONTROLLERS="memory freezer cpuacct cpuset devices"

die() { echo "cluster.sh: $*" >&2; exit 1; }

write_conf() {
        local mem_mb
        # The node offers 4 GiB or less: enough for the tests, never the whole host.
        mem_mb=$(awk '/MemTotal/ {m=int($2/1024/2); print (m > 4096 ? 4096 : m)}' /proc/meminfo)
        cat >"$D/slurm.conf" <<EOF
# Written by contrib/slurm/cluster.sh: a single-node cluster on loopback.
ClusterName=corral-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PluginDir=/usr/lib/x86_64-linux-gnu/slurm-wlm
MpiDefault=none
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup,task/affinity
JobAcctGatherType=jobacct_gather/cgroup
JobAcctGatherFrequency=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# The main scheduling pass every 2 s (default 60): a dependency that failed
# is found there, and a test waited up to a minute for it.
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=2
KillWait=5
MinJobAge=600
DefMemPerCPU=256
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
Waittime=0
# Loopback: a controller that is down is reported in ~3 s, not the default ~10 s.
MessageTimeout=3
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
        cat >"$D/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=$D/cgroup
CgroupAutomount=no
ConstrainCores=no
ConstrainDevices=no
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
EOF
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

make_groups() {
        local c src
        for c in $CONTROLLERS; do
                src=/sys/fs/cgroup/$c
                [ -d "$src" ] || die "no cgroup v1 '$c' hierarchy at $src (Slurm's cgroup/v1 plugin needs it)"
                mkdir -p "$src/$GROUP"
                if [ "$c" = cpuset ]; then
                        cat "$src/cpuset.cpus" >"$src/$GROUP/cpuset.cpus"
                        cat "$src/cpuset.mems" >"$src/$GROUP/cpuset.mems"
                fi
                if [ "$c" = memory ]; then
                        echo 1 >"$src/$GROUP/memory.use_hierarchy" 2>/dev/null || true
                fi
                mkdir -p "$D/cgroup/$c"
        done
}

# Kills every process left in our groups (Slurm's steps) and removes the groups,
# deepest first.  Only paths under /sys/fs/cgroup/<c>/$GROUP are touched.
remove_groups() {
        local c g pid tries
        for tries in 1 2 3 4 5 6 7 8 9 10; do
                local busy=0
                for c in $CONTROLLERS; do
                        [ -d "/sys/fs/cgroup/$c/$GROUP" ] || continue
                        while read -r g; do
                                while read -r pid; do
                                        busy=1
                                        kill -9 "$pid" 2>/dev/null || true
                                done <"$g/cgroup.procs"
                        done < <(find "/sys/fs/cgroup/$c/$GROUP" -type d)
                done
                [ $busy = 0 ] && break
                sleep 0.2
        done
        for c in $CONTROLLERS; do
                [ -d "/sys/fs/cgroup/$c/$GROUP" ] || continue
                find "/sys/fs/cgroup/$c/$GROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
                [ -d "/sys/fs/cgroup/$c/$GROUP" ] && echo "cluster.sh: could not remove /sys/fs/cgroup/$c/$GROUP" >&2
        done
        return 0
}

start_munged() {
        mkdir -p "$D/munge"
        chmod 0700 "$D/munge"
        [ -f "$D/munge/munge.key" ] || dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
        chmod 0400 "$D/munge/munge.key"
        # -F keeps it in the foreground; we background it and keep its pid.
        munged --force --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" \
                --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" \
                --seed-file="$D/munge/munged.seed" --num-threads=2
        wait_for "munged" test -S "$D/munge/munge.socket"
}

wait_for() { # what, command...
        local what=$1 i
        shift
        for i in $(seq 1 100); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        die "$what did not come up (logs in $D)"
}

node_idle() {
        scontrol show node "$NODE" 2>/dev/null | grep -qE 'State=(IDLE|MIXED|ALLOCATED)'
}

up() {
        [ "$(id -u)" = 0 ] || die "needs root (slurmd runs jobs as their users)"
        command -v slurmctld >/dev/null || die "slurmctld not found: run contrib/install-deps.sh slurm"
        command -v munged >/dev/null || die "munged not found: run contrib/install-deps.sh slurm"
        if alive "$D/slurmctld.pid" && alive "$D/slurmd.pid" && alive "$D/munge/munged.pid"; then
                echo "cluster.sh: already up in $D"
                return 0
        fi
        mkdir -p "$D/ctld" "$D/spool" "$D/cgroup"
        write_conf
        export SLURM_CONF=$D/slurm.conf
        alive "$D/munge/munged.pid" || start_munged
        make_groups
        alive "$D/slurmctld.pid" || slurmctld -f "$SLURM_CONF"
        wait_for slurmctld scontrol ping
        if ! alive "$D/slurmd.pid"; then
                # The private mount namespace: Slurm's cgroup root is our groups.
                # shellcheck disable=SC2016
                unshare -m --propagation private sh -ec '
                        for c in $2; do mount --bind "/sys/fs/cgroup/$c/$3" "$1/cgroup/$c"; done
                        exec slurmd -f "$4"' sh "$D" "$CONTROLLERS" "$GROUP" "$SLURM_CONF"
        fi
        wait_for slurmd node_idle
        scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
        wait_for "an idle node" node_idle
        echo "cluster.sh: up in $D (SLURM_CONF=$SLURM_CONF)"
}

stop_pids() { # pidfile...: TERM to all at once, then wait (KILL after 10 s)
        local f pid i pids=""
        for f in "$@"; do
                [ -f "$f" ] || continue
                pid=$(cat "$f")
                kill -TERM "$pid" 2>/dev/null && pids="$pids $pid"
                rm -f "$f"
        done
        for pid in $pids; do
                for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
                kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        done
        return 0
}

down() {
        export SLURM_CONF=$D/slurm.conf
        if [ -f "$SLURM_CONF" ] && alive "$D/slurmctld.pid"; then
                scancel --full --quiet --user=root 2>/dev/null || true
        fi
        # All three at once: munged alone takes ~2 s to exit, and neither
        # daemon needs it to stop.
        stop_pids "$D/slurmd.pid" "$D/slurmctld.pid" "$D/munge/munged.pid"
        # slurmstepd processes outlive slurmd; they live in our groups.
        remove_groups
        case "$D" in
        /tmp/* | /run/* | /var/tmp/*) rm -rf "$D" ;;
        *) echo "cluster.sh: left $D in place (not under /tmp)" ;;
        esac
}

case "$cmd" in
up) up ;;
down) down ;;
env) echo "export SLURM_CONF=$D/slurm.conf" ;;
*) echo "usage: contrib/slurm/cluster.sh up|down|env [DIR]" >&2; exit 2 ;;
esac
