#!/usr/bin/env python3
"""Prometheus remote_write ingest and the Prometheus query API, beside VictoriaMetrics (which
takes remote_write at the same path): the same snappy-compressed protobuf bodies, sent by the
same client over 4 keep-alive connections, to `windrow local` and then to VictoriaMetrics.

Workload: the sparse Zipf shape of the peer benchmark (2,000 names, 1-10 series each, about
11,000 series, gauges, lognormal latencies, Poisson counts) over 24 hours of event time, as
Prometheus sends it: each request a slice of time holding up to 2,000 samples grouped by series
(labels `__name__`, `job`, `instance`, `host`, `user_id`).

Printed: ingest samples/s and CPU-s per 1 M samples (every process of each system), and on the
hottest name the latency of `query_range` (`max_over_time(hot[1m])`, 1d@1m, and grouped by host)
(merged, by host, and every series) beside Windrow's own `/v1/query` for the same buckets, p50/p99 of 100 rounds on one connection.
Counts are checked exact on both sides. Not a test: it prints figures.

  scripts/prometheus_bench.py [--bin PATH]    PROMETHEUS_BENCH_SAMPLES (3,000,000) sizes it."""
import argparse, http.client, os, random, shutil, struct, sys, threading, time, urllib.parse

import snappy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import DAY_MS, ROOT, Victoria, Windrow, cpu_seconds, pss_bytes  # noqa: E402

SAMPLES = int(os.environ.get("PROMETHEUS_BENCH_SAMPLES", "3000000"))
PER_REQUEST = 2000
CONNECTIONS = 4


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


class Workload:
    def __init__(self):
        random.seed(21)
        self.start_ms = (int(time.time() * 1000) // DAY_MS - 1) * DAY_MS
        names = 2000
        weights = [1 / (rank + 1) ** 1.1 for rank in range(names)]
        ranks = random.choices(range(names), weights, k=1 << 16)
        self.series = []  # per rank: [encoded labels]
        self.labels = []
        for rank in range(names):
            name = f"bench_prom_m{rank:04d}"
            own = []
            for t in range(random.randint(1, 10)):
                labels = {"__name__": name, "job": "bench", "instance": f"node{t % 4}:9100", "host": f"h{t % 4}",
                          "user_id": f"u{random.randint(0, 99_999)}"}
                own.append(b"".join(field(1, field(1, k.encode()) + field(2, labels[k].encode())) for k in sorted(labels)))
            self.series.append(own)
        self.hot = "bench_prom_m0000"
        self.hot_count = 0
        level = {}
        self.bodies = []
        pending = {}
        for n in range(SAMPLES):
            rank = ranks[random.getrandbits(16)]
            index = random.randrange(len(self.series[rank]))
            if rank % 3 == 0:
                level[rank, index] = level.get((rank, index), 10.0) + random.gauss(0, 1)
                value = round(level[rank, index], 3)
            elif rank % 3 == 1:
                value = round(random.lognormvariate(3, 1), 3)
            else:
                value = float(sum(1 for _ in range(8) if random.random() < 0.3))
            ms = self.start_ms + n * DAY_MS // SAMPLES
            if rank == 0:
                self.hot_count += 1
            sample = field(2, varint(1 << 3 | 1) + struct.pack("<d", value) + varint(2 << 3) + varint(ms))
            pending.setdefault((rank, index), []).append(sample)
            if (n + 1) % PER_REQUEST == 0 or n + 1 == SAMPLES:
                body = b"".join(field(1, self.series[r][i] + b"".join(samples)) for (r, i), samples in pending.items())
                self.bodies.append(snappy.compress(body))
                pending = {}
        self.series_count = sum(len(s) for s in self.series)


def ingest(system, workload):
    index = [0]
    lock = threading.Lock()
    failures = []
    headers = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0"}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=300)
        while True:
            with lock:
                if index[0] >= len(workload.bodies):
                    return
                body = workload.bodies[index[0]]
                index[0] += 1
            for _ in range(5):
                try:
                    connection.request("POST", "/api/v1/write", body, headers)
                    response = connection.getresponse()
                    answer = response.read()
                    if response.status in (200, 204):
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


def timed(port, path, rounds=100, budget=40):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    deadline = time.monotonic() + budget
    while len(times) < rounds and time.monotonic() < deadline:
        start = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        times.append((time.monotonic() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def hot_count(system, workload):
    end = (workload.start_ms + 2 * DAY_MS) // 1000
    query = urllib.parse.urlencode({"query": f"sum(count_over_time({workload.hot}[3d]))", "time": end})
    result = system.get(f"/api/v1/query?{query}")["data"]["result"]
    return int(float(result[0]["value"][1])) if result else 0


def run(system, workload):
    system.start()
    try:
        base = cpu_seconds(system.process.pid)
        seconds, failures = ingest(system, workload)
        cpu = cpu_seconds(system.process.pid) - base
        deadline = time.time() + 120
        counted = 0
        while time.time() < deadline:
            system.flush()
            counted = hot_count(system, workload)
            if counted >= workload.hot_count:
                break
            time.sleep(0.5)
        figures = {"samples/s": SAMPLES / seconds, "cpu": cpu / (SAMPLES / 1e6), "pss": pss_bytes(system.process.pid) / 2**20,
                   "failures": failures, "exact": counted == workload.hot_count, "counted": counted}
        start_s = workload.start_ms // 1000
        prom = lambda query: "/api/v1/query_range?" + urllib.parse.urlencode({"query": query, "start": start_s + 60, "end": start_s + 86_400, "step": 60})
        figures["range"] = timed(system.port, prom(f"max(max_over_time({workload.hot}[1m]))"))
        figures["range_by"] = timed(system.port, prom(f"max by (host) (max_over_time({workload.hot}[1m]))"))
        figures["range_series"] = timed(system.port, prom(f"max_over_time({workload.hot}[1m])"))
        if isinstance(system, Windrow):
            native = lambda extra: "/v1/query?" + urllib.parse.urlencode({"name": workload.hot, "from": workload.start_ms, "to": workload.start_ms + DAY_MS,
                                                                          "step": "1m", "stats": "max", **extra})
            figures["native"] = timed(system.port, native({}))
            figures["native_by"] = timed(system.port, native({"group_by": "host"}))
        return figures
    finally:
        system.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "windrow"))
    options = parser.parse_args()
    if not shutil.which("victoria-metrics"):
        sys.exit("prometheus_bench: victoria-metrics is not installed (apt-get install victoria-metrics)")
    started = time.monotonic()
    workload = Workload()
    print(f"({SAMPLES:,} samples, {workload.series_count:,} series, {len(workload.bodies):,} remote_write bodies, "
          f"generated in {time.monotonic() - started:.0f} s)", flush=True)
    w = run(Windrow(options.bin), workload)
    v = run(Victoria(), workload)
    ms = lambda pair: f"{pair[0]:.1f} / {pair[1]:.1f}"
    print("\n| figure | Windrow | VictoriaMetrics | Windrow / VM |")
    print("|---|---:|---:|---:|")
    print(f"| remote_write samples/s | {w['samples/s']:,.0f} | {v['samples/s']:,.0f} | {w['samples/s'] / v['samples/s']:.2f}× |")
    print(f"| CPU-s per 1 M samples | {w['cpu']:.2f} | {v['cpu']:.2f} | {w['cpu'] / v['cpu']:.2f}× |")
    print(f"| memory after ingest, PSS summed (MiB) | {w['pss']:.0f} | {v['pss']:.0f} | {w['pss'] / v['pss']:.2f}× |")
    print(f"| hottest name's count exact | {w['exact']} ({w['counted']:,}) | {v['exact']} ({v['counted']:,}) | |")
    print(f"| refused bodies (retried) | {len(w['failures'])} | {len(v['failures'])} | |")
    print(f"| query_range 1d@1m max(max_over_time) p50 / p99 ms | {ms(w['range'])} | {ms(v['range'])} | {w['range'][1] / v['range'][1]:.2f}× (p99) |")
    print(f"| query_range 1d@1m max by (host) p50 / p99 ms | {ms(w['range_by'])} | {ms(v['range_by'])} | {w['range_by'][1] / v['range_by'][1]:.2f}× (p99) |")
    print(f"| query_range 1d@1m max_over_time, every series, p50 / p99 ms | {ms(w['range_series'])} | {ms(v['range_series'])} | {w['range_series'][1] / v['range_series'][1]:.2f}× (p99) |")
    print(f"| /v1/query 1d@1m max p50 / p99 ms | {ms(w['native'])} | | query_range / /v1/query p50 {w['range'][0] / w['native'][0]:.2f}× |")
    print(f"| /v1/query 1d@1m max group_by host p50 / p99 ms | {ms(w['native_by'])} | | query_range / /v1/query p50 {w['range_by'][0] / w['native_by'][0]:.2f}× |")
    for label, figures in (("Windrow", w), ("VictoriaMetrics", v)):
        if figures["failures"]:
            print(f"{label}: first refused body: {figures['failures'][0]}")


if __name__ == "__main__":
    main()
