#!/usr/bin/env python3
"""Tests of the web face against a live local cluster (release binary):

- the OpenAPI document validates, names exactly the served routes, and describes the token
  schemes with 401/403 on every guarded operation; unknown routes answer a JSON 404;
- a bounded schemathesis run finds no server error and no answer that breaks the schema;
- a Server-Sent Events client sees the open window (named, marked open) while data flows, and
  closing it frees the stream;
- a second front node started with the stream open stops within 2 s of SIGTERM, its streams
  ending with `event: end`; with its charting library missing it says so (page, route, log);
- headless Chromium draws the page on Debian's dygraphs and is checked against values computed
  here from the samples sent: gaps as gaps, date-aware rounded ticks with the time zone, a
  second axis for count, one legend entry per line, hover values, drag to zoom and double-click
  to reset, controls that apply at once and live in the URL, an unlisted step, globs and
  several metrics, units from the type, the metric browser, open buckets shaded, the live
  window sliding, and a phone layout with the chart first. Screenshots at 1280x800 and
  390x844 go to .build/screenshots/.

Prints "N passed, M failed" and exits non-zero on any failure.
"""
import http.client, json, math, os, re, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request

from testkit import BIN, ROOT, LocalCluster, Tally, free_port

TALLY = Tally()
check = TALLY.check
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
SHOTS = os.path.join(ROOT, ".build", "screenshots")
HOUR, MINUTE = 3_600_000, 60_000


def get(path, base=BASE):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def query(name, start, end, step, stats="avg", extra=""):
    return json.loads(get(f"/v1/query?name={name}&from={start}&to={end}&step={step}&stats={stats}{extra}")[1])


def wait_counted(name, start, end, count):
    deadline = time.time() + 30
    while time.time() < deadline:
        if sum(sum(c for c in s["count"] if c) for s in query(name, start, end, "1d", "count")["series"]) >= count:
            return True
        time.sleep(0.2)
    return False


def test_openapi():
    from openapi_spec_validator import validate
    document = json.loads(get("/openapi.json")[1])
    try:
        validate(document)
        check(True, "the OpenAPI document validates")
    except Exception as error:
        check(False, f"the OpenAPI document validates: {error}")
    served = set()
    for path, methods in document["paths"].items():
        for method in methods:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            connection.request(method.upper(), path + ("?name=x&from=-1h&to=now" if path in ("/v1/query",) else ""), body=b"{}" if method == "post" else None)
            response = connection.getresponse()
            if path != "/v1/stream":
                response.read()
            connection.close()
            if response.status not in (404, 405) or path.startswith("/assets/"):
                served.add((method, path))
    documented = {(m, p) for p, ms in document["paths"].items() for m in ms}
    check(served == documented, f"every documented route is served ({len(served)} of {len(documented)})")
    status, body = get("/v1/undocumented")
    answer = json.loads(body) if body.startswith(b"{") else {}
    check(status == 404 and "/v1/undocumented" in answer.get("error", "") and "openapi.json" in answer["error"],
          f"an unknown route answers 404 with a JSON error naming it ({status} {body[:120]!r})")
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    connection.request("DELETE", "/v1/query")
    response = connection.getresponse()
    body = response.read()
    check(response.status in (404, 405) and json.loads(body).get("error"), f"a method a route does not take answers JSON too ({response.status})")
    schemes = document.get("components", {}).get("securitySchemes", {})
    check(schemes.get("bearer", {}).get("scheme") == "bearer" and document.get("security"), f"OpenAPI names the bearer token scheme ({sorted(schemes)})")
    guarded = [(m, p, op) for p, ms in document["paths"].items() for m, op in ms.items() if op.get("security") != []]
    missing = [(m, p) for m, p, op in guarded if not {"401", "403"} <= set(op["responses"])]
    open_routes = {p for p, ms in document["paths"].items() for op in ms.values() if op.get("security") == []}
    check(not missing and len(guarded) > 20, f"every guarded operation documents 401 and 403 ({len(guarded)} guarded; missing: {missing[:3]})")
    check({"/healthz", "/readyz", "/", "/openapi.json"} <= open_routes, f"probes, the page and the document are open ({sorted(open_routes)})")
    result = document["components"]["schemas"]["QueryResult"]
    check({"watermark", "open_from", "quantile_relative_error"} <= set(result["required"]), "QueryResult requires the finality fields")


def test_schemathesis():
    run = subprocess.run(["schemathesis", "run", BASE + "/openapi.json", "--url", BASE, "--checks", "not_a_server_error,response_schema_conformance",
                          "--max-examples", "25", "--exclude-path", "/v1/stream",
                          # State-changing admin calls (reducers started and drained) are checked by scripts/handover_test.py.
                          "--exclude-path", "/v1/cluster/reducers", "--exclude-path", "/v1/cluster/drain", "--no-color"],
                         capture_output=True, text=True, timeout=600)
    tail = "\n".join(run.stdout.strip().splitlines()[-6:])
    check(run.returncode == 0, f"schemathesis finds no server error and no schema violation\n{tail if run.returncode else ''}")


def read_events(response, until, deadline):
    """Reads SSE bytes until `until(events)` holds or the deadline passes; the events seen."""
    buffer, events = b"", []
    while time.time() < deadline:
        chunk = response.fp.read1(4096)
        if not chunk:
            break
        buffer += chunk
        events = [(kind.decode(), json.loads(data)) for kind, data in re.findall(rb"event: (\w+)\ndata: (\{[^\n]*\})\n", buffer)]
        if until(events):
            break
    return events


def test_sse():
    name = "web.sse"
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
    connection.request("GET", f"/v1/stream?name={name}&stats=count,sum&refresh=250")
    response = connection.getresponse()
    check(response.status == 200 and response.getheader("Content-Type", "").startswith("text/event-stream"), "/v1/stream answers an event stream")
    now = int(time.time() * 1000)
    post("/v1/metrics", [{"name": name, "value": 2.5, "timestamp": now}, {"name": name, "value": 1.5, "timestamp": now}])
    events = read_events(response, lambda events: any(d.get("count") == 2 for _, d in events), time.time() + 10)
    seen = next((d for _, d in events if d.get("count") == 2), None)
    check(seen is not None and seen["sum"] == 4.0 and seen["timestamp"] == now // MINUTE * MINUTE and seen["name"] == name and seen["open"] is True,
          f"the stream shows the open window, named and marked open, while data flows ({seen})")
    response.close()
    connection.close()
    deadline, streams = time.time() + 20, None
    while time.time() < deadline:
        metrics = get("/metrics")[1].decode()
        streams = float(re.search(r"^windrow_sse_streams (\S+)", metrics, re.M).group(1))
        if streams == 0:
            break
        time.sleep(0.25)
    check(streams == 0, f"closing the stream frees it (windrow_sse_streams = {streams})")


class SecondFront:
    """A second front node on the cluster (fronts are stateless), with its charting library
    pointed at a directory that does not exist."""

    def __init__(self, cluster):
        ports = json.load(open(os.path.join(cluster.data, "cluster", "local-ports.json")))
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="windrow-front-", suffix=".log", delete=False)
        self.process = subprocess.Popen([BIN, "front", "--id", "front-web-test", "--host", "127.0.0.1", "--http-port", str(self.port),
                                         "--coordinator", f"tcp://127.0.0.1:{ports['coordinator']}", "--dygraphs-dir", "/nonexistent/dygraphs",
                                         "--cluster-secret-file", os.path.join(cluster.data, "cluster", "cluster-secret")],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                if get("/readyz", self.base)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)

    def logged(self):
        return open(self.log.name, errors="replace").read()


def test_second_front(cluster, driver):
    front = SecondFront(cluster)
    try:
        status, body = get("/assets/dygraph.min.js", front.base)
        check(status == 404 and b"libjs-dygraphs" in body and b"--dygraphs-dir" in body,
              f"a front without the charting library answers its route with 404 naming the package and the flag ({status} {body[:100]!r})")
        check("charting library is missing" in front.logged(), "... and says so in its log")
        driver.get(front.base + "/#names=web.chart")
        driver.wait(lambda: "libjs-dygraphs" in driver.text("status"))
        check("libjs-dygraphs" in driver.text("status"), f"... and on the page ({driver.text('status')!r})")

        # Streams open, then SIGTERM: the front stops within 2 s and every stream gets a last event.
        results = {}

        def stream(index):
            connection = http.client.HTTPConnection("127.0.0.1", front.port, timeout=30)
            connection.request("GET", f"/v1/stream?name=web.*&stats=avg&refresh={[250, 5000][index]}")
            response = connection.getresponse()
            events = read_events(response, lambda events: any(kind == "end" for kind, _ in events), time.time() + 25)
            results[index] = (time.time(), events)

        threads = [threading.Thread(target=stream, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        start = time.time()
        front.process.send_signal(signal.SIGTERM)
        try:
            front.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        stopped = time.time() - start
        for thread in threads:
            thread.join(10)
        check(front.process.poll() is not None and stopped < 2.0, f"the front stops within 2 s of SIGTERM with two streams open ({stopped:.2f} s)")
        ended = [index for index, (_, events) in results.items() if any(kind == "end" for kind, _ in events)]
        check(sorted(ended) == [0, 1], f"both streams got a final event: end before closing ({sorted(ended)})")
    finally:
        if front.process.poll() is None:
            front.process.kill()
        os.unlink(front.log.name)


class Browser:
    """Headless Chromium at an exact viewport, with a few helpers over Selenium."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.viewport(1280, 800)

    def viewport(self, width, height, mobile=False):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def get(self, url):
        self.driver.get("about:blank")
        self.driver.get(url)

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def wait(self, condition, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if condition():
                    return True
            except Exception:
                pass
            time.sleep(0.1)
        return False

    def loaded(self, count=1):
        return self.wait(lambda: (self.js("return window.windrow && window.windrow.loads") or 0) >= count)

    def text(self, element_id):
        return self.js("return document.getElementById(arguments[0]).textContent", element_id)

    def rows(self):
        return self.js("return windrow.rows.map(r => [r[0].getTime(), ...r.slice(1)])")

    def labels(self):
        return self.js("return windrow.labels")

    def hash(self):
        return self.js("return decodeURIComponent(location.hash)")

    def quit(self):
        self.driver.quit()


def minute_stats(points, step):
    """Exact per-bucket avg, count and sorted values of `points` (dicts with value and timestamp)."""
    buckets = {}
    for point in points:
        buckets.setdefault(point["timestamp"] // step * step, []).append(point["value"])
    return {start: (math.fsum(values) / len(values), len(values), sorted(values)) for start, values in buckets.items()}


def close(a, b, relative=1e-12):
    return a is not None and b is not None and abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)


def test_browser(cluster):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select
    end = (int(time.time() * 1000) // HOUR) * HOUR - HOUR
    start = end - 3 * HOUR
    gap = (start + 70 * MINUTE, start + 95 * MINUTE)
    points = [{"name": "web.chart", "value": round(100 + 40 * math.sin(i / 17) + (i * 37) % 11, 3), "timestamp": start + i * 45_000 + (i % 2) * 7_000,
               "tags": {"host": f"h{i % 2}"}} for i in range(3 * 80)]
    points = [p for p in points if not gap[0] <= p["timestamp"] < gap[1]]
    other = [{"name": "web.other", "value": float(i % 7), "timestamp": start + i * 60_000} for i in range(180)]
    latency = [{"name": "web.latency", "value": 10.0 + i % 5, "timestamp": start + i * 60_000, "type": "timer"} for i in range(180)]
    post("/v1/metrics", points + other + latency)
    check(wait_counted("web.chart", start, end, len(points)) and wait_counted("web.latency", start, end, len(latency)), "the chart's samples are counted")
    os.makedirs(SHOTS, exist_ok=True)
    browser = Browser()
    try:
        view = f"{BASE}/#names=web.chart&range=custom&from={start}&to={end}&step=1m&stats=avg&zone=utc"
        browser.get(view)
        browser.loaded()
        exact = minute_stats(points, MINUTE)
        rows = {row[0]: row[1] for row in browser.rows()}
        wrong = [t for t, (avg, _, _) in exact.items() if not close(rows.get(t), avg)]
        check(browser.labels() == ["time", "web.chart avg"] and len(exact) > 100 and not wrong,
              f"the chart draws every minute's exact average ({len(exact)} minutes, {len(wrong)} wrong, labels {browser.labels()})")
        gap_rows = [t for t in rows if gap[0] + MINUTE <= t < gap[1] - MINUTE]
        check(gap_rows and all(rows[t] is None for t in gap_rows) and browser.js("return windrow.graph.getOption('connectSeparatedPoints')") is False,
              f"missing minutes are gaps: {len(gap_rows)} null rows, not joined")
        xticks = browser.js("return [...document.querySelectorAll('.dygraph-axis-label-x')].map(e => e.textContent)")
        check(len(xticks) >= 4 and all(re.fullmatch(r"\d{2}:(00|15|30|45)|\d{1,2}[ A-Za-z]+", t) for t in xticks),
              f"time ticks fall on round quarter hours or dates ({xticks})")
        xlabel = browser.js("return document.querySelector('.dygraph-xlabel').textContent")
        day = time.strftime("%-d %b", time.gmtime(start / 1000))
        check("UTC" in xlabel and day in xlabel, f"the time axis names the time zone and the date ({xlabel!r})")
        yticks = [float(t.replace("k", "e3")) for t in browser.js("return [...document.querySelectorAll('.dygraph-axis-label-y')].map(e => e.textContent)")]
        steps = {round(b - a, 6) for a, b in zip(yticks, yticks[1:])}
        check(len(yticks) >= 3 and len(steps) == 1 and all(float(f"{t:.2g}") == t or t == round(t) for t in yticks),
              f"value ticks are round and evenly spaced ({yticks})")
        browser.driver.save_screenshot(os.path.join(SHOTS, "desktop-minutes.png"))

        # Every control applies at once: there is no button to press.
        check(not browser.js("return [...document.querySelectorAll('button')].length"), "the page has no 'Show' button")
        Select(browser.driver.find_element("id", "step")).select_by_visible_text("1h")
        browser.loaded(2)
        hourly = minute_stats(points, HOUR)
        rows = {row[0]: row[1] for row in browser.rows()}
        check("step=1h" in browser.hash() and len(hourly) == 3 and all(close(rows.get(t), avg) for t, (avg, _, _) in hourly.items()),
              f"choosing 1h redraws exact hourly averages at once and puts step=1h in the URL ({browser.hash()})")
        for stat in ("p99", "count"):
            browser.driver.find_element("css selector", f"[data-stat={stat}]").click()
            browser.wait(lambda: stat in browser.hash() and any(stat in label for label in browser.labels()))
        labels = browser.labels()
        check(labels == ["time", "web.chart avg", "web.chart p99", "web.chart count"] and "stats=avg,p99,count" in browser.hash(),
              f"ticking p99 and count adds a line each, at once, and in the URL ({labels}; {browser.hash()})")
        axis = browser.js("return [windrow.graph.getOption('axis', 'web.chart count'), windrow.graph.numAxes(), document.querySelector('.dygraph-y2label') && document.querySelector('.dygraph-y2label').textContent]")
        check(axis[0] == "y2" and axis[1] == 2 and "count" in (axis[2] or ""), f"count has a second axis of its own ({axis})")
        rows = {row[0]: row for row in browser.rows()}
        # pNN is the value at rank q(n-1) of the sorted samples, within the sketch's 1 %.
        p99_ok = all(values[math.floor(0.99 * (n - 1))] * 0.99 <= rows[t][2] <= values[math.ceil(0.99 * (n - 1))] * 1.01
                     for t, (_, n, values) in hourly.items())
        counts = [rows[t][3] == n for t, (_, n, _) in hourly.items()]
        check(p99_ok and all(counts), f"hourly p99 within 1 % of the exact rank value and exact counts ({counts})")
        entries = browser.js("return [...document.querySelectorAll('#legend .entry')].map(e => e.textContent)")
        check(len(entries) == 3 and [e.split(":")[0].strip() for e in entries] == labels[1:], f"one legend entry per line ({entries})")
        chart = browser.driver.find_element("id", "chart")
        ActionChains(browser.driver).move_to_element_with_offset(chart, -chart.size["width"] // 4, 0).perform()
        browser.wait(lambda: browser.js("return windrow.graph.getSelection()") >= 0)
        selected = browser.js("return windrow.graph.getSelection()")
        legend = browser.text("legend")
        row = browser.rows()[selected] if selected is not None and selected >= 0 else None
        check(row is not None and any(v is not None for v in row[1:]) and re.search(r"\d", legend) and ":" in legend,
              f"hovering the chart shows the values under the pointer in the legend ({legend[:120]!r})")

        browser.get(view)
        browser.loaded()
        chart = browser.driver.find_element("id", "chart")
        width = chart.size["width"]
        ActionChains(browser.driver).move_to_element_with_offset(chart, -width // 5, 0).click_and_hold().move_by_offset(width // 4, 0).release().perform()
        browser.wait(lambda: "zoom=" in browser.hash())
        zoomed = browser.js("return windrow.graph.xAxisRange()")
        check("zoom=" in browser.hash() and start < zoomed[0] < zoomed[1] < end and zoomed[1] - zoomed[0] < (end - start) / 2,
              f"dragging zooms in and puts the zoom in the URL ({zoomed}; {browser.hash()})")
        ActionChains(browser.driver).double_click(chart).perform()
        browser.wait(lambda: "zoom=" not in browser.hash())
        reset = browser.js("return windrow.graph.xAxisRange()")
        check(reset == [start, end] and "zoom=" not in browser.hash(), f"a double-click resets the zoom to the range ({reset})")

        browser.get(f"{BASE}/#names=web.chart&range=custom&from={start}&to={end}&step=2h&zone=utc")
        browser.loaded()
        check(browser.js("return document.getElementById('step').value") == "2h", "an unlisted step (2h) shows in the step box")

        browser.get(f"{BASE}/#names=web.*&range=custom&from={start}&to={end}&step=15m&zone=utc")
        browser.loaded()
        glob_labels = browser.labels()
        browser.get(f"{BASE}/#names=web.chart,web.other&range=custom&from={start}&to={end}&step=15m&zone=utc")
        browser.loaded()
        check({"web.chart avg", "web.other avg", "web.latency avg (ms)"} <= set(glob_labels) and browser.labels() == ["time", "web.chart avg", "web.other avg"],
              f"a glob and a list draw several metrics in one view ({glob_labels}; {browser.labels()})")
        browser.get(f"{BASE}/#names=web.latency&range=custom&from={start}&to={end}&step=15m&zone=utc")
        browser.loaded()
        ylabel = browser.js("return document.querySelector('.dygraph-ylabel').textContent")
        check("(ms)" in ylabel, f"a timer's axis carries its unit ({ylabel!r})")

        search = browser.driver.find_element("id", "search")
        search.send_keys("web.")
        browser.wait(lambda: {"web.chart", "web.other", "web.latency"} <= set(browser.js("return [...document.querySelectorAll('#metric-list li')].map(e => e.textContent)")))
        search.send_keys("o")
        browser.wait(lambda: browser.js("return [...document.querySelectorAll('#metric-list li')].map(e => e.textContent)") == ["web.other"])
        listed = browser.js("return [...document.querySelectorAll('#metric-list li')].map(e => e.textContent)")
        browser.driver.find_element("css selector", "#metric-list li").click()
        browser.wait(lambda: "web.other" in browser.hash())
        check(listed == ["web.other"] and "names=web.latency,web.other" in browser.hash(),
              f"the metric browser searches by prefix and a click adds the metric to the view ({listed}; {browser.hash()})")

        # Open buckets and the live window.
        now = int(time.time() * 1000)
        post("/v1/metrics", [{"name": "web.live", "value": 1.0 + i, "timestamp": now - i * 20_000} for i in range(30)])
        wait_counted("web.live", now - HOUR, now + MINUTE, 30)
        browser.get(f"{BASE}/#names=web.live&range=15m&stats=avg,band,p99,count&zone=utc&live=1")
        browser.loaded()
        api = query("web.live", now - 15 * MINUTE, now + MINUTE, "1m", "avg")
        open_from = browser.js("return windrow.openFrom")
        check(open_from is not None and abs(open_from - api["open_from"]) <= MINUTE and now - 15 * MINUTE < open_from <= now,
              f"the page knows which buckets are open (open_from {open_from}; the API says {api['open_from']})")
        tint = browser.js("""
            const g = windrow.graph, area = g.getArea(), ctx = g.hidden_ctx_, ratio = g.hidden_.width / g.hidden_.offsetWidth;
            const x = Math.min(area.x + area.w - 3, g.toDomXCoord(windrow.openFrom) + 3), y = area.y + area.h - 4;
            return [...ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data];""")
        check(tint[3] > 0 and tint[0] > tint[2], f"open buckets are shaded as provisional (pixel {tint})")
        first = browser.js("return windrow.graph.xAxisRange()[1]")
        post("/v1/metrics", [{"name": "web.live", "value": 99.0}])
        minute = int(time.time() * 1000) // MINUTE * MINUTE
        browser.wait(lambda: any(r[0] == minute and r[4] and r[4][1] >= 1 for r in browser.rows()), 15)
        time.sleep(2.2)
        second = browser.js("return windrow.graph.xAxisRange()[1]")
        check(second - first >= 2000 and abs(second - time.time() * 1000) < 5000, f"the live window slides with the clock ({first} -> {second})")
        check(any(r[0] == minute for r in browser.rows()), "live mode draws the new sample's bucket")
        browser.driver.save_screenshot(os.path.join(SHOTS, "desktop-live.png"))

        browser.js("document.getElementById('live').click()")
        browser.wait(lambda: "live=" not in browser.hash())
        browser.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
        browser.get(f"{BASE}/#names=web.chart&range=custom&from={start}&to={end}&step=15m&stats=avg,band,count")
        browser.loaded()
        xlabel = browser.js("return document.querySelector('.dygraph-xlabel').textContent")
        check("Europe/Berlin" in xlabel, f"local time names the browser's zone on the axis ({xlabel!r})")
        browser.driver.save_screenshot(os.path.join(SHOTS, "desktop-band-count.png"))

        browser.viewport(390, 844, mobile=True)
        browser.get(f"{BASE}/#names=web.chart&range=custom&from={start}&to={end}&step=5m&stats=avg,band,p99&zone=utc")
        browser.loaded()
        browser.wait(lambda: browser.js("return windrow.graph.getArea().w") < 390)
        boxes = browser.js("return ['chart', 'controls', 'browser'].map(id => document.getElementById(id).getBoundingClientRect().toJSON())")
        chart, controls, metrics = boxes
        scroll = browser.js("return document.documentElement.scrollWidth")
        check(scroll <= 390, f"nothing sticks out sideways at phone size (page width {scroll} px)")
        check(chart["top"] < 80 and chart["bottom"] <= 844 and chart["top"] < controls["top"] and 340 <= chart["width"] and chart["right"] <= 390,
              f"on a phone the chart comes first, whole above the fold (chart {chart['top']:.0f}-{chart['bottom']:.0f}, controls from {controls['top']:.0f})")
        inked = browser.js("""
            const c = windrow.graph.hidden_, data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && !(data[i] > 240 && data[i + 1] > 240 && data[i + 2] > 240)) n++;
            return n;""")
        check(inked > 1000, f"the chart is drawn at phone size ({inked} inked pixels)")
        browser.driver.save_screenshot(os.path.join(SHOTS, "phone.png"))
        sizes = {name: os.path.getsize(os.path.join(SHOTS, name)) for name in sorted(os.listdir(SHOTS)) if name.endswith(".png")}
        check(len(sizes) >= 4 and all(size > 10_000 for size in sizes.values()), f"screenshots written to .build/screenshots ({sizes})")
        print("screenshots: " + ", ".join(os.path.join(SHOTS, name) for name in sizes))
        browser.viewport(1280, 800)
        test_second_front(cluster, browser)
    finally:
        browser.quit()


def main():
    with LocalCluster(PORT, "--statsd-port", "0") as cluster:
        TALLY.run(test_openapi, test_sse, lambda: test_browser(cluster), test_schemathesis)
    return TALLY.finish()


if __name__ == "__main__":
    sys.exit(main())
