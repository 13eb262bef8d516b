#!/usr/bin/env python3
"""The web face's figures, beside VictoriaMetrics where it has the same thing to do:

- query latency (median and slowest of 30 rounds on one connection) for one name over a day at 1m, and
  for a glob over 20 names over a day at 1h (one series per name), beside VictoriaMetrics'
  query_range for the same buckets (`{__name__=~"..."}`, grouped by name; `nocache=1`, else it
  answers every round after the first from its rollup cache);
- the page in headless Chromium: milliseconds from navigation to the first drawn chart for
  that glob at 5m (20 lines of 288 buckets), median of 5;
- how long a front takes to stop on SIGTERM with 0, 20 and 100 event streams open.

Workload: 20 names x 10 hosts, one sample a minute each over 24 hours (288,000 samples),
sent as the same line-protocol bodies to both systems; counts are checked exact on both sides.
Not a test: it prints figures.   scripts/web_bench.py [--bin PATH]"""
import argparse, http.client, json, os, random, shutil, signal, statistics, subprocess, sys, threading, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import DAY_MS, ROOT, Victoria, Windrow  # noqa: E402
from testkit import free_port  # noqa: E402

NAMES, HOSTS, ROUNDS = 20, 10, 30


def bodies(start_ms):
    random.seed(5)
    lines = []
    for minute in range(1440):
        ms = start_ms + minute * 60_000
        for n in range(NAMES):
            for h in range(HOSTS):
                lines.append(f"bench.web.n{n:02d},host=h{h} value={round(random.gauss(100, 15), 3)} {ms}")
    return [("\n".join(lines[i:i + 10_000]) + "\n").encode() for i in range(0, len(lines), 10_000)], len(lines)


def send(port, chunks):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for body in chunks:
        connection.request("POST", "/write?precision=ms", body=body)
        response = connection.getresponse()
        response.read()
        if response.status not in (200, 204):
            raise RuntimeError(f"write answered {response.status}")
    connection.close()


def latency(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - began) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {body[:200]!r}")
    connection.close()
    times.sort()
    return times[len(times) // 2], times[-1]


def page_draw_ms(base, fragment):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        times = []
        for _ in range(5):
            driver.get("about:blank")
            began = time.perf_counter()
            driver.get(base + "/#" + fragment)
            while not driver.execute_script("return window.windrow && window.windrow.loads >= 1 && window.windrow.graph !== null"):
                time.sleep(0.005)
            times.append((time.perf_counter() - began) * 1000)
        lines = len(driver.execute_script("return windrow.labels")) - 1
        return statistics.median(times), lines
    finally:
        driver.quit()


def stop_seconds(windrow, streams):
    ports = json.load(open(os.path.join(windrow.data, "local-ports.json")))
    port = free_port()
    front = subprocess.Popen([windrow.binary, "front", "--id", f"front-bench-{streams}", "--host", "127.0.0.1", "--http-port", str(port),
                              "--coordinator", f"tcp://127.0.0.1:{ports['coordinator']}", "--log-level", "error",
                              "--cluster-secret-file", os.path.join(windrow.data, "cluster-secret")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).status == 200:
                break
        except Exception:
            time.sleep(0.2)
    opened = []

    def stream():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/v1/stream?name=bench.web.n00&stats=avg&refresh=1000")
        response = connection.getresponse()
        response.fp.read1(64)
        opened.append(connection)
        try:
            while response.fp.read1(4096):
                pass
        except OSError:
            pass

    threads = [threading.Thread(target=stream, daemon=True) for _ in range(streams)]
    for thread in threads:
        thread.start()
    while len(opened) < streams:
        time.sleep(0.05)
    began = time.time()
    front.send_signal(signal.SIGTERM)
    front.wait(timeout=120)
    return time.time() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "windrow"))
    arguments = parser.parse_args()
    start_ms = (int(time.time() * 1000) // DAY_MS - 1) * DAY_MS
    chunks, total = bodies(start_ms)
    end_ms = start_ms + DAY_MS
    windrow, victoria = Windrow(arguments.bin, ["--statsd-port", "0"]), Victoria()
    rows = []
    try:
        windrow.start()
        victoria.start()
        send(windrow.port, chunks)
        send(victoria.port, chunks)
        victoria.flush()
        glob = {"name": "bench.web.*", "from": start_ms, "to": end_ms, "stats": "count"}
        deadline = time.time() + 120
        while time.time() < deadline:
            counted = sum(c for s in windrow.get("/v1/query?" + urllib.parse.urlencode({**glob, "step": "1d"}))["series"] for c in s["count"] if c)
            if counted >= total:
                break
            time.sleep(0.5)
        vm = victoria.get("/api/v1/query?" + urllib.parse.urlencode({"query": 'sum(count_over_time({__name__=~"bench\\\\.web\\\\..*_value"}[2d]))',
                                                                      "time": end_ms // 1000 + 1}))["data"]["result"]
        vm_count = int(float(vm[0]["value"][1])) if vm else 0
        print(f"samples: {total}; counted by Windrow {counted}, by VictoriaMetrics {vm_count}")
        one_w = "/v1/query?" + urllib.parse.urlencode({"name": "bench.web.n00", "from": start_ms, "to": end_ms, "step": "1m", "stats": "avg,max,p99"})
        # nocache=1: VictoriaMetrics would otherwise answer every round after the first from its rollup cache.
        one_v = "/api/v1/query_range?" + urllib.parse.urlencode({"query": 'max_over_time({__name__="bench.web.n00_value"}[1m])',
                                                                 "start": start_ms // 1000, "end": end_ms // 1000 - 60, "step": 60, "nocache": 1})
        glob_w = "/v1/query?" + urllib.parse.urlencode({**glob, "step": "1h", "stats": "avg,count"})
        glob_v = "/api/v1/query_range?" + urllib.parse.urlencode({"query": 'avg by (__name__) (avg_over_time({__name__=~"bench\\\\.web\\\\..*_value"}[1h]))',
                                                                  "start": start_ms // 1000, "end": end_ms // 1000 - 3600, "step": 3600, "nocache": 1})
        for label, windrow_path, vm_path in (("one name, 1 day at 1m (avg, max, p99)", one_w, one_v),
                                              ("glob over 20 names, 1 day at 1h (avg, count)", glob_w, glob_v)):
            w50, w99 = latency(windrow.port, windrow_path)
            v50, v99 = latency(victoria.port, vm_path)
            rows.append((label, f"{w50:.1f} / {w99:.1f}", f"{v50:.1f} / {v99:.1f}", f"{w50 / v50:.2f}x"))
        draw, lines = page_draw_ms(f"http://127.0.0.1:{windrow.port}", f"names=bench.web.*&range=custom&from={start_ms}&to={end_ms}&step=5m&zone=utc")
        print("\n| query | Windrow p50 / max ms | VictoriaMetrics p50 / max ms | p50 ratio |\n|---|---:|---:|---:|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"\npage: {lines} lines of 288 buckets drawn {draw:.0f} ms after navigation (median of 5, headless Chromium)")
        print("\n| event streams open | front stopped after SIGTERM |\n|---:|---:|")
        for streams in (0, 20, 100):
            print(f"| {streams} | {stop_seconds(windrow, streams) * 1000:.0f} ms |")
    finally:
        windrow.stop()
        victoria.stop()


if __name__ == "__main__":
    main()
