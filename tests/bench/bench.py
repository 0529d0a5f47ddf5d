#!/usr/bin/env python3
"""tests/bench/bench.py - corral's benchmarks (run through tests/bench/run.sh).

Measures, in one run and against baselines measured in the same run:
  1. launch      /bin/true through `corral run` (and per sandbox layer), bwrap,
                 firejail, against plain posix_spawn; submit -> done via the CLI
  2. protocol    `corral serve`: initialize (process start to reply) and a
                 request round trip, idle and under load (32 jobs writing flat out)
  3. footprint   serve RSS (empty store, 1,000 running jobs, 10,000 finished
                 jobs), supervisor RSS/PSS, start-up time with 10,000 jobs
  4. output      bytes/s a job writes to its log under corral vs to a file
  5. oom         kill -> outcome visible (job.json, `corral status`), and in
                 `corral run` kill -> exit
  6. store       (only with --only store) 100,000 finished jobs against an
                 empty store: serve start-up, status, list pages, MCP
                 list_jobs pages, gc, serve RSS (issue 18)

Timing loops that need microsecond precision are C programs next to this file
(spawnbench, mcplat); this script runs them, computes medians/p99/min/max and
ratios, prints a table and writes JSON.  Everything runs under a private
cgroup parent and a private state directory which are removed at the end,
whatever happens (supervisors and job groups of this run are killed first).
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------- statistics

def pct(sorted_v, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_v:
        return None
    k = max(0, min(len(sorted_v) - 1, int(round(p / 100.0 * len(sorted_v) + 0.5)) - 1))
    return sorted_v[k]


def summary(values, scale=1.0):
    """median, p99, min, max, n of values (each divided by scale)."""
    v = sorted(x / scale for x in values)
    if not v:
        return None
    return {"median": statistics.median(v), "p99": pct(v, 99), "min": v[0], "max": v[-1],
            "n": len(v)}


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


# ------------------------------------------------------------------- context

class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.build = os.path.abspath(args.build_dir)
        self.corral_bin = os.path.join(self.build, "corral")
        self.bin = os.path.join(self.build, "tests", "bench")
        self.tmp = tempfile.mkdtemp(prefix="corral-bench.")
        os.chmod(self.tmp, 0o1777)  # jobs run as uids of their own
        self.state = os.path.join(self.tmp, "state")
        self.parent = "corral-bench-%d" % os.getpid()
        os.environ["CORRAL_CGROUP_PARENT"] = self.parent
        # Helper programs, run from the build directory: jobs see the host's
        # file system read-only (but a private /tmp), so they must not live in /tmp.
        self.prog = {"outwrite": os.path.join(self.bin, "outwrite"),
                     "memhog": os.path.join(self.build, "tests", "progs", "memhog")}
        self.results = {}
        self.extra_groups = []  # groups the bench itself made (not corral)
        self.notes = []
        self.cleaned = False
        atexit.register(self.cleanup)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.cleanup()
        sys.exit(128 + signum)

    def log(self, msg):
        print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)

    def corral(self, *argv, state=None):
        return [self.corral_bin, "--state-dir", state or self.state] + list(argv)

    def run(self, argv, check=True, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.run(argv, text=True, **kw)
        if check and p.returncode != 0:
            raise RuntimeError("%s exited %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
        return p

    # ------------------------------------------------------------ cleanup

    def our_supervisors(self, state=None):
        """Supervisors started for a state directory of this run (their command
        line carries `__supervise --state-dir <dir>`)."""
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if b"__supervise" in cmd and b"--state-dir" in cmd:
                i = cmd.index(b"--state-dir")
                if i + 1 < len(cmd) and cmd[i + 1].decode(errors="replace").startswith(
                        state or self.tmp):
                    pids.append(int(d))
        return pids

    def parent_dirs(self):
        out = []
        for root in ["/sys/fs/cgroup"] + ["/sys/fs/cgroup/" + d for d in os.listdir("/sys/fs/cgroup")]:
            p = os.path.join(root, self.parent)
            if os.path.isdir(p):
                out.append(p)
        return out

    def kill_groups(self):
        """Kills every process in the job groups under our private parent and
        removes the groups, then the parent.  Only our parent is touched."""
        for _ in range(50):
            busy = False
            for p in self.parent_dirs():
                for g in os.listdir(p):
                    gd = os.path.join(p, g)
                    if not os.path.isdir(gd):
                        continue
                    busy = True
                    try:
                        with open(os.path.join(gd, "cgroup.kill"), "w") as f:
                            f.write("1")
                    except OSError:
                        pass
                    try:
                        with open(os.path.join(gd, "cgroup.procs")) as f:
                            for pid in f.read().split():
                                try:
                                    os.kill(int(pid), signal.SIGKILL)
                                except OSError:
                                    pass
                    except OSError:
                        pass
                    try:
                        os.rmdir(gd)
                    except OSError:
                        pass
            if not busy:
                break
            time.sleep(0.1)
        for p in self.parent_dirs():
            try:
                os.rmdir(p)
            except OSError as e:
                self.log("could not remove %s: %s" % (p, e))

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for pid in self.our_supervisors():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.kill_groups()
        for g in self.extra_groups:
            remove_group(g)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def clean_between(self):
        """Between measurements: no group of ours may be left (corral removes
        its job groups itself; this catches anything it did not)."""
        left = [g for p in self.parent_dirs() for g in os.listdir(p)
                if os.path.isdir(os.path.join(p, g))]
        if left:
            self.notes.append("job groups left behind by corral and removed by the bench: %d" % len(left))
            self.kill_groups()

    # ------------------------------------------------------------ tools

    def spawnbench(self, argv, runs, warmups, quiet=True):
        cmd = [os.path.join(self.bin, "spawnbench"), "-n", str(runs), "-w", str(warmups)]
        if quiet:
            cmd.append("-q")
        p = self.run(cmd + ["--"] + argv, cwd=self.tmp)
        return [int(x) for x in p.stdout.split()]

    def mcplat(self, serve_argv, runs, warmups, tool=None, tool_args="{}", gap_us=0):
        cmd = [os.path.join(self.bin, "mcplat"), "-n", str(runs), "-w", str(warmups), "-i", str(gap_us)]
        if tool:
            cmd += ["-t", tool, "-a", tool_args]
        p = self.run(cmd + ["--"] + serve_argv, cwd=self.tmp)
        init, rtt = None, []
        for line in p.stdout.splitlines():
            k, v = line.split()
            if k == "init":
                init = int(v)
            elif k == "rtt":
                rtt.append(int(v))
        return init, rtt

    def submit(self, *argv, state=None, extra=()):
        p = self.run(self.corral("submit", *extra, "--", *argv, state=state), cwd=self.tmp)
        return p.stdout.strip().splitlines()[-1].strip()

    def job_json_path(self, jid, state=None):
        return os.path.join(state or self.state, "tenants", "default", "jobs", jid, "job.json")

    def job(self, jid, state=None):
        try:
            with open(self.job_json_path(jid, state)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def wait_all(self, ids, want, timeout, state=None):
        """Waits until every job's status is in want (a set); returns the count."""
        end = time.time() + timeout
        while True:
            n = sum(1 for j in ids if (self.job(j, state) or {}).get("status") in want)
            if n == len(ids) or time.time() > end:
                return n
            time.sleep(0.05)

    def cancel_all(self, ids, state=None):
        procs = []
        for jid in ids:
            procs.append(subprocess.Popen(self.corral("cancel", jid, state=state),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            if len(procs) >= 8:
                procs.pop(0).wait()
        for p in procs:
            p.wait()
        terminal = {"completed", "failed", "oom_killed", "timed_out", "killed",
                    "seccomp_violation", "cancelled", "lost", "dependency_failed"}
        return self.wait_all(ids, terminal, 60, state)

    def serve_tools(self):
        """Names of the tools `corral serve` offers (the job tools land over time)."""
        c = McpClient(self.corral("serve"), self.tmp)
        try:
            c.initialize()
            r = c.request("tools/list", {})
            return [t["name"] for t in r["result"]["tools"]]
        finally:
            c.close()


def remove_group(g):
    """Kills what is left in a group the bench made, and removes it."""
    for _ in range(50):
        try:
            with open(os.path.join(g, "cgroup.procs")) as f:
                for pid in f.read().split():
                    os.kill(int(pid), signal.SIGKILL)
            os.rmdir(g)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)


class McpClient:
    """A plain MCP stdio client for the figures where microseconds do not matter
    (tool discovery, footprint)."""

    def __init__(self, argv, cwd):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, cwd=cwd)
        self.id = 0

    def send(self, msg):
        self.p.stdin.write((json.dumps(msg) + "\n").encode())
        self.p.stdin.flush()

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("corral serve closed its stdout")
            m = json.loads(line)
            if m.get("id") == self.id:
                return m

    def initialize(self):
        r = self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                        "clientInfo": {"name": "bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def call(self, tool, args):
        return self.request("tools/call", {"name": tool, "arguments": args})

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def mem_of(pid):
    """RSS (kB, /proc/PID/status VmRSS) and PSS (kB, /proc/PID/smaps_rollup) of a process."""
    rss = pss = None
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait


def cpu_busy(a, b):
    """Share of the machine's CPU time that was busy between two samples, in %."""
    total, idle = b[0] - a[0], b[1] - a[1]
    return 100.0 * (total - idle) / total if total else None


def mem_available_kb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return None


# ---------------------------------------------------------------- 1. launch

def bench_launch(b):
    runs, warm, rounds = (60, 5, 2) if b.quick else (300, 20, 3)
    c = b.corral_bin
    variants = [
        ("posix_spawn /bin/true", ["/bin/true"]),
        ("corral version (binary start only)", [c, "version"]),
        ("corral run (default sandbox)", [c, "run", "--", "/bin/true"]),
        ("corral run --mounts host", [c, "run", "--mounts", "host", "--", "/bin/true"]),
        ("corral run --uid 0", [c, "run", "--uid", "0", "--", "/bin/true"]),
        ("corral run --mounts host --uid 0", [c, "run", "--mounts", "host", "--uid", "0", "--", "/bin/true"]),
        ("corral run --network none", [c, "run", "--network", "none", "--", "/bin/true"]),
        ("bwrap --ro-bind / / --dev /dev --proc /proc", ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev",
                                                        "--proc", "/proc", "/bin/true"]),
        ("firejail --quiet --noprofile", ["firejail", "--quiet", "--noprofile", "/bin/true"]),
    ]
    samples = {name: [] for name, _ in variants}
    wall = {name: 0 for name, _ in variants}
    # Rounds interleave the variants, so a burst of load from elsewhere on the
    # machine spreads over all of them instead of skewing one.
    for rnd in range(rounds):
        for name, argv in variants:
            exe = shutil.which(argv[0])
            if exe is None:
                b.notes.append("launch %s: %s is not installed" % (name, argv[0]))
                continue
            argv = [exe] + argv[1:]
            b.log("launch: %s (round %d/%d)" % (name, rnd + 1, rounds))
            try:
                t = b.spawnbench(argv, runs // rounds, warm)
            except RuntimeError as e:
                b.notes.append("launch %s failed: %s" % (name, e))
                continue
            samples[name] += t
            b.clean_between()
    out = []
    base = summary(samples[variants[0][0]], 1e6)
    for name, _ in variants:
        s = summary(samples[name], 1e6)
        if s is None:
            out.append({"name": name, "ms": None})
            continue
        out.append({"name": name, "ms": s, "jobs_per_s": 1000.0 / statistics.mean(
            [x / 1e6 for x in samples[name]]), "ratio_median": ratio(s["median"], base["median"]),
            "ratio_p99": ratio(s["p99"], base["p99"])})

    # In-process: runner_run() as a supervisor calls it, against posix_spawn
    # from the same process, alternating run by run (runnerbench).
    for label, extra in (("default sandbox", []), ("--mounts host --uid 0", ["--mounts", "host", "--uid", "0"])):
        b.log("launch: runner_run in-process (%s)" % label)
        try:
            p = b.run([os.path.join(b.bin, "runnerbench"), "-n", str(runs), "-w", str(warm)] + extra, cwd=b.tmp)
        except RuntimeError as e:
            b.notes.append("runnerbench failed: %s" % e)
            continue
        sp = [int(l.split()[1]) for l in p.stdout.splitlines() if l.startswith("spawn ")]
        rn = [int(l.split()[1]) for l in p.stdout.splitlines() if l.startswith("runner ")]
        ssp, srn = summary(sp, 1e6), summary(rn, 1e6)
        if label == "default sandbox":
            out.append({"name": "in-process posix_spawn /bin/true (runnerbench's own baseline)", "ms": ssp,
                        "jobs_per_s": 1000.0 / statistics.mean([x / 1e6 for x in sp]), "ratio_median": 1.0,
                        "ratio_p99": 1.0})
        out.append({"name": "in-process runner_run, %s (what a supervisor pays)" % label, "ms": srn,
                    "jobs_per_s": 1000.0 / statistics.mean([x / 1e6 for x in rn]),
                    "ratio_median": ratio(srn["median"], ssp["median"]), "ratio_p99": ratio(srn["p99"], ssp["p99"])})
        b.clean_between()

    # submit -> done through the CLI: `corral submit` then `corral wait`, and
    # from the record: created_at -> started_at (the supervisor's part).
    n = 8 if b.quick else 30
    e2e, to_start = [], []
    b.submit("/bin/true", extra=["--max-concurrent", "64", "--cpu-threshold", "100"])  # warm-up + policy
    for i in range(n):
        t0 = time.perf_counter()
        jid = b.submit("/bin/true")
        b.run(b.corral("wait", jid), cwd=b.tmp)
        e2e.append((time.perf_counter() - t0) * 1e3)
        j = b.job(jid)
        if j and j.get("started_at") and j.get("created_at"):
            to_start.append(iso_ms(j["started_at"]) - iso_ms(j["created_at"]))
    b.clean_between()
    s = summary(e2e)
    out.append({"name": "corral submit + corral wait (CLI, /bin/true)", "ms": s,
                "jobs_per_s": 1000.0 / statistics.mean(e2e), "ratio_median": ratio(s["median"], base["median"]),
                "ratio_p99": ratio(s["p99"], base["p99"])})
    s2 = summary(to_start)
    out.append({"name": "  of which created_at -> started_at (job.json, ms resolution)", "ms": s2,
                "jobs_per_s": None, "ratio_median": ratio(s2["median"], base["median"]) if s2 else None,
                "ratio_p99": None})
    b.results["launch"] = out


def iso_ms(s):
    """job.json time ("2026-11-26T17:20:01.130Z") -> milliseconds since the epoch."""
    dt = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp() * 1e3


# ------------------------------------------------------------- 2. protocol

def bench_protocol(b, tools):
    runs, warm = (300, 30) if b.quick else (3000, 100)
    inits = 5 if b.quick else 25
    out = {}
    serve = b.corral("serve")
    init_t = []
    for _ in range(inits):
        t, _ = b.mcplat(serve, 0, 0)
        init_t.append(t)
    out["initialize_ms"] = summary(init_t, 1e6)
    # The cheap request: job_status of a finished job when the server has the
    # job tools, else ping (the same path through framing, parsing, dispatch
    # and writing, without a store read).
    tool, args = None, "{}"
    if "job_status" in tools:
        jid = b.submit("/bin/true")
        b.run(b.corral("wait", jid), cwd=b.tmp)
        tool, args = "job_status", json.dumps({"job_id": jid})
    out["request"] = "tools/call job_status" if tool else "ping"
    # Back to back (the server's own cost) and spaced by 1 ms (a polling
    # client: the server is asleep when each request arrives).
    _, rtt = b.mcplat(serve, runs, warm, tool, args)
    out["idle_b2b_ms"] = summary(rtt, 1e6)
    cpu0 = cpu_times()
    _, rtt = b.mcplat(serve, runs, warm, tool, args, gap_us=1000)
    out["idle_ms"] = summary(rtt, 1e6)
    out["cpu_busy_idle"] = cpu_busy(cpu0, cpu_times())

    # Under load: 32 jobs writing to their logs flat out (each at full CPU:
    # the machine has far fewer cores), then the same round trips.
    njobs = 32
    secs = 40 if not b.quick else 20
    b.log("protocol: starting %d jobs writing flat out" % njobs)
    ids = [b.submit(b.prog["outwrite"], "--flood", str(secs),
                    extra=["--max-concurrent", "64", "--cpu-threshold", "100"]) for _ in range(njobs)]
    running = b.wait_all(ids, {"running"}, 20)
    out["load_jobs_running"] = running
    time.sleep(1)
    cpu0 = cpu_times()
    _, rtt = b.mcplat(serve, runs, warm, tool, args, gap_us=1000)
    out["cpu_busy_load"] = cpu_busy(cpu0, cpu_times())
    out["load_ms"] = summary(rtt, 1e6)
    _, rtt = b.mcplat(serve, runs, warm, tool, args)
    out["load_b2b_ms"] = summary(rtt, 1e6)
    out["load_jobs_still_running"] = sum(1 for j in ids if (b.job(j) or {}).get("status") == "running")
    b.cancel_all(ids)
    b.clean_between()
    b.results["protocol"] = out


# ------------------------------------------------------------ 3. footprint

def serve_mem(b, state, tools):
    """RSS/PSS of a `corral serve` after initialize (and, when the server has
    it, after listing the store once)."""
    c = McpClient(b.corral("serve", state=state), b.tmp)
    try:
        c.initialize()
        c.request("ping", {})
        idle = mem_of(c.p.pid)
        listed = None
        if "list_jobs" in tools:
            c.call("list_jobs", {})
            listed = mem_of(c.p.pid)
        return idle, listed
    finally:
        c.close()


def bench_footprint(b, tools):
    out = {}
    idle, _ = serve_mem(b, b.state, tools)
    out["serve_idle_kb"] = {"rss": idle[0], "pss": idle[1]}

    # 10,000 finished jobs, made through the store API (cached in the build
    # directory: generating costs ~10 s and the records never change).
    nstore = 10000
    store10k = os.path.join(b.build, "bench-store-%d" % nstore)
    marker = os.path.join(store10k, ".complete")
    if not os.path.exists(marker):
        shutil.rmtree(store10k, ignore_errors=True)
        b.log("footprint: generating %d finished jobs (cached for later runs)" % nstore)
        b.run([os.path.join(b.bin, "storegen"), store10k, str(nstore)])
        open(marker, "w").close()
    idle10k, listed10k = serve_mem(b, store10k, tools)
    out["serve_10k_kb"] = {"rss": idle10k[0], "pss": idle10k[1]}
    if listed10k:
        out["serve_10k_after_list_jobs_kb"] = {"rss": listed10k[0], "pss": listed10k[1]}
    k = 3 if b.quick else 10
    init10k = [b.mcplat(b.corral("serve", state=store10k), 0, 0)[0] for _ in range(k)]
    init0 = [b.mcplat(b.corral("serve"), 0, 0)[0] for _ in range(k)]
    out["serve_start_10k_ms"] = summary(init10k, 1e6)
    out["serve_start_empty_ms"] = summary(init0, 1e6)
    list10k = b.spawnbench(b.corral("list", state=store10k), k, 1)
    list10kj = b.spawnbench(b.corral("list", "--json", state=store10k), k, 1)
    out["list_10k_ms"] = summary(list10k, 1e6)
    out["list_json_10k_ms"] = summary(list10kj, 1e6)
    some = sorted(os.listdir(os.path.join(store10k, "tenants", "default", "jobs")))[-1]
    out["status_10k_ms"] = summary(b.spawnbench(b.corral("status", some, "--json", state=store10k), k, 1), 1e6)
    empty = os.path.join(b.tmp, "state-one")
    jid = b.submit("/bin/true", state=empty)
    b.run(b.corral("wait", jid, state=empty), cwd=b.tmp)
    out["status_1_ms"] = summary(b.spawnbench(b.corral("status", jid, "--json", state=empty), k, 1), 1e6)

    # Running jobs: sleepers through `corral submit`.
    # Each running job holds one uid of the shared pool (60000-60999) until it
    # is cancelled: while 1,000 sleepers run, other corral users on the host
    # get no uid.  --sleepers lowers the number on a shared machine.
    nrun = b.args.sleepers or (50 if b.quick else 1000)
    avail0 = mem_available_kb()
    b.log("footprint: submitting %d sleepers" % nrun)
    t0 = time.perf_counter()
    ids = []
    extra = ["--max-concurrent", "2000", "--cpu-threshold", "100", "--queue-limit", "2000"]
    per = []
    for i in range(nrun):
        t1 = time.perf_counter()
        ids.append(b.submit("sleep", "3600", extra=extra if i == 0 else []))
        per.append((time.perf_counter() - t1) * 1e3)
    submit_s = time.perf_counter() - t0
    k = max(1, nrun // 20)
    out["submit_first_ms"] = summary(per[:k])
    out["submit_last_ms"] = summary(per[-k:])
    running = b.wait_all(ids, {"running"}, 120)
    out["running_jobs"] = {"asked": nrun, "running": running, "submit_per_s": nrun / submit_s}
    time.sleep(1)
    avail1 = mem_available_kb()
    sup, job = [], []
    for jid in ids:
        j = b.job(jid) or {}
        if j.get("status") != "running":
            continue
        s = (j.get("supervisor") or {}).get("pid")
        if s:
            sup.append(mem_of(s))
        if j.get("pid"):
            job.append(mem_of(j["pid"]))
    sup = [m for m in sup if m[0] is not None]
    job = [m for m in job if m[0] is not None]
    out["supervisor_kb"] = {"rss": summary([m[0] for m in sup]), "pss": summary([m[1] for m in sup])}
    out["sleeper_kb"] = {"rss": summary([m[0] for m in job]), "pss": summary([m[1] for m in job])}
    if avail0 and avail1 and running:
        out["mem_available_drop_per_job_kb"] = (avail0 - avail1) / running
    idle_r, listed_r = serve_mem(b, b.state, tools)
    out["serve_running_kb"] = {"rss": idle_r[0], "pss": idle_r[1]}
    if listed_r:
        out["serve_running_after_list_jobs_kb"] = {"rss": listed_r[0], "pss": listed_r[1]}
    b.log("footprint: cancelling %d sleepers" % nrun)
    t0 = time.perf_counter()
    b.cancel_all(ids)
    out["cancel_all_s"] = time.perf_counter() - t0
    b.clean_between()
    b.results["footprint"] = out


# ---------------------------------------------------------------- 6. store

def store_cursor(store, jid):
    """list_jobs's cursor for the position of job jid (store-list.h's format),
    read from the store's index."""
    import sqlite3
    db = sqlite3.connect(os.path.join(store, "tenants", "default", "index.sqlite"))
    try:
        created = db.execute("SELECT created_at FROM jobs WHERE id=?", (jid,)).fetchone()[0]
    finally:
        db.close()
    return "1.%d.%s" % (created, jid)


def cli_cpu_ms(argv, cwd):
    """Wall and CPU (user + system, from wait4) milliseconds of one command."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, _, ru = os.wait4(p.pid, 0)
    return (time.perf_counter_ns() - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3


def peak_rss_kb(argv, cwd):
    """Peak RSS (KiB) of one command, through GNU time: wait4's ru_maxrss of
    a child spawned from here starts at this Python's own RSS (the mm the exec
    replaced), which would hide a command smaller than the bench."""
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", f.name] + argv, cwd=cwd, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(f.read().split()[-1])


def on_cpu_ns(pid):
    """Nanoseconds a process has run on a CPU (/proc/PID/schedstat)."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def serve_cpu_ms(b, store, calls=0, args=None):
    """CPU milliseconds of `corral serve` up to its initialize reply; with
    calls, the CPU per list_jobs call (args) instead."""
    c = McpClient(b.corral("serve", state=store), b.tmp)
    try:
        c.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "1"}})
        start = on_cpu_ns(c.p.pid)
        if not calls:
            return start / 1e6
        c.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        for _ in range(3):
            c.call("list_jobs", args)
        t0 = on_cpu_ns(c.p.pid)
        for _ in range(calls):
            c.call("list_jobs", args)
        return (on_cpu_ns(c.p.pid) - t0) / 1e6 / calls
    finally:
        c.close()


def bench_store(b):
    """Issue 18: the costs of a store with 100,000 finished jobs against an
    empty one and one of two pages (100 jobs), in the same run, interleaved
    (this machine is shared: CPU time, from wait4 and schedstat, is reported
    beside the wall time)."""
    n = 20000 if b.quick else 100000
    real = 200

    def gen(path, count, k):
        marker = os.path.join(path, ".complete-v2")
        if not os.path.exists(marker):
            shutil.rmtree(path, ignore_errors=True)
            b.log("store: generating %d finished jobs (%d through the store API, the rest "
                  "clones of them; cached for later runs)" % (count, k))
            t0 = time.time()
            b.run([os.path.join(b.bin, "storegen"), path, str(count), "--real", str(k)])
            b.log("store: generated in %.0f s" % (time.time() - t0))
            open(marker, "w").close()

    big = os.path.join(b.build, "bench-store-%d-real%d" % (n, real))
    gen(big, n, real)
    page = os.path.join(b.build, "bench-store-100")
    gen(page, 100, 100)
    empty = os.path.join(b.tmp, "state-store-empty")
    one = b.submit("/bin/true", state=empty)
    b.run(b.corral("wait", one, state=empty), cwd=b.tmp)

    def middle(store, count):
        # A job in the middle of the history (by time), for status and later pages.
        out = b.run(b.corral("list", "--limit", str(max(1, count // 2)), state=store), cwd=b.tmp)
        return out.stdout.split("\n")[0].split()[0]
    stores = [("empty", empty, one), ("page", page, middle(page, 100)), ("big", big, middle(big, n))]
    for _, st, _ in stores:  # each store's own first command of this boot
        b.run(b.corral("list", "--limit", "1", state=st), cwd=b.tmp)
    out = {"jobs": n, "made_by": "storegen %d --real %d: %d jobs through the store API "
           "(create + final save), %d clones of them with fresh ids and times (same job.json, "
           "directory, lock file, log and index row; no fsync)" % (n, real, real, n - real),
           "baselines": "empty: one finished job; pages: 100 finished jobs (two full pages: "
           "the same page sizes as the big store)"}

    # The first command of a boot walks jobs/ once (store-index.c): measured
    # by making the index's boot id another boot's before each run.
    def first_of_boot(store):
        import sqlite3
        t = []
        for _ in range(3 if b.quick else 5):
            db = sqlite3.connect(os.path.join(store, "tenants", "default", "index.sqlite"))
            db.execute("UPDATE meta SET value='another-boot' WHERE key='boot_id'")
            db.commit()
            db.close()
            t.append(cli_cpu_ms(b.corral("list", "--limit", "50", state=store), b.tmp)[0])
        return t
    out["first_command_of_boot_ms"] = {w: summary(first_of_boot(st)) for w, st, _ in stores}

    rounds = 3 if b.quick else 6
    per = 5 if b.quick else 10
    cli = [("corral status ID", lambda st, jid: ["status", jid]),
           ("corral list --limit 50", lambda st, jid: ["list", "--limit", "50"]),
           ("corral list --limit 50 --before ID (a later page)",
            lambda st, jid: ["list", "--limit", "50", "--before", jid]),
           ("corral gc (removes nothing; recovery first)", lambda st, jid: ["gc"]),
           ("corral gc --disk-budget 1T (removes nothing)",
            lambda st, jid: ["gc", "--disk-budget", "1T"]),
           # A scrape and a frame: the live jobs' cost, not the history's
           # (both sample the host's CPU for 0.25 s: CPU time is the measure).
           ("corral metrics", lambda st, jid: ["metrics"]),
           ("corral top --once", lambda st, jid: ["top", "--once"])]
    mcp = [("serve start-up to initialize reply (recovery included)", None, None),
           ("MCP list_jobs first page (limit 50)", "list_jobs", lambda st, jid: {"limit": 50}),
           ("MCP list_jobs later page (cursor mid-history)", "list_jobs",
            lambda st, jid: {"limit": 50, "cursor": store_cursor(st, jid)})]
    names = [x[0] for x in cli] + [x[0] for x in mcp]
    wall = {name: {w: [] for w, _, _ in stores} for name in names}
    cpu = {name: {w: [] for w, _, _ in stores} for name in names}
    rss = {name: {w: [] for w, _, _ in stores} for name, _ in cli}  # KiB, first round
    for r in range(rounds):
        for which, st, jid in stores:
            for name, argv in cli:
                wall[name][which] += [x / 1e6 for x in b.spawnbench(b.corral(*argv(st, jid), state=st), per, 1)]
                cpu[name][which] += [cli_cpu_ms(b.corral(*argv(st, jid), state=st), b.tmp)[1]
                                     for _ in range(max(2, per // 2))]
                if r == 0:
                    rss[name][which] += [peak_rss_kb(b.corral(*argv(st, jid), state=st), b.tmp)
                                         for _ in range(3)]
            for name, tool, args in mcp:
                if tool is None:
                    for _ in range(max(2, per // 2)):
                        wall[name][which].append(b.mcplat(b.corral("serve", state=st), 0, 0)[0] / 1e6)
                        cpu[name][which].append(serve_cpu_ms(b, st))
                else:
                    a = args(st, jid)
                    wall[name][which] += [x / 1e6 for x in b.mcplat(b.corral("serve", state=st), per * 2, 2,
                                                                    tool=tool, tool_args=json.dumps(a))[1]]
                    cpu[name][which].append(serve_cpu_ms(b, st, per * 2, a))
    out["commands"] = {}
    for name in names:
        v = {}
        for w, _, _ in stores:
            v["wall_" + w] = summary(wall[name][w])
            v["cpu_" + w] = summary(cpu[name][w])
            if name in rss:
                v["max_rss_kb_" + w] = summary(rss[name][w])
        for base in ("empty", "page"):
            v["ratio_wall_vs_" + base] = ratio(v["wall_big"]["median"], v["wall_" + base]["median"])
            v["ratio_cpu_vs_" + base] = ratio(v["cpu_big"]["median"], v["cpu_" + base]["median"])
        out["commands"][name] = v

    # serve's memory: after initialize and after 50 list_jobs pages.
    def serve_rss(store, jid):
        c = McpClient(b.corral("serve", state=store), b.tmp)
        try:
            c.initialize()
            idle = mem_of(c.p.pid)[0]
            cur = None
            for i in range(50):
                args = {"limit": 50}
                if i % 2:
                    args["cursor"] = store_cursor(store, jid)
                elif cur:
                    args["cursor"] = cur
                res = c.call("list_jobs", args)
                cur = res.get("result", {}).get("structuredContent", {}).get("next_cursor")
            return {"idle": idle, "after_list_jobs": mem_of(c.p.pid)[0]}
        finally:
            c.close()
    out["serve_rss_kb"] = {w: serve_rss(st, jid) for w, st, jid in stores}

    k = "%dk" % (n // 1000)
    lines = ["", "store: %d finished jobs (%s); %s" % (n, out["made_by"], out["baselines"]),
             "medians, ms: wall (CPU)             %16s %16s %16s   %s / empty  %s / pages" % ("empty", "pages (100)", k, k, k)]

    def cell(s_):
        return "%7.2f" % s_["median"] if s_ else "      -"
    f = out["first_command_of_boot_ms"]
    lines.append("%-50s %16s %16s %16s   %5.1fx" % ("first command of a boot (walks jobs/ once)",
                 cell(f["empty"]), cell(f["page"]), cell(f["big"]), f["big"]["median"] / f["empty"]["median"]))
    for name, v in out["commands"].items():
        lines.append("%-50s %7.2f (%6.2f) %7.2f (%6.2f) %7.2f (%6.2f)   %4.2fx (%4.2fx) %4.2fx (%4.2fx)" % (
            name, v["wall_empty"]["median"], v["cpu_empty"]["median"], v["wall_page"]["median"],
            v["cpu_page"]["median"], v["wall_big"]["median"], v["cpu_big"]["median"],
            v["ratio_wall_vs_empty"], v["ratio_cpu_vs_empty"], v["ratio_wall_vs_page"], v["ratio_cpu_vs_page"]))
    for name, v in out["commands"].items():
        if "max_rss_kb_big" in v:
            lines.append("%-50s %13d kB %13d kB %13d kB   %5.2fx" % (
                "peak RSS: " + name, v["max_rss_kb_empty"]["median"], v["max_rss_kb_page"]["median"],
                v["max_rss_kb_big"]["median"], v["max_rss_kb_big"]["median"] / v["max_rss_kb_empty"]["median"]))
    m = out["serve_rss_kb"]
    lines.append("%-50s %13d kB %13d kB %13d kB   %5.2fx" % (
        "serve RSS after 50 list_jobs pages", m["empty"]["after_list_jobs"], m["page"]["after_list_jobs"],
        m["big"]["after_list_jobs"], m["big"]["after_list_jobs"] / m["empty"]["after_list_jobs"]))
    lines.append("%-50s %13d kB %13d kB %13d kB" % ("serve RSS after initialize", m["empty"]["idle"],
                 m["page"]["idle"], m["big"]["idle"]))
    print("\n".join(lines), flush=True)
    b.results["store"] = out


# ---------------------------------------------------------------- 4. output

def read_outwrite(text):
    m = re.search(r"^(\d+) (\d+)$", text, re.M)
    if not m:
        return None
    return int(m.group(1)) / (int(m.group(2)) / 1e9)


def bench_output(b):
    size = (256 if b.quick else 512) * 1024 * 1024
    reps = 2 if b.quick else 6
    ow = b.prog["outwrite"]

    def direct():
        f = os.path.join(b.tmp, "direct.out")
        with open(f, "w") as fo:
            p = b.run([ow, str(size)], stdout=fo)
        os.unlink(f)
        return read_outwrite(p.stderr)

    # The same writer moved into a fresh memory cgroup of its own (no limit):
    # page-cache charging walks the writer's cgroup ancestry, so a writer in
    # this session's busy cgroup pays for contention corral's jobs never see.
    root = "/sys/fs/cgroup/memory" if os.path.isdir("/sys/fs/cgroup/memory") else "/sys/fs/cgroup"
    fresh = os.path.join(root, b.parent + "-baseline")  # outside corral's parent
    os.makedirs(fresh, exist_ok=True)
    b.extra_groups.append(fresh)

    def direct_fresh():
        f = os.path.join(b.tmp, "fresh.out")
        with open(f, "w") as fo:
            p = b.run(["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$1" "$2"', fresh, ow, str(size)],
                      stdout=fo)
        os.unlink(f)
        return read_outwrite(p.stderr)

    def run():
        f = os.path.join(b.tmp, "run.out")
        with open(f, "w") as fo:
            p = b.run([b.corral_bin, "run", "--", ow, str(size)], stdout=fo)
        os.unlink(f)
        return read_outwrite(p.stderr)

    def submit(extra):
        jid = b.submit(ow, str(size), extra=extra)
        b.run(b.corral("wait", jid), check=False)
        d = os.path.dirname(b.job_json_path(jid))
        with open(os.path.join(d, "stderr.log")) as fe:
            v = read_outwrite(fe.read())
        os.unlink(os.path.join(d, "stdout.log"))
        return v

    variants = [("direct_mib_s", direct_fresh), ("direct_own_cgroup_mib_s", direct), ("corral_run_stdout_file_mib_s", run),
                ("corral_submit_log_mib_s", lambda: submit([])),
                ("corral_submit_log_memory_256M_mib_s", lambda: submit(["--memory", "256M"]))]
    got = {k: [] for k, _ in variants}
    # Round 0 is a warm-up (page cache, first touch of the file system) and is
    # not counted; the order rotates each round, and each writer starts with
    # no dirty pages left by the previous one.
    for i in range(reps + 1):
        b.log("output: round %d/%d" % (i, reps))
        for k, fn in variants[i % 5:] + variants[:i % 5]:
            os.sync()
            v = fn()
            if i > 0 and v:
                got[k].append(v)
        b.clean_between()
    remove_group(fresh)
    mib = 1024 * 1024
    base = summary(got["direct_mib_s"], mib)
    out = {"bytes": size, "direct_mib_s": base}
    for k, _ in variants[1:]:
        s = summary(got[k], mib)
        out[k] = s
        out[k.replace("_mib_s", "_ratio")] = ratio(s["median"], base["median"]) if s and base else None
    b.results["output"] = out


# ------------------------------------------------------------------- 5. oom

def job_child(pid, timeout=5):
    """The first child of pid (the job `corral run` cloned)."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                c = f.read().split()
            if c:
                return int(c[0])
        except OSError:
            return None
        time.sleep(0.001)
    return None


def wait_pidfd(pid, timeout=10):
    """Waits for pid to die; returns the monotonic time it was seen dead."""
    fd = os.pidfd_open(pid)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        if not p.poll(timeout * 1000):
            return None
        return time.perf_counter()
    finally:
        os.close(fd)


def bench_oom(b):
    n = 3 if b.quick else 10
    hog = ["sh", "-c", "sleep 0.5; exec %s 200" % b.prog["memhog"]]
    run_lat, rec_lat, cli_lat = [], [], []
    for i in range(n):
        # corral run: kill -> corral run exits.
        p = subprocess.Popen([b.corral_bin, "run", "--memory", "32M", "--"] + hog,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=b.tmp)
        child = job_child(p.pid)
        t_dead = wait_pidfd(child) if child else None
        p.wait()
        t_exit = time.perf_counter()
        err = p.stderr.read().decode()
        p.stderr.close()
        if t_dead and '"oom_killed"' in err:
            run_lat.append((t_exit - t_dead) * 1e3)
        # corral submit: kill -> job.json says oom_killed (polled every 0.2 ms),
        # and kill -> `corral status --json` says so (polled back to back).
        jid = b.submit(*hog, extra=["--memory", "32M"])
        pid = None
        end = time.time() + 10
        while time.time() < end and not pid:
            pid = (b.job(jid) or {}).get("pid")
            time.sleep(0.005)
        if not pid:
            continue
        t_dead = wait_pidfd(pid)
        if t_dead is None:
            continue
        if i % 2 == 0:
            while (b.job(jid) or {}).get("status") != "oom_killed":
                if time.perf_counter() - t_dead > 10:
                    break
                time.sleep(0.0002)
            rec_lat.append((time.perf_counter() - t_dead) * 1e3)
        else:
            while True:
                r = b.run(b.corral("status", jid, "--json"), check=False)
                if '"oom_killed"' in r.stdout or time.perf_counter() - t_dead > 10:
                    break
            cli_lat.append((time.perf_counter() - t_dead) * 1e3)
        b.run(b.corral("wait", jid), check=False)
        b.clean_between()
    b.results["oom"] = {"run_kill_to_exit_ms": summary(run_lat),
                        "submit_kill_to_job_json_ms": summary(rec_lat),
                        "submit_kill_to_status_cli_ms": summary(cli_lat)}


# ------------------------------------------------------------------ report

def machine():
    m = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            m["mem_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
        with open("/etc/debian_version") as f:
            m["debian"] = f.read().strip()
    except OSError:
        pass
    m["cgroup"] = "hybrid (v1 controllers)" if os.path.isdir("/sys/fs/cgroup/memory") else "v2"
    return m


def fmt(x, nd=2):
    if x is None:
        return "-"
    if isinstance(x, float):
        if abs(x) >= 100:
            return "%.0f" % x
        return ("%." + str(nd) + "f") % x
    return str(x)


def fs(s, nd=2):
    """median [min-max] p99 of a summary."""
    if not s:
        return "-"
    return "%s (min %s, max %s, p99 %s)" % (fmt(s["median"], nd), fmt(s["min"], nd), fmt(s["max"], nd),
                                           fmt(s["p99"], nd))


def table(r):
    L = []
    m = r["machine"]
    L.append("Machine: %s, %s CPUs, %s GiB, kernel %s, Debian %s, cgroup %s; load average %s at start, %s at end; "
             "%s; %s mode." % (m.get("cpu"), m.get("cpus"), m.get("mem_gib"), m.get("kernel"), m.get("debian"),
                               m.get("cgroup"), fmt(r["loadavg_start"]), fmt(r["loadavg_end"]), r["date"],
                               "quick" if r["quick"] else "full"))
    L.append("")
    if "launch" in r:
        L.append("### 1. Launch (/bin/true, spawn to reaped; ratio against posix_spawn in the same run)")
        L.append("")
        L.append("| what | median ms | p99 ms | min ms | max ms | jobs/s | x posix_spawn (median) | x (p99) |")
        L.append("|---|---|---|---|---|---|---|---|")
        for v in r["launch"]:
            s = v["ms"] or {}
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                v["name"], fmt(s.get("median"), 3), fmt(s.get("p99"), 3), fmt(s.get("min"), 3),
                fmt(s.get("max"), 3), fmt(v.get("jobs_per_s"), 0), fmt(v.get("ratio_median"), 1),
                fmt(v.get("ratio_p99"), 1)))
        L.append("")
    if "protocol" in r:
        p = r["protocol"]
        L.append("### 2. Protocol (`corral serve`; request: %s)" % p["request"])
        L.append("")
        L.append("| what | median ms | p99 ms | min ms | max ms |")
        L.append("|---|---|---|---|---|")
        for k, name in (("initialize_ms", "initialize (process start to reply)"),
                        ("idle_b2b_ms", "round trip, idle, back to back"),
                        ("idle_ms", "round trip, idle, one every 1 ms (CPU %s%% busy)" % fmt(
                            p.get("cpu_busy_idle"), 0)),
                        ("load_ms", "round trip, %s jobs writing flat out, one every 1 ms (CPU %s%% busy)" % (
                            p.get("load_jobs_running"), fmt(p.get("cpu_busy_load"), 0))),
                        ("load_b2b_ms", "round trip, the same load, back to back")):
            s = p.get(k) or {}
            L.append("| %s | %s | %s | %s | %s |" % (name, fmt(s.get("median"), 3), fmt(s.get("p99"), 3),
                                                    fmt(s.get("min"), 3), fmt(s.get("max"), 3)))
        L.append("")
    if "footprint" in r:
        f = r["footprint"]
        L.append("### 3. Footprint (RSS = VmRSS; PSS = smaps_rollup Pss, shared pages divided among sharers; KiB)")
        L.append("")
        L.append("| what | RSS KiB | PSS KiB |")
        L.append("|---|---|---|")
        for k, name in (("serve_idle_kb", "corral serve, empty store, after initialize"),
                        ("serve_10k_kb", "corral serve, 10,000 finished jobs in the store"),
                        ("serve_10k_after_list_jobs_kb", "  the same after list_jobs"),
                        ("serve_running_kb", "corral serve, %s running jobs" % (
                            (f.get("running_jobs") or {}).get("running"))),
                        ("serve_running_after_list_jobs_kb", "  the same after list_jobs")):
            if k in f:
                L.append("| %s | %s | %s |" % (name, fmt(f[k]["rss"]), fmt(f[k]["pss"])))
        for k, name in (("supervisor_kb", "one supervisor (median over the running jobs)"),
                        ("sleeper_kb", "one job (`sleep`, median)")):
            s = f.get(k) or {}
            L.append("| %s | %s | %s |" % (name, fmt((s.get("rss") or {}).get("median")),
                                         fmt((s.get("pss") or {}).get("median"))))
        if f.get("mem_available_drop_per_job_kb") is not None:
            L.append("| MemAvailable drop per running job (all-in: supervisor, job, cgroups, kernel; noisy) | %s | |"
                     % fmt(f["mem_available_drop_per_job_kb"]))
        L.append("")
        L.append("| start-up | median ms | min ms | max ms |")
        L.append("|---|---|---|---|")
        for k, name in (("serve_start_empty_ms", "corral serve to initialize reply, empty store"),
                        ("serve_start_10k_ms", "corral serve to initialize reply, 10,000 jobs"),
                        ("list_10k_ms", "corral list, 10,000 jobs"),
                        ("list_json_10k_ms", "corral list --json, 10,000 jobs"),
                        ("status_1_ms", "corral status ID --json, 1 job in the store"),
                        ("status_10k_ms", "corral status ID --json, 10,000 jobs in the store"),
                        ("submit_first_ms", "corral submit, the first 5% of the sleepers"),
                        ("submit_last_ms", "corral submit, the last 5% (most jobs already running)")):
            s = f.get(k) or {}
            L.append("| %s | %s | %s | %s |" % (name, fmt(s.get("median"), 1), fmt(s.get("min"), 1),
                                               fmt(s.get("max"), 1)))
        rj = f.get("running_jobs") or {}
        L.append("")
        L.append("%s of %s sleepers running; submitted at %s jobs/s (sequential `corral submit`); all "
                 "cancelled in %s s." % (rj.get("running"), rj.get("asked"), fmt(rj.get("submit_per_s"), 0),
                                         fmt(f.get("cancel_all_s"), 1)))
        L.append("")
    if "output" in r:
        o = r["output"]
        L.append("### 4. Output (%d MiB in 64 KiB writes, MiB/s as the writer measures it)" % (o["bytes"] >> 20))
        L.append("")
        L.append("| what | median MiB/s | min | max | x direct |")
        L.append("|---|---|---|---|---|")
        for k, name in (("direct_mib_s", "direct to a file, writer in a fresh memory cgroup (baseline)"),
                        ("direct_own_cgroup_mib_s", "direct to a file, writer in the bench's own (busy) cgroup"),
                        ("corral_run_stdout_file_mib_s", "corral run, stdout to a file"),
                        ("corral_submit_log_mib_s", "corral submit, to stdout.log"),
                        ("corral_submit_log_memory_256M_mib_s", "corral submit --memory 256M, to stdout.log")):
            s = o.get(k) or {}
            rk = k.replace("_mib_s", "_ratio")
            L.append("| %s | %s | %s | %s | %s |" % (name, fmt(s.get("median"), 0), fmt(s.get("min"), 0),
                                                    fmt(s.get("max"), 0), fmt(o.get(rk), 2) if rk in o else "1"))
        L.append("")
    if "oom" in r:
        o = r["oom"]
        L.append("### 5. OOM reporting latency (memhog under --memory 32M; from the job's death seen by pidfd)")
        L.append("")
        L.append("| what | median ms | min ms | max ms | n |")
        L.append("|---|---|---|---|---|")
        for k, name in (("run_kill_to_exit_ms", "corral run: kill -> corral exits with the outcome"),
                        ("submit_kill_to_job_json_ms", "submit: kill -> job.json says oom_killed"),
                        ("submit_kill_to_status_cli_ms", "submit: kill -> `corral status --json` says so")):
            s = o.get(k) or {}
            L.append("| %s | %s | %s | %s | %s |" % (name, fmt(s.get("median"), 1), fmt(s.get("min"), 1),
                                                    fmt(s.get("max"), 1), s.get("n", 0)))
        L.append("")
    if r.get("notes"):
        L.append("Notes: " + "; ".join(r["notes"]))
        L.append("")
    return "\n".join(L)


def missing_figures(r):
    """Names of the figures the run should have produced and did not."""
    miss = []
    for v in r.get("launch", []):
        if not v["ms"]:
            miss.append("launch: " + v["name"])
    for sect, keys in (("protocol", ("initialize_ms", "idle_ms", "load_ms")),
                       ("footprint", ("serve_idle_kb", "serve_10k_kb", "serve_running_kb", "supervisor_kb",
                                      "serve_start_10k_ms", "list_10k_ms")),
                       ("output", ("direct_mib_s", "corral_submit_log_mib_s")),
                       ("oom", ("run_kill_to_exit_ms", "submit_kill_to_job_json_ms",
                                "submit_kill_to_status_cli_ms"))):
        if sect not in r:
            miss.append(sect)
            continue
        for k in keys:
            if not r[sect].get(k):
                miss.append("%s: %s" % (sect, k))
    return miss


def update_docs(text):
    path = os.path.join(SRC, "docs", "performance.md")
    begin, end = "<!-- bench:begin (tests/bench/run.sh --update-docs) -->", "<!-- bench:end -->"
    with open(path) as f:
        doc = f.read()
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < 0:
        raise RuntimeError("docs/performance.md has no bench:begin/bench:end markers")
    doc = doc[:i + len(begin)] + "\n" + text + "\n" + doc[j:]
    with open(path, "w") as f:
        f.write(doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and jobs (under 2 minutes)")
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build-bench"))
    ap.add_argument("--only", default="launch,protocol,footprint,output,oom")
    ap.add_argument("--sleepers", type=int, default=0, help="running jobs for the footprint (default 1000, quick 50)")
    ap.add_argument("--update-docs", action="store_true", help="write the table into docs/performance.md")
    ap.add_argument("--check", action="store_true", help="exit 1 unless every figure was produced")
    ap.add_argument("--json", default=os.path.join(SRC, "tests", "bench", "results", "latest.json"))
    args = ap.parse_args()
    b = Bench(args)
    r = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
         "quick": args.quick, "machine": machine(), "loadavg_start": os.getloadavg()[0]}
    try:
        r["commit"] = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], text=True,
                                     capture_output=True).stdout.strip()
    except OSError:
        pass
    t0 = time.time()
    only = args.only.split(",")
    tools = b.serve_tools()
    r["serve_tools"] = tools
    steps = [("launch", lambda: bench_launch(b)), ("protocol", lambda: bench_protocol(b, tools)),
             ("footprint", lambda: bench_footprint(b, tools)), ("output", lambda: bench_output(b)),
             ("oom", lambda: bench_oom(b)), ("store", lambda: bench_store(b))]
    for name, fn in steps:
        if name not in only:
            continue
        t = time.time()
        try:
            fn()
        except Exception as e:  # one broken measurement must not lose the others
            b.notes.append("%s failed: %s" % (name, e))
            b.log("%s failed: %s" % (name, e))
            b.kill_groups()
        b.log("%s: %.0f s" % (name, time.time() - t))
    r.update(b.results)
    r["loadavg_end"] = os.getloadavg()[0]
    r["seconds"] = round(time.time() - t0)
    r["notes"] = b.notes
    b.cleanup()
    text = table(r)
    print(text)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(r, f, indent=1)
    print("JSON: %s (%d s)" % (args.json, r["seconds"]))
    if args.update_docs:
        update_docs(text)
    if args.check:
        miss = missing_figures(r)
        if miss:
            print("missing figures: " + ", ".join(miss), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
