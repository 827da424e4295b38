"""The spec's reader rule for buffered values ("Reading a buffered value", steps 3 and 4),
for readers that copy a whole file at a time: read(), StatsReader and StatsDirectory."""
from __future__ import annotations

from itertools import islice

__all__ = ["RETRIES", "settle", "alternating"]

RETRIES = 3  # copies after the first before a flipping value is taken as it is


def settle(copy, copies, key):
    """The copy to decode.

    ``copy`` was just made; ``copies`` yields the next copies of the file, each made
    at once after the one before (None: it came back another size, so keep ``copy``).
    ``key(buf)`` gives the bytes a writer changes when it flips a buffer (the
    write-buffer bytes). A copy is kept when the key did not change while it was
    made; otherwise the newer copy is checked the same way, RETRIES times at most,
    then it is a sample that may be torn (spec: what v1 cannot guarantee).
    Nothing is decoded between copies: that widened the window (torture: 13 torn
    values per million instead of 1 at 10 us steps).
    """
    for again in islice(copies, RETRIES):
        if again is None or again == copy or key(again) == key(copy):
            break
        copy = again
    return copy


def alternating(first, second, fill):
    """Copies into ``second``, then ``first``, then ``second``...: ``fill(buf)`` copies the file
    into ``buf`` and says whether it came back the same size. Two buffers suffice for settle(),
    which keeps only the newest copy."""
    while True:
        yield second if fill(second) else None
        first, second = second, first
