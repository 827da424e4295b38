/* Optional accelerator for the mmstats writer's hot path.
 *
 * BufferedSlot / UnbufferedSlot: one numeric (or "?") value of a version 1
 * record, bound to the writer's shared mapping. An update does what
 * mmstats/_pyslots.py does, in C: keep a copy of the current value and of the
 * write buffer, store value[wb], then publish wb ^ 1 with a release store.
 * FieldAccess: the data descriptor behind `stats.ratio` / `stats.ratio = x`,
 * which finds this thread's slot under a hidden key of the model's
 * threading.local dict and calls the slot without a Python frame.
 * ModelLocal: threading.local whose attribute assignment refuses the names in
 * the class's _assignment_errors (object fields such as counters), so
 * `stats.hits = 10` cannot replace a thread's slot; reads are untouched.
 *
 * mmstats/_pyslots.py is the reference: both must behave identically, and
 * tests/test_writer_lowlevel.py runs the same checks against both.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
#endif

#if PY_BIG_ENDIAN
#error "mmstats files are little-endian; this accelerator assumes a little-endian host"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define STORE_RELEASE_U8(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define LOAD_ACQUIRE_U8(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define FENCE_RELEASE() __atomic_thread_fence(__ATOMIC_RELEASE)
#else
#define FENCE_RELEASE() ((void)0)
#define STORE_RELEASE_U8(p, v) (*(volatile unsigned char *)(p) = (v))
#define LOAD_ACQUIRE_U8(p) (*(volatile unsigned char *)(p))
#endif

enum kind { K_SIGNED, K_UNSIGNED, K_FLOAT32, K_FLOAT64, K_BOOL };

typedef struct {
    PyObject_HEAD
    Py_buffer view;          /* export of the mapping; view.obj == NULL when closed */
    unsigned char *value;    /* value[0] */
    unsigned char *wbp;      /* write-buffer byte (buffered slots) */
    Py_ssize_t size;         /* bytes of one value */
    int kind;
    int buffered;
    int wrap;                /* integers out of range: store modulo 2**bits instead of raising */
    unsigned char wb;        /* our copy of the write-buffer byte */
    uint64_t bits;           /* current value, raw little-endian bits (ints, bool) */
    double real;             /* current value (f, d), already rounded to the type */
    PyObject *label;
    PyObject *type;
    Py_ssize_t offset, write_buffer_offset, value_offset;
} Slot;

static PyTypeObject BufferedSlot_Type;
static PyTypeObject UnbufferedSlot_Type;

static int
parse_code(PyObject *type, int *kind, Py_ssize_t *size)
{
    if (!PyUnicode_Check(type) || PyUnicode_GET_LENGTH(type) != 1) goto bad;
    switch (PyUnicode_READ_CHAR(type, 0)) {
    case 'b': *kind = K_SIGNED; *size = 1; return 0;
    case 'B': *kind = K_UNSIGNED; *size = 1; return 0;
    case 'h': *kind = K_SIGNED; *size = 2; return 0;
    case 'H': *kind = K_UNSIGNED; *size = 2; return 0;
    case 'i': *kind = K_SIGNED; *size = 4; return 0;
    case 'I': *kind = K_UNSIGNED; *size = 4; return 0;
    case 'q': *kind = K_SIGNED; *size = 8; return 0;
    case 'Q': *kind = K_UNSIGNED; *size = 8; return 0;
    case 'f': *kind = K_FLOAT32; *size = 4; return 0;
    case 'd': *kind = K_FLOAT64; *size = 8; return 0;
    case '?': *kind = K_BOOL; *size = 1; return 0;
    }
bad:
    PyErr_Format(PyExc_ValueError, "not a numeric type signature: %R", type);
    return -1;
}

static PyObject *
slot_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"label", "type", "wrap", NULL};
    PyObject *label, *type;
    int kind, wrap = 0;
    Py_ssize_t size;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "UU|p", kwlist, &label, &type, &wrap))
        return NULL;
    if (parse_code(type, &kind, &size) < 0)
        return NULL;
    Slot *self = (Slot *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->kind = kind;
    self->size = size;
    self->buffered = PyType_IsSubtype(tp, &BufferedSlot_Type);
    self->wrap = wrap;
    self->label = Py_NewRef(label);
    self->type = Py_NewRef(type);
    self->offset = self->write_buffer_offset = self->value_offset = -1;
    return (PyObject *)self;
}

static int
slot_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    return 0;  /* everything happens in __new__; subclasses may define __init__ */
}

static void
slot_dealloc(Slot *self)
{
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    Py_CLEAR(self->label);
    Py_CLEAR(self->type);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
closed_error(Slot *self)
{
    PyErr_Format(PyExc_ValueError, "mmstats field %R: its file is closed", self->label);
    return -1;
}

/* Sign-extend the low `size` bytes of raw bits. */
static int64_t
as_signed(uint64_t bits, Py_ssize_t size)
{
    int shift = (int)(64 - 8 * size);
    return (int64_t)(bits << shift) >> shift;
}

static uint64_t
mask_bits(uint64_t bits, Py_ssize_t size)
{
    return size == 8 ? bits : bits & ((UINT64_C(1) << (8 * size)) - 1);
}

/* OverflowError for an integer the type cannot hold, worded as _pyslots.out_of_range. */
static int
out_of_range(Slot *self, PyObject *n)
{
    int bits = (int)(8 * self->size);
    if (self->kind == K_SIGNED) {
        long long lo = bits == 64 ? INT64_MIN : -(1LL << (bits - 1));
        PyErr_Format(PyExc_OverflowError,
                     "mmstats field %R (%U) holds %lld to %lld, not %R; "
                     "create the field with wrap=True to store values modulo 2**%d",
                     self->label, self->type, lo, -(lo + 1), n, bits);
    } else {
        unsigned long long hi = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
        PyErr_Format(PyExc_OverflowError,
                     "mmstats field %R (%U) holds 0 to %llu, not %R; "
                     "create the field with wrap=True to store values modulo 2**%d",
                     self->label, self->type, hi, n, bits);
    }
    return -1;
}

/* The bits of integer ``n`` when the type holds it; else OverflowError. */
static int
in_range_bits(Slot *self, PyObject *n, uint64_t *bits)
{
    if (self->kind == K_SIGNED) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(n, &overflow);
        if (x == -1 && PyErr_Occurred()) return -1;
        long long lo = self->size == 8 ? INT64_MIN : -(1LL << (8 * self->size - 1));
        if (overflow || x < lo || x > -(lo + 1))
            return out_of_range(self, n);
        *bits = mask_bits((uint64_t)x, self->size);
        return 0;
    }
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(n, &overflow);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (overflow < 0 || (overflow == 0 && x < 0))  /* negative */
        return out_of_range(self, n);
    uint64_t b = PyLong_AsUnsignedLongLong(n);
    if (b == (uint64_t)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
        PyErr_Clear();
        return out_of_range(self, n);
    }
    if (mask_bits(b, self->size) != b)
        return out_of_range(self, n);
    *bits = b;
    return 0;
}

/* Python value of raw stored bytes. */
static PyObject *
from_raw(Slot *self, const unsigned char *p)
{
    switch (self->kind) {
    case K_FLOAT32: { float f; memcpy(&f, p, 4); return PyFloat_FromDouble((double)f); }
    case K_FLOAT64: { double d; memcpy(&d, p, 8); return PyFloat_FromDouble(d); }
    default: break;
    }
    uint64_t bits = 0;
    memcpy(&bits, p, (size_t)self->size);
    if (self->kind == K_BOOL)
        return PyBool_FromLong(bits != 0);
    if (self->kind == K_SIGNED)
        return PyLong_FromLongLong(as_signed(bits, self->size));
    return PyLong_FromUnsignedLongLong(bits);
}

/* Python value of our copy of the current value. */
static PyObject *
current(Slot *self)
{
    switch (self->kind) {
    case K_FLOAT32: case K_FLOAT64: return PyFloat_FromDouble(self->real);
    case K_BOOL: return PyBool_FromLong(self->bits != 0);
    case K_SIGNED: return PyLong_FromLongLong(as_signed(self->bits, self->size));
    default: return PyLong_FromUnsignedLongLong(self->bits);
    }
}

/* Convert a Python value into self->bits / self->real without touching the map.
 * Returns -1 with TypeError (wrong type) and leaves the copy unchanged. */
static int
coerce(Slot *self, PyObject *v, uint64_t *bits, double *real)
{
    switch (self->kind) {
    case K_BOOL: {
        int t = PyObject_IsTrue(v);
        if (t < 0) return -1;
        *bits = (uint64_t)t;
        return 0;
    }
    case K_FLOAT32: case K_FLOAT64: {
        if (PyUnicode_Check(v) || PyBytes_Check(v) || PyByteArray_Check(v)) {
            PyErr_Format(PyExc_TypeError, "mmstats field %R (%U) takes a number, not %.100s",
                         self->label, self->type, Py_TYPE(v)->tp_name);
            return -1;
        }
        double d = PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        *real = self->kind == K_FLOAT32 ? (double)(float)d : d;
        return 0;
    }
    default: {
        if (!PyLong_Check(v) && !PyIndex_Check(v)) {
            PyErr_Format(PyExc_TypeError, "mmstats field %R (%U) takes an integer, not %.100s",
                         self->label, self->type, Py_TYPE(v)->tp_name);
            return -1;
        }
        if (self->wrap) {
            uint64_t b = PyLong_AsUnsignedLongLongMask(v);  /* modulo 2**64, as 0.8 wrapped */
            if (b == (uint64_t)-1 && PyErr_Occurred()) return -1;
            *bits = mask_bits(b, self->size);
            return 0;
        }
        PyObject *n = PyNumber_Index(v);
        if (n == NULL) return -1;
        int r = in_range_bits(self, n, bits);
        Py_DECREF(n);
        return r;
    }
    }
}

/* The two stores of one update: value[wb] (or the value), then wb ^= 1 (release).
 * The fence first keeps this value store from overtaking the previous flip
 * (spec, writer protocol step 2); it costs nothing on x86-64. */
static inline void
publish(Slot *self)
{
    unsigned char *dst = self->value;
    if (self->buffered) {
        dst += (Py_ssize_t)self->wb * self->size;
        FENCE_RELEASE();
    }
    if (self->kind == K_FLOAT32) {
        float f = (float)self->real;
        memcpy(dst, &f, 4);
    } else if (self->kind == K_FLOAT64) {
        memcpy(dst, &self->real, 8);
    } else {
        memcpy(dst, &self->bits, (size_t)self->size);  /* little-endian: low bytes first */
    }
    if (self->buffered) {
        self->wb ^= 1;
        STORE_RELEASE_U8(self->wbp, self->wb);
    }
}

static int
slot_set_impl(Slot *self, PyObject *v)
{
    uint64_t bits = self->bits;
    double real = self->real;
    if (coerce(self, v, &bits, &real) < 0)
        return -1;
    if (self->view.obj == NULL)
        return closed_error(self);
    self->bits = bits;
    self->real = real;
    publish(self);
    return 0;
}

static PyObject *
slot_get_impl(Slot *self)
{
    if (self->view.obj == NULL) {
        closed_error(self);
        return NULL;
    }
    if (!self->buffered)
        return from_raw(self, self->value);
    unsigned char wb = LOAD_ACQUIRE_U8(self->wbp) & 1;
    return from_raw(self, self->value + (Py_ssize_t)(wb ^ 1) * self->size);
}

static PyObject *
slot_set(Slot *self, PyObject *v)
{
    if (slot_set_impl(self, v) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
slot_get(Slot *self, PyObject *unused)
{
    return slot_get_impl(self);
}

static int
add_amount(Slot *self, PyObject *n)
{
    if (self->view.obj == NULL)
        return closed_error(self);
    if (self->kind == K_BOOL) {
        PyErr_Format(PyExc_TypeError, "mmstats field %R (?) cannot be incremented", self->label);
        return -1;
    }
    if (self->kind == K_FLOAT32 || self->kind == K_FLOAT64) {
        double d = 1.0;
        if (n != NULL) {
            if (PyUnicode_Check(n) || PyBytes_Check(n) || PyByteArray_Check(n)) {
                PyErr_Format(PyExc_TypeError, "mmstats field %R: increment must be a number, not %.100s",
                             self->label, Py_TYPE(n)->tp_name);
                return -1;
            }
            d = PyFloat_AsDouble(n);
            if (d == -1.0 && PyErr_Occurred()) return -1;
        }
        d += self->real;
        self->real = self->kind == K_FLOAT32 ? (double)(float)d : d;
    } else {
        uint64_t b = 1;
        if (n != NULL) {
            if (!PyLong_Check(n) && !PyIndex_Check(n)) {
                PyErr_Format(PyExc_TypeError, "mmstats field %R: increment must be an integer, not %.100s",
                             self->label, Py_TYPE(n)->tp_name);
                return -1;
            }
            b = PyLong_AsUnsignedLongLongMask(n);
            if (b == (uint64_t)-1 && PyErr_Occurred()) return -1;
        }
        self->bits = mask_bits(self->bits + b, self->size);
    }
    publish(self);
    return 0;
}

/* incr(n=1) -- also accepts amount= (0.8 spelling). */
static PyObject *
slot_incr(Slot *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *n = NULL;
    if (nargs > 1)
        goto usage;
    if (nargs == 1)
        n = args[0];
    if (kwnames != NULL) {
        Py_ssize_t nk = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t i = 0; i < nk; i++) {
            PyObject *k = PyTuple_GET_ITEM(kwnames, i);
            if (n != NULL || (PyUnicode_CompareWithASCIIString(k, "n") != 0 &&
                              PyUnicode_CompareWithASCIIString(k, "amount") != 0))
                goto usage;
            n = args[nargs + i];
        }
    }
    if (add_amount(self, n) < 0)
        return NULL;
    Py_RETURN_NONE;
usage:
    PyErr_SetString(PyExc_TypeError, "incr() takes one optional argument: n (or amount)");
    return NULL;
}

static PyObject *
slot_inc(Slot *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "inc() is deprecated, use incr()", 1) < 0)
        return NULL;
    return slot_incr(self, args, nargs, kwnames);
}

/* _bind(buffer, offset, write_buffer_offset, value_offset): point the slot at
 * a record of a writable buffer (None: closed) and load our copies from it. */
static PyObject *
slot_bind(Slot *self, PyObject *args)
{
    PyObject *buf;
    Py_ssize_t off, wbo, vo;
    if (!PyArg_ParseTuple(args, "Onnn:_bind", &buf, &off, &wbo, &vo))
        return NULL;
    if (buf == Py_None) {
        if (self->view.obj != NULL)
            PyBuffer_Release(&self->view);
        self->value = self->wbp = NULL;
        Py_RETURN_NONE;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE | PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t area = self->size * (self->buffered ? 2 : 1);
    if (off < 0 || wbo < off || wbo >= view.len || vo <= wbo || vo + area > view.len) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "record of %R at %zd does not fit a buffer of %zd bytes",
                     self->label, off, view.len);
        return NULL;
    }
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    self->view = view;
    self->value = (unsigned char *)view.buf + vo;
    self->wbp = (unsigned char *)view.buf + wbo;
    self->offset = off;
    self->write_buffer_offset = wbo;
    self->value_offset = vo;
    const unsigned char *cur = self->value;
    if (self->buffered) {
        self->wb = *self->wbp & 1;
        cur += (Py_ssize_t)(self->wb ^ 1) * self->size;
    }
    self->bits = 0;
    self->real = 0.0;
    if (self->kind == K_FLOAT32) { float f; memcpy(&f, cur, 4); self->real = f; }
    else if (self->kind == K_FLOAT64) memcpy(&self->real, cur, 8);
    else memcpy(&self->bits, cur, (size_t)self->size);
    Py_RETURN_NONE;
}

static PyObject *
slot_get_value(Slot *self, void *closure)
{
    return slot_get_impl(self);
}

static int
slot_set_value(Slot *self, PyObject *v, void *closure)
{
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete value");
        return -1;
    }
    return slot_set_impl(self, v);
}

static PyObject *
slot_get_current(Slot *self, void *closure)
{
    return current(self);
}

static PyObject *
slot_get_closed(Slot *self, void *closure)
{
    return PyBool_FromLong(self->view.obj == NULL);
}

static PyObject *
slot_get_buffered(Slot *self, void *closure)
{
    return PyBool_FromLong(self->buffered);
}

static PyObject *
slot_get_wrap(Slot *self, void *closure)
{
    return PyBool_FromLong(self->wrap);
}

static PyObject *
slot_get_wb(Slot *self, void *closure)
{
    return PyLong_FromLong(self->wb);
}

static PyObject *
slot_repr(Slot *self)
{
    return PyUnicode_FromFormat("<%s %R %U>", Py_TYPE(self)->tp_name, self->label, self->type);
}

static PyMethodDef slot_methods[] = {
    {"set", (PyCFunction)slot_set, METH_O,
     "set(v): one update: store the value (buffered: value[wb], then flip wb); "
     "an integer out of range raises OverflowError unless the slot wraps"},
    {"get", (PyCFunction)slot_get, METH_NOARGS, "get(): what a reader reads now"},
    {"incr", (PyCFunction)(void (*)(void))slot_incr, METH_FASTCALL | METH_KEYWORDS,
     "incr(n=1): add n (integers wrap modulo 2**bits) -- one update"},
    {"inc", (PyCFunction)(void (*)(void))slot_inc, METH_FASTCALL | METH_KEYWORDS,
     "deprecated alias of incr()"},
    {"_bind", (PyCFunction)slot_bind, METH_VARARGS, NULL},
    {NULL}
};

static PyGetSetDef slot_getset[] = {
    {"value", (getter)slot_get_value, (setter)slot_set_value, "what a reader reads now; assigning is set()", NULL},
    {"current", (getter)slot_get_current, NULL, "the writer's copy of the current value", NULL},
    {"closed", (getter)slot_get_closed, NULL, NULL, NULL},
    {"buffered", (getter)slot_get_buffered, NULL, NULL, NULL},
    {"wrap", (getter)slot_get_wrap, NULL, "integers out of range wrap modulo 2**bits instead of raising", NULL},
    {"_wb", (getter)slot_get_wb, NULL, NULL, NULL},
    {NULL}
};

static PyMemberDef slot_members[] = {
    {"label", T_OBJECT, offsetof(Slot, label), READONLY, NULL},
    {"type", T_OBJECT, offsetof(Slot, type), READONLY, NULL},
    {"offset", T_PYSSIZET, offsetof(Slot, offset), READONLY, "first byte of the record"},
    {"write_buffer_offset", T_PYSSIZET, offsetof(Slot, write_buffer_offset), READONLY, NULL},
    {"value_offset", T_PYSSIZET, offsetof(Slot, value_offset), READONLY, NULL},
    {NULL}
};

#define SLOT_TYPE(NAME, DOC)                                            \
    {                                                                         \
        PyVarObject_HEAD_INIT(NULL, 0)                                        \
        .tp_name = "mmstats._speedups." NAME,                                 \
        .tp_basicsize = sizeof(Slot),                                         \
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,                 \
        .tp_doc = DOC,                                                        \
        .tp_new = slot_new,                                                   \
        .tp_init = slot_init,                                                 \
        .tp_dealloc = (destructor)slot_dealloc,                               \
        .tp_repr = (reprfunc)slot_repr,                                       \
        .tp_methods = slot_methods,                                           \
        .tp_getset = slot_getset,                                             \
        .tp_members = slot_members,                                           \
    }

static PyTypeObject BufferedSlot_Type = SLOT_TYPE(
    "BufferedSlot", "A double-buffered numeric field: value[wb] then wb ^= 1 per update.");
static PyTypeObject UnbufferedSlot_Type = SLOT_TYPE(
    "UnbufferedSlot", "An unbuffered numeric or bool field: one store per update.");

/* Exact types only: a Python subclass may override set()/get(). */
#define IS_C_SLOT(o) (Py_IS_TYPE((o), &BufferedSlot_Type) || Py_IS_TYPE((o), &UnbufferedSlot_Type))

/* ---- FieldAccess: class attribute of a value field ---- */

typedef struct {
    PyObject_HEAD
    PyObject *name;      /* attribute name */
    PyObject *key;       /* hidden key of this thread's slot in the instance dict */
    PyObject *field;     /* the Field definition */
    int readonly;
} Access;

static PyObject *
access_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "key", "field", "readonly", NULL};
    PyObject *name, *key, *field;
    int readonly = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "UUO|p", kwlist, &name, &key, &field, &readonly))
        return NULL;
    Access *self = (Access *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->name = Py_NewRef(name);
    Py_INCREF(key);
    PyUnicode_InternInPlace(&key);
    self->key = key;
    self->field = Py_NewRef(field);
    self->readonly = readonly;
    return (PyObject *)self;
}

static void
access_dealloc(Access *self)
{
    Py_CLEAR(self->name);
    Py_CLEAR(self->key);
    Py_CLEAR(self->field);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
access_get(Access *self, PyObject *inst, PyObject *owner)
{
    if (inst == NULL || inst == Py_None)
        return Py_NewRef(self);
    PyObject *slot = PyObject_GetAttr(inst, self->key);
    if (slot == NULL)
        return NULL;
    PyObject *r = IS_C_SLOT(slot) ? slot_get_impl((Slot *)slot) : PyObject_CallMethod(slot, "get", NULL);
    Py_DECREF(slot);
    return r;
}

static int
access_set(Access *self, PyObject *inst, PyObject *value)
{
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError, "mmstats field %R cannot be deleted", self->name);
        return -1;
    }
    if (self->readonly) {
        PyErr_Format(PyExc_AttributeError, "mmstats field %R is static (read-only)", self->name);
        return -1;
    }
    PyObject *slot = PyObject_GetAttr(inst, self->key);
    if (slot == NULL)
        return -1;
    int r;
    if (IS_C_SLOT(slot)) {
        r = slot_set_impl((Slot *)slot, value);
    } else {
        PyObject *res = PyObject_CallMethod(slot, "set", "O", value);
        r = res == NULL ? -1 : 0;
        Py_XDECREF(res);
    }
    Py_DECREF(slot);
    return r;
}

static PyObject *
access_repr(Access *self)
{
    return PyUnicode_FromFormat("<FieldAccess %R of %R>", self->name, self->field);
}

static PyMemberDef access_members[] = {
    {"name", T_OBJECT, offsetof(Access, name), READONLY, NULL},
    {"key", T_OBJECT, offsetof(Access, key), READONLY, NULL},
    {"field", T_OBJECT, offsetof(Access, field), READONLY, NULL},
    {"readonly", T_BOOL, offsetof(Access, readonly), READONLY, NULL},
    {NULL}
};

static PyTypeObject Access_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.FieldAccess",
    .tp_basicsize = sizeof(Access),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Class attribute of a value field: reads and sets this thread's slot.",
    .tp_new = access_new,
    .tp_dealloc = (destructor)access_dealloc,
    .tp_repr = (reprfunc)access_repr,
    .tp_members = access_members,
    .tp_descr_get = (descrgetfunc)access_get,
    .tp_descr_set = (descrsetfunc)access_set,
};

/* ---- ModelLocal: threading.local that refuses assignment to object fields ---- */

static setattrofunc local_setattro;   /* threading.local's own */
static PyObject *str_assignment_errors;

static int
model_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    /* Only assignments pay for this; `stats.hits` lookups keep threading.local's getattro. */
    PyObject *errors = _PyType_Lookup(Py_TYPE(self), str_assignment_errors);  /* borrowed */
    if (errors != NULL && PyDict_CheckExact(errors)) {
        PyObject *msg = PyDict_GetItemWithError(errors, name);  /* borrowed */
        if (msg != NULL) {
            PyErr_SetObject(PyExc_TypeError, msg);
            return -1;
        }
        if (PyErr_Occurred())
            return -1;
    }
    return local_setattro(self, name, value);
}

static PyType_Slot model_local_slots[] = {
    {Py_tp_setattro, model_setattro},
    {Py_tp_doc, "threading.local whose assignment refuses the names in the class's _assignment_errors."},
    {0, NULL},
};

static PyType_Spec model_local_spec = {
    .name = "mmstats._speedups.ModelLocal",
    .basicsize = 0,  /* threading.local's layout */
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = model_local_slots,
};

static PyObject *
make_model_local(void)
{
    PyObject *thread = PyImport_ImportModule("_thread");
    if (thread == NULL)
        return NULL;
    PyObject *local = PyObject_GetAttrString(thread, "_local");
    Py_DECREF(thread);
    if (local == NULL)
        return NULL;
    if (!PyType_Check(local) || ((PyTypeObject *)local)->tp_setattro == NULL) {
        Py_DECREF(local);
        PyErr_SetString(PyExc_ImportError, "_thread._local is not the expected type");
        return NULL;
    }
    local_setattro = ((PyTypeObject *)local)->tp_setattro;
    str_assignment_errors = PyUnicode_InternFromString("_assignment_errors");
    PyObject *type = str_assignment_errors == NULL ? NULL : PyType_FromSpecWithBases(&model_local_spec, local);
    Py_DECREF(local);
    return type;
}

/* ---- format version 2: CounterSlot, one copy of a counter (spec/v2.md, Slots) ----
 *
 * mmstats/_v2pyslots.py is the reference. A thread slot's owner adds without
 * locks: a relaxed load, an add, a relaxed store (two plain movs on x86-64).
 * Slot 0, the shared slot, takes an atomic fetch_add. `value` is the field's
 * total: the sum of its copies in slots 0 to slots_used - 1, modulo 2**64.
 * Offsets come from the caller (mmstats/_v2model.py, from mmstats_format.v2.derived). */

#if defined(__GNUC__) || defined(__clang__)
#define V2_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define V2_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define V2_FETCH_ADD(p, v) ((void)__atomic_fetch_add((p), (v), __ATOMIC_RELAXED))
#define V2_LOAD_U32_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define V2_LOAD(p) (*(volatile uint64_t *)(p))
#define V2_STORE(p, v) (*(volatile uint64_t *)(p) = (v))
#define V2_FETCH_ADD(p, v) (*(volatile uint64_t *)(p) += (v))  /* no atomics: the GIL serialises */
#define V2_LOAD_U32_ACQUIRE(p) (*(volatile uint32_t *)(p))
#endif

typedef struct {
    PyObject_HEAD
    Py_buffer view;          /* export of the mapping; view.obj == NULL when closed */
    uint64_t *copy;          /* the copy this object adds to */
    uint64_t *first;         /* slot 0's copy */
    Py_ssize_t stride;       /* words from one slot's copy to the next */
    uint32_t *slots_used;
    Py_ssize_t slot;
    PyObject *label;
    PyObject *owner;         /* the model's side of the field: labels() asks it for a child */
    PyObject *weakreflist;
} CounterSlot;

static PyTypeObject CounterSlot_Type;

static PyObject *
cslot_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"label", NULL};
    PyObject *label;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "U", kwlist, &label))
        return NULL;
    CounterSlot *self = (CounterSlot *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->label = Py_NewRef(label);
    self->slot = -1;
    return (PyObject *)self;
}

static void
cslot_dealloc(CounterSlot *self)
{
    if (self->weakreflist != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    Py_CLEAR(self->label);
    Py_CLEAR(self->owner);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
cslot_closed(CounterSlot *self)
{
    PyErr_Format(PyExc_ValueError, "mmstats field %R: its file is closed", self->label);
    return -1;
}

/* n as the amount a counter adds: an int >= 0 (modulo 2**64); else TypeError / ValueError. */
static int
cslot_amount(CounterSlot *self, PyObject *v, uint64_t *n)
{
    if (!PyLong_Check(v)) {
        if (PyFloat_Check(v) || !PyIndex_Check(v)) {
            PyErr_Format(PyExc_TypeError, "mmstats counter %R adds an integer, not %.100s",
                         self->label, Py_TYPE(v)->tp_name);
            return -1;
        }
        PyObject *i = PyNumber_Index(v);
        if (i == NULL)
            return -1;
        int r = cslot_amount(self, i, n);
        Py_DECREF(i);
        return r;
    }
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred())
        return -1;
    if (overflow > 0) {
        *n = PyLong_AsUnsignedLongLongMask(v);  /* modulo 2**64 */
        return (*n == (uint64_t)-1 && PyErr_Occurred()) ? -1 : 0;
    }
    if (x < 0 || overflow < 0) {
        PyErr_Format(PyExc_ValueError, "mmstats counter %R only grows: cannot add %R", self->label, v);
        return -1;
    }
    *n = (uint64_t)x;
    return 0;
}

static inline void
cslot_add(CounterSlot *self, uint64_t n)
{
    if (self->slot)
        V2_STORE(self->copy, V2_LOAD(self->copy) + n);  /* the owner is the only writer */
    else
        V2_FETCH_ADD(self->copy, n);
}

static PyObject *
cslot_incr(CounterSlot *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    uint64_t n = 1;
    if (nargs == 0 && kwnames == NULL) {
        /* incr(): the common case */
    } else {
        PyObject *v = NULL;
        Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
        if (nargs > 1 || nargs + nkw > 1) {
            PyErr_SetString(PyExc_TypeError, "incr() takes one argument, n or amount=");
            return NULL;
        }
        if (nargs == 1)
            v = args[0];
        else {
            PyObject *key = PyTuple_GET_ITEM(kwnames, 0);
            if (PyUnicode_CompareWithASCIIString(key, "n") && PyUnicode_CompareWithASCIIString(key, "amount")) {
                PyErr_Format(PyExc_TypeError, "incr() got an unexpected keyword argument %R", key);
                return NULL;
            }
            v = args[0];
        }
        if (cslot_amount(self, v, &n) < 0)
            return NULL;
    }
    if (self->view.obj == NULL) {
        cslot_closed(self);
        return NULL;
    }
    cslot_add(self, n);
    Py_RETURN_NONE;
}

static PyObject *
cslot_inc(CounterSlot *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "inc() is deprecated, use incr()", 1) < 0)
        return NULL;
    return cslot_incr(self, args, nargs, kwnames);
}

static uint64_t
cslot_total(CounterSlot *self)
{
    uint32_t used = V2_LOAD_U32_ACQUIRE(self->slots_used);
    uint64_t total = 0;
    for (uint32_t k = 0; k < used; k++)
        total += V2_LOAD(self->first + (Py_ssize_t)k * self->stride);
    return total;
}

/* _bind(buffer, slots_used_offset, first_offset, slot_size, slot[, lock]): point at a
 * counter's copies in a writable buffer (None: closed). The lock is for the pure-Python
 * shared slot; C uses atomics. */
static PyObject *
cslot_bind(CounterSlot *self, PyObject *args)
{
    PyObject *buf, *lock = Py_None;
    Py_ssize_t used_off, first_off, slot_size, slot;
    if (!PyArg_ParseTuple(args, "Onnnn|O:_bind", &buf, &used_off, &first_off, &slot_size, &slot, &lock))
        return NULL;
    if (buf == Py_None) {
        if (self->view.obj != NULL)
            PyBuffer_Release(&self->view);
        self->copy = self->first = NULL;
        self->slots_used = NULL;
        Py_RETURN_NONE;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE | PyBUF_SIMPLE) < 0)
        return NULL;
    uintptr_t base = (uintptr_t)view.buf;
    Py_ssize_t own = first_off + slot * slot_size;
    if (used_off < 0 || used_off + 4 > view.len || (base + used_off) % 4 || first_off < 0 || slot < 0 ||
        slot_size < 0 || slot_size % 8 || (base + first_off) % 8 || own + 8 > view.len) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "counter %R: copies at %zd (slot %zd of %zd bytes) do not fit "
                     "a buffer of %zd bytes aligned", self->label, first_off, slot, slot_size, view.len);
        return NULL;
    }
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    self->view = view;
    self->first = (uint64_t *)(base + first_off);
    self->copy = (uint64_t *)(base + own);
    self->stride = slot_size / 8;
    self->slots_used = (uint32_t *)(base + used_off);
    self->slot = slot;
    Py_RETURN_NONE;
}

static PyObject *
cslot_get_value(CounterSlot *self, void *closure)
{
    if (self->view.obj == NULL) {
        cslot_closed(self);
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(cslot_total(self));
}

/* value = n: add n - total (a counter only grows). */
static int
cslot_set_value(CounterSlot *self, PyObject *v, void *closure)
{
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete value");
        return -1;
    }
    uint64_t n;
    if (cslot_amount(self, v, &n) < 0)
        return -1;
    if (self->view.obj == NULL)
        return cslot_closed(self);
    uint64_t total = cslot_total(self);
    if (n < total) {
        PyErr_Format(PyExc_ValueError, "mmstats counter %R only grows: it is %llu, cannot set it to %R",
                     self->label, (unsigned long long)total, v);
        return -1;
    }
    cslot_add(self, n - total);
    return 0;
}

static PyObject *
cslot_get_closed(CounterSlot *self, void *closure)
{
    return PyBool_FromLong(self->view.obj == NULL);
}

static PyObject *
cslot_repr(CounterSlot *self)
{
    return PyUnicode_FromFormat("<%s %R slot %zd>", Py_TYPE(self)->tp_name, self->label, self->slot);
}

/* labels(**attributes): the same counter with more attributes, this thread's copy (owner.labels_of). */
static PyObject *
cslot_labels(CounterSlot *self, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args)) {
        PyErr_SetString(PyExc_TypeError, "labels() takes keyword arguments only: labels(route='/users')");
        return NULL;
    }
    if (self->owner == NULL || self->owner == Py_None) {
        PyErr_Format(PyExc_TypeError, "counter %R belongs to no model: it has no labels()", self->label);
        return NULL;
    }
    PyObject *kw = kwargs ? Py_NewRef(kwargs) : PyDict_New();
    if (kw == NULL)
        return NULL;
    PyObject *r = PyObject_CallMethod(self->owner, "labels_of", "OO", (PyObject *)self, kw);
    Py_DECREF(kw);
    return r;
}

static PyMethodDef cslot_methods[] = {
    {"labels", (PyCFunction)(void (*)(void))cslot_labels, METH_VARARGS | METH_KEYWORDS,
     "labels(**attributes): this thread's copy of the same counter with these attributes added"},
    {"incr", (PyCFunction)(void (*)(void))cslot_incr, METH_FASTCALL | METH_KEYWORDS,
     "incr(n=1): add n >= 0 to this thread's copy (modulo 2**64)"},
    {"inc", (PyCFunction)(void (*)(void))cslot_inc, METH_FASTCALL | METH_KEYWORDS, "deprecated alias of incr()"},
    {"_bind", (PyCFunction)cslot_bind, METH_VARARGS, NULL},
    {NULL}
};

static PyGetSetDef cslot_getset[] = {
    {"value", (getter)cslot_get_value, (setter)cslot_set_value,
     "the field's total (every slot); assigning n adds n - total (never less)", NULL},
    {"closed", (getter)cslot_get_closed, NULL, NULL, NULL},
    {NULL}
};

static PyMemberDef cslot_members[] = {
    {"label", T_OBJECT, offsetof(CounterSlot, label), READONLY, NULL},
    {"slot", T_PYSSIZET, offsetof(CounterSlot, slot), READONLY, "the slot this object adds to (0: shared)"},
    {"owner", T_OBJECT, offsetof(CounterSlot, owner), 0, "the model's side of the field (labels())"},
    {NULL}
};

static PyTypeObject CounterSlot_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.CounterSlot",
    .tp_basicsize = sizeof(CounterSlot),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "One copy of a format version 2 counter: the calling thread's slot, or the shared slot 0.",
    .tp_new = cslot_new,
    .tp_dealloc = (destructor)cslot_dealloc,
    .tp_repr = (reprfunc)cslot_repr,
    .tp_methods = cslot_methods,
    .tp_getset = cslot_getset,
    .tp_members = cslot_members,
    .tp_weaklistoffset = offsetof(CounterSlot, weakreflist),
};

/* ---- format version 2: MeanGauge and TimerFront (AverageField, MovingAverageField, TimerField) ----
 *
 * mmstats/_v2pyslots.py is the reference. A MeanGauge is shared by the threads of a process: each
 * add() runs without releasing the GIL, so it is atomic with respect to other Python threads, and
 * publishes the new mean with one 8-byte store into the gauge's word. The moving average keeps a
 * running sum of its window and sums the window again, left to right, at the end of every lap.
 * A TimerFront is one thread's timer: its running timings, on CLOCK_MONOTONIC (time.perf_counter's
 * clock on Linux); each finished timing goes to the MeanGauge. */

#include <time.h>

typedef struct {
    PyObject_HEAD
    Py_buffer view;
    double *gauge;
    double *window;          /* NULL: a plain average */
    Py_ssize_t size, idx;
    int full;
    double total;
    double count;
    PyObject *label;
} MeanGauge;

static PyTypeObject MeanGauge_Type;

static PyObject *
mean_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"label", "size", NULL};
    PyObject *label;
    Py_ssize_t size = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|n", kwlist, &label, &size))
        return NULL;
    if (size < 0) {
        PyErr_Format(PyExc_ValueError, "moving average size must be a positive int, not %zd", size);
        return NULL;
    }
    MeanGauge *self = (MeanGauge *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    if (size) {
        self->window = PyMem_Calloc((size_t)size, sizeof(double));
        if (self->window == NULL) {
            Py_DECREF(self);
            return PyErr_NoMemory();
        }
    }
    self->size = size;
    self->label = Py_NewRef(label);
    return (PyObject *)self;
}

static void
mean_dealloc(MeanGauge *self)
{
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    PyMem_Free(self->window);
    Py_CLEAR(self->label);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
mean_real(PyObject *label, PyObject *v, double *out)
{
    if (PyFloat_CheckExact(v)) {
        *out = PyFloat_AS_DOUBLE(v);
        return 0;
    }
    if (PyUnicode_Check(v) || PyBytes_Check(v) || PyByteArray_Check(v)) {
        PyErr_Format(PyExc_TypeError, "mmstats field %R takes a number, not %.100s", label, Py_TYPE(v)->tp_name);
        return -1;
    }
    *out = PyFloat_AsDouble(v);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

static int
mean_add_value(MeanGauge *self, double v)
{
    if (self->view.obj == NULL) {
        PyErr_Format(PyExc_ValueError, "mmstats field %R: its file is closed", self->label);
        return -1;
    }
    double mean;
    if (self->window == NULL) {
        self->total += v;
        self->count += 1.0;
        mean = self->total / self->count;
    } else {
        self->total += v - self->window[self->idx];
        self->window[self->idx] = v;
        if (++self->idx == self->size) {
            self->idx = 0;
            self->full = 1;
            double t = 0.0;
            for (Py_ssize_t i = 0; i < self->size; i++)
                t += self->window[i];
            self->total = t;
        }
        mean = self->total / (double)(self->full ? self->size : self->idx);
    }
    uint64_t bits;
    memcpy(&bits, &mean, 8);
    V2_STORE((uint64_t *)self->gauge, bits);
    return 0;
}

static PyObject *
mean_add(MeanGauge *self, PyObject *v)
{
    double x;
    if (mean_real(self->label, v, &x) < 0 || mean_add_value(self, x) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* _bind(buffer, offset): the gauge's 8-byte word (None: closed); the running state starts afresh. */
static PyObject *
mean_bind(MeanGauge *self, PyObject *args)
{
    PyObject *buf;
    Py_ssize_t off;
    if (!PyArg_ParseTuple(args, "On:_bind", &buf, &off))
        return NULL;
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    self->gauge = NULL;
    self->idx = 0;
    self->full = 0;
    self->total = self->count = 0.0;
    if (self->window)
        memset(self->window, 0, (size_t)self->size * sizeof(double));
    if (buf == Py_None)
        Py_RETURN_NONE;
    Py_buffer view;
    if (PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE | PyBUF_SIMPLE) < 0)
        return NULL;
    if (off < 0 || off + 8 > view.len || ((uintptr_t)view.buf + off) % 8) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "gauge %R at %zd does not fit a buffer of %zd bytes aligned",
                     self->label, off, view.len);
        return NULL;
    }
    self->view = view;
    self->gauge = (double *)((char *)view.buf + off);
    Py_RETURN_NONE;
}

static PyObject *
mean_get_value(MeanGauge *self, void *closure)
{
    if (self->view.obj == NULL) {
        PyErr_Format(PyExc_ValueError, "mmstats field %R: its file is closed", self->label);
        return NULL;
    }
    uint64_t bits = V2_LOAD((uint64_t *)self->gauge);
    double d;
    memcpy(&d, &bits, 8);
    return PyFloat_FromDouble(d);
}

static PyMethodDef mean_methods[] = {
    {"add", (PyCFunction)mean_add, METH_O, "add(v): one more value; publishes the new mean (one store)"},
    {"_bind", (PyCFunction)mean_bind, METH_VARARGS, NULL},
    {NULL}
};

static PyGetSetDef mean_getset[] = {
    {"value", (getter)mean_get_value, NULL, "the published mean", NULL},
    {NULL}
};

static PyMemberDef mean_members[] = {
    {"label", T_OBJECT, offsetof(MeanGauge, label), READONLY, NULL},
    {NULL}
};

static PyTypeObject MeanGauge_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.MeanGauge",
    .tp_basicsize = sizeof(MeanGauge),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The running mean (size 0) or moving mean of a version 2 gauge, shared by the threads.",
    .tp_new = mean_new,
    .tp_dealloc = (destructor)mean_dealloc,
    .tp_methods = mean_methods,
    .tp_getset = mean_getset,
    .tp_members = mean_members,
};

typedef struct {
    PyObject_HEAD
    MeanGauge *mean;
    double *starts;
    Py_ssize_t nstarts, cap;
    double last;
} TimerFront;

static PyTypeObject TimerFront_Type;

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static PyObject *
timer_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"mean", NULL};
    PyObject *mean;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!", kwlist, &MeanGauge_Type, &mean))
        return NULL;
    TimerFront *self = (TimerFront *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->mean = (MeanGauge *)Py_NewRef(mean);
    return (PyObject *)self;
}

static void
timer_dealloc(TimerFront *self)
{
    PyMem_Free(self->starts);
    Py_CLEAR(self->mean);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
timer_start(TimerFront *self, PyObject *unused)
{
    if (self->nstarts == self->cap) {
        Py_ssize_t cap = self->cap ? 2 * self->cap : 4;
        double *p = PyMem_Realloc(self->starts, (size_t)cap * sizeof(double));
        if (p == NULL)
            return PyErr_NoMemory();
        self->starts = p;
        self->cap = cap;
    }
    self->starts[self->nstarts++] = now_seconds();
    Py_RETURN_NONE;
}

static PyObject *
timer_enter(TimerFront *self, PyObject *unused)
{
    PyObject *r = timer_start(self, NULL);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    return Py_NewRef((PyObject *)self);
}

static PyObject *
timer_stop(TimerFront *self, PyObject *unused)
{
    if (self->nstarts == 0) {
        PyErr_Format(PyExc_RuntimeError, "timer %R: stop() without start()", self->mean->label);
        return NULL;
    }
    double elapsed = now_seconds() - self->starts[--self->nstarts];
    if (mean_add_value(self->mean, elapsed) < 0)
        return NULL;
    self->last = elapsed;
    return PyFloat_FromDouble(elapsed);
}

static PyObject *
timer_exit(TimerFront *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *r = timer_stop(self, NULL);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *
timer_add(TimerFront *self, PyObject *v)
{
    return mean_add(self->mean, v);
}

static PyObject *
timer_get_last(TimerFront *self, void *closure)
{
    return PyFloat_FromDouble(self->last);
}

static PyObject *
timer_get_elapsed(TimerFront *self, void *closure)
{
    return PyFloat_FromDouble(self->nstarts ? now_seconds() - self->starts[self->nstarts - 1] : self->last);
}

static PyObject *
timer_get_value(TimerFront *self, void *closure)
{
    return mean_get_value(self->mean, NULL);
}

static PyMethodDef timer_methods[] = {
    {"__enter__", (PyCFunction)timer_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))timer_exit, METH_FASTCALL, NULL},
    {"start", (PyCFunction)timer_start, METH_NOARGS, "start a timing (they nest)"},
    {"stop", (PyCFunction)timer_stop, METH_NOARGS, "end the innermost timing, add its duration; returns it"},
    {"add", (PyCFunction)timer_add, METH_O, "add(seconds): a duration timed elsewhere"},
    {NULL}
};

static PyGetSetDef timer_getset[] = {
    {"last", (getter)timer_get_last, NULL, "seconds of the last finished timing (0.0 before the first)", NULL},
    {"elapsed", (getter)timer_get_elapsed, NULL, "seconds since the innermost running timing started", NULL},
    {"value", (getter)timer_get_value, NULL, "the published moving average", NULL},
    {NULL}
};

static PyTypeObject TimerFront_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.TimerFront",
    .tp_basicsize = sizeof(TimerFront),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One thread's TimerField: `with stats.t:` times a block into the shared MeanGauge.",
    .tp_new = timer_new,
    .tp_dealloc = (destructor)timer_dealloc,
    .tp_methods = timer_methods,
    .tp_getset = timer_getset,
};

/* Adds the version 2 types to the module (called from PyInit__speedups). */
static int
add_v2_types(PyObject *m)
{
    PyTypeObject *types[] = {&CounterSlot_Type, &MeanGauge_Type, &TimerFront_Type};
    const char *names[] = {"CounterSlot", "MeanGauge", "TimerFront"};
    for (int i = 0; i < 3; i++) {
        if (PyType_Ready(types[i]) < 0)
            return -1;
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            return -1;
        }
    }
    return 0;
}

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "mmstats._speedups",
    "C accelerator for the mmstats writer (optional; mmstats._pyslots is the reference).", -1, NULL,
};

int mmstats_readpath_init(PyObject *module);  /* the read side: _readpath.c */
int mmstats_mapread_init(PyObject *module);   /* the mapped re-read: _mapread.c */
int mmstats_exposition_init(PyObject *module); /* mmash /metrics' per-value loops: _exposition.c */

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&BufferedSlot_Type) < 0 || PyType_Ready(&UnbufferedSlot_Type) < 0 ||
        PyType_Ready(&Access_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&speedups_module);
    if (m == NULL)
        return NULL;
    PyObject *model_local = make_model_local();
    if (model_local == NULL || PyModule_AddObject(m, "ModelLocal", model_local) < 0) {
        Py_XDECREF(model_local);
        Py_DECREF(m);
        return NULL;
    }
    PyTypeObject *types[] = {&BufferedSlot_Type, &UnbufferedSlot_Type, &Access_Type};
    const char *names[] = {"BufferedSlot", "UnbufferedSlot", "FieldAccess"};
    for (int i = 0; i < 3; i++) {
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    if (add_v2_types(m) < 0 || mmstats_readpath_init(m) < 0 || mmstats_mapread_init(m) < 0
        || mmstats_exposition_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
