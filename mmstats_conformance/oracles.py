"""Oracle tables every codec's tests read: CPython's float repr and UTF-8 decoding with replacement.

The canonical JSON spells floats as Python's repr and strings as bytes.decode("utf-8", "replace")
(maximal subparts). Codecs in other languages implement both by hand; these tables, generated once here
and checked by `generate --check`, are the oracle their tests compare against.

    oracles/float-repr.txt    HEXBITS KIND REPR   KIND d: binary64 (16 hex digits); f: binary32 (8), widened
    oracles/utf8-replace.txt  HEXBYTES HEXUTF8    the UTF-8 of bytes.decode("utf-8", "replace")
"""
from __future__ import annotations

import math
import random
import struct

__all__ = ["oracle_files"]

_SEED = 20111128


def _d2bits(v: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def _bits2d(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def _finite(b: int) -> bool:
    return (b >> 52) & 0x7FF != 0x7FF


def _doubles(rng: random.Random) -> list[int]:
    specials = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 0.5, 0.25, 1.5, 2.5, 1 / 3, 2 / 3, 100.0,
                1e15, 1e16, 9999999999999998.0, 1e21, 1e22, 1e23, 1e-4, 1e-5, 9.999e-5, 9.5e-5, 0.00012345,
                123.456, 123456789.0, 123456789.125, 1234567890123456.0, 12345678901234567.0,
                123456789012345678.0, 12345678901234567890.0, 5e-324, 2.2250738585072014e-308,
                2.225073858507201e-308, 1.7976931348623157e308, 2.0 ** 53, 2.0 ** 53 + 2, 9007199254740993.0,
                2.0 ** 63, 2.0 ** 64, 2.718281828459045, 3.141592653589793, 1700000000.25, 2.3333333333333335]
    out = [_d2bits(v) for v in specials]
    out += [_d2bits(float(f"1e{e}")) for e in range(-325, 310, 7)]
    # powers of two: the uneven rounding interval just below them
    out += [_d2bits(math.ldexp(1.0, rng.randrange(-1074, 1024))) for _ in range(64)]
    out += [rng.getrandbits(64) for _ in range(400)]  # any exponent
    # magnitudes where the text switches between fixed and scientific notation
    out += [(rng.getrandbits(1) << 63) | (rng.randrange(1003, 1093) << 52) | rng.getrandbits(52) for _ in range(200)]
    out += [_d2bits(rng.choice([1, -1]) * rng.uniform(1, 10) * 10.0 ** rng.choice([-6, -5, -4, -3, 14, 15, 16, 17]))
            for _ in range(100)]
    out += [_d2bits(round(rng.uniform(-1e6, 1e6), rng.randrange(0, 6))) for _ in range(100)]  # short decimals
    # binary32 values widened, as a reader widens an `f` field before printing it
    out += [_d2bits(struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]) for _ in range(100)]
    seen: set[int] = set()
    return [b for b in out if _finite(b) and not (b in seen or seen.add(b))]


def _floats(rng: random.Random) -> list[int]:
    specials = [0.1, 1 / 3, 3.14159, 1e-45, 3.4028234663852886e38, 1.1754943508222875e-38, 16777217.0, -2.5]
    out = [struct.unpack("<I", struct.pack("<f", v))[0] for v in specials]
    out += [rng.getrandbits(32) for _ in range(200)]
    seen: set[int] = set()
    return [b for b in out if (b >> 23) & 0xFF != 0xFF and not (b in seen or seen.add(b))]


def float_repr_text() -> str:
    rng = random.Random(_SEED)
    lines = [f"{b:016x} d {_bits2d(b)!r}" for b in _doubles(rng)]
    lines += [f"{b:08x} f {struct.unpack('<f', struct.pack('<I', b))[0]!r}" for b in _floats(rng)]
    return "\n".join(lines) + "\n"


_INTERESTING = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
                0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]


def utf8_replace_text() -> str:
    rng = random.Random(_SEED)
    cases = [bytes([a, b]) for a in _INTERESTING for b in _INTERESTING]
    cases += [bytes(rng.choice(_INTERESTING) for _ in range(rng.randrange(1, 9))) for _ in range(1500)]
    cases += ["✓ é 😀 €".encode() + bytes([0xE2, 0x82]), bytes.fromhex("61F18080E180C262806380BF64")]
    return "".join(f"{b.hex()} {b.decode('utf-8', 'replace').encode('utf-8').hex()}\n" for b in cases)


def oracle_files() -> dict[str, bytes]:
    """The oracle tables, by path relative to conformance/."""
    return {"oracles/float-repr.txt": float_repr_text().encode("ascii"),
            "oracles/utf8-replace.txt": utf8_replace_text().encode("ascii")}
