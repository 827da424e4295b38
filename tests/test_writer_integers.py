"""Integers out of their type's range: refused by default, stored modulo 2**bits with wrap=True.

Slot-level checks run against every importable implementation (the C
accelerator and the pure-Python slots must agree, messages included); the
expected values come from the type's bounds and Python's own arithmetic.
"""
from __future__ import annotations

import pytest

import mmstats
from mmstats import _slots
from mmstats.lowlevel import create_file, open_new
from mmstats_format import read
from mmstats_format.v1.types import lookup

IMPLS = _slots.implementations()
INTEGER_CODES = "bBhHiIqQ"


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    return IMPLS[request.param]


def bounds(code):
    spec = lookup(code)
    return spec.bounds, 8 * spec.size


@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("code", INTEGER_CODES)
def test_in_range_values_are_stored_and_out_of_range_ones_refused(tmp_path, impl, code, buffered):
    (lo, hi), bits = bounds(code)
    path = tmp_path / "r.mmstats"
    f = open_new(path, [("n", code, buffered)], impl=impl)
    for v in (lo, hi, 0, True):
        f["n"].set(v)
        assert f["n"].get() == v
    before = path.read_bytes()
    for bad in (lo - 1, hi + 1, 2 ** 64, -(2 ** 64), 2 ** 100):
        with pytest.raises(OverflowError) as e:
            f["n"].set(bad)
        assert str(e.value) == (f"mmstats field 'n' ({code}) holds {lo} to {hi}, not {bad}; "
                                f"create the field with wrap=True to store values modulo 2**{bits}")
        assert f["n"].current == 1 and path.read_bytes() == before  # nothing stored, nothing flipped
    f.close()


@pytest.mark.parametrize("code", INTEGER_CODES)
def test_wrap_true_stores_values_modulo_2_to_the_bits(tmp_path, impl, code):
    (lo, hi), bits = bounds(code)
    f = open_new(tmp_path / "w.mmstats", [("n", code, True)], impl=impl, wrap=True)
    assert f["n"].wrap is True
    for v in (lo - 1, hi + 1, -1, 2 ** 70 + 3, -(2 ** 64) - 5):
        f["n"].set(v)
        assert f["n"].get() == (v - lo) % 2 ** bits + lo
    f.close()


def test_incr_wraps_whatever_the_mode(tmp_path, impl):
    f = open_new(tmp_path / "c.mmstats", [("c", "Q", True), ("i", "i", False)], impl=impl)
    assert f["c"].wrap is False
    f["c"].set(2 ** 64 - 1)
    f["c"].incr()
    assert f["c"].get() == 0
    f["c"].incr(-1)
    assert f["c"].get() == 2 ** 64 - 1
    f["i"].set(2 ** 31 - 1)
    f["i"].incr()
    assert f["i"].get() == -(2 ** 31)
    f.close()


def test_initial_values_are_checked_too(tmp_path):
    with pytest.raises(OverflowError, match="wrap=True"):
        create_file(tmp_path / "a.mmstats", [("pid", "I", False, -1)])
    assert not (tmp_path / "a.mmstats").exists()
    f = create_file(tmp_path / "b.mmstats", [("pid", "I", False, -1)], wrap=True)
    assert [x.value for x in read(tmp_path / "b.mmstats")] == [2 ** 32 - 1]
    f.close()


def test_model_assignment_out_of_range_raises_and_keeps_the_file(tmp_path):
    class M(mmstats.BaseMmStats):
        port = mmstats.UIntField()
        small = mmstats.ByteField()
        legacy = mmstats.UIntField(wrap=True)
        hits = mmstats.CounterField()

    m = M(path=tmp_path)
    m.port = 8080
    before = open(m.filename, "rb").read()
    for name, v in (("port", -1), ("port", 2 ** 40), ("small", 128)):
        with pytest.raises(OverflowError, match=f"mmstats field '{name}'.*not {v}.*wrap=True"):
            setattr(m, name, v)
    with pytest.raises(OverflowError):
        m.hits.value = -1
    assert open(m.filename, "rb").read() == before
    m.legacy = -1
    m.hits.value = 2 ** 64 - 1
    m.hits.incr(2)  # a counter runs round, as the format says
    got = {x.label: x.value for x in read(m.filename)}
    assert (got["port"], got["legacy"], got["hits"]) == (8080, 2 ** 32 - 1, 1)
    m.remove()


def test_static_integers_out_of_range_fail_at_definition_unless_wrapping(tmp_path):
    with pytest.raises(OverflowError, match="wrap=True"):
        mmstats.StaticUIntField(value=-1)
    with pytest.raises(OverflowError):
        mmstats.StaticInt64Field(value=2 ** 63)

    class M(mmstats.BaseMmStats):
        pid = mmstats.StaticUIntField(value=-1, wrap=True)
        late = mmstats.StaticUIntField(value=lambda: 2 ** 32 + 7, wrap=True)

    m = M(path=tmp_path)
    assert (m.pid, m.late) == (2 ** 32 - 1, 7)
    m.remove()


def test_wrap_is_only_a_bool_and_only_on_integer_fields():
    with pytest.raises(TypeError, match="wrap"):
        mmstats.UIntField(wrap="yes")
    with pytest.raises(TypeError):
        mmstats.DoubleField(wrap=True)
    assert repr(mmstats.UIntField(label="x", wrap=True)) == "UIntField(label='x', wrap=True)"
