#!/usr/bin/env python3
"""Windrow in the Prometheus and OpenTelemetry ecosystem, with real peers (release binary):

- Debian's Prometheus server discovers every role through GET /v1/cluster/targets (http_sd),
  scrapes them, and remote-writes everything to Windrow's POST /api/v1/write; Windrow's
  answers through its Prometheus API are then compared with Prometheus' own for the same
  series (max/min/count/sum/avg/last over a minute, bare selectors, aggregations);
- `promtool query instant|range|labels|series` and `promtool check metrics` against Windrow;
- the PyPI `prometheus-api-client` (PrometheusConnect) against Windrow;
- the requests Grafana's Prometheus datasource makes when it connects, lists metrics and
  draws a panel, replayed (buildinfo, `1+1`, label names and values, series, metadata,
  POST query_range), and Prometheus' error envelope for unsupported PromQL;
- cumulative counters with resets, remote-written in many requests spread over the mappers:
  `increase` and `rate` against an exact reference computed from the samples;
- the PyPI `opentelemetry-sdk` with `opentelemetry-exporter-otlp-proto-http` (cumulative and
  delta temporality) to the OTLP port and to /opentelemetry/v1/metrics, and an OTLP JSON body;
- line protocol with string fields (skipped and counted, 204), `/health` for the PyPI
  `influxdb-client` 2.x, and `/api/v2/ping`.

Prints "N passed, M failed" and exits non-zero on any failure.
"""
import json, math, os, random, shutil, signal, struct, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request

import snappy

from testkit import ROOT, LocalCluster, Tally, free_port, metric_value

TALLY = Tally()
check = TALLY.check
PORT = free_port()
OTLP_PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"


def get(path, base=BASE):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.loads(response.read())


def post_form(path, fields, base=BASE):
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def post(path, body, headers, base=BASE):
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def instant(query, at, base=BASE):
    return get("/api/v1/query?" + urllib.parse.urlencode({"query": query, "time": at}), base)


def by_labels(result, key="value"):
    """{frozenset(labels): value} of a vector answer."""
    return {frozenset(item["metric"].items()): float(item[key][1]) for item in result["data"]["result"]}


# ---------------------------------------------------------------------------------------------
# Protobuf written by hand from remote.proto / types.proto (no generated code).

def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, wire, payload):
    if wire == 2:
        return varint(number << 3 | 2) + varint(len(payload)) + payload
    return varint(number << 3 | wire) + payload


def write_request(series):
    """series: [(labels dict, [(value, ms)])] → snappy-compressed WriteRequest."""
    body = b""
    for labels, samples in series:
        ts = b""
        for name in sorted(labels):
            ts += field(1, 2, field(1, 2, name.encode()) + field(2, 2, labels[name].encode()))
        for value, ms in samples:
            ts += field(2, 2, field(1, 1, struct.pack("<d", value)) + field(2, 0, varint(ms & (2**64 - 1))))
        body += field(1, 2, ts)
    return snappy.compress(body)


# ---------------------------------------------------------------------------------------------

class PrometheusServer:
    """Debian's prometheus on a free loopback port, scraping what Windrow's http_sd lists and
    remote-writing to Windrow."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.directory = tempfile.mkdtemp(prefix="windrow-prom-")
        config = os.path.join(self.directory, "prometheus.yml")
        with open(config, "w") as out:
            out.write(f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: windrow
    http_sd_configs:
      - url: {BASE}/v1/cluster/targets
        refresh_interval: 2s
remote_write:
  - url: {BASE}/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      max_samples_per_send: 2000
      min_backoff: 100ms
      max_backoff: 1s
""")
        self.process = subprocess.Popen(["prometheus", "--config.file", config, "--storage.tsdb.path", self.directory + "/data",
                                         "--web.listen-address", f"127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=open(self.directory + "/log", "w"))
        for _ in range(150):
            try:
                if urllib.request.urlopen(self.url + "/-/ready", timeout=1).status == 200:
                    break
            except Exception:
                time.sleep(0.2)
        return self

    def log(self):
        with open(self.directory + "/log") as log:
            return log.read()

    def __exit__(self, *_):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def test_prometheus_scrapes_discovers_and_remote_writes():
    with PrometheusServer() as prometheus:
        # Every role discovered and scraped.
        deadline = time.time() + 60
        roles = set()
        while time.time() < deadline:
            targets = get("/api/v1/targets", prometheus.url)["data"]["activeTargets"]
            roles = {t["labels"].get("role") for t in targets if t["health"] == "up"}
            if {"coordinator", "mapper", "reducer", "front"} <= roles and len([t for t in targets if t["health"] == "up"]) >= 6:
                break
            time.sleep(1)
        check({"coordinator", "mapper", "reducer", "front"} <= roles, f"Prometheus discovered and scraped every role through /v1/cluster/targets ({sorted(r for r in roles if r)})")

        # Let a full minute of scrapes pass, then wait for Windrow to hold them.
        start = time.time()
        minute = (int(start) // 60 + 2) * 60
        while time.time() < minute + 8:
            time.sleep(1)
        series = 'process_cpu_seconds_total{role="front"}'
        raw = get("/api/v1/query?" + urllib.parse.urlencode({"query": series + "[2m]", "time": minute}), prometheus.url)["data"]["result"]
        check(len(raw) == 1, f"Prometheus holds one series of {series}")
        samples = [(float(t), float(v)) for t, v in raw[0]["values"]] if raw else []
        window = [v for t, v in samples if minute - 60 <= t < minute]
        check(len(window) >= 30, f"Prometheus scraped {len(window)} samples in the minute")
        # Windrow's window is [T-60s, T), Prometheus' (T-60s, T]: pick T where both hold the same samples.
        on_edge = any(t in (minute, minute - 60) for t, _ in samples)
        check(not on_edge, "no scrape sits exactly on the minute's edges")
        deadline = time.time() + 30
        counted = 0
        while time.time() < deadline:
            answer = instant(f"count_over_time({series}[1m])", minute)["data"]["result"]
            counted = float(answer[0]["value"][1]) if answer else 0
            if counted >= len(window):
                break
            time.sleep(1)
        check(counted == len(window), f"Windrow counts the {len(window)} remote-written samples of the minute ({counted})")
        for function, reference in [("max_over_time", max(window)), ("min_over_time", min(window)), ("count_over_time", len(window)),
                                    ("sum_over_time", math.fsum(window)), ("avg_over_time", math.fsum(window) / len(window)),
                                    ("last_over_time", window[-1])]:
            query = f"{function}({series}[1m])"
            ours = instant(query, minute)["data"]["result"]
            theirs = instant(query, minute, prometheus.url)["data"]["result"]
            ours_value = float(ours[0]["value"][1]) if ours else None
            theirs_value = float(theirs[0]["value"][1]) if theirs else None
            check(ours_value is not None and theirs_value is not None and math.isclose(ours_value, theirs_value, rel_tol=1e-12)
                  and math.isclose(ours_value, reference, rel_tol=1e-12),
                  f"{query}: Windrow {ours_value}, Prometheus {theirs_value}, exact {reference}")
        # The same labels as Prometheus, without __name__ for functions, with it for bare selectors.
        ours = instant(f"max_over_time({series}[1m])", minute)["data"]["result"]
        theirs = instant(f"max_over_time({series}[1m])", minute, prometheus.url)["data"]["result"]
        check(ours and theirs and ours[0]["metric"] == theirs[0]["metric"], f"labels agree: {ours[0]['metric'] if ours else None} vs {theirs[0]['metric'] if theirs else None}")
        bare_ours = instant(series, minute)["data"]["result"]
        check(bare_ours and float(bare_ours[0]["value"][1]) == window[-1] and bare_ours[0]["metric"].get("__name__") == "process_cpu_seconds_total",
              "a bare selector answers the last sample before the time, with its name")
        # Aggregations over all nodes' series.
        for query in ['sum(max_over_time(process_resident_memory_bytes[1m]))', 'count by (role) (max_over_time(up[1m]))',
                      'max without (instance, node) (min_over_time(process_open_fds[1m]))']:
            ours = by_labels(instant(query, minute))
            theirs = by_labels(instant(query, minute, prometheus.url))
            check(ours == theirs and len(ours) > 0, f"{query}: {ours} vs Prometheus {theirs}")
        # A range query, through promtool against both, compared point by point.
        query = f"max_over_time({series}[1m])"
        promtool = lambda url: subprocess.run(["promtool", "query", "range", "--start", str(minute - 180), "--end", str(minute),
                                               "--step", "60s", url, query], capture_output=True, text=True, timeout=60)
        ours, theirs = promtool(BASE), promtool(prometheus.url)
        parse = lambda text: [line.split(" @[")[0] + "@" + line.split(" @[")[1] for line in text.splitlines() if " @[" in line]
        ours_points = {line.split("@")[1]: float(line.split("@")[0]) for line in parse(ours.stdout)}
        theirs_points = {line.split("@")[1]: float(line.split("@")[0]) for line in parse(theirs.stdout)}
        common = set(ours_points) & set(theirs_points)
        check(ours.returncode == 0 and len(common) >= 2 and all(ours_points[k] == theirs_points[k] for k in common),
              f"promtool query range: Windrow and Prometheus agree on {len(common)} points ({ours.stderr.strip()[:200]})")
        errors = [line for line in prometheus.log().splitlines() if "non-recoverable" in line.lower()]
        check(not errors, f"Prometheus logged no non-recoverable remote_write error {errors[:2]}")

        # Everything Prometheus scraped from Windrow passes its own checks.
        for target in get("/v1/cluster/targets"):
            address = target["targets"][0]
            text = urllib.request.urlopen(f"http://{address}/metrics", timeout=10).read()
            linted = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, timeout=30)
            names = text.decode()
            check(linted.returncode == 0 and "process_cpu_seconds_total" in names and "process_start_time_seconds" in names
                  and "windrow_build_info{" in names and "windrow_http_requests_total{" in names,
                  f"{target['labels']['node']}'s /metrics passes promtool check metrics and has process_*, build_info and HTTP counts ({linted.stdout.decode()[:200]})")


def test_promtool_and_api_client():
    now = int(time.time())
    name = "eco.client"
    base = (now // 60 - 30) * 60
    body = "\n".join(f"{name},host=h{i % 3} value={i} {(base + i * 60) * 10**9}" for i in range(30)) + "\n"
    status, _ = post("/write", body.encode(), {"Content-Type": "text/plain"})
    check(status == 204, "line protocol written for the client checks")
    time.sleep(1.5)
    instant_run = subprocess.run(["promtool", "query", "instant", "--time", str(base + 30 * 60), BASE, f'sum(count_over_time({name}[30m]))'],
                                 capture_output=True, text=True, timeout=30)
    check(instant_run.returncode == 0 and instant_run.stdout.strip().endswith(f"=> 30 @[{base + 30 * 60}]"),
          f"promtool query instant: {instant_run.stdout.strip()} {instant_run.stderr.strip()[:200]}")
    labels_run = subprocess.run(["promtool", "query", "labels", BASE, "host"], capture_output=True, text=True, timeout=30)
    check(labels_run.returncode == 0 and labels_run.stdout.split() == ["h0", "h1", "h2"], f"promtool query labels: {labels_run.stdout.split()}")
    series_run = subprocess.run(["promtool", "query", "series", "--match", f'{name}{{host=~"h[01]"}}', BASE], capture_output=True, text=True, timeout=30)
    check(series_run.returncode == 0 and len(series_run.stdout.strip().splitlines()) == 2 and 'host="h2"' not in series_run.stdout,
          f"promtool query series: {series_run.stdout.strip()}")
    range_run = subprocess.run(["promtool", "query", "range", "--start", str(base + 600), "--end", str(base + 1200), "--step", "5m", BASE,
                                f'avg_over_time({name}{{host="h0"}}[15m])'], capture_output=True, text=True, timeout=30)
    values = [float(line.split(" @[")[0]) for line in range_run.stdout.splitlines() if " @[" in line]
    # h0 holds i = 0, 3, 6, ... at base + i·60 s; [t-15m, t) holds those with t-15m <= base+i·60 < t.
    def reference(t):
        held = [i for i in range(0, 30, 3) if t - 900 <= base + i * 60 < t]
        return sum(held) / len(held)
    check(values == [reference(base + 600 + k * 300) for k in range(3)], f"promtool query range: {values}")

    from prometheus_api_client import PrometheusConnect
    client = PrometheusConnect(url=BASE, disable_ssl=True)
    check(client.check_prometheus_connection(), "prometheus-api-client connects")
    check(name in client.all_metrics(), "prometheus-api-client all_metrics lists the name")
    check(client.get_label_values("host") == ["h0", "h1", "h2"], "prometheus-api-client label values")
    from datetime import datetime, timezone
    ranged = client.custom_query_range(f'max by (host) (max_over_time({name}[10m]))', start_time=datetime.fromtimestamp(base + 600, timezone.utc),
                                       end_time=datetime.fromtimestamp(base + 1800, timezone.utc), step="600")
    got = {r["metric"]["host"]: [float(v) for _, v in r["values"]] for r in ranged}
    want = {f"h{h}": [max(i for i in range(30) if i % 3 == h and t - 600 <= base + i * 60 < t) for t in (base + 600, base + 1200, base + 1800)] for h in range(3)}
    check(got == want, f"prometheus-api-client custom_query_range: {got} vs {want}")
    value = client.custom_query(f'sum(sum_over_time({name}[30m]))', params={"time": base + 1800})
    check(float(value[0]["value"][1]) == sum(range(30)), f"prometheus-api-client custom_query: {value}")


def test_grafana_datasource_requests():
    """The requests Grafana 10's Prometheus datasource makes, in its forms (POST by default)."""
    now = int(time.time())
    headers = {"X-Grafana-Org-Id": "1", "User-Agent": "Grafana/10.4.0", "Accept": "application/json, text/plain, */*"}

    def grafana(method, path, fields):
        if method == "GET":
            request = urllib.request.Request(BASE + path + "?" + urllib.parse.urlencode(fields), headers=headers)
        else:
            request = urllib.request.Request(BASE + path, data=urllib.parse.urlencode(fields).encode(),
                                             headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    info = grafana("GET", "/api/v1/status/buildinfo", {})
    check(info["status"] == "success" and "version" in info["data"], f"buildinfo: {info}")
    health = grafana("GET", "/api/v1/query", {"query": "1+1", "time": now})
    check(health["data"]["resultType"] == "scalar" and health["data"]["result"][1] == "2", f"connection test 1+1: {health}")
    names = grafana("GET", "/api/v1/label/__name__/values", {"start": now - 3600, "end": now})
    check("eco.client" in names["data"], "metric browser lists names")
    labels = grafana("POST", "/api/v1/labels", {"start": now - 3600, "end": now})
    check("__name__" in labels["data"] and "host" in labels["data"], f"label names: {labels['data'][:10]}")
    series = grafana("POST", "/api/v1/series", {"match[]": "eco.client", "start": now - 3600, "end": now})
    check(len(series["data"]) == 3 and all(s["__name__"] == "eco.client" for s in series["data"]), "series of a name")
    values = grafana("GET", "/api/v1/label/host/values", {"match[]": '{__name__="eco.client"}', "start": now - 3600, "end": now})
    check(values["data"] == ["h0", "h1", "h2"], f"label values under a match: {values['data']}")
    metadata = grafana("GET", "/api/v1/metadata", {})
    check(metadata["status"] == "success" and "eco.client" in metadata["data"], "metadata")
    step = 60
    start, end = (now - 3600) // step * step, now // step * step
    panel = grafana("POST", "/api/v1/query_range", {"query": "sum by (host) (count_over_time(eco.client[1m]))", "start": start, "end": end, "step": step})
    total = sum(float(v) for r in panel["data"]["result"] for _, v in r["values"])
    check(panel["data"]["resultType"] == "matrix" and total == 30, f"panel query_range counts every sample once ({total})")
    try:
        grafana("POST", "/api/v1/query_range", {"query": "histogram_quantile(0.9, rate(x[5m]))", "start": start, "end": end, "step": step})
        check(False, "unsupported PromQL is refused")
    except urllib.error.HTTPError as error:
        envelope = json.loads(error.read())
        check(error.code == 400 and envelope["status"] == "error" and envelope["errorType"] == "bad_data"
              and "histogram_quantile" in envelope["error"], f"unsupported PromQL gets bad_data naming it: {envelope}")


def test_counters_with_resets():
    """A cumulative counter that resets twice, remote-written sample by sample in requests that
    land on different mappers: increase and rate match the documented definition exactly."""
    random.seed(13)
    base = (int(time.time()) // 3600 - 3) * 3600 * 1000
    samples = []
    value = 0.0
    for i in range(240):  # every 15 s for an hour
        if i in (70, 161):
            value = 0.0
        value += random.randint(0, 50)
        samples.append((value, base + i * 15_000 + 1))
    for start in range(0, len(samples), 7):
        chunk = samples[start:start + 7]
        status, body = post("/api/v1/write", write_request([({"__name__": "eco_requests_total", "job": "api"}, chunk)]),
                            {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
                             "X-Prometheus-Remote-Write-Version": "0.1.0", "Idempotency-Key": f"eco-{start}"})
        if status != 204:
            check(False, f"remote_write answered {status}: {body[:200]}")
            return
    check(True, "240 counter samples remote-written in 35 requests")
    time.sleep(1.5)

    def reference(t_ms, range_ms):
        """The increments of the samples in [t - range, t), each from the sample before it
        (Prometheus' rule: a drop counts the new value from zero)."""
        total = 0.0
        previous = None
        for v, ts in samples:
            if ts >= t_ms:
                break
            if ts >= t_ms - range_ms and previous is not None:
                total += v - previous if v >= previous else v
            previous = v
        return total

    times = [base // 1000 + 600 * k for k in range(1, 7)]
    answer = get("/api/v1/query_range?" + urllib.parse.urlencode({"query": "increase(eco_requests_total[10m])", "start": times[0], "end": times[-1], "step": 600}))
    got = [float(v) for _, v in answer["data"]["result"][0]["values"]]
    want = [reference(t * 1000, 600_000) for t in times]
    check(got == want, f"increase over 10-minute ranges across two resets: {got} vs {want}")
    check(sum(got) == reference(times[-1] * 1000, 3_600_000), "the ranges' increases add up to the hour's")
    rate = get("/api/v1/query_range?" + urllib.parse.urlencode({"query": "rate(eco_requests_total[10m]) * 60", "start": times[0], "end": times[-1], "step": 600}))
    check([float(v) for _, v in rate["data"]["result"][0]["values"]] == [w / 600 * 60 for w in want], "rate is the increase per second")


def test_opentelemetry_sdk():
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.metrics import Observation
    from opentelemetry.sdk.metrics import Counter, MeterProvider, Histogram
    from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    for label, endpoint, temporality in [("cumulative to the OTLP port", f"http://127.0.0.1:{OTLP_PORT}/v1/metrics", AggregationTemporality.CUMULATIVE),
                                         ("delta to /opentelemetry/v1/metrics", f"{BASE}/opentelemetry/v1/metrics", AggregationTemporality.DELTA)]:
        tag = "cumulative" if temporality == AggregationTemporality.CUMULATIVE else "delta"
        exporter = OTLPMetricExporter(endpoint=endpoint, preferred_temporality={Counter: temporality, Histogram: temporality})
        reader = PeriodicExportingMetricReader(exporter, export_interval_millis=300)
        provider = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "eco-" + tag}))
        meter = provider.get_meter("windrow-test")
        counter = meter.create_counter("otel.requests", unit="1")
        histogram = meter.create_histogram("otel.latency", unit="ms")
        gauge_values = []
        meter.create_observable_gauge("otel.queue", callbacks=[lambda options: [Observation(gauge_values[-1] if gauge_values else 0, {"queue": "a"})]])
        random.seed(5)
        added = 0
        latencies = []
        start = time.time()
        for round_number in range(8):
            for _ in range(25):
                amount = random.randint(1, 9)
                counter.add(amount, {"route": "/a"})
                added += amount
                latency = random.uniform(1, 200)
                histogram.record(latency, {"route": "/a"})
                latencies.append(latency)
            gauge_values.append(round_number * 10)
            time.sleep(0.35)
        provider.force_flush()
        provider.shutdown()
        time.sleep(1.5)
        begin, end = int(start) // 60 * 60 - 60, int(time.time()) // 60 * 60 + 120
        service = f'service.name="eco-{tag}"'
        if temporality == AggregationTemporality.CUMULATIVE:
            last = instant(f'max(max_over_time({{__name__="otel.requests",{service}}}[10m]))', end)
            total = float(last["data"]["result"][0]["value"][1]) if last["data"]["result"] else None
            check(total == added, f"{label}: the cumulative counter's latest value is the {added} added ({total})")
            increase = instant(f'sum(increase({{__name__="otel.requests",{service}}}[10m]))', end)
            got = float(increase["data"]["result"][0]["value"][1]) if increase["data"]["result"] else None
            check(got is not None and got <= added, f"{label}: increase counts from the first export ({got} of {added})")
        else:
            summed = instant(f'sum(sum_over_time({{__name__="otel.requests",{service}}}[10m]))', end)
            total = float(summed["data"]["result"][0]["value"][1]) if summed["data"]["result"] else None
            check(total == added, f"{label}: the delta counter's increments sum to the {added} added ({total})")
            rate = instant(f'sum(increase({{__name__="otel.requests",{service}}}[10m]))', end)
            check(rate["data"]["result"] and float(rate["data"]["result"][0]["value"][1]) == added, f"{label}: increase of a delta counter is its sum")
        query = (f'max(max_over_time({{__name__="otel.latency.count",{service}}}[10m]))' if tag == "cumulative"
                 else f'sum(sum_over_time({{__name__="otel.latency.count",{service}}}[10m]))')
        count = instant(query, end)["data"]["result"]
        check(count and float(count[0]["value"][1]) == len(latencies), f"{label}: histogram count {count[0]['value'][1] if count else None} == {len(latencies)}")
        query = query.replace("otel.latency.count", "otel.latency.sum")
        summed = instant(query, end)["data"]["result"]
        check(summed and math.isclose(float(summed[0]["value"][1]), math.fsum(latencies), rel_tol=1e-9),
              f"{label}: histogram sum {summed[0]['value'][1] if summed else None} vs {math.fsum(latencies)}")
        maximum = instant(f'max(max_over_time({{__name__="otel.latency.max",{service}}}[10m]))', end)["data"]["result"]
        check(maximum and float(maximum[0]["value"][1]) == max(latencies), f"{label}: histogram max kept")
        buckets = get("/api/v1/series?" + urllib.parse.urlencode({"match[]": f'{{__name__="otel.latency.bucket",{service}}}'}))["data"]
        check(any(s.get("le") == "+Inf" for s in buckets) and len(buckets) > 5, f"{label}: histogram buckets with le tags ({len(buckets)})")
        gauge = instant(f'max(max_over_time({{__name__="otel.queue",{service},queue="a"}}[10m]))', end)["data"]["result"]
        check(gauge and float(gauge[0]["value"][1]) == 70, f"{label}: observable gauge's largest value")
        tags = get("/api/v1/series?" + urllib.parse.urlencode({"match[]": f'{{__name__="otel.requests",{service}}}'}))["data"]
        check(tags and tags[0].get("route") == "/a" and tags[0].get("telemetry.sdk.language") == "python",
              f"{label}: point and resource attributes are tags: {tags[:1]}")

    # OTLP JSON, written by hand: a gauge and a summary.
    now_ns = (int(time.time()) // 60 * 60 - 120) * 10**9 + 5 * 10**9
    document = {"resourceMetrics": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "eco-json"}}]},
                "scopeMetrics": [{"metrics": [
                    {"name": "json.temperature", "gauge": {"dataPoints": [{"asDouble": 21.5, "timeUnixNano": str(now_ns), "attributes": [{"key": "room", "value": {"stringValue": "a"}}]},
                                                                         {"asInt": "23", "timeUnixNano": str(now_ns + 10**9), "attributes": [{"key": "room", "value": {"stringValue": "a"}}]}]}},
                    {"name": "json.rpc", "summary": {"dataPoints": [{"count": "4", "sum": 10.0, "timeUnixNano": str(now_ns),
                                                                     "quantileValues": [{"quantile": 0.5, "value": 2.0}, {"quantile": 0.99, "value": 4.0}]}]}},
                    {"name": "json.bad value", "gauge": {"dataPoints": [{"asDouble": 1, "timeUnixNano": str(now_ns)}]}}]}]}]}
    status, body = post("/opentelemetry/v1/metrics", json.dumps(document).encode(), {"Content-Type": "application/json"})
    answer = json.loads(body or b"{}")
    check(status == 200 and answer.get("partialSuccess", {}).get("rejectedDataPoints") in ("1", 1) and "json.bad value" in answer["partialSuccess"]["errorMessage"],
          f"OTLP JSON: 200 with the bad point counted in partialSuccess ({status} {answer})")
    time.sleep(1.5)
    at = now_ns // 10**9 - 5 + 60
    temperature = instant('avg_over_time({__name__="json.temperature",room="a"}[1m])', at)["data"]["result"]
    check(temperature and float(temperature[0]["value"][1]) == 22.25, f"OTLP JSON gauge: {temperature}")
    quantile = instant('last_over_time({__name__="json.rpc",quantile="0.99"}[1m])', at)["data"]["result"]
    check(quantile and float(quantile[0]["value"][1]) == 4.0, f"OTLP JSON summary quantile: {quantile}")
    status, body = post("/opentelemetry/v1/metrics", b"\x0a\xff\xff", {"Content-Type": "application/x-protobuf"})
    check(status == 400, f"a body that is not OTLP protobuf gets 400 ({status} {body[:120]})")


def test_line_protocol_agents():
    from influxdb_client import InfluxDBClient
    client = InfluxDBClient(url=BASE, token="unused", org="-")
    check(client.health().status == "pass", "influxdb-client 2.x health() passes")
    check(client.ping(), "influxdb-client 2.x ping()")
    ping = urllib.request.urlopen(BASE + "/api/v2/ping", timeout=10)
    check(ping.status == 204, "/api/v2/ping answers 204")
    before = metric_value(mapper_metrics(), "windrow_line_string_fields_skipped_total")
    t = (int(time.time()) // 60 * 60 - 60) * 10**9
    body = (f'system,host=agent uptime_format="3 days,  4:05",load1=0.25,n_users=2i {t}\n'
            f'system,host=agent uptime_format="3 days,  4:06",load1=0.75,n_users=3i {t + 10**9}\n')
    status, answer = post("/write", body.encode(), {"Content-Type": "text/plain"})
    check(status == 204, f"a line with a string field is written: {status} {answer[:200]}")
    time.sleep(1.5)
    load = instant('sum_over_time({__name__="system.load1",host="agent"}[1m])', t // 10**9 + 60)["data"]["result"]
    check(load and float(load[0]["value"][1]) == 1.0, f"the numeric fields of those lines are stored: {load}")
    after = metric_value(mapper_metrics(), "windrow_line_string_fields_skipped_total")
    check(after - before == 2, f"the string fields are counted in windrow_line_string_fields_skipped_total ({after - before})")


def test_reducers_report_partition_load():
    """After the writes above, each reducer reports a load only for partitions it owns."""
    cluster = get("/v1/cluster")
    loads = {n["id"]: n.get("partitionLoad") or [] for n in cluster["nodes"] if n["role"] == "reducer"}
    owned = all(cluster["reducers"][cluster["owners"][entry["partition"]]] == node for node, entries in loads.items() for entry in entries)
    total = sum(entry["samplesPerSecond"] for entries in loads.values() for entry in entries)
    check(total > 0 and all(entry["rowsPerSecond"] > 0 for entries in loads.values() for entry in entries) and owned,
          f"reducers report their partitions' load in /v1/cluster ({ {k: len(v) for k, v in loads.items()} } partitions, {total:.1f} samples/s)")
    # The balance is recomputed here from the same loads: the busiest live reducer's weight over
    # the mean, each partition weighing its samples plus rows per second plus a floor of 5 % of
    # the mean partition's load.
    cluster = get("/v1/cluster")
    live = [n["id"] for n in cluster["nodes"] if n["role"] == "reducer" and n["alive"]]
    load = [0.0] * cluster["partitions"]
    for node in cluster["nodes"]:
        if node["role"] == "reducer" and node["alive"]:
            for entry in node.get("partitionLoad") or []:
                load[entry["partition"]] += entry["samplesPerSecond"] + entry["rowsPerSecond"]
    mean_load = sum(load) / len(load)
    weight = [x + (mean_load * 0.05 if mean_load > 0 else 1) for x in load]
    per_slot = {node: sum(w for p, w in enumerate(weight) if cluster["reducers"][cluster["owners"][p]] == node) for node in live}
    imbalance = max(per_slot.values()) / (sum(weight) / len(live))
    balance = cluster["balance"]
    moves_start_at_owner = all(cluster["reducers"][cluster["owners"][m["partition"]]] == m["from"] and m["to"] in live
                               for m in balance["proposedMoves"])
    check(abs(balance["imbalance"] - imbalance) < 1e-6 * imbalance and balance["imbalanceAfter"] <= balance["imbalance"] + 1e-9
          and moves_start_at_owner,
          f"/v1/cluster shows the load balance (imbalance {balance['imbalance']:.3f}, recomputed {imbalance:.3f}, "
          f"{len(balance['proposedMoves'])} moves to {balance['imbalanceAfter']:.3f}, hot partitions {balance['hotPartitions']})")


def mapper_metrics():
    text = ""
    for target in get("/v1/cluster/targets"):
        if target["labels"]["role"] == "mapper":
            text += urllib.request.urlopen(f"http://{target['targets'][0]}/metrics", timeout=10).read().decode()
    return text


def main():
    with LocalCluster(PORT, "--statsd-port", "0", "--otlp-port", str(OTLP_PORT)):
        TALLY.run(test_promtool_and_api_client, test_grafana_datasource_requests, test_line_protocol_agents, test_counters_with_resets,
                  test_opentelemetry_sdk, test_reducers_report_partition_load, test_prometheus_scrapes_discovers_and_remote_writes)
    return TALLY.finish()


if __name__ == "__main__":
    sys.exit(main())
