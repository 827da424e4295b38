"""mmash's pages in a real headless Chromium: a value a writer changes shows up without a reload; the
charts draw with their units, move on, and flag a killed writer; no console error (CSP violations included).

Needs Debian's chromium and chromium-driver (examples/install-browser.sh) and the
selenium package (the test extras); without them the tests fail and say what to install.
All traffic stays on 127.0.0.1. Screenshots of the main pages go to build/test-output/mmash/.
"""
import os
import time

import pytest

from _mmash_writers import V2Process
from test_tools_support import REPO, Writer, start_mmash, stop

SHOTS = REPO / "build" / "test-output" / "mmash"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

MISSING = f"{CHROMIUM} or {CHROMEDRIVER} missing: run examples/install-browser.sh (Debian chromium, chromium-driver)"

EVIL = 'demo.<img src=x onerror="window.pwned=1">'
CARDS_JS = """
const out = {};
for (const box of document.querySelectorAll('#graphs .graph'))
    out[box.dataset.label] = box.querySelector('.value').textContent;
return out;
"""
INKED_JS = """
const box = [...document.querySelectorAll('#graphs .graph')].find(b => b.dataset.label === arguments[0]);
const c = box.querySelector('canvas');
return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0);
"""


@pytest.fixture
def browser(tmp_path, monkeypatch):
    assert os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK), MISSING
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)   # the driver is on 127.0.0.1 too
    options = Options()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})   # the console, read by the tests
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--no-proxy-server", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager (which could download things) is never run.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_window_size(1300, 1000)
    # Every page records the CSP violations it meets, before any of its own scripts run.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective));")})
    yield driver
    driver.quit()


def test_live_page_shows_a_writer_changing_a_value_without_reload(tmp_path, browser):
    from selenium.webdriver.support.ui import WebDriverWait
    stats = tmp_path / "stats"
    stats.mkdir()
    w = Writer(stats / "demo.mmstats", [("demo.gauge", "i", True), ("demo.hits", "Q", True), (EVIL, "I", False)],
               [("demo.gauge", 7), ("demo.hits", 3), (EVIL, 1)])
    proc, port = start_mmash(stats)
    try:
        browser.get(f"http://127.0.0.1:{port}/live?prefix=demo.")
        wait = WebDriverWait(browser, 20, poll_frequency=0.2)
        wait.until(lambda d: d.execute_script(CARDS_JS).get("demo.gauge") == "7")
        browser.execute_script("window.marker = 'same page'")   # gone if the page were reloaded
        w.set("demo.gauge", 12345)
        w.set("demo.hits", 10)
        wait.until(lambda d: d.execute_script(CARDS_JS).get("demo.gauge") == "12345")
        wait.until(lambda d: d.execute_script(CARDS_JS).get("demo.hits") == "10")
        assert browser.execute_script("return window.marker") == "same page"
        wait.until(lambda d: d.execute_script(INKED_JS, "demo.gauge"))    # the graph has drawn a line
        cards = browser.execute_script(CARDS_JS)
        assert cards[EVIL] == "1"                                        # the label is text ...
        assert browser.execute_script("return document.querySelectorAll('img').length") == 0  # ... not markup
        assert browser.execute_script("return window.pwned") is None
        assert "1 file" in browser.find_element("id", "status").text
    finally:
        err = stop(proc)
        w.kill()
    assert "Traceback" not in err


# Pixels of a chart's canvas drawn in a series colour (COLORS in dash.js), sampled over the whole canvas.
INKED_IN_JS = """
const card = window.mmashCharts.get(arguments[0]);
if (!card) return 0;
const c = card.box.querySelector('canvas');
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const [r, g, b] = arguments[1];
let n = 0;
for (let i = 0; i < d.length; i += 4)
    if (d[i + 3] > 200 && Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40) n++;
return n;
"""
LOOK_JS = """
const out = {};
for (const [label, card] of window.mmashCharts) {
    const xs = card.plot.data[0];
    out[label] = {value: card.value.textContent, unit: card.plot.axes[1].label, caption: card.box.dataset.unit,
                  points: xs.length, last: xs[xs.length - 1]};
}
return out;
"""
BLUE, GREEN = (0x2a, 0x6f, 0xdb), (0x1a, 0x7f, 0x37)


def console_errors(browser) -> list:
    """Console errors since the last call (CSP violations are logged there too), and the page's own record."""
    logged = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    return logged + list(browser.execute_script("return window.cspViolations || []"))


def test_dashboard_charts_draw_with_units_move_on_and_flag_a_killed_writer(tmp_path, browser):
    from selenium.webdriver.support.ui import WebDriverWait
    stats = tmp_path / "stats"
    stats.mkdir()
    app = V2Process(stats / "app.mmstats", rate=200, queue=(3.0, 5.0, 4.0), latencies=(2.0, 7.0, 40.0))
    victim = V2Process(stats / "victim.mmstats", rate=50)
    old = Writer(stats / "old-style.mmstats", [("jobs.done", "Q", True), ("load", "d", True)],
                 [("jobs.done", 1), ("load", 0.5)])
    proc, port = start_mmash(stats, "--interval", "0.5")
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        time.sleep(2)   # history the page must show at once
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 20, poll_frequency=0.2)
        wait.until(lambda d: {"http.requests", "queue.length", "http.latency", "jobs.done", "load"}
                   <= set(d.execute_script(LOOK_JS)))
        first = browser.execute_script(LOOK_JS)
        assert first["http.requests"]["points"] >= 4          # the server's history, on the first load
        # the value axes carry the unit: a rate per second of the counter's unit, the histogram's unit
        assert first["http.requests"]["unit"] == first["http.requests"]["caption"] == "request/s"
        assert first["http.latency"]["unit"] == "ms" and first["queue.length"]["unit"] == "item"
        assert first["jobs.done"]["unit"] == "per second" and first["load"]["unit"] == "value"   # version 1: no units
        wait.until(lambda d: d.execute_script(INKED_IN_JS, "http.requests", BLUE) > 30)   # the line is drawn
        wait.until(lambda d: d.execute_script(INKED_IN_JS, "http.latency", GREEN) > 30)   # p50 too
        assert browser.execute_script(INKED_IN_JS, "http.requests", GREEN) < 5            # ... in its own colour only
        browser.save_screenshot(str(SHOTS / "overview.png"))
        wait.until(lambda d: d.execute_script(LOOK_JS)["http.requests"]["last"] > first["http.requests"]["last"])
        second = browser.execute_script(LOOK_JS)
        assert second["http.requests"]["value"] != first["http.requests"]["value"]   # the total went on
        assert int(second["http.requests"]["value"]) > int(first["http.requests"]["value"])
        from selenium.webdriver.support.ui import Select
        Select(browser.find_element("id", "window")).select_by_value("60")   # another rate window: redrawn
        wait.until(lambda d: "over 60 s" in d.execute_script(
            "return window.mmashCharts.get('http.requests').how.textContent"))
        assert "window=60" in browser.current_url
        assert console_errors(browser) == []

        victim.kill()   # kill -9: the file stays, its lock is gone
        wait.until(lambda d: f"pid {victim.pid}" in d.find_element("id", "dead").text)   # flagged on the overview
        browser.get(f"http://127.0.0.1:{port}/process/{victim.pid}")
        wait.until(lambda d: d.find_element("id", "state").text == "died")
        assert "state-died" in browser.find_element("id", "state").get_attribute("class")
        assert "python" in browser.find_element("id", "command").text     # remembered from when it lived
        wait.until(lambda d: d.execute_script(INKED_IN_JS, "http.requests", BLUE) > 30)   # its history stays
        browser.save_screenshot(str(SHOTS / "process-died.png"))
        browser.get(f"http://127.0.0.1:{port}/process/{app.pid}")
        wait.until(lambda d: d.execute_script(INKED_IN_JS, "http.requests", BLUE) > 30)
        assert browser.find_element("id", "state").text == "live"
        browser.save_screenshot(str(SHOTS / "process-live.png"))
        browser.get(f"http://127.0.0.1:{port}/processes")
        row = browser.find_element("css selector", f'tr[data-pid="{victim.pid}"] td.state')
        assert row.text == "died" and "state-died" in row.get_attribute("class")
        browser.save_screenshot(str(SHOTS / "processes.png"))
        browser.get(f"http://127.0.0.1:{port}/labels")
        assert f"pid {victim.pid}" in browser.find_element("id", "dead").text
        browser.save_screenshot(str(SHOTS / "labels.png"))
        assert console_errors(browser) == []
    finally:
        err = stop(proc)
        app.kill()
        victim.kill()
        old.kill()
    assert "Traceback" not in err
    for name in ("overview", "process-died", "process-live", "processes", "labels"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000, name
