"""The README walkthrough: the example web app (the mmstats model API) watched by all four tools."""
import json
import re
import signal
import subprocess
import sys
import time

import pytest

from test_tools_support import REPO, Lines, http_get, run_tool, start_mmash, stop, tool_env

# (path, how many requests): 3 x 2XX, 1 x 3XX, 2 x 4XX, 1 x 5XX
TRAFFIC = [("/", 2), ("/slow", 1), ("/old", 1), ("/nope", 2), ("/error", 1)]


def start_webapp(stats_dir):
    proc = subprocess.Popen([sys.executable, str(REPO / "examples" / "webapp.py"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tool_env(stats_dir))
    line = Lines(proc).next()
    m = re.match(r"webapp: serving http://127\.0\.0\.1:(\d+)/ \(stats in (.+)\)$", line)
    assert m, line
    return proc, int(m.group(1)), m.group(2)


@pytest.fixture
def webapp(tmp_path):
    proc, port, path = start_webapp(tmp_path)
    t0 = time.time()
    for page, n in TRAFFIC:
        for _ in range(n):
            http_get(port, page)
    yield proc, port, path, t0
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_the_tools_see_the_example_app_count_its_requests(webapp, tmp_path):
    proc, port, path, t0 = webapp
    r = run_tool("slurpstats", "--json", tmp_path)
    assert r.returncode == 0, r.stderr
    (obj,) = [json.loads(line) for line in r.stdout.splitlines()]
    values = {f["label"]: f["value"] for f in obj["fields"]}
    assert obj["path"] == path
    assert [values[f"web.stats.status.{c}XX"] for c in "2345"] == [3, 1, 2, 1]
    assert t0 - 1 <= values["web.stats.timers.last_hit"] <= time.time()
    assert values["web.stats.timers.request"] > 0      # a moving average that includes a ~50 ms request
    assert values["web.stats.sys.pid"] == proc.pid

    r = run_tool("pollstats", "-c", 1, "-p", "web.stats.status", "2XX,3XX,4XX,5XX", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].split() == ["3", "1", "2", "1"]

    mmash, mport = start_mmash(tmp_path)
    try:
        status, _, body = http_get(mport, "/stats/web.stats.status?aggr=sum")
        assert json.loads(body) == {f"web.stats.status.{c}XX": n for c, n in zip("2345", [3, 1, 2, 1])}
        http_get(port, "/")
        # the app counts a request just after its reply is sent: give it a moment under load
        want = re.compile(rf'^web_stats_status_2XX_total{{file="[^"]+",pid="{proc.pid}"}} 4\.0$', re.M)
        deadline = time.monotonic() + 5
        while not want.search(body := http_get(mport, "/metrics?aggregate=file")[2].decode()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert want.search(body), body
    finally:
        stop(mmash)

    r = run_tool("cleanstats", "--dry-run", tmp_path)
    assert f"keep         {path}: process {proc.pid} is alive" in r.stdout


def test_the_documented_json_pipe_works(webapp, tmp_path):
    """examples/README.md pipes slurpstats --json into json.tool: the line as printed there, run on this app."""
    (line,) = [ln for ln in (REPO / "examples" / "README.md").read_text().splitlines()
               if ln.startswith(".venv/bin/slurpstats ") and "json.tool" in ln]
    command = line.split("#")[0].strip()
    assert command == ".venv/bin/slurpstats /tmp/webapp-*.mmstats --json | .venv/bin/python -m json.tool --json-lines"
    # The same command, with this test's interpreter and stats directory in place of PATH's and /tmp.
    # The directory first: the interpreter's own path may lie under /tmp too.
    command = (command.replace("/tmp/", f"{tmp_path}/")
               .replace("| .venv/bin/python ", f"| {sys.executable} ")
               .replace(".venv/bin/slurpstats ", f"{sys.executable} -m mmstats.tools.slurpstats ", 1))
    r = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=60,
                       env=tool_env(), cwd=REPO)
    assert r.returncode == 0, r.stderr
    decoder, text, objects = json.JSONDecoder(), r.stdout.strip(), []
    while text:  # one pretty-printed object per file, one after another
        obj, end = decoder.raw_decode(text)
        objects.append(obj)
        text = text[end:].lstrip()
    assert objects and all(obj["format_version"] == 1 for obj in objects)
    assert r.stdout.count("\n") > sum(len(obj["fields"]) for obj in objects)  # pretty: a line per member


def test_a_stopped_app_removes_its_file_and_a_killed_one_is_cleaned(webapp, tmp_path):
    proc, _, path, _ = webapp
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    assert not list(tmp_path.glob("*.mmstats"))
    crashed, _, crashed_path = start_webapp(tmp_path)
    crashed.kill()
    crashed.wait()
    r = run_tool("cleanstats", tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"removed      {crashed_path}: process {crashed.pid} is gone (ESRCH)" in r.stdout
    assert not list(tmp_path.glob("*.mmstats"))
