#!/bin/bash
# gov_queue_bound: what `corral submit` says near the queue's bound is what
# happens.  One job holds the only slot (--max-concurrent 1, --queue-limit 3);
# 8 submitters then race 4 submits each.  Every submit that printed an id and
# exited 0 has a record that queues (then runs) -- none ends `failed` with
# "refused" after being accepted -- exactly 3 are accepted, every other submit
# exits 2 naming the full queue, and a refused submit leaves no record.
# (Before the admission was reserved under the ledger's lock at submit, the
# submitters all passed a snapshot check and their supervisors then refused.)
. "$(dirname "$0")/../lib.sh"

corral submit --max-concurrent 1 --queue-limit 3 -- "$CORRAL_PROGS/waitfile" go >"$TEST_TMP/holder"
holder=$(tail -n 1 "$TEST_TMP/holder")
status_of() { corral status "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
for _ in $(seq 200); do [ "$(status_of "$holder")" = running ] && break; sleep 0.1; done
assert_eq "the holder runs" running "$(status_of "$holder")"

for i in 1 2 3 4 5 6 7 8; do
        (while [ ! -e "$TEST_TMP/start" ]; do sleep 0.005; done
         for k in 1 2 3 4; do
                 corral submit -- "$CORRAL_PROGS/waitfile" go >"$TEST_TMP/out.$i.$k" 2>"$TEST_TMP/err.$i.$k"
                 echo $? >"$TEST_TMP/rc.$i.$k"
         done) &
done
touch "$TEST_TMP/start"
wait

accepted=0 refused=0 other=0
: >"$TEST_TMP/ids"
for f in "$TEST_TMP"/rc.*; do
        n=${f#"$TEST_TMP"/rc.}
        case "$(cat "$f")" in
        0) accepted=$((accepted + 1)); tail -n 1 "$TEST_TMP/out.$n" >>"$TEST_TMP/ids" ;;
        2) if grep -q "queue full" "$TEST_TMP/err.$n"; then refused=$((refused + 1)); else
                   other=$((other + 1)); echo "# submit $n: $(cat "$TEST_TMP/err.$n")"; fi ;;
        *) other=$((other + 1)); echo "# submit $n exited $(cat "$f"): $(cat "$TEST_TMP/err.$n")" ;;
        esac
done
assert_eq "exactly the queue's room accepted" 3 "$accepted"
assert_eq "every other submit refused, naming the full queue" 29 "$refused"
assert_eq "no submit failed otherwise" 0 "$other"

# The accepted jobs are queued (never failed), and only they and the holder exist.
queued_ok=0
for id in $(cat "$TEST_TMP/ids"); do
        st=$(status_of "$id")
        [ "$st" = queued ] && queued_ok=$((queued_ok + 1)) || echo "# $id is $st"
done
assert_eq "each accepted job waits in the queue" 3 "$queued_ok"
assert_eq "refused submits left no record" 4 \
        "$(corral list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
assert_eq "the ledger queues exactly them" 3 \
        "$(corral status --system --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queued"])')"

# Release everything: all four complete.
for _ in $(seq 600); do
        for d in "$STATE"/tenants/default/jobs/*/work; do touch "$d/go" 2>/dev/null; done
        n=$(corral list --json | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["status"] == "completed"))')
        [ "$n" = 4 ] && break
        sleep 0.1
done
assert_eq "the holder and the accepted jobs completed" 4 "$n"
assert_no_groups
finish
