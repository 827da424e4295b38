"""Structure-aware mutations of mmstats files, driven by any source of random choices.

Both fuzzers use it: hypothesis passes its ``draw``-backed chooser, atheris a
FuzzedDataProvider-backed one. Mutations aim at the record area (the bytes
before the zero fill), where the interesting structure is, but also cut,
grow and splice whole files.
"""
from __future__ import annotations

__all__ = ["mutate", "used_end", "MUTATIONS"]

MUTATIONS = ("set_byte", "flip_bit", "set_u16", "insert", "delete", "truncate", "append", "splice", "page_pad",
             "copy_within")


def used_end(data: bytes) -> int:
    """One past the last non-zero byte (at least 1): the record area of a well-formed file."""
    end = len(data.rstrip(b"\0"))
    return max(end, 1)


def mutate(data: bytes, choose, donors) -> bytes:
    """Apply one mutation picked by ``choose``: choose(n) -> an int in [0, n), choose.bytes(n) -> bytes."""
    buf = bytearray(data)
    kind = MUTATIONS[choose(len(MUTATIONS))]
    hot = used_end(buf) + 4  # positions up to a little past the record area

    def pos(span=None):
        span = min(span or hot, len(buf)) if buf else 0
        return choose(span) if span else 0

    if kind == "set_byte" and buf:
        buf[pos()] = choose(256)
    elif kind == "flip_bit" and buf:
        buf[pos()] ^= 1 << choose(8)
    elif kind == "set_u16" and len(buf) >= 2:  # label_size / type_size are u16: interesting values
        at = min(pos(), len(buf) - 2)
        value = (0, 1, 2, 0xff, 0x100, 0x7fff, 0xffff, len(buf) & 0xffff, choose(1 << 16))[choose(9)]
        buf[at:at + 2] = value.to_bytes(2, "little")
    elif kind == "insert":
        at = pos() if buf else 0
        buf[at:at] = choose.bytes(1 + choose(16))
    elif kind == "delete" and buf:
        at = pos()
        del buf[at:at + 1 + choose(16)]
    elif kind == "truncate":
        del buf[pos(len(buf) + 1) if buf else 0:]
    elif kind == "append":
        buf += (b"\0" * 4096) if choose(2) else choose.bytes(1 + choose(64))
    elif kind == "splice" and donors:
        donor = donors[choose(len(donors))]
        d_end = used_end(donor)
        start = choose(d_end)
        piece = donor[start:start + 1 + choose(64)]
        at = pos() if buf else 0
        buf[at:at + len(piece)] = piece
    elif kind == "page_pad":  # make the size a page multiple again after inserts/deletes
        end = used_end(buf)
        buf = buf[:end] + bytes(-end % 4096)
    elif kind == "copy_within" and len(buf) > 2:
        a, b = pos(), pos()
        n = 1 + choose(32)
        buf[b:b + n] = buf[a:a + n]
    return bytes(buf)
