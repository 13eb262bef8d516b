#!/usr/bin/env python3
"""Bad input on every surface of a real local cluster (release build): JSON, line protocol
(1.x and 2.x), Prometheus remote_write, OTLP, the Prometheus query API, statsd, ZeroMQ
fire-and-forget and acknowledged. Each case checks the status
and the message the sender gets, the per-reason counters in `/metrics` (front and mappers),
that the valid items of the same request are counted exactly once (count and exact sum), and,
at the end, that data written before all of it answers exactly as it did.

The cluster runs with a 7-day past bound, a 20,000-sample request limit and a 4 MiB body limit
(set through the children's WINDROW_* environment), at most 40 live series of one name per
mapper and at most 30 series read by one query."""
import gzip, json, math, os, socket, struct, sys, time, urllib.error, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zmq_producer
from testkit import LocalCluster, Tally, free_port, metric_value

PORT, STATSD = free_port(), free_port()
BASE = f"http://127.0.0.1:{PORT}"
TALLY = Tally()
check = TALLY.check
NOW_MS = int(time.time() * 1000)
REASONS = ["malformed", "invalid_name", "name_too_long", "non_finite_value", "too_many_tags", "invalid_tag", "duplicate_tag",
           "timestamp_too_old", "timestamp_in_future", "invalid_type", "request_too_large", "name_series_limit"]
NAME_SERIES_MAX, QUERY_SERIES_MAX = 40, 30


class Counters:
    """Rejection counters summed over the front and every mapper."""

    def __init__(self, cluster):
        ports = json.load(open(os.path.join(cluster.data, "cluster", "local-ports.json")))
        self.pages = [BASE + "/metrics"] + [f"http://127.0.0.1:{p}/metrics" for k, p in sorted(ports.items()) if k.startswith("mapper-") and k.endswith("-http")]

    def read(self):
        texts = [urllib.request.urlopen(page, timeout=10).read().decode() for page in self.pages]
        samples = {r: sum(metric_value(t, "windrow_rejected_samples_total", reason=r) for t in texts) for r in REASONS}
        batches = {r: sum(metric_value(t, "windrow_rejected_batches_total", reason=r) for t in texts) for r in ["checksum", "truncated", "invalid"]}
        return samples, batches

    def delta(self, before, settle=0.0):
        time.sleep(settle)
        after = self.read()
        return ({k: v - before[0][k] for k, v in after[0].items() if v != before[0][k]},
                {k: v - before[1][k] for k, v in after[1].items() if v != before[1][k]})


def post(path, body, headers=None):
    request = urllib.request.Request(BASE + path, data=body, method="POST", headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as failure:
        return failure.code, failure.read()


def answer(name, stats="count,sum,min,max"):
    url = f"{BASE}/v1/query?name={name}&from={NOW_MS - 8 * 86_400_000}&to={NOW_MS + 3_600_000}&step=1d&stats={stats}"
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def counted_exactly(name, values, label):
    """Waits for `values` to be counted under `name`, then checks that nothing more arrives and
    that the sum is exact."""
    deadline, count, total = time.time() + 20, 0, 0.0
    while time.time() < deadline:
        series = answer(name)["series"]
        count = sum(sum(s["count"]) for s in series)
        total = math.fsum(x for s in series for x in s["sum"] if x is not None)
        if count >= len(values):
            break
        time.sleep(0.3)
    time.sleep(1.0)
    again = sum(sum(s["count"]) for s in answer(name)["series"])
    check(count == again == len(values) and total == math.fsum(values),
          f"{label}: the valid items are counted exactly once ({again} of {len(values)}, sum {total} vs {math.fsum(values)})")


def json_cases(counters):
    before = counters.read()
    status, body = post("/v1/metrics", b'[{"name": "bad.json.a", "value": 1},')
    error = json.loads(body).get("error", "")
    check(status == 400 and "malformed JSON" in error, f"JSON: a truncated body gets 400 naming it ({status}: {error})")
    check(counters.delta(before)[0] == {"malformed": 1}, "JSON: the malformed body is counted once as malformed")

    good = [{"name": "bad.json.mixed", "value": v, "timestamp": NOW_MS - 1000 * i, "tags": {"host": "a"}} for i, v in enumerate([1.25, 2.5, -7.0])]
    bad = [
        ({"name": "bad.json.mixed", "value": float("nan")}, "non_finite_value"),
        ({"name": "bad.json.mixed", "value": 1e308 * 10}, "non_finite_value"),
        ({"name": "x" * 201, "value": 1}, "name_too_long"),
        ({"name": "bad name", "value": 1}, "invalid_name"),
        ({"name": "bad.json.mixed", "value": 1, "tags": {f"k{i}": "v" for i in range(17)}}, "too_many_tags"),
        ({"name": "bad.json.mixed", "value": 1, "tags": {"host": "v" * 257}}, "invalid_tag"),
        ({"name": "bad.json.mixed", "value": 1, "timestamp": NOW_MS + 3_600_000}, "timestamp_in_future"),
        ({"name": "bad.json.mixed", "value": 1, "timestamp": NOW_MS - 30 * 86_400_000}, "timestamp_too_old"),
        ({"name": "bad.json.mixed", "value": 1, "type": "histogram"}, "invalid_type"),
        ({"name": "bad.json.mixed", "value": "1"}, "malformed"),
        ("not an object", "malformed"),
    ]
    items = good[:1] + [b for b, _ in bad] + good[1:]
    before = counters.read()
    status, body = post("/v1/metrics", json.dumps(items).encode())
    reply = json.loads(body)
    want_errors = [(i + 1, r) for i, (_, r) in enumerate(bad)]
    got_errors = [(e["index"], e["reason"]) for e in reply.get("errors", [])]
    check(status == 202 and reply.get("accepted") == 3 and reply.get("rejected") == len(bad) and got_errors == want_errors
          and all(e.get("error") for e in reply["errors"]),
          f"JSON: each bad item is named by index and reason, the good ones taken ({status} {reply.get('accepted')} {got_errors})")
    want = {}
    for _, reason in bad:
        want[reason] = want.get(reason, 0) + 1
    check(counters.delta(before)[0] == want, f"JSON: each rejection is counted per reason ({counters.delta(before)[0]})")
    counted_exactly("bad.json.mixed", [g["value"] for g in good], "JSON")

    before = counters.read()
    status, body = post("/v1/metrics", json.dumps([{"name": "bad.json.none", "value": 1, "timestamp": NOW_MS + 7_200_000}]).encode())
    reply = json.loads(body)
    check(status == 400 and reply.get("accepted") == 0 and reply["errors"][0]["reason"] == "timestamp_in_future",
          f"JSON: a body with no valid item gets 400 with its errors ({status} {reply})")

    status, body = post("/v1/metrics", b" " * (5 << 20))
    check(status == 413 and "limit" in json.loads(body).get("error", ""), f"JSON: a body over the limit gets 413 ({status})")
    status, body = post("/v1/metrics", gzip.compress(b" " * (40 << 20)), {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    check(status == 413, f"JSON: a gzip body expanding beyond the limit gets 413 ({status})")
    status, body = post("/v1/metrics", b"\x1f\x8b\x08garbage", {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    check(status == 400 and json.loads(body).get("error"), f"JSON: a broken gzip body gets 400 with a reason ({status} {body[:80]})")
    many = [{"name": "bad.json.many", "value": 1, "timestamp": NOW_MS} for _ in range(20_001)]
    before = counters.read()
    status, body = post("/v1/metrics", json.dumps(many).encode())
    error = json.loads(body).get("error", "")
    check(status == 413 and "20001" in error and "20000" in error, f"JSON: more samples than a request may hold get 413 ({status}: {error})")
    check(counters.delta(before, settle=0.5)[0] == {"request_too_large": 20_001}, "JSON: the refused request's samples are counted as request_too_large")
    time.sleep(1)
    check(not answer("bad.json.many")["series"], "JSON: nothing of a refused request is taken")


def line_cases(counters):
    lines = [
        f"bad.lp,host=a value=1.5 {NOW_MS}",
        "bad.lp,host=a value=\"text\"",
        f"bad.lp,host=a value=NaN {NOW_MS}",
        f"bad.lp,host=a value=2.25,other=abc {NOW_MS}",
        f"bad\\ lp,host=a value=1 {NOW_MS}",
        f"bad.lp,host=a value=3 {NOW_MS + 3_600_000}",
        f"bad.lp,host=a value=4 {NOW_MS - 30 * 86_400_000}",
        f"bad.lp,host=a,host=b value=5 {NOW_MS}",
        "bad.lp,host",
        f"{'y' * 201} value=1 {NOW_MS}",
        f"bad.lp,host=b value=-4.75,count=3i {NOW_MS - 5000}",
    ]
    before = counters.read()
    status, body = post("/write?precision=ms&db=ignored&rp=ignored", "\n".join(lines).encode(), {"Content-Type": "text/plain"})
    error = json.loads(body).get("error", "")
    check(status == 400 and error.startswith("line 3:") and "(and 7 more bad lines)" in error and "3 of 11 lines written" in error,
          f"line protocol: the first bad line is named with the count of the rest ({status}: {error})")
    # The string field is skipped (line 2 holds no number); NaN and "abc" are malformed; `bad\ lp`
    # is the name "bad lp"; "bad.lp,host" is a tag without '='.
    want = {"malformed": 2, "invalid_name": 1, "invalid_tag": 1, "timestamp_in_future": 1, "timestamp_too_old": 1, "duplicate_tag": 1, "name_too_long": 1}
    delta = counters.delta(before)[0]
    check(delta == want, f"line protocol: each bad line is counted once under its reason ({delta})")
    counted_exactly("bad.lp", [1.5, -4.75], "line protocol")
    counted_exactly("bad.lp.count", [3.0], "line protocol (second field)")

    status, body = post("/write?precision=fortnights", b"bad.lp value=1", {"Content-Type": "text/plain"})
    check(status == 400 and "precision" in json.loads(body).get("error", ""), f"line protocol: an unknown precision is named ({status})")
    status, body = post("/api/v2/write?bucket=b&org=o&precision=s", f"bad.lp2 value=9 {NOW_MS // 1000}\nbad.lp2 value=\n".encode(), {"Content-Type": "text/plain"})
    error = json.loads(body).get("error", "")
    check(status == 400 and error.startswith("line 2:") and "1 of 2 lines written" in error, f"line protocol v2: the bad line is named ({status}: {error})")
    counted_exactly("bad.lp2", [9.0], "line protocol v2")
    body = "\n".join(f"bad.lp.many value={i} {NOW_MS}" for i in range(20_001)).encode()
    status, reply = post("/write?precision=ms", body, {"Content-Type": "text/plain"})
    check(status == 413 and "at most 20000" in json.loads(reply).get("error", ""), f"line protocol: an oversized request gets 413 ({status})")
    time.sleep(1)
    check(not answer("bad.lp.many")["series"], "line protocol: nothing of a refused request is taken")


def prometheus_cases(counters):
    """remote_write, OTLP and the Prometheus query API refuse bad input by name and count it."""
    from ecosystem_test import field, varint, write_request
    import snappy
    headers = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"}
    before = counters.read()
    status, body = post("/api/v1/write", b"not snappy at all", headers)
    check(status == 400 and "snappy" in json.loads(body).get("error", ""), f"remote_write: a body that is not snappy gets 400 naming it ({status} {body[:100]})")
    status, body = post("/api/v1/write", snappy.compress(b"\x0a\xff\xff\xff\x0f"), headers)
    check(status == 400 and "malformed remote_write request" in json.loads(body).get("error", ""), f"remote_write: a body that is not a WriteRequest gets 400 ({status} {body[:160]})")
    series = [({"__name__": "bad.rw", "host": "a"}, [(1.5, NOW_MS), (float("nan"), NOW_MS + 1), (2.5, NOW_MS + 2), (3.0, NOW_MS + 3_600_000)]),
              ({"job": "no-name"}, [(1.0, NOW_MS)]),
              ({"__name__": "bad.rw", **{f"t{i:02d}": "v" for i in range(17)}}, [(1.0, NOW_MS)]),
              ({"__name__": "bad.rw", "host": "b"}, [(-4.0, NOW_MS), (0.0, NOW_MS + 5)])]
    status, body = post("/api/v1/write", write_request(series), headers)
    error = json.loads(body).get("error", "")
    check(status == 400 and "4 samples rejected, 4 written" in error and "series 2" in error and "__name__" in error,
          f"remote_write: rejected series and samples are named, the rest written ({status}: {error})")
    delta = counters.delta(before, settle=0.5)
    want = {"malformed": 1, "non_finite_value": 1, "timestamp_in_future": 1, "invalid_name": 1, "too_many_tags": 1}
    check(delta[0] == want and delta[1] == {"invalid": 1}, f"remote_write: each rejection counted under its reason ({delta})")
    counted_exactly("bad.rw", [1.5, 2.5, -4.0, 0.0], "remote_write")

    before = counters.read()
    status, body = post("/opentelemetry/v1/metrics", b"\x0a\x05\x12\x03\x12\x01", {"Content-Type": "application/x-protobuf"})
    check(status == 400, f"OTLP: a truncated protobuf request gets 400 ({status} {body[:120]})")
    status, body = post("/opentelemetry/v1/metrics", b'{"resourceMetrics": [', {"Content-Type": "application/json"})
    check(status == 400 and "OTLP" in json.loads(body).get("error", ""), f"OTLP: malformed JSON gets 400 ({status})")
    document = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        {"name": "bad.otlp", "gauge": {"dataPoints": [{"asDouble": 1.25, "timeUnixNano": str(NOW_MS * 10**6)},
                                                      {"asDouble": 2, "timeUnixNano": str((NOW_MS + 3_600_000) * 10**6)},
                                                      {"asDouble": 3, "timeUnixNano": str(NOW_MS * 10**6), "attributes": [{"key": "bad key", "value": {"stringValue": "x"}}]},
                                                      {"asDouble": 4, "timeUnixNano": str(NOW_MS * 10**6), "attributes": [{"key": "list", "value": {"arrayValue": {}}}]}]}}]}]}]}
    status, body = post("/opentelemetry/v1/metrics", json.dumps(document).encode(), {"Content-Type": "application/json"})
    reply = json.loads(body)
    check(status == 200 and reply.get("partialSuccess", {}).get("rejectedDataPoints") == "2", f"OTLP: rejected points are counted in partialSuccess ({status} {reply})")
    delta = counters.delta(before, settle=0.5)
    check(delta[0] == {"malformed": 2, "timestamp_in_future": 1, "invalid_tag": 1}, f"OTLP: rejections counted under their reasons ({delta})")
    counted_exactly("bad.otlp", [1.25, 4.0], "OTLP")
    front = urllib.request.urlopen(BASE + "/metrics", timeout=10).read().decode()
    check(metric_value(front, "windrow_otlp_dropped_total", what="array attribute") == 1, "OTLP: a dropped array attribute is counted")

    errors_before = metric_value(front, "windrow_prometheus_api_errors_total", error_type="bad_data")
    for query, named in [("sum(", "unexpected end"), ("rate(x[5m]) > 1", "comparison"), ("label_replace(x, 'a', 'b', 'c', 'd')", "label_replace"),
                         ('x{a=~"("}', "regular expression"), ("rate(x[100y])", "10 years")]:
        try:
            urllib.request.urlopen(BASE + "/api/v1/query?" + urllib.parse.urlencode({"query": query}), timeout=10)
            check(False, f"PromQL {query!r} is refused")
        except urllib.error.HTTPError as failure:
            envelope = json.loads(failure.read())
            check(failure.code == 400 and envelope.get("errorType") == "bad_data" and named in envelope.get("error", ""),
                  f"PromQL {query!r}: 400 bad_data naming what is wrong ({envelope})")
    for path in ["/api/v1/query_range?query=up&start=0&end=1&step=0", "/api/v1/query_range?query=up&start=0&end=100000000&step=1",
                 "/api/v1/query?query=up&time=tomorrow", "/api/v1/series"]:
        try:
            urllib.request.urlopen(BASE + path, timeout=10)
            check(False, f"{path} is refused")
        except urllib.error.HTTPError as failure:
            check(failure.code == 400 and json.loads(failure.read()).get("errorType") == "bad_data", f"{path}: 400 bad_data")
    front = urllib.request.urlopen(BASE + "/metrics", timeout=10).read().decode()
    check(metric_value(front, "windrow_prometheus_api_errors_total", error_type="bad_data") - errors_before == 9, "PromQL refusals are counted")


def statsd_cases(counters):
    before = counters.read()
    packet = b"bad.sd:1|c\nnovalue|c\nx:abc|g\nu:1|s\nbad.sd:2|c|@0.5\nr:1|c|@2\nbad name:1|c\nnan:nan|g\nbad.sd:4|c\n"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(packet, ("127.0.0.1", STATSD))
    delta = counters.delta(before, settle=1.0)[0]
    check(delta == {"malformed": 3, "invalid_type": 1, "invalid_name": 1, "non_finite_value": 1},
          f"statsd: each bad line is counted under its reason ({delta})")
    counted_exactly("bad.sd", [1.0, 4.0, 4.0], "statsd (a 0.5-sampled counter counts twice)")


def zmq_cases(counters):
    cluster = json.loads(urllib.request.urlopen(BASE + "/v1/cluster", timeout=10).read())
    mapper = sorted((n for n in cluster["nodes"] if n["role"] == "mapper"), key=lambda n: n["id"])[0]["endpoints"]
    ns = NOW_MS * 1_000_000
    series = [("bad.zmq", 0, {"host": "a"}), ("bad name", 0, {}), ("bad.zmq", 0, {"k": "v" * 300}), ("z" * 201, 0, {})]
    samples = [(0, ns, 1.5), (0, ns, float("nan")), (0, ns, float("inf")), (1, ns, 1.0), (2, ns, 1.0), (3, ns, 1.0),
               (0, ns + 3_600_000_000_000, 1.0), (0, ns - 30 * 86_400_000_000_000, 1.0), (0, ns - 1_000_000, -2.5)]
    before = counters.read()
    reply = zmq_producer.send_acked(mapper["acked"], [zmq_producer.sample_batch(1, series, samples)])[0]
    got = [(e["index"], e["reason"]) for e in reply["errors"]]
    want = [(1, "non_finite_value"), (2, "non_finite_value"), (3, "invalid_name"), (4, "invalid_tag"), (5, "name_too_long"),
            (6, "timestamp_in_future"), (7, "timestamp_too_old")]
    check(reply["accepted"] == 2 and reply["rejected"] == 7 and got == want and "batchError" not in reply,
          f"ZeroMQ acknowledged: each bad sample is named by index and reason ({reply['accepted']} {got} {reply.get('batchError')})")
    delta = counters.delta(before, settle=0.5)[0]
    check(delta == {"non_finite_value": 2, "invalid_name": 1, "invalid_tag": 1, "name_too_long": 1, "timestamp_in_future": 1, "timestamp_too_old": 1},
          f"ZeroMQ acknowledged: the mapper counts each rejection per reason ({delta})")
    counted_exactly("bad.zmq", [1.5, -2.5], "ZeroMQ acknowledged")

    good = zmq_producer.sample_batch(2, [("bad.zmq.frame", 0, {})], [(0, ns, float(i)) for i in range(200)])
    checksum = bytearray(good)
    checksum[-3] ^= 0x55
    magic = b"WNDX" + good[4:]
    huge_count = bytearray(good)
    huge_count[16:20] = struct.pack("<I", 5_000_000)
    huge_count[28:32] = struct.pack("<I", zmq_producer.crc32c(bytes(huge_count[32:]), zmq_producer.crc32c(bytes(huge_count[:28]))))
    out_of_range = zmq_producer.sample_batch(3, [("bad.zmq.frame", 0, {})], [(5, ns, 1.0)])
    bad_type = zmq_producer.sample_batch(4, [("bad.zmq.frame", 9, {})], [(0, ns, 1.0)])
    frames = [(bad_type, "type", "invalid"), (bytes(checksum), "checksum", "checksum"), (good[:-7], "truncated", "truncated"), (magic, "magic", "invalid"),
              (bytes(huge_count), "item count", "invalid"), (out_of_range, "series index", "invalid")]
    for frame, word, reason in frames:
        before = counters.read()
        reply = zmq_producer.send_acked(mapper["acked"], [frame])[0]
        batch_delta = counters.delta(before)[1]
        check(reply["accepted"] == 0 and word in reply.get("batchError", "") and batch_delta == {reason: 1},
              f"ZeroMQ acknowledged: a frame with a bad {word} is refused with a reason and counted ({reply['batchError']}; {batch_delta})")
    before = counters.read()
    zmq_producer.send_push(mapper["ingest"], [bytes(checksum), good])
    deadline = time.time() + 10
    while time.time() < deadline and counters.delta(before)[1] != {"checksum": 1}:
        time.sleep(0.2)
    check(counters.delta(before)[1] == {"checksum": 1}, "ZeroMQ push: a corrupt frame is counted by reason")
    counted_exactly("bad.zmq.frame", [float(i) for i in range(200)], "ZeroMQ push (the good frame after a bad one)")

    import zmq
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.setsockopt(zmq.RCVTIMEO, 10_000)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(mapper["acked"])
    dealer.send_multipart([struct.pack("<Q", 9), b"sample", good])
    _, status, body = dealer.recv_multipart()
    check(status == b"\x01" and b"unknown method" in body, f"ZeroMQ acknowledged: an unknown method is answered with an error ({body!r})")
    dealer.send_multipart([b"short", b"samples", good])
    dealer.send_multipart([struct.pack("<Q", 10), b"samples", good])
    request_id, status, body = dealer.recv_multipart()
    check(struct.unpack("<Q", request_id)[0] == 10 and status == b"\x00", "ZeroMQ acknowledged: a malformed envelope is dropped and the mapper goes on")
    dealer.close()
    time.sleep(1)
    check(sum(sum(s["count"]) for s in answer("bad.zmq.frame")["series"]) == 400, "ZeroMQ acknowledged: the batch after the malformed envelope is counted once")


def cardinality_cases(counters):
    # One request goes to one mapper: its first NAME_SERIES_MAX series are taken, the rest refused.
    lines = [f"card.one,host=h{i:02d} value={i} {NOW_MS}" for i in range(NAME_SERIES_MAX + 10)]
    before = counters.read()
    status, body = post("/write?precision=ms", "\n".join(lines).encode(), {"Content-Type": "text/plain"})
    error = json.loads(body).get("error", "")
    check(status == 400 and error.startswith(f"10 of {NAME_SERIES_MAX + 10} samples refused") and "--name-series-max 40" in error,
          f"series limit: the refusal names the limit ({status}: {error})")
    delta = counters.delta(before)[0]
    check(delta == {"name_series_limit": 10}, f"series limit: each refused sample is counted under name_series_limit ({delta})")
    # A query reading more than QUERY_SERIES_MAX series gets 422; a narrower one answers.
    deadline = time.time() + 20
    status, body = 0, b""
    while time.time() < deadline:
        url = f"{BASE}/v1/query?name=card.one&from={NOW_MS - 3_600_000}&to={NOW_MS + 3_600_000}&step=1h&stats=count"
        try:
            status, body = 200, urllib.request.urlopen(url, timeout=30).read()
        except urllib.error.HTTPError as failure:
            status, body = failure.code, failure.read()
        if status == 422:
            break
        time.sleep(0.3)
    error = json.loads(body).get("error", "")
    check(status == 422 and "--query-series-max" in error and f"more than {QUERY_SERIES_MAX} series of 'card.one'" in error,
          f"query limit: a query over too many series gets 422 naming the limit ({status}: {error})")
    narrow = answer("card.one&tags=host:h03")["series"]
    check([sum(s["count"]) for s in narrow] == [1] and [x for x in narrow[0]["sum"] if x is not None] == [3.0],
          f"query limit: a query with a tag filter answers ({narrow})")


def internal_cases(cluster):
    """Internal sockets take calls only with the cluster secret; with it, a bad query spec gets
    an error naming the field, and the reducer goes on answering."""
    import zmq
    data = os.path.join(cluster.data, "cluster")
    ports = json.load(open(os.path.join(data, "local-ports.json")))
    secret = open(os.path.join(data, "cluster-secret")).read().strip().encode()
    check(len(secret) >= 16 and oct(os.stat(os.path.join(data, "cluster-secret")).st_mode & 0o777) == "0o600",
          "internal: windrow local made a cluster secret only its owner can read")
    endpoints = {"reducer query": f"tcp://127.0.0.1:{ports['reducer-0-query']}", "reducer partials": f"tcp://127.0.0.1:{ports['reducer-0-partials']}",
                 "coordinator": f"tcp://127.0.0.1:{ports['coordinator']}"}
    spec = {"name": "bad.earlier", "from": 0, "to": 4 * 10**18, "step": 60_000_000_000, "tags": [], "groupBy": [], "stats": ["count"]}

    def call(endpoint, method, body, credential=None):
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        dealer.setsockopt(zmq.RCVTIMEO, 10_000)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(endpoint)
        dealer.send_multipart([struct.pack("<Q", 1), method, body] + ([credential] if credential is not None else []))
        _, status, answer = dealer.recv_multipart()
        dealer.close()
        return status, answer

    def refused(page):
        text = urllib.request.urlopen(f"http://127.0.0.1:{ports[page]}/metrics", timeout=10).read().decode()
        return {r: metric_value(text, "windrow_internal_refused_total", reason=r) for r in ("missing_secret", "wrong_secret")}

    for label, method, page in (("reducer query", b"query", "reducer-0-http"), ("reducer partials", b"applied", "reducer-0-http"),
                                ("coordinator", b"cluster", "coordinator-http")):
        before = refused(page)
        body = json.dumps(spec).encode() if method == b"query" else json.dumps({"origin": "x"}).encode() if method == b"applied" else b""
        status, answer = call(endpoints[label], method, body)
        check(status == b"\x01" and b"unauthorized" in answer and b"cluster secret" in answer,
              f"internal: the {label} endpoint refuses a call without the cluster secret ({answer[:120]!r})")
        status, answer = call(endpoints[label], method, body, b"not-the-secret-at-all")
        after = refused(page)
        check(status == b"\x01" and after["missing_secret"] - before["missing_secret"] == 1 and after["wrong_secret"] - before["wrong_secret"] == 1,
              f"internal: the {label} endpoint refuses a wrong secret, and both refusals are counted ({before} -> {after})")
    status, answer = call(endpoints["reducer query"], b"query", json.dumps({**spec, "step": 0}).encode(), secret)
    check(status == b"\x01" and b"invalid query: step" in answer, f"internal: a query spec with step 0 gets an error naming it ({answer[:160]!r})")
    status, answer = call(endpoints["reducer query"], b"query", json.dumps({**spec, "stats": ["p101"]}).encode(), secret)
    check(status == b"\x01" and b"p101" in answer, f"internal: an unknown stat gets an error naming it ({answer[:160]!r})")
    status, _ = call(endpoints["reducer query"], b"query", json.dumps(spec).encode(), secret)
    check(status == b"\x00", "internal: with the secret, the reducer still answers queries")


def main():
    env = {"WINDROW_PAST_SECONDS": str(7 * 86_400), "WINDROW_REQUEST_SAMPLES_MAX": "20000", "WINDROW_BODY_BYTES_MAX": str(4 << 20),
           "WINDROW_NAME_SERIES_MAX": str(NAME_SERIES_MAX), "WINDROW_QUERY_SERIES_MAX": str(QUERY_SERIES_MAX)}
    with LocalCluster(PORT, "--statsd-port", str(STATSD), env=env) as cluster:
        counters = Counters(cluster)
        earlier = [{"name": "bad.earlier", "value": math.sin(i) * 100, "timestamp": NOW_MS - 60_000 - i * 997, "tags": {"host": f"h{i % 3}"}} for i in range(300)]
        status, _ = post("/v1/metrics", json.dumps(earlier).encode())
        check(status == 202, "earlier data is written")
        counted_exactly("bad.earlier", [e["value"] for e in earlier], "earlier data")
        stats = "count,sum,min,max,p50,first,last"
        before = json.dumps(answer("bad.earlier&group_by=host", stats)["series"], sort_keys=True)
        TALLY.run(lambda: json_cases(counters), lambda: line_cases(counters), lambda: prometheus_cases(counters),
                  lambda: statsd_cases(counters), lambda: zmq_cases(counters),
                  lambda: cardinality_cases(counters), lambda: internal_cases(cluster))
        after = json.dumps(answer("bad.earlier&group_by=host", stats)["series"], sort_keys=True)
        check(before == after, "data written before every bad input answers exactly as before")
    return TALLY.finish()


if __name__ == "__main__":
    sys.exit(main())
