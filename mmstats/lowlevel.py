"""The low-level writer: create one stats file and update its fields.

    from mmstats.lowlevel import create_file
    f = create_file(path, [("requests", "Q", True), ("name", "16s", False)], mode=0o644)
    f["requests"].set(18)     # one update; f["requests"].get() is what a reader reads now
    f["requests"].incr()      # one update; a counter wraps round at 2**64
    f.close()                 # unmaps, keeps the file;  f.remove() also deletes it

A field is (label, type, buffered) or (label, type, buffered, initial): the
initial value is part of the image written at creation (a buffered field's
initial value sits in the buffer readers read; its write buffer is 0).
An integer outside its type's range (an initial value or a set()) raises
OverflowError; ``create_file(..., wrap=True)`` stores it modulo 2**bits
instead, as mmstats 0.8 did.
Set-up uses construct (mmstats_format.build) for the image and the scanner
for every offset; updates only store into the map. One writer per file: a
StatsFile is not meant to be shared between threads (the models give every
thread its own file).
"""
from __future__ import annotations

import os

from mmstats_format.v1 import offsets as o
from mmstats_format.v1.table import FORMAT_VERSION, PAGE_SIZE
from mmstats_format.v1.types import lookup
from mmstats_format.read import DEFAULT_MAX_SIZE
from mmstats_format.scan import scan

from . import _slots
from ._create import create_mapped, unlink_if_same
from ._errors import CreateError, MmstatsError, WriterError
from ._pyslots import encode_text, normalize

__all__ = ["create_file", "StatsFile", "CreateError", "WriterError", "MmstatsError", "IMPLEMENTATION", "check_mode"]

IMPLEMENTATION = _slots.IMPLEMENTATION
_NO_VALUE = object()
_MAX_LABEL = (1 << (8 * o.LABEL_SIZE_SIZE)) - 1
_MAX_TYPE = (1 << (8 * o.TYPE_SIZE_SIZE)) - 1


class StatsFile:
    """An open stats file: its path, its slots in file order, slots by label."""

    def __init__(self, path: str, mm, ident, slots):
        self.path = path
        self.slots = list(slots)
        self._by_label = {s.label: s for s in self.slots}
        self._mm = mm
        self._ident = ident
        self.size = len(mm)

    def __repr__(self):
        state = "closed" if self.closed else f"{len(self.slots)} fields"
        return f"<StatsFile {self.path!r} {state}>"

    def __getitem__(self, label: str):
        try:
            return self._by_label[label]
        except KeyError:
            raise KeyError(f"{self.path} has no field {label!r}") from None

    def __contains__(self, label) -> bool:
        return label in self._by_label

    def __iter__(self):
        return iter(self.slots)

    def __len__(self) -> int:
        return len(self.slots)

    @property
    def labels(self) -> list:
        return [s.label for s in self.slots]

    @property
    def closed(self) -> bool:
        return self._mm is None

    def flush(self) -> None:
        """Ask the kernel to write the map to disk now (msync); readers never need it."""
        if self._mm is not None:
            self._mm.flush()

    def close(self) -> None:
        """Unmap; the file stays. Later updates raise ValueError."""
        self._unmap(None)

    def remove(self) -> None:
        """Close and delete the file (only if the path still names the file we created)."""
        self.close()
        try:
            unlink_if_same(self.path, self._ident)
        except FileNotFoundError:
            pass

    def _detach(self) -> None:
        """Unmap, keep the slots working on a private copy: updates go nowhere.

        For the models: after remove(), and in a forked child for files of the parent.
        """
        if self._mm is not None:
            self._unmap(bytearray(self._mm))

    def _forget(self) -> None:
        """Unmap without touching the slots (they were bound elsewhere already)."""
        mm, self._mm = self._mm, None
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass

    def _unmap(self, scratch) -> None:
        mm, self._mm = self._mm, None
        if mm is None:
            return
        for s in self.slots:
            s._bind(scratch, s.offset, s.write_buffer_offset, s.value_offset)
        try:
            mm.close()
        except BufferError:  # someone still holds a view; the GC unmaps later
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def create_file(path, fields, mode: int = 0o644, *, wrap: bool = False) -> StatsFile:
    """Create a new stats file at ``path`` with ``fields`` and map it for writing.

    ``fields``: (label, type, buffered[, initial]) in file order. The file
    must not exist (see mmstats/_create.py); ``mode``: permission bits only
    (0 to 0o777), masked by the umask.
    ``wrap``: integers out of their type's range are stored modulo 2**bits
    instead of raising OverflowError.
    Raises CreateError (an MmstatsError and OSError) naming path and cause,
    ValueError/TypeError for a bad field list or mode.
    """
    return open_new(path, fields, mode, wrap=wrap)


def open_new(path, fields, mode: int = 0o644, *, slots=None, impl=None, wrap: bool = False) -> StatsFile:
    """create_file, binding the given unbound ``slots`` (or new ones of ``impl``)."""
    path = os.fspath(path)
    check_mode(mode)
    specs = [_field_spec(f) for f in fields]
    _check_unique(specs)
    if slots is None:
        slots = [_slots.make_slot(label, code, buffered, impl, wrap) for label, code, buffered, _ in specs]
    elif [(s.label, s.type) for s in slots] != [(label, code) for label, code, _, _ in specs]:
        raise ValueError("slots do not match the fields")
    image = build_image(specs, wrap)
    layouts = _layouts(image, specs, path)
    image[o.VERSION_OFFSET] = 0  # not_ready until everything below is done
    mm, ident = create_mapped(path, image, mode)
    try:
        for slot, lay in zip(slots, layouts):
            slot._bind(mm, lay.offset, lay.write_buffer_offset, lay.value_offset)
        mm[o.VERSION_OFFSET] = FORMAT_VERSION  # published last
    except BaseException:
        for slot in slots:
            slot._bind(None, -1, -1, -1)
        mm.close()
        unlink_if_same(path, ident)
        raise
    return StatsFile(path, mm, ident, slots)


def check_mode(mode) -> int:
    """``mode`` if it is permission bits only; a stats file is data, never setuid, setgid or sticky."""
    if not isinstance(mode, int) or isinstance(mode, bool):
        raise TypeError(f"mode must be an int such as 0o644, not {mode!r}")
    special = [name for bit, name in ((0o4000, "setuid"), (0o2000, "setgid"), (0o1000, "sticky")) if mode & bit]
    if special:
        raise ValueError(f"mode {mode:#o} sets the {' and '.join(special)} bit: a stats file is data; "
                         "give permission bits only, such as 0o644")
    if not 0 <= mode <= 0o777:
        raise ValueError(f"mode {mode:#o} is not permission bits (0 to 0o777), such as 0o644")
    return mode


def bind_in_memory(fields, slots) -> bytearray:
    """Bind ``slots`` to a private image of ``fields``: no file, updates go nowhere."""
    specs = [_field_spec(f) for f in fields]
    image = build_image(specs)
    for slot, lay in zip(slots, _layouts(image, specs, "<memory>")):
        slot._bind(image, lay.offset, lay.write_buffer_offset, lay.value_offset)
    return image


def _field_spec(f):
    if not isinstance(f, (tuple, list)) or len(f) not in (3, 4):
        raise TypeError(f"a field is (label, type, buffered[, initial]), not {f!r}")
    label, code, buffered = f[0], f[1], f[2]
    initial = f[3] if len(f) == 4 else _NO_VALUE
    if not isinstance(label, str) or not label:
        raise ValueError(f"a label is a non-empty str, not {label!r}")
    try:
        size = len(label.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise ValueError(f"label {label!r} is not valid UTF-8 text ({e.reason})") from None
    if size > _MAX_LABEL:
        raise ValueError(f"label {label[:20]!r}... is {size} bytes; the limit is {_MAX_LABEL}")
    spec = lookup(code) if isinstance(code, str) else None
    if spec is None or len(code) > _MAX_TYPE:
        raise ValueError(f"field {label!r}: unknown type signature {code!r}")
    if buffered not in (True, False):
        raise TypeError(f"field {label!r}: buffered must be True or False, not {buffered!r}")
    return label, code, bool(buffered), initial


def _check_unique(specs):
    seen = set()
    for label, *_ in specs:
        if label in seen:
            raise ValueError(f"duplicate label {label!r}: every field needs its own label")
        seen.add(label)


def build_image(specs, wrap: bool = False) -> bytearray:
    """The whole new file through construct: every value zero unless an initial value is given."""
    used = o.FIRST_RECORD_OFFSET
    records = []
    for label, code, buffered, initial in specs:
        spec = lookup(code)
        used += o.record_size(len(label.encode("utf-8")), len(code), spec.size, buffered)
        if spec.kind == "string":
            value = b"" if initial is _NO_VALUE else encode_text(label, spec.size, initial)
        else:
            value = 0 if initial is _NO_VALUE else normalize(label, code, initial, wrap)
        records.append({"label": label, "type": code, "buffered": buffered, "value": value})
    if used + -used % PAGE_SIZE > DEFAULT_MAX_SIZE:
        raise ValueError(f"the fields need {used} bytes; readers refuse files over {DEFAULT_MAX_SIZE}")
    from mmstats_format.build import build_file  # construct: only when a file is made, not on import
    return bytearray(build_file(records))


def _layouts(image, specs, path):
    layouts, errors = scan(bytes(image))
    found = [(f.label, f.type, f.buffered) for f in layouts]
    if errors or found != [(label, code, buffered) for label, code, buffered, _ in specs]:
        problem = errors[0] if errors else "records differ from the fields"
        raise WriterError(f"{path}: the built image does not scan back: {problem}")
    return layouts
