"""Models on format version 2: every model of a process writes into ONE file (spec/v2.md).

One ProcessFile per (process, path): a V2Writer shared by every model instance
that resolves to that path. A model instance publishes its fields in it under
``label_prefix + label`` with the field's help, unit and attributes. A field of
the same name and attributes already published (another instance of the model,
MmStats's sys.* fields) is the same field: instances share it, as a registry
shares a metric.

Per thread (the model is a threading.local), ``stats.hits`` is a CounterSlot
bound to the thread's own slot: an increment is a load, an add and a store,
no lock. Gauges, strings, constants, histograms and averages are one object
per field shared by the threads (spec: one copy in the process area; a
histogram picks the caller's slot itself).

Lifecycle: the file is published on the first model's construction, closed
(state closed) and removed at normal exit and on SIGTERM (mmstats/_exit.py)
unless a model asked keep=True (or MMSTATS_KEEP=1). Its liveness lock is held
for the process's life. After os.fork() the child closes its copy of the
locked descriptor, creates its own file and moves every field object to it
(values start at zero, as a new file's do): it never writes the parent's file.

A full file (spec: Adding a field at run time) refuses a field: overflow_count
goes up, one RuntimeWarning says so, and the field works in private memory,
unpublished.
"""
from __future__ import annotations

import mmap
import os
import secrets
import struct
import threading
import time
import warnings
import weakref

from mmstats_format.v2 import derived as d
from mmstats_format.v2.liveness import liveness

from . import _defaults
from ._errors import CreateError
from ._slots import CounterSlot, MeanGauge, TimerFront, make_slot
from ._v2pyslots import TimerFront as PyTimerFront
from ._v2writer import FileFull, V2Writer

__all__ = ["ENV", "DEFAULT_FILENAME", "format_version", "ProcessFile", "V2Model", "close_all", "after_fork_in_child"]

ENV = "MMSTATS_FORMAT_VERSION"
DEFAULT_FILENAME = "{CMD}-{PID}.mmstats"  # one file per process
# Capacities of a process file: 64 KiB of entries, 16 KiB of gauges and strings, 64 slots of 4 KiB
# (512 counters or histogram words each). tmpfs spends memory only on touched pages.
CAPACITY = {"meta_capacity": 65536, "process_capacity": 16384, "slot_size": 4096, "slot_count": 64}


def format_version(arg, cls_value) -> int:
    """The model's format: the constructor's argument, else the class's, else MMSTATS_FORMAT_VERSION, else 2."""
    for source, value in (("format_version=", arg), ("format_version class attribute", cls_value),
                          (ENV, os.environ.get(ENV) or None)):
        if value is None:
            continue
        try:
            version = int(value)
        except (TypeError, ValueError):
            version = None
        if version not in (1, 2):
            raise ValueError(f"{source} {value!r}: mmstats writes format version 1 or 2")
        return version
    return 2


# -- one file per process --------------------------------------------------------------------------

class _Spec:
    """What a published field is: enough to publish it again in a forked child's file."""

    __slots__ = ("name", "kind", "args", "field")

    def __init__(self, name, kind, args, field):
        self.name, self.kind, self.args, self.field = name, kind, args, field


class Published:
    """One field of the process file: its spec, its writer-side handle, and where it lives."""

    __slots__ = ("spec", "writer", "handle", "__weakref__")

    def __init__(self, spec):
        self.spec = spec
        self.writer = self.handle = None


class ProcessFile:
    """This process's V2Writer at one path and the fields published in it."""

    def __init__(self, template: str, mode: int, writer: V2Writer | None = None):
        """``writer``: one in private memory (a forked child that could not create its file)."""
        self.template, self.mode = template, mode  # the path with {CMD} and {PID} still in it
        self.pid = os.getpid()
        # {TID}, if the template has it (version 1's default), is the thread that creates the file
        path = _defaults.expand(template, self.pid, threading.get_native_id())
        self.writer = _create(path, mode) if writer is None else writer
        self.path = self.writer.path
        self.fields: dict = {}        # (name, attributes) -> Published, in publication order
        self.keep = False
        self.warned_full = False
        self._private = None          # the V2Writer in anonymous memory that holds fields a full file refused
        self.local = threading.local()  # per thread: Published -> this thread's CounterSlot
        self.objects: "weakref.WeakSet" = weakref.WeakSet()  # every CounterSlot bound to this file
        self.gauges: list = []  # (gauge slot, Published): version 1 slots bound to a gauge's word
        self.means: dict = {}   # Published -> MeanGauge
        self.lock = threading.RLock()

    # ---- publishing

    def publish(self, name: str, kind: str, field, **args) -> Published:
        key = (name, tuple(sorted(args.get("attributes", {}).items())))
        with self.lock:
            pub = self.fields.get(key)
            if pub is not None:
                if pub.spec.kind != kind:
                    raise ValueError(f"{self.path}: field {name!r} is already a {pub.spec.kind}, cannot also be "
                                     f"a {kind}")
                return pub
            pub = Published(_Spec(name, kind, args, field))
            self._make(pub)
            self.fields[key] = pub
            return pub

    def _make(self, pub: Published) -> None:
        spec = pub.spec
        try:
            if getattr(spec.field, "in_v2_header", False):  # the header says it: kept, not published
                raise _Unpublished
            pub.handle, pub.writer = _MAKERS[spec.kind](self.writer, spec), self.writer
        except _Unpublished:
            if self._private is None:
                self._private = _private_writer()
            pub.handle, pub.writer = _MAKERS[spec.kind](self._private, spec), self._private
        except FileFull as e:
            if not self.warned_full:
                self.warned_full = True
                warnings.warn(f"mmstats: {e}; the field works but is not published (said once per file; "
                              "overflow_count counts them)", RuntimeWarning, stacklevel=4)
            if self._private is None:
                self._private = _private_writer()
            pub.handle, pub.writer = _MAKERS[spec.kind](self._private, spec), self._private

    # ---- counters: one object per thread and field

    def counter_for_thread(self, owner: "CounterOwner"):
        objs = getattr(self.local, "objs", None)
        if objs is None:
            objs = self.local.objs = {}
        pub = owner.pub
        obj = objs.get(pub)
        if obj is None:
            obj = CounterSlot(pub.spec.name)
            obj.owner = owner
            self._bind_counter(obj, pub)
            objs[pub] = obj
            self.objects.add(obj)
        return obj

    def _bind_counter(self, obj, pub: Published, slot=None) -> None:
        w = pub.writer
        slot = w._slot() if slot is None else slot
        obj._bind(w._mm, d.H_SLOTS_USED, pub.handle, w._h["slot_size"], slot, w._lock)

    def bind_gauge(self, obj, pub: Published) -> None:
        """Bind a version 1 unbuffered slot, or a MeanGauge, to a gauge's 8-byte word."""
        at = pub.handle._i * 8  # the gauge's word in the process area
        if isinstance(obj, MeanGauge):
            obj._bind(pub.writer._mm, at)
        else:
            obj._bind(pub.writer._mm, at - 1, at - 1, at)  # unbuffered: one store at ``at``
        self.gauges.append((obj, pub))

    def mean_for(self, pub: Published, size: int):
        """The MeanGauge of an average or timer field (model instances that share the field share it)."""
        with self.lock:
            mean = self.means.get(pub)
            if mean is None:
                mean = self.means[pub] = MeanGauge(pub.spec.name, size)
                self.bind_gauge(mean, pub)
            return mean

    # ---- lifecycle

    def close(self) -> None:
        if self.path is not None:
            self.writer.close(keep=self.keep)

    def reborn_in_child(self) -> "ProcessFile":
        """In a forked child: drop the parent's lock descriptor, publish every field in a file of
        our own, and move every object there (the forking thread's to its slot, others' to slot 0)."""
        self.writer.forsake()  # our copies of the locked open file description: descriptor and mapping
        try:
            child = ProcessFile(self.template, self.mode)
        except Exception as e:  # never the parent's file: private memory, unpublished
            warnings.warn(f"mmstats: forked child {os.getpid()} could not create its own stats file ({e}); "
                          "its values are kept in memory only", RuntimeWarning)
            child = ProcessFile(self.template, self.mode, _private_writer())
        child.keep = self.keep
        objs = getattr(self.local, "objs", {})
        mine = set(map(id, objs.values()))
        for key, pub in self.fields.items():
            child.fields[key] = pub
            child._make(pub)
        for obj in list(self.objects):
            child._bind_counter(obj, obj.owner.pub, None if id(obj) in mine else 0)
            child.objects.add(obj)
        child.local.objs = dict(objs)
        for slot, pub in self.gauges:
            child.bind_gauge(slot, pub)
        child.means = dict(self.means)
        return child


def _create(path: str, mode: int) -> V2Writer:
    """A new file at ``path``; a stale one (its writer gone, by the lock) is replaced; a name taken by
    anything else gets an unpredictable name beside it and one warning (as the version 1 models do)."""
    try:
        return V2Writer.create(path, mode=mode, **CAPACITY)
    except FileExistsError:
        pass
    except OSError as e:
        raise CreateError(path, e.errno, e.strerror or str(e)) from None
    try:
        verdict = liveness(path)
    except OSError:
        verdict = "unknown"
    if verdict in ("died", "exited"):
        try:
            os.unlink(path)
            return V2Writer.create(path, mode=mode, **CAPACITY)
        except OSError:
            pass
    stem, ext = os.path.splitext(path)
    alt = f"{stem}-{secrets.token_hex(8)}{ext}"
    try:
        w = V2Writer.create(alt, mode=mode, **CAPACITY)
    except OSError as e:
        raise CreateError(alt, e.errno, e.strerror or str(e)) from None
    warnings.warn(f"mmstats: {path} is taken ({verdict}); writing {alt} instead", RuntimeWarning, stacklevel=5)
    return w


class _Unpublished(Exception):
    """A field that lives in private memory by design (its fact is in the version 2 header)."""


def _private_writer() -> V2Writer:
    """A writer in anonymous memory: fields a full file refused live here, unpublished."""
    size = 1 << 20
    mm = mmap.mmap(-1, size)
    meta = size // 2
    h = {"meta_offset": d.HEADER_SIZE, "meta_capacity": meta - d.HEADER_SIZE, "process_offset": meta,
         "process_capacity": size // 4, "slots_offset": meta + size // 4, "slot_size": size // 4, "slot_count": 1}
    struct.pack_into("<I", mm, d.H_SLOTS_USED, 1)
    return V2Writer(None, -1, mm, h, thread_slots=False)


# -- field makers: kind -> V2Writer call; the handle is what the field objects use --------------------

def _counter(w, s):
    return w.counter(s.name, **s.args)._at  # the copy in slot 0; a thread's is slot_size further per slot


def _gauge(w, s):
    return w.gauge(s.name, **s.args)


def _constant(w, s):
    args = dict(s.args)
    value = s.field.initial() if s.field is not None else args.pop("value")
    args.pop("value", None)
    w.constant(s.name, value=value, **args)
    return value


def _string(w, s):
    return w.string(s.name, **s.args)


def _histogram(w, s):
    return w.histogram(s.name, **s.args)


_MAKERS = {"counter": _counter, "gauge": _gauge, "constant": _constant, "string": _string,
           "histogram": _histogram}


# -- the process's files -----------------------------------------------------------------------------

_FILES: dict = {}   # path -> ProcessFile of this process
_FILES_LOCK = threading.Lock()


def process_file(template: str, mode: int) -> ProcessFile:
    """This process's file at ``template`` (a path with {CMD} and {PID} unexpanded), created on first use."""
    with _FILES_LOCK:
        pf = _FILES.get(template)
        if pf is None or pf.writer.closed:
            pf = _FILES[template] = ProcessFile(template, mode)
        return pf


def close_all() -> None:
    """At exit: every file of this process closed, removed unless kept."""
    with _FILES_LOCK:
        files = list(_FILES.values())
        _FILES.clear()
    for pf in files:
        if pf.pid == os.getpid():
            pf.close()


def after_fork_in_child() -> None:
    for path, pf in list(_FILES.items()):
        try:
            _FILES[path] = pf.reborn_in_child()
        except Exception as e:  # a fork handler must not raise
            del _FILES[path]
            warnings.warn(f"mmstats: after fork in child {os.getpid()}: {e}", RuntimeWarning)


# -- a model instance on version 2 ------------------------------------------------------------------

class V2Model:
    """What the threads of one model instance share: its fields published in the process file."""

    def __init__(self, cls, path, filename, label_prefix, mode, keep):
        from .lowlevel import check_mode
        directory = _defaults.directory_template() if path is None else os.fspath(path)
        template = filename if filename is not None else (os.environ.get("MMSTATS_FILES") or DEFAULT_FILENAME)
        self.template = os.path.join(directory, template)
        self.label_prefix = label_prefix or ""
        self.mode = check_mode(mode)
        self.keep = _defaults.keep_files() if keep is None else bool(keep)
        self.fields = cls._fields
        self._file = process_file(self.template, self.mode)
        if self.keep:
            self._file.keep = True
        for name, field in self.fields.items():
            if field.v2_kind is None:
                raise TypeError(f"{cls.__name__}.{name}: {type(field).__name__} has no format version 2 "
                                "mapping; give the model format_version=1")
        self.published = {name: self._publish(name, field) for name, field in self.fields.items()}
        self.shared = {name: _shared_object(self, field, self.published[name])
                       for name, field in self.fields.items() if field.v2_kind != "counter"}

    def _publish(self, name, field):
        return self.file.publish(self.label_prefix + (field.label or name), field.v2_kind, field, **_args(field))

    def publish_child(self, pub: Published, attributes: dict) -> Published:
        """The field like ``pub`` with more attributes (published now if new: a runtime field)."""
        spec = pub.spec
        args = dict(spec.args, attributes={**spec.args.get("attributes", {}), **_attributes(attributes)})
        return self.file.publish(spec.name, spec.kind, spec.field, **args)

    @property
    def file(self) -> ProcessFile:
        """The process file (a forked child's own, once it has forked)."""
        pf = _FILES.get(self.template)
        if pf is not None and pf is not self._file and pf.pid == os.getpid() and self._file.pid != pf.pid:
            self._file = pf
        return self._file

    @property
    def path(self) -> str:
        return self.file.path

    def attach_thread(self, local_dict, key_of, file_key) -> None:
        """Put the calling thread's field objects in its dict (counters: bound to its own slot)."""
        local_dict[file_key] = self
        for name, field in self.fields.items():
            if field.v2_kind == "counter":
                local_dict[key_of(name, field)] = self.file.counter_for_thread(CounterOwner(self, self.published[name]))
            else:
                obj = self.shared[name]
                if isinstance(obj, _TimerFactory):  # a thread's own timings; a custom clock: the Python one
                    obj = TimerFront(obj.mean) if obj.timer is None else PyTimerFront(obj.mean, obj.timer)
                local_dict[key_of(name, field)] = obj

    sf = None  # no version 1 StatsFile

    def flush(self) -> None:
        self.file.writer._mm.flush()

    def remove(self) -> None:
        """Close and delete this process's file now (every model sharing it stops publishing)."""
        pf = self.file
        with _FILES_LOCK:
            if _FILES.get(self.template) is pf:
                del _FILES[self.template]
        pf.writer.close(keep=False)


def _attributes(attributes) -> dict:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise TypeError(f"attributes must be a dict of str to str, not {type(attributes).__name__}")
    out = {}
    for k, v in attributes.items():
        if not isinstance(k, str) or not k or not isinstance(v, (str, int, float)):
            raise TypeError(f"attribute {k!r}={v!r}: keys are non-empty str, values str (or a number)")
        out[k] = str(v)
    return out


class CounterOwner:
    """The model's side of a counter field: labels() of a thread's CounterSlot comes here."""

    __slots__ = ("model", "pub")

    def __init__(self, model, pub):
        self.model, self.pub = model, pub

    def labels_of(self, obj, attributes):
        child = self.model.publish_child(self.pub, attributes)
        return self.model.file.counter_for_thread(CounterOwner(self.model, child))


_VALUE_TYPE = {"Q": "u64", "?": "u64", "d": "f64", "f": "f64"}  # other integer codes: i64


def _value_type(field) -> str:
    code = field.type_signature
    if code.endswith("s"):
        return "utf8"
    return _VALUE_TYPE.get(code, "u64" if code in ("I",) and field.kind == "static" else "i64")


def _args(field) -> dict:
    """The V2Writer arguments of a field: kind-specific ones, then help, unit and attributes."""
    kind = field.v2_kind
    args = {"help": field.help, "unit": field.unit, "attributes": dict(field.attributes)}
    if kind == "counter":
        args["value_type"] = "u64"
    elif kind == "gauge":
        args["value_type"] = "f64" if field.kind == "object" else _value_type(field)
    elif kind == "constant":
        args["value_type"] = _value_type(field)
        if args["value_type"] == "utf8":
            args["capacity"] = int(field.type_signature[:-1])
    elif kind == "string":
        args["capacity"] = field.size
    elif kind == "histogram":
        args["bounds"] = field.buckets
    return args


def _shared_object(model, field, pub):
    from ._pyslots import encode_text, normalize
    kind = field.v2_kind
    if kind == "constant":
        return Constant(pub)
    if kind == "string":
        # cut to the field's size as version 1 does (the file's capacity is that, rounded up to 8)
        return Value(pub, lambda v: encode_text(pub.spec.name, field.size, v).decode("utf-8", "ignore"))
    if kind == "histogram":
        return HistogramFront(model, pub, field.scale)
    if field.kind == "object":  # averages and timers: one MeanGauge per published field
        mean = model.file.mean_for(pub, getattr(field, "size", 0))
        timer = getattr(field, "timer", _NOT_A_TIMER)
        return mean if timer is _NOT_A_TIMER else _TimerFactory(mean, timer)
    code = field.type_signature
    if code in _LOW_BYTES_CODES:
        slot = make_slot(pub.spec.name, code, False, wrap=field.wrap)
        model.file.bind_gauge(slot, pub)
        return slot
    return Value(pub, lambda v: normalize(pub.spec.name, code, v, field.wrap))


# Gauges whose version 1 slot (C or pure Python: one store of the type's own width) is also right in
# the 8-byte version 2 word: f64 itself, and unsigned or bool values whose high bytes stay zero.
_LOW_BYTES_CODES = {"d", "Q", "I", "H", "?"}


_NOT_A_TIMER = object()


class _TimerFactory:
    """Stands for a TimerField in attach_thread: each thread gets its own TimerFront."""

    __slots__ = ("mean", "timer")

    def __init__(self, mean, timer):
        self.mean, self.timer = mean, timer


# -- field objects that are not counters ---------------------------------------------------------------

class Value:
    """A gauge or string: ``get()`` and ``set(v)`` for the model's FieldAccess (one per field, all threads)."""

    __slots__ = ("pub", "label", "_convert", "_result")

    def __init__(self, pub, convert, result=None):
        self.pub, self.label, self._convert, self._result = pub, pub.spec.name, convert, result

    def set(self, v) -> None:
        self.pub.handle.set(self._convert(v))

    def get(self):
        h = self.pub.handle
        raw = h._view[h._i] if hasattr(h, "_view") else _string_value(h)
        return self._result(raw) if self._result else raw

    value = property(get, set)


def _string_value(h) -> str:
    q, mm, at = h._w._q, h._w._mm, h._at
    for _ in range(1000):
        seq = q[at >> 3]
        n = struct.unpack_from("<I", mm, at + d.S_LENGTH)[0]
        raw = bytes(mm[at + d.STRING_HEADER_SIZE:at + d.STRING_HEADER_SIZE + min(n, h._cap)])
        if not seq & 1 and q[at >> 3] == seq:
            return raw.decode("utf-8", "replace")
    return ""


class Constant:
    __slots__ = ("pub",)

    def __init__(self, pub):
        self.pub = pub

    def get(self):
        return self.pub.handle

    def set(self, v):
        raise AttributeError(f"mmstats field {self.pub.spec.name!r} is static (read-only)")


class HistogramFront:
    """A histogram field: ``observe(v)``, ``with h.time():`` and ``labels(**attributes)``."""

    __slots__ = ("model", "pub", "_scale", "_timer")

    def __init__(self, model, pub, scale: float, timer=None):
        self.model, self.pub, self._scale, self._timer = model, pub, scale, timer or time.perf_counter

    def observe(self, value) -> None:
        self.pub.handle.observe(float(value))

    def time(self) -> "_Timing":
        """``with stats.latency.time(): ...`` observes the duration, in the field's unit."""
        return _Timing(self)

    def labels(self, **attributes) -> "HistogramFront":
        child = self.model.publish_child(self.pub, attributes)
        return HistogramFront(self.model, child, self._scale, self._timer)


class _Timing:
    __slots__ = ("h", "start")

    def __init__(self, h):
        self.h = h

    def __enter__(self):
        self.start = self.h._timer()
        return self

    def __exit__(self, *exc):
        h = self.h
        h.observe((h._timer() - self.start) * h._scale)
        return False
