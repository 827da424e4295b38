/* The mapped re-read of a version 2 file: a MappedPlan polls a file through its read-only shared
 * mapping, in one call per poll (spec/v2.md, "Readers that map the file").  And the directory poll
 * (poll_listing): StatsDirectory's ordinary poll of every listed file in one call.
 *
 * A plan is built in Python (mmstats_format/v2/mapped.py) from the layout's own ReadPlan ops
 * (v2/layout.py): every offset, width and code comes from there, so this file knows no format
 * constant.  A poll: stat the path (replaced?) and fstat the descriptor (shrunk or grown?), then
 * from the mapping: acquire loads of state and field_count, of slots_used, one 8-byte atomic load
 * per number and copy, the sequence protocol for strings and histograms (s1 acquire, payload
 * relaxed, acquire fence, s2 relaxed; a bounded retry, sched_yield every 10 attempts).  Only the
 * values and the header's bytes are made (its dict on first use, in Python).  Anything not the
 * ordinary case gives None and the caller's general path looks (and names the problem).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int mmstats_mapread_init(PyObject *module);
PyObject *mmstats_histogram_object(PyObject *bounds, PyObject *inf, const unsigned long long *counts,
                                   Py_ssize_t nb, PyObject *sum);  /* _readpath.c */
PyObject *mmstats_repoll(PyObject *plan, int fd, PyObject *copy, PyObject *spare, int retries,
                         unsigned long long last);  /* _readpath.c */

enum { M_INT, M_UINT, M_FLOAT, M_TEXT, M_HISTOGRAM };

typedef struct {
    int code;
    Py_ssize_t off;     /* the value, in slot 0 for a slotted value */
    Py_ssize_t size;    /* bytes of one copy */
    Py_ssize_t stride;  /* slot size for a slotted value, else 0 */
    int sum_slots;      /* a number added over slots 0 .. slots_used - 1 */
    PyObject *bounds;   /* histogram: tuple of floats (without +inf) */
} MOp;

typedef struct { Py_ssize_t off; int width; } Word;
typedef struct { PyObject *key; Py_ssize_t off; int width; int is_signed; PyObject *names; } MHeader;

typedef struct {
    PyObject_HEAD
    Py_ssize_t size;                       /* bytes mapped */
    Word state; unsigned long long state_lo, state_hi, closed;
    Word field_count; unsigned long long fields;
    Word slots_used; unsigned long long slot_count;
    Py_ssize_t text_seq, text_length, text_at; int length_width;
    Py_ssize_t hist_seq, hist_sum, hist_buckets;
    MOp *ops; Py_ssize_t n_ops;
    MHeader *header; Py_ssize_t n_header;
    PyTypeObject *values_type;             /* a list subclass with a ``_header`` slot (v2/layout.py Values) */
    Py_ssize_t header_at, header_len;      /* header_len > 0: the header's bytes are kept, not its dict */
    PyObject *inf;
} MappedPlan;

static PyObject *str_header;  /* the values type's slot for its header (v2/layout.py Values: Headed._header) */

/* ------------------------------------------------------------------ loads from the mapping */

static inline uint64_t
from_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

/* One single-copy-atomic load of an aligned word of ``width`` bytes (order: __ATOMIC_*). */
static inline unsigned long long
load_word(const unsigned char *p, int width, int order)
{
    switch (width) {
    case 1: return __atomic_load_n((const uint8_t *)p, order);
    case 2: {
        uint16_t v = __atomic_load_n((const uint16_t *)p, order);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap16(v);
#endif
        return v;
    }
    case 4: {
        uint32_t v = __atomic_load_n((const uint32_t *)p, order);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap32(v);
#endif
        return v;
    }
    default: return from_le64(__atomic_load_n((const uint64_t *)p, order));
    }
}

static inline uint64_t
load64(const unsigned char *p)
{
    return from_le64(__atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED));
}

static inline double
as_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* Attempt ``attempt`` (from 0) of a copy failed: yield the processor after every tenth, letting a
 * writer inside its update (maybe a thread of this process: the GIL is released) finish it. */
static void
after_failed(int attempt)
{
    if (attempt % 10 == 9) {
        Py_BEGIN_ALLOW_THREADS
        sched_yield();
        Py_END_ALLOW_THREADS
    }
}

/* ------------------------------------------------------------------ construction */

static int
word_of(PyObject *spec, const char *what, Word *w, unsigned long long *a, unsigned long long *b,
        unsigned long long *c, Py_ssize_t size)
{
    int n = c != NULL ? 5 : b != NULL ? 4 : 3;
    int ok = n == 5 ? PyArg_ParseTuple(spec, "niKKK", &w->off, &w->width, a, b, c)
           : n == 4 ? PyArg_ParseTuple(spec, "niKK", &w->off, &w->width, a, b)
                    : PyArg_ParseTuple(spec, "niK", &w->off, &w->width, a);
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "MappedPlan: bad %s word", what);
        return -1;
    }
    if ((w->width != 1 && w->width != 2 && w->width != 4 && w->width != 8) || w->off < 0
        || w->off % w->width || w->off > size - w->width) {
        PyErr_Format(PyExc_ValueError, "MappedPlan: the %s word is not an aligned word of the file", what);
        return -1;
    }
    return 0;
}

/* An op as v2/layout.py's _op makes it for the ReadPlan:
 * (code, width, buffered, offset, size, stride, sum_slots, bounds, prefix, suffix). */
static int
parse_op(MappedPlan *p, PyObject *spec, MOp *op)
{
    const char *code;
    int width, buffered;
    PyObject *bounds, *prefix, *suffix;
    if (!PyArg_ParseTuple(spec, "siinnniOOO;MappedPlan: an op is (code, width, buffered, offset, size, stride, "
                          "sum_slots, bounds, prefix, suffix)", &code, &width, &buffered, &op->off, &op->size,
                          &op->stride, &op->sum_slots, &bounds, &prefix, &suffix))
        return -1;
    static const char *names[] = {"int", "uint", "float", "text2", "histogram"};
    op->code = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(code, names[i]) == 0)
            op->code = i;
    if (op->code < 0 || buffered) {
        PyErr_Format(PyExc_ValueError, "MappedPlan: op %s is not a version 2 value", code);
        return -1;
    }
    if (op->code <= M_FLOAT && (width != 8 || op->size != 8)) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: a number is one 8-byte word");
        return -1;
    }
    Py_ssize_t nb = 0;
    if (op->code == M_HISTOGRAM) {
        if (!PyTuple_Check(bounds)) {
            PyErr_SetString(PyExc_TypeError, "MappedPlan: histogram bounds must be a tuple");
            return -1;
        }
        nb = PyTuple_GET_SIZE(bounds) + 1;
        if (op->size != p->hist_buckets + 8 * nb) {
            PyErr_SetString(PyExc_ValueError, "MappedPlan: histogram size does not match its bounds");
            return -1;
        }
    }
    if (op->code == M_TEXT && op->size < p->text_at) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: a string is shorter than its header");
        return -1;
    }
    /* every copy an aligned run of whole words inside the mapping, in every slot there can be */
    Py_ssize_t copies = op->stride ? (Py_ssize_t)p->slot_count : 1;
    if (op->off < 0 || op->off % 8 || op->size % 8 || op->stride < 0 || op->stride % 8 || op->size > p->size
        || op->off > p->size - op->size || (copies > 1 && (p->size - op->size - op->off) / op->stride < copies - 1)) {
        PyErr_Format(PyExc_ValueError, "MappedPlan: a value at %zd (%zd bytes, stride %zd, %zd copies) is not "
                     "aligned words inside the %zd bytes mapped", op->off, op->size, op->stride, copies, p->size);
        return -1;
    }
    op->bounds = op->code == M_HISTOGRAM ? (Py_INCREF(bounds), bounds) : NULL;
    return 0;
}

static void
mplan_dealloc(MappedPlan *p)
{
    for (Py_ssize_t i = 0; p->ops != NULL && i < p->n_ops; i++)
        Py_XDECREF(p->ops[i].bounds);
    for (Py_ssize_t i = 0; p->header != NULL && i < p->n_header; i++) {
        Py_XDECREF(p->header[i].key);
        Py_XDECREF(p->header[i].names);
    }
    PyMem_Free(p->ops);
    PyMem_Free(p->header);
    Py_XDECREF(p->values_type);
    Py_XDECREF(p->inf);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *
mplan_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"size", "state", "field_count", "slots_used", "ops", "header", "strings",
                             "histograms", "values_type", "header_bytes", NULL};
    Py_ssize_t size, header_at = 0, header_len = 0;
    PyObject *state, *field_count, *slots_used, *ops, *header, *strings, *histograms, *values_type;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nOOOO!O!OOO|(nn):MappedPlan", kwlist, &size, &state, &field_count,
                                     &slots_used, &PyTuple_Type, &ops, &PyTuple_Type, &header, &strings,
                                     &histograms, &values_type, &header_at, &header_len))
        return NULL;
    if (!PyType_Check(values_type) || !PyType_IsSubtype((PyTypeObject *)values_type, &PyList_Type)) {
        PyErr_SetString(PyExc_TypeError, "MappedPlan: values_type must be a list subclass");
        return NULL;
    }
    MappedPlan *p = (MappedPlan *)type->tp_alloc(type, 0);
    if (p == NULL)
        return NULL;
    p->size = size;
    Py_INCREF(values_type);
    p->values_type = (PyTypeObject *)values_type;
    if ((p->inf = PyFloat_FromDouble(Py_HUGE_VAL)) == NULL)
        goto fail;
    if (size <= 0 || size % 8) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: the size is a positive multiple of 8");
        goto fail;
    }
    if (word_of(state, "state", &p->state, &p->state_lo, &p->state_hi, &p->closed, size) < 0
        || word_of(field_count, "field_count", &p->field_count, &p->fields, NULL, NULL, size) < 0
        || word_of(slots_used, "slots_used", &p->slots_used, &p->slot_count, NULL, NULL, size) < 0)
        goto fail;
    p->header_at = header_at;
    p->header_len = header_len;
    if (header_len < 0 || header_at < 0 || header_at % 8 || header_len % 8 || header_at > size - header_len
        || (header_len > 0 && (p->state.off < header_at || p->state.off + p->state.width > header_at + header_len))) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: header_bytes is (offset, length) of aligned words of the file "
                        "holding the state word");
        goto fail;
    }
    if (p->slot_count < 1) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: at least one slot");
        goto fail;
    }
    if (!PyArg_ParseTuple(strings, "nnin;MappedPlan: strings is (seq, length, length width, text)", &p->text_seq,
                          &p->text_length, &p->length_width, &p->text_at)
        || !PyArg_ParseTuple(histograms, "nnn;MappedPlan: histograms is (seq, sum, buckets)", &p->hist_seq,
                             &p->hist_sum, &p->hist_buckets))
        goto fail;
    if (p->text_seq % 8 || p->text_at % 8 || p->text_at < 8 || p->text_seq > p->text_at - 8
        || (p->length_width != 4 && p->length_width != 8) || p->text_length % p->length_width
        || p->text_length < 0 || p->text_length > p->text_at - p->length_width
        || p->hist_seq % 8 || p->hist_sum % 8 || p->hist_buckets % 8 || p->hist_seq < 0 || p->hist_sum < 0
        || p->hist_seq > p->hist_buckets - 8 || p->hist_sum > p->hist_buckets - 8) {
        PyErr_SetString(PyExc_ValueError, "MappedPlan: string or histogram words are not aligned in their header");
        goto fail;
    }

    Py_ssize_t n = PyTuple_GET_SIZE(header);
    p->header = PyMem_Calloc(n ? n : 1, sizeof(MHeader));
    if (p->header == NULL)
        goto nomem;
    for (p->n_header = 0; p->n_header < n; p->n_header++) {
        MHeader *h = &p->header[p->n_header];
        PyObject *key, *names;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(header, p->n_header), "UniiO;MappedPlan: header is ((key, offset, "
                              "width, signed, names or None), ...)", &key, &h->off, &h->width, &h->is_signed, &names))
            goto fail;
        if ((h->width != 1 && h->width != 2 && h->width != 4 && h->width != 8) || h->off < 0 || h->off % h->width
            || h->off > size - h->width || (names != Py_None && !PyDict_Check(names))) {
            PyErr_SetString(PyExc_ValueError, "MappedPlan: bad header word");
            goto fail;
        }
        Py_INCREF(key);
        h->key = key;
        h->names = names == Py_None ? NULL : (Py_INCREF(names), names);
    }

    n = PyTuple_GET_SIZE(ops);
    p->ops = PyMem_Calloc(n ? n : 1, sizeof(MOp));
    if (p->ops == NULL)
        goto nomem;
    for (p->n_ops = 0; p->n_ops < n; p->n_ops++)
        if (parse_op(p, PyTuple_GET_ITEM(ops, p->n_ops), &p->ops[p->n_ops]) < 0)
            goto fail;
    return (PyObject *)p;
nomem:
    PyErr_NoMemory();
fail:
    Py_DECREF(p);
    return NULL;
}

/* ------------------------------------------------------------------ values */

/* Copy ``words`` 8-byte words of the multi-word value at ``at`` into ``out`` by the sequence
 * protocol: 1 consistent, 0 no consistent copy within ``attempts``.  ``check_length``: a text,
 * whose length word (at text_length) bounds the copy; *length gets it. */
static int
copy_sequenced(MappedPlan *p, const unsigned char *at, Py_ssize_t seq_off, Py_ssize_t from, Py_ssize_t words,
               uint64_t *out, int attempts, unsigned long long *length)
{
    for (int attempt = 0; attempt < attempts; attempt++) {
        uint64_t s1 = from_le64(__atomic_load_n((const uint64_t *)(at + seq_off), __ATOMIC_ACQUIRE));
        if (s1 % 2 == 0) {
            Py_ssize_t n = words;
            if (length != NULL) {
                *length = load_word(at + p->text_length, p->length_width, __ATOMIC_RELAXED);
                Py_ssize_t need = *length > (unsigned long long)(words * 8) ? words : (Py_ssize_t)((*length + 7) / 8);
                n = need;
            }
            for (Py_ssize_t i = 0; i < n; i++)
                out[i] = __atomic_load_n((const uint64_t *)(at + from) + i, __ATOMIC_RELAXED);
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            uint64_t s2 = from_le64(__atomic_load_n((const uint64_t *)(at + seq_off), __ATOMIC_RELAXED));
            if (s1 == s2)
                return 1;
        }
        if (attempt + 1 < attempts)
            after_failed(attempt);
    }
    return 0;
}

/* A string's value; *rescan set when a consistent copy's length is past its capacity. */
static PyObject *
text(MappedPlan *p, const MOp *op, const unsigned char *m, int attempts, int *rescan)
{
    Py_ssize_t capacity = op->size - p->text_at, words = capacity / 8;
    uint64_t stack[32], *buf = words <= 32 ? stack : PyMem_Malloc((size_t)(words ? words : 1) * 8);
    if (buf == NULL)
        return PyErr_NoMemory();
    unsigned long long length = 0;
    PyObject *out;
    if (!copy_sequenced(p, m + op->off, p->text_seq, p->text_at, words, buf, attempts, &length)) {
        out = Py_None;  /* no consistent copy: no value */
        Py_INCREF(out);
    } else if (length > (unsigned long long)capacity) {
        *rescan = 1;  /* bad_string_length: the general path names it */
        out = Py_None;
        Py_INCREF(out);
    } else {
        out = PyUnicode_DecodeUTF8((const char *)buf, (Py_ssize_t)length, "replace");
    }
    if (buf != stack)
        PyMem_Free(buf);
    return out;
}

static PyObject *
histogram(MappedPlan *p, const MOp *op, const unsigned char *m, unsigned long long slots, int attempts)
{
    Py_ssize_t nb = PyTuple_GET_SIZE(op->bounds) + 1;
    Py_ssize_t words = (op->size - p->hist_sum) / 8;  /* the sum and the buckets, as they follow it */
    uint64_t stack[66], *buf = words <= 66 ? stack : PyMem_Malloc((size_t)words * 8);
    unsigned long long cstack[64], *counts = nb <= 64 ? cstack : PyMem_Calloc((size_t)nb, sizeof(*counts));
    PyObject *out = NULL;
    if (buf == NULL || counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memset(counts, 0, (size_t)nb * sizeof(*counts));
    Py_ssize_t sum_word = 0, first_bucket = (p->hist_buckets - p->hist_sum) / 8;
    double total = 0.0;
    for (unsigned long long k = 0; k < slots; k++) {
        const unsigned char *at = m + op->off + (Py_ssize_t)k * op->stride;
        if (!copy_sequenced(p, at, p->hist_seq, p->hist_sum, words, buf, attempts, NULL)) {
            out = Py_None;  /* one copy without a value: the histogram has none */
            Py_INCREF(out);
            goto done;
        }
        double s = as_double(from_le64(buf[sum_word]));
        total = k == 0 ? s : total + s;
        for (Py_ssize_t i = 0; i < nb; i++)
            counts[i] += from_le64(buf[first_bucket + i]);
    }
    out = mmstats_histogram_object(op->bounds, p->inf, counts, nb, PyFloat_FromDouble(total));
done:
    if (buf != NULL && buf != stack)
        PyMem_Free(buf);
    if (counts != NULL && counts != cstack)
        PyMem_Free(counts);
    return out;
}

static PyObject *
number(const MOp *op, const unsigned char *m, unsigned long long slots)
{
    const unsigned char *at = m + op->off;
    if (!op->sum_slots) {
        uint64_t v = load64(at);
        return op->code == M_UINT ? PyLong_FromUnsignedLongLong(v)
             : op->code == M_INT ? PyLong_FromLongLong((long long)v) : PyFloat_FromDouble(as_double(v));
    }
    if (op->code == M_FLOAT) {  /* binary64 additions in slot order */
        double total = as_double(load64(at));
        for (unsigned long long k = 1; k < slots; k++)
            total += as_double(load64(at + (Py_ssize_t)k * op->stride));
        return PyFloat_FromDouble(total);
    }
    uint64_t total = 0;  /* modulo 2**64 */
    for (unsigned long long k = 0; k < slots; k++)
        total += load64(at + (Py_ssize_t)k * op->stride);
    return op->code == M_UINT ? PyLong_FromUnsignedLongLong(total) : PyLong_FromLongLong((long long)total);
}

static PyObject *
header_values(MappedPlan *p, const unsigned char *m)
{
    PyObject *h = PyDict_New();
    for (Py_ssize_t i = 0; h != NULL && i < p->n_header; i++) {
        MHeader *w = &p->header[i];
        unsigned long long raw = load_word(m + w->off, w->width, __ATOMIC_RELAXED);
        PyObject *v;
        if (w->names != NULL) {
            PyObject *k = PyLong_FromUnsignedLongLong(raw);
            v = k == NULL ? NULL : PyDict_GetItemWithError(w->names, k);
            Py_XDECREF(k);
            if (v == NULL) {
                Py_CLEAR(h);  /* a code without a name (state changed since checked): the general path */
                if (PyErr_Occurred())
                    return NULL;
                return Py_None;
            }
            Py_INCREF(v);
        } else if (w->is_signed) {
            unsigned long long top = w->width >= 8 ? 0 : 1ULL << (w->width * 8 - 1);
            v = PyLong_FromLongLong(top ? (long long)((raw ^ top) - top) : (long long)raw);
        } else {
            v = PyLong_FromUnsignedLongLong(raw);
        }
        if (v == NULL || PyDict_SetItem(h, w->key, v) < 0) {
            Py_XDECREF(v);
            Py_CLEAR(h);
            return NULL;
        }
        Py_DECREF(v);
    }
    return h;
}

/* The header's bytes (header_at, header_len), loaded a word at a time (Headed.header makes the dict
 * from them when it is asked for, as from the copying plan's); None when the state in them is not
 * one the plan takes (changed since checked): the general path. */
static PyObject *
header_bytes(MappedPlan *p, const unsigned char *m)
{
    PyObject *b = PyBytes_FromStringAndSize(NULL, p->header_len);
    if (b == NULL)
        return NULL;
    uint64_t *out = (uint64_t *)PyBytes_AS_STRING(b);
    for (Py_ssize_t i = 0; i < p->header_len / 8; i++)
        out[i] = __atomic_load_n((const uint64_t *)(m + p->header_at) + i, __ATOMIC_RELAXED);
    unsigned long long state = load_word((const unsigned char *)out + (p->state.off - p->header_at), p->state.width,
                                         __ATOMIC_RELAXED);
    if (state < p->state_lo || state > p->state_hi) {
        Py_DECREF(b);
        Py_RETURN_NONE;
    }
    return b;
}

/* The values of the mapping ``m`` (values_type with its header), None for the general path, or
 * NULL with an exception. */
static PyObject *
values_of(MappedPlan *p, const unsigned char *m, int attempts)
{
    unsigned long long state = load_word(m + p->state.off, p->state.width, __ATOMIC_ACQUIRE);
    unsigned long long count = load_word(m + p->field_count.off, p->field_count.width, __ATOMIC_ACQUIRE);
    if (state < p->state_lo || state > p->state_hi || count != p->fields)
        Py_RETURN_NONE;  /* not ready, broken, or fields appended (or fewer: rewritten) */
    unsigned long long slots = load_word(m + p->slots_used.off, p->slots_used.width, __ATOMIC_ACQUIRE);
    if (slots < 1 || slots > p->slot_count)
        Py_RETURN_NONE;
    if (state == p->closed)
        attempts = 1;  /* a closed file's odd sequence never becomes even */
    PyObject *h = p->header_len > 0 ? header_bytes(p, m) : header_values(p, m);
    if (h == NULL || h == Py_None)
        return h == NULL ? NULL : (Py_INCREF(Py_None), Py_None);
    PyObject *out = p->values_type->tp_alloc(p->values_type, 0);
    if (out == NULL)
        goto fail;
    PyListObject *list = (PyListObject *)out;
    if (p->n_ops > 0) {  /* the items array a list of n_ops items has (list_preallocate_exact) */
        list->ob_item = PyMem_New(PyObject *, (size_t)p->n_ops);
        if (list->ob_item == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        list->allocated = p->n_ops;
    }
    int rescan = 0;
    for (Py_ssize_t i = 0; i < p->n_ops; i++) {
        const MOp *op = &p->ops[i];
        PyObject *v = op->code == M_TEXT ? text(p, op, m, attempts, &rescan)
                    : op->code == M_HISTOGRAM ? histogram(p, op, m, slots, attempts) : number(op, m, slots);
        if (v == NULL)
            goto fail;
        list->ob_item[i] = v;
        Py_SET_SIZE(list, i + 1);
    }
    if (rescan) {
        Py_DECREF(out);
        Py_DECREF(h);
        Py_RETURN_NONE;
    }
    if (PyObject_SetAttr(out, str_header, h) < 0)
        goto fail;
    Py_DECREF(h);
    return out;
fail:
    Py_XDECREF(out);
    Py_DECREF(h);
    return NULL;
}

/* What a poll does after its look at the path: fstat ``fd`` (the file's size must be the plan's,
 * else None: no load past the end), then the values of ``mapping`` (values_of). */
static PyObject *
mapped_values(MappedPlan *p, PyObject *mapping, int fd, int attempts)
{
    struct stat fst;
    int frc;
    Py_BEGIN_ALLOW_THREADS
    frc = fstat(fd, &fst);
    Py_END_ALLOW_THREADS
    if (frc != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    if (fst.st_size != p->size)
        Py_RETURN_NONE;  /* shrunk or grown: no load past the end */
    Py_buffer view;
    if (PyObject_GetBuffer(mapping, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *out;
    if (view.len != p->size || ((uintptr_t)view.buf) % 8) {
        PyErr_Format(PyExc_ValueError, "poll: a mapping of %zd bytes for a plan of %zd", view.len, p->size);
        out = NULL;
    } else {
        out = values_of(p, view.buf, attempts);
    }
    PyBuffer_Release(&view);
    return out;
}

/* poll(mapping, fd, path, encoded, device, inode, follow_symlinks, attempts) */
static PyObject *
mplan_poll(MappedPlan *p, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "poll(mapping, fd, path, encoded, device, inode, follow_symlinks, "
                        "attempts) takes 8 arguments");
        return NULL;
    }
    PyObject *mapping = args[0], *path = args[2], *encoded = args[3];
    long fd = PyLong_AsLong(args[1]), attempts = PyLong_AsLong(args[7]);
    unsigned long long dev = PyLong_AsUnsignedLongLong(args[4]), ino = PyLong_AsUnsignedLongLong(args[5]);
    int follow = PyObject_IsTrue(args[6]);
    if (PyErr_Occurred() || follow < 0)
        return NULL;
    if (fd < 0 || fd > INT_MAX) {
        PyErr_Format(PyExc_ValueError, "poll: %ld is not a file descriptor", fd);
        return NULL;
    }
    if (encoded != Py_None && !PyBytes_Check(encoded)) {
        PyErr_SetString(PyExc_TypeError, "poll: encoded is the path as bytes, or None (no stat)");
        return NULL;
    }
    if (attempts < 1 || attempts > INT_MAX)
        attempts = attempts < 1 ? 1 : INT_MAX;
    if (encoded != Py_None) {
        struct stat st;
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = follow ? stat(PyBytes_AS_STRING(encoded), &st) : lstat(PyBytes_AS_STRING(encoded), &st);
        Py_END_ALLOW_THREADS
        if (rc != 0)
            return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        if ((unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino)
            Py_RETURN_NONE;  /* the path names another file now */
    }
    return mapped_values(p, mapping, (int)fd, (int)attempts);
}

static PyMethodDef mplan_methods[] = {
    {"poll", (PyCFunction)(void (*)(void))mplan_poll, METH_FASTCALL,
     "poll(mapping, fd, path, encoded, device, inode, follow_symlinks, attempts): stat encoded (the path as bytes; "
     "None: no stat) and fstat fd, then the values from the mapping (a buffer of the whole file): values_type with "
     "its header, or None when the path names another file, the file's size is not the plan's, or the mapping "
     "does not hold the plan's layout (state, field_count, slots_used, a string's length): the caller looks.  "
     "attempts: copies tried per sequence-locked value (1 in a closed file)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MappedPlan_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mmstats._speedups.MappedPlan",
    .tp_basicsize = sizeof(MappedPlan),
    .tp_dealloc = (destructor)mplan_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A version 2 layout compiled for polling its file through a mapping (built by "
              "mmstats_format.v2.mapped).",
    .tp_methods = mplan_methods,
    .tp_new = mplan_new,
};

/* ------------------------------------------------------------------ the directory poll */

/* The attributes of StatsDirectory's per-file record (directory.py's _File), of its MappedFile and
 * of its layout that the ordinary poll reads; interned once. */
static PyObject *a_path, *a_fd, *a_ino, *a_by_stat, *a_layout, *a_digest, *a_bufs, *a_mapped, *a_plan, *a_view,
    *a_fields, *a_reread_plan;

/* ``n`` attributes of ``obj`` (new references): 0, or -1 with an exception and none kept. */
static int
get_attrs(PyObject *obj, PyObject *const *names, PyObject **out, int n)
{
    for (int i = 0; i < n; i++)
        if ((out[i] = PyObject_GetAttr(obj, names[i])) == NULL) {
            while (--i >= 0)
                Py_CLEAR(out[i]);
            return -1;
        }
    return 0;
}

static void
drop_attrs(PyObject **objs, int n)
{
    for (int i = 0; i < n; i++)
        Py_CLEAR(objs[i]);
}

/* An OSError is the one file's: None, and the caller's general path meets it again and names it.
 * Anything else stays raised. */
static PyObject *
os_error_is_none(PyObject *got)
{
    if (got == NULL && PyErr_ExceptionMatches(PyExc_OSError)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return got;
}

/* The descriptor an attribute holds; -1 when it holds none. */
static int
descriptor(PyObject *v)
{
    long fd = PyLong_Check(v) ? PyLong_AsLong(v) : -1;
    if (fd == -1 && PyErr_Occurred())
        PyErr_Clear();
    return fd < 0 || fd > INT_MAX ? -1 : (int)fd;
}

/* The values of a version 2 file through its MappedFile ``m`` (its plan, mapping and descriptor);
 * *layout gets the MappedFile's layout.  None: not the ordinary case. */
static PyObject *
values_mapped(PyObject *m, int attempts, PyObject **layout)
{
    PyObject *const wanted[] = {a_plan, a_view, a_fd, a_layout};
    PyObject *got[4], *out;
    if (get_attrs(m, wanted, got, 4) < 0)
        return NULL;
    int fd = descriptor(got[2]);
    if (fd >= 0 && Py_IS_TYPE(got[0], &MappedPlan_Type) && got[1] != Py_None) {
        out = os_error_is_none(mapped_values((MappedPlan *)got[0], got[1], fd, attempts));
    } else {
        out = Py_None;  /* a pure-Python plan, or closed */
        Py_INCREF(out);
    }
    *layout = got[3];
    got[3] = NULL;
    drop_attrs(got, 3);
    return out;
}

/* The values of a copied file ``f`` held open whose digest is known: its layout's ReadPlan repoll
 * (copy, re-check, decode), the new digest stored back into f; *layout gets f's layout.  None: not
 * the ordinary case. */
static PyObject *
values_copied(PyObject *f, int retries, PyObject **layout)
{
    PyObject *const wanted[] = {a_fd, a_digest, a_bufs, a_layout};
    PyObject *got[4], *plan = NULL, *out = NULL;
    if (get_attrs(f, wanted, got, 4) < 0)
        return NULL;
    int fd = descriptor(got[0]);
    PyObject *digest = got[1], *bufs = got[2];
    if (fd < 0 || !PyLong_Check(digest) || got[3] == Py_None || !PyTuple_Check(bufs) || PyTuple_GET_SIZE(bufs) < 2) {
        out = Py_None;  /* not held open, no digest (no compiled plan took it), or not parsed */
        Py_INCREF(out);
        goto done;
    }
    unsigned long long last = PyLong_AsUnsignedLongLong(digest);
    if ((last == (unsigned long long)-1 && PyErr_Occurred()) || (plan = PyObject_GetAttr(got[3], a_reread_plan)) == NULL)
        goto done;
    PyObject *polled = os_error_is_none(mmstats_repoll(plan, fd, PyTuple_GET_ITEM(bufs, 0),
                                                       PyTuple_GET_ITEM(bufs, 1), retries, last));
    if (polled == NULL || polled == Py_None) {
        out = polled;
        goto done;
    }
    PyObject *d = PyTuple_GET_ITEM(polled, 1);  /* (values, digest) */
    int same = PyObject_RichCompareBool(d, digest, Py_EQ);
    if (same < 0 || (!same && PyObject_SetAttr(f, a_digest, d) < 0)) {
        Py_DECREF(polled);
        goto done;
    }
    out = PyTuple_GET_ITEM(polled, 0);
    Py_INCREF(out);
    Py_DECREF(polled);
done:
    Py_XDECREF(plan);
    *layout = got[3];
    got[3] = NULL;
    drop_attrs(got, 3);
    return out;
}

/* The record (path, fields, values) of one listed regular file ``f`` (a _File) whose inode the
 * listing gives as ``ino``, by its ordinary poll; None: not the ordinary case (another inode, not
 * held, another layout...), the caller's general path takes it; NULL with an exception. */
static PyObject *
polled_record(PyObject *f, unsigned long long ino, PyTypeObject *record, int retries, int attempts)
{
    PyObject *const wanted[] = {a_by_stat, a_ino, a_mapped};
    PyObject *got[3], *layout = NULL, *values = NULL, *out = NULL;
    if (get_attrs(f, wanted, got, 3) < 0)
        return NULL;
    unsigned long long known = PyLong_Check(got[1]) ? PyLong_AsUnsignedLongLong(got[1]) : 0;
    if (PyErr_Occurred())
        PyErr_Clear();  /* (an inode past 64 bits is not this one) */
    if (got[0] != Py_False || !PyLong_Check(got[1]) || known != ino) {
        out = Py_None;  /* identified by lstat, or another file now */
        Py_INCREF(out);
        goto done;
    }
    values = got[2] != Py_None ? values_mapped(got[2], attempts, &layout) : values_copied(f, retries, &layout);
    if (values == NULL || values == Py_None) {
        out = values;
        values = NULL;
        goto done;
    }
    PyObject *fields = PyObject_GetAttr(layout, a_fields), *path = fields ? PyObject_GetAttr(f, a_path) : NULL;
    if (path == NULL || (out = record->tp_alloc(record, 3)) == NULL) {
        Py_XDECREF(fields);
        Py_XDECREF(path);
        goto done;
    }
    PyTuple_SET_ITEM(out, 0, path);
    PyTuple_SET_ITEM(out, 1, fields);
    PyTuple_SET_ITEM(out, 2, values);
    values = NULL;
done:
    Py_XDECREF(values);
    Py_XDECREF(layout);
    drop_attrs(got, 3);
    return out;
}

/* A listing entry for the caller's general path: (name, its _File or None, regular, inode), regular
 * True, False, or None when the listing does not say (d_type unknown: the caller lstats). */
static int
hand_back(PyObject *rest, PyObject *name, PyObject *f, const struct dirent *ent)
{
    PyObject *regular = ent->d_type == DT_UNKNOWN ? Py_None : ent->d_type == DT_REG ? Py_True : Py_False;
    PyObject *item = Py_BuildValue("(OOOK)", name, f != NULL ? f : Py_None, regular, (unsigned long long)ent->d_ino);
    if (item == NULL)
        return -1;
    int rc = PyList_Append(rest, item);
    Py_DECREF(item);
    return rc;
}

/* poll_listing(directory, files, skip, record, retries, attempts) */
static PyObject *
poll_listing(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1]) || !PyAnySet_Check(args[2])
        || !PyType_Check(args[3]) || !PyType_IsSubtype((PyTypeObject *)args[3], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "poll_listing(directory: str, files: dict, skip: set, record: a tuple type, "
                        "retries: int, attempts: int)");
        return NULL;
    }
    PyObject *directory = args[0], *files = args[1], *skip = args[2];
    PyTypeObject *record = (PyTypeObject *)args[3];
    long retries = PyLong_AsLong(args[4]), attempts = PyLong_AsLong(args[5]);
    if (PyErr_Occurred())
        return NULL;
    retries = retries < 0 ? 0 : retries > INT_MAX ? INT_MAX : retries;
    attempts = attempts < 1 ? 1 : attempts > INT_MAX ? INT_MAX : attempts;
    PyObject *encoded = PyUnicode_EncodeFSDefault(directory);
    if (encoded == NULL)
        return NULL;
    DIR *dir;
    Py_BEGIN_ALLOW_THREADS
    dir = opendir(PyBytes_AS_STRING(encoded));
    Py_END_ALLOW_THREADS
    Py_DECREF(encoded);
    if (dir == NULL)
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, directory);
    PyObject *out = PyList_New(0), *rest = PyList_New(0), *result = NULL;
    Py_ssize_t seen = 0;
    if (out == NULL || rest == NULL)
        goto done;
    for (;;) {
        struct dirent *ent;
        errno = 0;
        Py_BEGIN_ALLOW_THREADS
        ent = readdir(dir);
        Py_END_ALLOW_THREADS
        if (ent == NULL) {
            if (errno != 0) {
                PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, directory);
                goto done;
            }
            break;
        }
        const char *n = ent->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)))
            continue;
        PyObject *name = PyUnicode_DecodeFSDefault(n);
        if (name == NULL)
            goto done;
        PyObject *f = PyDict_GetItemWithError(files, name);  /* borrowed */
        int rc;
        if (f == NULL) {
            int skipped = PyErr_Occurred() ? -1 : PySet_Contains(skip, name);
            rc = skipped < 0 ? -1 : skipped ? 0 : hand_back(rest, name, NULL, ent);
        } else {
            seen++;
            Py_INCREF(f);
            PyObject *got = ent->d_type != DT_REG ? (Py_INCREF(Py_None), Py_None)
                          : polled_record(f, (unsigned long long)ent->d_ino, record, (int)retries, (int)attempts);
            rc = got == NULL ? -1 : got == Py_None ? hand_back(rest, name, f, ent) : PyList_Append(out, got);
            Py_XDECREF(got);
            Py_DECREF(f);
        }
        Py_DECREF(name);
        if (rc < 0)
            goto done;
    }
    result = Py_BuildValue("(OOn)", out, rest, seen);
done:
    Py_BEGIN_ALLOW_THREADS
    closedir(dir);
    Py_END_ALLOW_THREADS
    Py_XDECREF(out);
    Py_XDECREF(rest);
    return result;
}

static PyMethodDef dirpoll_functions[] = {
    {"poll_listing", (PyCFunction)(void (*)(void))poll_listing, METH_FASTCALL,
     "poll_listing(directory, files, skip, record, retries, attempts): one pass over the directory's listing. "
     "A name of files (name -> StatsDirectory's _File) listed as a regular file of the file's inode, held open "
     "(copied, its digest known; or mapped) and read by its compiled plan in the ordinary case gives "
     "record(path, fields, values); every other name not in skip is handed back as (name, _File or None, "
     "regular: True, False or None for unknown, inode).  Returns (records, handed back, names of files listed)."},
    {NULL, NULL, 0, NULL},
};

int
mmstats_mapread_init(PyObject *module)
{
    if (PyType_Ready(&MappedPlan_Type) < 0)
        return -1;
    if (str_header == NULL && (str_header = PyUnicode_InternFromString("_header")) == NULL)
        return -1;
    struct { PyObject **at; const char *name; } names[] = {
        {&a_path, "path"}, {&a_fd, "fd"}, {&a_ino, "ino"}, {&a_by_stat, "by_stat"}, {&a_layout, "layout"},
        {&a_digest, "digest"}, {&a_bufs, "bufs"}, {&a_mapped, "mapped"}, {&a_plan, "plan"}, {&a_view, "view"},
        {&a_fields, "fields"}, {&a_reread_plan, "reread_plan"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (*names[i].at == NULL && (*names[i].at = PyUnicode_InternFromString(names[i].name)) == NULL)
            return -1;
    if (PyModule_AddFunctions(module, dirpoll_functions) < 0)
        return -1;
    Py_INCREF(&MappedPlan_Type);
    if (PyModule_AddObject(module, "MappedPlan", (PyObject *)&MappedPlan_Type) < 0) {
        Py_DECREF(&MappedPlan_Type);
        return -1;
    }
    return 0;
}
