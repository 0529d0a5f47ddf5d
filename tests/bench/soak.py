#!/usr/bin/env python3
"""Soak: many short jobs through `corral serve` and through the CLI, then
check that nothing leaked and every record is true (issue 18, item 4).

    tests/bench/soak.py [--jobs N] [--cli-jobs M] [--submitters S] [--rss-at K] CORRAL

N jobs (default 10,000) through one `corral serve` (plain JSON-RPC over its
stdio, S requests in flight at once from S submitter threads, default 8),
then M (default N) through `corral submit` (S submitter threads, each
running the CLI).
Every job is `sh -c 'printf {"n":K} > results.json'`, K its own number.
The submitters keep at most --window jobs (default 500) submitted and not
yet ended, below the governor's queue bound (1,000), as a client must.

Checked and reported (the exit status is 1 when any check fails):
  - cgroups: no job group left under the private cgroup parent, any hierarchy
  - fds: serve's /proc/PID/fd count after initialize and after all jobs ended
  - zombies: no zombie child of serve or of this script; no supervisor of
    this store still alive
  - uids: no uid-pool lock (/run/corral/uids) held by a process of this store
  - ledger: no run/queue entry left in the store's ledger
  - temp files: no *.tmp file left anywhere in the state directory
  - records: each job completed, exit_code 0, its results file as written
  - serve's RSS at job K (default 1,000, the 1,000th answered submit) and at
    the end; growth is reported, checked only with --max-rss-growth.

Timing is reported, never checked.  Needs root.  The store and the cgroup
parent are private (CORRAL_CGROUP_PARENT) and removed at the end.  The
governor runs with --cpu-threshold 100 (CPU check off): this machine is
shared and other load must not hold the queue.
"""
import argparse, glob, json, os, queue, shutil, signal, subprocess, sys, tempfile, threading, time

import benchcg

TERMINAL = {"completed", "failed", "cancelled", "timed_out", "oom_killed", "lost",
            "dependency_failed", "killed_by_signal", "seccomp_killed"}
# The test suite gives its own private parent (tests/lib.sh), cleaned by its trap too.
PARENT = os.environ.get("CORRAL_CGROUP_PARENT") or "corral-soak-%d" % os.getpid()
UIDDIR = "/run/corral/uids"


def log(msg):
    print(msg, flush=True)


def load(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def job_cmd(k):
    # The job's work directory is its cwd and the only place it may write.
    return ["/bin/sh", "-c", 'printf \'{"n":%s}\' "$1" > results.json', "sh", str(k)]


def proc_field(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1]
    except OSError:
        pass
    return None


def fd_map(pid):
    out = {}
    for f in os.listdir("/proc/%d/fd" % pid):
        try:
            out[f] = os.readlink("/proc/%d/fd/%s" % (pid, f))
        except OSError:
            pass
    return out


def cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Serve:
    """`corral serve` on pipes; requests from many threads, one reader."""

    def __init__(self, corral, state, env, cwd):
        self.p = subprocess.Popen([corral, "--state-dir", state, "serve"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env, cwd=cwd)
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiters = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            msg = json.loads(line)
            q = self.waiters.pop(msg.get("id"), None)
            if q is not None:
                q.put(msg)
        for q in list(self.waiters.values()):
            q.put(None)

    def call(self, method, params, timeout=120):
        q = queue.Queue()
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            self.waiters[rid] = q
            self.p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                            "params": params}) + "\n").encode())
            self.p.stdin.flush()
        msg = q.get(timeout=timeout)
        if msg is None:
            raise RuntimeError("serve closed its stdout")
        return msg

    def notify(self, method):
        with self.lock:
            self.p.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method}) + "\n").encode())
            self.p.stdin.flush()

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


class Window:
    """At most `size` jobs submitted and not yet ended, as a client that
    respects the governor's queue bound (tenant-max-queued, 1,000 by default:
    one more is refused with `queue full`) keeps it.  A poller thread reads
    the pending jobs' records."""

    def __init__(self, state, size):
        self.state, self.size = state, size
        self.pending = set()
        self.cv = threading.Condition()
        self.stop = False
        self.t = threading.Thread(target=self._poll, daemon=True)
        self.t.start()

    def _poll(self):
        while not self.stop:
            with self.cv:
                pend = list(self.pending)
            done = {j for j in pend
                    if load(os.path.join(self.state, "tenants", "default", "jobs", j,
                                         "job.json")).get("status") in TERMINAL}
            with self.cv:
                self.pending -= done
                self.cv.notify_all()
            time.sleep(0.2)

    def acquire(self):
        with self.cv:
            while len(self.pending) >= self.size:
                self.cv.wait(1)

    def add(self, jid):
        with self.cv:
            self.pending.add(jid)

    def close(self):
        self.stop = True


def split(n, s):
    return [list(range(i, n, s)) for i in range(s)]


def run_threads(parts, fn):
    errors = []

    def body(ks):
        for k in ks:
            try:
                fn(k)
            except Exception as e:  # reported, and the soak fails
                errors.append("job %d: %s" % (k, e))
    th = [threading.Thread(target=body, args=(ks,)) for ks in parts]
    for t in th:
        t.start()
    for t in th:
        t.join()
    return errors


def wait_terminal(state, ids, limit):
    t0 = time.monotonic()
    pending = dict(ids)
    while pending:
        pending = {jid: k for jid, k in pending.items()
                   if load(os.path.join(state, "tenants", "default", "jobs", jid,
                                        "job.json")).get("status") not in TERMINAL}
        if not pending:
            break
        if time.monotonic() - t0 > limit:
            return len(pending)
        time.sleep(0.2)
    return 0


def check_records(state, ids):
    bad = []
    for jid, k in ids.items():
        d = os.path.join(state, "tenants", "default", "jobs", jid)
        j = load(os.path.join(d, "job.json"))
        res = None
        for p in (os.path.join(d, "work", "results.json"), os.path.join(d, "results.json")):
            if os.path.exists(p):
                res = load(p)
                break
        if j.get("status") != "completed" or j.get("exit_code") != 0 or res != {"n": k}:
            bad.append("%s (job %d): status %s, exit_code %s, results %s" %
                       (jid, k, j.get("status"), j.get("exit_code"), res))
    return bad


def our_supervisors(state):
    tag = "__supervise --state-dir " + state + " "
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and tag in cmdline(p)]


def zombies_of(ppids):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                f = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if f[0] == "Z" and int(f[1]) in ppids:
            out.append(int(p))
    return out


def leaked_groups():
    out = []
    for p in benchcg.parent_dirs(PARENT):
        out += [os.path.join(p, d) for d in os.listdir(p) if os.path.isdir(os.path.join(p, d))]
    return sorted(set(out))


def held_uid_locks(state, serve_pid):
    """uid-pool lock files held by a process of this store (the pool is
    shared with anything else on the machine, which is not ours to judge)."""
    inodes = {}
    for p in glob.glob(os.path.join(UIDDIR, "*.lock")):
        try:
            inodes[os.stat(p).st_ino] = os.path.basename(p)
        except OSError:
            pass
    out = []
    with open("/proc/locks") as f:
        for line in f:
            parts = line.split()
            # "1: FLOCK  ADVISORY  WRITE 1234 00:19:5678 0 EOF" (may carry "->")
            if "->" in parts:
                parts.remove("->")
            try:
                pid = int(parts[4])
                ino = int(parts[5].split(":")[2])
            except (IndexError, ValueError):
                continue
            if ino in inodes and (pid == serve_pid or state in cmdline(pid)):
                out.append("%s held by %d" % (inodes[ino], pid))
    return out


def ledger_entries(state):
    try:
        with open(os.path.join(state, "governor", "ledger")) as f:
            return [l.strip() for l in f if l.strip() and not l.startswith("#")]
    except FileNotFoundError:
        return []


def temp_files(state):
    out = []
    for dp, _, fs in os.walk(state):
        out += [os.path.join(dp, f) for f in fs if f.endswith(".tmp")]
    return out


def cleanup(corral, state, env, tmp):
    for pid in our_supervisors(state):
        os.kill(pid, signal.SIGKILL)
    subprocess.run([corral, "--state-dir", state, "doctor"], env=env, capture_output=True)
    for d in leaked_groups():
        try:
            with open(os.path.join(d, "cgroup.procs")) as f:
                for pid in f.read().split():
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.1)
    benchcg.remove_parent(PARENT)
    shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--cli-jobs", type=int, default=None,
                    help="jobs through the CLI (default: --jobs; 0 runs the serve part only)")
    ap.add_argument("--submitters", type=int, default=8)
    ap.add_argument("--rss-at", type=int, default=1000)
    ap.add_argument("--window", type=int, default=500,
                    help="at most this many jobs submitted and not ended (below the queue bound)")
    ap.add_argument("--max-rss-growth", type=float, default=None,
                    help="fail when serve's RSS grows by more than this percentage")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("corral")
    a = ap.parse_args()
    corral = os.path.abspath(a.corral)
    n, s = a.jobs, a.submitters
    ncli = n if a.cli_jobs is None else a.cli_jobs
    rss_at = min(a.rss_at, max(1, n // 10))

    tmp = tempfile.mkdtemp(prefix="corral-soak.")
    os.chmod(tmp, 0o1777)
    state = os.path.join(tmp, "state")
    env = dict(os.environ, CORRAL_CGROUP_PARENT=PARENT)
    os.makedirs(os.path.join(state, "governor"))
    with open(os.path.join(state, "governor", "governor.conf"), "w") as f:
        f.write("cpu-threshold = 100\n")
    fails, fig = [], {"jobs": n, "submitters": s, "load_start": os.getloadavg()[0]}
    srv = None
    try:
        log("soak: %d jobs through serve, %d through the CLI, %d submitters; load %.2f" %
            (n, ncli, s, os.getloadavg()[0]))
        # --- serve ---
        srv = Serve(corral, state, env, tmp)
        srv.call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                "clientInfo": {"name": "soak", "version": "1"}})
        srv.notify("notifications/initialized")
        spid = srv.p.pid
        fds0 = fd_map(spid)
        fd0 = len(fds0)
        mcp_ids, lock = {}, threading.Lock()
        rss = {}

        win = Window(state, a.window)

        def mcp_submit(k):
            win.acquire()
            r = srv.call("tools/call", {"name": "submit_job",
                                        "arguments": {"command": job_cmd(k)}})
            sc = (r.get("result") or {}).get("structuredContent") or {}
            if "job_id" not in sc:
                raise RuntimeError("submit_job: %s" % json.dumps(r)[:300])
            win.add(sc["job_id"])
            with lock:
                mcp_ids[sc["job_id"]] = k
                if len(mcp_ids) == rss_at:
                    rss["at"] = int(proc_field(spid, "VmRSS"))
        t0 = time.monotonic()
        errs = run_threads(split(n, s), mcp_submit)
        t_sub = time.monotonic() - t0
        left = wait_terminal(state, mcp_ids, max(600, n * 0.5))
        t_all = time.monotonic() - t0
        # serve closes what it watched when it notices a job's end: allow it
        # up to 10 s to settle before calling a difference a leak.
        deadline = time.monotonic() + 10
        while True:
            fds1 = fd_map(spid)
            if len(fds1) == fd0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        fd1 = len(fds1)
        extra = sorted(t for f, t in fds1.items() if fds0.get(f) != t)
        rss["end"] = int(proc_field(spid, "VmRSS"))
        fig["serve"] = {"submit_s": round(t_sub, 1), "all_done_s": round(t_all, 1),
                        "jobs_per_s": round(n / t_all, 1), "fd_before": fd0, "fd_after": fd1,
                        "rss_kb_at_%d" % rss_at: rss.get("at"), "rss_kb_end": rss["end"]}
        growth = 100.0 * (rss["end"] - rss["at"]) / rss["at"] if rss.get("at") else None
        fig["serve"]["rss_growth_percent"] = None if growth is None else round(growth, 1)
        log("serve: %d submitted in %.1f s, all ended in %.1f s (%.1f jobs/s); fds %d -> %d; "
            "RSS %s kB at job %d, %d kB at the end (%s%%)" %
            (len(mcp_ids), t_sub, t_all, n / t_all, fd0, fd1, rss.get("at"), rss_at, rss["end"],
             "n/a" if growth is None else "%+.1f" % growth))
        fails += ["serve " + e for e in errs[:5]]
        if left:
            fails.append("serve: %d jobs not ended" % left)
        if fd1 != fd0:
            fails.append("serve: fd count %d before, %d after; new: %s" % (fd0, fd1, extra[:10]))
        if a.max_rss_growth is not None and growth is not None and growth > a.max_rss_growth:
            fails.append("serve: RSS grew %.1f%% (limit %.1f%%)" % (growth, a.max_rss_growth))
        z = zombies_of({spid})
        if z:
            fails.append("serve: %d zombie children %s" % (len(z), z[:5]))
        u = held_uid_locks(state, spid)
        if u:
            fails.append("serve: uid locks still held: %s" % u[:5])
        srv.close()
        srv = None

        # --- CLI ---
        cli_ids = {}

        def cli_submit(k):
            win.acquire()
            r = subprocess.run([corral, "--state-dir", state, "submit", "--"] + job_cmd(k),
                               capture_output=True, text=True, env=env, cwd=tmp)
            if r.returncode != 0:
                raise RuntimeError("corral submit: %s" % r.stderr.strip()[:300])
            win.add(r.stdout.split()[-1])
            with lock:
                cli_ids[r.stdout.split()[-1]] = k
        t0 = time.monotonic()
        errs = run_threads(split(ncli, s), cli_submit)
        t_sub = time.monotonic() - t0
        left = wait_terminal(state, cli_ids, max(600, n * 0.5))
        t_all = time.monotonic() - t0
        fig["cli"] = {"jobs": ncli, "submit_s": round(t_sub, 1), "all_done_s": round(t_all, 1),
                      "jobs_per_s": round(ncli / t_all, 1)}
        log("cli: %d submitted in %.1f s, all ended in %.1f s (%.1f jobs/s)" %
            (len(cli_ids), t_sub, t_all, ncli / t_all))
        fails += ["cli " + e for e in errs[:5]]
        if left:
            fails.append("cli: %d jobs not ended" % left)

        win.close()

        # --- what is left, both phases ---
        # A supervisor writes its record's end before it exits and releases
        # its group: allow a few seconds for the last ones to finish.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (our_supervisors(state) or leaked_groups()):
            time.sleep(0.2)
        checks = {
            "supervisors alive": our_supervisors(state),
            "cgroups left under %s" % PARENT: leaked_groups(),
            "zombie children of the soak": zombies_of({os.getpid()}),
            "uid locks held": held_uid_locks(state, -1),
            "ledger entries": ledger_entries(state),
            "temp files": temp_files(state),
            "records not true (serve)": check_records(state, mcp_ids),
            "records not true (cli)": check_records(state, cli_ids),
        }
        for what, v in checks.items():
            log("%-32s %d%s" % (what + ":", len(v), "" if not v else "  e.g. " + str(v[0])))
            fig[what] = len(v)
            if v:
                fails.append("%s: %d, e.g. %s" % (what, len(v), v[:3]))
        if len(mcp_ids) != n or len(cli_ids) != ncli:
            fails.append("job ids: %d from serve, %d from the CLI, %d and %d expected" %
                         (len(mcp_ids), len(cli_ids), n, ncli))
    finally:
        if srv is not None:
            srv.close()
        cleanup(corral, state, env, tmp)
        left = leaked_groups() + benchcg.parent_dirs(PARENT)
        if left:
            fails.append("cleanup left %s" % left)
    fig["load_end"] = os.getloadavg()[0]
    fig["fails"] = fails
    if a.json:
        with open(a.json, "w") as f:
            json.dump(fig, f, indent=1)
    for f in fails:
        log("FAIL " + f)
    log("soak: %s" % ("all checks passed" if not fails else "%d checks failed" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
