"""mmash's listing of a one-component glob (one scandir, types from the listing) gives what the
general walk gives: regular files only, no symlinks, no leading-dot names for * and ?, sorted,
and the same cut at the entry limit."""
import os
import stat
import time

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


def test_flat_listing_gives_each_files_inode(tree):
    listed = data._flat(str(tree), "*.mmstats")
    assert listed.inodes == [os.lstat(p).st_ino for p in listed]


def _v1(n, value):
    from mmstats_format import build_file
    return build_file([{"label": f"c{j}", "type": "Q", "buffered": True, "value": value + j} for j in range(n)])


def test_a_read_given_the_listings_inode_sees_new_values_a_grown_and_a_replaced_file(tmp_path):
    from mmstats_format import StatsReader
    path = tmp_path / "a.mmstats"
    path.write_bytes(_v1(3, 10))
    reader = StatsReader(str(path), follow_symlinks=False)
    assert reader.read() == [10, 11, 12]
    ino = os.lstat(path).st_ino
    with open(path, "r+b") as f:              # new values in place
        f.write(_v1(3, 20))
    assert reader.read(ino) == [20, 21, 22]
    grown = _v1(200, 30)                       # rewritten in place, longer: same inode, another layout
    assert len(grown) > os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(grown)
    assert os.lstat(path).st_ino == ino
    assert reader.read(ino) == list(range(30, 230))
    other = tmp_path / "b.mmstats"             # another file at the name: its inode is not the open file's
    other.write_bytes(_v1(2, 40))
    os.replace(other, path)
    assert reader.read(os.lstat(path).st_ino) == [40, 41]
    reader.close()


def test_a_snapshot_reads_each_file_once_per_listing(tmp_path):
    for i in range(3):
        (tmp_path / f"w{i}.mmstats").write_bytes(_v1(2, 10 * i))
    stats = StatsDir(str(tmp_path), "*.mmstats")
    assert [fs.values for fs in stats.snapshot()[0]] == [[0, 1], [10, 11], [20, 21]]
    (tmp_path / "w1.mmstats").write_bytes(_v1(2, 50))     # rewritten through the same inode
    os.replace(tmp_path / "w0.mmstats", tmp_path / "w3.mmstats")
    files, problems = stats.snapshot()
    assert not problems
    assert [(fs.name, fs.values) for fs in files] == [("w1.mmstats", [50, 51]), ("w2.mmstats", [20, 21]),
                                                     ("w3.mmstats", [0, 1])]


class _Scandirs:
    """os.scandir, counted."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = os.scandir

        def scandir(*a, **kw):
            self.calls += 1
            return real(*a, **kw)
        monkeypatch.setattr(os, "scandir", scandir)


def test_a_listing_is_kept_until_an_entry_is_added_removed_or_renamed(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SETTLED_NS", 50_000_000)
    for name in ("a.mmstats", "b.mmstats"):
        (tmp_path / name).write_bytes(b"x")
    time.sleep(0.1)                                   # the directory's last change is settled
    stats = StatsDir(str(tmp_path), "*.mmstats")
    scans = _Scandirs(monkeypatch)

    def listed():
        got = stats.files()
        assert got.inodes == [os.lstat(p).st_ino for p in got]   # (what the directory says now)
        return [os.path.basename(p) for p in got]
    assert listed() == ["a.mmstats", "b.mmstats"] and scans.calls == 1
    first = stats.files()
    first.append("junk")                              # a caller's copy: the kept listing is its own
    first.inodes.append(0)
    assert listed() == ["a.mmstats", "b.mmstats"] and scans.calls == 1
    (tmp_path / "a.mmstats").write_bytes(b"yy")       # rewritten in place: the directory is the same
    assert listed() == ["a.mmstats", "b.mmstats"] and scans.calls == 1
    (tmp_path / "c.mmstats").write_bytes(b"x")        # added
    assert listed() == ["a.mmstats", "b.mmstats", "c.mmstats"] and scans.calls == 2
    time.sleep(0.1)
    listed()
    calls = scans.calls
    (tmp_path / "b.mmstats").unlink()                 # removed
    assert listed() == ["a.mmstats", "c.mmstats"] and scans.calls == calls + 1
    time.sleep(0.1)
    listed()
    calls = scans.calls
    (tmp_path / "new").write_bytes(b"z")              # another file put in place by a rename
    os.replace(tmp_path / "new", tmp_path / "a.mmstats")
    assert listed() == ["a.mmstats", "c.mmstats"] and scans.calls == calls + 1


def test_a_listing_taken_just_after_a_change_is_not_kept(tmp_path, monkeypatch):
    (tmp_path / "a.mmstats").write_bytes(b"x")        # changed just now: the same clock tick may hide another
    stats = StatsDir(str(tmp_path), "*.mmstats")
    scans = _Scandirs(monkeypatch)
    stats.files()
    stats.files()
    assert scans.calls == 2


def test_a_directory_replaced_at_the_path_is_listed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SETTLED_NS", 50_000_000)
    d = tmp_path / "stats"
    d.mkdir()
    (d / "a.mmstats").write_bytes(b"x")
    time.sleep(0.1)
    stats = StatsDir(str(d), "*.mmstats")
    assert [os.path.basename(p) for p in stats.files()] == ["a.mmstats"]
    os.rename(d, tmp_path / "old")
    d.mkdir()
    (d / "b.mmstats").write_bytes(b"x")
    assert [os.path.basename(p) for p in stats.files()] == ["b.mmstats"]
