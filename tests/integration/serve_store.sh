#!/bin/bash
# `corral serve` takes the governor options and stores them for every process
# sharing the store, and removes finished jobs past their retention at
# start-up (it does so hourly while it runs).
. "$(dirname "$0")/../lib.sh"

old=$(corral submit -- true)
corral wait --timeout 60s "$old" >/dev/null
keep=$(corral submit -- true)
corral wait --timeout 60s "$keep" >/dev/null
# Make the first one finish eight days ago.
python3 - "$STATE/tenants/default/jobs/$old/job.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["finished_at"] = "2020-01-01T00:00:00.000Z"
j["created_at"] = "2020-01-01T00:00:00.000Z"
j["started_at"] = "2020-01-01T00:00:00.000Z"
open(p, "w").write(json.dumps(j, indent=1))
PY
# A record edited by hand, behind the store's API: its marker in the active
# set makes the index read it again (docs/store.md "The index"), as it does
# for a writer that died between its record and the index.
touch "$STATE/tenants/default/active/$old"

# stdin at EOF: serve starts, runs its start-up work, and exits promptly.
"$CORRAL" --state-dir "$STATE" serve --max-concurrent 5 --memory-threshold 80 </dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
assert_eq "serve exits 0 on stdin EOF" 0 $?
assert_eq "stdout carries no stray bytes" 0 "$(wc -c <"$TEST_TMP/out")"
grep -q "^max-concurrent = 5" "$STATE/governor/governor.conf" && ok "max-concurrent stored" ||
        not_ok "governor.conf: $(cat "$STATE/governor/governor.conf")"
grep -q "^memory-threshold = 80" "$STATE/governor/governor.conf" && ok "memory-threshold stored" ||
        not_ok "governor.conf: $(cat "$STATE/governor/governor.conf")"
assert_eq "the policy is what status shows" 5 \
        "$(corral status --system --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_concurrent_jobs"])')"
[ -e "$STATE/tenants/default/jobs/$old" ] && not_ok "the 8-day-old job is still there" || ok "the 8-day-old job was removed"
[ -e "$STATE/tenants/default/jobs/$keep" ] && ok "the recent job is kept" || not_ok "the recent job was removed"

"$CORRAL" --state-dir "$STATE" serve --max-concurrent lots </dev/null 2>"$TEST_TMP/err"
assert_eq "a bad governor option: exit status" 2 $?
finish
