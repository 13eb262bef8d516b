#!/usr/bin/env python3
"""Storage-lifecycle benchmark: a 30-day backfill, then live ingest, into `windrow local` and
VictoriaMetrics (Debian's `victoria-metrics`, on loopback), the same line-protocol bodies by
the same client, one after the other.

The backfill is 1,000 series (50 names, Zipf-sized: the hottest holds the most series; gauges
that random-walk with two decimals) at one
sample per LIFECYCLE_INTERVAL_S seconds (60; the issue's 10 s would be 260 M samples, past
10 minutes on this machine, so it is scaled down by 6 and says so), 30 days ending at
yesterday's midnight UTC, in time order. Then LIFECYCLE_LIVE_S seconds (180) of live ingest at
the current time.

Printed: ingest rate and CPU-s per 1 M samples; shard files and open descriptors per reducer
(the most seen, sampled every second through the whole run, and at the end); disk bytes per
stored one-minute row (as sealed, and once compacted) and per ingested sample; compaction
time and write amplification (shard bytes written by seals and compactions / shard bytes
kept); query p50/p99 on the hottest name for 1d@1m, 30d@1h, 365d@1d, with avg and with
avg,p99, while compaction runs and once quiet. Windrow's 30-day count and sum of the hottest
name are checked against the reference. Not a test: it prints figures.

  scripts/lifecycle_bench.py [--bin PATH]"""
import argparse, http.client, json, math, os, random, re, shutil, subprocess, sys, threading, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import DAY_MS, ROOT, Victoria, Windrow, cpu_seconds, disk_bytes, ingest, tree  # noqa: E402
from testkit import metric_value  # noqa: E402

INTERVAL_S = int(os.environ.get("LIFECYCLE_INTERVAL_S", "60"))
LIVE_S = int(os.environ.get("LIFECYCLE_LIVE_S", "180"))
DAYS = 30
SERIES = 1000
NAMES = 50
LINES_PER_BODY = 10_000


class Backfill:
    """The bodies and the reference for the hottest name (count and exact sum)."""

    def __init__(self):
        self.end_ms = (int(time.time() * 1000) // DAY_MS) * DAY_MS - DAY_MS  # yesterday, UTC midnight
        self.start_ms = self.end_ms - DAYS * DAY_MS
        weights = [1 / (rank + 1) ** 1.1 for rank in range(NAMES)]
        per_name = [max(1, round(SERIES * w / sum(weights))) for w in weights]
        per_name[0] += SERIES - sum(per_name)
        self.hot = "life.m00"
        self.hot_series = per_name[0]
        prefixes = []
        for rank, count in enumerate(per_name):
            prefixes += [(rank, f"life.m{rank:02d},host=h{s % 16},series=s{s} value=") for s in range(count)]
        self.bodies, lines = [], []
        self.count, self.hot_count, hot_sum = 0, 0, []
        random.seed(29)
        levels = [random.uniform(10, 1000) for _ in prefixes]
        for step in range(DAYS * 86_400 // INTERVAL_S):
            ms = self.start_ms + step * INTERVAL_S * 1000
            suffix = f" {ms}"
            for index, (rank, prefix) in enumerate(prefixes):
                # A gauge's random walk with two decimals: neither side gets a trivially regular series.
                levels[index] += random.random() - 0.5
                value = round(levels[index], 2)
                lines.append(prefix + str(value) + suffix)
                if rank == 0:
                    hot_sum.append(value)
                if len(lines) == LINES_PER_BODY:
                    self.bodies.append("\n".join(lines).encode())
                    lines = []
            self.count += len(prefixes)
        if lines:
            self.bodies.append("\n".join(lines).encode())
        self.hot_count = len(hot_sum)
        self.hot_sum = math.fsum(hot_sum)
        self.series = len(prefixes)
        self.prefixes = prefixes


def reducers(pid):
    """{reducer id: pid} in the tree of `pid`."""
    found = {}
    for p in tree(pid):
        try:
            argv = open(f"/proc/{p}/cmdline").read().split("\0")
        except OSError:
            continue
        if len(argv) > 2 and argv[1] == "reducer" and "--id" in argv:
            found[argv[argv.index("--id") + 1]] = p
    return found


class Watcher:
    """Samples every second: open descriptors and shard files per reducer (the most seen)."""

    def __init__(self, windrow):
        self.windrow = windrow
        self.fds, self.files = {}, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop.is_set():
            for name, p in reducers(self.windrow.process.pid).items():
                try:
                    self.fds[name] = max(self.fds.get(name, 0), len(os.listdir(f"/proc/{p}/fd")))
                    shards = f"{self.windrow.data}/{name}/shards"
                    self.files[name] = max(self.files.get(name, 0), sum(1 for f in os.listdir(shards) if f.endswith(".shard")))
                except OSError:
                    pass
            time.sleep(1)

    def finish(self):
        self.stop.set()
        self.thread.join()


def reducer_metrics(windrow, name, **labels):
    ports = json.load(open(windrow.data + "/local-ports.json"))
    total = 0
    for role, port in ports.items():
        if role.startswith("reducer-") and role.endswith("-http"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/metrics")
            total += metric_value(connection.getresponse().read().decode(), name, **labels)
    return total


def quantiles(values):
    values = sorted(values)
    return (values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]) if values else (None, None)


def timed(port, paths, rounds=200, budget=60, raw=False):
    """p50/p99 (ms) of each path (or every time, `raw`), asked in turn on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = {path: [] for path in paths}
    deadline = time.monotonic() + budget
    for _ in range(rounds):
        for path in paths:
            start = time.monotonic()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                times[path].append((time.monotonic() - start) * 1000)
        if time.monotonic() > deadline:
            break
    return times if raw else {path: quantiles(values) for path, values in times.items()}


def windrow_paths(backfill):
    def path(days, step, stats):
        return "/v1/query?" + urllib.parse.urlencode({"name": backfill.hot, "from": backfill.end_ms - days * DAY_MS, "to": backfill.end_ms,
                                                      "step": step, "stats": stats})
    return {(label, stats): path(days, step, stats) for label, days, step in (("1d@1m", 1, "1m"), ("30d@1h", 30, "1h"), ("365d@1d", 365, "1d"))
            for stats in ("avg", "avg,p99")}


def victoria_paths(backfill):
    """The same ranges in MetricsQL: avg_over_time per step, and quantile_over_time for p99."""
    selector = f'{{__name__="{backfill.hot}_value"}}'
    end = backfill.end_ms // 1000
    paths = {}
    for label, days, step in (("1d@1m", 1, 60), ("30d@1h", 30, 3600), ("365d@1d", 365, 86_400)):
        for stats, query in (("avg", f"avg_over_time({selector}[{step}s])"), ("avg,p99", f"quantile_over_time(0.99, {selector}[{step}s])")):
            paths[(label, stats)] = "/api/v1/query_range?" + urllib.parse.urlencode(
                {"query": query, "start": end - days * 86_400 + step, "end": end, "step": step})
    return paths


def live(system, backfill, seconds):
    """One sample per series every 10 s at the current time, for `seconds`."""
    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=60)
    end = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < end:
        ms = int(time.time() * 1000)
        body = "\n".join(f"{prefix}{(ms // 1000 + i) % 1000 / 10} {ms}" for i, (_, prefix) in enumerate(backfill.prefixes)).encode()
        connection.request("POST", "/write?precision=ms", body, {"Content-Type": "text/plain"})
        connection.getresponse().read()
        sent += len(backfill.prefixes)
        time.sleep(10)
    return sent


def inspect_totals(binary, directory):
    """{resolution: (files, bytes, rows)} and {level: files} from `windrow inspect --summary DIR`."""
    text = subprocess.run([binary, "inspect", "--summary", directory], capture_output=True, text=True).stdout
    resolutions, levels = {}, {}
    for line in text.splitlines():
        found = re.match(r"(resolution|level) (\S+)[^:]*: (\d+) files, (\d+) bytes, (\d+) rows", line)
        if found and found[1] == "resolution":
            resolutions[found[2]] = (int(found[3]), int(found[4]), int(found[5]))
        elif found:
            levels[found[2]] = int(found[3])
    return resolutions, levels


def backfill_figures(system, backfill):
    """Sends the backfill; its rate, CPU-s per 1 M samples and failed requests."""
    cpu = cpu_seconds(system.process.pid)
    seconds, failures = ingest(system, backfill)
    return {"rate": backfill.count / seconds, "cpu": (cpu_seconds(system.process.pid) - cpu) / (backfill.count / 1e6),
            "failures": len(failures)}


def run_windrow(binary, backfill):
    windrow = Windrow(binary)
    windrow.start()
    watcher = Watcher(windrow)
    figures = {}
    try:
        figures.update(backfill_figures(windrow, backfill))
        paths = windrow_paths(backfill)
        # Queries while the backfill is sealed and compacted.
        compaction_started = time.monotonic()
        during = {}
        quiet_checks = 0
        while time.monotonic() - compaction_started < 600:
            backlog = reducer_metrics(windrow, "windrow_compaction_backlog")
            compactions = reducer_metrics(windrow, "windrow_compactions_total")
            open_windows = reducer_metrics(windrow, "windrow_open_windows")
            quiet_checks = quiet_checks + 1 if compactions > 0 and backlog == 0 and open_windows < backfill.series * 5 else 0
            if quiet_checks >= 3:
                break
            for key, values in timed(windrow.port, list(paths.values()), rounds=3, budget=10, raw=True).items():
                during.setdefault(key, []).extend(values)
            time.sleep(0.5)
        figures["settle"] = time.monotonic() - compaction_started
        figures["during"] = {key: quantiles(values) for key, values in during.items()}
        figures["compaction_seconds"] = reducer_metrics(windrow, "windrow_compaction_duration_seconds_sum")
        figures["compactions"] = reducer_metrics(windrow, "windrow_compactions_total")
        written = reducer_metrics(windrow, "windrow_shard_bytes_written_total")
        compacted = reducer_metrics(windrow, "windrow_compaction_bytes_written_total")
        figures["sealed_bytes_per_row"] = (written - compacted) / backfill.count
        figures["quiet"] = timed(windrow.port, list(paths.values()))
        figures["paths"] = paths
        query = urllib.parse.urlencode({"name": backfill.hot, "from": backfill.start_ms, "to": backfill.end_ms, "step": "30d", "stats": "count,sum"})
        answer = windrow.get("/v1/query?" + query)["series"]
        count = sum(sum(c for c in s["count"] if c) for s in answer)
        total = math.fsum(sum(v for v in s["sum"] if v) for s in answer)
        figures["exact"] = count == backfill.hot_count and abs(total - backfill.hot_sum) <= 1e-9 * abs(backfill.hot_sum)
        figures["live"] = live(windrow, backfill, LIVE_S)
        shards = sum(disk_bytes(f"{windrow.data}/{r}/shards") for r in os.listdir(windrow.data) if r.startswith("reducer-"))
        figures["shard_bytes"] = shards
        figures["write_amplification"] = reducer_metrics(windrow, "windrow_shard_bytes_written_total") / max(1, reducer_metrics(windrow, "windrow_shard_bytes"))
        figures["disk"] = disk_bytes(windrow.data) / (backfill.count + figures["live"])
        totals = {}
        for r in sorted(d for d in os.listdir(windrow.data) if d.startswith("reducer-")):
            totals[r] = inspect_totals(windrow.binary, f"{windrow.data}/{r}")
        figures["totals"] = totals
        minute_bytes = sum(t[0].get("1m", (0, 0, 0))[1] for t in totals.values())
        minute_rows = sum(t[0].get("1m", (0, 0, 0))[2] for t in totals.values())
        figures["compacted_bytes_per_row"] = minute_bytes / max(1, minute_rows)
        all_bytes = sum(b for t in totals.values() for (_, b, _) in t[0].values())
        figures["all_bytes_per_row"] = all_bytes / max(1, minute_rows)
        partition_days = {}
        for r in totals:
            for f in os.listdir(f"{windrow.data}/{r}/shards"):
                if f.endswith(".shard"):
                    key = tuple(f.split("-")[:2])
                    partition_days[key] = partition_days.get(key, 0) + 1
        closed = [n for (p, d), n in partition_days.items() if int(d[1:]) < backfill.end_ms // DAY_MS]
        figures["files_per_block"] = max(closed) if closed else 0
        figures["files_per_block_today"] = max((n for (p, d), n in partition_days.items() if int(d[1:]) >= backfill.end_ms // DAY_MS), default=0)
        time.sleep(2)
        watcher.finish()
        figures["fds"] = watcher.fds
        figures["files"] = watcher.files
        figures["final_files"] = {r: sum(1 for f in os.listdir(f"{windrow.data}/{r}/shards") if f.endswith(".shard")) for r in totals}
    finally:
        watcher.stop.set()
        windrow.stop()
    return figures


def run_victoria(backfill):
    victoria = Victoria()
    victoria.start()
    figures = {}
    try:
        figures.update(backfill_figures(victoria, backfill))
        victoria.flush()
        time.sleep(5)
        paths = victoria_paths(backfill)
        figures["quiet"] = timed(victoria.port, list(paths.values()))
        figures["paths"] = paths
        figures["live"] = live(victoria, backfill, min(LIVE_S, 30))
        victoria.flush()
        figures["disk"] = disk_bytes(victoria.data) / (backfill.count + figures["live"])
    finally:
        victoria.stop()
    return figures


def ms(value):
    return "—" if value is None else (f"{value:.1f}" if value < 100 else f"{value:,.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "windrow"))
    options = parser.parse_args()
    if not shutil.which("victoria-metrics"):
        sys.exit("lifecycle_bench: victoria-metrics is not installed (apt-get install victoria-metrics)")
    started = time.monotonic()
    backfill = Backfill()
    print(f"lifecycle: {backfill.series} series, {DAYS} days at one sample per {INTERVAL_S} s = {backfill.count:,} samples "
          f"(scaled down {INTERVAL_S // 10}x from one per 10 s), then {LIVE_S} s live; generated in {time.monotonic() - started:.0f} s", flush=True)
    w = run_windrow(options.bin, backfill)
    v = run_victoria(backfill)
    print("\n| figure | Windrow | VictoriaMetrics | Windrow / VM |")
    print("|---|---:|---:|---:|")
    print(f"| backfill ingest samples/s | {w['rate']:,.0f} | {v['rate']:,.0f} | {w['rate'] / v['rate']:.2f}x |")
    print(f"| CPU-s per 1 M samples | {w['cpu']:.2f} | {v['cpu']:.2f} | {w['cpu'] / v['cpu']:.2f}x |")
    print(f"| disk bytes per ingested sample | {w['disk']:.2f} | {v['disk']:.2f} | {w['disk'] / v['disk']:.2f}x |")
    for (label, stats), path in w["paths"].items():
        wq = w["quiet"][path]
        vq = v["quiet"][v["paths"][(label, stats)]]
        ratio = f"{wq[1] / vq[1]:.2f}x" if wq[1] and vq[1] else "—"
        print(f"| {label} `{stats}` p50 / p99 ms, quiet | {ms(wq[0])} / {ms(wq[1])} | {ms(vq[0])} / {ms(vq[1])} | {ratio} (p99) |")
    print("\n| Windrow figure | value |")
    print("|---|---:|")
    print(f"| backfill settled (sealed and compacted) after the last acknowledgement | {w['settle']:.0f} s |")
    print(f"| compactions, time spent in them (summed over reducers, paced) | {w['compactions']:,.0f}, {w['compaction_seconds']:.1f} s |")
    print(f"| write amplification (shard bytes written / kept) | {w['write_amplification']:.2f} |")
    print(f"| disk bytes per stored 1m row: as sealed / compacted / with 1h and 1d rollups | {w['sealed_bytes_per_row']:.1f} / {w['compacted_bytes_per_row']:.1f} / {w['all_bytes_per_row']:.1f} |")
    print(f"| shard files per partition per closed day / today | {w['files_per_block']} / {w['files_per_block_today']} |")
    for r in sorted(w["fds"]):
        print(f"| {r}: shard files most / at the end; open descriptors most | {w['files'].get(r, 0)} / {w['final_files'].get(r, 0)}; {w['fds'][r]} |")
    for r, (resolutions, levels) in sorted(w["totals"].items()):
        print(f"| {r}: files by resolution; by level | " + ", ".join(f"{k} {n}" for k, (n, _, _) in resolutions.items()) + "; "
              + ", ".join(f"L{k} {n}" for k, n in sorted(levels.items())) + " |")
    for (label, stats), path in w["paths"].items():
        quiet = w["quiet"][path]
        during = w["during"].get(path, (None, None))
        print(f"| {label} `{stats}` p50 / p99 ms while sealing and compacting vs quiet | {ms(during[0])} / {ms(during[1])} vs {ms(quiet[0])} / {ms(quiet[1])} |")
    print(f"| hottest name's 30-day count and sum exact ({backfill.hot_series} series) | {'yes' if w['exact'] else 'NO'} |")
    if w["failures"] or v["failures"]:
        print(f"(failed requests: Windrow {w['failures']}, VictoriaMetrics {v['failures']})")


if __name__ == "__main__":
    main()
