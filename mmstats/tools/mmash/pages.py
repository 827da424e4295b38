"""mmash's HTML pages and the script and style they load (served from /static/, no CDN).

Labels are escaped with html.escape in server-rendered HTML and only ever put
into the live page through textContent/dataset, never innerHTML, so a label
cannot inject markup or script; the Content-Security-Policy (see server.py)
allows scripts from this server only.
"""
from __future__ import annotations

from html import escape
from urllib.parse import quote

__all__ = ["index_page", "live_page", "ASSETS"]

_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title><link rel="stylesheet" href="/static/mmash.css"></head>
<body>
"""


def _nav(directory: str, pattern: str) -> str:
    return (f'<p class="nav"><a href="/">labels</a> · <a href="/live">live graphs</a> · '
            f'<a href="/stats/">/stats/</a> · <a href="/metrics">/metrics</a> · '
            f'files <code>{escape(pattern)}</code> in <code>{escape(directory)}</code></p>\n')


def index_page(directory: str, pattern: str, rows, nfiles: int, problems) -> str:
    """``rows``: (label, type, number of files, value text), sorted by label."""
    out = [_HEAD.format(title="mmash"), "<h1>mmash</h1>\n", _nav(directory, pattern),
           f"<p>{nfiles} file{'s' if nfiles != 1 else ''}, {len(rows)} labels.</p>\n"]
    if problems:
        out.append('<p class="problems">skipped: ' + escape(", ".join(problems)) + "</p>\n")
    out.append('<table><thead><tr><th>label</th><th>type</th><th>files</th><th>value</th></tr></thead><tbody>\n')
    for label, type_code, count, text in rows:
        href = "/live?prefix=" + quote(label, safe="")
        out.append(f'<tr><td><a href="{escape(href)}">{escape(label)}</a></td><td>{escape(type_code)}</td>'
                   f'<td class="num">{count}</td><td class="num">{escape(text)}</td></tr>\n')
    out.append("</tbody></table>\n</body></html>\n")
    return "".join(out)


def live_page(directory: str, pattern: str) -> str:
    return (_HEAD.format(title="mmash: live") + "<h1>mmash: live</h1>\n" + _nav(directory, pattern)
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

MMASH_CSS = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
code, .num, .value { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #ddd; }
td.num { text-align: right; }
.nav, #status, .problems { color: #555; }
#graphs { display: flex; flex-wrap: wrap; gap: 12px; }
.graph { margin: 0; padding: 6px; border: 1px solid #ccc; border-radius: 4px; }
.graph.gone { opacity: 0.4; }
.graph figcaption { font-size: 12px; max-width: 320px; overflow-wrap: anywhere; }
.graph .value { font-weight: bold; }
.graph .rate { color: #555; }
"""

# path -> (content type, body)
ASSETS = {
    "/static/live.js": ("text/javascript; charset=utf-8", LIVE_JS.encode()),
    "/static/mmash.css": ("text/css; charset=utf-8", MMASH_CSS.encode()),
}
