# hybrid: corral on the v1/hybrid layout systemd makes, which most v1 hosts
# have and the build machine does not: cpu and cpuacct are one hierarchy,
# mounted at cpu,cpuacct with the links cpu and cpuacct beside it (the build
# machine mounts them apart).  corral finds every controller (without reading
# the mount table when the layout is this usual one: cgroup.c), its job
# groups land in every hierarchy once, the limits bind, the figures come from
# the right files, and nothing is left behind.
# vm-timeout: 90
. /vm/lib.sh

assert_eq "cpu and cpuacct mounted together" "cpu,cpuacct" "$(readlink $CG/cpu)"
doc=$("$CORRAL" doctor 2>&1)
echo "$doc" | sed 's/^/# doctor: /'
for c in memory cpu cpuacct pids freezer; do
        case $c in cpu | cpuacct) want=$CG/cpu,cpuacct ;; *) want=$CG/$c ;; esac
        assert_match "doctor: $c found at $want" "*$c*ok*mount $want,*" "$(echo "$doc" | grep "^  $c ")"
done
assert_match "doctor: the layout is v1/hybrid" "*v1/hybrid*" "$(echo "$doc" | head -n 1)"

# The job's own /proc/self/cgroup: one group, the same in every hierarchy
# corral limits it with, cpu and cpuacct on one line.
job cg -- cat /proc/self/cgroup
assert_eq "the job ran" 0 "$RC"
g=$(cgkey)
for h in memory cpu,cpuacct pids freezer; do
        assert_eq "the job's group in $h" "/$g" "$(awk -F: -v h="$h" '$2 == h { print $3 }' "$TMP/cg.out")"
done
assert_eq "cgroup in the outcome is the memory hierarchy's" "$CORRAL_CGROUP_PARENT" "$(echo "$g" | cut -d/ -f1)"
assert_group_gone

# The limits bind, and the figures are the job's.
job hog --memory 32M -- "$PROGS/memhog" 200
assert_eq "a 200 MB hog under --memory 32M" oom_killed "$(jget "$R" status)"
assert_cmp "its OOM kill counted" "$(jget "$R" oom_kills)" -ge 1
job bomb --pids 16 --timeout 60s -- "$PROGS/forkbomb"
assert_cmp "forks refused under --pids 16" "$(jget "$R" pids_max_hits)" -ge 1
job spin --cpus 0.5 -- "$PROGS/spin" 1
assert_eq "a spin under --cpus 0.5 completes" completed "$(jget "$R" status)"
assert_cmp "its CPU time (cpuacct, mounted with cpu)" "$(jget "$R" cpu_usage_usec)" -ge 200000
assert_cmp "its throttling (cpu.stat)" "$(jget "$R" cpu_nr_throttled)" -ge 1

# A supervised job, and the parent group as corral leaves it: 0711 and empty
# in every hierarchy.
STATE=$TMP/state
id=$("$CORRAL" --state-dir "$STATE" submit --memory 64M -- /bin/true)
"$CORRAL" --state-dir "$STATE" wait --timeout 30s "$id" >/dev/null
assert_eq "a submitted job completes" 0 "$?"
for h in memory cpu,cpuacct pids freezer; do
        p=$CG/$h/$CORRAL_CGROUP_PARENT
        assert_eq "parent in $h: 0711" 711 "$(stat -c %a "$p")"
        assert_eq "parent in $h: no group left" "" "$(find "$p" -mindepth 1 -type d)"
done
finish
