"""Helpers shared by the Python tests of a live cluster: free ports, a pass/fail tally that
prints the closing "N passed, M failed" line, and `windrow local` started and stopped."""
import os, shutil, signal, socket, subprocess, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The release binary; WINDROW_BIN points the tests at another build (a debug one while working).
BIN = os.environ.get("WINDROW_BIN") or os.path.join(ROOT, ".build", "release", "windrow")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, condition, label):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
        print(("ok: " if condition else "FAIL: ") + label)

    def run(self, *tests):
        for test in tests:
            try:
                test()
            except Exception as error:
                self.check(False, f"{test.__name__} raised {type(error).__name__}: {error}")

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


class LocalCluster:
    """`windrow local` on free ports with a temporary data directory, ready on entry."""

    def __init__(self, http_port, *extra, env=None):
        self.http_port = http_port
        self.extra = list(extra)
        self.env = {**os.environ, **(env or {})}

    def __enter__(self):
        self.data = tempfile.mkdtemp(prefix="windrow-py-")
        self.process = subprocess.Popen([BIN, "local", "--data-dir", self.data + "/cluster", "--http-port", str(self.http_port),
                                         "--ingest-port", "0", "--log-level", "warning"]
                                        + ([] if "--otlp-port" in self.extra else ["--otlp-port", "0"]) + self.extra, stdout=subprocess.DEVNULL,
                                        env=self.env)
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/readyz", timeout=1).status == 200:
                    break
            except Exception:
                time.sleep(0.2)
        return self

    def __exit__(self, *_):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)


def metric_value(text, name, **labels):
    """The sum of the Prometheus text samples of `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not (line.startswith(name + "{") or line.startswith(name + " ")):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{key}="{want}"' in head for key, want in labels.items()):
            total += float(value)
    return int(total) if total.is_integer() else total
