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
assert_eq "schema version restamped" 1 "$(sql 'PRAGMA user_version')"

# A row lost (a crash between the final write and the index): re-added.
sql "DELETE FROM jobs WHERE id='$fail'" >/dev/null
check_filters "after a lost row"
assert_eq "lost row re-added" failed "$(sql "SELECT status FROM jobs WHERE id='$fail'")"

# --tenant: root reads another tenant's history.
other=$("$CORRAL" --state-dir "$STATE" --tenant other submit -- true)
"$CORRAL" --state-dir "$STATE" --tenant other wait --timeout 60s "$other" >/dev/null
assert_eq "--tenant other" "$other" "$(corral list --tenant other | awk '{print $1}')"

assert_no_groups
finish
