/* The read side of the C accelerator: a file's compiled layout (a ReadPlan) decodes one copy
 * of the file in one call.
 *
 * A plan is built in Python from a layout the pure-Python path compiled (mmstats_format/
 * v1/layout.py, v2/layout.py): every offset, width and check comes from there, so this file knows no format
 * constant.  One call checks the copy's skeleton (byte ranges that must equal the parsed
 * file, words that must lie in a range, version 2 string lengths, version 1 write buffers) and
 * makes the values, or the reader's Field tuples, and keeps the header's bytes: nothing else is
 * allocated.  A copy that fails a check gives None and the caller scans it (the pure-Python
 * path names the problem).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
#endif

int mmstats_readpath_init(PyObject *module);
PyObject *mmstats_histogram_object(PyObject *bounds, PyObject *inf, const unsigned long long *counts,
                                   Py_ssize_t nb, PyObject *sum);
PyObject *mmstats_repoll(PyObject *plan, int fd, PyObject *copy, PyObject *spare, int retries,
                         unsigned long long last);

enum op_code { OP_INT, OP_UINT, OP_FLOAT, OP_BOOL, OP_TEXT_V1, OP_TEXT_V2, OP_HISTOGRAM };

typedef struct {
    int code;
    int width;            /* bytes of one number */
    int buffered;         /* version 1: a write-buffer byte at off, value[0] at off + 1 */
    Py_ssize_t off;       /* the value (or its write buffer), in slot 0 for a slotted value */
    Py_ssize_t size;      /* bytes of one value copy (text capacity, histogram size) */
    Py_ssize_t stride;    /* slotted: slot size; 0: one copy */
    int sum_slots;        /* add slots 0 .. slots_used - 1 */
    PyObject *bounds;     /* histogram: tuple of floats, then +inf */
    PyObject *prefix;     /* Field items before the value */
    PyObject *suffix;     /* Field items after the value */
    int rest_untracked;   /* prefix and suffix hold nothing the cycle collector follows */
} Op;

typedef struct { Py_ssize_t off, len; } Range;
typedef struct { Py_ssize_t off; int width; unsigned long long lo, hi; } Bound;
typedef struct { Py_ssize_t off; Py_ssize_t capacity; } TextCheck;

typedef struct {
    PyObject_HEAD
    Py_ssize_t size;
    PyObject *reference;  /* bytes of the parsed file */
    Range *same; Py_ssize_t n_same;
    Bound *bounds; Py_ssize_t n_bounds;
    TextCheck *texts; Py_ssize_t n_texts;
    Py_ssize_t *wbs; Py_ssize_t n_wbs;
    Op *ops; Py_ssize_t n_ops;
    Py_ssize_t slots_at; int slots_width;
    unsigned long long max_slots;  /* slots in use past this: a slotted value would leave the file */
    Py_ssize_t header_at, header_len;  /* header_len < 0: no header bytes kept */
    Range *copies; Py_ssize_t n_copies;  /* n_copies > 0: a re-read copies only these, then the slots in use */
    Py_ssize_t slot_off, slot_size;      /* where slot 0 is and each slot's size (copies only) */
    PyTypeObject *field_type;
    PyTypeObject *result_types[2];  /* list subclasses holding values / fields and the header bytes (_header) */
    PyObject *inf;
} Plan;

static PyObject *str_header_slot;

static inline unsigned long long
load_le(const unsigned char *p, int width)
{
    unsigned long long v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    switch (width) {
    case 1: return p[0];
    case 2: { uint16_t x; memcpy(&x, p, 2); return x; }
    case 4: { uint32_t x; memcpy(&x, p, 4); return x; }
    case 8: { uint64_t x; memcpy(&x, p, 8); return x; }
    }
#endif
    for (int i = width - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline long long
sign_extend(unsigned long long v, int width)
{
    if (width >= 8)
        return (long long)v;
    unsigned long long top = 1ULL << (width * 8 - 1);
    return (long long)((v ^ top) - top);
}

static inline double
load_float(const unsigned char *p, int width)
{
    unsigned long long bits = load_le(p, width);
    if (width == 4) {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, 4);
        return (double)f;
    }
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* ------------------------------------------------------------------ construction */

static Py_ssize_t
tuple_items(PyObject *seq, const char *what, PyObject ***items)
{
    if (!PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "ReadPlan: %s must be a tuple", what);
        return -1;
    }
    *items = &PyTuple_GET_ITEM(seq, 0);
    return PyTuple_GET_SIZE(seq);
}

static int
valid_width(int w)
{
    return w == 1 || w == 2 || w == 4 || w == 8;
}

static void
plan_clear_ops(Plan *p)
{
    for (Py_ssize_t i = 0; p->ops != NULL && i < p->n_ops; i++) {
        Py_XDECREF(p->ops[i].bounds);
        Py_XDECREF(p->ops[i].prefix);
        Py_XDECREF(p->ops[i].suffix);
    }
}

static void
plan_dealloc(Plan *p)
{
    plan_clear_ops(p);
    PyMem_Free(p->same);
    PyMem_Free(p->bounds);
    PyMem_Free(p->texts);
    PyMem_Free(p->wbs);
    PyMem_Free(p->copies);
    PyMem_Free(p->ops);
    Py_XDECREF(p->reference);
    Py_XDECREF(p->field_type);
    Py_XDECREF(p->result_types[0]);
    Py_XDECREF(p->result_types[1]);
    Py_XDECREF(p->inf);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static int
in_file(Plan *p, Py_ssize_t off, Py_ssize_t len)
{
    if (off < 0 || len < 0 || off > p->size - len) {
        PyErr_Format(PyExc_ValueError, "ReadPlan: bytes %zd to %zd are outside a file of %zd bytes",
                     off, off + len, p->size);
        return 0;
    }
    return 1;
}

/* seq, a tuple of (offset, length) pairs each inside the file, into a new array *out of *count ranges;
 * -1 with an exception set (what was made so far stays in *out for the plan's dealloc). */
static int
ranges_in_file(Plan *p, PyObject *seq, const char *what, const char *format, Range **out, Py_ssize_t *count)
{
    PyObject **items;
    Py_ssize_t n = tuple_items(seq, what, &items);
    if (n < 0)
        return -1;
    *out = PyMem_Calloc(n ? n : 1, sizeof(Range));
    if (*out == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (*count = 0; *count < n; (*count)++) {
        Range *r = &(*out)[*count];
        if (!PyArg_ParseTuple(items[*count], format, &r->off, &r->len) || !in_file(p, r->off, r->len))
            return -1;
    }
    return 0;
}

/* Not followed by the cycle collector (the rule CPython untracks a tuple by). */
static inline int
untracked(PyObject *x)
{
    return !PyObject_IS_GC(x) || !PyObject_GC_IsTracked(x);
}

static PyObject *record_alloc(PyTypeObject *type, Py_ssize_t n);
static PyObject *record_make(PyTypeObject *type, Py_ssize_t n);

static int
parse_op(Plan *p, PyObject *spec, Op *op)
{
    const char *code;
    PyObject *bounds, *prefix, *suffix;
    if (!PyArg_ParseTuple(spec, "siinnniOOO;ReadPlan: an op is (code, width, buffered, offset, size, stride, "
                          "sum_slots, bounds, prefix, suffix)", &code, &op->width, &op->buffered, &op->off,
                          &op->size, &op->stride, &op->sum_slots, &bounds, &prefix, &suffix))
        return -1;
    static const char *names[] = {"int", "uint", "float", "bool", "text1", "text2", "histogram"};
    op->code = -1;
    for (int i = 0; i < 7; i++)
        if (strcmp(code, names[i]) == 0)
            op->code = i;
    if (op->code < 0) {
        PyErr_Format(PyExc_ValueError, "ReadPlan: unknown op %s", code);
        return -1;
    }
    if (op->code <= OP_BOOL && !valid_width(op->width)) {
        PyErr_Format(PyExc_ValueError, "ReadPlan: width %d", op->width);
        return -1;
    }
    if (op->code == OP_FLOAT && op->width != 4 && op->width != 8) {
        PyErr_SetString(PyExc_ValueError, "ReadPlan: a float is 4 or 8 bytes");
        return -1;
    }
    if (!PyTuple_Check(prefix) || !PyTuple_Check(suffix)) {
        PyErr_SetString(PyExc_TypeError, "ReadPlan: prefix and suffix must be tuples");
        return -1;
    }
    if (op->code == OP_HISTOGRAM) {
        if (!PyTuple_Check(bounds)) {
            PyErr_SetString(PyExc_TypeError, "ReadPlan: histogram bounds must be a tuple");
            return -1;
        }
        if (op->size != 16 + 8 * (PyTuple_GET_SIZE(bounds) + 1)) {
            PyErr_SetString(PyExc_ValueError, "ReadPlan: histogram size does not match its bounds");
            return -1;
        }
    }
    Py_ssize_t span = op->code == OP_TEXT_V1 || op->code == OP_TEXT_V2 || op->code == OP_HISTOGRAM
                          ? op->size : op->width;
    if (op->code == OP_TEXT_V2 && op->size < 16) {
        PyErr_SetString(PyExc_ValueError, "ReadPlan: a version 2 text has a 16-byte header");
        return -1;
    }
    if (op->buffered)
        span = 1 + 2 * span;
    if (!in_file(p, op->off, span))
        return -1;
    if (op->stride < 0) {
        PyErr_SetString(PyExc_ValueError, "ReadPlan: negative stride");
        return -1;
    }
    op->rest_untracked = 1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(prefix); i++)
        op->rest_untracked = op->rest_untracked && untracked(PyTuple_GET_ITEM(prefix, i));
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(suffix); i++)
        op->rest_untracked = op->rest_untracked && untracked(PyTuple_GET_ITEM(suffix, i));
    Py_INCREF(bounds);
    Py_INCREF(prefix);
    Py_INCREF(suffix);
    op->bounds = bounds;
    op->prefix = prefix;
    op->suffix = suffix;
    return 0;
}

static PyObject *
plan_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"reference", "same", "bounds", "ops", "texts", "write_buffers", "slots",
                             "header", "field_type", "values_type", "fields_type", "copies", "slot_area", NULL};
    PyObject *reference, *same, *bounds, *ops, *texts, *wbs, *slots, *header, *field_type;
    PyObject *result_types[2] = {Py_None, Py_None}, *copies = Py_None, *slot_area = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "SOOOOOOOO|OO$OO:ReadPlan", kwlist, &reference, &same, &bounds, &ops,
                                     &texts, &wbs, &slots, &header, &field_type, &result_types[0],
                                     &result_types[1], &copies, &slot_area))
        return NULL;
    Plan *p = (Plan *)type->tp_alloc(type, 0);
    if (p == NULL)
        return NULL;
    Py_INCREF(reference);
    p->reference = reference;
    p->size = PyBytes_GET_SIZE(reference);
    p->header_len = -1;
    p->slots_at = -1;
    p->inf = PyFloat_FromDouble(Py_HUGE_VAL);
    if (p->inf == NULL)
        goto fail;
    PyObject **items;
    Py_ssize_t n;

    if (ranges_in_file(p, same, "same", "nn;ReadPlan: same is ((offset, length), ...)", &p->same, &p->n_same) < 0)
        goto fail;

    if ((n = tuple_items(bounds, "bounds", &items)) < 0)
        goto fail;
    p->bounds = PyMem_Calloc(n ? n : 1, sizeof(Bound));
    if (p->bounds == NULL)
        goto nomem;
    for (p->n_bounds = 0; p->n_bounds < n; p->n_bounds++) {
        Bound *b = &p->bounds[p->n_bounds];
        if (!PyArg_ParseTuple(items[p->n_bounds], "niKK;ReadPlan: bounds is ((offset, width, lo, hi), ...)",
                              &b->off, &b->width, &b->lo, &b->hi) || !in_file(p, b->off, b->width))
            goto fail;
        if (!valid_width(b->width)) {
            PyErr_Format(PyExc_ValueError, "ReadPlan: width %d", b->width);
            goto fail;
        }
    }

    if ((n = tuple_items(texts, "texts", &items)) < 0)
        goto fail;
    p->texts = PyMem_Calloc(n ? n : 1, sizeof(TextCheck));
    if (p->texts == NULL)
        goto nomem;
    for (p->n_texts = 0; p->n_texts < n; p->n_texts++) {
        TextCheck *t = &p->texts[p->n_texts];
        if (!PyArg_ParseTuple(items[p->n_texts], "nn;ReadPlan: texts is ((offset, capacity), ...)", &t->off,
                              &t->capacity) || !in_file(p, t->off, 16))
            goto fail;
    }

    if ((n = tuple_items(wbs, "write_buffers", &items)) < 0)
        goto fail;
    p->wbs = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
    if (p->wbs == NULL)
        goto nomem;
    for (p->n_wbs = 0; p->n_wbs < n; p->n_wbs++) {
        Py_ssize_t off = PyLong_AsSsize_t(items[p->n_wbs]);
        if ((off == -1 && PyErr_Occurred()) || !in_file(p, off, 1))
            goto fail;
        p->wbs[p->n_wbs] = off;
    }

    if (slots != Py_None) {
        if (!PyArg_ParseTuple(slots, "ni;ReadPlan: slots is (offset, width) or None", &p->slots_at,
                              &p->slots_width) || !in_file(p, p->slots_at, p->slots_width))
            goto fail;
        if (!valid_width(p->slots_width)) {
            PyErr_Format(PyExc_ValueError, "ReadPlan: width %d", p->slots_width);
            goto fail;
        }
    }

    if (copies != Py_None) {
        if (ranges_in_file(p, copies, "copies", "nn;ReadPlan: copies is ((offset, length), ...)", &p->copies,
                           &p->n_copies) < 0)
            goto fail;
        /* the slots word is read from the first range (the header) before the slots are copied */
        if (p->n_copies == 0 || slot_area == Py_None || p->slots_at < 0
            || !PyArg_ParseTuple(slot_area, "nn;ReadPlan: slot_area is (offset, slot size)", &p->slot_off,
                                 &p->slot_size) || p->slot_size < 1 || !in_file(p, p->slot_off, p->slot_size)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "ReadPlan: copies need slots, a slot_area and a first range "
                                "holding the slots word");
            goto fail;
        }
        if (p->slots_at < p->copies[0].off || p->slots_at + p->slots_width > p->copies[0].off + p->copies[0].len) {
            PyErr_SetString(PyExc_ValueError, "ReadPlan: the first of copies must hold the slots word");
            goto fail;
        }
    }

    if (header != Py_None) {
        if (!PyArg_ParseTuple(header, "nn;ReadPlan: header is (offset, length) or None", &p->header_at,
                              &p->header_len) || !in_file(p, p->header_at, p->header_len))
            goto fail;
    }

    if (field_type != Py_None) {
        if (!PyType_Check(field_type) || !PyType_IsSubtype((PyTypeObject *)field_type, &PyTuple_Type)) {
            PyErr_SetString(PyExc_TypeError, "ReadPlan: field_type must be a tuple subclass or None");
            goto fail;
        }
        Py_INCREF(field_type);
        p->field_type = (PyTypeObject *)field_type;
    }

    for (int i = 0; i < 2; i++) {
        if (result_types[i] == Py_None)
            continue;
        if (!PyType_Check(result_types[i]) || !PyType_IsSubtype((PyTypeObject *)result_types[i], &PyList_Type)
            || header == Py_None) {
            PyErr_SetString(PyExc_TypeError, "ReadPlan: values_type and fields_type are list subclasses, "
                            "for a plan that keeps header bytes");
            goto fail;
        }
        Py_INCREF(result_types[i]);
        p->result_types[i] = (PyTypeObject *)result_types[i];
    }

    if ((n = tuple_items(ops, "ops", &items)) < 0)
        goto fail;
    p->ops = PyMem_Calloc(n ? n : 1, sizeof(Op));
    if (p->ops == NULL)
        goto nomem;
    for (p->n_ops = 0; p->n_ops < n; p->n_ops++) {
        Op *op = &p->ops[p->n_ops];
        if (!PyTuple_Check(items[p->n_ops])) {
            PyErr_SetString(PyExc_TypeError, "ReadPlan: an op must be a tuple");
            goto fail;
        }
        if (parse_op(p, items[p->n_ops], op) < 0)
            goto fail;
        if ((op->stride || op->code == OP_HISTOGRAM) && p->slots_at < 0) {
            PyErr_SetString(PyExc_ValueError, "ReadPlan: a slotted value needs slots");
            p->n_ops++;
            goto fail;
        }
    }
    p->max_slots = ULLONG_MAX;
    for (Py_ssize_t i = 0; i < p->n_ops; i++) {
        const Op *op = &p->ops[i];
        if ((op->sum_slots || op->code == OP_HISTOGRAM) && op->stride > 0) {
            unsigned long long fit = (unsigned long long)(p->size - op->off - op->size) / (unsigned long long)op->stride + 1;
            if (fit < p->max_slots)
                p->max_slots = fit;
        }
    }
    return (PyObject *)p;
nomem:
    PyErr_NoMemory();
fail:
    Py_DECREF(p);
    return NULL;
}

/* ------------------------------------------------------------------ decoding */

/* 1: the copy has the plan's skeleton; 0: it has not (scan it). */
static int
skeleton_holds(Plan *p, const unsigned char *b)
{
    const unsigned char *ref = (const unsigned char *)PyBytes_AS_STRING(p->reference);
    for (Py_ssize_t i = 0; i < p->n_same; i++)
        if (memcmp(b + p->same[i].off, ref + p->same[i].off, (size_t)p->same[i].len) != 0)
            return 0;
    for (Py_ssize_t i = 0; i < p->n_bounds; i++) {
        unsigned long long v = load_le(b + p->bounds[i].off, p->bounds[i].width);
        if (v < p->bounds[i].lo || v > p->bounds[i].hi)
            return 0;
    }
    for (Py_ssize_t i = 0; i < p->n_texts; i++) {
        unsigned long long seq = load_le(b + p->texts[i].off, 8);
        unsigned long long length = load_le(b + p->texts[i].off + 8, 4);
        if (seq % 2 == 0 && length > (unsigned long long)p->texts[i].capacity)
            return 0;
    }
    for (Py_ssize_t i = 0; i < p->n_wbs; i++)
        if (b[p->wbs[i]] > 1)
            return 0;
    return 1;
}

static PyObject *
number(const Op *op, const unsigned char *at)
{
    switch (op->code) {
    case OP_INT: return PyLong_FromLongLong(sign_extend(load_le(at, op->width), op->width));
    case OP_UINT: return PyLong_FromUnsignedLongLong(load_le(at, op->width));
    case OP_FLOAT: return PyFloat_FromDouble(load_float(at, op->width));
    default: return PyBool_FromLong(load_le(at, op->width) != 0);
    }
}

static PyObject *
slotted_sum(const Op *op, const unsigned char *b, unsigned long long slots)
{
    if (op->code == OP_FLOAT) {
        double total = load_float(b + op->off, op->width);
        for (unsigned long long k = 1; k < slots; k++)
            total += load_float(b + op->off + (Py_ssize_t)k * op->stride, op->width);
        return PyFloat_FromDouble(total);
    }
    unsigned long long total = 0;  /* modulo 2**64, as the format adds */
    for (unsigned long long k = 0; k < slots; k++)
        total += load_le(b + op->off + (Py_ssize_t)k * op->stride, op->width);
    if (op->code == OP_INT)
        return PyLong_FromLongLong(sign_extend(total, op->width));
    return PyLong_FromUnsignedLongLong(total);
}

/* The decoded histogram {"count", "sum", "buckets": [{"le", "count"}, ...]} from per-bucket counts
 * (not cumulative) summed over the slots; ``sum`` is stolen.  Shared with _mapread.c. */
PyObject *
mmstats_histogram_object(PyObject *bounds, PyObject *inf, const unsigned long long *counts, Py_ssize_t nb,
                         PyObject *sum)
{
    PyObject *buckets = sum == NULL ? NULL : PyList_New(nb);
    if (buckets == NULL) {
        Py_XDECREF(sum);
        return NULL;
    }
    unsigned long long running = 0;
    for (Py_ssize_t i = 0; i < nb; i++) {
        running += counts[i];
        PyObject *le = i < nb - 1 ? PyTuple_GET_ITEM(bounds, i) : inf;
        PyObject *count = PyLong_FromUnsignedLongLong(running);
        PyObject *bucket = count == NULL ? NULL : Py_BuildValue("{sOsN}", "le", le, "count", count);
        if (bucket == NULL) {
            Py_DECREF(buckets);
            Py_DECREF(sum);
            return NULL;
        }
        PyList_SET_ITEM(buckets, i, bucket);
    }
    return Py_BuildValue("{sNsNsN}", "count", PyLong_FromUnsignedLongLong(running), "sum", sum, "buckets", buckets);
}

static PyObject *
histogram(Plan *p, const Op *op, const unsigned char *b, unsigned long long slots)
{
    Py_ssize_t nb = PyTuple_GET_SIZE(op->bounds) + 1;
    unsigned long long stack[64], *counts = nb <= 64 ? stack : PyMem_Calloc((size_t)nb, sizeof(*counts));
    if (counts == NULL)
        return PyErr_NoMemory();
    memset(counts, 0, (size_t)nb * sizeof(*counts));
    double total = 0.0;
    PyObject *out = NULL;
    for (unsigned long long k = 0; k < slots; k++) {
        const unsigned char *at = b + op->off + (Py_ssize_t)k * op->stride;
        if (load_le(at, 8) % 2) {  /* inside an update: no value */
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        double s = load_float(at + 8, 8);
        total = k == 0 ? s : total + s;
        for (Py_ssize_t i = 0; i < nb; i++)
            counts[i] += load_le(at + 16 + 8 * i, 8);
    }
    out = mmstats_histogram_object(op->bounds, p->inf, counts, nb,
                                   slots ? PyFloat_FromDouble(total) : (Py_INCREF(Py_None), Py_None));
done:
    if (counts != stack)
        PyMem_Free(counts);
    return out;
}

static PyObject *
value(Plan *p, const Op *op, const unsigned char *b, unsigned long long slots)
{
    Py_ssize_t off = op->off;
    Py_ssize_t each = op->code == OP_TEXT_V1 ? op->size : op->width;
    if (op->buffered)  /* value[wb ^ 1]: the buffer the writer is not about to write */
        off += 1 + (Py_ssize_t)(b[op->off] ^ 1) * each;
    const unsigned char *at = b + off;
    switch (op->code) {
    case OP_TEXT_V1: {
        const unsigned char *nul = memchr(at, 0, (size_t)op->size);
        return PyUnicode_DecodeUTF8((const char *)at, nul ? nul - at : op->size, "replace");
    }
    case OP_TEXT_V2: {
        unsigned long long seq = load_le(at, 8), length = load_le(at + 8, 4);
        if (seq % 2 || length > (unsigned long long)(op->size - 16))
            Py_RETURN_NONE;
        return PyUnicode_DecodeUTF8((const char *)at + 16, (Py_ssize_t)length, "replace");
    }
    case OP_HISTOGRAM:
        return histogram(p, op, b, slots);
    default:
        return op->sum_slots ? slotted_sum(op, b, slots) : number(op, at);
    }
}

static PyObject *
make_field(Plan *p, const Op *op, PyObject *v)
{
    Py_ssize_t np = PyTuple_GET_SIZE(op->prefix), ns = PyTuple_GET_SIZE(op->suffix);
    int ours = p->field_type->tp_alloc == record_alloc;  /* made untracked: tracked below if need be */
    PyObject *t = ours ? record_make(p->field_type, np + 1 + ns) : p->field_type->tp_alloc(p->field_type, np + 1 + ns);
    if (t == NULL) {
        Py_DECREF(v);
        return NULL;
    }
    PyObject **items = ((PyTupleObject *)t)->ob_item;
    for (Py_ssize_t i = 0; i < np; i++)
        items[i] = Py_NewRef(PyTuple_GET_ITEM(op->prefix, i));
    items[np] = v;
    for (Py_ssize_t i = 0; i < ns; i++)
        items[np + 1 + i] = Py_NewRef(PyTuple_GET_ITEM(op->suffix, i));
    int atomic = op->rest_untracked && untracked(v);  /* CPython's own rule for tuples: spare the collector */
    if (ours && !atomic)
        PyObject_GC_Track(t);
    else if (!ours && atomic && PyObject_GC_IsTracked(t))
        PyObject_GC_UnTrack(t);
    return t;
}

/* The values (or Field tuples) of the copy b[:size], or None when it has not the plan's skeleton. */
static PyObject *
decode_copy(Plan *p, const unsigned char *b, Py_ssize_t size, int as_fields)
{
    if (size != p->size || !skeleton_holds(p, b))
        Py_RETURN_NONE;
    unsigned long long slots = p->slots_at >= 0 ? load_le(b + p->slots_at, p->slots_width) : 1;
    if (slots > p->max_slots)  /* a slotted value must stay in the file */
        Py_RETURN_NONE;
    PyTypeObject *type = p->header_len < 0 ? NULL : p->result_types[as_fields];
    PyObject *list;
    if (type == NULL) {
        list = PyList_New(p->n_ops);
    } else {  /* the version's list type, made without running its __init__, its items filled below */
        list = type->tp_alloc(type, 0);
        PyObject **items = list == NULL || p->n_ops == 0 ? NULL : PyMem_Calloc((size_t)p->n_ops, sizeof(PyObject *));
        if (list != NULL && p->n_ops > 0) {
            if (items == NULL) {
                Py_DECREF(list);
                return PyErr_NoMemory();
            }
            ((PyListObject *)list)->ob_item = items;
            ((PyListObject *)list)->allocated = p->n_ops;
            Py_SET_SIZE(list, p->n_ops);
        }
    }
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < p->n_ops; i++) {
        PyObject *v = value(p, &p->ops[i], b, slots);
        if (v != NULL && as_fields)
            v = make_field(p, &p->ops[i], v);
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    if (p->header_len < 0)
        return list;
    PyObject *out = NULL, *h = PyBytes_FromStringAndSize((const char *)b + p->header_at, p->header_len);
    if (h == NULL)
        out = NULL;
    else if (type == NULL)
        out = PyTuple_Pack(2, list, h);
    else if (PyObject_SetAttr(list, str_header_slot, h) == 0)
        out = (Py_INCREF(list), list);
    Py_DECREF(list);
    Py_XDECREF(h);
    return out;
}

static PyObject *
decode(Plan *p, PyObject *args, int as_fields)
{
    PyObject *obj, *size_obj = Py_None;
    Py_ssize_t size = -1;
    if (!PyArg_UnpackTuple(args, as_fields ? "fields" : "values", 1, 2, &obj, &size_obj))
        return NULL;
    if (size_obj != Py_None && (size = PyLong_AsSsize_t(size_obj)) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "size must be at least 0");
        return NULL;
    }
    if (as_fields && p->field_type == NULL) {
        PyErr_SetString(PyExc_TypeError, "ReadPlan: this plan has no field type");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *out = NULL;
    if (size < 0)
        size = view.len;
    if (size > view.len)
        PyErr_Format(PyExc_ValueError, "size %zd is past the %zd bytes given", size, view.len);
    else
        out = decode_copy(p, view.buf, size, as_fields);
    PyBuffer_Release(&view);
    return out;
}

/* ------------------------------------------------------------------ copying a file and decoding it */

/* Where copies come from: a descriptor (pread of the whole buffer, retried on EINTR), or for
 * the tests a callable fill(buf) -> bytes copied, which can change the file between copies. */
typedef struct { int fd; PyObject *fill; } Source;

static int
source_from(PyObject *obj, Source *src)
{
    src->fill = NULL;
    if (PyCallable_Check(obj)) {
        src->fd = -1;
        src->fill = obj;
        return 0;
    }
    long fd = PyLong_AsLong(obj);
    if (fd == -1 && PyErr_Occurred())
        return -1;
    if (fd < 0 || fd > INT_MAX) {
        PyErr_Format(PyExc_ValueError, "ReadPlan: %ld is not a file descriptor", fd);
        return -1;
    }
    src->fd = (int)fd;
    return 0;
}

/* Bytes copied into buf (the object ``owner``); -1 with an exception set. */
static Py_ssize_t
copy_file(Source *src, PyObject *owner, unsigned char *buf, Py_ssize_t len)
{
    Py_ssize_t n;
    if (src->fill != NULL) {
        PyObject *got = PyObject_CallOneArg(src->fill, owner);
        if (got == NULL)
            return -1;
        n = PyLong_AsSsize_t(got);
        Py_DECREF(got);
        return n;
    }
    Py_BEGIN_ALLOW_THREADS
    do {
        n = pread(src->fd, buf, (size_t)len, 0);
    } while (n < 0 && errno == EINTR);
    Py_END_ALLOW_THREADS
    if (n < 0)
        PyErr_SetFromErrno(PyExc_OSError);
    return n;
}

/* 1: pread(fd) filled buf[off:off + len] (retried on EINTR); 0: it came back short; -1: an error. */
static int
pread_all(int fd, unsigned char *buf, Py_ssize_t off, Py_ssize_t len)
{
    Py_ssize_t n;
    do {
        n = pread(fd, buf + off, (size_t)len, (off_t)off);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : n == len;
}

/* The plan's copies of the file at fd into buf (each at its own offset), then the slots in use by the
 * header just copied, then the file's last byte (and the one past it when buf has room, to see the
 * file grow) into a scratch word so no copied byte is overwritten by a later read.  The plan's size
 * when all came back whole, 0 when something did not (short, slots out of range, another size: the
 * caller's general path copies the whole file), -1 with an exception.  Bytes of buf outside the
 * ranges keep what they held: the values of a copy with the plan's skeleton are all inside them. */
static Py_ssize_t
copy_used(Plan *p, int fd, unsigned char *buf, Py_ssize_t len)
{
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; ok == 1 && i < p->n_copies; i++)
        ok = pread_all(fd, buf, p->copies[i].off, p->copies[i].len);
    if (ok == 1) {
        unsigned long long used = load_le(buf + p->slots_at, p->slots_width);
        if (used < 1 || used > (unsigned long long)((p->size - p->slot_off) / p->slot_size))
            ok = 0;
        else
            ok = pread_all(fd, buf, p->slot_off, p->slot_size * (Py_ssize_t)used);
    }
    if (ok == 1) {
        unsigned char tail[2];
        Py_ssize_t want = len > p->size ? 2 : 1, n;
        do {
            n = pread(fd, tail, (size_t)want, (off_t)(p->size - 1));
        } while (n < 0 && errno == EINTR);
        ok = n < 0 ? -1 : n == 1;
    }
    Py_END_ALLOW_THREADS
    if (ok < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    return ok ? p->size : 0;
}

/* 1: the write-buffer bytes of a and b are the same. */
static int
same_write_buffers(Plan *p, const unsigned char *a, const unsigned char *b)
{
    for (Py_ssize_t i = 0; i < p->n_wbs; i++)
        if (a[p->wbs[i]] != b[p->wbs[i]])
            return 0;
    return 1;
}

/* A digest of a copy, to tell an unchanged file without keeping its bytes (four lanes of
 * multiply-xorshift words, so the multiplications overlap). */
static unsigned long long
digest(const unsigned char *b, Py_ssize_t n)
{
    const unsigned long long k = 0x9E3779B97F4A7C15ULL;
    unsigned long long h[4] = {k, k ^ 1, k ^ 2, k ^ 3};
    Py_ssize_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 4; j++) {
            h[j] = (h[j] ^ load_le(b + i + 8 * j, 8)) * k;
            h[j] ^= h[j] >> 29;
        }
    unsigned long long t = (unsigned long long)n;
    for (; i < n; i++)
        t = (t ^ b[i]) * k;
    unsigned long long out = t;
    for (int j = 0; j < 4; j++)
        out = ((out ^ h[j]) * k) ^ (out >> 31);
    return out;
}

/* reread(fd, copy, spare, retries[, path, ident[, follow_symlinks]]) and
 * repoll(fd, copy, spare, retries, digest[, always]): the whole re-read of a file whose layout is this
 * plan's, in one call -- copy it into ``copy`` (pread), take newer copies into ``spare`` while a
 * write buffer flipped (the spec's re-check, ``retries`` copies at most; 0: none), decode the
 * copy kept.  None: anything not the ordinary case (the path names another file, the copy came
 * back another size, its skeleton is not the plan's); the caller takes its general path.
 * ``always``: decode the copy even when its digest is the one given (a caller that keeps no values
 * between polls), without the re-check (those bytes were re-checked when the digest was taken);
 * where there are no write buffers the digest is not taken at all (0). */
static PyObject *
copy_and_decode(Plan *p, Source *src, Py_buffer *copy, Py_buffer *spare, int retries, int with_digest,
                unsigned long long last, int always)
{
    if (copy->len < p->size || spare->len < copy->len) {
        PyErr_Format(PyExc_ValueError, "ReadPlan: copy buffers of %zd and %zd bytes for a file of %zd",
                     copy->len, spare->len, p->size);
        return NULL;
    }
    unsigned char *b = copy->buf, *other = spare->buf;
    PyObject *b_obj = copy->obj, *other_obj = spare->obj;
    Py_ssize_t n = p->n_copies > 0 && src->fill == NULL ? copy_used(p, src->fd, b, copy->len)
                                                        : copy_file(src, b_obj, b, copy->len);
    if (n < 0)
        return NULL;
    if (n != p->size)
        Py_RETURN_NONE;
    unsigned long long d = 0;
    if (always && p->n_wbs == 0)
        with_digest = 0;  /* one copy is the whole read: nothing for a digest to spare */
    else if (with_digest && (d = digest(b, n)) == last) {
        if (!always)
            return Py_BuildValue("(OK)", Py_None, d);  /* not one byte changed (to the digest's odds) */
        retries = 0;  /* the copy the last values came from: re-checked then */
    }
    for (int r = 0; p->n_wbs > 0 && r < retries; r++) {
        Py_ssize_t m = copy_file(src, other_obj, other, copy->len);
        if (m < 0)
            return NULL;
        if (m != n || memcmp(b, other, (size_t)n) == 0 || same_write_buffers(p, b, other))
            break;
        unsigned char *t = b;  /* the newer copy is the one to check next */
        PyObject *t_obj = b_obj;
        b = other;
        other = t;
        b_obj = other_obj;
        other_obj = t_obj;
        if (with_digest)
            d = digest(b, n);
    }
    PyObject *values = decode_copy(p, b, n, 0);
    if (values == NULL || values == Py_None || !(with_digest || always))
        return values;
    return Py_BuildValue("(NK)", values, d);
}

static int
two_buffers(PyObject *a, PyObject *b, Py_buffer *copy, Py_buffer *spare)
{
    if (PyObject_GetBuffer(a, copy, PyBUF_WRITABLE) < 0)
        return -1;
    if (PyObject_GetBuffer(b, spare, PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(copy);
        return -1;
    }
    if (copy->buf == spare->buf) {
        PyErr_SetString(PyExc_ValueError, "ReadPlan: the two copy buffers must be distinct");
        PyBuffer_Release(copy);
        PyBuffer_Release(spare);
        return -1;
    }
    return 0;
}

static PyObject *
plan_reread(Plan *p, PyObject *args)
{
    int retries, follow = 1;
    PyObject *from, *a, *b, *path = NULL, *ident = NULL;
    Source src;
    if (!PyArg_ParseTuple(args, "OOOi|OOp:reread", &from, &a, &b, &retries, &path, &ident, &follow)
        || source_from(from, &src) < 0)
        return NULL;
    if (path != NULL && path != Py_None) {  /* does the path still name the file at fd? */
        PyObject *encoded;
        unsigned long long dev, ino;
        Py_ssize_t size;
        if (!PyArg_ParseTuple(ident, "KKn;ident is (device, inode, size)", &dev, &ino, &size))
            return NULL;
        if (!PyUnicode_FSConverter(path, &encoded))
            return NULL;
        struct stat st;
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = follow ? stat(PyBytes_AS_STRING(encoded), &st) : lstat(PyBytes_AS_STRING(encoded), &st);
        Py_END_ALLOW_THREADS
        Py_DECREF(encoded);
        if (rc != 0)
            return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        if ((unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino || st.st_size != size)
            Py_RETURN_NONE;
    }
    Py_buffer copy, spare;
    if (two_buffers(a, b, &copy, &spare) < 0)
        return NULL;
    PyObject *out = copy_and_decode(p, &src, &copy, &spare, retries, 0, 0, 0);
    PyBuffer_Release(&copy);
    PyBuffer_Release(&spare);
    return out;
}

static PyObject *
plan_repoll(Plan *p, PyObject *args)
{
    int retries, always = 0;
    PyObject *from, *a, *b;
    unsigned long long last;
    Source src;
    if (!PyArg_ParseTuple(args, "OOOiK|p:repoll", &from, &a, &b, &retries, &last, &always)
        || source_from(from, &src) < 0)
        return NULL;
    Py_buffer copy, spare;
    if (two_buffers(a, b, &copy, &spare) < 0)
        return NULL;
    PyObject *out = copy_and_decode(p, &src, &copy, &spare, retries, 1, last, always);
    PyBuffer_Release(&copy);
    PyBuffer_Release(&spare);
    return out;
}

static PyTypeObject Plan_Type;

/* repoll(fd, copy, spare, retries, last, always=True) of a ReadPlan, for the directory poll
 * (_mapread.c): (values, digest), None for the caller's general path (``plan`` not a ReadPlan
 * too), or NULL with an exception. */
PyObject *
mmstats_repoll(PyObject *plan, int fd, PyObject *copy_obj, PyObject *spare_obj, int retries, unsigned long long last)
{
    if (!PyObject_TypeCheck(plan, &Plan_Type))
        Py_RETURN_NONE;
    Source src = {fd, NULL};
    Py_buffer copy, spare;
    if (two_buffers(copy_obj, spare_obj, &copy, &spare) < 0)
        return NULL;
    PyObject *out = copy_and_decode((Plan *)plan, &src, &copy, &spare, retries, 1, last, 1);
    PyBuffer_Release(&copy);
    PyBuffer_Release(&spare);
    return out;
}

static PyObject *
plan_digest(Plan *p, PyObject *obj)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    unsigned long long d = digest(view.buf, view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(d);
}

static PyObject *
plan_values(Plan *p, PyObject *args)
{
    return decode(p, args, 0);
}

static PyObject *
plan_fields(Plan *p, PyObject *args)
{
    return decode(p, args, 1);
}

static PyObject *
plan_write_buffers(Plan *p, PyObject *obj)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *out = NULL;
    if (view.len < p->size) {
        PyErr_Format(PyExc_ValueError, "write_buffers: %zd bytes, the file has %zd", view.len, p->size);
    } else {
        out = PyBytes_FromStringAndSize(NULL, p->n_wbs);
        if (out != NULL) {
            char *dst = PyBytes_AS_STRING(out);
            const char *b = view.buf;
            for (Py_ssize_t i = 0; i < p->n_wbs; i++)
                dst[i] = b[p->wbs[i]];
        }
    }
    PyBuffer_Release(&view);
    return out;
}

static PyMethodDef plan_methods[] = {
    {"values", (PyCFunction)plan_values, METH_VARARGS,
     "values(buf, size=None): the values of buf[:size] (with header bytes: (values, header bytes), or a values_type "
     "holding them as _header), or None "
     "when it does not have this plan's skeleton."},
    {"fields", (PyCFunction)plan_fields, METH_VARARGS,
     "fields(buf, size=None): as values(), but each value in a field_type tuple (prefix, value, suffix)."},
    {"write_buffers", (PyCFunction)plan_write_buffers, METH_O,
     "write_buffers(buf): the write-buffer bytes of buf, as bytes (what a reader's re-check compares)."},
    {"reread", (PyCFunction)plan_reread, METH_VARARGS,
     "reread(fd, copy, spare, retries, path=None, ident=None, follow_symlinks=True): stat path (when given; None "
     "unless it is still (device, inode, size) ident), copy the file at fd into copy, re-check into spare up to "
     "retries times while a write buffer flipped, and decode the copy kept: its values, or None (take the general "
     "path). fd may be a callable fill(buf) -> bytes copied instead (tests)."},
    {"repoll", (PyCFunction)plan_repoll, METH_VARARGS,
     "repoll(fd, copy, spare, retries, digest, always=False): as reread() without the stat; (values, digest of "
     "the copy), (None, digest) when the copy's digest is the one given (unchanged), or None. always=True: "
     "(values, digest) in that case too, the digest 0 for a layout without write buffers (none taken)."},
    {"digest", (PyCFunction)plan_digest, METH_O,
     "digest(buf): the 64-bit digest repoll() gives for a copy of these bytes."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef plan_members[] = {
    {"size", T_PYSSIZET, offsetof(Plan, size), READONLY, "bytes of the file"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject Plan_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.ReadPlan",
    .tp_basicsize = sizeof(Plan),
    .tp_dealloc = (destructor)plan_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A file's layout compiled for the C decode (built by mmstats_format._compiled).",
    .tp_methods = plan_methods,
    .tp_members = plan_members,
    .tp_new = plan_new,
};

/* ------------------------------------------------------------------ records

 * record_type(cls): a copy of the tuple subclass ``cls`` (a NamedTuple: its namespace, so the
 * same attributes, repr, equality and pickling) whose instances are made and freed here instead
 * of through CPython's generic subclass paths (PyType_GenericAlloc, subtype_dealloc), with a
 * free list per length as plain tuples have.  A reader makes one record per field per file. */

#define RECORD_MAX_LEN 16      /* lengths that get a free list */
#define RECORD_MAX_FREE 2048   /* records kept per length */

static PyTupleObject *record_free[RECORD_MAX_LEN + 1];
static int record_nfree[RECORD_MAX_LEN + 1];

static void record_dealloc(PyTupleObject *op);

/* A record of n items, all NULL, not yet tracked by the cycle collector. */
static PyObject *
record_make(PyTypeObject *type, Py_ssize_t n)
{
    PyTupleObject *op;
    if (n > 0 && n <= RECORD_MAX_LEN && record_free[n] != NULL) {
        op = record_free[n];
        record_free[n] = (PyTupleObject *)op->ob_item[0];
        record_nfree[n]--;
        PyObject_InitVar((PyVarObject *)op, type, n);  /* type, size, one reference (and the type's) */
    } else {
        op = PyObject_GC_NewVar(PyTupleObject, type, n);
        if (op == NULL)
            return NULL;
    }
    memset(op->ob_item, 0, (size_t)n * sizeof(PyObject *));
    return (PyObject *)op;
}

static PyObject *
record_alloc(PyTypeObject *type, Py_ssize_t n)
{
    PyObject *op = record_make(type, n);
    if (op != NULL)
        PyObject_GC_Track(op);  /* as PyType_GenericAlloc: tuple.__new__ fills a tracked object */
    return op;
}

static void
record_dealloc(PyTupleObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    Py_ssize_t n = Py_SIZE(op);
    PyObject_GC_UnTrack(op);
    Py_TRASHCAN_BEGIN(op, record_dealloc)
    for (Py_ssize_t i = n; --i >= 0;)
        Py_XDECREF(op->ob_item[i]);
    /* a Python subclass's instance (another size perhaps) goes back to the allocator */
    if (type->tp_dealloc == (destructor)record_dealloc && n > 0 && n <= RECORD_MAX_LEN
        && record_nfree[n] < RECORD_MAX_FREE) {
        op->ob_item[0] = (PyObject *)record_free[n];
        record_free[n] = op;
        record_nfree[n]++;
    } else {
        type->tp_free((PyObject *)op);
    }
    Py_DECREF(type);  /* instances of heap types hold their type */
    Py_TRASHCAN_END
}

static int
record_traverse(PyTupleObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    for (Py_ssize_t i = Py_SIZE(op); --i >= 0;)
        Py_VISIT(op->ob_item[i]);
    return 0;
}

static PyObject *
record_type(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyTuple_Type)
        || ((PyTypeObject *)cls)->tp_base != &PyTuple_Type) {
        PyErr_SetString(PyExc_TypeError, "record_type: a direct subclass of tuple (a NamedTuple) is needed");
        return NULL;
    }
    PyObject *qualname = PyObject_GetAttrString(cls, "__qualname__");
    PyObject *bare = qualname == NULL ? NULL : PyObject_GetAttrString(cls, "__name__");
    PyObject *mod = bare == NULL ? NULL : PyObject_GetAttrString(cls, "__module__");
    PyObject *full = mod == NULL ? NULL : PyUnicode_FromFormat("%S.%S", mod, bare);
    PyObject *bases = NULL, *type = NULL;
    if (full == NULL)
        goto done;
    const char *utf8 = PyUnicode_AsUTF8(full);
    char *name = utf8 == NULL ? NULL : PyMem_Malloc(strlen(utf8) + 1);  /* tp_name: kept as long as the type */
    if (name == NULL) {
        if (utf8 != NULL)
            PyErr_NoMemory();
        goto done;
    }
    strcpy(name, utf8);
    PyType_Slot slots[] = {
        {Py_tp_dealloc, (void *)record_dealloc},
        {Py_tp_alloc, (void *)record_alloc},
        {Py_tp_traverse, (void *)record_traverse},
        {Py_tp_free, (void *)PyObject_GC_Del},
        {0, NULL},
    };
    PyType_Spec spec = {name, (int)PyTuple_Type.tp_basicsize, (int)PyTuple_Type.tp_itemsize,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, slots};
    bases = PyTuple_Pack(1, (PyObject *)&PyTuple_Type);
    if (bases == NULL || (type = PyType_FromSpecWithBases(&spec, bases)) == NULL) {
        PyMem_Free(name);
        goto done;
    }
    PyObject *key, *item;
    Py_ssize_t pos = 0;
    PyObject *dict = ((PyTypeObject *)cls)->tp_dict;
    while (PyDict_Next(dict, &pos, &key, &item)) {
        if (PyUnicode_Check(key) && (PyUnicode_CompareWithASCIIString(key, "__dict__") == 0
                                     || PyUnicode_CompareWithASCIIString(key, "__weakref__") == 0))
            continue;
        if (PyObject_SetAttr(type, key, item) < 0)
            goto fail;
    }
    /* __name__ sets tp_name to the bare name, as a class statement does (errors say 'Field') */
    if (PyObject_SetAttrString(type, "__qualname__", qualname) < 0
        || PyObject_SetAttrString(type, "__name__", bare) < 0)
        goto fail;
    goto done;
fail:
    Py_CLEAR(type);
done:
    Py_XDECREF(qualname);
    Py_XDECREF(bare);
    Py_XDECREF(mod);
    Py_XDECREF(full);
    Py_XDECREF(bases);
    return type;
}

/* ------------------------------------------------------------------ opening a file for read() */

/* The fields of a copy ``a`` (n bytes) of a file by the first plan in ``plans`` (a tuple of
 * ReadPlans, or NULL) whose skeleton it has, after the spec's re-check: ``b`` (m bytes, or NULL)
 * is the copy made at once after ``a``; while a write buffer flipped between two copies, the
 * newer is checked against a fresh one from ``src``, ``retries`` copies in all at most
 * (settle.settle()'s rule); the copy kept is decoded, or ``a`` when the kept one no longer has
 * the skeleton.  NULL without an exception: no plan fits (the caller's general path parses it). */
static PyObject *
known_fields(PyObject *plans, Source *src, const unsigned char *a, Py_ssize_t n, const unsigned char *b,
             Py_ssize_t m, int retries)
{
    Plan *p = NULL;
    for (Py_ssize_t i = 0; plans != NULL && i < PyTuple_GET_SIZE(plans); i++) {
        Plan *q = (Plan *)PyTuple_GET_ITEM(plans, i);
        if (Py_TYPE(q) == &Plan_Type && q->field_type != NULL && n == q->size && skeleton_holds(q, a)) {
            p = q;
            break;
        }
    }
    if (p == NULL)
        return NULL;
    const unsigned char *kept = a;
    PyObject *more[2] = {NULL, NULL}, *out = NULL;  /* the further copies, in turn */
    if (b != NULL && p->n_wbs > 0) {
        const unsigned char *next = b;
        Py_ssize_t got = m;
        for (int r = 0, turn = 0; r < retries; r++, turn ^= 1) {
            if (got != n || memcmp(kept, next, (size_t)n) == 0 || same_write_buffers(p, kept, next))
                break;
            kept = next;  /* a write buffer flipped while ``kept`` was copied: check the newer one */
            if (r + 1 == retries)
                break;
            if (more[turn] == NULL && (more[turn] = PyByteArray_FromStringAndSize(NULL, n)) == NULL)
                goto done;
            if ((got = copy_file(src, more[turn], (unsigned char *)PyByteArray_AS_STRING(more[turn]), n)) < 0)
                goto done;
            if (PyByteArray_GET_SIZE(more[turn]) != n)  /* a test's fill() resized it: not a copy of n bytes */
                got = n + 1;
            next = (unsigned char *)PyByteArray_AS_STRING(more[turn]);  /* not the kept one */
        }
    }
    out = decode_copy(p, kept, n, 1);
    if (out == Py_None && kept != a) {  /* rewritten meanwhile: the copy whose skeleton was checked */
        Py_DECREF(out);
        out = decode_copy(p, a, n, 1);
    }
    if (out == Py_None)  /* a check beyond the skeleton failed: the general path says what it is */
        Py_CLEAR(out);
done:
    Py_XDECREF(more[0]);
    Py_XDECREF(more[1]);
    return out;
}

/* settle_fields(plans, first, second, fd, retries): known_fields() of two copies already made
 * (second None: no re-check), further copies from fd or a callable fill(buf) -> bytes copied
 * (the tests move a writer between copies this way); None when no plan has first's skeleton. */
static PyObject *
settle_fields(PyObject *module, PyObject *args)
{
    PyObject *plans, *first, *second, *from;
    int retries;
    Source src;
    if (!PyArg_ParseTuple(args, "O!OOOi:settle_fields", &PyTuple_Type, &plans, &first, &second, &from, &retries)
        || source_from(from, &src) < 0)
        return NULL;
    Py_buffer a, b = {0};
    if (PyObject_GetBuffer(first, &a, PyBUF_SIMPLE) < 0)
        return NULL;
    if (second != Py_None && PyObject_GetBuffer(second, &b, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    PyObject *out = known_fields(plans, &src, a.buf, a.len, second == Py_None ? NULL : b.buf, b.len, retries);
    PyBuffer_Release(&a);
    if (second != Py_None)
        PyBuffer_Release(&b);
    if (out == NULL && !PyErr_Occurred())
        Py_RETURN_NONE;
    return out;
}

/* open_copies(path, flags, limit, twice, plans=None, retries=0, single=b""): open path with flags, and
 * if it is a regular file of at most ``limit`` bytes, copy it (read) and, with ``twice``, copy it
 * again at once (pread: the spec's re-check copy; it may come back another size) unless its
 * first byte is in ``single`` (a version whose reader needs no second copy at once).
 * ``plans``: {file size: (ReadPlan, ...)} -- when one of them has the copy's skeleton, the whole
 * read() is this call: its fields after the re-check (known_fields), the file closed.  Else
 * (fd, copy, second copy or None), the descriptor left open for more copies.  None (nothing
 * left open) for anything else: the caller's general path opens it again and says what it is. */
static PyObject *
open_copies(PyObject *module, PyObject *args)
{
    PyObject *path, *encoded, *plans = Py_None;
    int flags, twice, retries = 0;
    Py_ssize_t limit;
    const char *single = "";
    Py_ssize_t n_single = 0;
    if (!PyArg_ParseTuple(args, "Oinp|Oiy#:open_copies", &path, &flags, &limit, &twice, &plans, &retries, &single,
                          &n_single))
        return NULL;
    if (plans != Py_None && !PyDict_Check(plans)) {
        PyErr_SetString(PyExc_TypeError, "open_copies: plans must be a dict or None");
        return NULL;
    }
    if (!PyUnicode_FSConverter(path, &encoded))
        return NULL;
    int fd;
    struct stat st;
    Py_BEGIN_ALLOW_THREADS
    fd = open(PyBytes_AS_STRING(encoded), flags);
    if (fd >= 0 && fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        fd = -1;
        errno = saved;
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(encoded);
    if (fd < 0)
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    if (!S_ISREG(st.st_mode) || st.st_size > limit) {
        close(fd);
        Py_RETURN_NONE;
    }
    /* one byte more than fstat said: a file grown since is seen, and left to the general path */
    Py_ssize_t want = (Py_ssize_t)st.st_size + 1;
    PyObject *first = PyBytes_FromStringAndSize(NULL, want);
    PyObject *second = twice ? PyBytes_FromStringAndSize(NULL, want) : (Py_INCREF(Py_None), Py_None);
    PyObject *out = NULL;
    if (first == NULL || second == NULL)
        goto fail;
    Py_ssize_t n, m = 0;
    char *a = PyBytes_AS_STRING(first), *b = twice ? PyBytes_AS_STRING(second) : NULL;
    Py_BEGIN_ALLOW_THREADS
    do {
        n = read(fd, a, (size_t)want);
    } while (n < 0 && errno == EINTR);
    if (n > 0 && b != NULL && memchr(single, a[0], (size_t)n_single) != NULL)
        b = NULL;  /* one copy is what this version's reader starts from */
    if (n >= 0 && b != NULL) {
        do {
            m = pread(fd, b, (size_t)want, 0);
        } while (m < 0 && errno == EINTR);
    }
    Py_END_ALLOW_THREADS
    if (n < 0 || m < 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        goto fail;
    }
    if (n == want) {  /* it grew: the general path reads it whole */
        Py_DECREF(first);
        Py_DECREF(second);
        close(fd);
        Py_RETURN_NONE;
    }
    if (plans != Py_None) {
        PyObject *size = PyLong_FromSsize_t(n);
        PyObject *known = size == NULL ? NULL : PyDict_GetItemWithError(plans, size);
        Py_XDECREF(size);
        if (known == NULL && PyErr_Occurred())
            goto fail;
        if (known != NULL && !PyTuple_Check(known)) {
            PyErr_SetString(PyExc_TypeError, "open_copies: plans maps sizes to tuples of ReadPlans");
            goto fail;
        }
        Source src = {fd, NULL};
        out = known == NULL ? NULL : known_fields(known, &src, (unsigned char *)a, n, (unsigned char *)b, m, retries);
        if (out != NULL) {
            Py_DECREF(first);
            Py_DECREF(second);
            close(fd);
            return out;
        }
        if (PyErr_Occurred())
            goto fail;
    }
    if (_PyBytes_Resize(&first, n) < 0)
        goto fail;
    if (b == NULL)
        Py_SETREF(second, (Py_INCREF(Py_None), Py_None));
    else if (_PyBytes_Resize(&second, m) < 0)
        goto fail;
    return Py_BuildValue("(iNN)", fd, first, second);
fail:
    Py_XDECREF(first);
    Py_XDECREF(second);
    close(fd);
    return NULL;
}

static PyMethodDef readpath_functions[] = {
    {"open_copies", open_copies, METH_VARARGS,
     "open_copies(path, flags, limit, twice, plans=None, retries=0, single=b''): (fd, copy, second copy or None) "
     "of a regular file of at most limit bytes, the descriptor left open; its fields, the file closed, when a plan "
     "of plans ({size: (ReadPlan, ...)}) has its skeleton; None for anything else (nothing left open)."},
    {"settle_fields", settle_fields, METH_VARARGS,
     "settle_fields(plans, first, second, fd, retries): the fields open_copies() gives for these two copies "
     "(further copies from fd, or a callable fill(buf) -> bytes copied), or None when no plan fits."},
    {"record_type", record_type, METH_O,
     "record_type(cls): a copy of the NamedTuple class cls whose instances are made and freed in C "
     "(same fields, methods, repr, equality, pickling)."},
    {NULL, NULL, 0, NULL},
};

int
mmstats_readpath_init(PyObject *module)
{
    if (PyType_Ready(&Plan_Type) < 0 || PyModule_AddFunctions(module, readpath_functions) < 0)
        return -1;
    if (str_header_slot == NULL && (str_header_slot = PyUnicode_InternFromString("_header")) == NULL)
        return -1;
    Py_INCREF(&Plan_Type);
    if (PyModule_AddObject(module, "ReadPlan", (PyObject *)&Plan_Type) < 0) {
        Py_DECREF(&Plan_Type);
        return -1;
    }
    return 0;
}
