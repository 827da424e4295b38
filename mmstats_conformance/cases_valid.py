"""valid/<topic>/<case>: well-formed files, authored as tables of records.

Each row is (name, description, records). Every record states the value a
reader must return (directly, or as the stored value it is derived from); see
model.expected_value. Floats that are not exact in decimal and every NaN are
given by bit pattern together with the expected JSON value.
"""
from __future__ import annotations

import math

from mmstats_format.schema import PAGE_SIZE

from .case import ValidCase
from .model import b, end_at, f32, f64, u

__all__ = ["valid_cases"]

I64_MIN, I64_MAX, U64_MAX = -2 ** 63, 2 ** 63 - 1, 2 ** 64 - 1


def _integers():
    return [
        ("minima", "the smallest value of every integer type", [
            u("b", "b", -128), u("B", "B", 0), u("h", "h", -32768), u("H", "H", 0),
            u("i", "i", -2 ** 31), u("I", "I", 0), u("q", "q", I64_MIN), u("Q", "Q", 0)]),
        ("maxima", "the largest value of every integer type", [
            u("b", "b", 127), u("B", "B", 255), u("h", "h", 32767), u("H", "H", 65535),
            u("i", "i", 2 ** 31 - 1), u("I", "I", 2 ** 32 - 1), u("q", "q", I64_MAX), u("Q", "Q", U64_MAX)]),
        ("u64-max", "18446744073709551615 must stay exact (no float64 on the way to JSON)", [
            u("u64.max", "Q", U64_MAX), b("u64.max.buffered", "Q", U64_MAX, stale=1, wb=0)]),
        ("i64-min", "-9223372036854775808 must stay exact", [
            u("i64.min", "q", I64_MIN), b("i64.min.buffered", "q", I64_MIN, stale=-1, wb=1)]),
        ("minus-one", "-1 in every signed type (all bits set)", [
            u("b", "b", -1), u("h", "h", -1), u("i", "i", -1), u("q", "q", -1)]),
        ("high-bit-unsigned", "unsigned values with the top bit set must not be sign-extended", [
            u("B", "B", 0x80), u("H", "H", 0x8000), u("I", "I", 0x80000000), u("Q", "Q", 2 ** 63)]),
        ("beyond-float64", "integers a float64 cannot hold exactly", [
            u("Q.2^53+1", "Q", 2 ** 53 + 1), u("q.-(2^53+1)", "q", -(2 ** 53 + 1)),
            u("Q.big", "Q", 12345678901234567890), u("q.big", "q", -1234567890123456789)]),
        ("little-endian", "byte order: every multi-byte integer is little-endian", [
            u("h", "h", 0x0102), u("H", "H", 0xFEDC), u("i", "i", 0x01020304), u("I", "I", 0xF1F2F3F4),
            u("q", "q", 0x0102030405060708), u("Q", "Q", 0xF1F2F3F4F5F6F7F8)]),
        ("zero", "zero in every integer type", [u(t, t, 0) for t in "bBhHiIqQ"]),
    ]


def _booleans():
    return [
        ("false-and-true", "the bytes 0 and 1", [u("off", "?", 0), u("on", "?", 1)]),
        ("non-zero-is-true", "any non-zero byte is true", [
            u("two", "?", 2), u("x80", "?", 0x80), u("xff", "?", 0xFF)]),
        ("buffered", "buffered booleans read the buffer opposite the write buffer", [
            b("wb1", "?", 1, stale=0, wb=1), b("wb0", "?", 0, stale=1, wb=0)]),
    ]


def _floats():
    return [
        ("negative-zero", "-0.0 keeps its sign; 0.0 does not have one", [
            u("f.-0", "f", -0.0), u("d.-0", "d", -0.0), u("f.+0", "f", 0.0), u("d.+0", "d", 0.0)]),
        ("nan-sign-bits", "quiet NaN with and without the sign bit", [
            u("f.+nan", "f", f32(0x7FC00000, "NaN")), u("f.-nan", "f", f32(0xFFC00000, "NaN")),
            u("d.+nan", "d", f64(0x7FF8000000000000, "NaN")), u("d.-nan", "d", f64(0xFFF8000000000000, "NaN"))]),
        ("nan-payloads", "NaNs with payloads, signalling NaNs, all-ones: every one reads as \"NaN\"", [
            u("f.payload", "f", f32(0x7FC00001, "NaN")), u("f.signalling", "f", f32(0x7F800001, "NaN")),
            u("f.all-ones", "f", f32(0xFFFFFFFF, "NaN")), u("d.payload", "d", f64(0x7FF8000000000001, "NaN")),
            u("d.signalling", "d", f64(0x7FF0000000000001, "NaN")),
            u("d.all-ones", "d", f64(0xFFFFFFFFFFFFFFFF, "NaN")),
            u("d.neg-signalling", "d", f64(0xFFF0000000000001, "NaN"))]),
        ("infinities", "positive and negative infinity", [
            u("f.+inf", "f", math.inf), u("f.-inf", "f", -math.inf),
            u("d.+inf", "d", math.inf), u("d.-inf", "d", -math.inf)]),
        ("subnormals", "the smallest and largest subnormals, and a negative one", [
            u("f.min", "f", f32(0x00000001, 1.401298464324817e-45)),
            u("f.max", "f", f32(0x007FFFFF, 1.1754942106924411e-38)),
            u("f.neg", "f", f32(0x80000001, -1.401298464324817e-45)),
            u("d.min", "d", 5e-324), u("d.max", "d", 2.225073858507201e-308), u("d.neg", "d", -5e-324)]),
        ("float32-not-exact-in-decimal", "binary32 values widened to binary64: 0.1f is 0.10000000149011612", [
            u("0.1f", "f", f32(0x3DCCCCCD, 0.10000000149011612)),
            u("1/3f", "f", f32(0x3EAAAAAB, 0.3333333432674408)),
            u("1.1f", "f", f32(0x3F8CCCCD, 1.100000023841858)),
            u("pi.f", "f", f32(0x40490FDB, 3.1415927410125732)),
            u("1+ulp.f", "f", f32(0x3F800001, 1.0000001192092896)),
            u("2^24+2.f", "f", f32(0x4B800001, 16777218.0))]),
        ("float32-extremes", "largest finite, smallest normal and most negative binary32", [
            u("f.max", "f", f32(0x7F7FFFFF, 3.4028234663852886e38)),
            u("f.min-normal", "f", f32(0x00800000, 1.1754943508222875e-38)),
            u("f.lowest", "f", f32(0xFF7FFFFF, -3.4028234663852886e38))]),
        ("float64-extremes", "largest finite, smallest normal and most negative binary64", [
            u("d.max", "d", 1.7976931348623157e308), u("d.min-normal", "d", 2.2250738585072014e-308),
            u("d.lowest", "d", -1.7976931348623157e308)]),
        ("shortest-round-trip", "values whose text needs 17 significant digits or an exponent", [
            u("0.1+0.2", "d", 0.30000000000000004), u("2/3", "d", 2 / 3),
            u("1+ulp", "d", 1.0000000000000002), u("1e16", "d", 1e16), u("1e-7", "d", 1e-7),
            u("2^53+2", "d", 9007199254740994.0), u("1e300", "d", 1e300), u("-123.456", "d", -123.456)]),
        ("integral-values", "whole-number floats are still floats", [
            u("f.1", "f", 1.0), u("f.-2", "f", -2.0), u("d.1", "d", 1.0), u("d.big", "d", 1e22)]),
    ]


def _strings():
    return [
        ("empty", "a never-written string area is all NUL and reads as \"\"", [u("s16", "16s", "")]),
        ("fills-whole-size", "a value of exactly N bytes has no NUL", [
            u("s5", "5s", "12345"), u("s1", "1s", "x"), u("s3.utf8", "3s", "€")]),
        ("stale-bytes-after-nul", "the value ends at the first NUL; old bytes after it are not part of it", [
            u("shrunk", "32s", b"short\0 longer earlier value", expect="short"),
            u("emptied", "8s", b"\0garbage", expect=""),
            u("nul-in-middle", "8s", b"ab\0cd\0ef", expect="ab")]),
        ("zero-size", "type 0s: a zero-length value reads as \"\"", [
            u("s0", "0s", b""), b("s0.buffered", "0s", b"", wb=1), u("after", "I", 7)]),
        ("multi-byte-utf8", "two-, three- and four-byte UTF-8 characters; a four-byte one ending the area", [
            u("two", "16s", "çé ñ"), u("three", "16s", "日本語 €"), u("four", "16s", "😀🎉"),
            u("ends-on-four", "6s", "ab😀")]),
        ("invalid-utf8", "bytes cut inside a character: the ill-formed tail reads as U+FFFD", [
            u("cut", "8s", b"abcdef\xe2\x82", expect="abcdef\ufffd")]),
        ("large", "a 3000-byte string spanning most of a page", [u("big", "3000s", "0123456789" * 300)]),
        ("invalid-utf8-kinds", "each maximal ill-formed subpart becomes one U+FFFD", [
            u("lone-continuation", "8s", b"a\x80b", expect="a\ufffdb"),
            u("overlong", "8s", b"\xc0\xaf", expect="\ufffd\ufffd"),
            u("surrogate", "8s", b"\xed\xa0\x80", expect="\ufffd\ufffd\ufffd"),
            u("above-10ffff", "8s", b"\xf4\x90\x80\x80", expect="\ufffd\ufffd\ufffd\ufffd"),
            u("byte-ff", "8s", b"\xff", expect="\ufffd"),
            u("cut-four-byte", "8s", b"\xf0\x9f\x98x", expect="\ufffdx")]),
    ]


# Two distinct values per type: (what the reader reads, what the other buffer holds).
_PAIRS = {
    "b": (-5, 6), "B": (200, 7), "h": (-300, 301), "H": (60000, 8), "i": (-70000, 70001),
    "I": (3000000000, 9), "q": (-(2 ** 40), 2 ** 40), "Q": (2 ** 63 + 5, 10), "f": (1.5, -2.25),
    "d": (0.1, 99.5), "?": (1, 0), "8s": ("fresh", "stale!!!"),
}


def _buffering():
    return [
        ("wb0-every-type", "write buffer 0: the reader reads value[1]; value[0] holds a different stale value",
         [b(f"{t}.wb0", t, r, stale=s, wb=0) for t, (r, s) in _PAIRS.items()]),
        ("wb1-every-type", "write buffer 1: the reader reads value[0]; value[1] holds a different stale value",
         [b(f"{t}.wb1", t, r, stale=s, wb=1) for t, (r, s) in _PAIRS.items()]),
        ("unbuffered-every-type", "write buffer 0xff: one value of every type",
         [u(f"{t}.unbuffered", t, r) for t, (r, _) in _PAIRS.items()]),
        ("never-written", "fresh buffered fields: write buffer 0, both buffers zero",
         [b(f"{t}.fresh", t, 0 if t != "8s" else "", wb=0) for t in _PAIRS]),
        ("mixed", "buffered and unbuffered records alternating, with both write-buffer values",
         [b("a", "I", 1, stale=2, wb=0), u("b", "I", 3), b("c", "d", 4.5, stale=5.5, wb=1), u("d", "?", 1),
          b("e", "16s", "read me", stale="not me", wb=0), u("f", "h", -6), b("g", "Q", 7, stale=8, wb=1)]),
    ]


def _labels():
    return [
        ("utf8", "labels with two-, three- and four-byte UTF-8 characters", [
            u("temp.°C", "d", 21.5), u("名前.日本", "I", 1), u("emoji.😀", "I", 2), u("ünïcödé", "I", 3)]),
        ("one-byte", "a one-byte label", [u("a", "I", 1)]),
        ("size-255", "a 255-byte label (label size ff 00)", [u("L" * 255, "I", 255)]),
        ("size-256", "a 256-byte label: label size bytes 00 01, the low byte zero is not a terminator",
         [u("M" * 256, "I", 256), u("next", "I", 1)]),
        ("size-512", "a 512-byte label: label size bytes 00 02", [u("N" * 512, "b", 5), u("next", "I", 2)]),
        ("size-65535", "the largest label, 65535 bytes, in a file of 17 pages",
         [u("x" * 65535, "Q", 65535), u("after", "I", 1)]),
        ("json-escapes", "labels that need escaping in JSON: quote, backslash, slash, control characters", [
            u('quote"d', "I", 1), u("back\\slash", "I", 2), u("a/b", "I", 3), u("tab\there", "I", 4),
            u("new\nline", "I", 5), u("bell\x07", "I", 6)]),
        ("dots-and-spaces", "labels are opaque text: spaces, dots, leading and trailing punctuation", [
            u(" leading space", "I", 1), u("trailing space ", "I", 2), u(".", "I", 3), u("a..b", "I", 4)]),
        ("duplicates", "two fields with the same label: both are read, in file order", [
            u("same", "I", 1), b("same", "I", 2, stale=3, wb=1), u("other", "I", 4)]),
        ("control-characters", "well-formed labels holding U+0000 and an escape sequence are still valid", [
            u("nul\x00inside", "I", 1), u("\x1b[31mred\x1b[0m", "I", 2), u("\x7f", "I", 3)]),
    ]


def _files():
    first = [b("requests", "Q", 42, stale=41, wb=1), u("name", "16s", "files")]
    crossing = end_at([u("head", "I", 1)], PAGE_SIZE - 10) + [b("across", "d", 2.5, stale=-1.0, wb=0), u("tail", "I", 3)]
    return [
        ("no-fields", "the version byte and zero fill: a file with no fields", []),
        ("single-field", "one record, then the terminator", [u("only", "Q", 1)]),
        ("several-pages", "records spread over three pages", [
            u(f"chunk.{i}", "1500s", f"chunk {i}") for i in range(6)] + [b("last", "Q", 6, stale=5, wb=0)]),
        ("record-crossing-page-boundary", "a buffered record starting 10 bytes before offset 4096", crossing),
        ("exact-page", "records end exactly at 4096: no terminator, the end of file ends the list",
         end_at(first, PAGE_SIZE)),
        ("exact-two-pages", "records end exactly at 8192: no terminator", end_at(first, 2 * PAGE_SIZE)),
        ("lone-zero-byte", "records end at 4095: the one zero byte left ends the list", end_at(first, PAGE_SIZE - 1)),
        ("terminator-at-page-end", "records end at 4094: the zero label size is the file's last two bytes",
         end_at(first, PAGE_SIZE - 2)),
    ]


def _extra_zero_pages():
    return ValidCase("files", "zero-pages-after-terminator", "records on page one, then two more pages of zeros",
                     [u("only", "I", 1)], tail=bytes(2 * PAGE_SIZE))


def _defaults():
    # The Python writer's default fields (0.8's set: labels, types, unbuffered), fixed values.
    fields = [("sys.pid", "I", 4242), ("sys.tid", "q", 4243), ("sys.uid", "Q", 1000), ("sys.gid", "Q", 1000),
              ("org.python.version", "256s", "3.12.1 (main, Jan  1 2026, 00:00:00) [GCC 13.2.0]"),
              ("sys.created", "d", 1767225600.125)]
    return [
        ("python-writer", "the default fields of the Python writer, fixed values",
         [u(lab, t, v) for lab, t, v in fields]),
        ("prefixed", "the default fields after a user field, all with a label prefix",
         [b("app.hits", "Q", 3, stale=2, wb=1)] + [u("app." + lab, t, v) for lab, t, v in fields]),
        ("extreme-values", "default fields holding their types' extremes (a 32-bit pid, a negative tid)",
         [u("sys.pid", "I", 2 ** 32 - 1), u("sys.tid", "q", -1), u("sys.uid", "Q", U64_MAX),
          u("sys.gid", "Q", 0), u("org.python.version", "256s", "v" * 256), u("sys.created", "d", 0.0)]),
    ]


def valid_cases() -> list[ValidCase]:
    out = []
    for topic, rows in (("integers", _integers()), ("booleans", _booleans()), ("floats", _floats()),
                        ("strings", _strings()), ("buffering", _buffering()), ("labels", _labels()),
                        ("files", _files()), ("defaults", _defaults())):
        out += [ValidCase(topic, name, desc, recs) for name, desc, recs in rows]
    out.append(_extra_zero_pages())
    return out
