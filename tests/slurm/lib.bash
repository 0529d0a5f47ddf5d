# tests/slurm/lib.bash - sourced by the Slurm tests after tests/lib.sh.
#
# The cluster is the fixture's (slurm/cluster_up); this gives each test a
# store whose executor is slurm and, at exit, cancels every Slurm job the
# test's store submitted (by the ids in its job.json files) before lib.sh's
# own cleanup, so no job of ours outlives the test.
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the test cluster (ctest sets it)}"
: "${CORRAL_SLURM_DIR:?}"
export SLURM_CONF

slurm_ids() {
        for f in "$STATE"/tenants/*/jobs/*/job.json; do
                [ -f "$f" ] && python3 -c 'import json,sys; s=json.load(open(sys.argv[1])).get("slurm"); print(s["job_id"] if s else "")' "$f"
        done
}
slurm_cleanup() {
        local ids
        ids=$(slurm_ids | tr '\n' ' ')
        [ -n "${ids// /}" ] && scancel $ids 2>/dev/null
        # Give the node's `corral run` its cancel and remove its groups.
        for _ in $(seq 1 50); do
                [ -z "$(squeue -h -t running,completing -j "${ids// /,}" 2>/dev/null)" ] && break
                sleep 0.2
        done
        cleanup_test
}
trap slurm_cleanup EXIT

# The cluster must be there: a missing fixture is a failure, not a skip.
if ! scontrol ping >/dev/null 2>&1; then
        echo "not ok - the test cluster does not answer (SLURM_CONF=$SLURM_CONF); see slurm/cluster_up"
        exit 1
fi

# Every job of this store goes to Slurm.  The submit that says so runs its
# own job here (per-job choice allowed for it), so no job of the set-up ever
# holds the node while a test counts on the node's state.
first=$("$CORRAL" --state-dir "$STATE" submit --executor slurm --executor-per-job yes \
        --job-executor local -- true) || exit 1
timeout 60 "$CORRAL" --state-dir "$STATE" wait "$first" >/dev/null || {
        echo "not ok - the set-up job did not complete"
        exit 1
}

# jf ID EXPR: a field of the job's record.
jf() { json "$STATE/tenants/default/jobs/$1/job.json" "$2"; }

# wait_for WHAT SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
        local what=$1 t=$2 i
        shift 2
        for i in $(seq 1 $((t * 10))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        not_ok "$what: not within ${t}s"
        return 1
}
status_is() { [ "$(jf "$1" 'j["status"]')" = "$2" ]; }
