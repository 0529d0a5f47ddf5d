#!/bin/bash
# tests/soak/short.sh - the soak's short version (issue 18; the full one is
# `tests/bench/run.sh --soak`, docs/performance.md).  200 short jobs through
# `corral serve` (plain JSON-RPC on its stdio, 8 requests in flight) and 200
# through `corral submit` (8 submitters at once), then: no job cgroup left in
# any hierarchy, serve's fd count unchanged, no zombie, no supervisor alive,
# no uid-pool lock held, no ledger entry, no temp file in the store, and every
# record completed with exit 0 and the results file its job wrote.  Asserts
# on leaks and records only, never on timing.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || { not_ok "python3 missing: contrib/install-deps.sh"; finish; }

out=$(python3 "$CORRAL_SRC/tests/bench/soak.py" --jobs 200 --submitters 8 "$CORRAL" 2>&1)
rc=$?
echo "$out"
assert_eq "soak.py exit status (every leak and record check passed)" 0 "$rc"
if grep -Eq '^records not true \(cli\): +0$' <<<"$out"; then
        ok "the CLI records were checked"
else
        not_ok "soak.py did not reach the record checks"
fi
finish
