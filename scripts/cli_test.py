#!/usr/bin/env python3
"""Tests of the command line and of the query API's time forms, globs and finality, against a
live local cluster (release binary), with every expected value computed here:

- queries take RFC 3339, dates, epoch milliseconds, now, now-1h and -1h alike; a number that
  looks like epoch seconds is refused with a message that says so, unless precision=s says so,
  both in queries and in JSON ingest (counted under timestamp_in_seconds);
- a glob in name answers one exact series per matching name, and more names than
  --query-names-max are refused with 422 (counted);
- every answer says how final it is: the watermark, open_from and the quantile error bound;
- `windrow query` prints numbers in their shortest exact form (or --precision), as a table,
  CSV or JSON, says "no data" on an empty answer, and fails with one line and exit 1 (usage and
  64 only for flags that do not parse), connection errors in words;
- `windrow produce` prints a rate line every second, warns when no mapper takes its batches,
  and refuses --rate 0; `windrow inspect` of a bad file and `windrow local --mappers 0` fail
  cleanly; --config is documented and works.

Prints "N passed, M failed" and exits non-zero on any failure.
"""
import csv, io, json, math, os, re, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request

from testkit import BIN, LocalCluster, Tally, free_port, metric_value

TALLY = Tally()
check = TALLY.check
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
NAMES_MAX = 3
HOUR, MINUTE, DAY = 3_600_000, 60_000, 86_400_000


def request(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def query(**fields):
    return request("GET", "/v1/query?" + urllib.parse.urlencode(fields))


def counted(name, start, end):
    status, answer = query(name=name, **{"from": start, "to": end}, step="1d", stats="count")
    return sum(c for s in answer.get("series", []) for c in s["count"] if c) if status == 200 else -1


def settle(name, start, end, count):
    deadline = time.time() + 30
    while time.time() < deadline and counted(name, start, end) < count:
        time.sleep(0.2)
    return counted(name, start, end) == count


def windrow(*arguments, timeout=60):
    return subprocess.run([BIN, *arguments], capture_output=True, text=True, timeout=timeout)


def one_line_failure(run, command):
    lines = run.stderr.strip().splitlines()
    return run.returncode == 1 and len(lines) == 1 and lines[0].startswith(command + ":") and "Usage" not in run.stderr


def test_time_forms():
    day_start = (int(time.time() * 1000) // DAY - 2) * DAY  # midnight UTC two days ago
    samples = [{"name": "cli.times", "value": float(i), "timestamp": day_start + 3 * HOUR + i * 30_000} for i in range(100)]
    status, answer = request("POST", "/v1/metrics", samples)
    check(status == 202 and answer["accepted"] == 100, f"samples two days back are taken ({status} {answer})")
    settle("cli.times", day_start, day_start + DAY, 100)
    date = time.strftime("%Y-%m-%d", time.gmtime(day_start / 1000))
    next_date = time.strftime("%Y-%m-%d", time.gmtime((day_start + DAY) / 1000))
    forms = {
        "dates": (date, next_date),
        "RFC 3339": (date + "T00:00:00Z", next_date + "T00:00:00+00:00"),
        "epoch ms": (str(day_start), str(day_start + DAY)),
        "now-3d .. now": ("now-3d", "now"),
        "-3d .. now+1h": ("-3d", "now+1h"),
    }
    for label, (start, end) in forms.items():
        status, answer = query(name="cli.times", **{"from": start, "to": end}, step="1d", stats="count,sum")
        total = sum(c for s in answer.get("series", []) for c in s["count"] if c) if status == 200 else None
        sums = sum(v for s in answer.get("series", []) for v in s["sum"] if v) if status == 200 else None
        check(total == 100 and sums == math.fsum(range(100)), f"from/to as {label} ({start}, {end}) find the 100 samples ({status}, count {total}, sum {sums})")
    seconds = day_start // 1000
    status, answer = query(name="cli.times", **{"from": seconds, "to": seconds + 86400}, step="1d", stats="count")
    check(status == 400 and "epoch seconds" in answer.get("error", "") and f"{seconds}000" in answer["error"],
          f"a 'from' in epoch seconds is refused with a message that says so ({status} {answer})")
    status, answer = query(name="cli.times", **{"from": seconds, "to": seconds + 86400}, step="1d", stats="count", precision="s")
    check(status == 200 and sum(answer["series"][0]["count"]) == 100, f"... and taken with precision=s ({status})")
    status, answer = query(name="cli.times", **{"from": "yesterday", "to": "now"})
    check(status == 400 and "'from'" in answer.get("error", "") and "now-1h" in answer["error"], f"an unreadable time names the forms it may take ({answer})")


def test_json_seconds():
    before = metric_value(urllib.request.urlopen(BASE + "/metrics").read().decode(), "windrow_rejected_samples_total", reason="timestamp_in_seconds")
    now_s = int(time.time())
    status, answer = request("POST", "/v1/metrics", [{"name": "cli.seconds", "value": 1.0, "timestamp": now_s},
                                                     {"name": "cli.seconds", "value": 2.0, "timestamp": now_s * 1000}])
    error = answer["errors"][0] if answer.get("errors") else {}
    check(status == 202 and answer["accepted"] == 1 and error.get("index") == 0 and error.get("reason") == "timestamp_in_seconds"
          and "epoch seconds" in error.get("error", ""), f"a JSON timestamp in epoch seconds is refused, naming why ({answer})")
    after = metric_value(urllib.request.urlopen(BASE + "/metrics").read().decode(), "windrow_rejected_samples_total", reason="timestamp_in_seconds")
    check(after == before + 1, f"... and counted in /metrics ({before} -> {after})")
    status, answer = request("POST", "/v1/metrics?precision=s", [{"name": "cli.seconds", "value": 3.0, "timestamp": now_s}])
    check(status == 202 and answer["accepted"] == 1, f"with ?precision=s the same number is taken as seconds ({answer})")
    check(settle("cli.seconds", (now_s - 60) * 1000, (now_s + 60) * 1000, 2), "... and lands at that second")
    status, answer = request("POST", "/v1/metrics?precision=fortnights", [{"name": "cli.seconds", "value": 3.0}])
    check(status == 400 and "precision" in answer.get("error", ""), f"an unknown precision is refused ({status} {answer})")


def test_globs_and_finality():
    now = int(time.time() * 1000)
    values = {"cli.glob.a": [0.1, 0.2, 0.7], "cli.glob.b": [1e15, 3.0], "cli.globber": [5.0]}
    request("POST", "/v1/metrics", [{"name": n, "value": v, "timestamp": now - 1000 * i} for n, vs in values.items() for i, v in enumerate(vs)])
    for name, vs in values.items():
        settle(name, now - HOUR, now + MINUTE, len(vs))
    status, answer = query(name="cli.glob.*", **{"from": "now-1h", "to": "now+1m"}, step="1h", stats="sum,count")
    got = {s["name"]: (sum(v for v in s["sum"] if v), sum(c for c in s["count"] if c)) for s in answer.get("series", [])}
    want = {n: (math.fsum(vs), len(vs)) for n, vs in values.items() if n.startswith("cli.glob.")}
    check(status == 200 and got == want, f"a glob answers one exact series per matching name ({got})")
    status, answer = query(name="cli.glob.?", **{"from": "now-1h", "to": "now+1m"}, step="1h", stats="count")
    check(status == 200 and sorted(s["name"] for s in answer["series"]) == ["cli.glob.a", "cli.glob.b"], "? matches one character")
    status, answer = query(name="cli.none.*", **{"from": "now-1h", "to": "now"})
    check(status == 200 and answer["series"] == [], f"a glob that matches nothing answers no series ({answer})")
    request("POST", "/v1/metrics", [{"name": f"cli.many.{i}", "value": 1.0} for i in range(NAMES_MAX + 1)])
    for i in range(NAMES_MAX + 1):
        settle(f"cli.many.{i}", now - HOUR, now + HOUR, 1)
    status, answer = query(name="cli.many.*", **{"from": "now-1h", "to": "now+1h"})
    check(status == 422 and "--query-names-max" in answer.get("error", "") and f"matches {NAMES_MAX + 1} names" in answer["error"],
          f"a glob over more names than --query-names-max is refused ({status} {answer})")
    refused = metric_value(urllib.request.urlopen(BASE + "/metrics").read().decode(), "windrow_queries_refused_total", reason="query_names_limit")
    check(refused >= 1, f"... and counted ({refused})")
    # The watermark comes with the mappers' first reports after the data flows.
    deadline = time.time() + 20
    while True:
        status, answer = query(name="cli.glob.a", **{"from": "now-2h", "to": "now+1m"}, step="1m", stats="p50")
        if answer.get("watermark") is not None or time.time() > deadline:
            break
        time.sleep(0.5)
    now = int(time.time() * 1000)
    check(status == 200 and isinstance(answer.get("watermark"), int) and now - 5 * MINUTE <= answer["watermark"] <= now + MINUTE,
          f"an answer gives the watermark ({answer.get('watermark')}, now {now})")
    open_from = answer.get("open_from")
    check(isinstance(open_from, int) and open_from % MINUTE == 0 and now - 3 * MINUTE <= open_from <= now,
          f"... the first open bucket, which follows the watermark less the allowed lateness ({open_from})")
    check(answer.get("quantile_relative_error") == 0.01, f"... and the quantile error bound ({answer.get('quantile_relative_error')})")
    status, answer = query(name="cli.glob.a", **{"from": "now-2h", "to": "now+1m"}, step="1h", stats="count")
    check(answer["open_from"] % HOUR == 0, f"open_from is aligned to the step ({answer['open_from']})")


def test_query_command():
    now = int(time.time() * 1000)
    big = 1.2345678901234567e23
    request("POST", "/v1/metrics", [{"name": "cli.num.print", "value": v, "timestamp": now} for v in (0.1, 0.2)]
            + [{"name": "cli.num.big", "value": big, "timestamp": now, "tags": {"host": "a,b"}}])
    settle("cli.num.print", now - HOUR, now + MINUTE, 2)
    settle("cli.num.big", now - HOUR, now + MINUTE, 1)
    url = ["--url", BASE]
    run = windrow("query", *url, "cli.num.*", "--stats", "avg,min,count", "--from", "-1h", "--to", "now+1m", "--group-by", "host")
    avg = math.fsum([0.1, 0.2]) / 2
    check(run.returncode == 0 and repr(avg) in run.stdout and repr(big) in run.stdout and "cli.num.big{host=a,b}" in run.stdout,
          f"the table prints every number in its shortest exact form ({repr(avg)}, {repr(big)}):\n{run.stdout}{run.stderr}")
    check(" * " in run.stdout and "open:" in run.stdout, "... and marks open buckets")
    run = windrow("query", *url, "cli.num.print", "--stats", "avg", "--precision", "3", "--from", "now-1h", "--to", "now+1m")
    check(run.returncode == 0 and re.search(r"\s0\.15\s", run.stdout) and repr(avg) not in run.stdout, f"--precision 3 rounds ({run.stdout!r})")
    run = windrow("query", *url, "cli.num.*", "--format", "csv", "--stats", "avg,count", "--from", "-1h", "--to", "now+1m", "--group-by", "host")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    by_name = {row["name"]: row for row in rows}
    check(run.returncode == 0 and float(by_name["cli.num.print"]["avg"]) == avg and float(by_name["cli.num.big"]["avg"]) == big
          and by_name["cli.num.big"]["tags"] == "host=a,b" and by_name["cli.num.print"]["count"] == "2",
          f"--format csv: one row per bucket, exact numbers, quoted tags ({rows})")
    start, end = now - HOUR, now + MINUTE
    run = windrow("query", *url, "cli.num.print", "--format", "json", "--stats", "avg,count", "--from", str(start), "--to", str(end))
    _, api = query(name="cli.num.print", **{"from": start, "to": end}, step="1m", stats="avg,count")
    printed = json.loads(run.stdout) if run.returncode == 0 else {}
    check(printed.get("series") == api["series"] and printed.get("from") == start, "--format json prints the API's answer")
    run = windrow("query", *url, "cli.num.print", "--from", "2020-01-01", "--to", "2020-01-02")
    check(run.returncode == 0 and run.stdout.strip().startswith("no data: cli.num.print has no samples from 2020-01-01"),
          f"an empty answer says 'no data' ({run.stdout!r})")
    run = windrow("query", *url, "cli.num.print", "--step", "7x")
    check(one_line_failure(run, "windrow query") and "400" in run.stderr and "step" in run.stderr,
          f"a server 400 is one line on stderr and exit 1 ({run.returncode} {run.stderr!r})")
    run = windrow("query", *url, "cli.num.print", "--from", "1796157728")
    check(one_line_failure(run, "windrow query") and "epoch seconds" in run.stderr, f"epoch seconds on the command line are refused in words ({run.stderr!r})")
    refused = f"http://127.0.0.1:{free_port()}"
    run = windrow("query", "--url", refused, "cli.num.print")
    check(one_line_failure(run, "windrow query") and "cannot connect" in run.stderr and "NSURLErrorDomain" not in run.stderr and len(run.stderr) < 200,
          f"a refused connection is one line in words ({run.stderr!r})")
    run = windrow("query", "--bogus")
    check(run.returncode == 64 and "Usage" in run.stderr, f"an unknown flag gets the usage and exit 64 ({run.returncode})")
    run = windrow("query", "cli.num.print", "--format", "xml")
    check(run.returncode == 64, f"an unknown format is a flag error, exit 64 ({run.returncode})")
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as config:
        config.write(f"# windrow query reads its front from here\nurl = {BASE}\n")
    run = windrow("query", "--config", config.name, "cli.num.print", "--stats", "count", "--from", "-1h", "--to", "now+1m")
    check(run.returncode == 0 and re.search(r"\s2\s*$", run.stdout.splitlines()[2]), f"--config FILE supplies flags ({run.stdout!r} {run.stderr!r})")
    os.unlink(config.name)
    help_text = windrow("--help").stdout
    check("--config FILE" in help_text and "WINDROW_" in help_text, "windrow --help documents --config and the environment variables")


def test_other_commands(cluster):
    run = windrow("local", "--mappers", "0", "--data-dir", tempfile.mkdtemp())
    check(one_line_failure(run, "windrow local") and "mapper" in run.stderr, f"windrow local --mappers 0 fails in one line ({run.returncode} {run.stderr!r})")
    with tempfile.NamedTemporaryFile("wb", suffix=".shard", delete=False) as bad:
        bad.write(b"WNDR" + os.urandom(200))
    run = windrow("inspect", bad.name)
    check(one_line_failure(run, "windrow inspect"), f"windrow inspect of a corrupt file fails in one line ({run.returncode} {run.stderr!r})")
    os.unlink(bad.name)
    run = windrow("produce", "--rate", "0")
    check(one_line_failure(run, "windrow produce") and "--rate" in run.stderr, f"produce refuses --rate 0 ({run.stderr!r})")
    ports = json.load(open(os.path.join(cluster.data, "cluster", "local-ports.json")))
    for role in ("coordinator-http", "mapper-0-http", "reducer-0-http"):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{ports[role]}/nope", timeout=10)
            status, body = 200, {}
        except urllib.error.HTTPError as error:
            status, body = error.code, json.loads(error.read() or b"{}")
        check(status == 404 and "/nope" in body.get("error", ""), f"{role.rsplit('-', 1)[0]}'s status server answers an unknown route with a JSON 404 ({status} {body})")
    run = windrow("produce", "--to", f"tcp://127.0.0.1:{ports['mapper-0-ingest']}", "--rate", "400", "--duration", "3.5", "--batch-size", "100",
                  "--prefix", "cli.produce")
    lines = [line for line in run.stdout.splitlines() if re.fullmatch(r"produce: \d+ s: sent \d+ samples, \d+/s", line)]
    check(run.returncode == 0 and len(lines) >= 3 and run.stdout.strip().splitlines()[-1].startswith("sent 1400 samples"),
          f"produce prints a rate line every second, then the figures ({run.stdout!r})")
    nobody = f"tcp://127.0.0.1:{free_port()}"
    run = windrow("produce", "--to", nobody, "--rate", "100", "--duration", "5", "--batch-size", "50")
    check(run.returncode == 1 and "warning: no mapper has taken a batch" in run.stderr and nobody in run.stderr and "nothing was sent" in run.stderr,
          f"produce warns when nothing takes its batches and fails when nothing was sent ({run.returncode} {run.stderr!r})")


def main():
    with LocalCluster(PORT, "--statsd-port", "0", env={"WINDROW_QUERY_NAMES_MAX": str(NAMES_MAX)}) as cluster:
        TALLY.run(test_time_forms, test_json_seconds, test_globs_and_finality, test_query_command, lambda: test_other_commands(cluster))
    return TALLY.finish()


if __name__ == "__main__":
    sys.exit(main())
