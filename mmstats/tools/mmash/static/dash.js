"use strict";
// mmash's charts: the server's history (/api/v1/series) drawn with uPlot, then new points once a second.
// One chart per label (of one process when the body says data-pid): time axis, value axis with the
// field's unit, a legend with the value under the cursor. Text goes in through textContent only.
(() => {
  const PERIOD_MS = 1000;
  const COLORS = {rate: "#2a6fdb", sum: "#2a6fdb", value: "#2a6fdb", mean: "#2a6fdb", min: "#9bbcf0",
                  max: "#143d7a", p50: "#1a7f37", p90: "#d48806", p99: "#b3261e"};
  const pid = document.body.dataset.pid || "";
  const here = new URLSearchParams(location.search);
  const prefix = here.get("prefix") || "";
  const picker = document.getElementById("window");
  const graphs = document.getElementById("graphs");
  const status = document.getElementById("status");
  const dead = document.getElementById("dead");
  const state = document.getElementById("state");
  const cards = new Map();          // label -> {box, value, rate, plot, names}
  window.mmashCharts = cards;       // for a person (or a test) at the console
  let windowS = Number(here.get("window")) || Number(picker.value);
  let times = [], lines = new Map(), last = null, capacity = 900, full = true, generation = 0;

  if ([...picker.options].some(o => Number(o.value) === windowS)) picker.value = String(windowS);
  picker.addEventListener("change", () => {
    windowS = Number(picker.value);
    const q = new URLSearchParams(location.search);
    q.set("window", String(windowS));
    history.replaceState(null, "", "?" + q.toString());
    full = true;
    generation += 1;   // an answer already on its way is for the old window: dropped
  });

  function source() {
    const q = new URLSearchParams({window: String(windowS)});
    if (prefix) q.set("prefix", prefix);
    if (pid) q.set("pid", pid);
    if (!full && last !== null) q.set("since", String(last));
    return "/api/v1/series?" + q.toString();
  }

  const SI = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  function short(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "–";
    const a = Math.abs(v);
    for (const [size, suffix] of SI) if (a >= size) return +(v / size).toPrecision(3) + suffix;
    return a >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(+v.toPrecision(3));
  }

  function newCard(chart) {
    const box = document.createElement("figure");
    box.className = "graph";
    box.dataset.label = chart.label;
    const caption = document.createElement("figcaption");
    const name = document.createElement("a");
    name.className = "label";
    name.href = "/api/v1/values/" + encodeURIComponent(chart.label);
    name.textContent = chart.label;
    const value = document.createElement("span");
    value.className = "value";
    const rate = document.createElement("span");
    rate.className = "rate";
    const how = document.createElement("span");
    how.className = "how";
    caption.append(name, " ", value, " ", rate, " ", how);
    const holder = document.createElement("div");
    box.append(caption, holder);
    const names = chart.lines.map(l => l.name);
    const axis = chart.axis;
    const plot = new uPlot({
      width: 440, height: 200,
      // the value axis starts at zero (or below): noise of a few percent must not look like spikes
      scales: {x: {time: true}, y: {range: (u, lo, hi) => {
        lo = Math.min(0, lo ?? 0);
        hi = Math.max(0, hi ?? 1);
        if (hi === lo) hi = lo + 1;
        return [lo, hi + (hi - lo) * 0.05];
      }}},
      series: [{}].concat(names.map(n => ({
        label: n, stroke: COLORS[n] || "#555", width: 1.5, spanGaps: false,
        value: (u, v) => v === null || v === undefined ? "–" : short(v) + " " + axis,
      }))),
      axes: [{}, {label: axis, size: 56, values: (u, splits) => splits.map(short)}],
      legend: {live: true},
    }, [[]].concat(names.map(() => [])), holder);
    return {box, value, rate, how, plot, names, axis};
  }

  function describe(chart) {
    const n = chart.processes + (chart.processes === 1 ? " process" : " processes");
    if (chart.kind === "histogram") return "p50/p90/p99 of each second's observations" + (pid ? "" : ", " + n);
    if (chart.aggregation === "change") return "rate per second over " + windowS + " s" + (pid ? "" : ", summed over " + n);
    if (pid) return "value";
    return chart.aggregation === "sum" ? "sum over live processes" : "min, mean and max over live processes";
  }

  function update(doc) {
    capacity = doc.capacity;
    const wasFull = full;
    let needFull = false;
    if (wasFull) {
      times = doc.t.slice();
      lines = new Map();
    } else {
      times = times.concat(doc.t);
    }
    const cut = Math.max(0, times.length - capacity);
    if (cut) times = times.slice(cut);
    const seen = new Set();
    for (const chart of doc.charts) {
      seen.add(chart.label);
      let card = cards.get(chart.label);
      if (card && card.names.join() !== chart.lines.map(l => l.name).join()) {
        card.plot.destroy();
        card.box.remove();
        cards.delete(chart.label);
        card = undefined;
      }
      let stored = lines.get(chart.label);
      if (!card || (!wasFull && !stored)) {
        if (!wasFull) { needFull = true; continue; }  // a new label: fetch its whole history next time
        card = newCard(chart);
        cards.set(chart.label, card);
      }
      graphs.append(card.box);   // in the server's (sorted) order
      if (wasFull || !stored) stored = chart.lines.map(l => l.values.slice());
      else stored = stored.map((arr, i) => arr.concat(chart.lines[i].values));
      if (cut) stored = stored.map(arr => arr.slice(Math.max(0, arr.length - times.length)));
      lines.set(chart.label, stored);
      card.value.textContent = chart.text;
      const rate = chart.aggregation === "change" && chart.kind !== "histogram" ? stored[0][stored[0].length - 1] : undefined;
      card.rate.textContent = rate === undefined ? "" : "(" + short(rate) + " " + card.axis + ")";
      card.how.textContent = chart.kind === "histogram" || chart.aggregation === "change" || !pid ? describe(chart) : "";
      card.box.dataset.unit = card.axis;
      card.box.classList.remove("gone");
      card.plot.setData([times].concat(stored));
    }
    for (const [label, card] of cards) if (!seen.has(label)) card.box.classList.add("gone");
    if (doc.t.length) last = doc.t[doc.t.length - 1];
    full = needFull;
    showStatus(doc);
  }

  function showStatus(doc) {
    const when = new Date(doc.time * 1000).toLocaleTimeString();
    let line = doc.files + (doc.files === 1 ? " file" : " files") + ", " + doc.process_count +
      (doc.process_count === 1 ? " process" : " processes") + ", " + times.length + " s of history, updated " + when;
    if (doc.problems.length) line += "; skipped: " + doc.problems.join(", ");
    status.textContent = line;
    dead.textContent = "";
    const list = (procs) => procs.forEach((d, i) => {
      const a = document.createElement("a");
      a.href = "/process/" + encodeURIComponent(d.key);
      a.textContent = "pid " + d.pid;
      dead.append(i ? ", " : "", a, " (" + d.state + ")");
    });
    if (doc.dead.length) {
      dead.append("dead writers: ");
      list(doc.dead);
      dead.append("; their files stay until cleanstats removes them");
    }
    if (doc.stale.length) {
      dead.append((doc.dead.length ? ". " : "") + "stale writers (heartbeat late): ");
      list(doc.stale);
    }
    if (state && pid) {
      const mine = doc.dead.concat(doc.stale).find(d => String(d.key) === pid);
      if (!mine && state.textContent === "stale") {
        state.textContent = "live";   // writing again
        state.className = "state state-live";
      } else if (mine) {
        state.textContent = mine.state;
        state.className = "state state-" + mine.state;
      }
    }
  }

  async function tick() {
    try {
      const asked = generation;
      const response = await fetch(source(), {cache: "no-store"});
      if (!response.ok) throw new Error("HTTP " + response.status + ": " + await response.text());
      const doc = await response.json();
      if (asked === generation) update(doc);
    } catch (e) {
      status.textContent = "cannot update: " + e.message;
    }
    setTimeout(tick, PERIOD_MS);
  }
  tick();
})();
