#!/usr/bin/env python3
"""HTTP and statsd ingest figures of a local cluster (release build), standard library only:
line protocol through POST /write in batches of 5,000 lines over 4 keep-alive connections,
JSON through POST /v1/metrics (5,000 items a request, 4 connections), and statsd packets/s
with the share that arrived. Counts are taken from queries afterwards."""
import http.client, json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "windrow")
SECONDS = float(os.environ.get("WINDROW_BENCH_SECONDS", "10"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT, STATSD = free_port(), free_port()


def count(name, start, end):
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/query?name={name}&from={start}&to={end}&step=1d&stats=count", timeout=60) as r:
        return sum(sum(s["count"]) for s in json.loads(r.read())["series"])


def settled(name, start, end, want, seconds=30):
    """The count once it reaches `want` (or stops growing for the whole wait)."""
    deadline, seen = time.time() + seconds, -1
    while time.time() < deadline:
        seen = count(name, start, end)
        if seen >= want:
            break
        time.sleep(0.5)
    return seen


def drive(path, bodies, headers):
    sent = [0] * 4
    stop = time.time() + SECONDS

    def worker(index):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        n = 0
        while time.time() < stop:
            body, samples = bodies[(index + n) % len(bodies)]
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status in (202, 204):
                sent[index] += samples
            n += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sent), time.time() - began


def main():
    data = tempfile.mkdtemp(prefix="windrow-ingest-bench-")
    cluster = subprocess.Popen([os.path.realpath(BIN), "local", "--data-dir", data, "--http-port", str(PORT), "--ingest-port", "0", "--otlp-port", "0",
                                "--statsd-port", str(STATSD), "--log-level", "warning"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        now_ms = int(time.time() * 1000)
        lines = [(("\n".join(f"bench.lp,host=h{(b * 5000 + i) % 500} value={i % 977}.5 {now_ms * 1_000_000 + i}" for i in range(5000))).encode(), 5000) for b in range(8)]
        sent, elapsed = drive("/write?precision=ns", lines, {"Content-Type": "text/plain"})
        counted = settled("bench.lp", now_ms - 60_000, now_ms + 3_600_000, sent)
        print(f"line protocol, POST /write, 5,000 lines a request, 4 connections: {sent / elapsed:,.0f} samples/s acknowledged; {counted} of {sent} counted by queries")
        items = [(json.dumps([{"name": "bench.json", "value": i % 977 + 0.5, "timestamp": now_ms, "tags": {"host": f"h{i % 500}"}} for i in range(5000)]).encode(), 5000) for _ in range(4)]
        sent, elapsed = drive("/v1/metrics", items, {"Content-Type": "application/json"})
        counted = settled("bench.json", now_ms - 60_000, now_ms + 3_600_000, sent)
        print(f"JSON, POST /v1/metrics, 5,000 items a request, 4 connections: {sent / elapsed:,.0f} samples/s acknowledged; {counted} of {sent} counted")
        packet = "\n".join(f"bench.statsd:{i}|ms|#host:h{i % 10}" for i in range(20)).encode()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        total = 0
        for rate in (1_000, 2_000, 5_000, 10_000, 20_000, 40_000):
            packets, began = 0, time.time()
            while time.time() < began + 3:
                due = int((time.time() - began) * rate)
                while packets < due:
                    udp.sendto(packet, ("127.0.0.1", STATSD))
                    packets += 1
                time.sleep(0.0005)
            total += packets * 20
            counted = settled("bench.statsd", now_ms - 60_000, int(time.time() * 1000) + 3_600_000, total, seconds=8)
            print(f"statsd at {rate:,} packets/s (20 lines each, {rate * 20:,} samples/s): {counted} of {total} samples counted so far")
            if counted < total:
                break
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
