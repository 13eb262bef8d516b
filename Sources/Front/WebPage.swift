/// `GET /`: the web page, one self-contained HTML file (SVG drawn by a small script; no build
/// step, no third-party code). Its state lives in the URL hash, so every view is a link.
enum WebPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Windrow</title>
    <style>
      :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f7f8fa; }
      body { margin: 0; }
      header { background: #1d2330; color: #fff; padding: .6rem 1rem; font-weight: 600; }
      form { display: flex; flex-wrap: wrap; gap: .6rem 1rem; padding: .8rem 1rem; background: #fff; border-bottom: 1px solid #dde1e8; }
      label { display: flex; flex-direction: column; font-size: .75rem; color: #586074; gap: .2rem; }
      input, select, button { font: inherit; font-size: .9rem; padding: .3rem .4rem; border: 1px solid #c5cbd6; border-radius: 4px; background: #fff; }
      fieldset { border: 1px solid #dde1e8; border-radius: 4px; display: flex; gap: .6rem; align-items: center; font-size: .85rem; }
      #status { padding: .5rem 1rem; min-height: 1.2rem; font-size: .9rem; }
      #status.error { color: #b3261e; } #status.info { color: #586074; }
      #chart { width: 100%; height: 60vh; min-height: 260px; display: block; background: #fff; }
      .axis text { font-size: 11px; fill: #586074; } .axis line, .grid line { stroke: #e3e6ec; }
      #legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: .5rem 1rem; font-size: .85rem; }
      #legend span::before { content: ""; display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; background: var(--c); border-radius: 2px; }
      @media (max-width: 600px) { form { padding: .5rem; gap: .4rem; } label { flex: 1 1 45%; } #chart { height: 50vh; } }
    </style>
    </head>
    <body>
    <header>Windrow</header>
    <form id="controls" onsubmit="return false">
      <label>Metric <input id="name" list="names" placeholder="search metrics" autocomplete="off"><datalist id="names"></datalist></label>
      <label>Step <select id="step"><option>auto</option><option>1m</option><option>5m</option><option>15m</option><option>1h</option><option>1d</option></select></label>
      <label>Range <select id="range"><option value="1h">last hour</option><option value="6h">last 6 hours</option><option value="24h">last day</option><option value="168h">last week</option><option value="720h">last 30 days</option><option value="custom">from / to</option></select></label>
      <label>From <input id="from" type="datetime-local" step="60"></label>
      <label>To <input id="to" type="datetime-local" step="60"></label>
      <label>Time zone <select id="zone"><option value="local">local</option><option value="utc">UTC</option></select></label>
      <fieldset><legend>Stats</legend>
        <label><input type="checkbox" id="s-avg" checked>avg</label><label><input type="checkbox" id="s-band">min/max</label>
        <label><input type="checkbox" id="s-p50">p50</label><label><input type="checkbox" id="s-p99">p99</label><label><input type="checkbox" id="s-count">count</label>
      </fieldset>
      <label>Tags <input id="tags" placeholder="host:a,region:eu"></label>
      <label>Group by <input id="group" placeholder="host"></label>
      <fieldset><legend>Live</legend><label><input type="checkbox" id="live">follow</label>
        <select id="refresh" aria-label="refresh"><option value="1000">1 s</option><option value="5000">5 s</option><option value="30000">30 s</option></select></fieldset>
      <button id="go" type="button">Show</button>
    </form>
    <div id="status" class="info"></div>
    <svg id="chart" role="img" aria-label="timeline chart"></svg>
    <div id="legend"></div>
    <script>
    "use strict";
    const $ = id => document.getElementById(id);
    const STEPS = {"1m": 6e4, "5m": 3e5, "15m": 9e5, "1h": 36e5, "1d": 864e5};
    const COLORS = ["#2f6fde", "#d9480f", "#2b8a3e", "#9c36b5", "#e8590c", "#0b7285", "#c2255c", "#5c940d"];
    let state = {}, data = null, source = null;

    function readHash() {
      const p = new URLSearchParams(location.hash.slice(1));
      state = { name: p.get("name") || "", step: p.get("step") || "auto", range: p.get("range") || "1h",
        from: p.get("from"), to: p.get("to"), zone: p.get("zone") || "local",
        stats: (p.get("stats") || "avg").split(","), tags: p.get("tags") || "", group: p.get("group_by") || "",
        live: p.get("live") === "1", refresh: p.get("refresh") || "1000", token: p.get("token") || "" };
      $("name").value = state.name; $("step").value = state.step; $("range").value = state.range; $("zone").value = state.zone;
      for (const s of ["avg", "p50", "p99", "count"]) $("s-" + s).checked = state.stats.includes(s);
      $("s-band").checked = state.stats.includes("min");
      $("tags").value = state.tags; $("group").value = state.group; $("live").checked = state.live; $("refresh").value = state.refresh;
    }
    function writeHash() {
      const stats = [];
      for (const s of ["avg", "p50", "p99", "count"]) if ($("s-" + s).checked) stats.push(s);
      if ($("s-band").checked) stats.push("min", "max");
      const p = new URLSearchParams({ name: $("name").value.trim(), step: $("step").value, range: $("range").value,
        zone: $("zone").value, stats: (stats.length ? stats : ["avg"]).join(","), tags: $("tags").value.trim(),
        group_by: $("group").value.trim(), live: $("live").checked ? "1" : "0", refresh: $("refresh").value });
      if ($("range").value === "custom") { p.set("from", String(fromInput($("from").value))); p.set("to", String(fromInput($("to").value))); }
      if (state.token) p.set("token", state.token);
      location.hash = p.toString();
    }
    const utc = () => $("zone").value === "utc";
    function fromInput(text) { return text ? (utc() ? Date.parse(text + "Z") : Date.parse(text)) : Date.now(); }
    function toInput(ms) { const d = new Date(ms - (utc() ? 0 : new Date(ms).getTimezoneOffset() * 6e4)); return d.toISOString().slice(0, 16); }
    function timeRange() {
      if (state.range === "custom" && state.from && state.to) return [Number(state.from), Number(state.to)];
      const span = parseFloat(state.range) * 36e5, now = Date.now();
      return [now - span, now + 6e4];
    }
    function stepFor(from, to) {
      if (state.step !== "auto") return state.step;
      for (const [s, ms] of Object.entries(STEPS)) if ((to - from) / ms <= 400) return s;
      return "1d";
    }
    const auth = () => state.token ? { Authorization: "Bearer " + state.token } : {};
    function say(text, kind) { $("status").textContent = text; $("status").className = kind || "info"; }
    function query(name, from, to, step) {
      const p = new URLSearchParams({ name, from: String(Math.floor(from)), to: String(Math.ceil(to)), step, stats: state.stats.join(",") });
      if (state.tags) p.set("tags", state.tags);
      if (state.group) p.set("group_by", state.group);
      return p;
    }

    async function load() {
      readHash();
      if (source) { source.close(); source = null; }
      const [from, to] = timeRange();
      $("from").value = toInput(from); $("to").value = toInput(to);
      if (!state.name) { say("Choose a metric to draw."); draw(); return; }
      const step = stepFor(from, to);
      say("Loading " + state.name + " …");
      let response;
      try { response = await fetch("v1/query?" + query(state.name, from, to, step), { headers: auth() }); }
      catch (e) { say("The server is unreachable: " + e.message, "error"); return; }
      let body;
      try { body = await response.json(); } catch (e) { say("The server answered " + response.status + " with no JSON.", "error"); return; }
      if (response.status === 401 || response.status === 403) { say("This server needs a token with the read scope: add &token=… to the address.", "error"); return; }
      if (!response.ok) { say("The request failed (" + response.status + "): " + (body.error || ""), "error"); return; }
      data = { step, stepMs: STEPS[step] || 6e4, from, to, series: body.series };
      const points = body.series.reduce((n, s) => n + s.timestamps.length, 0);
      say(points ? `${state.name}: ${points} buckets of ${step}` : `${state.name} has no data in this range.`, points ? "info" : "error");
      draw();
      if (state.live) follow(step);
    }

    function follow(step) {
      const p = query(state.name, 0, 0, step);
      p.delete("from"); p.delete("to"); p.set("refresh", state.refresh);
      if (state.token) p.set("access_token", state.token);
      source = new EventSource("v1/stream?" + p);
      source.addEventListener("window", event => {
        const update = JSON.parse(event.data);
        const key = JSON.stringify(update.tags);
        let series = data.series.find(s => JSON.stringify(s.tags) === key);
        if (!series) { series = { tags: update.tags, timestamps: [] }; for (const s of state.stats) series[s] = []; data.series.push(series); }
        let i = series.timestamps.indexOf(update.timestamp);
        if (i < 0) { series.timestamps.push(update.timestamp); i = series.timestamps.length - 1; for (const s of state.stats) series[s].push(null); }
        for (const s of state.stats) series[s][i] = update[s];
        data.to = Math.max(data.to, update.timestamp + data.stepMs);
        say(`${state.name}: live, updated ${new Date().toLocaleTimeString()}`);
        draw();
      });
      source.onerror = () => say("Live updates interrupted; retrying …", "error");
    }

    function draw() {
      const svg = $("chart"), legend = $("legend");
      svg.innerHTML = ""; legend.innerHTML = "";
      if (!data || !data.series.length) return;
      const W = svg.clientWidth || 800, H = svg.clientHeight || 400, L = 56, R = 12, T = 12, B = 28;
      const lines = state.stats.filter(s => s !== "min" && s !== "max");
      let lo = Infinity, hi = -Infinity;
      for (const s of data.series) for (const k of state.stats) for (const v of s[k] || []) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (!isFinite(lo)) return;
      if (lo === hi) { lo -= 1; hi += 1; }
      const x = t => L + (t - data.from) / (data.to - data.from) * (W - L - R), y = v => T + (hi - v) / (hi - lo) * (H - T - B);
      const ns = "http://www.w3.org/2000/svg", el = (name, attrs, parent) => { const e = document.createElementNS(ns, name); for (const k in attrs) e.setAttribute(k, attrs[k]); (parent || svg).appendChild(e); return e; };
      const axis = el("g", { class: "axis" });
      for (let i = 0; i <= 4; i++) { const v = lo + (hi - lo) * i / 4; el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v) }, axis); el("text", { x: 4, y: y(v) + 4 }, axis).textContent = Number(v.toPrecision(4)); }
      for (let i = 0; i <= 4; i++) { const t = data.from + (data.to - data.from) * i / 4; const d = new Date(t);
        el("text", { x: x(t) - 20, y: H - 8 }, axis).textContent = utc() ? d.toISOString().slice(11, 16) : d.toTimeString().slice(0, 5); }
      data.series.forEach((s, n) => {
        const order = s.timestamps.map((t, i) => i).sort((a, b) => s.timestamps[a] - s.timestamps[b]);
        const color = COLORS[n % COLORS.length], label = Object.entries(s.tags).map(([k, v]) => k + "=" + v).join(",") || state.name;
        if (s.min && s.max) {
          const top = order.filter(i => s.max[i] !== null).map(i => x(s.timestamps[i]) + "," + y(s.max[i]));
          const bottom = order.filter(i => s.min[i] !== null).reverse().map(i => x(s.timestamps[i]) + "," + y(s.min[i]));
          el("polygon", { points: top.concat(bottom).join(" "), fill: color, "fill-opacity": 0.15, class: "band" });
        }
        lines.forEach((stat, k) => {
          const pts = order.filter(i => s[stat][i] !== null);
          el("polyline", { points: pts.map(i => x(s.timestamps[i]) + "," + y(s[stat][i])).join(" "), fill: "none", stroke: color,
            "stroke-width": 2, "stroke-dasharray": k ? "4 3" : "", class: "line", "data-stat": stat });
          for (const i of pts) el("circle", { cx: x(s.timestamps[i]), cy: y(s[stat][i]), r: 2.5, fill: color, class: "point",
            "data-stat": stat, "data-series": label, "data-t": s.timestamps[i], "data-v": s[stat][i] });
        });
        const item = document.createElement("span"); item.style.setProperty("--c", color); item.textContent = label + " (" + state.stats.join(", ") + ")"; legend.appendChild(item);
      });
    }

    async function names() {
      try { const r = await fetch("v1/metrics?prefix=" + encodeURIComponent($("name").value), { headers: auth() }); const b = await r.json();
        $("names").innerHTML = (b.names || []).map(n => `<option value="${n.replace(/"/g, "&quot;")}">`).join(""); } catch (e) {}
    }
    $("name").addEventListener("input", names);
    for (const id of ["go", "step", "range", "zone", "live", "refresh"]) $(id).addEventListener(id === "go" ? "click" : "change", writeHash);
    $("name").addEventListener("change", writeHash);
    window.addEventListener("hashchange", load);
    window.addEventListener("resize", draw);
    names(); load();
    </script>
    </body>
    </html>
    """#
}
