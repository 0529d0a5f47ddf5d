#!/bin/bash
# The job lands in its own group in every controller corral limits it with
# (issue 18: on v1 the child joins by writing "0" to each group's `tasks`
# file, a thread moving itself, instead of cgroup.procs).  Checked from inside
# (the job's /proc/self/cgroup, and a grandchild's) and from outside (the
# group's cgroup.procs and tasks list the job's process and every thread of
# it), for `corral run` and for a supervised job, and the limits bind (the
# memory limit kills a hog, the pids limit refuses forks), and the job keeps
# its caller's CPU affinity.  On v1 the job's process joins, its init does
# not: the group holds the job alone, and a job's end with a process of it
# still running waits for that process's death.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json

# Controllers a job group exists in: v1 (hybrid) memory, cpu, cpuacct, pids,
# freezer where mounted; v2: the unified line "0::".
v1=0
[ -d /sys/fs/cgroup/memory ] && [ "$(stat -f -c %T /sys/fs/cgroup/memory)" = cgroupfs ] && v1=1

# Prints, for each controller of interest, "<controller> <path>" from a
# /proc/PID/cgroup text on stdin.
groups_of() {
        if [ "$v1" = 1 ]; then
                awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++)
                        if (c[i] ~ /^(memory|cpu|cpuacct|pids|freezer)$/) print c[i], $3 }' | sort
        else
                awk -F: '$1 == "0" { print "unified", $3 }'
        fi
}

# Every controller shows the same job group below the private parent; sets
# GROUP to it.
check_groups() {
        local what=$1 text=$2
        local lines n paths
        lines=$(printf '%s\n' "$text" | groups_of)
        n=$(printf '%s\n' "$lines" | grep -c .)
        if [ "$v1" = 1 ]; then
                want=0
                for c in memory cpu cpuacct pids freezer; do
                        [ -d "/sys/fs/cgroup/$c" ] && want=$((want + 1))
                done
                assert_eq "$what: controllers listed" "$want" "$n"
        fi
        paths=$(printf '%s\n' "$lines" | awk '{print $2}' | sort -u)
        assert_eq "$what: one group in every controller" 1 "$(printf '%s\n' "$paths" | grep -c .)"
        case "$paths" in
        "/$CORRAL_CGROUP_PARENT/"?*) ok "$what: in a job group below the parent ($paths)" ;;
        *) not_ok "$what: not in a job group below /$CORRAL_CGROUP_PARENT: $paths" ;;
        esac
        GROUP=$paths
}

# 1. corral run: the job and a process it forks.
out=$("$CORRAL" run --memory 64M --cpus 1 --pids 32 --result "$R" -- \
        sh -c 'cat /proc/self/cgroup; echo ---; cat /proc/$$/cgroup')
assert_eq "corral run completed" completed "$(json "$R" 'j["status"]')"
check_groups "corral run, the job's child" "${out%%---*}"
g1=$GROUP
check_groups "corral run, the job's shell" "${out#*---}"
g2=$GROUP
assert_eq "parent and child of the job share the group" "$g1" "$g2"
assert_eq "the outcome names the same group" "$g1" "$(json "$R" 'j["cgroup"]')"

# 2. From outside: a supervised job with threads (held to a tenth of a CPU:
# the machine is shared); its group's member lists.
spin_pid() {
        for f in /proc/[0-9]*/comm; do
                [ "$(cat "$f" 2>/dev/null)" = spin ] || continue
                p=${f%/comm}
                grep -q "/$CORRAL_CGROUP_PARENT/" "$p/cgroup" 2>/dev/null && echo "${p#/proc/}"
        done | head -1
}
id=$(corral submit --memory 64M --pids 32 --cpus 0.1 -- "$CORRAL_PROGS/spin" 30 3)
pid=
for _ in $(seq 200); do
        pid=$(spin_pid)
        [ -n "$pid" ] && [ "$(ls "/proc/$pid/task" 2>/dev/null | wc -l)" -ge 3 ] && break
        sleep 0.05
done
if [ -z "$pid" ]; then
        not_ok "the supervised job's process was not found"
else
        check_groups "supervised job (pid $pid)" "$(cat "/proc/$pid/cgroup")"
        g=$GROUP
        for root in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
                d=$root${g#/}
                [ -f "$d/cgroup.procs" ] || continue
                [ "$root" = /sys/fs/cgroup/ ] && [ "$v1" = 1 ] && continue
                grep -qx "$pid" "$d/cgroup.procs" && ok "listed in $d/cgroup.procs" ||
                        not_ok "pid $pid missing from $d/cgroup.procs"
                if [ -f "$d/tasks" ]; then
                        missing=0
                        for t in /proc/"$pid"/task/*; do
                                grep -qx "${t##*/}" "$d/tasks" || missing=$((missing + 1))
                        done
                        assert_eq "threads of the job missing from $d/tasks" 0 "$missing"
                fi
        done
        # The job's parent is its init (PID 1 of the job's namespace).  On v1
        # it stays in corral's groups: the job's figures are the job's own,
        # and its group is empty once the job's last process has gone, while
        # the init may still be exiting (runner.c).  On v2 it is born in the
        # job's group (clone3 CLONE_INTO_CGROUP).
        init=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
        assert_eq "the job's parent is its init" corral-init "$(cat "/proc/$init/comm" 2>/dev/null)"
        if [ "$v1" = 1 ]; then
                if grep -q ":$g\$" "/proc/$init/cgroup"; then
                        not_ok "v1: the init is in the job's group $g: $(cat "/proc/$init/cgroup")"
                else
                        ok "v1: the init is not in the job's group"
                fi
        fi
fi
corral cancel "$id" >/dev/null
corral wait "$id" >/dev/null 2>&1

# 3. The limits bind on the group the job joined.
"$CORRAL" run --memory 32M --result "$R" -- "$CORRAL_PROGS/memhog" 200 >/dev/null 2>&1
assert_eq "a 200 MB hog under --memory 32M" oom_killed "$(json "$R" 'j["status"]')"
"$CORRAL" run --pids 16 --timeout 60s --result "$R" -- "$CORRAL_PROGS/forkbomb" 2>/dev/null
assert_cmp "forks refused under --pids 16" "$(json "$R" 'j["pids_max_hits"]')" -ge 1


# 4. On v1 the job's init builds its namespaces on another CPU while corral
# makes the group (child.c, spread_cpus), then takes back exactly the CPUs
# corral had: the job's CPU affinity is its caller's, whatever it was.
mine=$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
assert_eq "the job runs on the caller's CPUs ($mine)" "$mine" \
        "$("$CORRAL" run --memory 64M -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)"
assert_eq "a caller pinned to CPU 0: the job too" 0 \
        "$(taskset -c 0 "$CORRAL" run --memory 64M -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)"
last=$(($(nproc --all) - 1))
if [ "$last" -ge 1 ]; then
        assert_eq "a caller on CPUs 0,$last: the job too" "0,$last" \
                "$(taskset -c "0,$last" "$CORRAL" run --memory 64M -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status | sed "s/^0-1$/0,1/")"
else
        not_ok "one CPU: the spread across CPUs cannot be checked here"
fi

# 5. The main process ends while a process it started still runs: that
# process dies with the job's namespace before the group goes, and the
# outcome is the main process's.
"$CORRAL" run --timeout 60s --result "$R" -- \
        sh -c "$CORRAL_PROGS/spin 30 1 & sleep 0.3; exit 3" >/dev/null 2>&1
assert_eq "main process gone, a spinner left: status" failed "$(json "$R" 'j["status"]')"
assert_eq "main process gone, a spinner left: exit code" 3 "$(json "$R" 'j["exit_code"]')"
assert_cmp "the spinner's CPU time is in the outcome (usec)" \
        "$(json "$R" 'j["cpu_usage_usec"]')" -ge 100000
assert_eq "no spinner left" "" "$(spin_pid)"

# 6. corral's parent group is execute-only for others (0711) in every
# hierarchy, so that no job lists its neighbours' groups, whose names carry
# their job ids; a parent found with another mode is set back.  A launch
# only looks at it (stat) when it is as it should be (cgroup.c).
parents() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$CORRAL_CGROUP_PARENT"; }
assert_eq "the parent is 0711 everywhere" 711 "$(parents | xargs stat -c %a | sort -u)"
for p in $(parents); do chmod 0755 "$p"; done
"$CORRAL" run -- true 2>/dev/null
assert_eq "a parent found 0755 is 0711 again after a launch" 711 "$(parents | xargs stat -c %a | sort -u)"

assert_no_groups
finish
