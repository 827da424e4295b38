"""A low-level writer of format version 2 (spec/v2.md): one file per process, a slot per writer thread.

    w = V2Writer.create("/dev/shm/app-123.mmstats")
    hits = w.counter("http.requests", unit="{request}", attributes={"status": "2xx"})
    hits.add()                      # the calling thread's own slot: a load and a store
    w.gauge("queue.length", "i64").set(3)
    w.histogram("http.latency", bounds=(10.0, 100.0), unit="ms").observe(42.0)
    w.close()                       # state closed; the file is removed unless keep=True

Every number is an aligned 8-byte word stored with one memoryview item store
(a single machine store in CPython). Offsets come from mmstats_format.v2.derived.
"""
from __future__ import annotations

import fcntl
from bisect import bisect_left
import mmap
import os
import struct
import threading
import time
import weakref

from mmstats_format.v2 import derived as d

__all__ = ["V2Writer", "FileFull"]

_KIND = {name: code for code, (name, *_rest) in d.KINDS.items()}
_TYPE = {name: code for code, (name, *_rest) in d.VALUE_TYPES.items()}
_VIEW = {"u64": "Q", "i64": "q", "f64": "d"}
_MASK = (1 << 64) - 1


_MAP_FIXED = 0x10  # Linux, every architecture; the mmap module does not export it


def _replace_with_private(mm: mmap.mmap) -> None:
    """Map private anonymous memory over ``mm``'s pages (MAP_FIXED): its file reference is dropped."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    view = (ctypes.c_char * len(mm)).from_buffer(mm)
    addr = ctypes.addressof(view)
    del view  # the export ends; the address stays mm's
    flags = _MAP_FIXED | mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
    if libc.mmap(addr, len(mm), mmap.PROT_READ | mmap.PROT_WRITE, flags, -1, 0) != addr:
        raise OSError(ctypes.get_errno(), "mmap(MAP_FIXED) over the parent's stats mapping failed")


def _release_duplicates(fd: int) -> None:
    """Point every other descriptor of ``fd``'s file at /dev/null. CPython's mmap keeps a private
    duplicate of the descriptor it mapped (closed with the mmap object, which field objects keep
    alive); dup2 drops that reference to the open file description while the number stays valid."""
    st = os.fstat(fd)
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    try:
        for name in os.listdir("/proc/self/fd"):
            other = int(name)
            if other in (fd, null):
                continue
            try:
                o = os.fstat(other)
            except OSError:
                continue  # the listing's own descriptor, closed by now
            if (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
                os.dup2(null, other)
    finally:
        os.close(null)


class FileFull(Exception):
    """The file has no room for another field (counted in overflow_count)."""


def _start_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])  # field 22: starttime
    except (OSError, ValueError, IndexError):
        return 0


def _round8(n: int) -> int:
    return n + (-n % d.ALIGN)


def _encode_attributes(attributes) -> bytes:
    out = b""
    for k, v in dict(attributes or {}).items():
        kb, vb = str(k).encode("utf-8"), str(v).encode("utf-8")
        out += struct.pack(d.ATTR_SIZE_FORMAT, len(kb)) + kb + struct.pack(d.ATTR_SIZE_FORMAT, len(vb)) + vb
    return out


class V2Writer:
    """The writer side of one version 2 file. Thread-safe; one per process (not shared across fork)."""

    def __init__(self, path, fd, mm, h: dict, thread_slots: bool):
        self.path, self._fd, self._mm, self._h = path, fd, mm, h
        self._views = {c: memoryview(mm).cast(c) for c in "Qqd"}
        self._q = self._views["Q"]
        self._lock = threading.Lock()       # registration, slot hand-out, shared-slot and multi-word updates
        self._meta_used = 0
        self._process_used = 0
        self._slot_used = 0
        self._fields = 0
        self._free_slots: list[int] = []
        self._slots_used = 1
        self._local = threading.local()
        self._thread_slots = thread_slots
        self._pid = os.getpid()
        self.closed = False

    # ---------------------------------------------------------------- creating

    @classmethod
    def create(cls, path, *, meta_capacity=65536, process_capacity=65536, slot_size=1024, slot_count=64,
               heartbeat_interval_ms=0, thread_slots=True, mode=0o644, pid=None, start_ticks=None,
               created_unix_ns=None) -> "V2Writer":
        """Create and publish an empty file at ``path`` (never overwrites: FileExistsError).

        pid, start_ticks and created_unix_ns default to this process's own; tests pin them.
        """
        path = os.fspath(path)
        meta_offset = d.HEADER_SIZE
        process_offset = meta_offset + meta_capacity
        slots_offset = process_offset + process_capacity
        end = slots_offset + slot_size * slot_count
        size = end + (-end % d.PAGE_SIZE)
        for value in (meta_capacity, process_capacity, slot_size):
            if value % d.ALIGN:
                raise ValueError(f"capacities must be multiples of {d.ALIGN}: {value}")
        if slot_count < 1:
            raise ValueError("slot_count must be at least 1")
        tmp = f"{path}.{os.getpid()}.creating"  # not *.mmstats: tools ignore it until the rename
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(tmp, flags, mode)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)   # held for the life of the process: the liveness proof
            os.ftruncate(fd, size)
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, size)  # a full file system fails here, not with SIGBUS later
            mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            pid = os.getpid() if pid is None else pid
            h = {"version": d.FORMAT_VERSION, "magic": d.MAGIC, "minor": d.MINOR, "header_size": d.HEADER_SIZE,
                 "state": d.STATE_CREATING, "pid": pid,
                 "start_ticks": _start_ticks(pid) if start_ticks is None else start_ticks,
                 "created_unix_ns": time.time_ns() if created_unix_ns is None else created_unix_ns,
                 "heartbeat_unix_ns": 0, "heartbeat_interval_ms": heartbeat_interval_ms,
                 "entry_fixed_size": d.ENTRY_FIXED_SIZE, "flags": 0, "meta_offset": meta_offset,
                 "meta_capacity": meta_capacity, "process_offset": process_offset,
                 "process_capacity": process_capacity, "slots_offset": slots_offset, "slot_size": slot_size,
                 "slot_count": slot_count, "slots_used": 1, "field_count": 0, "overflow_count": 0,
                 "reserved": bytes(32)}
            struct.pack_into(d.HEADER_FORMAT, mm, 0, *(h[k] for k in d.HEADER_FIELDS))
            try:  # link() never replaces a file: a name taken since any check fails here, atomically
                os.link(tmp, path)
            except FileExistsError:
                raise FileExistsError(f"{path}: exists; a writer never overwrites a file") from None
            os.unlink(tmp)
        except BaseException:
            os.close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        w = cls(path, fd, mm, h, thread_slots)
        w._store_u32(d.H_STATE, d.STATE_READY)  # published last
        return w

    def _store_u32(self, offset: int, value: int) -> None:
        struct.pack_into("<I", self._mm, offset, value)  # one aligned 4-byte store

    # ---------------------------------------------------------------- fields

    def _add(self, name, kind, vt, unit, help, attributes, value_size, extra=b"", init=None):
        """Append an entry (and its initial value), then publish it by field_count. Returns the value offset."""
        h = self._h
        name_b, unit_b, help_b = name.encode("utf-8"), unit.encode("ascii"), help.encode("utf-8")
        if not name_b or len(unit_b) > d.UNIT_MAX or any(not 0x21 <= b <= 0x7E for b in unit_b):
            raise ValueError(f"{name!r}: a name is required; a unit is at most {d.UNIT_MAX} printable bytes")
        attrs = _encode_attributes(attributes)
        strings = len(name_b) + len(unit_b) + len(help_b) + len(attrs)
        padded = _round8(d.ENTRY_FIXED_SIZE + strings)
        entry_size = padded + len(extra)
        slotted = d.KINDS[kind][1] == "slots"
        with self._lock:
            used = self._slot_used if slotted else self._process_used
            area = h["slot_size"] if slotted else h["process_capacity"]
            if self._meta_used + entry_size > h["meta_capacity"] or used + value_size > area:
                over = struct.unpack_from("<I", self._mm, d.H_OVERFLOW_COUNT)[0] + 1
                self._store_u32(d.H_OVERFLOW_COUNT, over)
                raise FileFull(f"{self.path}: no room for field {name!r} ({over} refused so far)")
            e = h["meta_offset"] + self._meta_used
            entry = struct.pack(d.ENTRY_FORMAT, entry_size, kind, vt, 0, used, value_size, len(name_b), len(unit_b),
                                len(help_b), len(attrs), len(extra), 0)
            body = entry + name_b + unit_b + help_b + attrs
            self._mm[e:e + entry_size] = body + bytes(padded - len(body)) + extra
            base = (h["slots_offset"] if slotted else h["process_offset"]) + used
            if init is not None:
                self._mm[base:base + len(init)] = init
            self._meta_used += entry_size
            if slotted:
                self._slot_used += _round8(value_size)
            else:
                self._process_used += _round8(value_size)
            self._fields += 1
            self._store_u32(d.H_FIELD_COUNT, self._fields)  # publish: after the entry and its value
        return base

    def counter(self, name, value_type="u64", *, unit="", help="", attributes=None) -> "Counter":
        return Counter(self, self._add(name, d.KIND_COUNTER, _TYPE[value_type], unit, help, attributes, 8),
                       value_type)

    def updown_counter(self, name, value_type="i64", *, unit="", help="", attributes=None) -> "Counter":
        return Counter(self, self._add(name, d.KIND_UPDOWN_COUNTER, _TYPE[value_type], unit, help, attributes, 8),
                       value_type, signed=True)

    def gauge(self, name, value_type="f64", *, unit="", help="", attributes=None, value=0) -> "Gauge":
        init = struct.pack("<" + _VIEW[value_type], value)
        return Gauge(self, self._add(name, d.KIND_GAUGE, _TYPE[value_type], unit, help, attributes, 8, init=init),
                     value_type)

    def constant(self, name, value_type, value, *, unit="", help="", attributes=None, capacity=None) -> None:
        if value_type == "utf8":
            raw = value.encode("utf-8")
            cap = _round8(len(raw)) if capacity is None else capacity
            init = struct.pack(d.STRING_HEADER_FORMAT, 0, len(raw), 0) + raw
            self._add(name, d.KIND_CONSTANT, d.VALUETYPE_UTF8, unit, help, attributes, d.STRING_HEADER_SIZE + cap,
                      init=init)
        else:
            self._add(name, d.KIND_CONSTANT, _TYPE[value_type], unit, help, attributes, 8,
                      init=struct.pack("<" + _VIEW[value_type], value))

    def string(self, name, capacity=64, *, value="", unit="", help="", attributes=None) -> "String":
        cap = _round8(capacity)
        raw = _cut(value, cap)
        init = struct.pack(d.STRING_HEADER_FORMAT, 0, len(raw), 0) + raw
        return String(self, self._add(name, d.KIND_STRING, d.VALUETYPE_UTF8, unit, help, attributes,
                                      d.STRING_HEADER_SIZE + cap, init=init), cap)

    def histogram(self, name, bounds, *, unit="", help="", attributes=None) -> "Histogram":
        bounds = tuple(float(b) for b in bounds)
        if any(not (b == b and abs(b) != float("inf")) for b in bounds) or \
                any(a >= b for a, b in zip(bounds, bounds[1:])):
            raise ValueError("histogram bounds must be finite and strictly increasing")
        extra = b"".join(struct.pack("<d", b) for b in bounds)
        size = d.HISTOGRAM_HEADER_SIZE + 8 * (len(bounds) + 1)
        return Histogram(self, self._add(name, d.KIND_HISTOGRAM, d.VALUETYPE_F64, unit, help, attributes, size,
                                         extra), bounds)

    # ---------------------------------------------------------------- slots

    def _slot(self) -> int:
        """The calling thread's slot (0: the shared slot)."""
        slot = getattr(self._local, "slot", None)
        if slot is not None:
            return slot
        slot = 0
        if self._thread_slots and os.getpid() == self._pid:
            with self._lock:
                if self._free_slots:
                    slot = self._free_slots.pop()
                elif self._slots_used < self._h["slot_count"]:
                    slot = self._slots_used
                    self._slots_used += 1
                    self._store_u32(d.H_SLOTS_USED, self._slots_used)  # before the slot's first store
        self._local.slot = slot
        if slot:
            # When the thread ends its thread-local dies: the slot goes back, keeping its values.
            token = _Token()
            self._local.token = token
            weakref.finalize(token, self._give_back, slot)
        return slot

    def _give_back(self, slot: int) -> None:
        with self._lock:
            self._free_slots.append(slot)

    def slot_offset(self, slot: int) -> int:
        return slot * self._h["slot_size"]

    # ---------------------------------------------------------------- lifecycle

    def heartbeat(self) -> None:
        struct.pack_into("<Q", self._mm, d.H_HEARTBEAT_UNIX_NS, time.time_ns())

    def forsake(self) -> None:
        """In a forked child: let go of the parent's file without touching it. The locked descriptor is
        closed and the shared mapping replaced, at the same address, by private zeroed memory (objects that
        point into it stay valid): each holds the parent's open file description, so either would keep the
        parent's lock, and the parent "live", for as long as the child runs (spec/v2.md, "Heartbeat and
        closing")."""
        if self.closed or self._fd < 0:  # closed, or private memory already: nothing holds a file
            self.closed = True
            return
        self.closed = True
        _replace_with_private(self._mm)
        _release_duplicates(self._fd)
        os.close(self._fd)

    def close(self, keep: bool = False) -> None:
        """State closed (the values are final); remove the file unless ``keep``; release the lock last."""
        if self.closed:
            return
        self.closed = True
        self._store_u32(d.H_STATE, d.STATE_CLOSED)
        if not keep:
            try:
                if os.stat(self.path).st_ino == os.fstat(self._fd).st_ino:
                    os.unlink(self.path)  # only the file this writer created
            except OSError:
                pass
        try:
            for v in self._views.values():
                v.release()
            self._mm.close()
        except BufferError:
            pass  # field objects still map it (threads running at exit): the mapping goes with the process
        os.close(self._fd)


class _Token:
    """An object that lives exactly as long as its thread's thread-local data."""


def _cut(text: str, cap: int) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) <= cap:
        return raw
    return raw[:cap].decode("utf-8", "ignore").encode("utf-8")  # on a character boundary


class Counter:
    """A counter or up-down counter: add() into the calling thread's slot."""

    __slots__ = ("_w", "_at", "_view", "_float", "_signed")

    def __init__(self, w: V2Writer, base: int, value_type: str, signed: bool = False):
        self._w, self._at, self._view = w, base, w._views[_VIEW[value_type]]
        self._float, self._signed = value_type == "f64", signed

    def add(self, n=1) -> None:
        if not n >= 0 and not self._signed or n != n:  # NaN would stay for the file's life
            raise ValueError(f"{'a counter only grows' if n == n else 'NaN is not an amount'}: add({n!r})")
        w = self._w
        slot = w._slot()
        i = (self._at + w.slot_offset(slot)) >> 3
        v = self._view
        if slot:
            nv = v[i] + n  # the owner is the only writer of this copy: a load and a store
            v[i] = nv if self._float else _wrap(nv, self._signed)
        else:
            with w._lock:  # the shared slot: read-modify-write under the lock
                nv = v[i] + n
                v[i] = nv if self._float else _wrap(nv, self._signed)


def _wrap(v: int, signed: bool) -> int:
    v &= _MASK
    return v - (1 << 64) if signed and v >> 63 else v


class Gauge:
    __slots__ = ("_i", "_view", "_float")

    def __init__(self, w: V2Writer, base: int, value_type: str):
        self._i, self._view, self._float = base >> 3, w._views[_VIEW[value_type]], value_type == "f64"

    def set(self, value) -> None:
        self._view[self._i] = float(value) if self._float else value  # one store: the last one wins


class String:
    __slots__ = ("_w", "_at", "_cap")

    def __init__(self, w: V2Writer, base: int, cap: int):
        self._w, self._at, self._cap = w, base, cap

    def set(self, text: str) -> None:
        raw = _cut(text, self._cap)
        w, at = self._w, self._at
        q = w._q
        with w._lock:  # serialises setters; the odd sequence tells readers to retry
            seq = q[at >> 3]
            q[at >> 3] = seq + 1
            struct.pack_into("<I", w._mm, at + d.S_LENGTH, len(raw))
            w._mm[at + d.STRING_HEADER_SIZE:at + d.STRING_HEADER_SIZE + len(raw)] = raw
            q[at >> 3] = seq + 2


class Histogram:
    __slots__ = ("_w", "_at", "_bounds")

    def __init__(self, w: V2Writer, base: int, bounds: tuple):
        self._w, self._at, self._bounds = w, base, bounds

    def observe(self, value: float) -> None:
        # the first bound >= value; len(bounds): the +Inf bucket, where NaN goes too
        i = bisect_left(self._bounds, value) if value == value else len(self._bounds)
        w = self._w
        slot = w._slot()
        at = self._at + w.slot_offset(slot)
        q, dv = w._q, w._views["d"]
        if slot:
            self._record(q, dv, at, i, value)
        else:
            with w._lock:
                self._record(q, dv, at, i, value)

    @staticmethod
    def _record(q, dv, at, i, value):
        s = at >> 3
        seq = q[s]
        q[s] = seq + 1
        dv[s + 1] = dv[s + 1] + value
        b = s + (d.HG_BUCKETS >> 3) + i
        q[b] = (q[b] + 1) & _MASK
        q[s] = seq + 2
