#!/bin/bash
# `corral run --result FILE` where the job can write: the job replaces FILE
# with a symlink to a root-owned 0600 file, or with a FIFO.  corral (root) must
# neither write through the link (it used to truncate the target and write the
# outcome into it) nor hang on the FIFO (it used to block forever after the job
# ended); the outcome still reaches the caller (on stderr).  A FILE that is
# already a link, a FIFO or a hard link is refused before anything runs.
. "$(dirname "$0")/../lib.sh"

SECRET=$TEST_TMP/secret
echo "root secret" >"$SECRET"
chmod 600 "$SECRET"
# The job's working directory, writable by its uid (no sticky bit: the job may
# replace names corral created there, as in a shared or job-owned directory).
W=$TEST_TMP/work
mkdir "$W" && chmod 777 "$W"
cd "$W" || exit 1

# 1. The job swaps the result file for a symlink to the secret.
timeout 60 "$CORRAL" run --result res.json -- sh -c "rm -f res.json; ln -s '$SECRET' res.json" \
        2>"$TEST_TMP/err1"
rc=$?
assert_eq "job swapping in a symlink: corral's exit status (the job's)" 0 "$rc"
assert_eq "root-owned file behind the link untouched" "root secret" "$(cat "$SECRET")"
assert_eq "root-owned file still 0600" 600 "$(stat -c %a "$SECRET")"
grep -q "replaced or removed the result file" "$TEST_TMP/err1" && ok "the swap is reported" ||
        not_ok "no report of the swap: $(cat "$TEST_TMP/err1")"
grep -q '"status":"completed"' "$TEST_TMP/err1" && ok "the outcome still reaches the caller (stderr)" ||
        not_ok "outcome lost: $(cat "$TEST_TMP/err1")"

# 2. The job swaps it for a FIFO: corral must not block on it.
rm -f res.json
timeout 60 "$CORRAL" run --result res.json -- sh -c 'rm -f res.json; mkfifo res.json' \
        2>"$TEST_TMP/err2"
rc=$?
assert_eq "job swapping in a FIFO: corral returns (not 124 from timeout)" 0 "$rc"
grep -q '"status":"completed"' "$TEST_TMP/err2" && ok "outcome on stderr after the FIFO swap" ||
        not_ok "outcome lost: $(cat "$TEST_TMP/err2")"

# 3. Planted before the run (by an earlier job): refused, nothing run.
for kind in symlink fifo hardlink; do
        rm -f res.json
        case $kind in
        symlink) ln -s "$SECRET" res.json ;;
        fifo) mkfifo res.json ;;
        hardlink) ln "$SECRET" res.json ;;
        esac
        timeout 60 "$CORRAL" run --result res.json -- sh -c 'touch ran' 2>"$TEST_TMP/err3"
        rc=$?
        assert_eq "a $kind as --result: bad usage" 2 "$rc"
        [ ! -e ran ] && ok "a $kind as --result: nothing was run" || not_ok "the job ran"
        grep -q "Invalid value 'res.json' for --result" "$TEST_TMP/err3" && ok "clear error for a $kind" ||
                not_ok "error for a $kind: $(cat "$TEST_TMP/err3")"
        assert_eq "root-owned file untouched ($kind)" "root secret" "$(cat "$SECRET")"
done
rm -f res.json

# 4. The ordinary case is unchanged: a new file, then an existing one, rewritten.
"$CORRAL" run --result res.json -- true
assert_eq "new result file" completed "$(json res.json 'j["status"]')"
"$CORRAL" run --result res.json -- false
assert_eq "existing result file rewritten" failed "$(json res.json 'j["status"]')"

cd "$TEST_TMP" || exit 1
assert_no_groups
finish
