# smoke: the guest is what the lane promises: a cgroup2-only hierarchy with the
# memory, cpu and pids controllers enabled for the root's children, the corral
# binary loads (its shared libraries are in the guest), the test programs run.
. /vm/lib.sh

assert_eq "cgroup2 mounted on $CG" cgroup2 "$(awk -v d=$CG '$2 == d { print $3 }' /proc/mounts)"
v1=$(grep -c ' cgroup ' /proc/mounts)
assert_eq "no cgroup v1 hierarchy mounted" 0 "$v1"
sc=$(cat $CG/cgroup.subtree_control)
assert_match "root subtree_control" "*cpu*memory*pids*" "$sc"
for f in cgroup.kill memory.events.local memory.oom.group memory.peak; do
        mkdir $CG/vmsmoke.$$ && OWN_GROUPS="$CG/vmsmoke.$$"
        if [ -e "$CG/vmsmoke.$$/$f" ]; then ok "kernel has $f"; else not_ok "kernel lacks $f"; fi
        cg_remove_tree $CG/vmsmoke.$$
        OWN_GROUPS=""
done
"$CORRAL" version >"$TMP/v" 2>&1
assert_eq "corral version exits 0 (binary and libraries load)" 0 $?
echo "# $(head -n 1 "$TMP/v")"
"$PROGS/memhog" 8 >/dev/null 2>&1
assert_eq "memhog 8 runs" 0 $?
finish
