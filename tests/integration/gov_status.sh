#!/bin/bash
# gov_status: `corral status --system [--json]` on this real host: the JSON shape
# others rely on, sane figures that agree with /proc/meminfo (or corral's own
# cgroup limit), a ledger shared through the state directory that forgets jobs
# whose owner died, and fixture roots for states this host cannot reach.
source "$(dirname "$0")/../lib.sh"

state="$TEST_TMP/state"
out="$TEST_TMP/status.json"

# Neither a job id nor --system: a usage error that shows both forms.
"$CORRAL" --state-dir "$TEST_TMP/other" status 2>"$TEST_TMP/err"
assert_eq "status without arguments exits" 2 "$?"
grep -q -- "--system" "$TEST_TMP/err" && ok "usage names --system" || not_ok "message: $(cat "$TEST_TMP/err")"

"$CORRAL" --state-dir "$state" status --system --json >"$out"
assert_eq "status --system --json exits" 0 "$?"
assert_eq "one line of JSON" 1 "$(wc -l <"$out")"
assert_eq "reading the status creates no state directory" no "$([ -e "$state" ] && echo yes || echo no)"

# A job id that is not there: a clear usage error naming it.
"$CORRAL" --state-dir "$state" status job123 2>"$TEST_TMP/err"
assert_eq "status of an unknown job exits" 2 "$?"
grep -q "No such job: 'job123'" "$TEST_TMP/err" && ok "it names the unknown job" || not_ok "message: $(cat "$TEST_TMP/err")"

for k in "j['memory']['used_percent']" "j['memory']['threshold_percent']" "j['memory']['total_bytes']" \
         "j['memory']['available_bytes']" "j['memory']['source']" "j['cpu']['used_percent']" \
         "j['cpu']['threshold_percent']" "j['cpu']['cores']" "j['pressure']" "j['running']" \
         "j['queued']" "j['max_concurrent_jobs']"; do
        v=$(json "$out" "$k" 2>/dev/null)
        if [ -n "$v" ] && [ "$v" != null ]; then ok "$k present: $v"; else not_ok "$k missing"; fi
done

used=$(json "$out" "int(j['memory']['used_percent'] * 1000)")
assert_cmp "memory used_percent >= 0" "$used" -ge 0
assert_cmp "memory used_percent <= 100" "$used" -le 100000
assert_eq "memory threshold default" 85 "$(json "$out" "j['memory']['threshold_percent']")"
assert_eq "cpu threshold default" 90 "$(json "$out" "j['cpu']['threshold_percent']")"

# Total is MemTotal, or corral's own group limit when that is smaller.
memtotal=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
total=$(json "$out" "j['memory']['total_bytes']")
source=$(json "$out" "j['memory']['source']")
case "$source" in
host) assert_eq "memory total is /proc/meminfo's MemTotal" "$memtotal" "$total" ;;
cgroup-v1) limit=$(cat "$(json "$out" "j['memory']['source_path']")/memory.limit_in_bytes")
        assert_eq "memory total is the group's limit" "$limit" "$total" ;;
cgroup-v2) limit=$(cat "$(json "$out" "j['memory']['source_path']")/memory.max")
        assert_eq "memory total is the group's limit" "$limit" "$total" ;;
*) not_ok "memory source '$source'" ;;
esac
avail=$(json "$out" "j['memory']['available_bytes']")
assert_cmp "available <= total" "$avail" -le "$total"

cpu=$(json "$out" "int(j['cpu']['used_percent'] * 1000)")
assert_cmp "cpu used_percent >= 0" "$cpu" -ge 0
assert_cmp "cpu used_percent <= 100" "$cpu" -le 100000
cores=$(json "$out" "j['cpu']['host_cores']")
assert_eq "host cores as nproc --all counts online ones" "$(grep -c '^cpu[0-9]' /proc/stat)" "$cores"
assert_eq "nothing running" 0 "$(json "$out" "j['running']")"
assert_eq "nothing queued" 0 "$(json "$out" "j['queued']")"
if [ "$(json "$out" "j['cpu']['source']")" = host ]; then
        n=$(grep -c "^cpu[0-9]" /proc/stat)
        assert_eq "max_concurrent_jobs default is max(2, cores)" "$((n > 2 ? n : 2))" \
                "$(json "$out" "j['max_concurrent_jobs']")"
fi
if [ -r /proc/pressure/memory ]; then
        assert_eq "PSI read when the kernel has it" true \
                "$(json "$out" "isinstance(j['pressure']['memory']['some_avg10'], float) or isinstance(j['pressure']['memory']['some_avg10'], int)")"
fi

# The text form shows every figure.
"$CORRAL" --state-dir "$state" status --system >"$TEST_TMP/text"
for word in memory cpu pressure jobs reserved queue; do
        grep -q "^$word " "$TEST_TMP/text" && ok "text shows $word" || not_ok "text lacks $word"
done

# A shared ledger: one job running, one queued, owned by a real process.
sleep 300 &
owner=$!
st=$(sed 's/.*) //' /proc/$owner/stat | awk '{print $20}')
mkdir -p "$state/governor"
printf 'max-concurrent = 1\nmemory-threshold = 80\n' >"$state/governor/governor.conf"
printf 'run j1 alice 1073741824 %s %s\nqueue j2 bob 0 %s %s\n' $owner "$st" $owner "$st" \
        >"$state/governor/ledger"
"$CORRAL" --state-dir "$state" status --system --json >"$out"
assert_eq "running from the ledger" 1 "$(json "$out" "j['running']")"
assert_eq "queued from the ledger" 1 "$(json "$out" "j['queued']")"
assert_eq "max_concurrent_jobs from governor.conf" 1 "$(json "$out" "j['max_concurrent_jobs']")"
assert_eq "memory threshold from governor.conf" 80 "$(json "$out" "j['memory']['threshold_percent']")"
assert_eq "reserved memory" 1073741824 "$(json "$out" "j['memory']['reserved_bytes']")"
assert_eq "head of the queue" j2 "$(json "$out" "j['head']['job_id']")"
assert_eq "why the head waits" "1/1 jobs running" "$(json "$out" "j['head']['reason']")"
"$CORRAL" --state-dir "$state" status --system >"$TEST_TMP/text"
grep -q "head j2 waits: 1/1 jobs running" "$TEST_TMP/text" && ok "text names the head's reason" ||
        not_ok "text: $(grep queue "$TEST_TMP/text")"

# The owner dies: its entries are gone (self-healing), nothing is left reserved.
kill $owner
wait $owner 2>/dev/null
"$CORRAL" --state-dir "$state" status --system --json >"$out"
assert_eq "dead owner's job no longer running" 0 "$(json "$out" "j['running']")"
assert_eq "dead owner's job no longer queued" 0 "$(json "$out" "j['queued']")"

# A broken governor.conf is an error that names the line.
echo "max-concurrent = lots" >"$state/governor/governor.conf"
"$CORRAL" --state-dir "$state" status --system --json >/dev/null 2>"$TEST_TMP/err"
assert_eq "broken governor.conf fails" 1 "$?"

# Fixture roots: states this host cannot be put in.
fx="$CORRAL_SRC/tests/fixtures/gov"
"$CORRAL" --state-dir "$TEST_TMP/none" status --system --json --root "$fx/host-memory-91" >"$out"
assert_eq "fixture 91% memory" 91 "$(json "$out" "round(j['memory']['used_percent'])")"
"$CORRAL" --state-dir "$TEST_TMP/none" status --system --json --root "$fx/cgroup-v1-limited" >"$out"
assert_eq "fixture v1 group limit is the capacity" 4294967296 "$(json "$out" "j['memory']['total_bytes']")"
assert_eq "fixture v1 source" cgroup-v1 "$(json "$out" "j['memory']['source']")"
assert_eq "fixture v1 CPU quota" 1.5 "$(json "$out" "j['cpu']['cores']")"
assert_eq "fixture v1: max concurrent from the quota" 2 "$(json "$out" "j['max_concurrent_jobs']")"
"$CORRAL" --state-dir "$TEST_TMP/none" status --system --json --root "$fx/no-psi" >"$out"
assert_eq "no PSI: null, not an error" None "$(json "$out" "repr(j['pressure']['memory'])")"

finish
