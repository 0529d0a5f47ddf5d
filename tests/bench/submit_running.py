#!/usr/bin/env python3
"""Submit latency with N jobs running against none, in the same run (issue 18).

    tests/bench/submit_running.py [--running N] [--runs R] [--submitters S] [--settle S] BIN

Three phases on one private store and cgroup parent, so the machine's drift
shows: R submits of `/bin/true` with nothing running (before), then N `sleep`
jobs are started (S submitters at once) and R more submits are measured while
they run, then the sleepers are cancelled and R submits are measured again
(after).  Before the busy phase it waits --settle seconds (default 30) once
every sleeper runs, so the burst of starting them has passed (the busy phase
measures N jobs running, not N jobs starting).  Each measured submit: `corral submit -- /bin/true` wall time, and
submit start -> job.json says started (polled every 0.5 ms).  The ratio is
busy / the mean of before and after.

Governor settings that admit every sleeper (governor.conf in the store):
max-concurrent 2000, queue-limit 2000, cpu-threshold 100 (this shared host is
often fully busy with other work).  Each running job holds one uid of the
host's pool of 1,000 (60000-60999): N defaults to 999 so that the measured
job still gets one, and while they run other corral users on this host wait
for a uid; keep the busy phase short.

Needs root.  Everything runs under a private cgroup parent
(corral-bench-running-PID) and a private state directory; both are removed at
the end, also on failure or Ctrl-C: sleepers are cancelled, supervisors of the
store killed, job groups emptied and removed.
"""
import argparse, fcntl, json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time

TERMINAL = {"completed", "failed", "oom_killed", "timed_out", "killed", "seccomp_violation",
            "cancelled", "lost", "dependency_failed"}


class Store:
    def __init__(self, binary):
        self.bin = binary
        self.parent = "corral-bench-running-%d" % os.getpid()
        self.state = tempfile.mkdtemp(prefix="corral-submitrun-")
        os.makedirs(os.path.join(self.state, "governor"))
        with open(os.path.join(self.state, "governor", "governor.conf"), "w") as f:
            f.write("max-concurrent = 2000\nqueue-limit = 2000\ncpu-threshold = 100\n")

    def cmd(self, *args):
        return [self.bin, "--state-dir", self.state, "--cgroup-parent", self.parent] + list(args)

    def submit(self, *cmd):
        out = subprocess.run(self.cmd("submit", "--", *cmd), check=True, capture_output=True,
                             text=True)
        return out.stdout.strip()

    def record(self, jid):
        p = os.path.join(self.state, "tenants", "default", "jobs", jid, "job.json")
        try:
            with open(p) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def cleanup(self):
        ids = os.listdir(os.path.join(self.state, "tenants", "default", "jobs")) \
            if os.path.isdir(os.path.join(self.state, "tenants", "default", "jobs")) else []
        live = [j for j in ids if self.record(j).get("status") not in TERMINAL]
        parallel(lambda j: subprocess.run(self.cmd("cancel", j), capture_output=True), live, 8)
        # Supervisors of this store (their command line names it) that are left.
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % p, "rb") as f:
                    cl = f.read().split(b"\0")
            except OSError:
                continue
            if b"__supervise" in cl and self.state.encode() in cl:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
        for ctl in os.listdir("/sys/fs/cgroup"):
            d = os.path.join("/sys/fs/cgroup", ctl, self.parent)
            if not os.path.isdir(d):
                continue
            for g in os.listdir(d):
                gd = os.path.join(d, g)
                if not os.path.isdir(gd):
                    continue
                for _ in range(100):
                    try:
                        pids = open(os.path.join(gd, "cgroup.procs")).read().split()
                    except OSError:
                        break
                    if not pids:
                        break
                    for pid in pids:
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except OSError:
                            pass
                    time.sleep(0.02)
                try:
                    os.rmdir(gd)
                except OSError:
                    pass
            try:
                os.rmdir(d)
            except OSError as e:
                print("could not remove %s: %s" % (d, e), file=sys.stderr)
        shutil.rmtree(self.state, ignore_errors=True)


def free_uids(lockdir="/run/corral/uids", first=60000, count=1000):
    """Job uids nobody holds now (the pool is the host's: other corral users'
    jobs hold some).  Each lock is taken and dropped at once; a missing lock
    file is a free uid."""
    n = 0
    for uid in range(first, first + count):
        try:
            fd = os.open(os.path.join(lockdir, "%d.lock" % uid), os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            n += 1
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            n += 1
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
    return n


def parallel(fn, items, n):
    items = list(items)
    errs = []

    def worker(k):
        for it in items[k::n]:
            try:
                fn(it)
            except Exception as e:  # noqa: BLE001 - reported below
                errs.append(e)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errs


def fsync_ms(st):
    """One 1 KiB write + fsync in the store's file system: what each of the
    submit path's fsyncs costs at that moment."""
    p = os.path.join(st.state, ".bench-fsync")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"x" * 1024)
        t0 = time.monotonic()
        os.fsync(fd)
        return (time.monotonic() - t0) * 1000
    finally:
        os.close(fd)
        os.unlink(p)


def host_counters(path):
    """CPU ticks (busy, total) from /proc/stat and, for the disk holding path,
    the milliseconds it was busy (io_ticks, /proc/diskstats)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy, total = sum(v) - v[3] - v[4], sum(v)
    dev = os.stat(path).st_dev
    io = 0
    with open("/proc/diskstats") as f:
        for line in f:
            x = line.split()
            if os.makedev(int(x[0]), int(x[1])) == dev:
                io = int(x[12])
    return busy, total, io


def measure_host(st, runs, res):
    """measure(), and how busy the host's CPUs and the store's disk were meanwhile."""
    b0, t0, io0 = host_counters(st.state)
    w0 = time.monotonic()
    measure(st, runs, res)
    b1, t1, io1 = host_counters(st.state)
    res["cpu_busy"] = [100.0 * (b1 - b0) / max(1, t1 - t0)]
    res["disk_busy"] = [100.0 * (io1 - io0) / max(1.0, (time.monotonic() - w0) * 1000)]


def measure(st, runs, res):
    for i in range(runs + 2):
        if i >= 2:
            res.setdefault("fsync", []).append(fsync_ms(st))
        t0 = time.monotonic()
        jid = st.submit("/bin/true")
        t1 = time.monotonic()
        while not st.record(jid).get("started_at"):
            if time.monotonic() - t0 > 60:
                sys.exit("job %s did not start in 60 s (%s)"
                         % (jid, st.record(jid).get("reason") or "no reason recorded"))
            time.sleep(0.0005)
        t2 = time.monotonic()
        if i >= 2:  # warm-ups
            res["submit"].append((t1 - t0) * 1000)
            res["to_started"].append((t2 - t0) * 1000)
        # Let it end and give its uid back before the next one.
        while st.record(jid).get("status") not in TERMINAL:
            time.sleep(0.001)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--running", type=int, default=999)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--submitters", type=int, default=4)
    ap.add_argument("--settle", type=float, default=30)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("bin")
    a = ap.parse_args()
    st = Store(os.path.abspath(a.bin))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    phases = {k: {"submit": [], "to_started": []} for k in ("before", "busy", "after")}
    info = {}
    try:
        measure_host(st, a.runs, phases["before"])
        info["load_before"] = os.getloadavg()[0]
        # Every sleeper holds a uid, and the measured job needs one more.
        free = free_uids()
        if a.running > free - 1:
            print("only %d job uids free on this host (other corral users hold the rest): "
                  "%d sleepers instead of %d" % (free, free - 1, a.running), file=sys.stderr)
            a.running = free - 1
        t0 = time.monotonic()
        ids = []
        lock = threading.Lock()

        def start(_):
            j = st.submit("/bin/sleep", "3600")
            with lock:
                ids.append(j)
        errs = parallel(start, range(a.running), a.submitters)
        if errs:
            sys.exit("starting the sleepers failed: %s" % errs[0])
        end = time.monotonic() + 300
        while True:
            n = sum(1 for j in ids if st.record(j).get("status") == "running")
            if n == len(ids) or time.monotonic() > end:
                break
            time.sleep(0.2)
        info["sleepers_running"] = n
        info["start_s"] = time.monotonic() - t0
        time.sleep(a.settle)
        info["load_busy"] = os.getloadavg()[0]
        measure_host(st, a.runs, phases["busy"])
        n2 = sum(1 for j in ids if st.record(j).get("status") == "running")
        info["sleepers_running_after_busy"] = n2
        t0 = time.monotonic()
        parallel(lambda j: subprocess.run(st.cmd("cancel", j), capture_output=True), ids, 8)
        while any(st.record(j).get("status") not in TERMINAL for j in ids):
            if time.monotonic() - t0 > 120:
                break
            time.sleep(0.2)
        info["cancel_s"] = time.monotonic() - t0
        time.sleep(1)
        measure_host(st, a.runs, phases["after"])
    finally:
        st.cleanup()
    med = {k: {m: statistics.median(v[m]) for m in v} for k, v in phases.items()}
    print("%d sleepers running (%d after the busy phase), started in %.1f s, cancelled in %.1f s; "
          "load average %.2f before, %.2f busy, %.2f at end"
          % (info["sleepers_running"], info["sleepers_running_after_busy"], info["start_s"],
             info["cancel_s"], info["load_before"], info["load_busy"], os.getloadavg()[0]))
    print("| phase | submit ms (median) | submit -> started ms (median) | one fsync ms (median) "
          "| CPUs busy % | disk busy % |")
    print("|---|---|---|---|---|---|")
    for k in ("before", "busy", "after"):
        print("| %s | %.1f | %.1f | %.2f | %.0f | %.0f |"
              % (k if k != "busy" else "%d running" % info["sleepers_running"], med[k]["submit"],
                 med[k]["to_started"], med[k]["fsync"], med[k]["cpu_busy"], med[k]["disk_busy"]))
    for m in ("submit", "to_started", "fsync"):
        base = (med["before"][m] + med["after"][m]) / 2
        print("%s: busy / empty = %.2f" % (m, med["busy"][m] / base))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"phases": phases, "info": info}, f)
    return 0 if info["sleepers_running"] == a.running else 1  # a.running: after the uid check


if __name__ == "__main__":
    sys.exit(main())
