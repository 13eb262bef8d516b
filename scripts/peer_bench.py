#!/usr/bin/env python3
"""Side-by-side benchmark: `windrow local` and VictoriaMetrics (Debian's `victoria-metrics`,
started here on loopback) fed the same InfluxDB line-protocol bodies by the same client, one
after the other in one run, on realistic workloads:

- sparse: 2,000 names with Zipf popularity (weight 1/rank^1.1), 1-10 tag sets (user_id, host)
  each (about 11,000 series), gauge random walks, lognormal latencies and Poisson counts,
  24 h of event time in arrival order, 2 % of samples 1 ms-90 s late;
- dense: the same with 50 names;
- highcard: 1,000,000 series over 10,000 names, one sample each;
- onename: 100,000 series in one name, one sample each.

Printed per workload: ingest samples/s, CPU-s per 1 M samples (every process of each system),
peak RSS summed and peak PSS summed (RSS counts the pages of the binary and its shared libraries
once per process, about 37 MiB each for Windrow's seven; PSS counts each page once), disk bytes per sample once the data settled, last acknowledgement to
queryable, and 1d@1m query p50/p99 on the hottest name; Windrow's answers are checked window
by window against an exact reference (count, fsum, min, max, avg; p50/p99 within 1 % on the
hottest names). Not a test: it prints figures.

  scripts/peer_bench.py [--bin PATH] [--workloads sparse,dense,highcard,onename]
  PEER_BENCH_SAMPLES (5,000,000) sizes sparse and dense; PEER_BENCH_SCALE (1.0) scales highcard
  and onename."""
import argparse, bisect, http.client, json, math, os, random, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = int(os.environ.get("PEER_BENCH_SAMPLES", "5000000"))
SCALE = float(os.environ.get("PEER_BENCH_SCALE", "1.0"))
BODY_LINES = 10_000
CONNECTIONS = 4
DAY_MS = 86_400_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- workloads

class Workload:
    """Line-protocol bodies plus the exact reference: per (name, minute) the values."""

    def __init__(self, kind):
        self.kind = kind
        self.start_ms = (int(time.time() * 1000) // DAY_MS - 1) * DAY_MS  # yesterday, UTC midnight
        self.values = {}  # (name, minute ms) -> [values]
        self.bodies = []
        self.count = 0
        getattr(self, "make_" + kind)()

    def add_lines(self, lines):
        for start in range(0, len(lines), BODY_LINES):
            self.bodies.append("\n".join(lines[start:start + BODY_LINES]).encode())

    def record(self, name, ms, value):
        self.values.setdefault((name, ms - ms % 60_000), []).append(value)

    def zipf(self, names):
        """Series per name 1-10; samples drawn by Zipf popularity of the names."""
        random.seed(11 + names)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(names)]
        ranks = random.choices(range(names), weights, k=1 << 16)
        series = []  # per rank: [(name, tags)]
        for rank in range(names):
            name = f"bench.{self.kind}.m{rank:04d}"
            series.append([(name, f"host=h{t % 4},user_id=u{random.randint(0, 99_999)}") for t in range(random.randint(1, 10))])
        level = {}
        lines = []
        for n in range(SAMPLES):
            rank = ranks[random.getrandbits(16)]
            name, tags = random.choice(series[rank])
            if rank % 3 == 0:  # gauge: a random walk per series
                level[name, tags] = level.get((name, tags), 10.0) + random.gauss(0, 1)
                value = round(level[name, tags], 3)
            elif rank % 3 == 1:  # latency: lognormal
                value = round(random.lognormvariate(3, 1), 3)
            else:  # a Poisson-like count, as a float
                value = float(sum(1 for _ in range(8) if random.random() < 0.3))
            ms = self.start_ms + n * DAY_MS // SAMPLES
            if random.random() < 0.02:
                ms -= random.randint(1, 90_000)
            lines.append(f"{name},{tags} value={value} {ms}")
            self.record(name, ms, value)
            if len(lines) == BODY_LINES:
                self.add_lines(lines)
                lines = []
        self.add_lines(lines)
        self.count = SAMPLES
        self.hot = f"bench.{self.kind}.m0000"
        self.series = sum(len(s) for s in series)

    def make_sparse(self):
        self.zipf(2000)

    def make_dense(self):
        self.zipf(50)

    def one_sample_series(self, names, per_name):
        random.seed(13)
        total = names * per_name
        lines = []
        for n in range(total):
            name = f"bench.{self.kind}.m{n % names:05d}"
            ms = self.start_ms + n * DAY_MS // total
            value = float(n % 1000)
            lines.append(f"{name},series=s{n // names} value={value} {ms}")
            self.record(name, ms, value)
            if len(lines) == BODY_LINES:
                self.add_lines(lines)
                lines = []
        self.add_lines(lines)
        self.count = total
        self.hot = f"bench.{self.kind}.m00000"
        self.series = total

    def make_highcard(self):
        self.one_sample_series(10_000, int(100 * SCALE))

    def make_onename(self):
        self.one_sample_series(1, int(100_000 * SCALE))

    def names(self):
        return sorted({name for name, _ in self.values})


# ---------------------------------------------------------------- processes

def tree(pid):
    """The pid and every descendant."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    result, todo = [], [pid]
    while todo:
        p = todo.pop()
        result.append(p)
        todo += children.get(p, [])
    return result


def cpu_seconds(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid, field="VmRSS"):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def pss_bytes(pid):
    """Proportional set size summed over the tree: each shared page (the binary, its libraries)
    counted once across the processes that map it, so the sum is the memory they take."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def role_breakdown(pid):
    """CPU seconds and peak RSS (VmHWM) per process of the tree, named by its role."""
    parts = []
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/cmdline") as f:
                argv = f.read().split("\0")
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            with open(f"/proc/{p}/status") as f:
                hwm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        role = argv[1] if len(argv) > 1 else "?"
        if "--id" in argv:
            role = argv[argv.index("--id") + 1]
        parts.append((role, cpu, hwm))
    return parts


def disk_breakdown(path):
    """Bytes by the first two levels under `path` (mapper-0/wal, reducer-1/shards, ...)."""
    parts = {}
    for root, _, files in os.walk(path):
        key = "/".join(os.path.relpath(root, path).split(os.sep)[:2])
        for name in files:
            try:
                size = os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
            label = key + ("/" + name.split("-")[0] if key.count("/") == 0 and key != "." else "")
            parts[label] = parts.get(label, 0) + size
    return parts


def disk_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


class System:
    """A system under test: start, ingest endpoint, count and latency queries, stop."""

    def wait_ready(self, url, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=1).status in (200, 204):
                    return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError(f"{self.label} did not become ready at {url}")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=120) as response:
            return json.loads(response.read())


class Windrow(System):
    label = "Windrow"

    def __init__(self, binary, extra=(), env=None):
        self.binary = binary
        self.extra = list(extra)
        self.env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="peer-windrow-")

    def start(self):
        self.process = subprocess.Popen([self.binary, "local", "--data-dir", self.data, "--http-port", str(self.port),
                                         "--ingest-port", "0", "--otlp-port", "0", "--log-level", "error", *self.extra], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=self.env)
        self.wait_ready(f"http://127.0.0.1:{self.port}/readyz")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            for p in tree(self.process.pid):
                os.kill(p, signal.SIGKILL)
        shutil.rmtree(self.data, ignore_errors=True)

    def flush(self):
        pass

    def count(self, name, workload):
        query = urllib.parse.urlencode({"name": name, "from": workload.start_ms - DAY_MS, "to": workload.start_ms + 2 * DAY_MS,
                                        "step": "1d", "stats": "count"})
        series = self.get(f"/v1/query?{query}")["series"]
        return int(sum(sum(c for c in s["count"] if c) for s in series))

    def query_path(self, workload):
        return "/v1/query?" + urllib.parse.urlencode({"name": workload.hot, "from": workload.start_ms, "to": workload.start_ms + DAY_MS,
                                                      "step": "1m", "stats": "avg,max,p99"})

    def windows(self, name, workload):
        query = urllib.parse.urlencode({"name": name, "from": workload.start_ms - DAY_MS, "to": workload.start_ms + 2 * DAY_MS,
                                        "step": "1m", "stats": "count,sum,min,max,avg,p50,p99"})
        series = self.get(f"/v1/query?{query}")["series"]
        if not series:
            return {}
        s = series[0]
        return {t: {k: s[k][i] for k in ("count", "sum", "min", "max", "avg", "p50", "p99")} for i, t in enumerate(s["timestamps"])}


class Victoria(System):
    label = "VictoriaMetrics"

    def __init__(self):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="peer-vm-")

    def start(self):
        self.process = subprocess.Popen(["victoria-metrics", "-storageDataPath", self.data, "-httpListenAddr", f"127.0.0.1:{self.port}",
                                         "-retentionPeriod", "100y", "-loggerLevel", "ERROR"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.wait_ready(f"http://127.0.0.1:{self.port}/health")

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.data, ignore_errors=True)

    def flush(self):
        urllib.request.urlopen(f"http://127.0.0.1:{self.port}/internal/force_flush", timeout=60).read()

    def count(self, name, workload):
        end = (workload.start_ms + 2 * DAY_MS) // 1000
        query = urllib.parse.urlencode({"query": f'sum(count_over_time({{__name__="{name}_value"}}[3d]))', "time": end})
        result = self.get(f"/api/v1/query?{query}")["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0

    def query_path(self, workload):
        start = workload.start_ms // 1000
        return "/api/v1/query_range?" + urllib.parse.urlencode({
            "query": f'max_over_time({{__name__="{workload.hot}_value"}}[1m])', "start": start, "end": start + 86_400, "step": 60})


# ---------------------------------------------------------------- measurement

def ingest(system, workload):
    """Sends every body over CONNECTIONS keep-alive connections; returns (seconds, failures)."""
    index = [0]
    lock = threading.Lock()
    failures = []

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=300)
        while True:
            with lock:
                if index[0] >= len(workload.bodies):
                    return
                body = workload.bodies[index[0]]
                index[0] += 1
            for attempt in range(5):
                try:
                    connection.request("POST", "/write?precision=ms", body, {"Content-Type": "text/plain"})
                    response = connection.getresponse()
                    answer = response.read()
                    if response.status == 204:
                        break
                    failures.append((response.status, answer[:200]))
                except Exception as error:
                    failures.append((0, str(error)))
                    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=300)
                time.sleep(0.5)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - start, failures


def queryable_seconds(system, workload, seconds=180):
    """From now (the last acknowledgement), until the hottest and a sample of other names
    answer their full counts; None when not within `seconds`."""
    random.seed(3)
    names = [workload.hot] + random.sample(workload.names(), min(10, len(workload.names())))
    want = {name: sum(len(v) for (n, _), v in workload.values.items() if n == name) for name in names}
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        system.flush()
        try:
            if all(system.count(name, workload) >= want[name] for name in names):
                return time.monotonic() - start
        except Exception:
            pass
        time.sleep(0.1)
    return None


def latency(system, workload, rounds=100, budget_seconds=30):
    """p50/p99 of `rounds` queries on one keep-alive connection, fewer if they take longer
    than `budget_seconds` in all."""
    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=120)
    path = system.query_path(workload)
    times, failed = [], 0
    deadline = time.monotonic() + budget_seconds
    while len(times) < rounds and time.monotonic() < deadline:
        start = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            failed += 1
            continue
        times.append((time.monotonic() - start) * 1000)
    if failed:
        print(f"({system.label}: {failed} of {failed + len(times)} timed queries failed)")
    if not times:
        return None, None
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def rank_quantile(values, q):
    """The value at rank q·(n−1), linear between neighbours, and the sketch's error bound for
    it: 1 % of each neighbour's magnitude, weighted as the interpolation weighs them."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(math.floor(rank))
    high = min(low + 1, len(ordered) - 1)
    f = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * f, 0.01 * ((1 - f) * abs(ordered[low]) + f * abs(ordered[high]))


def check_exact(system, workload):
    """Every window of every name against the reference; quantiles on the 20 hottest names."""
    bad, checked = [], 0
    by_name = {}
    for (name, minute), values in workload.values.items():
        by_name.setdefault(name, {})[minute] = values
    hot = set(sorted(by_name, key=lambda n: -sum(len(v) for v in by_name[n].values()))[:20])
    for name, minutes in by_name.items():
        try:
            got = system.windows(name, workload)
        except Exception as error:  # a reducer too busy to answer (503) is a finding, not a crash
            bad.append((name, "query failed", str(error)))
            checked += len(minutes)
            continue
        for minute, values in minutes.items():
            checked += 1
            window = got.get(minute)
            exact_sum = math.fsum(values)
            if window is None or window["count"] != len(values) or window["min"] != min(values) or window["max"] != max(values):
                bad.append((name, minute, "count/min/max", window and (window["count"], len(values))))
                continue
            for key, want in (("sum", exact_sum), ("avg", exact_sum / len(values))):
                if abs(window[key] - want) > 1e-12 * max(abs(want), 1e-300) and not (want == 0 and abs(window[key]) < 1e-9):
                    bad.append((name, minute, key, window[key], want))
            if name in hot:
                for key, q in (("p50", 0.5), ("p99", 0.99)):
                    want, bound = rank_quantile(values, q)
                    if abs(window[key] - want) > bound + 1e-9:
                        bad.append((name, minute, key, window[key], want))
    return checked, bad


def run(system, workload):
    system.start()
    try:
        base_cpu = cpu_seconds(system.process.pid)
        peak = [0, 0]
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                peak[0] = max(peak[0], rss_bytes(system.process.pid))
                peak[1] = max(peak[1], pss_bytes(system.process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds, failures = ingest(system, workload)
        # The load the reducers measured while ingesting (smoothed rates, read at once).
        cluster = system.get("/v1/cluster") if isinstance(system, Windrow) else None
        visible = queryable_seconds(system, workload)
        cpu = cpu_seconds(system.process.pid) - base_cpu
        # Let the data settle (seals, flushes), then measure the disk.
        deadline = time.time() + 60
        previous = -1
        while time.time() < deadline:
            system.flush()
            time.sleep(3)
            now = disk_bytes(system.data)
            if now == previous:
                break
            previous = now
        sampling.set()
        sampler.join()
        if isinstance(system, Windrow):
            roles = role_breakdown(system.process.pid)
            print("(windrow processes: " + ", ".join(f"{role} {cpu:.1f} CPU-s {hwm / 2**20:.0f} MiB" for role, cpu, hwm in roles) + ")", flush=True)
            parts = sorted(disk_breakdown(system.data).items(), key=lambda item: -item[1])[:6]
            print("(windrow disk: " + ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in parts) + ")", flush=True)
        figures = {
            "samples/s": workload.count / seconds, "cpu": cpu / (workload.count / 1e6),
            "rss": max(peak[0], rss_bytes(system.process.pid)) / 2**20,
            "pss": max(peak[1], pss_bytes(system.process.pid)) / 2**20, "disk": disk_bytes(system.data) / workload.count,
            "visible": visible, "failures": len(failures), "first failure": failures[0] if failures else None,
        }
        if isinstance(system, Windrow):
            figures["roles"], figures["cluster"] = roles, cluster
        figures["p50"], figures["p99"] = latency(system, workload) if visible is not None else (None, None)
        if isinstance(system, Windrow) and visible is not None:
            figures["checked"], figures["bad"] = check_exact(system, workload)
        return figures
    finally:
        system.stop()


def show(value, unit="", digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def table(workload, w, v):
    def ratio(a, b, invert=False):
        if a is None or b is None or b == 0 or a == 0:
            return "—"
        return f"{(b / a if invert else a / b):.2f}×"
    print(f"\n### {workload.kind}: {workload.count:,} samples, {workload.series:,} series, {len(workload.bodies):,} bodies of ≤{BODY_LINES:,} lines\n")
    print("| figure | Windrow | VictoriaMetrics | Windrow / VM |")
    print("|---|---:|---:|---:|")
    print(f"| ingest samples/s | {show(w['samples/s'], digits=0)} | {show(v['samples/s'], digits=0)} | {ratio(w['samples/s'], v['samples/s'])} |")
    print(f"| CPU-s per 1 M samples | {show(w['cpu'], digits=2)} | {show(v['cpu'], digits=2)} | {ratio(w['cpu'], v['cpu'])} |")
    print(f"| peak RSS summed (MiB) | {show(w['rss'], digits=0)} | {show(v['rss'], digits=0)} | {ratio(w['rss'], v['rss'])} |")
    print(f"| peak memory, PSS summed (MiB) | {show(w['pss'], digits=0)} | {show(v['pss'], digits=0)} | {ratio(w['pss'], v['pss'])} |")
    print(f"| disk bytes per sample | {show(w['disk'])} | {show(v['disk'])} | {ratio(w['disk'], v['disk'])} |")
    print(f"| last ack → queryable (s) | {show(w['visible'], digits=2)} | {show(v['visible'], digits=2)} | |")
    print(f"| 1d@1m query p50 / p99 (ms) | {show(w['p50'])} / {show(w['p99'])} | {show(v['p50'])} / {show(v['p99'])} | |")
    print(f"| refused bodies (retried) | {w['failures']} | {v['failures']} | |")
    if "checked" in w:
        print(f"\nWindrow exactness: {w['checked']:,} windows checked, {len(w['bad'])} wrong" + (f"; first: {w['bad'][:3]}" if w["bad"] else ""))
    for label, f in (("Windrow", w), ("VictoriaMetrics", v)):
        if f["first failure"]:
            print(f"{label}: first refused body: {f['first failure']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "windrow"))
    parser.add_argument("--workloads", default="sparse,dense,highcard,onename")
    options = parser.parse_args()
    if not shutil.which("victoria-metrics"):
        sys.exit("peer_bench: victoria-metrics is not installed (apt-get install victoria-metrics)")
    print(f"windrow binary: {options.bin}")
    for kind in options.workloads.split(","):
        started = time.monotonic()
        workload = Workload(kind)
        print(f"\n({kind}: generated in {time.monotonic() - started:.0f} s)", flush=True)
        windrow = run(Windrow(options.bin), workload)
        victoria = run(Victoria(), workload)
        table(workload, windrow, victoria)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
