"""The one liveness rule (mmstats/_liveness.py), as the writer and cleanstats both apply it."""
import subprocess
import sys

import pytest

from mmstats import CreateError
from mmstats.lowlevel import create_file
from test_tools_support import run_tool


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def _left_behind(path, pid_label, pid):
    f = create_file(path, [(pid_label, "I", False, pid), ("hits", "Q", True)])
    f.close()
    return path.read_bytes()


@pytest.mark.parametrize("label", ["nosys.pid", "sys.pidx", "app-sys.pid"])
def test_only_sys_pid_or_a_dotted_prefix_names_the_writer(tmp_path, label):
    """"nosys.pid" ends in "sys.pid" but is not the default field: its dead pid proves nothing."""
    path = tmp_path / "other.mmstats"
    before = _left_behind(path, label, _dead_pid())
    with pytest.raises(CreateError, match="no sys.pid field"):
        create_file(path, [("x", "Q", True)])      # the writer keeps it ...
    assert path.read_bytes() == before
    r = run_tool("cleanstats", path)               # ... and so does cleanstats, for the same reason
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"keep         {path}: no sys.pid field"
    assert path.read_bytes() == before


def test_a_prefixed_sys_pid_of_a_gone_process_is_stale_for_both(tmp_path):
    pid = _dead_pid()
    path = tmp_path / "app.mmstats"
    _left_behind(path, "web.stats.sys.pid", pid)
    r = run_tool("cleanstats", "--dry-run", path)
    assert r.stdout.splitlines()[0] == f"would remove {path}: process {pid} is gone (ESRCH)"
    f = create_file(path, [("x", "Q", True)])        # the writer replaces it
    f.close()
    from mmstats_format import read
    assert [x.label for x in read(path)] == ["x"]


def test_the_stats_directory_is_the_writers_default_path(tmp_path, monkeypatch):
    from mmstats._defaults import directory_template
    from mmstats.tools._files import stats_dir
    monkeypatch.setenv("MMSTATS_PATH", str(tmp_path))
    assert stats_dir() == directory_template() == str(tmp_path)
    monkeypatch.delenv("MMSTATS_PATH")
    import tempfile
    assert stats_dir() == tempfile.gettempdir()
