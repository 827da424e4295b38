"""The charting library mmash ships is the pinned uPlot release, unchanged, with its licence; the pages load
nothing from elsewhere.

static/uplot.pin.json records the release: the npm registry's integrity of its tarball (sha512) and the
SHA-256 of each file taken from it. The shipped files are checked against the pins offline; the pins are
checked against the registry itself (its tarball, downloaded again), so neither check rests on the shipped
files alone. The registry is part of the test's environment: unreachable, the test fails.
"""
import base64
import hashlib
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

import pytest

from test_tools_support import http_get, start_mmash, stop

STATIC = Path(__file__).resolve().parents[1] / "mmstats" / "tools" / "mmash" / "static"
PIN = json.loads((STATIC / "uplot.pin.json").read_text())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name", sorted(PIN["files"]))
def test_shipped_file_is_the_pinned_one(name):
    assert sha256((STATIC / name).read_bytes()) == PIN["files"][name]["sha256"], f"{name} differs from uplot {PIN['version']}"


def test_the_pins_are_the_registrys_release():
    assert PIN["tarball"] == f"https://registry.npmjs.org/uplot/-/uplot-{PIN['version']}.tgz"
    with urllib.request.urlopen(f"https://registry.npmjs.org/uplot/{PIN['version']}", timeout=30) as r:
        meta = json.load(r)
    assert meta["dist"]["integrity"] == PIN["integrity"]          # the registry's word for the tarball
    with urllib.request.urlopen(meta["dist"]["tarball"], timeout=60) as r:
        tgz = r.read()
    algo, digest = PIN["integrity"].split("-", 1)
    assert algo == "sha512" and base64.b64encode(hashlib.sha512(tgz).digest()).decode() == digest
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        for name, pin in PIN["files"].items():
            assert sha256(tar.extractfile(pin["from"]).read()) == pin["sha256"], name
    assert "MIT License" in (STATIC / "uPlot.LICENSE").read_text()


def test_pages_load_scripts_and_styles_from_this_server_only(tmp_path):
    proc, port = start_mmash(tmp_path)
    try:
        for page in ("/", "/processes", "/labels"):
            status, headers, body = http_get(port, page)
            assert status == 200
            refs = re.findall(rb'(?:src|href)="([^"]*)"', body)
            assert refs and all(r.startswith(b"/") and not r.startswith(b"//") for r in refs), (page, refs)
            assert "script-src 'self'" in headers["content-security-policy"]
        status, headers, js = http_get(port, "/static/uPlot.iife.min.js")
        assert status == 200 and headers["content-type"].startswith("text/javascript")
        assert sha256(js) == PIN["files"]["uPlot.iife.min.js"]["sha256"]
        assert http_get(port, "/static/uPlot.LICENSE")[0] == 200
    finally:
        err = stop(proc)
    assert "Traceback" not in err
