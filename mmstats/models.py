"""Models: declare fields on a class, instantiate once, share the instance between threads.

    class WebStats(mmstats.MmStats):
        hits = mmstats.CounterField(label="hits")
    stats = WebStats()
    stats.hits.incr()

The constructor picks the format: version 2 (the default; mmstats/_v2model.py:
one file per process, a slot per thread) or version 1 (format_version=1 or
MMSTATS_FORMAT_VERSION=1: a file per thread, described below, byte for byte
as mmstats 0.8 wrote it). Both share the per-thread machinery below: the
model is a threading.local whose dict holds the thread's field objects.

Version 1:

A model is a threading.local (as in 0.8): the first time a thread touches the
instance, __init__ runs again for that thread and creates that thread's file
({TID} in the name). The thread's slots sit in its own dict, so ``stats.hits``
is one local lookup and ``.incr()`` two stores into the map. The class keeps
no attribute named like an object field (it would make that lookup slower);
value fields are data descriptors (FieldAccess) on the class. Assigning to an
object field (``stats.hits = 10``) would replace the thread's slot, so the
model's base (ModelLocal) refuses it; only assignments pay for that check.

The files go when the process ends (mmstats/_exit.py: at normal exit, and on
SIGTERM when the application has no handler of its own), unless the model was
made with keep=True or MMSTATS_KEEP=1 is set.

After os.fork() the child never writes the parent's files: a fork handler
gives the forking thread's slots a new file of the child's own and cuts every
other slot off the parent's map. The hot path pays nothing for this.

A name taken by something not ours (a planted symlink, another user's file, a
running writer's file) would let anyone who can write the directory stop the
application from starting; the model then writes under an unpredictable name
beside it ("<name>-<16 hex digits>.mmstats", created exclusively, never
through a symlink) and warns once. A name taken by another model or thread of
this process is a clash the application must fix, and is refused as below.

When a file cannot be created (missing directory, no permission, full disk,
that clash): the constructor raises CreateError, naming the path and the
cause, once -- the application chose the path and can handle it at start-up.
A file created later, on a thread's
first touch of the model or in a forked child, is created where the caller
only wanted to count (``stats.hits.incr()``) and cannot handle a file error:
there the thread or child keeps its values in memory only and one
RuntimeWarning names the path and the cause. Updates never raise for it, and
never retry the file system on the hot path.
"""
from __future__ import annotations

import errno
import os
import secrets
import threading
import warnings
import weakref

from . import _defaults, _exit, _v2model
from ._create import unlink_if_same
from ._errors import CreateError
from ._slots import FieldAccess, ModelLocal
from .fields import (
    Field, StaticDoubleField, StaticInt64Field, StaticTextField, StaticUInt64Field, StaticUIntField,
)
from .lowlevel import bind_in_memory, check_mode, open_new

__all__ = ["BaseMmStats", "MmStats"]

_FILE_KEY = "mmstats:file"  # not an identifier: never clashes with an attribute
_RESERVED = {"_own_fields", "_assignment_errors"}


def _slot_key(name: str) -> str:
    return "mmstats:" + name


def _field_key(name: str, field) -> str:
    """Where a thread's dict holds a field's object: object fields under their own name."""
    return name if field.kind == "object" else _slot_key(name)


def _check_v1(cls) -> None:
    for name, field in cls._fields.items():
        if not field.v1:
            raise TypeError(f"{cls.__name__}.{name}: {type(field).__name__} needs format version 2 "
                            "(a version 1 file has no histograms); drop format_version=1 / MMSTATS_FORMAT_VERSION=1")


class _ThreadFile:
    """One thread's file of one model: the StatsFile (None when memory only) and its slots."""

    __slots__ = ("sf", "slots", "thread", "path", "__weakref__")

    def __init__(self, sf, slots, path):
        self.sf, self.slots, self.path = sf, slots, path
        self.thread = threading.get_ident()


class _Model:
    """What the threads of one model instance share (a threading.local has no shared attributes)."""

    def __init__(self, cls, path, filename, label_prefix, mode, keep):
        self.fields = cls._fields
        self.directory = _defaults.directory_template() if path is None else os.fspath(path)
        self.filename = _defaults.filename_template() if filename is None else filename
        self.label_prefix = label_prefix or ""
        self.mode = check_mode(mode)  # here, not in some thread's first update
        self.keep = _defaults.keep_files() if keep is None else bool(keep)
        self.removed = False
        self.warned_fallback = False
        # this process's files: path -> ((st_dev, st_ino), weakref to _ThreadFile)
        self.files: dict = {}
        _LIVE_MODELS.add(self)
        if not self.keep:
            _REMOVE_AT_EXIT.add(self)  # held until then, even if the model instance is dropped
            _exit.on_exit(_remove_files_at_exit)

    def labelled(self):
        return [(name, field, field.full_label(self.label_prefix, name)) for name, field in self.fields.items()]

    def path_for_this_thread(self) -> str:
        pid, tid = os.getpid(), threading.get_native_id()
        return os.path.join(_defaults.expand(self.directory, pid, tid), _defaults.expand(self.filename, pid, tid))

    def open_file(self, slots) -> _ThreadFile:
        """Create this thread's file and bind ``slots`` to it (after remove(): memory only)."""
        records = [field.record(label) for _, field, label in self.labelled()]
        if self.removed:
            bind_in_memory(records, slots)
            return _ThreadFile(None, slots, None)
        path = self.path_for_this_thread()
        self._forget_dead_thread_file(path)
        try:
            sf = open_new(path, records, self.mode, slots=slots)
        except CreateError as e:
            if e.errno != errno.EEXIST or _ours(path):
                raise  # two models or threads of this process share a name: the caller must fix that
            sf = self._open_fallback(path, records, slots, e)
        tf = _ThreadFile(sf, slots, sf.path)
        self.files[sf.path] = (sf._ident, weakref.ref(tf))
        return tf

    def _open_fallback(self, path, records, slots, taken: CreateError):
        """The preferred name is taken by something not ours (a planted symlink, another user's or a
        running writer's file): use an unpredictable name beside it, created the same exclusive way."""
        stem, ext = os.path.splitext(path)
        for _ in range(4):
            alt = f"{stem}-{secrets.token_hex(8)}{ext}"
            try:
                sf = open_new(alt, records, self.mode, slots=slots)
            except CreateError as e:
                if e.errno == errno.EEXIST:
                    continue
                raise
            if not self.warned_fallback:
                self.warned_fallback = True
                warnings.warn(f"mmstats: {path} is taken ({taken.reason}); writing {alt} instead "
                              "(said once per model)", RuntimeWarning, stacklevel=5)
            return sf
        raise taken

    def _forget_dead_thread_file(self, path):
        # A thread id can be reused: our own file of a finished thread may block the name.
        entry = self.files.get(path)
        if entry is not None and entry[1]() is None:
            del self.files[path]
            try:
                unlink_if_same(path, entry[0])
            except OSError:
                pass

    def attach_thread(self, local_dict, constructing: bool = True) -> None:
        """Give the calling thread its file and put its slots in its dict.

        ``constructing``: called by the constructor, which raises CreateError; a thread's
        lazy set-up instead warns and keeps the thread's values in memory (module doc).
        """
        slots, keys = [], []
        for name, field, label in self.labelled():
            slots.append(field.new_slot(label))
            keys.append(name if field.kind == "object" else _slot_key(name))
        try:
            tf = self.open_file(slots)
        except CreateError as e:
            if constructing:
                raise
            warnings.warn(f"mmstats: thread {threading.get_native_id()} of process {os.getpid()} has no stats "
                          f"file ({e}); its values are kept in memory only", RuntimeWarning, stacklevel=3)
            bind_in_memory([field.record(label) for _, field, label in self.labelled()], slots)
            tf = _ThreadFile(None, slots, None)
        local_dict.update(zip(keys, slots))
        local_dict[_FILE_KEY] = tf

    def live_files(self):
        for _, ref in list(self.files.values()):
            tf = ref()
            if tf is not None and tf.sf is not None:
                yield tf

    def flush(self):
        for tf in self.live_files():
            tf.sf.flush()

    def remove(self, detach: bool = True):
        """Delete this process's files of every thread; later updates go nowhere.

        ``detach=False`` (at exit): unlink only; threads still running keep
        writing into their now nameless maps, never into a released buffer.
        """
        self.removed = True
        _REMOVE_AT_EXIT.discard(self)
        files, self.files = self.files, {}
        for path, (ident, ref) in files.items():
            tf = ref()
            if detach and tf is not None and tf.sf is not None:
                tf.sf._detach()
            try:
                unlink_if_same(path, ident)  # only the file this process created at that path
            except OSError:
                pass

    def after_fork_in_child(self):
        me = threading.get_ident()
        parent_files = [ref() for _, ref in self.files.values()]
        self.files = {}
        for tf in parent_files:
            if tf is None or tf.sf is None:
                continue
            if tf.thread == me and not self.removed:
                try:
                    self._reopen(tf)
                    continue
                except Exception as e:
                    warnings.warn(f"mmstats: forked child {os.getpid()} could not create its own stats file "
                                  f"({e}); its updates are discarded", RuntimeWarning)
            tf.sf._detach()  # never write the parent's file

    def _reopen(self, tf):
        old = tf.sf
        new_tf = self.open_file(tf.slots)  # rebinds the same slot objects to the child's file
        old._forget()
        tf.sf, tf.path = new_tf.sf, new_tf.path
        self.files[tf.path] = (tf.sf._ident, weakref.ref(tf))


_LIVE_MODELS: "weakref.WeakSet[_Model]" = weakref.WeakSet()
_REMOVE_AT_EXIT: set = set()  # models whose files go when the process ends (not keep)
_MODELS: dict = {}  # id(model instance) -> _Model; by id: a model class may define __eq__


def _ours(path: str) -> bool:
    """True if a model of this process wrote ``path`` (a clash the application must fix)."""
    return any(path in model.files for model in list(_LIVE_MODELS))


def _remove_files_at_exit():
    for model in list(_REMOVE_AT_EXIT):  # after a fork, each holds only the child's own files
        model.remove(detach=False)
    _v2model.close_all()  # version 2: state closed, then removed unless a model asked to keep it


def _after_fork_in_child():
    _v2model.after_fork_in_child()
    for model in list(_LIVE_MODELS):
        try:
            model.after_fork_in_child()
        except Exception as e:  # a fork handler must not raise
            warnings.warn(f"mmstats: after fork: {e}", RuntimeWarning)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class BaseMmStats(ModelLocal):
    """A model with only the fields you declare; MmStats adds six that identify the process.

    Instantiate once and share the instance between threads; the constructor's
    doc says where the files go and when they are removed.
    """

    _fields: dict = {}
    format_version = None  # 1 or 2; None: MMSTATS_FORMAT_VERSION, else 2

    def __init_subclass__(cls, **kwargs):
        own = {name: attr for name, attr in vars(cls).items() if isinstance(attr, Field)}
        for name, field in own.items():
            if name.startswith("__") or name in _RESERVED or hasattr(BaseMmStats, name):
                raise TypeError(f"{cls.__name__}.{name}: a field cannot be named {name!r} "
                                "(reserved by the model); pick another attribute name")
            if field.kind == "object":
                delattr(cls, name)  # the slot lives in each thread's dict under this name
                if any(name in vars(base) for base in cls.__mro__[1:]):
                    raise TypeError(f"{cls.__name__}.{name}: a base class already has an attribute {name!r}")
            else:
                setattr(cls, name, FieldAccess(name, _slot_key(name), field, field.kind == "static"))
        for base in cls.__mro__[1:]:
            if not issubclass(base, BaseMmStats) and any(isinstance(v, Field) for v in vars(base).values()):
                raise TypeError(f"{cls.__name__}: fields of {base.__name__} are not seen; declare fields "
                                "on a BaseMmStats or MmStats subclass and inherit from that")
        cls._own_fields = own
        merged: dict = {}
        for klass in cls.__mro__:  # this class's fields first, then its bases' (0.8's order)
            for name, field in vars(klass).get("_own_fields", {}).items():
                merged.setdefault(name, field)
        cls._fields = merged
        if cls.format_version is not None:
            _v2model.format_version(None, cls.format_version)  # 1 or 2, else ValueError now
        if cls.format_version == 1:
            _check_v1(cls)
        # stats.hits = 10 would replace this thread's counter; ModelLocal refuses these names
        cls._assignment_errors = {name: field.assignment_error(name)
                                  for name, field in merged.items() if field.kind == "object"}
        super().__init_subclass__(**kwargs)  # last: ModelLocal reads _assignment_errors

    def __init__(self, path=None, filename=None, label_prefix=None, *, mode=0o644, keep=None, format_version=None):
        """Create the model and its file (format version 2) or this thread's file (version 1).

        ``format_version``: 2 (the default) writes ONE file per process for every model
        of the process ("{CMD}-{PID}.mmstats"), each thread adding into its own slot;
        1 writes the 2011 format, a file per thread, byte for byte as mmstats always
        did. The default comes from the class attribute ``format_version``, else from
        the environment variable MMSTATS_FORMAT_VERSION, else 2. What follows about
        files per thread is version 1; on version 2 a {TID} in ``filename`` is the
        thread that created the file, the file is closed and removed at exit (unless
        ``keep``), and a forked child writes a file of its own.

        Version 1:

        One file per thread: each thread that uses the model gets its own file, and
        the thread that creates the model gets one at once, all zeros until it
        updates something. So an application whose main thread creates the model and
        whose four worker threads do the counting shows five files, one of them all
        zeros (and a zero series in tools that export each file); readers add the
        files up. A later format version writes one file per process instead.

        ``path``: directory (env MMSTATS_PATH, else the temp dir); ``filename``:
        template (env MMSTATS_FILES, else "{CMD}-{PID}-{TID}.mmstats"); both may
        use {CMD} (the script's name, "python" for ``python -c``), {PID} and {TID}.
        If that name is taken by something that is not this process's (a file or
        symlink someone else put there), the file gets a random suffix instead
        and one RuntimeWarning says so. ``label_prefix`` goes before every label.
        ``mode``: permission bits of new files (minus the umask); the default 0o644
        lets other users read the stats but never write them; setuid, setgid and
        sticky bits are refused (ValueError).

        ``keep``: the files are removed when the process ends -- at normal exit,
        and on SIGTERM if the application has not set a SIGTERM handler of its own
        (the process still ends as killed by SIGTERM) -- unless ``keep=True``, or
        the environment sets MMSTATS_KEEP=1 and ``keep`` is not given. A process
        removes only files it created; a forked child removes its own. SIGKILL and
        os._exit() leave the files: ``cleanstats`` removes files whose process is
        gone. ``remove()`` deletes them earlier.

        The constructor raises CreateError (path and cause) if this thread's file
        cannot be created; other threads and forked children that cannot create
        theirs warn once and keep their values in memory (see the module doc).
        """
        model = _MODELS.get(id(self))
        constructing = model is None  # the first call, from the constructor; later ones come per thread
        if constructing:
            cls = type(self)
            if _v2model.format_version(format_version, cls.format_version) == 2:
                model = _v2model.V2Model(cls, path, filename, label_prefix, mode, keep)
                _exit.on_exit(_remove_files_at_exit)
            else:
                _check_v1(cls)
                model = _Model(cls, path, filename, label_prefix, mode, keep)
            _MODELS[id(self)] = model
            weakref.finalize(self, _MODELS.pop, id(self), None)
        if isinstance(model, _v2model.V2Model):
            model.attach_thread(self.__dict__, _field_key, _FILE_KEY)
        else:
            model.attach_thread(self.__dict__, constructing)

    def __repr__(self):
        return f"<{type(self).__name__} {self.filename!r}>"

    @property
    def _model(self) -> _Model:
        return _MODELS[id(self)]

    @property
    def filename(self) -> str | None:
        """This thread's file (None after remove() for a thread that started later)."""
        return self.__dict__[_FILE_KEY].path

    @property
    def size(self) -> int:
        tf = self.__dict__[_FILE_KEY]
        if isinstance(tf, _v2model.V2Model):
            return tf.file.writer._mm.size()
        return tf.sf.size if tf.sf is not None else 0

    @property
    def label_prefix(self) -> str:
        return self._model.label_prefix

    @property
    def format_version_written(self) -> int:
        """The format version this model writes (1 or 2)."""
        return 2 if isinstance(self._model, _v2model.V2Model) else 1

    def flush(self) -> None:
        """msync every file of this model in this process (readers never need it)."""
        self._model.flush()

    def remove(self) -> None:
        """Delete this process's files of this model, every thread's; later updates go nowhere."""
        self._model.remove()


class MmStats(BaseMmStats):
    """A model with your fields followed by six that say which process wrote the file.

    sys.pid (process id), sys.tid (the kernel's id of the thread that writes the
    file), sys.uid and sys.gid (user and group ids), org.python.version and
    sys.created (Unix time the file was created). Each file takes its own values
    when it is created; tools use sys.pid to tell whether the writer is still
    running. These are the fields mmstats has always written, so files stay
    readable by older tools. BaseMmStats has only your fields. The constructor's
    doc (under __init__ below) says where the files go and when they are removed.
    """

    pid = StaticUIntField(label="sys.pid", value=_defaults.value("pid"))
    tid = StaticInt64Field(label="sys.tid", value=_defaults.value("tid"))
    uid = StaticUInt64Field(label="sys.uid", value=_defaults.value("uid"))
    gid = StaticUInt64Field(label="sys.gid", value=_defaults.value("gid"))
    python_version = StaticTextField(label="org.python.version", value=_defaults.value("python_version"))
    created = StaticDoubleField(label="sys.created", value=_defaults.value("created"))

    # Format version 2: the header says the writer's pid and when the file was created, the file is the
    # process's (no one thread's tid), and ids are not metrics: these stay readable on the model but are
    # not published, so no tool exports or sums them. org.python.version is published, as a constant.
    for _f in (pid, tid, uid, gid, created):
        _f.in_v2_header = True
    del _f
