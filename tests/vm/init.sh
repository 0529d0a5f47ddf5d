#!/bin/busybox sh
# tests/vm/init.sh - /init of the cgroup lane's guest (PID 1, busybox sh).
#
# Mounts the pseudo filesystems and a cgroup2-only hierarchy (the kernel runs
# with cgroup_no_v1=all), enables the memory, cpu and pids controllers for the
# root's children; or, with corral.layout=hybrid on the kernel's command line,
# systemd's v1/hybrid layout: a tmpfs on /sys/fs/cgroup, v1 hierarchies for
# cpu and cpuacct together (cpu,cpuacct, with the cpu and cpuacct links),
# memory, pids and freezer, and cgroup2 on unified.  Then it
# runs every /vm/tests/*.sh once, each under its own bound,
# and frames each test on the serial console for tests/vm/lane.sh:
#   @@VM START name                      before the test runs
#   @@VM OUTPUT name                     then what it printed
#   @@VM END name <verdict>              pass | skip | fail <why>
#   @@VM DONE                            every test ran
#   @@VM KERNEL-LOG                      followed by the guest's dmesg
# Then it powers off (reboot -f; qemu runs with -no-reboot and exits).
#
# After each test, init checks what the test left behind (a process or a
# cgroup that did not exist before it) and fails the test if anything is left;
# then it removes what was left, so one test cannot spoil the next.
#
# A test's bound is 45 s unless its file has a line "# vm-timeout: SECONDS".

/bin/busybox --install -s /bin
export PATH=/bin:/usr/local/bin:/progs
export HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /work
CG=/sys/fs/cgroup
HYBRID=0
case " $(cat /proc/cmdline) " in *" corral.layout=hybrid "*) HYBRID=1 ;; esac
if [ $HYBRID = 1 ]; then
        mount -t tmpfs -o mode=755 tmpfs $CG
        for h in cpu,cpuacct memory pids freezer; do
                mkdir $CG/$h
                mount -t cgroup -o $h cgroup $CG/$h
        done
        ln -s cpu,cpuacct $CG/cpu
        ln -s cpu,cpuacct $CG/cpuacct
        mkdir $CG/unified
        mount -t cgroup2 cgroup2 $CG/unified
else
        mount -t cgroup2 cgroup2 $CG
        echo "+memory +cpu +pids" >$CG/cgroup.subtree_control
fi
# Kernel messages (OOM reports above all) would cut into the framed output;
# they are kept in the ring buffer and printed at the end instead.
dmesg -n 1

say() { echo "$*"; }

read -r up _ </proc/uptime
say "@@VM BOOTED $up"

uptime_ms() {
        read -r up _ </proc/uptime
        s=${up%.*}
        c=${up#*.}
        echo $((s * 1000 + ${c#0} * 10))
}

# The pids of live user-space processes, without forking (a fork would add its
# own pid).  Kernel threads (pid 2 and its children) and zombies are skipped.
live_pids() {
        LIVE=" "
        for p in /proc/[0-9]*; do
                n=${p#/proc/}
                [ "$n" = 1 ] && continue
                { read -r line <"$p/stat"; } 2>/dev/null || continue
                rest=${line##*) }
                set -- $rest
                [ "$1" = Z ] && continue
                [ "$n" = 2 ] || [ "$2" = 2 ] && continue
                comm=${line#*(}
                comm=${comm%)*}
                LIVE="$LIVE$n:$comm "
        done
}

# (The "/" line keeps the list non-empty: busybox grep -v -f EMPTY prints nothing.)
cgroup_dirs() {
        echo /
        find $CG -mindepth 1 -type d | sort
}

# Kills everything in a cgroup subtree and removes it, deepest first (v1 has
# no cgroup.kill: each member of each group is killed).
remove_tree() {
        [ -d "$1" ] || return 0
        [ -f "$1/cgroup.kill" ] && echo 1 >"$1/cgroup.kill" 2>/dev/null
        if [ ! -f "$1/cgroup.kill" ]; then
                find "$1" -name cgroup.procs | while read -r f; do
                        while read -r p; do kill -9 "$p" 2>/dev/null; done <"$f"
                done
        fi
        i=0
        while [ $i -lt 50 ] && { grep -q '^populated 1' "$1/cgroup.events" 2>/dev/null ||
                [ -n "$(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null)" ]; }; do
                sleep 0.1
                i=$((i + 1))
        done
        find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
}

run_test() {
        t=$1
        name=${t##*/}
        name=${name%.sh}
        bound=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$t" | head -n 1)
        bound=${bound:-45}
        parent=vmtest-$name
        out=/tmp/vm-out.$name
        cgroup_dirs >/tmp/vm-cg-before
        live_pids
        before=$LIVE

        say "@@VM START $name"
        t0=$(uptime_ms)
        TEST_NAME=$name CORRAL=/usr/local/bin/corral PROGS=/progs \
                CORRAL_CGROUP_PARENT=$parent \
                timeout -s KILL "$bound" sh "$t" >"$out" 2>&1 </dev/null
        rc=$?
        ms=$(($(uptime_ms) - t0))

        # What the test left behind.
        sleep 0.2
        live_pids
        left_pids=""
        for e in $LIVE; do
                case "$before" in *" $e "*) continue ;; esac
                # busybox timeout's watcher outlives the test by up to a second.
                case "$e" in *:timeout)
                        kill "${e%%:*}" 2>/dev/null
                        continue
                        ;;
                esac
                left_pids="$left_pids $e"
        done
        cgroup_dirs >/tmp/vm-cg-after
        # corral's parent group stays (empty) by design: in each hierarchy.
        left_groups=$(grep -vxF -f /tmp/vm-cg-before /tmp/vm-cg-after |
                grep -vxE "$CG(/[^/]+)?/$parent" | tr '\n' ' ')
        for g in $left_groups; do
                [ -d "$g" ] && remove_tree "$g"
        done
        for g in $CG/$parent $CG/*/$parent; do remove_tree "$g"; done
        for e in $left_pids; do kill -9 "${e%%:*}" 2>/dev/null; done

        if [ $rc = 137 ] && [ $ms -ge $((bound * 1000)) ]; then
                verdict="fail: timed out after ${bound}s (raise '# vm-timeout:' if the test is slow)"
        elif [ $rc = 77 ]; then
                verdict="skip"
        elif [ $rc != 0 ]; then
                verdict="fail: exit status $rc"
        else
                verdict="pass"
        fi
        if [ -n "$left_pids" ] || [ -n "$left_groups" ]; then
                {
                        echo
                        [ -n "$left_pids" ] && echo "vm lane: processes left behind (pid:comm):$left_pids"
                        [ -n "$left_groups" ] && echo "vm lane: cgroups left behind: $left_groups"
                } >>"$out"
                case "$verdict" in pass | skip) verdict="fail: left processes or cgroups behind" ;; esac
        fi

        say "@@VM OUTPUT $name"
        cat "$out"
        [ -n "$(tail -c 1 "$out")" ] && echo
        say "@@VM END $name $verdict (${ms} ms)"
        rm -f "$out"
}

for t in /vm/tests/*.sh; do
        [ -f "$t" ] && run_test "$t"
done
say "@@VM DONE"
say "@@VM KERNEL-LOG"
dmesg
sync
reboot -f
