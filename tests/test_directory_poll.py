"""StatsDirectory's compiled poll (poll_listing in mmstats/_mapread.c): every listed file in the
ordinary case read in one C call, the rest handed back to the per-file Python path.

Held to the per-file Python loop with the same compiled plans, and to the per-file loop with the
pure-Python plans (PurePlan for mapped files, layouts compiled without a ReadPlan), on random
version 1 and version 2 files whose bytes are changed in place between polls, copying and mapped.
Under MMSTATS_PURE_PYTHON=1 there is no compiled poll: the same tests then hold the Python loop to
the pure-Python plans.
"""
from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmstats_format as mf
from _strategies import descriptions
from mmstats_conformance import model_v2 as m2
from mmstats_format import accel, directory
from mmstats_format.cache import LayoutCache
from mmstats_format.scan import VERSIONS, scan
from mmstats_format.v2 import derived as d
from mmstats_format.v2 import layout as v2layout
from mmstats_format.v2 import mapped
from mmstats_format.v2.mapped import PurePlan

from test_compiled_decode import same_answer, v2_files
from test_mapped_reader import patch_file


def _compiled_poll():
    try:
        import mmstats._speedups as module
    except ImportError:
        return None
    return getattr(module, "poll_listing", None)


def test_the_compiled_poll_is_built():
    """Part of the normal install: a missing build is a failure, not a skip."""
    assert _compiled_poll() is not None


class PureLayouts(LayoutCache):
    """Layouts compiled without the extension's ReadPlan: the pure-Python decode and checks."""

    def learn(self, data, fields, ident=None):
        return VERSIONS[data[0]].compile_layout(fields, data, plan_type=None)


def _python_loop(mp):
    mp.setattr(directory, "poll_listing", None)


def _pure_plans(mp):
    _python_loop(mp)
    pure = PureLayouts()
    mp.setattr(directory, "LAYOUTS", pure)
    mp.setattr(mapped, "LAYOUTS", pure)
    mp.setattr(mapped, "PLAN_TYPE", PurePlan)


def answers(sd, setup=None):
    """path -> ("values", the values) or ("error", kind, code, offset) of one poll of ``sd``."""
    with pytest.MonkeyPatch.context() as mp:
        if setup is not None:
            setup(mp)
        files, problems = sd.poll()
    got = {f.path: ("values", list(f.fields), f.values) for f in files}
    for e in problems:
        got[getattr(e, "path", None) or e.filename] = ("error", type(e).__name__, getattr(e, "code", None),
                                                       getattr(e, "offset", None))
    assert len(got) == len(files) + len(problems), "a path answered twice"
    return got


def same_poll(a, b) -> bool:
    if a.keys() != b.keys():
        return False
    for p in a:
        x, y = a[p], b[p]
        if x[0] != y[0]:
            return False
        if x[0] == "values":
            if not (same_answer(x[2], y[2]) and [f.label for f in x[1]] == [f.label for f in y[1]]):
                return False
        elif x != y:
            return False
    return True


def _value_bytes(image: bytes) -> list[int]:
    """Offsets a writer stores into (values, write buffers): changing them keeps the skeleton, mostly."""
    fields, errors = scan(image)
    assert not errors, errors
    if image[0] == 1:
        return [i for f in fields for i in range(f.write_buffer_offset, f.end)]
    end = v2layout.Layout(fields, image, plan_type=None).entries_end
    return list(range(end, len(image)))


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(descriptions, max_size=3), st.lists(v2_files(), max_size=3), st.booleans(), st.data())
def test_compiled_poll_answers_as_the_python_loop_and_the_pure_plans(v1, v2, mapped_, data):
    images = [bytes(mf.build_file(records)) for records in v1] + [bytes(m2.build(spec).data) for spec in v2]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, image in enumerate(images):
            paths.append(os.path.join(tmp, f"f{i}.mmstats"))
            with open(paths[-1], "wb") as out:
                out.write(image)
        with open(os.path.join(tmp, "other.txt"), "wb") as out:
            out.write(b"not a stats file")
        default = mf.StatsDirectory(tmp, mapped=mapped_)
        loop = mf.StatsDirectory(tmp, mapped=mapped_)
        pure = mf.StatsDirectory(tmp, mapped=mapped_)
        try:
            for round_ in range(4):
                a, b, c = answers(default), answers(loop, _python_loop), answers(pure, _pure_plans)
                assert same_poll(a, b), (round_, a, b)
                assert same_poll(a, c), (round_, a, c)
                assert len(a) == len(images)
                for i, image in enumerate(images):  # bytes stored in place, as a live writer stores them
                    if not data.draw(st.booleans(), label=f"change f{i}"):
                        continue
                    where = _value_bytes(image)
                    anywhere = data.draw(st.integers(0, 9), label="anywhere") == 0 or not where
                    at = data.draw(st.integers(0, len(image) - 1) if anywhere else st.sampled_from(where), label="at")
                    patch_file(paths[i], at, bytes([data.draw(st.integers(0, 255), label="byte")]))
        finally:
            default.close()
            loop.close()
            pure.close()


def _v2_spec(sequenced=True):
    """A version 2 file; ``sequenced``: with a string and a histogram (whose copying reader is the
    Python sequence protocol: only numbers have a compiled copying plan)."""
    fields = (m2.Field2("c", "counter", "u64", slots=(1, 2)), m2.Field2("g", "gauge", "f64", value=-0.5))
    if sequenced:
        fields += (m2.Field2("s", "string", "utf8", value=b"abc", capacity=8, seq=2),
                   m2.Field2("h", "histogram", "f64", bounds=(1.0,), slots=((0.5, (1, 0), 2), (3.0, (0, 1), 4))))
    return m2.File2(fields=fields, slot_count=3, slots_used=2, meta_capacity=512, process_capacity=64, slot_size=64)


def _v2_image(sequenced=True):
    """(the bytes of _v2_spec's file, where its first field's value is)."""
    image = m2.build(_v2_spec(sequenced))
    return bytes(image.data), image.entries[0].value_at


@pytest.mark.parametrize("mapped_", [False, True], ids=["copying", "mapped"])
def test_values_stored_in_place_are_read_without_python_per_file(tmp_path, monkeypatch, mapped_):
    """After the first poll, a poll of files whose values changed in place (same inode, same layout)
    hands no file back to the per-file Python path, and sees every new value (pure Python: the
    per-file loop meets every name, and sees the same values)."""
    image, counter_at = _v2_image(sequenced=mapped_)
    v1 = bytes(mf.build_file([{"label": "q", "type": "Q", "write_buffer": 255, "value": 9}]))
    v1_at = scan(v1)[0][0].value_offset
    for k in range(3):
        (tmp_path / f"v2-{k}.mmstats").write_bytes(image)
        (tmp_path / f"v1-{k}.mmstats").write_bytes(v1)
    (tmp_path / "other.txt").write_text("x")
    handed = []
    real = directory.StatsDirectory._one

    def one(self, name, *args):
        handed.append(name)
        return real(self, name, *args)

    monkeypatch.setattr(directory.StatsDirectory, "_one", one)
    with mf.StatsDirectory(tmp_path, mapped=mapped_) as sd:
        first, problems = sd.poll()
        assert problems == [] and len(first) == 6
        assert sorted(handed) == sorted(os.listdir(tmp_path))  # all new: the Python path met each once
        for n in range(3):
            handed.clear()
            for k in range(3):
                patch_file(tmp_path / f"v2-{k}.mmstats", counter_at, (1000 * n + k).to_bytes(8, "little"))
                patch_file(tmp_path / f"v1-{k}.mmstats", v1_at, (2000 * n + k).to_bytes(8, "little"))
            files, problems = sd.poll()
            # compiled: none ("other.txt" is remembered as not matching)
            assert problems == [] and sorted(handed) == ([] if accel.poll_listing else sorted(os.listdir(tmp_path)))
            got = {os.path.basename(f.path): f.values[0] for f in files}
            assert got == {**{f"v2-{k}.mmstats": 1000 * n + k + 2 for k in range(3)},  # + the second slot's 2
                           **{f"v1-{k}.mmstats": 2000 * n + k for k in range(3)}}
        assert sd.open_files == (9 if mapped_ else 6)


def test_a_file_gone_from_the_listing_is_forgotten_and_its_descriptors_closed(tmp_path):
    image, _ = _v2_image()
    for k in range(3):
        (tmp_path / f"{k}.mmstats").write_bytes(image)
    with mf.StatsDirectory(tmp_path, mapped=True) as sd:
        assert len(sd.poll()[0]) == 3 and sd.open_files == 6
        os.unlink(tmp_path / "1.mmstats")
        files, problems = sd.poll()
        assert problems == [] and sorted(os.path.basename(f.path) for f in files) == ["0.mmstats", "2.mmstats"]
        assert sd.open_files == 4 and sorted(sd._files) == ["0.mmstats", "2.mmstats"]


def test_a_missing_directory_raises_as_the_listing_does(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        mf.StatsDirectory(tmp_path / "nope").poll()
    assert e.value.filename == str(tmp_path / "nope")


@pytest.mark.parametrize("mapped_", [False, True], ids=["copying", "mapped"])
def test_a_string_length_past_its_capacity_stored_between_polls_is_named_at_every_poll(tmp_path, mapped_):
    """The copying reader's sequence protocol gave (None, copy) for a copy without the layout's
    skeleton: the poll handed out no values, and the next one failed on them (found by the test above)."""
    image, _ = _v2_image()
    other = m2.build(m2.File2(fields=(), meta_capacity=8, process_capacity=8, slot_size=8))  # (a second file)
    path = tmp_path / "s.mmstats"
    path.write_bytes(image)
    (tmp_path / "empty.mmstats").write_bytes(bytes(other.data))
    at = m2.build(_v2_spec()).entries[2].value_at + d.S_LENGTH  # the string "s"
    with mf.StatsDirectory(tmp_path, mapped=mapped_) as sd:
        files, problems = sd.poll()
        assert problems == [] and len(files) == 2
        patch_file(path, at, (9).to_bytes(4, "little"))  # capacity 8
        for _ in range(3):
            files, problems = sd.poll()
            assert [os.path.basename(f.path) for f in files] == ["empty.mmstats"]
            assert [(p.code, p.offset, p.path) for p in problems] == [("bad_string_length", at, str(path))]
