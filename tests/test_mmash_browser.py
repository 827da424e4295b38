"""mmash's live page in a real headless Chromium: a value a writer changes shows up without a reload.

Needs Debian's chromium and chromium-driver (examples/install-browser.sh) and the
selenium package (the test extras); without them the tests fail and say what to install.
All traffic stays on 127.0.0.1.
"""
import os

import pytest

from test_tools_support import Writer, start_mmash, stop

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
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--no-proxy-server", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager (which could download things) is never run.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
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
