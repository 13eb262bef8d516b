#!/usr/bin/env python3
"""Chaos test: `windrow local` under acknowledged load on every ingest surface (JSON, line
protocol, acknowledged ZeroMQ), each batch with its own name and an idempotency key, retried
by the client with that key until it is acknowledged; meanwhile processes are killed with
SIGKILL (the local supervisor restarts them) or paused past every timeout with SIGSTOP. Then
every batch is counted by a query: 0 (lost), 1, or 2+ (doubled). An acknowledged batch must
count exactly once; a batch that was never acknowledged at most once.

Variants: every role killed; only mappers killed; a mapper paused; the data directory on a
small tmpfs that fills up (507 at once, no role exits, nothing acknowledged lost, recovery
when space returns); reducers killed while they compact closed days (each compaction step
slowed so that kills land between writing outputs, committing the manifest edit and deleting
the inputs); a corrupt snapshot and a corrupt log record (set aside and counted,
never a crash loop); the supervisor itself killed (its children do not outlive it).

`CHAOS_SECONDS` bounds the main run (default 60)."""
import json, os, random, signal, subprocess, sys, threading, time, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import BIN, LocalCluster, Tally, free_port, metric_value  # noqa: E402
import zmq_producer  # noqa: E402

SECONDS = int(os.environ.get("CHAOS_SECONDS", "60"))
BATCH = 50
MINUTE_MS = (int(time.time() * 1000) // 60_000 - 5) * 60_000
tally = Tally()


def children(pid):
    """{role name: pid} of the live children of `pid` (from /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) != pid or fields[0] == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            name = args[1].decode()
            if name in ("reducer", "mapper") and b"--id" in args:
                name = args[args.index(b"--id") + 1].decode()
            found[name] = int(entry)
        except (OSError, IndexError, ValueError):
            pass
    return found


def http(method, url, body=None, headers=None, timeout=15):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except Exception as error:  # connection refused or reset while the front restarts
        return 0, str(error).encode()


class Load:
    """Producers on the three surfaces; `acked[name]` = samples of each acknowledged batch,
    `sent` = every batch name that was sent at least once."""

    def __init__(self, port, acked_endpoints, prefix):
        self.base = f"http://127.0.0.1:{port}"
        self.acked_endpoints = acked_endpoints
        self.prefix = prefix
        self.acked, self.sent, self.statuses = {}, set(), {}
        self.unkeyed_503 = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def note(self, status):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def retry_http(self, name, path, body, content_type):
        key = f"{name}-{random.getrandbits(64):x}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, answer = http("POST", self.base + path, body, {"Content-Type": content_type, "Idempotency-Key": key})
            self.note(status)
            if status == 503 and answer.startswith(b"{") and json.loads(answer).get("idempotency_key") != key:
                self.unkeyed_503 += 1
            if status in (202, 204):
                with self.lock:
                    self.acked[name] = BATCH
                return
            time.sleep(0.3)

    def json_loop(self):
        n = 0
        while not self.stop.is_set():
            name = f"{self.prefix}.json.{n}"
            self.sent.add(name)
            body = json.dumps([{"name": name, "value": i, "timestamp": MINUTE_MS + i} for i in range(BATCH)]).encode()
            self.retry_http(name, "/v1/metrics", body, "application/json")
            n += 1

    def lines_loop(self):
        n = 0
        while not self.stop.is_set():
            name = f"{self.prefix}.lines.{n}"
            self.sent.add(name)
            body = "\n".join(f"{name} value={i} {MINUTE_MS + i}" for i in range(BATCH)).encode()
            self.retry_http(name, "/write?precision=ms", body, "text/plain")
            n += 1

    def zmq_loop(self):
        n = 0
        producer = f"chaos-{random.getrandbits(32):x}"
        while not self.stop.is_set():
            name = f"{self.prefix}.zmq.{n}"
            self.sent.add(name)
            samples = [(0, (MINUTE_MS + i) * 1_000_000, float(i)) for i in range(BATCH)]
            frame = zmq_producer.sample_batch(n + 1, [(name, 0, {})], samples, producer=producer, sequence=n)
            endpoint = self.acked_endpoints[n % len(self.acked_endpoints)]
            try:
                replies = zmq_producer.send_acked(endpoint, [frame], timeout_ms=3000, attempts=40)
                if replies[0].get("accepted") == BATCH:
                    with self.lock:
                        self.acked[name] = BATCH
            except Exception:
                pass
            n += 1

    def start(self):
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in (self.json_loop, self.lines_loop, self.zmq_loop)]
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=180)


def counts(port, names):
    """Samples counted per batch name (each batch sits in its own name, one minute)."""
    result = {}
    for name in names:
        status, body = http("GET", f"http://127.0.0.1:{port}/v1/query?name={name}&from={MINUTE_MS}&to={MINUTE_MS + 60_000}&step=1m&stats=count")
        result[name] = int(sum(json.loads(body)["series"][0]["count"])) if status == 200 and json.loads(body)["series"] else (0 if status == 200 else None)
    return result


def settle_and_check(port, load, label, kills):
    """Waits until every acknowledged batch answers (at most 90 s), then checks 0 lost, 0 doubled."""
    deadline = time.monotonic() + 90
    while True:
        got = counts(port, sorted(load.sent))
        missing = [n for n in load.acked if got.get(n) != BATCH]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(2)
    lost = [n for n in load.acked if (got.get(n) or 0) < BATCH]
    doubled = [n for n, c in got.items() if c is not None and c > BATCH]
    unacked_seen = [n for n in load.sent if n not in load.acked and got.get(n)]
    print(f"{label}: {len(load.acked)} batches ({len(load.acked) * BATCH} samples) acknowledged of {len(load.sent)} sent, "
          f"{len(lost)} lost, {len(doubled)} doubled, {len(unacked_seen)} unacknowledged counted once; kills {kills}; "
          f"answers {dict(sorted(load.statuses.items()))}")
    tally.check(len(load.acked) > 20, f"{label}: load was acknowledged ({len(load.acked)} batches)")
    tally.check(not lost, f"{label}: no acknowledged batch lost {lost[:5]}")
    tally.check(not doubled, f"{label}: no batch counted twice {doubled[:5]}")
    tally.check(load.unkeyed_503 == 0, f"{label}: every 503 names the Idempotency-Key to retry with ({load.unkeyed_503} did not)")


def acked_endpoints(port):
    _, body = http("GET", f"http://127.0.0.1:{port}/v1/cluster")
    view = json.loads(body)
    return [n["endpoints"]["acked"] for n in view["nodes"] if n["role"] == "mapper"]


def chaos(label, roles, pause=False, seconds=SECONDS):
    port = free_port()
    with LocalCluster(port, "--seal-interval-ms", "2000", "--allowed-lateness-ms", "2000") as cluster:
        load = Load(port, acked_endpoints(port), label.replace(" ", "-"))
        load.start()
        kills = {}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(random.uniform(3, 5) if not pause else 2)
            live = {n: p for n, p in children(cluster.process.pid).items() if any(n.startswith(r) for r in roles)}
            if not live:
                continue
            name, pid = random.choice(sorted(live.items()))
            if pause:
                os.kill(pid, signal.SIGSTOP)
                time.sleep(12)  # past the front's 10 s call timeout and the mapper's resend timeout
                os.kill(pid, signal.SIGCONT)
            else:
                os.kill(pid, signal.SIGKILL)
            kills[name.split("-")[0]] = kills.get(name.split("-")[0], 0) + 1
        load.finish()
        settle_and_check(port, load, label, kills)


def reducer_figures(data, name):
    """`name` summed per reducer, from the ports `windrow local` recorded."""
    ports = json.load(open(data + "/local-ports.json"))
    result = {}
    for role, port in ports.items():
        if role.startswith("reducer-") and role.endswith("-http"):
            status, body = http("GET", f"http://127.0.0.1:{port}/metrics", timeout=5)
            result[role[:-5]] = metric_value(body.decode(), name) if status == 200 else None
    return result


def compaction_killed():
    """Backfill of three closed days, batch by batch (each its own name, over all three days),
    while reducers are killed at random moments of their compactions."""
    port = free_port()
    day_ms = 86_400_000
    first_day = (int(time.time() * 1000) // day_ms - 4) * day_ms
    env = {"WINDROW_COMPACTION_STEP_DELAY_MS": "150"}
    with LocalCluster(port, "--seal-interval-ms", "400", "--allowed-lateness-ms", "500", env=env) as cluster:
        data = cluster.data + "/cluster"
        acked, sent = {}, []
        stop = threading.Event()

        def load():
            for n in range(36):
                name = f"compact.{n}"
                sent.append(name)
                body = "\n".join(f"{name} value={i} {first_day + (i * 3 * day_ms) // BATCH + n * 1000}" for i in range(BATCH)).encode()
                key = f"{name}-{random.getrandbits(64):x}"
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    status, _ = http("POST", f"http://127.0.0.1:{port}/write?precision=ms", body, {"Content-Type": "text/plain", "Idempotency-Key": key})
                    if status == 204:
                        acked[name] = BATCH
                        break
                    time.sleep(0.3)
                time.sleep(0.25)
            stop.set()

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        kills = 0
        compacted = 0
        deadline = time.monotonic() + 90
        while (not stop.is_set() or kills < 8) and time.monotonic() < deadline:
            time.sleep(random.uniform(0.8, 2.0))
            compacted = max(compacted, sum(v or 0 for v in reducer_figures(data, "windrow_compactions_total").values()))
            live = {n: p for n, p in children(cluster.process.pid).items() if n.startswith("reducer")}
            if live:
                os.kill(random.choice(sorted(live.values())), signal.SIGKILL)
                kills += 1
        thread.join(timeout=150)
        end = first_day + 3 * day_ms
        settle = time.monotonic() + 120
        while time.monotonic() < settle:
            got = {}
            for name in sent:
                status, body = http("GET", f"http://127.0.0.1:{port}/v1/query?name={name}&from={first_day}&to={end}&step=1d&stats=count")
                got[name] = int(sum(sum(s["count"]) for s in json.loads(body)["series"])) if status == 200 else None
            backlog = reducer_figures(data, "windrow_compaction_backlog")
            if all(got.get(n) == BATCH for n in acked) and all(v == 0 for v in backlog.values()):
                break
            time.sleep(1)
        lost = [n for n in acked if (got.get(n) or 0) < BATCH]
        doubled = [n for n, c in got.items() if c is not None and c > BATCH]
        compacted = max(compacted, sum(v or 0 for v in reducer_figures(data, "windrow_compactions_total").values()))
        print(f"compaction killed: {len(acked)} of {len(sent)} batches acknowledged, {kills} reducer kills, "
              f"{compacted} compactions seen, {len(lost)} lost, {len(doubled)} doubled, backlog {backlog}")
        tally.check(len(acked) == len(sent), f"compaction killed: every batch acknowledged ({len(acked)} of {len(sent)})")
        tally.check(kills >= 8 and compacted > 0, f"compaction killed: reducers were killed while compacting ({kills} kills, {compacted} compactions)")
        tally.check(not lost and not doubled, f"compaction killed: nothing lost {lost[:5]} and nothing counted twice {doubled[:5]}")
        # Every file on disk is in the manifest and every listed file is on disk (uncommitted
        # outputs and committed inputs were removed at restart or after the edit).
        for reducer in sorted(d for d in os.listdir(data) if d.startswith("reducer-")):
            listing = subprocess.run([BIN, "inspect", f"{data}/{reducer}"], capture_output=True, text=True).stdout
            listed = {line.split(": ")[1].split()[0] for line in listing.splitlines() if line.startswith("p") and ".shard" in line}
            for _ in range(20):
                on_disk = {f for f in os.listdir(f"{data}/{reducer}/shards") if f.endswith(".shard")}
                if on_disk == listed:
                    break
                time.sleep(0.5)
            tally.check(on_disk == listed, f"compaction killed: {reducer}'s shard files are exactly its manifest's "
                                           f"(unlisted {sorted(on_disk - listed)[:3]}, missing {sorted(listed - on_disk)[:3]})")


def disk_full():
    """The data directory on a 48 MiB tmpfs, filled up while acknowledged load runs."""
    port = free_port()
    mount = f"/tmp/windrow-chaos-tmpfs-{os.getpid()}"
    os.makedirs(mount, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount], check=True)
    import tempfile
    previous, tempfile.tempdir = tempfile.tempdir, mount
    try:
        with LocalCluster(port, "--seal-interval-ms", "2000", "--allowed-lateness-ms", "2000") as cluster:
            tally.check(cluster.data.startswith(mount), "disk full: the data directory is on the tmpfs")
            load = Load(port, acked_endpoints(port), "disk")
            load.start()
            time.sleep(5)
            before = children(cluster.process.pid)
            fillers = []
            # A small write may still fit in a page the log file holds already; a few more do not.
            # The cluster frees space itself (acknowledged logs rotated away, sealed logs
            # truncated), so the disk is filled up again before each probe.
            for attempt in range(20):
                fillers.append(os.path.join(mount, f"filler-{attempt}"))
                subprocess.run(["dd", "if=/dev/zero", f"of={fillers[-1]}", "bs=1M", "count=64"], stderr=subprocess.DEVNULL)
                start = time.monotonic()
                body = json.dumps([{"name": "disk.probe", "value": i, "timestamp": MINUTE_MS + i} for i in range(2000)]).encode()
                status, answer = http("POST", f"http://127.0.0.1:{port}/v1/metrics", body)
                took = time.monotonic() - start
                if status != 202:
                    break
            print(f"disk full: POST {attempt + 1} answered {status} in {took:.2f} s: {answer[:240]!r}")
            tally.check(status == 507 and b"storage" in answer and took < 5, "disk full: ingest refused at once with 507 naming the storage")
            time.sleep(8)
            after = children(cluster.process.pid)
            tally.check(before == after, f"disk full: no role exited or restarted ({before} vs {after})")
            for filler in fillers:
                os.remove(filler)
            time.sleep(3)
            status, _ = http("POST", f"http://127.0.0.1:{port}/v1/metrics",
                             json.dumps([{"name": "disk.after", "value": 1, "timestamp": MINUTE_MS}]).encode())
            tally.check(status == 202, f"disk full: ingest is taken again once space returns ({status})")
            time.sleep(5)
            load.finish()
            settle_and_check(port, load, "disk full", {})
    finally:
        tempfile.tempdir = previous
        subprocess.run(["umount", "-l", mount])


def corrupt_files():
    """A corrupt snapshot and a corrupt log record are set aside and counted at restart."""
    port = free_port()
    cluster = LocalCluster(port, "--reducers", "1", "--seal-interval-ms", "2000", "--allowed-lateness-ms", "60000")
    cluster.__enter__()
    data = cluster.data + "/cluster"
    # Old samples are sealed at once (a snapshot is written); recent ones stay in the log after it.
    http("POST", f"http://127.0.0.1:{port}/v1/metrics", json.dumps([{"name": "corrupt.old", "value": 1, "timestamp": MINUTE_MS}]).encode())
    time.sleep(6)
    for n in range(20):
        http("POST", f"http://127.0.0.1:{port}/v1/metrics", json.dumps([{"name": f"corrupt.{n}", "value": 1}]).encode())
        time.sleep(0.1)
    cluster.process.send_signal(signal.SIGTERM)
    cluster.process.wait(timeout=60)
    reducer = data + "/reducer-0"
    snapshots = [f for f in os.listdir(reducer) if f.startswith("snapshot-")]
    segments = sorted(f for f in os.listdir(reducer + "/wal") if f.endswith(".log"))
    tally.check(bool(snapshots) and bool(segments), f"corrupt: the reducer left a snapshot and a log ({snapshots}, {segments})")
    for path in [reducer + "/" + snapshots[0]] if snapshots else []:
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0xFF]))
    # Two log records after the checkpoint: damage the first one's payload.
    with open(reducer + "/wal/" + segments[-1], "rb") as f:
        log = bytearray(f.read())
    corrupted_log = len(log) > 16
    if corrupted_log:
        log[12] ^= 0xFF
        with open(reducer + "/wal/" + segments[-1], "wb") as f:
            f.write(log)
    process = subprocess.Popen([BIN, "local", "--data-dir", data, "--http-port", str(port), "--ingest-port", "0", "--otlp-port", "0", "--reducers", "1",
                                "--log-level", "warning"], stdout=subprocess.DEVNULL)
    try:
        ready = False
        for _ in range(150):
            if http("GET", f"http://127.0.0.1:{port}/readyz", timeout=1)[0] == 200:
                ready = True
                break
            time.sleep(0.2)
        tally.check(ready, "corrupt: the cluster is ready again (no crash loop)")
        with open(data + "/local-ports.json") as f:
            reducer_port = json.load(f)["reducer-0-http"]
        # The front may be ready before the reducer finished recovering (the coordinator still
        # counts its last heartbeat from before the restart): wait for the recovery's figures.
        deadline = time.time() + 30
        while True:
            _, text = http("GET", f"http://127.0.0.1:{reducer_port}/metrics")
            text = text.decode()
            recovered = (metric_value(text, "windrow_corrupt_snapshots_total") >= (1 if snapshots else 0)
                         and metric_value(text, "windrow_quarantined_log_records_total") >= (1 if corrupted_log else 0))
            if recovered or time.time() > deadline:
                break
            time.sleep(0.2)
        tally.check(metric_value(text, "windrow_corrupt_snapshots_total") == (1 if snapshots else 0), "corrupt: the snapshot is counted")
        records = metric_value(text, "windrow_quarantined_log_records_total")
        tally.check(records >= 1 or not corrupted_log, f"corrupt: the log record is counted ({records})")
        tally.check(os.path.exists(reducer + "/quarantine/" + snapshots[0]) if snapshots else True, "corrupt: the snapshot is in quarantine/")
        status, _ = http("POST", f"http://127.0.0.1:{port}/v1/metrics", json.dumps([{"name": "corrupt.after", "value": 1}]).encode())
        tally.check(status == 202, "corrupt: ingest goes on")
        pid_before = children(process.pid)
        time.sleep(3)
        tally.check(children(process.pid) == pid_before, "corrupt: no role restarts")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def retries():
    """The same keyed request twice answers the same and counts once, over HTTP and ZeroMQ, and
    across a restart of the mapper that took it."""
    port = free_port()
    with LocalCluster(port) as cluster:
        base = f"http://127.0.0.1:{port}"
        body = json.dumps([{"name": "retry.json", "value": i, "timestamp": MINUTE_MS + i} for i in range(7)]).encode()
        first = http("POST", base + "/v1/metrics", body, {"Idempotency-Key": "json-1"})
        second = http("POST", base + "/v1/metrics", body, {"Idempotency-Key": "json-1"})
        tally.check(first == second and first[0] == 202, f"retries: a repeated JSON request gets the first answer ({first}, {second})")
        lines = "\n".join(f"retry.lines value={i} {MINUTE_MS + i}" for i in range(5)).encode()
        statuses = [http("POST", base + "/write?precision=ms", lines, {"Idempotency-Key": "lines-1"})[0] for _ in range(3)]
        tally.check(statuses == [204, 204, 204], f"retries: a repeated line-protocol request is answered 204 ({statuses})")
        bad = http("POST", base + "/v1/metrics", body, {"Idempotency-Key": "has space"})
        tally.check(bad[0] == 400 and b"Idempotency-Key" in bad[1], f"retries: a malformed key is refused with 400 ({bad})")
        endpoint = acked_endpoints(port)[0]
        frame = zmq_producer.sample_batch(1, [("retry.zmq", 0, {})], [(0, (MINUTE_MS + i) * 1_000_000, float(i)) for i in range(9)],
                                          producer="retry-test", sequence=1)
        replies = zmq_producer.send_acked(endpoint, [frame]) + zmq_producer.send_acked(endpoint, [frame])
        tally.check(replies[0] == replies[1] and replies[0]["accepted"] == 9, f"retries: a repeated keyed frame gets the first answer ({replies})")
        # Kill the mapper that took it: its keys survive the restart.
        mapper = [p for n, p in children(cluster.process.pid).items() if n.startswith("mapper")]
        for pid in mapper:
            os.kill(pid, signal.SIGKILL)
        time.sleep(1)
        for _ in range(100):
            if http("GET", base + "/readyz", timeout=1)[0] == 200 and len(children(cluster.process.pid)) >= 6:
                break
            time.sleep(0.2)
        after = zmq_producer.send_acked(endpoint, [frame], timeout_ms=5000, attempts=6)
        tally.check(after[0] == replies[0], f"retries: after the mapper restarts the key still gets the first answer ({after})")
        third = http("POST", base + "/v1/metrics", body, {"Idempotency-Key": "json-1"})
        tally.check(third == first, f"retries: so does the HTTP key ({third})")
        time.sleep(2)
        got = counts(port, ["retry.json", "retry.lines", "retry.zmq"])
        tally.check(got == {"retry.json": 7, "retry.lines": 5, "retry.zmq": 9}, f"retries: each request counted once ({got})")


def supervisor_killed():
    port = free_port()
    with LocalCluster(port) as cluster:
        pids = list(children(cluster.process.pid).values())
        os.kill(cluster.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().split()[2] != "Z" for p in pids):
            time.sleep(0.2)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().split()[2] != "Z"]
        tally.check(len(pids) >= 5 and not alive, f"supervisor killed: its {len(pids)} children stopped ({alive} still alive)")
        cluster.process.wait()
        cluster.process = subprocess.Popen(["true"])  # already gone; __exit__ only cleans up


if __name__ == "__main__":
    random.seed(int(os.environ.get("CHAOS_SEED", str(int(time.time())))))
    tally.run(lambda: chaos("every role", ["coordinator", "reducer", "mapper", "front"]),
              lambda: chaos("mappers only", ["mapper"], seconds=max(20, SECONDS // 2)),
              lambda: chaos("paused mapper", ["mapper"], pause=True, seconds=30),
              compaction_killed, retries, disk_full, corrupt_files, supervisor_killed)
    sys.exit(tally.finish())
