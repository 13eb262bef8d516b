#!/usr/bin/env python3
"""Handover test: `windrow local` grows and shrinks its reducers by live handover while
acknowledged ingest and queries go on, and every answer is compared with an exact reference.

- A fixed dataset (40 names over the last three hours and the current minute: sealed files
  and open windows) is ingested and checked first.
- Scale 1 -> 2 reducers, then drain reducer-0 (POST /v1/cluster/drain), then scale to 2 again
  with the new reducer killed (SIGKILL) as its handover copies, then drain again with the
  coordinator killed mid-handover, then scale to 3 with the source killed as it seals.
- All along, one thread ingests new batches (each acknowledged one goes into the reference)
  and another queries the fixed dataset: every answer during every move must equal the
  reference (nothing lost, nothing twice, never answered by both owners or by neither).
- At the end every name of both datasets is checked bucket by bucket.
- A mapper paused past the liveness timeout does not hold up a join; resumed, it
  resynchronises and nothing is lost or counted twice.
- Splits: on three reducers with a low split factor, one hot name (64 series) is split by
  series over all three under acknowledged load, then joined again once it cools, and again
  with a piece's reducer killed as it gives its files back; the hot name is queried all along
  (each piece's window states merged by the front) and must equal the exact reference.
"""
import json, os, random, signal, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testkit import BIN, LocalCluster, Tally, free_port, metric_value  # noqa: E402
from chaos_test import children, http  # noqa: E402

tally = Tally()
NOW_MS = int(time.time() * 1000)
MINUTE = 60_000
START = (NOW_MS // MINUTE - 180) * MINUTE
END = (NOW_MS // MINUTE + 1) * MINUTE
FIXED = [f"ho.fixed.{n}" for n in range(40)]


class Reference:
    """Exact count, sum, min and max per name and minute of what was acknowledged."""

    def __init__(self):
        self.buckets = {}
        self.lock = threading.Lock()

    def add(self, samples):
        with self.lock:
            for sample in samples:
                key = (sample["name"], sample["timestamp"] // MINUTE * MINUTE)
                count, total, low, high = self.buckets.get(key, (0, 0, None, None))
                value = sample["value"]
                self.buckets[key] = (count + 1, total + value, value if low is None else min(low, value), value if high is None else max(high, value))

    def of(self, name):
        with self.lock:
            return {minute: figures for (n, minute), figures in self.buckets.items() if n == name}


def answer(base, name):
    """{minute: (count, sum, min, max)} as the cluster answers, or None when it did not answer."""
    status, body = http("GET", f"{base}/v1/query?name={name}&from={START}&to={END}&step=1m&stats=count,sum,min,max")
    if status != 200:
        return None
    result = {}
    for series in json.loads(body)["series"]:
        for index, minute in enumerate(series["timestamps"]):
            if series["count"][index]:
                result[minute] = (series["count"][index], series["sum"][index], series["min"][index], series["max"][index])
    return result


def ingest(base, samples, key):
    for _ in range(200):
        status, _ = http("POST", f"{base}/v1/metrics", json.dumps(samples).encode(),
                         {"Content-Type": "application/json", "Idempotency-Key": key})
        if 200 <= status < 300:
            return True
        time.sleep(0.2)
    return False


def cluster(base):
    status, body = http("GET", f"{base}/v1/cluster")
    return json.loads(body) if status == 200 else None


def wait_until(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


def settled(base, reducers):
    """The cluster view once no handover runs and exactly `reducers` own the partitions."""
    def done():
        view = cluster(base)
        if view and view.get("handover") is None and sorted(r for r in view["reducers"] if r) == sorted(reducers) \
                and set(view["owners"]) == set(range(len(reducers))):
            return view
        return None
    return wait_until(done, 120)


def matches(base, reference, names):
    """Names whose answer differs from the reference (after waiting for them to settle)."""
    wrong = []
    for name in names:
        expected = reference.of(name)
        if not wait_until(lambda: answer(base, name) == expected, 30):
            wrong.append(name)
    return wrong


class Load:
    """Acknowledged ingest of new names and windows, and queries of the fixed dataset."""

    def __init__(self, base, fixed):
        self.base = base
        self.fixed = fixed
        self.reference = Reference()
        self.stop = threading.Event()
        self.queries = 0
        self.mismatches = []
        self.unanswered = 0
        self.batches = 0

    def ingest_loop(self):
        number = 0
        while not self.stop.is_set():
            number += 1
            samples = [{"name": f"ho.live.{(number * 7 + i) % 23}", "value": random.randint(-1000, 1000),
                        "timestamp": random.randint(START, NOW_MS)} for i in range(50)]
            if ingest(self.base, samples, f"live-{number}"):
                self.reference.add(samples)
                self.batches += 1
            time.sleep(0.02)

    def query_loop(self):
        while not self.stop.is_set():
            name = random.choice(FIXED)
            got = answer(self.base, name)
            self.queries += 1
            if got is None:
                self.unanswered += 1
            elif got != self.fixed.of(name):
                self.mismatches.append(name)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.ingest_loop), threading.Thread(target=self.query_loop)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def kill_when(local, base, phase, role):
    """SIGKILLs `role(view)` once the running handover reaches `phase`; returns the name killed."""
    view = wait_until(lambda: (v := cluster(base)) and v.get("handover") and v["handover"]["phase"] == phase and v, 60)
    if not view:
        return None
    name = role(view)
    pid = children(local.process.pid).get(name)
    if pid:
        os.kill(pid, signal.SIGKILL)
    return name


def main():
    moves()
    splits()
    mapper_down()
    return tally.finish()


def moves():
    port = free_port()
    with LocalCluster(port, "--mappers", "2", "--reducers", "1", "--seal-interval-ms", "500", "--allowed-lateness-ms", "2000",
                      "--flush-interval-ms", "100") as local:
        base = f"http://127.0.0.1:{port}"
        fixed = Reference()
        rng = random.Random(14)
        for batch in range(40):
            samples = [{"name": rng.choice(FIXED), "value": rng.randint(-10_000, 10_000),
                        "timestamp": rng.choice([rng.randint(START, NOW_MS - 10 * MINUTE), rng.randint(NOW_MS - MINUTE, NOW_MS)])}
                       for _ in range(250)]
            if ingest(base, samples, f"fixed-{batch}"):
                fixed.add(samples)
        wrong = matches(base, fixed, FIXED)
        tally.check(not wrong, f"the fixed dataset answers exactly on one reducer ({len(wrong)} names wrong)")
        # Sealed files must exist before they can travel.
        wait_until(lambda: metric_value(reducer_metrics(local, "reducer-0"), "windrow_shard_files") > 0, 30)

        with Load(base, fixed) as load:
            time.sleep(2)
            status, body = http("POST", f"{base}/v1/cluster/reducers", json.dumps({"count": 2}).encode())
            tally.check(status == 202, f"POST /v1/cluster/reducers count 2 is accepted ({status} {body[:200]!r})")
            view = settled(base, ["reducer-0", "reducer-1"])
            tally.check(view is not None and view["epoch"] >= 1, "scaled to 2: both reducers own partitions, handover done")
            if view:
                tally.check(view["lastHandover"]["completed"] and view["lastHandover"]["moves"] > 0,
                            f"the handover moved {view['lastHandover']['moves']} partitions in {view['lastHandover']['durationMs']} ms")
            imported = metric_value(reducer_metrics(local, "reducer-1"), "windrow_handover_files_imported_total")
            tally.check(imported > 0, f"sealed files travelled to reducer-1 ({imported} files)")

            status, body = http("POST", f"{base}/v1/cluster/drain?node=reducer-0")
            tally.check(status == 202, f"POST /v1/cluster/drain?node=reducer-0 is accepted ({status})")
            tally.check(settled(base, ["reducer-1"]) is not None, "reducer-0 drained: reducer-1 owns every partition")
            stopped = wait_until(lambda: "reducer-0" not in children(local.process.pid), 30)
            tally.check(stopped, "windrow local stopped the drained reducer-0")
            status, _ = http("POST", f"{base}/v1/cluster/drain?node=reducer-1")
            tally.check(status == 409, f"draining the last reducer is refused with 409 ({status})")
            status, _ = http("POST", f"{base}/v1/cluster/drain?node=reducer-9")
            tally.check(status == 404, f"draining an unknown reducer is refused with 404 ({status})")

            # The joining reducer is killed as it copies: restarted, it imports again.
            http("POST", f"{base}/v1/cluster/reducers", json.dumps({"count": 2}).encode())
            killed = kill_when(local, base, "copying", lambda v: v["handover"]["moves"][0]["to"])
            tally.check(killed == "reducer-2", f"killed the target {killed} mid-copy")
            tally.check(settled(base, ["reducer-1", "reducer-2"]) is not None, "the handover completed after the target's crash")

            # The coordinator is killed mid-handover: restarted from its saved state, it goes on.
            # `windrow drain` (the reducers' preStop hook) asks and waits through the crash.
            with open(os.path.join(local.data, "cluster", "local-ports.json")) as f:
                coordinator = f"tcp://127.0.0.1:{json.load(f)['coordinator']}"
            drain = subprocess.Popen([BIN, "drain", "--node", "reducer-1", "--coordinator", coordinator,
                                      "--cluster-secret-file", os.path.join(local.data, "cluster", "cluster-secret")],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            killed = kill_when(local, base, "copying", lambda v: "coordinator")
            tally.check(killed == "coordinator", "killed the coordinator mid-handover")
            output = drain.communicate(timeout=180)[0]
            tally.check(drain.returncode == 0 and "reducer-1 drained" in output,
                        f"windrow drain returned once reducer-1 owned nothing ({drain.returncode}: {output.strip()[-200:]!r})")
            tally.check(settled(base, ["reducer-2"]) is not None, "the drain completed after the coordinator's crash")

            # The source is killed as it seals what it gives away; `windrow scale` waits through it.
            scale = subprocess.Popen([BIN, "scale", "--reducers", "2", "--url", base], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            killed = kill_when(local, base, "copying", lambda v: v["handover"]["moves"][0]["from"])
            tally.check(killed == "reducer-2", f"killed the source {killed} mid-handover")
            output = scale.communicate(timeout=180)[0]
            tally.check(scale.returncode == 0 and "done: 2 reducers" in output,
                        f"windrow scale --reducers 2 returned once the handover was done ({scale.returncode}: {output.strip()[-200:]!r})")
            final = settled(base, ["reducer-2", "reducer-3"])
            tally.check(final is not None, "the handover completed after the source's crash")
            time.sleep(2)
        tally.check(load.batches > 0, f"{load.batches} live batches acknowledged during the moves")
        tally.check(load.queries > 50 and not load.mismatches,
                    f"{load.queries} queries during the moves, {len(load.mismatches)} answered differently from the reference, "
                    f"{load.unanswered} unanswered")
        wrong = matches(base, fixed, FIXED)
        tally.check(not wrong, f"after the moves the fixed dataset answers exactly ({len(wrong)} names wrong: {wrong[:3]})")
        live_names = sorted({name for name, _ in load.reference.buckets})
        wrong = matches(base, load.reference, live_names)
        tally.check(not wrong, f"every acknowledged live sample is counted once ({len(wrong)} of {len(live_names)} names wrong)")
        moved = metric_value(reducer_metrics(local, "reducer-2"), "windrow_partitions_released_total")
        tally.check(moved > 0, f"reducer-2 released the partitions it gave away ({moved})")


def mapper_down():
    """A mapper that is down (SIGSTOP past the liveness timeout) does not hold up the fence: a
    reducer joins without it; resumed, it resynchronises and every acknowledged sample counts once."""
    port = free_port()
    with LocalCluster(port, "--mappers", "2", "--reducers", "1", "--flush-interval-ms", "100") as local:
        base = f"http://127.0.0.1:{port}"
        reference = Reference()
        rng = random.Random(16)
        names = [f"ho.down.{n}" for n in range(12)]
        for batch in range(20):
            samples = [{"name": rng.choice(names), "value": rng.randint(-100, 100), "timestamp": rng.randint(START, NOW_MS)} for _ in range(100)]
            if ingest(base, samples, f"down-{batch}"):
                reference.add(samples)
        tally.check(not matches(base, reference, names), "mapper down: the dataset answers exactly")
        paused = children(local.process.pid)["mapper-1"]
        os.kill(paused, signal.SIGSTOP)
        try:
            wait_until(lambda: (v := cluster(base)) and any(n["id"] == "mapper-1" and not n["alive"] for n in v["nodes"]), 30)
            http("POST", f"{base}/v1/cluster/reducers", json.dumps({"count": 2}).encode())
            view = settled(base, ["reducer-0", "reducer-1"])
            tally.check(view is not None and view["lastHandover"]["completed"],
                        f"mapper down: reducer-1 joined while mapper-1 was down ({view and view['lastHandover']})")
        finally:
            os.kill(paused, signal.SIGCONT)
        for batch in range(20):
            samples = [{"name": rng.choice(names), "value": rng.randint(-100, 100), "timestamp": rng.randint(START, NOW_MS)} for _ in range(100)]
            if ingest(base, samples, f"down-after-{batch}"):
                reference.add(samples)
        wrong = matches(base, reference, names)
        tally.check(not wrong, f"mapper down: resumed, every acknowledged sample counts once ({len(wrong)} names wrong)")


HOT = "ho.hot"


def hot_samples(rng, count, low, high):
    return [{"name": HOT, "value": rng.randint(-1000, 1000), "timestamp": rng.randint(low, high), "tags": {"host": f"h{rng.randrange(64)}"}}
            for _ in range(count)]


def split_of(base):
    view = cluster(base)
    return view and view.get("handover") is None and view["splits"] and view


def joined(base):
    view = cluster(base)
    return view and view.get("handover") is None and not view["splits"] and view["epoch"] > 0 and view


class HotQueries:
    """Queries the hot name over the whole range against a reference that does not change
    while they run (ingest is paused)."""

    def __init__(self, base, reference):
        self.base, self.reference = base, reference
        self.stop = threading.Event()
        self.queries = self.unanswered = 0
        self.mismatches = []

    def run(self):
        while not self.stop.is_set():
            got = answer(self.base, HOT)
            self.queries += 1
            if got is None:
                self.unanswered += 1
            elif got != self.reference.of(HOT):
                self.mismatches.append(got)

    def __enter__(self):
        self.thread = threading.Thread(target=self.run)
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()


def kill_giver(local, base):
    """SIGKILLs the first source of the next handover that moves files, as soon as it shows."""
    deadline = time.time() + 120
    while time.time() < deadline:
        view = cluster(base)
        if view and view.get("handover") and view["handover"]["moves"]:
            name = view["handover"]["moves"][0]["from"]
            pid = children(local.process.pid).get(name)
            if pid:
                os.kill(pid, signal.SIGKILL)
                return name
        time.sleep(0.02)
    return None


def splits():
    port = free_port()
    # Load measured with a 3 s half-life so that a name heats and cools within seconds.
    env = {"WINDROW_SPLIT_FACTOR": "1.2", "WINDROW_SPLIT_HOLD_MS": "3000", "WINDROW_SPLIT_MIN_LOAD": "2000", "WINDROW_LOAD_HALF_LIFE_MS": "3000"}
    with LocalCluster(port, "--mappers", "2", "--reducers", "3", "--seal-interval-ms", "500", "--allowed-lateness-ms", "2000",
                      "--flush-interval-ms", "100", env=env) as local:
        base = f"http://127.0.0.1:{port}"
        reference = Reference()
        rng = random.Random(15)
        # Older data of the hot name, sealed into its owner's files before any split.
        for batch in range(20):
            samples = hot_samples(rng, 250, START, NOW_MS - 20 * MINUTE)
            if ingest(base, samples, f"hot-old-{batch}"):
                reference.add(samples)
        tally.check(not matches(base, reference, [HOT]), "splits: the hot name answers exactly before any split")
        for cycle, kill_source in enumerate([False, True]):
            # Hot: acknowledged ingest of recent minutes until the name is split, and on a while.
            number, deadline, view = 0, time.time() + 90, None
            while time.time() < deadline:
                number += 1
                samples = hot_samples(rng, 200, NOW_MS - 15 * MINUTE, NOW_MS)
                if ingest(base, samples, f"hot-{cycle}-{number}"):
                    reference.add(samples)
                view = view or split_of(base)
                if view and number % 40 == 0:
                    break
            tally.check(bool(view), f"splits, cycle {cycle}: the hot name was split "
                                    f"({view and view['splits']}; last handover {view and view['lastHandover']})")
            if not view:
                return
            pieces = view["splits"][0]["pieces"]
            tally.check(len(pieces) == 3 and view["lastHandover"]["moves"] == 0 and "hot" in view["lastHandover"]["reason"],
                        f"splits, cycle {cycle}: over all three reducers, no file moved ({pieces}, {view['lastHandover']['reason']!r})")
            # Every acknowledged sample applied (the last flush is a moment behind the answer).
            tally.check(not matches(base, reference, [HOT]), f"splits, cycle {cycle}: split, the hot name answers exactly")
            front = metric_value(http("GET", f"{base}/metrics")[1].decode(), "windrow_split_queries_total")
            with HotQueries(base, reference) as queries:
                # Cooling: no more ingest; after the hold time the pieces give their files back.
                if kill_source:
                    killed = kill_giver(local, base)
                    tally.check(killed in pieces[1:], f"splits: killed the piece {killed} as it gives its files back")
                done = wait_until(lambda: joined(base), 120)
                tally.check(bool(done), f"splits, cycle {cycle}: joined again once cool ({done and done['lastHandover']})")
                # Below half of WINDROW_SPLIT_MIN_LOAD: the coordinator took the environment's policy.
                tally.check(bool(done) and "cooled below 1000 per s" in done["lastHandover"]["reason"],
                            f"splits, cycle {cycle}: joined under the configured policy ({done and done['lastHandover']['reason']!r})")
                time.sleep(1)
            after = metric_value(http("GET", f"{base}/metrics")[1].decode(), "windrow_split_queries_total")
            tally.check(queries.queries > 10 and not queries.mismatches,
                        f"splits, cycle {cycle}: {queries.queries} queries of the hot name while split and joining, "
                        f"{len(queries.mismatches)} differed from the reference, {queries.unanswered} unanswered")
            tally.check(after > front, f"splits, cycle {cycle}: the front merged the pieces' states ({after - front:.0f} queries)")
            tally.check(not matches(base, reference, [HOT]), f"splits, cycle {cycle}: joined, the hot name answers exactly")


def reducer_metrics(local, name):
    """The status page of reducer `name` (its port from the local port book)."""
    with open(os.path.join(local.data, "cluster", "local-ports.json")) as f:
        ports = json.load(f)
    status, body = http("GET", f"http://127.0.0.1:{ports[name + '-http']}/metrics")
    return body.decode() if status == 200 else ""


if __name__ == "__main__":
    sys.exit(main())
