#!/usr/bin/env python3
"""End-to-end benchmark of a local Windrow cluster (release build), standard library only.

Starts `windrow local`, drives it with `windrow produce --max`, and prints: end-to-end
samples/s (counted by queries afterwards, not by the producer), ingest-to-visible latency,
query latency p50/p99 for one series over one day at 1m and over 30 days at 1h, each
process's peak RSS, and bytes on disk per ingested sample.
"""
import http.client, json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.request

BIN = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "windrow")
HTTP, INGEST = 18480, 25555
BASE = f"http://127.0.0.1:{HTTP}"
DURATION = float(os.environ.get("WINDROW_BENCH_SECONDS", "20"))


def get(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as response:
        return json.loads(response.read())


def post(path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def count(name, start_ms, end_ms):
    answer = get(f"/v1/query?name={name}&from={start_ms}&to={end_ms}&step=1d&stats=count")
    return sum(sum(series["count"]) for series in answer["series"])


def percentile(values, q):
    values = sorted(values)
    rank = q * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def windrow_pids():
    out = subprocess.run(["pgrep", "-f", BIN_REAL], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def peak_rss(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return 0
    return 0


def role_of(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as cmd:
            args = cmd.read().split("\0")
    except FileNotFoundError:
        return "?"
    if "--id" in args:
        return args[args.index("--id") + 1]
    return args[1] if len(args) > 1 else "?"


def main():
    global BIN_REAL
    BIN_REAL = os.path.realpath(BIN)
    data = tempfile.mkdtemp(prefix="windrow-bench-")
    cluster = subprocess.Popen([BIN_REAL, "local", "--data-dir", data, "--http-port", str(HTTP), "--otlp-port", "0",
                                "--ingest-port", str(INGEST), "--statsd-port", "0", "--log-level", "warning"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(BASE + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        now_ms = int(time.time() * 1000)
        began = time.time()
        produced = subprocess.run([BIN_REAL, "produce", "--to", f"tcp://127.0.0.1:{INGEST},tcp://127.0.0.1:{INGEST + 2}",
                                   "--max", "--duration", str(DURATION), "--names", "50", "--hosts", "20",
                                   "--batch-size", "10000", "--prefix", "bench", "--quiet"], capture_output=True, text=True)
        print("producer:", produced.stdout.strip())
        sent = int(produced.stdout.split()[1])
        names = [f"bench.metric.{i}" for i in range(50)]
        counted = 0
        while time.time() - began < DURATION + 120:
            counted = sum(count(name, now_ms - 3600_000, now_ms + 3600_000 + int(DURATION * 1000)) for name in names)
            if counted >= sent:
                break
            time.sleep(0.1)
        elapsed = time.time() - began
        print(f"end to end: {counted} of {sent} samples counted by queries after {elapsed:.1f} s: {counted / elapsed:,.0f} samples/s")

        latencies = []
        for i in range(30):
            stamp = int(time.time() * 1000)
            post("/v1/metrics", [{"name": "bench.visible", "value": float(i), "timestamp": stamp}])
            sent_at = time.time()
            while count("bench.visible", now_ms - 3600_000, stamp + 3600_000) < i + 1:
                time.sleep(0.005)
            latencies.append((time.time() - sent_at) * 1000)
        print(f"ingest to visible (HTTP acknowledged, then queried): p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms")

        day = 86_400_000
        start = (now_ms // day - 31) * day
        minute_points = [{"name": "bench.history", "value": float(i % 977), "timestamp": start + i * 60_000} for i in range(30 * 1440)]
        for offset in range(0, len(minute_points), 5000):
            post("/v1/metrics", minute_points[offset:offset + 5000])
        while count("bench.history", start, start + 30 * day) < len(minute_points):
            time.sleep(0.2)
        time.sleep(8)  # let the reducers seal the backfilled month into shard files
        for label, path in [("one day at 1m", f"/v1/query?name=bench.history&from={start}&to={start + day}&step=1m&stats=avg,max,p99"),
                            ("30 days at 1h", f"/v1/query?name=bench.history&from={start}&to={start + 30 * day}&step=1h&stats=avg,max,p99")]:
            timings = []
            connection = http.client.HTTPConnection("127.0.0.1", HTTP)  # keep-alive, as a dashboard would
            for _ in range(200):
                t = time.time()
                connection.request("GET", path)
                response = connection.getresponse()
                json.loads(response.read())
                timings.append((time.time() - t) * 1000)
            connection.close()
            print(f"query latency, one series, {label}: p50 {percentile(timings, 0.5):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms")

        for pid in windrow_pids():
            if pid == cluster.pid:
                continue
            print(f"peak RSS {role_of(pid):>12}: {peak_rss(pid) / 2**20:.0f} MiB")
        size = sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(data) for f in files)
        total = counted + len(minute_points) + len(latencies)
        print(f"on disk: {size / 2**20:.1f} MiB for {total} samples: {size / total:.2f} bytes per sample (logs and shards, before compaction)")
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
