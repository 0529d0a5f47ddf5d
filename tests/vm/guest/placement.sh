# placement: the job is born in its own group under corral's parent group
# (clone3 CLONE_INTO_CGROUP): the job's own /proc/self/cgroup names the group
# the outcome reports, the limits are in that group's files from the start, and
# the group is removed afterwards; strace shows the clone3 call that did it.
# corral doctor describes the v2 layout.
. /vm/lib.sh

job self --memory 48M --pids 32 -- /bin/cat /proc/self/cgroup
g=$(cgkey)
assert_eq "the job's /proc/self/cgroup" "0::/$g" "$(cat "$TMP/self.out")"
assert_match "job group under the parent ($CORRAL_CGROUP_PARENT)" "$CORRAL_CGROUP_PARENT/?*" "$g"
assert_group_gone

# The mechanism, not only the result: a fork followed by a move would also
# end in the right group, but would run the child outside it first.
/usr/bin/strace -f -qq -e trace=clone3 -o "$TMP/trace" "$CORRAL" run -- /bin/true >/dev/null 2>&1
assert_eq "corral run under strace" 0 $?
c=$(grep -c 'clone3(.*CLONE_INTO_CGROUP.*) = [1-9]' "$TMP/trace")
assert_eq "successful clone3 calls with CLONE_INTO_CGROUP" 1 "$c"
sed 's/^/# strace: /' "$TMP/trace"

job limits --memory 48M --memory-high 40M --pids 32 --cpus 1.5 -- /bin/sh -c \
        'g=/sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup); cat $g/memory.max $g/memory.high $g/pids.max $g/cpu.max'
assert_eq "memory.max, memory.high, pids.max, cpu.max inside the job" "50331648 41943040 32 150000 100000" \
        "$(tr '\n' ' ' <"$TMP/limits.out" | sed 's/ $//')"
assert_group_gone

# Two jobs at once get two groups.
"$CORRAL" run --timeout 20s --result "$TMP/a.json" -- "$PROGS/waitfile" "$TMP/go" >/dev/null 2>&1 &
a=$!
"$CORRAL" run --timeout 20s --result "$TMP/b.json" -- "$PROGS/waitfile" "$TMP/go" >/dev/null 2>&1 &
b=$!
i=0
n=0
while [ $i -lt 100 ]; do
        n=$(find "$CG/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
        [ "$n" -ge 2 ] && break
        sleep 0.1
        i=$((i + 1))
done
assert_cmp "job groups while two jobs run" "$n" -ge 2
touch "$TMP/go"
wait $a
assert_eq "first concurrent job" 0 $?
wait $b
assert_eq "second concurrent job" 0 $?
ga=$(cgkey "$TMP/a.json")
gb=$(cgkey "$TMP/b.json")
if [ "$ga" != "$gb" ]; then ok "distinct groups: $ga, $gb"; else not_ok "both jobs in $ga"; fi

"$CORRAL" doctor >"$TMP/doctor" 2>&1
assert_eq "corral doctor exit" 0 $?
sed 's/^/# doctor: /' "$TMP/doctor"
finish
