"""mmash under attack (what tests/test_mmash.py does not try already).

Path traversal through every route and every parameter -- plain, percent-encoded,
double-encoded, absolute, NUL bytes, overlong, glob tricks, planted symlinks --
must never reach a file outside the stats directory: the secret's label and
value never appear in any answer. Hostile labels and file names come out
escaped in HTML, JSON and the Prometheus text. Only loopback Host names are
answered.
"""
from __future__ import annotations

import html
import json
import os
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mmstats_format import build_file
from test_tools_support import http_get, start_mmash, stop

SECRET_LABEL, SECRET_VALUE = "secret.label", 4242424242
EVIL = "<script>alert('x')</script>\"&\\\n\u2028end"
EVIL_FILE = "<img src=x onerror=alert(1)>\"q\\\nz.mmstats"  # quote, backslash, newline
BROKEN_FILE = "<b onmouseover=alert(2)>broken.mmstats"


def _file(records):
    return build_file([{"label": label, "type": t, "value": v, "buffered": b} for label, t, v, b in records])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmash-attack")
    d = root / "stats"
    d.mkdir()
    outside = root / "outside"
    outside.mkdir()
    OUTSIDE[:] = [str(outside), str(root / "secret.mmstats")]
    (outside / "secret.mmstats").write_bytes(_file([(SECRET_LABEL, "Q", SECRET_VALUE, True)]))
    (root / "secret.mmstats").write_bytes(_file([(SECRET_LABEL, "Q", SECRET_VALUE, True)]))
    (d / "app.mmstats").write_bytes(_file([("hits", "Q", 3, True), (EVIL, "I", 7, False)]))
    (d / EVIL_FILE).write_bytes(_file([("evil.file.hits", "Q", 11, True)]))
    (d / BROKEN_FILE).write_bytes(b"\x02not a stats file")
    (d / "link.mmstats").symlink_to(outside / "secret.mmstats")
    (d / "up.mmstats").symlink_to("../secret.mmstats")
    (d / "sub").symlink_to(outside)
    (d / "real").mkdir()
    (d / "real" / "nested.mmstats").write_bytes(_file([("nested", "Q", 1, True)]))
    proc, port = start_mmash(d)
    yield {"port": port, "dir": d, "proc": proc}
    err = stop(proc)
    assert "Traceback" not in err, err


def get(site, path, host=None):
    return http_get(site["port"], path, host=host)


OUTSIDE: list = []  # the absolute paths outside the stats directory (set by the fixture)


def no_secret(body: bytes) -> bool:
    return SECRET_LABEL.encode() not in body and str(SECRET_VALUE).encode() not in body \
        and b"secret_label" not in body and not any(p.encode() in body for p in OUTSIDE)


TRAVERSALS = [
    "..", "../*", "../*.mmstats", "../outside/*", "..%2F*", "%2e%2e/*", "%2E%2E%2F*", "%2e%2e%2fsecret.mmstats",
    ".%2e/*", "%2e./*", "*/../../*", "real/../../*", "sub/*", "sub/secret.mmstats", "link.mmstats", "up.mmstats",
    "/etc/*", "%2Fetc%2Fpasswd", "//etc/*", "/tmp/*", "%252e%252e/*", "%252e%252e%252f*", "..%5C*", "%5C..%5C*",
    "a%00b", "%00", "*.mmstats%00.txt", "x" * 300, "*/" * 200, "%2e%2e/" * 50 + "*", "[.][.]/*", "[.][.]/secret*",
    "~/*", "~root/*", "$HOME/*", "**/*", "real/../sub/*",
]
ROUTES = ["/files/{g}", "/stats/?glob={g}", "/stats/secret?glob={g}", "/stats/?aggr=sum&glob={g}",
          "/metrics?glob={g}", "/live.json?glob={g}", "/live?glob={g}", "/?glob={g}"]


@pytest.mark.parametrize("route", ROUTES)
def test_traversal_through_every_route_and_glob_never_reaches_outside(site, route):
    for g in TRAVERSALS:
        status, headers, body = get(site, route.format(g=g))
        assert status in (200, 400), (route, g, status, body[:200])
        assert no_secret(body), (route, g, body[:300])
        if status == 400:
            assert body.startswith(b"bad glob"), (route, g, body)


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/../../../etc/passwd", "/static/%2e%2e/secret.mmstats",
    "/files/../../outside/secret.mmstats", "/stats/..%2F..%2Foutside%2Fsecret", "/stats/%2e%2e", "/stats/secret",
    "/stats/" + "%2e%2e%2f" * 100, "/live.json?prefix=../../secret", "/live.json?prefix=secret",
    "/stats/secret?exact=1", "/stats/?aggr=../../etc/passwd", "/" + "a" * 8000,
])
def test_traversal_in_the_path_and_other_parameters(site, path):
    status, _, body = get(site, path)
    assert status in (200, 400, 404), (path, status)
    assert no_secret(body), (path, body[:300])


def _raw(site, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", site["port"]), timeout=20) as s:
        s.sendall(request)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("target", [b"/files/a\x00b", b"/files/\x00../*", b"/stats/?glob=..\x00", b"/files/..\\*",
                                    b"http://127.0.0.1/files/../*", b"/files/" + b"%2e" * 20000])
def test_raw_requests_with_nul_bytes_and_odd_targets(site, target):
    answer = _raw(site, b"GET " + target + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    status = answer.split(b"\r\n", 1)[0]
    assert status.split()[1] in (b"200", b"400", b"404", b"414"), status
    assert no_secret(answer)
    assert get(site, "/files/")[0] == 200  # the server is still up


def test_only_regular_files_inside_are_listed(site):
    files = json.loads(get(site, "/files/")[2])["files"]
    names = sorted(os.path.relpath(p, site["dir"]) for p in files)
    assert names == sorted([EVIL_FILE, "app.mmstats"])  # no link.mmstats, no up.mmstats (nor the broken file)
    assert json.loads(get(site, "/files/real/*.mmstats")[2])["files"] == [str(site["dir"] / "real" / "nested.mmstats")]


def test_hostile_labels_and_file_names_are_escaped_in_html(site):
    status, headers, body = get(site, "/labels")   # the label table (/ is the charts page, filled by script)
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert html.escape(EVIL) in page
    assert html.escape(BROKEN_FILE) in page  # the skipped file is named, escaped
    for route in ("/labels?glob=<script>x</script>", "/?glob=<script>x</script>",
                  "/live?glob=%3Cscript%3Ex%3C%2Fscript%3E.mmstats"):
        status, _, body = get(site, route)
        assert b"<script>x" not in body


def test_hostile_labels_and_file_names_are_escaped_in_json(site):
    for route in ("/stats/", "/stats/%3Cscript", "/live.json", "/files/", "/stats/?aggr=sum"):
        status, headers, body = get(site, route)
        assert status == 200 and headers["content-type"].startswith("application/json")
        assert b"<" not in body and b">" not in body
        json.loads(body)  # still valid JSON
    assert EVIL in json.loads(get(site, "/stats/")[2])
    assert json.loads(get(site, "/stats/%3Cscript")[2]) == {EVIL: [7]}
    assert str(site["dir"] / EVIL_FILE) in json.loads(get(site, "/files/")[2])["files"]


def test_hostile_labels_and_file_names_are_escaped_in_prometheus_text(site):
    status, headers, body = get(site, "/metrics")
    assert status == 200
    text = body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    evil_family = next(f for f in families.values() if EVIL.replace("\n", " ") in f.documentation
                       or EVIL in f.documentation)
    assert evil_family.samples[0].value == 7
    by_file = {s.labels["file"]: s.value for f in families.values()
               if not f.name.startswith("mmash_")
               for s in f.samples}   # mmash's own metrics have no file label
    assert by_file[EVIL_FILE] == 11  # the file name, quotes, backslash and all, round-trips as a label value
    for line in text.splitlines():  # every line is a comment or a sample: no label text broke out
        assert line.startswith("#") or line.split("{", 1)[0].replace("_", "a").isalnum(), line


@pytest.mark.parametrize("host", ["attacker.example", "127.0.0.1.attacker.example", "localhost.attacker:80",
                                  "[::2]:80", "0.0.0.0", "", "127.0.0.2"])
def test_only_loopback_host_names_are_answered(site, host):
    request = b"GET /stats/ HTTP/1.0\r\n" + (b"Host: " + host.encode() + b"\r\n" if host else b"") + b"\r\n"
    answer = _raw(site, request)
    assert answer.split()[1] == b"403", answer[:100]
    assert no_secret(answer) and b"hits" not in answer.split(b"\r\n\r\n", 1)[1]


def test_the_default_bind_address_is_loopback():
    from mmstats.tools.mmash.server import _parser
    assert _parser().parse_args([]).host == "127.0.0.1"


def test_a_name_swapped_for_a_symlink_after_listing_is_not_followed(tmp_path, monkeypatch):
    """The listing saw a regular file; by the time it is read the name is a symlink to a secret."""
    from mmstats.tools.mmash.data import StatsDir
    d = tmp_path / "stats"
    d.mkdir()
    secret = tmp_path / "secret.mmstats"
    secret.write_bytes(_file([(SECRET_LABEL, "Q", SECRET_VALUE, True)]))
    name = d / "swap.mmstats"
    name.write_bytes(_file([("innocent", "Q", 1, True)]))
    stats = StatsDir(str(d), "*.mmstats")
    first, _ = stats.snapshot()
    assert [f.values for f in first] == [[1]]
    listed = stats.files()
    monkeypatch.setattr(stats, "files", lambda pattern=None: listed)  # the listing, taken before the swap
    name.unlink()
    name.symlink_to(secret)
    files, problems = stats.snapshot()
    # the listing's inode is still the open file's, so the reader may answer from that file (unlinked,
    # innocent) without looking the name up again; what it must never do is follow the new symlink
    assert all(f.values == [1] and SECRET_LABEL not in str(f.fields) for f in files), files
    assert SECRET_LABEL not in str(problems)
    stats.close()


SWAPPER = """
import os, sys
d, secret, image = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
reg, link, target = os.path.join(d, ".reg"), os.path.join(d, ".lnk"), os.path.join(d, "swap.mmstats")
while True:
    os.symlink(secret, link)
    os.rename(link, target)
    with open(reg, "wb") as f:
        f.write(image)
    os.rename(reg, target)
"""


def test_racing_symlink_swaps_never_leak_a_file_outside(tmp_path):
    import subprocess
    import sys
    import time
    d = tmp_path / "stats"
    d.mkdir()
    secret = tmp_path / "secret.mmstats"
    secret.write_bytes(_file([(SECRET_LABEL, "Q", SECRET_VALUE, True)]))
    image = _file([("innocent", "Q", 1, True)])
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(d), str(secret), image.hex()])
    proc, port = start_mmash(d)
    requests = innocent = 0
    try:
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            for route in ("/stats/", "/metrics"):
                body = http_get(port, route)[2]
                requests += 1
                innocent += b"innocent" in body
                assert SECRET_LABEL.encode() not in body and b"secret_label" not in body, (requests, body[:200])
    finally:
        swapper.kill()
        swapper.wait()
        err = stop(proc)
    assert requests > 20 and innocent > 0 and "Traceback" not in err


def test_a_directory_swapped_for_a_symlink_after_listing_is_not_followed(tmp_path, monkeypatch):
    """glob "sub/*.mmstats": the listing saw sub/ inside; then sub is renamed away and a symlink
    to an outside directory with a file of the same name takes its place."""
    from mmstats.tools.mmash.data import StatsDir
    d, out = tmp_path / "stats", tmp_path / "out"
    d.mkdir()
    out.mkdir()
    (out / "x.mmstats").write_bytes(_file([(SECRET_LABEL, "Q", SECRET_VALUE, True)]))
    (d / "sub").mkdir()
    (d / "sub" / "x.mmstats").write_bytes(_file([("innocent", "Q", 1, True)]))
    stats = StatsDir(str(d), "*.mmstats")
    listed = stats.files("sub/*.mmstats")
    assert listed == [str(d / "sub" / "x.mmstats")]
    monkeypatch.setattr(stats, "files", lambda pattern=None: listed)  # the listing, taken before the swap
    (d / "sub").rename(d / "sub.old")
    (d / "sub").symlink_to(out)
    files, problems = stats.snapshot("sub/*.mmstats")
    assert files == [] and problems == ["x.mmstats: outside the directory"]
    stats.close()


def test_globs_over_symlinks_to_the_directory_itself_stay_cheap(tmp_path):
    """Two symlinks to "." made the old walk double with every level; symlinks to directories are never followed."""
    import time
    from mmstats.tools.mmash.data import StatsDir
    (tmp_path / "a.mmstats").write_bytes(_file([("x", "Q", 1, True)]))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.mmstats").write_bytes(_file([("x", "Q", 2, True)]))
    for name in ("l1", "l2", os.path.join("sub", "up")):
        os.symlink(tmp_path, tmp_path / name)
    stats = StatsDir(str(tmp_path), "*.mmstats")
    start = time.monotonic()
    for pattern in ("**/*.mmstats", "*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*.mmstats", "l1/l2/l1/l2/*.mmstats"):
        found = stats.files(pattern)
        assert found == ([str(tmp_path / "a.mmstats"), str(tmp_path / "sub" / "b.mmstats")]
                         if pattern.startswith("**") else [])
    assert time.monotonic() - start < 2.0
    files, problems = stats.snapshot("**/*.mmstats")
    assert len(files) == 2 and problems == []


def test_a_walk_stops_at_its_entry_limit_and_says_so(tmp_path):
    from mmstats.tools._files import walk
    for i in range(30):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "x.mmstats").write_bytes(b"")
    found, cut = walk("**/*.mmstats", root=str(tmp_path), limit=20)
    assert cut and len(found) < 30
    found, cut = walk("**/*.mmstats", root=str(tmp_path))
    assert not cut and len(found) == 30


def test_an_idle_connection_is_closed_and_connections_are_capped(tmp_path):
    import time
    proc, port = start_mmash(tmp_path, "--idle-seconds", "1", "--max-connections", "2")
    try:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        time.sleep(0.3)                       # both are being served (and say nothing)
        third = socket.create_connection(("127.0.0.1", port), timeout=10)
        assert third.recv(1) == b""           # over the cap: closed at once, no thread for it
        third.close()
        start = time.monotonic()
        for s in idle:
            assert s.recv(1) == b""           # the idle timeout ends them
            s.close()
        assert time.monotonic() - start < 5
        status, _, _ = http_get(port, "/stats/")
        assert status == 200                  # their places are free again
    finally:
        stop(proc)


@pytest.mark.parametrize("args", [["--max-connections", "0"], ["--idle-seconds", "-1"]])
def test_mmash_refuses_non_positive_limits_as_a_usage_error(tmp_path, args):
    import subprocess
    from test_tools_support import run_tool
    r = run_tool("mmash", "--path", tmp_path, *args)
    assert r.returncode == 2 and "must be more than 0" in r.stderr
    assert isinstance(r, subprocess.CompletedProcess)
