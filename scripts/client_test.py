#!/usr/bin/env python3
"""Real third-party clients against a live local cluster (release binary):

- PyPI `influxdb` (InfluxDBClient.write_points) at several precisions, then the answers of
  GET /v1/query compared with an exact reference (math.fsum, sorted lists);
- InfluxDB extras: /ping, create_database() and get_list_database(), gzip-compressed writes,
  POST /api/v2/write;
- PyPI `statsd` (StatsClient counters, gauges with deltas, timers) plus raw DogStatsD packets
  with sample rates and tags;
- scripts/zmq_producer.py, the pyzmq + lz4 reference producer written from docs/protocol.md:
  its bytes equal the document's worked example, and its push and acknowledged batches answer
  exactly;
- tokens: 401 / 403 / success for every scope on every HTTP surface, and ZeroMQ batches taken
  only with a write token (refusals answered and counted per reason).

Bad input on every surface is scripts/bad_input_test.py.

Prints "N passed, M failed" and exits non-zero on any failure.
"""
import json, math, os, socket, subprocess, sys, time, urllib.error, urllib.request

from testkit import BIN, ROOT, LocalCluster, Tally, free_port, metric_value

TALLY = Tally()
check = TALLY.check
PORT = free_port()
STATSD_PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"


def get_json(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as response:
        return json.loads(response.read())


def counted(name, start, end):
    answer = get_json(f"/v1/query?name={name}&from={start}&to={end}&step=1d&stats=count")
    return sum(sum(s["count"]) for s in answer["series"])


def wait_count(name, start, end, want, seconds=20):
    deadline = time.time() + seconds
    seen = -1
    while time.time() < deadline:
        seen = counted(name, start, end)
        if seen >= want:
            break
        time.sleep(0.2)
    return seen


def exact_quantile(values, q):
    values = sorted(values)
    rank = q * (len(values) - 1)
    low = int(rank)
    if rank == low:
        return values[low]
    return values[low] + (values[low + 1] - values[low]) * (rank - low)


def test_influxdb_client():
    from influxdb import InfluxDBClient
    client = InfluxDBClient(host="127.0.0.1", port=PORT, database="ignored")
    hour = 3_600_000
    end = int(time.time() * 1000) // hour * hour - hour
    start = end - 2 * hour
    expected = {}
    for precision, scale in (("s", 1000), ("ms", 1), ("u", 0.001), ("n", 0.000001)):
        points, step = [], 1000 * 7 if precision == "s" else 3917
        for i in range(400):
            ms = start + (i * step) % (2 * hour)
            ms = ms // 1000 * 1000 if precision == "s" else ms
            value = round(math.sin(i) * 100 + i % 17, 3)
            host = f"h{i % 3}"
            stamp = int(ms / scale) if precision in ("s", "ms") else int(ms * (1000 if precision == "u" else 1_000_000))
            points.append({"measurement": "influx.latency", "tags": {"host": host, "precision": precision},
                           "time": stamp, "fields": {"value": value, "count": i % 5}})
            expected.setdefault(("value", host), []).append((ms, value))
            expected.setdefault(("count", host), []).append((ms, float(i % 5)))
        check(client.write_points(points, time_precision=precision) is True, f"influxdb write_points with time_precision={precision}")
    total = sum(len(v) for k, v in expected.items() if k[0] == "value")
    seen = wait_count("influx.latency", start, end, total)
    check(seen == total, f"every line-protocol sample counted exactly once ({seen} of {total})")
    for name, field in (("influx.latency", "value"), ("influx.latency.count", "count")):
        answer = get_json(f"/v1/query?name={name}&from={start}&to={end}&step=1h&stats=count,sum,min,max,p50&group_by=host")
        good = True
        for series in answer["series"]:
            host = series["tags"]["host"]
            for i, bucket in enumerate(series["timestamps"]):
                values = [v for ms, v in expected[(field, host)] if bucket <= ms < bucket + 3_600_000]
                exact = math.fsum(values)
                good &= series["count"][i] == len(values)
                good &= abs(series["sum"][i] - exact) <= 1e-12 * max(1.0, abs(exact))
                good &= series["min"][i] == min(values) and series["max"][i] == max(values)
                q = exact_quantile(values, 0.5)
                good &= abs(series["p50"][i] - q) <= 0.01 * abs(q) + 1e-9
        check(good and len(answer["series"]) == 3, f"{name}: answers per host and hour match the exact reference")


def test_influx_extras():
    """What InfluxDB clients and agents rely on beyond writes: /ping, gzip bodies, the v2 path."""
    now = int(time.time() * 1000)
    from influxdb import InfluxDBClient
    from influxdb.exceptions import InfluxDBClientError
    setup = InfluxDBClient(host="127.0.0.1", port=PORT, database="metricsdb")
    setup.create_database("metricsdb")
    check(setup.get_list_database() == [], "the influxdb client's create_database() and get_list_database() are answered")
    try:
        setup.query("SELECT mean(value) FROM cpu")
        refused = ""
    except InfluxDBClientError as failure:
        refused = str(failure)
    check("GET /v1/query" in refused, f"other InfluxQL is refused with a pointer to GET /v1/query ({refused})")
    zipped = InfluxDBClient(host="127.0.0.1", port=PORT, database="ignored", gzip=True)
    check(bool(zipped.ping()), "the influxdb client's ping() finds the server")
    check(zipped.write_points([{"measurement": "lp.gzip", "time": now, "fields": {"value": float(i)}} for i in range(50)], time_precision="ms"),
          "the influxdb client's gzip-compressed writes are taken")
    gz = wait_count("lp.gzip", now - 60_000, now + 60_000, 50)
    check(gz == 50, f"gzip bodies count every line ({gz} of 50)")
    v2 = urllib.request.Request(BASE + "/api/v2/write?bucket=b&org=o&precision=ms", data=f"lp.v2 value=7 {now}".encode(), method="POST")
    check(urllib.request.urlopen(v2, timeout=30).status == 204 and wait_count("lp.v2", now - 60_000, now + 60_000, 1) == 1, "POST /api/v2/write takes line protocol")


def test_statsd_client():
    import statsd
    client = statsd.StatsClient("127.0.0.1", STATSD_PORT, prefix=None)
    start = int(time.time() * 1000) - 60_000
    for _ in range(100):
        client.incr("sd.hits")
    client.gauge("sd.load", 5)
    time.sleep(0.3)  # the listener resolves gauge deltas in arrival order
    client.gauge("sd.load", 3, delta=True)
    timings = [float(10 + (i * 7) % 90) for i in range(200)]
    for value in timings:
        client.timing("sd.rt", value)
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(10):
        raw.sendto(b"sd.sampled:2|c|@0.5\nsd.tagged:1|c|#route:/a,env:prod", ("127.0.0.1", STATSD_PORT))
    raw.sendto(b"sd.bad:x|c\nsd.set:1|s", ("127.0.0.1", STATSD_PORT))
    end = int(time.time() * 1000) + 60_000
    check(wait_count("sd.hits", start, end, 100) == 100, "statsd counters (StatsClient.incr) are counted")
    hits = get_json(f"/v1/query?name=sd.hits&from={start}&to={end}&step=1d&stats=sum")
    check(sum(sum(s["sum"]) for s in hits["series"]) == 100, "a counter's sum is its count")
    wait_count("sd.sampled", start, end, 10)
    sampled = get_json(f"/v1/query?name=sd.sampled&from={start}&to={end}&step=1d&stats=sum")
    check(sum(sum(s["sum"]) for s in sampled["series"]) == 40, "a counter sent @0.5 counts its value twice")
    wait_count("sd.load", start, end, 2)
    load = get_json(f"/v1/query?name=sd.load&from={start}&to={end}&step=1d&stats=last,max")
    check(load["series"] and load["series"][0]["last"][0] == 8, f"a gauge delta (+3 after 5) is applied ({load['series']})")
    wait_count("sd.rt", start, end, len(timings))
    rt = get_json(f"/v1/query?name=sd.rt&from={start}&to={end}&step=1d&stats=count,p50,p99")
    series = rt["series"][0]
    p50, p99 = exact_quantile(timings, 0.5), exact_quantile(timings, 0.99)
    check(series["count"][0] == len(timings) and abs(series["p50"][0] - p50) <= 0.01 * p50 and abs(series["p99"][0] - p99) <= 0.01 * p99,
          "statsd timers feed the quantile sketch (p50, p99 within 1 %)")
    tagged = get_json(f"/v1/query?name=sd.tagged&from={start}&to={end}&step=1d&stats=count&tags=route:/a,env:prod")
    check(tagged["series"] and tagged["series"][0]["count"][0] == 10, "DogStatsD tags are kept")
    time.sleep(0.5)
    metrics = urllib.request.urlopen(BASE + "/metrics", timeout=10).read().decode()
    check('reason="invalid_type"' in metrics and 'reason="malformed"' in metrics, "bad statsd lines are counted per reason")


def test_zmq_reference_producer():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zmq_producer
    # The document's worked example, byte for byte.
    with open(os.path.join(ROOT, "docs", "protocol.md")) as doc:
        text = doc.read()
    block = text.split("## Worked example", 1)[1].split("```", 2)[1]
    example = bytes(int(h, 16) for line in block.strip().splitlines() for h in line.split("   ")[0].split())
    built = zmq_producer.sample_batch(1, [("cpu", 0, {"host": "a"})], [(0, 1_767_225_600_000_000_000, 0.5)], compress=False)
    check(built == example, "the reference producer reproduces docs/protocol.md's worked example")

    cluster = get_json("/v1/cluster")
    mappers = sorted((n for n in cluster["nodes"] if n["role"] == "mapper"), key=lambda n: n["id"])
    now = time.time_ns()
    series = [("zmq.ref", 0, {"host": f"h{i}"}) for i in range(3)] + [("zmq.ref", 2, {"host": "timer"})]
    samples = [(i % 4, now - (i * 7919 % 600_000) * 1_000_000, round(math.cos(i) * 1000, 2)) for i in range(12_000)]
    frames = [zmq_producer.sample_batch(n + 1, series, samples[o:o + 1500]) for n, o in enumerate(range(0, len(samples), 1500))]
    zmq_producer.send_push(mappers[0]["endpoints"]["ingest"], frames[:4])
    replies = zmq_producer.send_acked(mappers[-1]["endpoints"]["acked"], frames[4:])
    check(sum(r["accepted"] for r in replies) == 6000 and all(r["rejected"] == 0 for r in replies), "acknowledged batches are answered per the document")
    corrupt = bytearray(frames[0])
    corrupt[40] ^= 0xFF
    bad = zmq_producer.send_acked(mappers[-1]["endpoints"]["acked"], [bytes(corrupt)])[0]
    check(bad["accepted"] == 0 and "checksum" in (bad.get("batchError") or ""), f"a corrupt frame is refused with a reason ({bad.get('batchError')})")
    start, end = now // 1_000_000 - 700_000, now // 1_000_000 + 60_000
    seen = wait_count("zmq.ref", start, end, len(samples))
    check(seen == len(samples), f"push and acknowledged batches are counted exactly once ({seen} of {len(samples)})")
    answer = get_json(f"/v1/query?name=zmq.ref&from={start}&to={end}&step=1d&stats=count,sum,min,max&group_by=host")
    good = len(answer["series"]) == 4
    for entry in answer["series"]:
        index = ["h0", "h1", "h2", "timer"].index(entry["tags"]["host"])
        values = [v for s, _, v in samples if s == index]
        good &= sum(entry["count"]) == len(values) and abs(math.fsum(entry["sum"]) - math.fsum(values)) <= 1e-9 * max(1, abs(math.fsum(values)))
        good &= min(entry["min"]) == min(values) and max(entry["max"]) == max(values)
    check(good, "the reference producer's samples answer exactly (count, sum, min, max per series)")


def test_auth():
    """A second cluster with tokens: every scope on every surface."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tokens = os.path.join(ROOT, ".build", "test-tokens")
    with open(tokens, "w") as out:
        out.write("# token scopes\nw-token write\nr-token read\na-token admin\n")

    def call(method, path, token=None, scheme="Bearer", body=None):
        request = urllib.request.Request(base + path, data=body, method=method)
        if token:
            request.add_header("Authorization", f"{scheme} {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if path.startswith("/v1/stream"):
                    return response.status
                response.read()
                return response.status
        except urllib.error.HTTPError as failure:
            return failure.code
        except (urllib.error.URLError, ConnectionError):
            return 0

    with LocalCluster(port, "--statsd-port", "0", "--tokens-file", tokens) as cluster:
        now = int(time.time() * 1000)
        sample = json.dumps({"name": "auth.x", "value": 1, "timestamp": now}).encode()
        line = f"auth.y value=1 {now}".encode()
        query = f"/v1/query?name=auth.x&from={now - 60000}&to={now + 60000}&step=1m&stats=count"
        cases = [
            ("GET", "/healthz", None, "Bearer", None, 200), ("GET", "/readyz", None, "Bearer", None, 200),
            # The page, its charting library and the OpenAPI document stay open (the page takes its token from the address).
            ("GET", "/", None, "Bearer", None, 200), ("GET", "/assets/dygraph.min.js", None, "Bearer", None, 200),
            ("GET", "/openapi.json", None, "Bearer", None, 200), ("GET", "/v1/undocumented", None, "Bearer", None, 401),
            ("POST", "/v1/metrics", None, "Bearer", sample, 401), ("POST", "/v1/metrics", "bogus", "Bearer", sample, 401),
            ("POST", "/v1/metrics", "r-token", "Bearer", sample, 403), ("POST", "/v1/metrics", "w-token", "Bearer", sample, 202),
            ("POST", "/v1/metrics", "a-token", "Bearer", sample, 202),
            ("POST", "/write?precision=ms", None, "Bearer", line, 401), ("POST", "/write?precision=ms", "w-token", "Token", line, 204),
            ("POST", "/write?precision=ms&u=me&p=w-token", None, "Bearer", line, 204), ("POST", "/write?precision=ms&u=me&p=r-token", None, "Bearer", line, 403),
            ("POST", "/api/v2/write?precision=ms", "w-token", "Token", line, 204),
            ("GET", query, None, "Bearer", None, 401), ("GET", query, "w-token", "Bearer", None, 403), ("GET", query, "r-token", "Bearer", None, 200),
            ("GET", query, "a-token", "Bearer", None, 200), ("GET", "/v1/metrics", "r-token", "Bearer", None, 200), ("GET", "/v1/metrics", None, "Bearer", None, 401),
            ("GET", "/v1/cluster", None, "Bearer", None, 401), ("GET", "/metrics", "r-token", "Bearer", None, 200),
            # Draining and scaling reducers take only admin tokens (harmless calls: an unknown node, a bad body).
            ("POST", "/v1/cluster/drain?node=nobody", None, "Bearer", None, 401), ("POST", "/v1/cluster/drain?node=nobody", "r-token", "Bearer", None, 403),
            ("POST", "/v1/cluster/drain?node=nobody", "w-token", "Bearer", None, 403), ("POST", "/v1/cluster/drain?node=nobody", "a-token", "Bearer", None, 404),
            ("POST", "/v1/cluster/reducers", "r-token", "Bearer", b"{}", 403), ("POST", "/v1/cluster/reducers", "a-token", "Bearer", b"{}", 400),
            ("GET", "/v1/stream?name=auth.x&access_token=r-token", None, "Bearer", None, 200), ("GET", "/v1/stream?name=auth.x", None, "Bearer", None, 401),
        ]
        wrong = [(m, p, t, got, want) for m, p, t, sch, b, want in cases if (got := call(m, p, t, sch, b)) != want]
        check(not wrong, f"tokens: {len(cases) - len(wrong)} of {len(cases)} scope and surface cases answer as they should {wrong}")
        influx_auth(port, now)
        zmq_auth(cluster, base, now)


def influx_auth(port, now):
    """The PyPI influxdb client sends its username and password as HTTP Basic auth: the password is the token."""
    from influxdb import InfluxDBClient
    from influxdb.exceptions import InfluxDBClientError
    codes = {}
    for password in ["w-token", "r-token", "bogus"]:
        client = InfluxDBClient(host="127.0.0.1", port=port, username="someone", password=password, database="ignored")
        try:
            client.write_points([{"measurement": "auth.influx", "time": now, "fields": {"value": 1.0}}], time_precision="ms")
            codes[password] = 204
        except InfluxDBClientError as failure:
            codes[password] = failure.code
    check(codes == {"w-token": 204, "r-token": 403, "bogus": 401}, f"the influxdb client's username/password (Basic auth) carries the token {codes}")


def zmq_auth(cluster, base, now):
    """ZeroMQ ingest with tokens: only batches carrying a write (or admin) token are taken."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zmq_producer

    def get(path, token="r-token"):
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        return urllib.request.urlopen(request, timeout=30).read().decode()

    mapper = next(n for n in json.loads(get("/v1/cluster"))["nodes"] if n["role"] == "mapper")
    series = [("auth.zmq", 0, {"host": "a"})]
    batches = {}
    for number, token in enumerate([None, "bogus", "r-token", "w-token", "a-token"], start=1):
        values = [(0, (now - i * 1000) * 1_000_000, float(number * 1000 + i)) for i in range(100)]
        batches[token] = (zmq_producer.sample_batch(number, series, values), values)
    replies = {token: zmq_producer.send_acked(mapper["endpoints"]["acked"], [frame], token=token)[0] for token, (frame, _) in batches.items()}
    expected = {None: "unauthorized:", "bogus": "unauthorized:", "r-token": "forbidden:", "w-token": None, "a-token": None}
    wrong = {t: r for t, r in replies.items()
             if (r.get("batchError") or "").split(" ")[0] != (expected[t] or "") or r["accepted"] != (0 if expected[t] else 100)}
    check(not wrong, f"acknowledged ZeroMQ batches: refused without a write token, taken with one {wrong}")
    for token in [None, "r-token", "w-token"]:
        zmq_producer.send_push(mapper["endpoints"]["ingest"], [zmq_producer.sample_batch(10, series, [(0, now * 1_000_000, 7.0)])], token=token)
    ports = json.load(open(os.path.join(cluster.data, "cluster", "local-ports.json")))
    status = f"http://127.0.0.1:{ports[mapper['id'] + '-http']}/metrics"
    deadline = time.time() + 20
    while time.time() < deadline:
        metrics = urllib.request.urlopen(status, timeout=10).read().decode()
        refused = {reason: (metric_value(metrics, "windrow_rejected_batches_total", reason=reason),
                            metric_value(metrics, "windrow_rejected_samples_total", reason=reason)) for reason in ["unauthorized", "forbidden"]}
        if refused == {"unauthorized": (3, 201), "forbidden": (2, 101)}:
            break
        time.sleep(0.3)
    check(refused == {"unauthorized": (3, 201), "forbidden": (2, 101)},
          f"refused ZeroMQ batches and their samples are counted per reason in the mapper's /metrics {refused}")
    runs = {token: subprocess.run([BIN, "produce", "--to", mapper["endpoints"]["acked"], "--acked", "--duration", "0.5", "--rate", "4000",
                                   "--batch-size", "500", "--prefix", "auth.produce"] + (["--token", token] if token else []),
                                  capture_output=True, text=True, timeout=60).stdout for token in [None, "w-token"]}
    check("first failure: unauthorized:" in runs[None] and "batches failed 0" in runs["w-token"],
          f"windrow produce names the refusal without a token and is taken with --token ({runs})")
    want = [v for t in ["w-token", "a-token"] for _, _, v in batches[t][1]] + [7.0]
    answer, deadline = None, time.time() + 20
    while time.time() < deadline:
        answer = json.loads(get(f"/v1/query?name=auth.zmq&from={now - 3_600_000}&to={now + 60_000}&step=1d&stats=count,sum"))
        if answer["series"] and sum(answer["series"][0]["count"]) >= len(want):
            break
        time.sleep(0.3)
    got = answer["series"][0] if answer and answer["series"] else {"count": [0], "sum": [0]}
    check(sum(got["count"]) == len(want) and math.fsum(got["sum"]) == math.fsum(want),
          f"only the batches with a write token are counted ({sum(got['count'])} of {len(want)})")


def test_self_metrics(cluster):
    """Every role's /metrics carries the figures an operator watches, and mappers' counts add up."""
    ports = json.load(open(os.path.join(cluster.data, "cluster", "local-ports.json")))
    pages = {"front": BASE + "/metrics"}
    pages.update({key[:-len("-http")]: f"http://127.0.0.1:{port}/metrics" for key, port in ports.items() if key.endswith("-http")})
    required = {
        "front": ["windrow_http_samples_accepted_total", "windrow_rejected_samples_total", "windrow_query_duration_seconds_bucket",
                  "windrow_sse_streams", "windrow_zmq_calls_in_flight", "windrow_process_resident_bytes"],
        "mapper": ["windrow_samples_received_total", "windrow_samples_accepted_total", "windrow_batches_received_total", "windrow_partials_sent_total",
                   "windrow_partials_pending", "windrow_open_windows", "windrow_watermark_lag_seconds", "windrow_flush_duration_seconds_bucket",
                   "windrow_wal_bytes", "windrow_zmq_messages_per_turn_bucket", "windrow_zmq_calls_in_flight", "windrow_process_resident_bytes"],
        "reducer": ["windrow_partials_merged_total", "windrow_partial_rows_merged_total", "windrow_open_windows", "windrow_watermark_lag_seconds",
                    "windrow_seal_duration_seconds_bucket", "windrow_shard_bytes_written_total", "windrow_wal_bytes",
                    "windrow_reducer_query_duration_seconds_bucket", "windrow_zmq_messages_per_turn_bucket", "windrow_process_resident_bytes"],
        "coordinator": ["windrow_live_nodes", "windrow_process_resident_bytes"],
    }
    missing = {}
    for node, page in sorted(pages.items()):
        text = urllib.request.urlopen(page, timeout=10).read().decode()
        names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
        lacking = [name for name in required[node.split("-")[0]] if name not in names]
        if lacking:
            missing[node] = lacking
        if node.startswith("mapper"):
            received, accepted = metric_value(text, "windrow_samples_received_total"), metric_value(text, "windrow_samples_accepted_total")
            rejected = metric_value(text, "windrow_rejected_samples_total")
            if received != accepted + rejected or received == 0:
                missing[node + " counts"] = f"received {received} != accepted {accepted} + rejected {rejected}"
    check(not missing and len(pages) == 6, f"every role's /metrics has its figures ({sorted(pages)}; missing: {missing})")


def main():
    with LocalCluster(PORT, "--statsd-port", str(STATSD_PORT)) as cluster:
        TALLY.run(test_influxdb_client, test_influx_extras, test_statsd_client, test_zmq_reference_producer, lambda: test_self_metrics(cluster))
    TALLY.run(test_auth)
    return TALLY.finish()


if __name__ == "__main__":
    sys.exit(main())
