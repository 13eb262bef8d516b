#!/usr/bin/env python3
"""Handover benchmark: what a live move costs, on the sparse Zipf workload of
scripts/peer_bench.py (about 11,000 series over 24 h, 2 % late).

`windrow local` with 2 mappers and 1 reducer takes the first half of the workload; then, while
the second half is ingested and the hottest name is queried in a loop, a second reducer is
asked for (a handover moves a fair share of the load to it, sealed files and open windows
alike), then the first reducer is drained (everything moves), all while the second half goes
in at an eighth of the first half's rate. Printed:
each move's duration, partitions and bytes moved, and ingest samples/s and query latency
(p50, p99) in the 2 s before, during and in the 2 s after it, and exactness of every window afterwards. Not a test:
it prints figures.

  scripts/handover_bench.py [--bin PATH]
  PEER_BENCH_SAMPLES (5,000,000) sizes the workload."""
import argparse, http.client, json, os, sys, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_bench  # noqa: E402


class Timeline:
    """Acknowledged samples and query latencies, stamped with monotonic time."""

    def __init__(self):
        self.acked = []  # (time, samples)
        self.queries = []  # (time, ms, ok)
        self.lock = threading.Lock()

    def rate(self, start, end):
        with self.lock:
            samples = sum(n for t, n in self.acked if start <= t < end)
        return samples / (end - start) if end > start else 0

    def latency(self, start, end):
        with self.lock:
            times = sorted(ms for t, ms, ok in self.queries if start <= t < end and ok)
            failed = sum(1 for t, _, ok in self.queries if start <= t < end and not ok)
        if not times:
            return None, None, failed
        return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], failed


def ingest(system, bodies, timeline, rate=None, connections=4):
    """Sends `bodies` over keep-alive connections, at most `rate` samples/s when given."""
    index = [0]
    lock = threading.Lock()
    started = time.monotonic()
    per_body = sum(b.count(b"\n") + 1 for b in bodies) / max(1, len(bodies))

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=300)
        while True:
            with lock:
                if index[0] >= len(bodies):
                    return
                body = bodies[index[0]]
                due = started + index[0] * per_body / rate if rate else 0
                index[0] += 1
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            while True:
                try:
                    connection.request("POST", "/write?precision=ms", body, {"Content-Type": "text/plain"})
                    response = connection.getresponse()
                    response.read()
                    if response.status == 204:
                        with timeline.lock:
                            timeline.acked.append((time.monotonic(), body.count(b"\n") + 1))
                        break
                except Exception:
                    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=300)
                time.sleep(0.2)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def query_loop(system, workload, timeline, stop):
    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=60)
    path = system.query_path(workload)
    while not stop.is_set():
        start = time.monotonic()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except Exception:
            ok = False
            connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=60)
        with timeline.lock:
            timeline.queries.append((start, (time.monotonic() - start) * 1000, ok))
        time.sleep(0.05)


def post(system, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{system.port}{path}", data=body or b"", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def wait_moved(system, previous_epoch, seconds=600):
    """Waits for a handover after `previous_epoch` to complete; returns (start, end, view)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        view = system.get("/v1/cluster")
        if view.get("epoch", 0) > previous_epoch and view.get("handover") is None and not view.get("draining"):
            return start, time.monotonic(), view
        time.sleep(0.1)
    raise RuntimeError("the handover did not complete")


def imported_bytes(system):
    total = 0
    view = system.get("/v1/cluster")
    for node in view["nodes"]:
        if node["role"] != "reducer" or not node["alive"]:
            continue
        try:
            text = urllib.request.urlopen(node["endpoints"]["http"] + "/metrics", timeout=5).read().decode()
        except Exception:
            continue
        for line in text.splitlines():
            if line.startswith("windrow_handover_bytes_imported_total"):
                total += float(line.split()[-1])
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(peer_bench.ROOT, ".build", "release", "windrow"))
    options = parser.parse_args()
    workload = peer_bench.Workload("sparse")
    print(f"(sparse: {workload.count:,} samples, {workload.series:,} series; {os.cpu_count()} cores)", flush=True)
    system = peer_bench.Windrow(options.bin, ["--mappers", "2", "--reducers", "1"])
    system.start()
    timeline = Timeline()
    stop = threading.Event()
    rows = []
    try:
        half = len(workload.bodies) // 2
        began = time.monotonic()
        ingest(system, workload.bodies[:half], timeline)
        # The second half at an eighth of the rate the first went in: ingest runs through both moves.
        pace = workload.count / 2 / (time.monotonic() - began) / 8
        queries = threading.Thread(target=query_loop, args=(system, workload, timeline, stop))
        queries.start()
        second = threading.Thread(target=ingest, args=(system, workload.bodies[half:], timeline, pace))
        second.start()
        time.sleep(3)
        bytes_before = imported_bytes(system)
        post(system, "/v1/cluster/reducers", json.dumps({"count": 2}).encode())
        start, end, view = wait_moved(system, 0)
        rows.append(("join: 1 → 2 reducers", start, end, view["lastHandover"], imported_bytes(system) - bytes_before))
        time.sleep(2)
        bytes_before = imported_bytes(system)
        post(system, "/v1/cluster/drain?node=reducer-0")
        start, end, view = wait_moved(system, view["epoch"])
        rows.append(("drain: reducer-0 gives everything away", start, end, view["lastHandover"], imported_bytes(system) - bytes_before))
        second.join()
        stop.set()
        queries.join()
        waited = peer_bench.queryable_seconds(system, workload)
        checked, bad = peer_bench.check_exact(system, workload) if waited is not None else (0, None)
        wrong = None if bad is None else len(bad)
    finally:
        stop.set()
        system.stop()
    print(f"\n### handover: sparse, {workload.count:,} samples, {workload.series:,} series, one machine of {os.cpu_count()} cores; "
          f"the second half paced at {pace:,.0f} samples/s through both moves\n")
    print("| move | duration | partitions | MiB copied | ingest samples/s before · during · after | query p50 / p99 ms before · during · after | failed queries |")
    print("|---|---|---|---|---|---|---|")
    for label, start, end, outcome, copied in rows:
        spans = [(start - 2, start), (start, end), (end, end + 2)]
        rates = " · ".join(f"{timeline.rate(a, b):,.0f}" for a, b in spans)
        latencies = [timeline.latency(a, b) for a, b in spans]
        shown = " · ".join("-" if p50 is None else f"{p50:.1f} / {p99:.1f}" for p50, p99, _ in latencies)
        failed = sum(f for _, _, f in latencies)
        print(f"| {label} | {outcome['durationMs'] / 1000:.1f} s | {outcome['moves']} | {copied / 2**20:.1f} | {rates} | {shown} | {failed} |")
    print(f"\nexact afterwards: {checked:,} windows checked, {wrong if wrong is not None else '?'} wrong")


if __name__ == "__main__":
    main()
