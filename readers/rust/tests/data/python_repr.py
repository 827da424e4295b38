"""Writes python-repr.txt: binary64 bit patterns and CPython's repr() of each (the oracle of
tests/canonical.rs). Run from this directory: python3 python_repr.py > python-repr.txt"""
import random
import struct

rng = random.Random(20240601)
values = [0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e308, 123456789.125, 0.3333333333333333, 2.0 ** 53, 2.0 ** 64, 1e22, 1e23]
bits = [struct.unpack("<Q", struct.pack("<d", v))[0] for v in values]
bits += [rng.getrandbits(64) for _ in range(300)]                       # any exponent
bits += [(rng.getrandbits(1) << 63) | (rng.randrange(1003, 1093) << 52) | rng.getrandbits(52) for _ in range(200)]
for _ in range(100):                                                    # float32 values, widened
    f32 = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
    bits.append(struct.unpack("<Q", struct.pack("<d", f32))[0])
print("# bits-of-binary64 repr  (finite values only)")
for b in bits:
    v = struct.unpack("<d", struct.pack("<Q", b))[0]
    if v == v and v not in (float("inf"), float("-inf")):
        print(f"{b:016x} {v!r}")
