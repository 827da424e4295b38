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

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "mmstats._speedups",
    "C accelerator for the mmstats writer (optional; mmstats._pyslots is the reference).", -1, NULL,
};

int mmstats_readpath_init(PyObject *module);  /* the read side: _readpath.c */

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
    if (mmstats_readpath_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
