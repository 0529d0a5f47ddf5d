#!/usr/bin/env python3
"""submit -> job running, for one or more corral binaries in the same run.

    tests/bench/submit_latency.py [--runs N] [--running K] BIN [BIN...]

For each run and each binary in turn (interleaved, so load elsewhere spreads
over all of them): `corral submit -- /bin/true`, then job.json is polled every
0.5 ms until it has started_at.  Reported per binary: the submit command's wall
time, submit start -> job.json says started (wall clock), the record's own
created_at -> started_at (ms resolution), and submit start -> the job's own
code ran: the job is `/bin/date +%s.%N`, whose output in stdout.log is the
wall-clock time it read, one process start after its exec (the same for every
binary).  --running K first starts K
`sleep` jobs per binary (each binary its own state directory) so the figures
are taken with K jobs running.  Needs root.  Everything runs under a private
cgroup parent and state directories, removed at the end.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

import benchcg


def submit(binary, state, parent, cmd):
    out = subprocess.run([binary, "--state-dir", state, "--cgroup-parent", parent, "submit",
                          "--"] + cmd, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def record(state, jid):
    for t in os.listdir(os.path.join(state, "tenants")):
        p = os.path.join(state, "tenants", t, "jobs", jid, "job.json")
        if os.path.exists(p):
            return p
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--running", type=int, default=0)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    parent = "corral-bench-submit-%d" % os.getpid()
    states = [tempfile.mkdtemp(prefix="corral-submitlat-") for _ in a.bins]
    res = {b: {"submit": [], "to_started": [], "record": [], "to_ran": []} for b in a.bins}
    try:
        for b, st in zip(a.bins, states):
            for _ in range(a.running):
                submit(b, st, parent, ["/bin/sleep", "600"])
        if a.running:
            time.sleep(2)
        for i in range(a.runs + 3):
            order = a.bins if i % 2 == 0 else list(reversed(a.bins))
            for b in order:
                st = states[a.bins.index(b)]
                t0_real = time.time()
                t0 = time.monotonic()
                jid = submit(b, st, parent, ["/bin/date", "+%s.%N"])
                t1 = time.monotonic()
                path = None
                while True:
                    path = path or record(st, jid)
                    try:
                        j = json.load(open(path))
                    except (OSError, ValueError, TypeError):
                        j = {}
                    if j.get("started_at"):
                        break
                    if time.monotonic() - t0 > 30:
                        sys.exit("job %s did not start in 30 s" % jid)
                    time.sleep(0.0005)
                t2 = time.monotonic()
                log = os.path.join(os.path.dirname(path), "stdout.log")
                ran = None
                while ran is None:
                    try:
                        ran = float(open(log).read().strip() or "x")
                    except (OSError, ValueError):
                        if time.monotonic() - t0 > 30:
                            sys.exit("job %s wrote no time in 30 s" % jid)
                        time.sleep(0.0005)
                if i < 3:
                    continue  # warm-ups
                res[b]["to_ran"].append((ran - t0_real) * 1000)
                res[b]["submit"].append((t1 - t0) * 1000)
                res[b]["to_started"].append((t2 - t0) * 1000)
                iso = lambda s: time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(s[20:23])
                res[b]["record"].append(iso(j["started_at"]) - iso(j["created_at"]))
    finally:
        for b, st in zip(a.bins, states):
            ls = subprocess.run([b, "--state-dir", st, "--cgroup-parent", parent, "list", "--json",
                                 "--status", "running"], capture_output=True, text=True)
            try:
                jobs = json.loads(ls.stdout or "[]")
            except ValueError:
                jobs = []
            for j in jobs if isinstance(jobs, list) else jobs.get("jobs", []):
                subprocess.run([b, "--state-dir", st, "--cgroup-parent", parent, "cancel", j["id"]],
                               capture_output=True)
        time.sleep(1)
        for st in states:
            shutil.rmtree(st, ignore_errors=True)
        benchcg.remove_parent(parent)
    load = os.getloadavg()[0]
    print("runs %d, %d jobs running, load average %.2f at end" % (a.runs, a.running, load))
    print("| binary | submit ms (median) | submit -> started ms (median, p90) | created_at -> started_at ms (median) | submit -> job's code ran ms (median, p90) |")
    print("|---|---|---|---|---|")
    for b in a.bins:
        r = res[b]
        ts = sorted(r["to_started"])
        tr = sorted(r["to_ran"])
        print("| %s | %.1f | %.1f, %.1f | %.0f | %.1f, %.1f |" % (
            b, statistics.median(r["submit"]), statistics.median(ts), ts[int(len(ts) * 0.9)],
            statistics.median(r["record"]), statistics.median(tr), tr[int(len(tr) * 0.9)]))
    # Beside the other benches' results (tests/bench/results/, not committed),
    # not in /tmp where nobody removes it.
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "submit-latency.json"), "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
