"""mmash's listing of a one-component glob (one scandir, types from the listing) gives what the
general walk gives: regular files only, no symlinks, no leading-dot names for * and ?, sorted,
and the same cut at the entry limit."""
import os
import stat

import pytest

from mmstats.tools._files import walk
from mmstats.tools.mmash import data
from mmstats.tools.mmash.data import StatsDir


def _by_walk(directory, pattern, limit=data.MAX_ENTRIES):
    """The general path, as it was: the walk, then lstat of every name."""
    paths, cut = walk(pattern, root=directory, limit=limit)
    return [p for p in paths if stat.S_ISREG(os.lstat(p).st_mode)], cut


@pytest.fixture
def tree(tmp_path):
    d = tmp_path / "stats"
    d.mkdir()
    outside = tmp_path / "out"
    outside.mkdir()
    (outside / "secret.mmstats").write_bytes(b"x")
    for name in ("a.mmstats", "b-1-2.mmstats", "c.txt", ".hidden.mmstats", "z.mmstats", "ab.mmstats"):
        (d / name).write_bytes(b"x")
    (d / "dir.mmstats").mkdir()
    (d / "link.mmstats").symlink_to(outside / "secret.mmstats")
    (d / "inner-link.mmstats").symlink_to(d / "a.mmstats")
    (d / "dangling.mmstats").symlink_to(tmp_path / "nothing")
    os.mkfifo(d / "fifo.mmstats")
    return d


@pytest.mark.parametrize("pattern", ["*.mmstats", "?.mmstats", "a*", "*", ".*", ".hidden*", "[ab]*.mmstats",
                                     "*-*-*.mmstats", "nothing-*"])
def test_flat_listing_equals_the_walk(tree, pattern):
    stats = StatsDir(str(tree), "*.mmstats")
    got = stats.files(pattern)
    want, want_cut = _by_walk(str(tree), pattern)
    assert list(got) == want and got.cut == want_cut
    assert all(os.path.basename(p) not in ("link.mmstats", "fifo.mmstats", "dir.mmstats") for p in got)
    stats.close()


def test_flat_listing_names_what_it_should(tree):
    got = StatsDir(str(tree), "*.mmstats").files()
    assert [os.path.basename(p) for p in got] == ["a.mmstats", "ab.mmstats", "b-1-2.mmstats", "z.mmstats"]


def test_flat_listing_stops_at_the_entry_limit_as_the_walk_does(tree, monkeypatch):
    entries = len(os.listdir(tree))
    for limit in (3, entries - 1, entries, entries + 1):
        monkeypatch.setattr(data, "MAX_ENTRIES", limit)
        got = StatsDir(str(tree), "*.mmstats").files()
        want, want_cut = _by_walk(str(tree), "*.mmstats", limit)
        assert list(got) == want and got.cut == want_cut == (limit < entries)


def test_a_missing_directory_lists_nothing(tmp_path):
    got = StatsDir(str(tmp_path / "gone"), "*.mmstats").files()
    assert list(got) == [] and not got.cut
