#!/bin/bash
# The store index (docs/store.md "The index"): `corral list` filters answered
# from tenants/<t>/index.sqlite for finished jobs, and the index rebuilt from
# the records when it is corrupt, deleted, of an older schema, or missing a row.
. "$(dirname "$0")/../lib.sh"

STOREGEN="$CORRAL_BUILD/tests/bench/storegen"
[ -x "$STOREGEN" ] || { not_ok "storegen not built: $STOREGEN"; finish; }
IDX="$STATE/tenants/default/index.sqlite"
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print(r[0][0] if r else "")' "$IDX" "$1"; }

# Twenty finished records as supervisors write them, then three real jobs.
"$STOREGEN" "$STATE" 20 2>/dev/null || not_ok "storegen failed"
oom=$(corral submit --memory 32M -- "$CORRAL_PROGS/memhog" 200)
fail=$(corral submit -- sh -c 'exit 3')
okj=$(corral submit -- sh -c 'echo fine')
corral wait --timeout 60s "$oom" >/dev/null
corral wait --timeout 60s "$fail" >/dev/null
corral wait --timeout 60s "$okj" >/dev/null

# The final writes filled the index, before any list.
assert_eq "index rows after the final writes" 23 "$(sql 'SELECT count(*) FROM jobs')"
assert_eq "index in WAL mode" wal "$(sql 'PRAGMA journal_mode')"
assert_eq "oom row" oom_killed "$(sql "SELECT status FROM jobs WHERE id='$oom'")"

check_filters() { # $1: when
        assert_eq "$1: list all" 23 "$(corral list | wc -l)"
        assert_eq "$1: --status oom_killed" "$oom" "$(corral list --status oom_killed | awk '{print $1}')"
        assert_eq "$1: --status failed" "$fail" "$(corral list --status failed | awk '{print $1}')"
        assert_eq "$1: --status completed" 21 "$(corral list --status completed | wc -l)"
        assert_eq "$1: two statuses" 2 "$(corral list --status failed --status oom_killed | wc -l)"
        assert_eq "$1: --command memhog" "$oom" "$(corral list --command memhog | awk '{print $1}')"
        assert_eq "$1: --command 'echo hi'" 20 "$(corral list --command 'echo hi' | wc -l)"
        assert_eq "$1: --limit 1 is the newest" "$okj" "$(corral list --limit 1 | awk '{print $1}')"
        assert_eq "$1: --limit 2 oldest first" "$fail $okj" "$(corral list --limit 2 | awk '{print $1}' | xargs)"
        assert_eq "$1: --since 1h" 23 "$(corral list --since 1h | wc -l)"
        assert_eq "$1: --until 2000-01-01" 0 "$(corral list --until 2000-01-01 | wc -l)"
        assert_eq "$1: --json --limit 2" 2 "$(corral list --json --limit 2 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
}
check_filters "fresh index"

# Paging back with --before: every job once, newest page first, each page
# oldest first; stderr names the next page while there is one.
all=$(corral list | awk '{print $1}' | xargs)
paged="" before=()
for _ in $(seq 10); do
        page=$(corral list --limit 5 "${before[@]}" 2>"$TEST_TMP/more" | awk '{print $1}' | xargs)
        paged="$page${paged:+ $paged}"
        next=$(sed -n 's/^more: corral list --before //p' "$TEST_TMP/more")
        [ -n "$next" ] || break
        assert_eq "--before names the page's oldest" "${page%% *}" "$next"
        before=(--before "$next")
done
assert_eq "pages with --before cover every job once, in order" "$all" "$paged"
err=$(corral list --before nosuchjob 2>&1)
assert_eq "--before an unknown job: exit status" 2 $?
case "$err" in *"No such job for --before: 'nosuchjob'"*) ok "unknown --before named" ;; *) not_ok "$err" ;; esac

# A live job is listed from its record, filters applied to it too.
run=$(corral submit -- "$CORRAL_PROGS/waitfile" go)
for _ in $(seq 100); do [ "$(corral status "$run" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ] && break; sleep 0.1; done
assert_eq "running job listed" "$run" "$(corral list --status running | awk '{print $1}')"
assert_eq "running job in --limit 1" "$run" "$(corral list --limit 1 | awk '{print $1}')"
assert_eq "running job not in the index" 0 "$(sql "SELECT count(*) FROM jobs WHERE id='$run'")"
touch "$STATE/tenants/default/jobs/$run/work/go"
corral wait --timeout 60s "$run" >/dev/null
assert_eq "finished job indexed" completed "$(sql "SELECT status FROM jobs WHERE id='$run'")"
corral rm "$run" >/dev/null 2>&1 || rm -rf "${STATE:?}/tenants/default/jobs/$run"
corral list >/dev/null
assert_eq "removed job's row gone" 0 "$(sql "SELECT count(*) FROM jobs WHERE id='$run'")"

# corral report: the figures the records give.
corral list --json >"$TEST_TMP/all.json"
corral report --json >"$TEST_TMP/report.json"
python3 - "$TEST_TMP/all.json" "$TEST_TMP/report.json" <<'PY'
import json, sys, datetime
jobs = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2]))
def ts(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
fails = 0
def check(what, want, got):
    global fails
    ok = abs(want - got) < 1e-6 if isinstance(want, float) else want == got
    print(("ok - " if ok else "not ok - ") + f"report {what}: want {want}, got {got}")
    fails += not ok
check("one group", 1, len(rep)); r = rep[0]
check("jobs", len(jobs), r["jobs"])
by = {}
for j in jobs: by[j["status"]] = by.get(j["status"], 0) + 1
check("by_status", by, r["by_status"])
check("oom_kills", sum(j.get("oom_kills", 0) for j in jobs), r["oom_kills"])
check("oom_kills >= 1", True, r["oom_kills"] >= 1)
check("cpu_seconds", round(sum(j.get("cpu_usage_usec", 0) for j in jobs) / 1e6, 6), round(r["cpu_seconds"], 6))
peaks = sorted(j.get("memory_peak_bytes", 0) for j in jobs)
check("peak max", peaks[-1], r["memory_peak_bytes_max"])
check("peak p50", peaks[(len(peaks) - 1) // 2], r["memory_peak_bytes_p50"])
waits = sorted(round(ts(j["started_at"]) - ts(j["created_at"]), 3) for j in jobs if j.get("started_at"))
check("wait max", waits[-1], round(r["queue_wait_seconds_max"], 3))
check("wait p50", waits[(len(waits) - 1) // 2], round(r["queue_wait_seconds_p50"], 3))
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] && ok "report figures match the records" || not_ok "report figures differ from the records"
assert_eq "report --until 2000-01-01: no group" "[]" "$(corral report --json --until 2000-01-01)"
assert_eq "report --by day: one day" 1 "$(corral report --json --by day | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# Bad input: one clear error.
err=$(corral list --since yesterday 2>&1)
assert_eq "bad --since exit status" 2 $?
case "$err" in *"Invalid time for --since: 'yesterday'"*) ok "bad time named" ;; *) not_ok "$err" ;; esac

# Corrupt the header: open fails; the next list rebuilds and answers right.
printf 'this is no longer a sqlite database header!!' | dd of="$IDX" bs=1 seek=0 conv=notrunc status=none
check_filters "after header corruption"
assert_eq "rebuilt index passes integrity_check" ok "$(sql 'PRAGMA integrity_check')"

# Corrupt a page in the middle: quick_check fails; rebuilt.
corral list >/dev/null
python3 - "$IDX" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()
PY
size=$(stat -c %s "$IDX")
[ "$size" -gt 8192 ] || not_ok "index too small to corrupt a page ($size)"
head -c 4096 /dev/urandom | dd of="$IDX" bs=4096 seek=1 conv=notrunc status=none
check_filters "after page corruption"
assert_eq "rebuilt index passes integrity_check" ok "$(sql 'PRAGMA integrity_check')"

# Deleted: rebuilt from the records.
rm -f "$IDX" "$IDX-wal" "$IDX-shm"
check_filters "after deletion"
[ -f "$IDX" ] && ok "index recreated" || not_ok "index not recreated"

# An older schema version: rebuilt.
sql 'PRAGMA user_version=0' >/dev/null
check_filters "after a schema version change"
assert_eq "schema version restamped" 5 "$(sql 'PRAGMA user_version')"
assert_eq "rebuilt rows carry their disk usage" 0 "$(sql 'SELECT count(*) FROM jobs WHERE disk_bytes <= 0')"

# No walk of jobs/ in the usual case: the active set holds only live jobs.
assert_eq "active set empty when every job finished" "" "$(ls "$STATE/tenants/default/active")"

# A row lost in a crash between the final write and the index: the job keeps
# its active marker (removed only once indexed), so the next list re-adds it.
sql "DELETE FROM jobs WHERE id='$fail'" >/dev/null
touch "$STATE/tenants/default/active/$fail"
check_filters "after a crash before the row"
assert_eq "lost row re-added" failed "$(sql "SELECT status FROM jobs WHERE id='$fail'")"
assert_eq "its marker cleared" "" "$(ls "$STATE/tenants/default/active")"

# A finished record written while the index was not updated at all (the
# writer died before its index write): seen, and indexed.
live=$(corral submit -- "$CORRAL_PROGS/waitfile" go2)
for _ in $(seq 100); do [ "$(corral status "$live" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ] && break; sleep 0.1; done
assert_eq "live job marked" "$live" "$(ls "$STATE/tenants/default/active")"
touch "$STATE/tenants/default/jobs/$live/work/go2"
corral wait --timeout 60s "$live" >/dev/null
sql "DELETE FROM jobs WHERE id='$live'" >/dev/null
touch "$STATE/tenants/default/active/$live"
python3 - "$STATE/tenants/default/jobs/$live/job.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["exit_code"] = 7; j["status"] = "failed"
open(sys.argv[1], "w").write(json.dumps(j))
PY
assert_eq "record written behind the index's back is listed" "$live failed" "$(corral list --status failed --limit 1 | awk '{print $1, $2}')"
assert_eq "and indexed" failed "$(sql "SELECT status FROM jobs WHERE id='$live'")"
corral rm "$live" >/dev/null 2>&1 || rm -rf "${STATE:?}/tenants/default/jobs/$live"

# A power loss can lose the index's last commits and unsynced markers: the
# first command of another boot walks jobs/ (the index keeps the boot id).
sql "DELETE FROM jobs WHERE id='$fail'" >/dev/null
sql "UPDATE meta SET value='another-boot' WHERE key='boot_id'" >/dev/null
check_filters "after a power loss"
assert_eq "row re-added by the boot's full walk" failed "$(sql "SELECT status FROM jobs WHERE id='$fail'")"
assert_eq "boot id recorded" "$(cat /proc/sys/kernel/random/boot_id)" "$(sql "SELECT value FROM meta WHERE key='boot_id'")"

# An interrupted removal (the directory gone, its row not): the row goes.
gone=$(corral list --limit 1 | awk '{print $1}')
rm -rf "${STATE:?}/tenants/default/jobs/$gone"
touch "$STATE/tenants/default/active/$gone"
corral list >/dev/null
assert_eq "interrupted removal's row dropped" 0 "$(sql "SELECT count(*) FROM jobs WHERE id='$gone'")"

# --tenant: root reads another tenant's history.
other=$("$CORRAL" --state-dir "$STATE" --tenant other submit -- true)
"$CORRAL" --state-dir "$STATE" --tenant other wait --timeout 60s "$other" >/dev/null
assert_eq "--tenant other" "$other" "$(corral list --tenant other | awk '{print $1}')"
assert_eq "report --by tenant: both tenants" "default other" \
        "$(corral report --json --by tenant | python3 -c 'import json,sys; print(" ".join(g["tenant"] for g in json.load(sys.stdin)))')"


# A listing without --limit goes out in pages of 1,000 (cmd-jobs.c): 2,500
# jobs come out once each, oldest first, as one --limit page of them all
# gives them, with --json and through a filter too.
BIG="$TEST_TMP/big"
"$STOREGEN" "$BIG" 2500 --real 3 2>/dev/null || not_ok "storegen 2500 failed"
big() { "$CORRAL" --state-dir "$BIG" "$@"; }
big list >"$TEST_TMP/all.txt"
assert_eq "unlimited list: every job" 2500 "$(wc -l <"$TEST_TMP/all.txt")"
assert_eq "unlimited list: each once" 2500 "$(awk '{print $1}' "$TEST_TMP/all.txt" | sort -u | wc -l)"
big list --limit 2500 >"$TEST_TMP/one-page.txt"
if cmp -s "$TEST_TMP/all.txt" "$TEST_TMP/one-page.txt"; then
        ok "unlimited list: the same lines, in the same order, as one page of 2,500"
else
        not_ok "unlimited list differs from --limit 2500: $(diff "$TEST_TMP/all.txt" "$TEST_TMP/one-page.txt" | head -3)"
fi
assert_eq "unlimited list --json: every record" 2500 \
        "$(big list --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len({x["id"] for x in j}))')"
assert_eq "unlimited list --status completed" 2500 "$(big list --status completed | wc -l)"
older=$(sed -n 1700p "$TEST_TMP/all.txt" | awk '{print $1}')
assert_eq "unlimited list --before the 1,700th: the 1,699 older" 1699 "$(big list --before "$older" | wc -l)"

assert_no_groups
finish
