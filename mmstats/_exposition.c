/* The two loops of an mmash /metrics scrape that touch every value, in C: the sums of counter
 * columns over the files of one layout, and the text of sample lines.  Their pure-Python twins
 * (mmstats/tools/mmash/kernels.py) are the reference: tests require the same results of both.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <math.h>
#include <string.h>

int mmstats_exposition_init(PyObject *module);

/* ------------------------------------------------------------------ column sums */

/* acc += x, spilling into a Python int when a long long would overflow (*big holds the spill). */
static int
add_exact(long long *acc, PyObject **big, PyObject *x)
{
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (!overflow && !(v > 0 && *acc > LLONG_MAX - v) && !(v < 0 && *acc < LLONG_MIN - v)) {
        *acc += v;
        return 0;
    }
    PyObject *so_far = PyLong_FromLongLong(*acc);
    if (so_far == NULL)
        return -1;
    *acc = 0;
    PyObject *t = so_far;
    if (*big != NULL) {
        t = PyNumber_Add(*big, so_far);
        Py_DECREF(so_far);
        Py_CLEAR(*big);
        if (t == NULL)
            return -1;
    }
    *big = PyNumber_Add(t, x);
    Py_DECREF(t);
    return *big == NULL ? -1 : 0;
}

/* Per index, sum(row[i] for row in rows) when every such value is an int (bools too, as sum() takes
 * them), else None.  Row by row (each file's values are together in memory), a running total per index. */
static PyObject *
column_sums(PyObject *module, PyObject *args)
{
    PyObject *rows, *indices;
    if (!PyArg_ParseTuple(args, "O!O:column_sums", &PyList_Type, &rows, &indices))
        return NULL;
    PyObject *idx = PySequence_Fast(indices, "column_sums: indices must be a sequence");
    if (idx == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(idx);
    PyObject *out = NULL;
    Py_ssize_t *at = PyMem_Calloc((size_t)n + 1, sizeof(Py_ssize_t));
    long long *acc = PyMem_Calloc((size_t)n + 1, sizeof(long long));
    PyObject **big = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    char *summed = PyMem_Malloc((size_t)n + 1);  /* 0: a value that is no int was met */
    if (at == NULL || acc == NULL || big == NULL || summed == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        at[k] = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(idx, k));
        if (at[k] == -1 && PyErr_Occurred())
            goto done;
        summed[k] = 1;
    }
    for (Py_ssize_t r = 0; r < PyList_GET_SIZE(rows); r++) {
        PyObject *row = PyList_GET_ITEM(rows, r);
        if (!PyList_Check(row)) {
            PyErr_Format(PyExc_TypeError, "column_sums: row %zd is not a list", r);
            goto done;
        }
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t i = at[k];
            if (i < 0 || i >= PyList_GET_SIZE(row)) {
                PyErr_Format(PyExc_IndexError, "column_sums: row %zd has no item %zd", r, i);
                goto done;
            }
            PyObject *v = PyList_GET_ITEM(row, i);
            if (!summed[k])
                continue;
            if (!PyLong_CheckExact(v) && !PyBool_Check(v))
                summed[k] = 0;
            else if (add_exact(&acc[k], &big[k], v) < 0)
                goto done;
        }
    }
    out = PyList_New(n);
    for (Py_ssize_t k = 0; out != NULL && k < n; k++) {
        PyObject *sum;
        if (!summed[k]) {
            Py_INCREF(Py_None);
            sum = Py_None;
        } else {
            sum = PyLong_FromLongLong(acc[k]);
            if (sum != NULL && big[k] != NULL) {
                PyObject *t = PyNumber_Add(big[k], sum);
                Py_DECREF(sum);
                sum = t;
            }
        }
        if (sum == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, k, sum);
    }
done:
    if (big != NULL)
        for (Py_ssize_t k = 0; k < n; k++)
            Py_XDECREF(big[k]);
    PyMem_Free(at);
    PyMem_Free(acc);
    PyMem_Free(big);
    PyMem_Free(summed);
    Py_DECREF(idx);
    return out;
}

/* ------------------------------------------------------------------ sample lines */

typedef struct { char *p; Py_ssize_t len, cap; } Text;

static int
put(Text *t, const char *s, Py_ssize_t n)
{
    if (t->len + n > t->cap) {
        Py_ssize_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n) {
            if (cap > PY_SSIZE_T_MAX / 2) {
                PyErr_NoMemory();
                return -1;
            }
            cap *= 2;
        }
        char *p = PyMem_Realloc(t->p, (size_t)cap);
        if (p == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, (size_t)n);
    t->len += n;
    return 0;
}

/* The exposition's number: repr(float(v)), with NaN, +Inf and -Inf as Prometheus spells them. */
static int
put_number(Text *t, PyObject *v)
{
    double d;
    if (PyFloat_CheckExact(v)) {
        d = PyFloat_AS_DOUBLE(v);
    } else if (PyLong_CheckExact(v)) {
        d = PyLong_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred())
            return -1;
    } else {
        PyObject *f = PyObject_CallOneArg((PyObject *)&PyFloat_Type, v);
        if (f == NULL)
            return -1;
        d = PyFloat_AsDouble(f);
        Py_DECREF(f);
    }
    if (isnan(d))
        return put(t, "NaN", 3);
    if (isinf(d))
        return d > 0 ? put(t, "+Inf", 4) : put(t, "-Inf", 4);
    if (d == floor(d) && fabs(d) < 9007199254740992.0 && !(d == 0 && signbit(d))) {
        /* a whole number below 2**53: its shortest repr is its digits and ".0" (no exponent below 1e16),
         * written here without the general shortest-digits search */
        char digits[24], *end = digits + sizeof digits, *p = end;
        long long n = (long long)d;
        unsigned long long u = n < 0 ? (unsigned long long)(-n) : (unsigned long long)n;
        *--p = '0';
        *--p = '.';
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (n < 0)
            *--p = '-';
        return put(t, p, end - p);
    }
    char *s = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL)
        return -1;
    int rc = put(t, s, (Py_ssize_t)strlen(s));
    PyMem_Free(s);
    return rc;
}

/* sample_lines(sample, bucket, tail): per (group, value) of the dict bucket, in its order,
 * ``sample{group,tail} value\n`` (either label text may be empty; no braces when both are). */
static PyObject *
sample_lines(PyObject *module, PyObject *args)
{
    PyObject *sample, *bucket, *tail;
    if (!PyArg_ParseTuple(args, "UO!U:sample_lines", &sample, &PyDict_Type, &bucket, &tail))
        return NULL;
    Py_ssize_t n_sample, n_tail;
    const char *s_sample = PyUnicode_AsUTF8AndSize(sample, &n_sample);
    const char *s_tail = s_sample == NULL ? NULL : PyUnicode_AsUTF8AndSize(tail, &n_tail);
    if (s_tail == NULL)
        return NULL;
    Text t = {NULL, 0, 0};
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(bucket, &pos, &key, &value)) {
        Py_ssize_t n_key;
        const char *s_key = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &n_key) : NULL;
        if (s_key == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "sample_lines: a group is not a str");
            goto fail;
        }
        if (put(&t, s_sample, n_sample) < 0)
            goto fail;
        if (n_key || n_tail) {
            if (put(&t, "{", 1) < 0 || put(&t, s_key, n_key) < 0
                || (n_key && n_tail && put(&t, ",", 1) < 0) || put(&t, s_tail, n_tail) < 0
                || put(&t, "}", 1) < 0)
                goto fail;
        }
        if (put(&t, " ", 1) < 0 || put_number(&t, value) < 0 || put(&t, "\n", 1) < 0)
            goto fail;
    }
    PyObject *out = PyUnicode_DecodeUTF8(t.p, t.len, "strict");
    PyMem_Free(t.p);
    return out;
fail:
    PyMem_Free(t.p);
    return NULL;
}

static PyMethodDef exposition_functions[] = {
    {"column_sums", column_sums, METH_VARARGS,
     "column_sums(rows, indices): per index, the sum of row[index] over the list of lists rows when all are "
     "ints (as sum() gives it), else None."},
    {"sample_lines", sample_lines, METH_VARARGS,
     "sample_lines(sample, bucket, tail): the exposition lines 'sample{group,tail} value' of the dict "
     "bucket (group -> number), in its order, as one str."},
    {NULL, NULL, 0, NULL},
};

int
mmstats_exposition_init(PyObject *module)
{
    return PyModule_AddFunctions(module, exposition_functions);
}
