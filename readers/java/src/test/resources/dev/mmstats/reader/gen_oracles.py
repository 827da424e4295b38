"""Writes the oracle files of the Java reader's tests from CPython (run from this directory):

    ../../../../../../../../.venv/bin/python gen_oracles.py

python-repr.txt   HEXBITS KIND REPR: a binary64 (d) or binary32 (f, widened) value and Python's repr of it
python-utf8.txt   HEXBYTES HEXUTF8: bytes and the UTF-8 of bytes.decode("utf-8", "replace") (maximal subparts)
"""
import math
import random
import struct

rng = random.Random(20111)


def doubles():
    specials = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 100.0, 1e16, 1e15, 1e-4, 1e-5, 9.999e-5,
                123456789012345678.0, 1234567890123456.0, 12345678901234567.0, 5e-324, 2.2250738585072014e-308,
                2.225073858507201e-308, 1.7976931348623157e308, 9007199254740993.0, 2.0 ** 53, 2.0 ** 63,
                2.0 ** 64, 0.5, 0.25, 1.5, 2.5, 1e22, 1e23, 1e21, 9.5e-5, 123.456, 2.718281828459045,
                3.141592653589793, 1700000000.25, 2.3333333333333335]
    for v in specials:
        yield struct.unpack("<Q", struct.pack("<d", v))[0]
    for e in range(-325, 310, 7):
        yield struct.unpack("<Q", struct.pack("<d", float(f"1e{e}")))[0]
    for k in range(1, 64):  # powers of two: the uneven rounding interval below them
        yield struct.unpack("<Q", struct.pack("<d", math.ldexp(1.0, rng.randrange(-1074, 1024))))[0]
    for _ in range(300):
        bits = rng.getrandbits(64)
        if (bits >> 52) & 0x7FF != 0x7FF:
            yield bits
    for _ in range(100):  # short decimals
        yield struct.unpack("<Q", struct.pack("<d", round(rng.uniform(-1e6, 1e6), rng.randrange(0, 6))))[0]


def floats():
    for v in [0.1, 1 / 3, 3.14159, 1e-45, 3.4028234663852886e38, 1.1754943508222875e-38, 16777217.0, -2.5]:
        yield struct.unpack("<I", struct.pack("<f", v))[0]
    for _ in range(150):
        bits = rng.getrandbits(32)
        if (bits >> 23) & 0xFF != 0xFF:
            yield bits


with open("python-repr.txt", "w") as out:
    for bits in doubles():
        (v,) = struct.unpack("<d", struct.pack("<Q", bits))
        out.write(f"{bits:016x} d {v!r}\n")
    for bits in floats():
        (v,) = struct.unpack("<f", struct.pack("<I", bits))
        out.write(f"{bits:08x} f {v!r}\n")

INTERESTING = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
               0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
with open("python-utf8.txt", "w") as out:
    cases = [bytes([a, b]) for a in INTERESTING for b in INTERESTING]
    cases += [bytes(rng.choice(INTERESTING) for _ in range(rng.randrange(1, 9))) for _ in range(1500)]
    cases += ["✓ é 😀 €".encode() + bytes([0xE2, 0x82]), bytes.fromhex("61F18080E180C262806380BF64")]
    for b in cases:
        out.write(f"{b.hex()} {b.decode('utf-8', 'replace').encode('utf-8').hex()}\n")
