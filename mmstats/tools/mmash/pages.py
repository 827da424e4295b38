"""mmash's HTML pages and the script and style they load (served from /static/, no CDN).

Labels are escaped with html.escape in server-rendered HTML and only ever put
into the live page through textContent/dataset, never innerHTML, so a label
cannot inject markup or script; the Content-Security-Policy (see server.py)
allows scripts from this server only.
"""
from __future__ import annotations

import os
from html import escape
from urllib.parse import quote

__all__ = ["dashboard_page", "labels_page", "processes_page", "process_page", "live_page", "ASSETS", "PAGES",
           "STATIC_DIR"]

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
PAGES = ("/", "/labels", "/processes", "/process/PID", "/live", "/api/v1/", "/metrics")

_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">{refresh}
<title>{title}</title><link rel="icon" href="/static/favicon.svg"><link rel="stylesheet" href="/static/uPlot.min.css"><link rel="stylesheet" href="/static/mmash.css"></head>
<body{attrs}>
"""
_CHART_SCRIPTS = '<script src="/static/uPlot.iife.min.js"></script>\n<script src="/static/dash.js"></script>\n'


def _head(title: str, refresh: int = 0, **attrs) -> str:
    extra = "".join(f' data-{k}="{escape(str(v))}"' for k, v in attrs.items())
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return _HEAD.format(title=escape(title), refresh=meta, attrs=extra)


def _nav(directory: str, pattern: str) -> str:
    return (f'<p class="nav"><a href="/">charts</a> · <a href="/processes">processes</a> · '
            f'<a href="/labels">labels</a> · <a href="/api/v1/">/api/v1/</a> · <a href="/metrics">/metrics</a> · '
            f'files <code>{escape(pattern)}</code> in <code>{escape(directory)}</code></p>\n')


def _dead_banner(status: dict) -> str:
    """Dead writers (and stale ones: a late heartbeat), flagged on every page; the charts pages keep it
    current by script."""
    def items(procs):
        return ", ".join(f'<a href="/process/{quote(str(d["key"]), safe="")}">pid {escape(str(d["pid"]))}</a> '
                         f'({escape(d["state"])})' for d in procs)
    parts = []
    if status["dead"]:
        parts.append(f"dead writers: {items(status['dead'])}; their files stay until cleanstats removes them")
    if status.get("stale"):
        parts.append(f"stale writers (heartbeat late): {items(status['stale'])}")
    return f'<p id="dead" class="alert">{". ".join(parts)}</p>\n'


def _window_picker(windows, default) -> str:
    options = "".join(f'<option value="{w}"{" selected" if w == default else ""}>{_seconds(w)}</option>'
                      for w in windows)
    return (f'<p class="controls"><label>counters as a rate per second over '
            f'<select id="window">{options}</select></label></p>\n')


def _seconds(s: float) -> str:
    return f"{int(s // 60)} min" if s >= 60 and s % 60 == 0 else f"{s:g} s"


def dashboard_page(directory: str, pattern: str, status: dict, windows, default_window) -> str:
    """Charts of every label (those starting with ?prefix=), drawn from the server's history."""
    return (_head("mmash") + "<h1>mmash</h1>\n" + _nav(directory, pattern) + _dead_banner(status)
            + _window_picker(windows, default_window)
            + '<p id="status">loading…</p>\n<div id="graphs"></div>\n' + _CHART_SCRIPTS + "</body></html>\n")


def labels_page(directory: str, pattern: str, rows, nfiles: int, problems, status: dict) -> str:
    """``rows``: (label, kind, number of files, value text, files of dead writers), sorted by label.
    Re-loaded every 5 seconds by the browser (no script)."""
    out = [_head("mmash: labels", refresh=5), "<h1>mmash: labels</h1>\n", _nav(directory, pattern), _dead_banner(status),
           f"<p>{nfiles} file{'s' if nfiles != 1 else ''}, {len(rows)} labels. Counters are summed over every "
           f"process, levels over live ones; gauges, averages and the writer's identity are never summed: one "
           f"value, or min … max.</p>\n"]
    if problems:
        out.append('<p class="problems">skipped: ' + escape(", ".join(problems)) + "</p>\n")
    out.append('<table><thead><tr><th>label</th><th>kind</th><th>files</th><th>value</th><th></th></tr></thead><tbody>\n')
    for label, kind, count, text, dead_files in rows:
        href = "/api/v1/values/" + quote(label, safe="")
        note = f"{dead_files} from dead writers" if dead_files else ""
        out.append(f'<tr><td><a href="{escape(href)}">{escape(label)}</a></td><td>{escape(kind)}</td>'
                   f'<td class="num">{count}</td><td class="num">{escape(text)}</td>'
                   f'<td class="dead-note">{escape(note)}</td></tr>\n')
    out.append("</tbody></table>\n</body></html>\n")
    return "".join(out)


def _age(seconds) -> str:
    """An age in its largest whole unit: 42 s, 5 min, 3 h, 2 d."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def processes_page(directory: str, pattern: str, procs, status: dict) -> str:
    """``procs``: processes.Process.as_json() of each. Re-loaded every 5 seconds (no script)."""
    out = [_head("mmash: processes", refresh=5), "<h1>mmash: processes</h1>\n", _nav(directory, pattern),
           _dead_banner(status), f"<p>{len(procs)} processes.</p>\n",
           '<table id="processes"><thead><tr><th>pid</th><th>command</th><th>threads</th><th>state</th><th>age</th>'
           '<th>files</th></tr></thead><tbody>\n']
    for p in procs:
        href = "/process/" + quote(str(p["key"]), safe="")
        files = ", ".join(os.path.basename(f["file"]) for f in p["files"])
        out.append(f'<tr data-pid="{escape(str(p["pid"]))}"><td><a href="{escape(href)}">{escape(str(p["pid"]))}</a></td>'
                   f'<td><code>{escape(p["command"][:200])}</code></td><td class="num">{p["threads"]}</td>'
                   f'<td class="state state-{escape(p["state"])}">{escape(p["state"])}</td>'
                   f'<td class="num">{_age(p["age_seconds"])}</td><td>{escape(files)}</td></tr>\n')
    out.append("</tbody></table>\n</body></html>\n")
    return "".join(out)


def process_page(directory: str, pattern: str, proc: dict, status: dict, windows, default_window) -> str:
    """One process: who it is, its fields' charts (history of this pid) and values with their files."""
    key = str(proc["key"])
    out = [_head(f"mmash: pid {proc['pid']}", pid=key), f"<h1>mmash: process {escape(str(proc['pid']))}</h1>\n",
           _nav(directory, pattern), _dead_banner(status),
           f'<p>command <code id="command">{escape(proc["command"] or "unknown")}</code>, {proc["threads"]} thread(s), age '
           f'{_age(proc["age_seconds"])}, format version {proc["version"]}: '
           f'<span id="state" class="state state-{escape(proc["state"])}">{escape(proc["state"])}</span></p>\n',
           _window_picker(windows, default_window), '<p id="status">loading…</p>\n<div id="graphs"></div>\n',
           "<h2>fields</h2>\n<table><thead><tr><th>label</th><th>kind</th><th>unit</th><th>value</th><th>file</th>"
           "</tr></thead><tbody>\n"]
    for f in proc["fields"]:
        value = f["value"]
        text = f"{value['count']} observations" if isinstance(value, dict) else str(value)
        out.append(f'<tr><td>{escape(f["label"])}</td><td>{escape(f["kind"])}</td><td>{escape(f["unit"])}</td>'
                   f'<td class="num">{escape(text)}</td><td>{escape(os.path.basename(f["file"]))}</td></tr>\n')
    out.append("</tbody></table>\n" + _CHART_SCRIPTS + "</body></html>\n")
    return "".join(out)


def live_page(directory: str, pattern: str) -> str:
    return (_head("mmash: live") + "<h1>mmash: live</h1>\n" + _nav(directory, pattern)
            + '<p id="status">loading…</p>\n<div id="graphs"></div>\n'
            + '<script src="/static/live.js"></script>\n</body></html>\n')


LIVE_JS = r""""use strict";
// Poll /live.json once a second and draw one small graph per numeric label.
// Counters (buffered Q fields) are drawn as a rate per second, other fields as values.
(() => {
  const PERIOD_MS = 1000, KEEP = 120;
  const here = new URLSearchParams(location.search);
  const ask = new URLSearchParams();
  for (const key of ["prefix", "glob"]) {
    const v = here.get(key);
    if (v) ask.set(key, v);
  }
  const source = "/live.json?" + ask.toString();
  const graphs = document.getElementById("graphs");
  const status = document.getElementById("status");
  const cards = new Map();

  function newCard(field) {
    const box = document.createElement("figure");
    box.className = "graph";
    box.dataset.label = field.label;
    const caption = document.createElement("figcaption");
    const name = document.createElement("span");
    name.className = "label";
    name.textContent = field.label;
    const value = document.createElement("span");
    value.className = "value";
    const rate = document.createElement("span");
    rate.className = "rate";
    caption.append(name, " ", value, " ", rate);
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 64;
    box.append(caption, canvas);
    return {box, value, rate, canvas, points: [], last: null};
  }

  function draw(card) {
    const c = card.canvas, g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    const ys = card.points.filter(Number.isFinite);
    if (ys.length < 2) return;
    let lo = Math.min(...ys), hi = Math.max(...ys);
    if (hi === lo) { hi += 1; lo -= 1; }
    const dx = c.width / (KEEP - 1), off = KEEP - card.points.length;
    g.strokeStyle = "#2a6fdb";
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    card.points.forEach((y, i) => {
      if (!Number.isFinite(y)) { pen = false; return; }
      const px = (off + i) * dx, py = c.height - 4 - (y - lo) / (hi - lo) * (c.height - 8);
      if (pen) g.lineTo(px, py); else g.moveTo(px, py);
      pen = true;
    });
    g.stroke();
  }

  function update(data) {
    const seen = new Set();
    for (const field of data.fields) {
      let card = cards.get(field.label);
      if (!card) {
        card = newCard(field);
        cards.set(field.label, card);
      }
      seen.add(field.label);
      graphs.append(card.box);  // re-append in the server's (sorted) order
      const v = typeof field.value === "number" ? field.value : Number(field.value);
      card.value.textContent = field.text;
      let y = v;
      if (field.counter) {
        const last = card.last;
        y = last && data.time > last.time ? (v - last.v) / (data.time - last.time) : NaN;
        card.rate.textContent = Number.isFinite(y) ? "(" + y.toFixed(2) + "/s)" : "";
      }
      card.last = {v, time: data.time};
      card.points.push(y);
      if (card.points.length > KEEP) card.points.shift();
      card.box.classList.remove("gone");
      draw(card);
    }
    for (const [label, card] of cards) if (!seen.has(label)) card.box.classList.add("gone");
    const when = new Date(data.time * 1000).toLocaleTimeString();
    let line = data.files + (data.files === 1 ? " file" : " files") + ", updated " + when;
    if (data.problems.length) line += "; skipped: " + data.problems.join(", ");
    status.textContent = line;
  }

  async function tick() {
    try {
      const response = await fetch(source, {cache: "no-store"});
      if (!response.ok) throw new Error("HTTP " + response.status + ": " + await response.text());
      update(await response.json());
    } catch (e) {
      status.textContent = "cannot update: " + e.message;
    }
    setTimeout(tick, PERIOD_MS);
  }
  tick();
})();
"""

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".LICENSE": "text/plain; charset=utf-8", ".json": "application/json; charset=utf-8",
          ".svg": "image/svg+xml"}


def _static() -> dict:
    """path -> (content type, body) of every file shipped in static/, read once."""
    out = {"/static/live.js": (_TYPES[".js"], LIVE_JS.encode())}
    for name in sorted(os.listdir(STATIC_DIR)):
        ctype = _TYPES.get(os.path.splitext(name)[1])
        if ctype:
            with open(os.path.join(STATIC_DIR, name), "rb") as f:
                out["/static/" + name] = (ctype, f.read())
    out["/favicon.ico"] = out["/static/favicon.svg"]  # what a browser asks for without being told
    return out


ASSETS = _static()
