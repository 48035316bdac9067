/* The inner loops of lineage/kernels.py, in C.
 *
 * lineage/kernels.py holds the reference versions in Python and documents each
 * function; these must return exactly what those return (tests/lineage/
 * test_kernels.py checks them against each other on random ancestries). They
 * only walk Python lists, tuples and dicts and do integer arithmetic through
 * Python's own int operations, so exactness is Python's: nothing here is
 * rounded or bounded, except relation masks (at most 64 relation names).
 *
 * Reference counting: every function owns what it creates and releases it on
 * every error path ("fail" labels); items read from lists and tuples are
 * borrowed while their container is alive.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Work numbers and one-work tuples, made once and kept: an ancestry of 10 000
 * works needs tens of thousands of ints above CPython's small-int cache (256)
 * and a one-source tuple per work, and making them anew for every question
 * costs more than the loops. The tuples hold only ints, so they are untracked
 * by the cyclic collector (as CPython itself would untrack them on its first
 * pass). Numbers from CACHED on are made as usual. */
#define CACHED ((Py_ssize_t)1 << 18)
static PyObject *numbers_made = NULL; /* list: numbers_made[i] is i */
static PyObject *singles_made = NULL; /* list: singles_made[i] is (i,) */

static PyObject *
number_of(Py_ssize_t i)
{
    if (i < 0 || i >= CACHED)
        return PyLong_FromSsize_t(i);
    while (PyList_GET_SIZE(numbers_made) <= i) {
        PyObject *made = PyLong_FromSsize_t(PyList_GET_SIZE(numbers_made));
        if (made == NULL)
            return NULL;
        int failed = PyList_Append(numbers_made, made) < 0;
        Py_DECREF(made);
        if (failed)
            return NULL;
    }
    PyObject *found = PyList_GET_ITEM(numbers_made, i);
    Py_INCREF(found);
    return found;
}

static PyObject *
single_of(Py_ssize_t i)
{
    if (i < 0 || i >= CACHED) {
        PyObject *made = PyLong_FromSsize_t(i);
        PyObject *single = made == NULL ? NULL : PyTuple_Pack(1, made);
        Py_XDECREF(made);
        return single;
    }
    while (PyList_GET_SIZE(singles_made) <= i) {
        PyObject *made = number_of(PyList_GET_SIZE(singles_made));
        PyObject *single = made == NULL ? NULL : PyTuple_Pack(1, made);
        Py_XDECREF(made);
        if (single == NULL)
            return NULL;
        PyObject_GC_UnTrack(single);
        int failed = PyList_Append(singles_made, single) < 0;
        Py_DECREF(single);
        if (failed)
            return NULL;
    }
    PyObject *found = PyList_GET_ITEM(singles_made, i);
    Py_INCREF(found);
    return found;
}

/* The number an int holds, or -1 with an exception set. */
static Py_ssize_t
as_number(PyObject *value)
{
    Py_ssize_t number = PyLong_AsSsize_t(value);
    if (number < 0 && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "a work number must not be negative");
    return number < 0 ? -1 : number;
}

/* A sequence of numbers as a tuple (the same one if it is a tuple): its items
 * stay put even if Python code runs meanwhile (an overlay's __getitem__). */
static PyObject *
frozen(PyObject *numbers)
{
    return PySequence_Tuple(numbers);
}

/* The key "relation" of a citation's data, made once. */
static PyObject *relation_key = NULL;

/* How instances of a tuple subclass defined by a class statement are released
 * (read off such a class at import): records are only made of types released
 * that way, whose items are all their fields. */
static destructor class_dealloc = NULL;

/* Item i of a list (fast) or any other sequence; a new reference. */
static PyObject *
item_at(PyObject *seq, Py_ssize_t i)
{
    if (PyList_CheckExact(seq)) {
        if (i < 0 || i >= PyList_GET_SIZE(seq)) {
            PyErr_SetString(PyExc_IndexError, "work number out of range");
            return NULL;
        }
        PyObject *item = PyList_GET_ITEM(seq, i);
        Py_INCREF(item);
        return item;
    }
    return PySequence_GetItem(seq, i);
}

/* A work's sources (or citations) as a borrowed array: a bare item counts as
 * one. Returns the count, or -1 with an exception set. */
static Py_ssize_t
spread(PyObject *found, PyObject **one, PyObject ***items)
{
    if (PyTuple_CheckExact(found)) {
        *items = &PyTuple_GET_ITEM(found, 0);
        return PyTuple_GET_SIZE(found);
    }
    *one = found;
    *items = one;
    return 1;
}

static int
grow(Py_ssize_t **array, Py_ssize_t *capacity, Py_ssize_t needed)
{
    if (needed <= *capacity)
        return 0;
    Py_ssize_t bigger = *capacity * 2 > needed ? *capacity * 2 : needed;
    Py_ssize_t *moved = PyMem_Realloc(*array, (size_t)bigger * sizeof(Py_ssize_t));
    if (moved == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *array = moved;
    *capacity = bigger;
    return 0;
}

static PyObject *
take(PyObject *module, PyObject *args)
{
    PyObject *column, *numbers;
    if (!PyArg_ParseTuple(args, "OO:take", &column, &numbers))
        return NULL;
    PyObject *fast = frozen(numbers);
    if (fast == NULL)
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(fast);
    PyObject **wanted = &PyTuple_GET_ITEM(fast, 0);
    PyObject *found = PyList_New(count);
    if (found == NULL)
        goto fail;
    int listed = PyList_CheckExact(column);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item;
        if (listed) {
            Py_ssize_t at = as_number(wanted[i]);
            if (at < 0)
                goto fail;
            if (at >= PyList_GET_SIZE(column)) {
                PyErr_SetString(PyExc_IndexError, "work number out of range");
                goto fail;
            }
            item = PyList_GET_ITEM(column, at);
            Py_INCREF(item);
        }
        else if ((item = PyObject_GetItem(column, wanted[i])) == NULL)
            goto fail;
        PyList_SET_ITEM(found, i, item);
    }
    Py_DECREF(fast);
    return found;
fail:
    Py_XDECREF(found);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
plain(PyObject *module, PyObject *items)
{
    PyObject *made = PySequence_Tuple(items);
    if (made == NULL)
        return NULL;
    /* CPython's own rule for tuples, applied now instead of at the next
     * collection: a tuple of objects the collector does not track cannot be
     * part of a cycle, so it is not tracked either. */
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(made); i++)
        if (PyObject_GC_IsTracked(PyTuple_GET_ITEM(made, i)))
            return made;
    if (PyObject_GC_IsTracked(made))
        PyObject_GC_UnTrack(made);
    return made;
}

static PyObject *
take_codes(PyObject *module, PyObject *args)
{
    PyObject *codes, *numbers, *overrides;
    if (!PyArg_ParseTuple(args, "OOO!:take_codes", &codes, &numbers, &PyDict_Type, &overrides))
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(codes, &view, PyBUF_FORMAT | PyBUF_ND) < 0)
        return NULL;
    PyObject *fast = NULL, *found = NULL;
    if (view.itemsize != 8 || view.format == NULL || strcmp(view.format, "q") != 0) {
        PyErr_SetString(PyExc_TypeError, "codes must be an array('q')");
        goto done;
    }
    const long long *code = view.buf;
    Py_ssize_t size = view.len / 8;
    fast = frozen(numbers);
    if (fast == NULL)
        goto done;
    Py_ssize_t count = PyTuple_GET_SIZE(fast);
    found = PyList_New(count);
    if (found == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *wanted = PyTuple_GET_ITEM(fast, i);
        if (!PyLong_CheckExact(wanted)) {
            PyErr_SetString(PyExc_TypeError, "a work number must be an int");
            Py_CLEAR(found);
            goto done;
        }
        Py_ssize_t at = as_number(wanted);
        if (at >= size) {
            PyErr_SetString(PyExc_IndexError, "work number out of range");
            at = -1;
        }
        PyObject *item = NULL;
        if (at >= 0 && code[at] >= 0)
            item = number_of((Py_ssize_t)code[at]);
        else if (at >= 0) {
            item = PyDict_GetItemWithError(overrides, wanted);
            if (item == NULL && !PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, wanted);
            Py_XINCREF(item);
        }
        if (item == NULL) {
            Py_CLEAR(found);
            goto done;
        }
        PyList_SET_ITEM(found, i, item);
    }
done:
    Py_XDECREF(fast);
    PyBuffer_Release(&view);
    return found;
}

static PyObject *
walk_sources(PyObject *module, PyObject *args)
{
    PyObject *sources, *start;
    if (!PyArg_ParseTuple(args, "OO!:walk_sources", &sources, &PyLong_Type, &start))
        return NULL;
    PyObject *distance = PyDict_New();
    PyObject *queue = PyList_New(0);
    Py_ssize_t capacity = 1024, *levels = PyMem_Malloc(capacity * sizeof(Py_ssize_t));
    PyObject *found = NULL;
    int backwards = 1;
    if (levels == NULL)
        PyErr_NoMemory();
    if (distance == NULL || queue == NULL || levels == NULL)
        goto fail;
    PyObject *zero = number_of(0);
    if (zero == NULL || PyDict_SetItem(distance, start, zero) < 0) {
        Py_XDECREF(zero);
        goto fail;
    }
    Py_DECREF(zero);
    if (PyList_Append(queue, start) < 0)
        goto fail;
    levels[0] = 0;
    for (Py_ssize_t head = 0; head < PyList_GET_SIZE(queue); head++) {
        PyObject *work = PyList_GET_ITEM(queue, head);
        Py_ssize_t number = PyLong_AsSsize_t(work);
        if (number == -1 && PyErr_Occurred())
            goto fail;
        Py_ssize_t onward = levels[head] + 1;
        found = item_at(sources, number);
        if (found == NULL)
            goto fail;
        PyObject *one, **items;
        Py_ssize_t count = spread(found, &one, &items);
        for (Py_ssize_t k = 0; k < count; k++) {
            PyObject *source = items[k];
            if (!PyLong_CheckExact(source)) {
                PyErr_SetString(PyExc_TypeError, "a source must be a work number");
                goto fail;
            }
            int known = PyDict_Contains(distance, source);
            if (known < 0)
                goto fail;
            if (!known) {
                PyObject *level = number_of(onward);
                if (level == NULL)
                    goto fail;
                int failed = PyDict_SetItem(distance, source, level) < 0;
                Py_DECREF(level);
                if (failed || PyList_Append(queue, source) < 0)
                    goto fail;
                if (grow(&levels, &capacity, PyList_GET_SIZE(queue)) < 0)
                    goto fail;
                levels[PyList_GET_SIZE(queue) - 1] = onward;
            }
            if (k == count - 1) {
                Py_ssize_t last = PyLong_AsSsize_t(source);
                if (last == -1 && PyErr_Occurred())
                    goto fail;
                if (last > number)
                    backwards = 0;
            }
        }
        Py_CLEAR(found);
    }
    PyMem_Free(levels);
    Py_DECREF(queue);
    return Py_BuildValue("(NO)", distance, backwards ? Py_True : Py_False);
fail:
    Py_XDECREF(found);
    PyMem_Free(levels);
    Py_XDECREF(distance);
    Py_XDECREF(queue);
    return NULL;
}

static PyObject *
localize(PyObject *module, PyObject *args)
{
    PyObject *numbers, *sources, *data;
    if (!PyArg_ParseTuple(args, "OOO:localize", &numbers, &sources, &data))
        return NULL;
    PyObject *fast = frozen(numbers);
    if (fast == NULL)
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(fast);
    PyObject **works = &PyTuple_GET_ITEM(fast, 0);
    PyObject *index = PyDict_New();
    PyObject *source_index = PyList_New(count);
    PyObject *datums = PyList_New(count);
    PyObject *found = NULL;
    if (index == NULL || source_index == NULL || datums == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *local = number_of(i);
        if (local == NULL)
            goto fail;
        int failed = PyDict_SetItem(index, works[i], local) < 0;
        Py_DECREF(local);
        if (failed)
            goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t number = PyLong_AsSsize_t(works[i]);
        if (number == -1 && PyErr_Occurred())
            goto fail;
        found = item_at(sources, number);
        if (found == NULL)
            goto fail;
        PyObject *one, **items;
        Py_ssize_t n = spread(found, &one, &items);
        PyObject *local = NULL;
        if (n == 1) {
            PyObject *at = PyDict_GetItemWithError(index, items[0]);
            if (at == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_KeyError, "a source outside the ancestry");
                goto fail;
            }
            Py_ssize_t source = as_number(at);
            local = source < 0 ? NULL : single_of(source);
            if (local == NULL)
                goto fail;
            PyList_SET_ITEM(source_index, i, local);
            Py_CLEAR(found);
            PyObject *datum = item_at(data, number);
            if (datum == NULL)
                goto fail;
            PyList_SET_ITEM(datums, i, datum);
            continue;
        }
        local = PyTuple_New(n);
        if (local == NULL)
            goto fail;
        PyList_SET_ITEM(source_index, i, local);
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *at = PyDict_GetItemWithError(index, items[k]);
            if (at == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_KeyError, "a source outside the ancestry");
                goto fail;
            }
            Py_INCREF(at);
            PyTuple_SET_ITEM(local, k, at);
        }
        PyObject_GC_UnTrack(local); /* ints only: see numbers_made */
        Py_CLEAR(found);
        PyObject *datum = item_at(data, number);
        if (datum == NULL)
            goto fail;
        PyList_SET_ITEM(datums, i, datum);
    }
    Py_DECREF(index);
    Py_DECREF(fast);
    return Py_BuildValue("(NN)", source_index, datums);
fail:
    Py_XDECREF(found);
    Py_XDECREF(index);
    Py_XDECREF(source_index);
    Py_XDECREF(datums);
    Py_DECREF(fast);
    return NULL;
}

/* source_index as a list of tuples of ints, read into C: offsets[i]..offsets[i+1]
 * index into flat. Returns the work count, or -1 with an exception set. */
static Py_ssize_t
read_index(PyObject *source_index, Py_ssize_t **offsets, Py_ssize_t **flat)
{
    *offsets = NULL;
    *flat = NULL;
    if (!PyList_CheckExact(source_index) && !PyTuple_CheckExact(source_index)) {
        PyErr_SetString(PyExc_TypeError, "source_index must be a list or tuple of tuples");
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(source_index), total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *found = PySequence_Fast_GET_ITEM(source_index, i);
        if (!PyTuple_CheckExact(found)) {
            PyErr_SetString(PyExc_TypeError, "source_index must be a list of tuples");
            return -1;
        }
        total += PyTuple_GET_SIZE(found);
    }
    *offsets = PyMem_Malloc((size_t)(count + 1) * sizeof(Py_ssize_t));
    *flat = PyMem_Malloc((size_t)(total ? total : 1) * sizeof(Py_ssize_t));
    if (*offsets == NULL || *flat == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *found = PySequence_Fast_GET_ITEM(source_index, i);
        (*offsets)[i] = at;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(found); k++) {
            Py_ssize_t source = PyLong_AsSsize_t(PyTuple_GET_ITEM(found, k));
            if (source == -1 && PyErr_Occurred())
                goto fail;
            if (source < 0 || source >= count) {
                PyErr_SetString(PyExc_IndexError, "a source outside the ancestry");
                goto fail;
            }
            (*flat)[at++] = source;
        }
    }
    (*offsets)[count] = at;
    return count;
fail:
    PyMem_Free(*offsets);
    PyMem_Free(*flat);
    *offsets = *flat = NULL;
    return -1;
}

static PyObject *
longest_path(PyObject *module, PyObject *source_index)
{
    Py_ssize_t *offsets, *flat;
    Py_ssize_t count = read_index(source_index, &offsets, &flat);
    if (count < 0)
        return NULL;
    Py_ssize_t *depth = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Py_ssize_t));
    if (depth == NULL) {
        PyMem_Free(offsets);
        PyMem_Free(flat);
        return PyErr_NoMemory();
    }
    Py_ssize_t longest = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t onward = depth[i] + 1;
        for (Py_ssize_t k = offsets[i]; k < offsets[i + 1]; k++)
            if (depth[flat[k]] < onward)
                depth[flat[k]] = onward;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (depth[i] > longest)
            longest = depth[i];
    PyMem_Free(depth);
    PyMem_Free(offsets);
    PyMem_Free(flat);
    return PyLong_FromSsize_t(longest);
}

static PyObject *
relation_masks(PyObject *module, PyObject *args)
{
    PyObject *source_index, *data, *bits;
    if (!PyArg_ParseTuple(args, "OOO!:relation_masks", &source_index, &data, &PyDict_Type, &bits))
        return NULL;
    Py_ssize_t *offsets, *flat;
    Py_ssize_t count = read_index(source_index, &offsets, &flat);
    if (count < 0)
        return NULL;
    uint64_t *masks = PyMem_Calloc((size_t)(count ? count : 1), sizeof(uint64_t));
    PyObject *result = NULL;
    if (masks == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if ((!PyList_CheckExact(data) && !PyTuple_CheckExact(data))
        || PySequence_Fast_GET_SIZE(data) != count) {
        PyErr_SetString(PyExc_TypeError, "data must be a list with an item per work");
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *datum = PySequence_Fast_GET_ITEM(data, i);
        Py_ssize_t n = offsets[i + 1] - offsets[i];
        if (datum == Py_None || n == 0)
            continue;
        PyObject *one, **items;
        if (spread(datum, &one, &items) != n) {
            PyErr_SetString(PyExc_ValueError, "a work's data do not match its sources");
            goto done;
        }
        uint64_t mask = masks[i]; /* as it was before this work's citations */
        for (Py_ssize_t k = 0; k < n; k++) {
            if (!PyDict_CheckExact(items[k])) {
                PyErr_SetString(PyExc_TypeError, "a citation's data must be a dict");
                goto done;
            }
            PyObject *relation = PyDict_GetItemWithError(items[k], relation_key);
            if (relation == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_KeyError, "relation");
                goto done;
            }
            if (!PyUnicode_CheckExact(relation)) {
                PyErr_SetString(PyExc_TypeError, "a relation must be a str");
                goto done;
            }
            PyObject *bit = PyDict_GetItemWithError(bits, relation);
            uint64_t value;
            if (bit == NULL) {
                if (PyErr_Occurred())
                    goto done;
                Py_ssize_t used = PyDict_GET_SIZE(bits);
                if (used >= 64) {
                    PyErr_SetString(PyExc_OverflowError, "more than 64 relation names");
                    goto done;
                }
                value = (uint64_t)1 << used;
                PyObject *made = PyLong_FromUnsignedLongLong(value);
                if (made == NULL)
                    goto done;
                int failed = PyDict_SetItem(bits, relation, made) < 0;
                Py_DECREF(made);
                if (failed)
                    goto done;
            }
            else {
                value = PyLong_AsUnsignedLongLong(bit);
                if (value == (uint64_t)-1 && PyErr_Occurred())
                    goto done;
            }
            masks[flat[offsets[i] + k]] |= mask | value;
        }
    }
    result = PyList_New(count);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *mask = PyLong_FromUnsignedLongLong(masks[i]);
        if (mask == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, mask);
    }
done:
    PyMem_Free(masks);
    PyMem_Free(offsets);
    PyMem_Free(flat);
    return result;
}

static PyObject *
group_by_author(PyObject *module, PyObject *authors)
{
    PyObject *fast = PySequence_Fast(authors, "authors must be a sequence");
    if (fast == NULL)
        return NULL;
    PyObject *made = PyDict_New();
    if (made == NULL)
        goto fail;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *one, **items;
        Py_ssize_t n = spread(PySequence_Fast_GET_ITEM(fast, i), &one, &items);
        PyObject *number = number_of(i);
        if (number == NULL)
            goto fail;
        for (Py_ssize_t k = 0; k < n; k++) {
            if (!PyLong_CheckExact(items[k])) {
                PyErr_SetString(PyExc_TypeError, "an author must be a member number");
                Py_DECREF(number);
                goto fail;
            }
            PyObject *works = PyDict_GetItemWithError(made, items[k]);
            int failed;
            if (works == NULL) {
                if (PyErr_Occurred()) {
                    Py_DECREF(number);
                    goto fail;
                }
                works = PyList_New(1);
                if (works == NULL) {
                    Py_DECREF(number);
                    goto fail;
                }
                Py_INCREF(number);
                PyList_SET_ITEM(works, 0, number);
                failed = PyDict_SetItem(made, items[k], works) < 0;
                Py_DECREF(works);
            }
            else
                failed = PyList_Append(works, number) < 0;
            if (failed) {
                Py_DECREF(number);
                goto fail;
            }
        }
        Py_DECREF(number);
    }
    /* Each list becomes a tuple (a one-work one from singles_made). */
    PyObject *author, *works;
    Py_ssize_t at = 0;
    while (PyDict_Next(made, &at, &author, &works)) {
        PyObject *fixed;
        if (PyList_GET_SIZE(works) == 1) {
            Py_ssize_t only = as_number(PyList_GET_ITEM(works, 0));
            fixed = only < 0 ? NULL : single_of(only);
        }
        else
        {
            fixed = PyList_AsTuple(works);
            if (fixed != NULL)
                PyObject_GC_UnTrack(fixed); /* numbers only: see numbers_made */
        }
        if (fixed == NULL)
            goto fail;
        /* Replacing the value of an existing key keeps PyDict_Next's place. */
        int failed = PyDict_SetItem(made, author, fixed) < 0;
        Py_DECREF(fixed);
        if (failed)
            goto fail;
    }
    Py_DECREF(fast);
    return made;
fail:
    Py_XDECREF(made);
    Py_DECREF(fast);
    return NULL;
}

/* A group of numbers: an exact list or tuple (reading it runs no Python code);
 * a new reference, or NULL with TypeError. */
static PyObject *
exact_group(PyObject *group)
{
    if (!PyList_CheckExact(group) && !PyTuple_CheckExact(group)) {
        PyErr_SetString(PyExc_TypeError, "a group must be a list or tuple of numbers");
        return NULL;
    }
    Py_INCREF(group);
    return group;
}

/* For each group of numbers, values[group[0]] op values[group[1]] op ... (0 for an
 * empty group): group_sums with +, group_ors with |. */
static PyObject *
fold_groups(PyObject *args, const char *format, binaryfunc op)
{
    PyObject *values, *groups;
    if (!PyArg_ParseTuple(args, format, &values, &PyList_Type, &groups))
        return NULL;
    if (!PyList_CheckExact(values) && !PyTuple_CheckExact(values)) {
        PyErr_SetString(PyExc_TypeError, "values must be a list or tuple");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(groups), size = PySequence_Fast_GET_SIZE(values);
    PyObject *folded = PyList_New(count);
    if (folded == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *group = exact_group(PyList_GET_ITEM(groups, i));
        if (group == NULL)
            goto fail;
        PyObject *total = NULL;
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(group); k++) {
            Py_ssize_t at = as_number(PySequence_Fast_GET_ITEM(group, k));
            if (at >= size) {
                PyErr_SetString(PyExc_IndexError, "a work number out of range");
                at = -1;
            }
            if (at < 0) {
                Py_CLEAR(total);
                Py_DECREF(group);
                goto fail;
            }
            PyObject *value = PySequence_Fast_GET_ITEM(values, at);
            if (!PyLong_CheckExact(value)) { /* so that op runs no Python code */
                PyErr_SetString(PyExc_TypeError, "values must be ints");
                Py_XDECREF(total);
                Py_DECREF(group);
                goto fail;
            }
            PyObject *joined = total == NULL ? (Py_INCREF(value), value) : op(total, value);
            Py_XDECREF(total);
            total = joined;
            if (total == NULL) {
                Py_DECREF(group);
                goto fail;
            }
        }
        Py_DECREF(group);
        if (total == NULL && (total = number_of(0)) == NULL)
            goto fail;
        PyList_SET_ITEM(folded, i, total);
    }
    return folded;
fail:
    Py_DECREF(folded);
    return NULL;
}

static PyObject *
group_sums(PyObject *module, PyObject *args)
{
    return fold_groups(args, "OO!:group_sums", PyNumber_Add);
}

static PyObject *
group_ors(PyObject *module, PyObject *args)
{
    return fold_groups(args, "OO!:group_ors", PyNumber_Or);
}

/* Sorting a group's numbers by their keys: (key, position in the group) pairs. */
typedef struct {
    Py_ssize_t key;
    Py_ssize_t at;
    Py_ssize_t number;
} keyed;

static int
by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->at < y->at ? -1 : (x->at > y->at);
}

static PyObject *
gather_sorted(PyObject *module, PyObject *args)
{
    PyObject *items, *groups, *key;
    int untrack = 0, later_first = 0;
    if (!PyArg_ParseTuple(args, "O!O!O|pp:gather_sorted", &PyList_Type, &items, &PyList_Type,
                          &groups, &key, &untrack, &later_first))
        return NULL;
    if (!PyList_CheckExact(key) && !PyTuple_CheckExact(key)) {
        PyErr_SetString(PyExc_TypeError, "key must be a list or tuple of ints");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(groups), size = PyList_GET_SIZE(items);
    if (PySequence_Fast_GET_SIZE(key) != size) {
        PyErr_SetString(PyExc_ValueError, "items and key differ in length");
        return NULL;
    }
    PyObject *found = PyList_New(count);
    Py_ssize_t capacity = 0;
    keyed *order = NULL;
    PyObject *group = NULL;
    if (found == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        group = exact_group(PyList_GET_ITEM(groups, i));
        if (group == NULL)
            goto fail;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(group);
        if (n > capacity) {
            keyed *bigger = PyMem_Realloc(order, (size_t)n * sizeof(keyed));
            if (bigger == NULL) {
                PyErr_NoMemory();
                goto fail;
            }
            order = bigger;
            capacity = n;
        }
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t at = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(group, k));
            if (at == -1 && PyErr_Occurred())
                goto fail;
            if (at < 0 || at >= size) {
                PyErr_SetString(PyExc_IndexError, "a work number out of range");
                goto fail;
            }
            PyObject *keyed_by = PySequence_Fast_GET_ITEM(key, at);
            if (!PyLong_CheckExact(keyed_by)) {
                PyErr_SetString(PyExc_TypeError, "keys must be ints");
                goto fail;
            }
            Py_ssize_t weight = PyLong_AsSsize_t(keyed_by);
            if (weight == -1 && PyErr_Occurred())
                goto fail;
            order[k].key = weight;
            order[k].at = later_first ? -at : k;
            order[k].number = at;
        }
        if (n > 1)
            qsort(order, (size_t)n, sizeof(keyed), by_key);
        PyObject *gathered = PyTuple_New(n);
        if (gathered == NULL)
            goto fail;
        for (Py_ssize_t k = 0; k < n; k++) {
            PyObject *item = PyList_GET_ITEM(items, order[k].number);
            Py_INCREF(item);
            PyTuple_SET_ITEM(gathered, k, item);
        }
        if (untrack)
            PyObject_GC_UnTrack(gathered);
        PyList_SET_ITEM(found, i, gathered);
        Py_CLEAR(group);
    }
    PyMem_Free(order);
    return found;
fail:
    Py_XDECREF(group);
    PyMem_Free(order);
    Py_DECREF(found);
    return NULL;
}

static PyObject *
records(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *columns;
    if (!PyArg_ParseTuple(args, "O!O!:records", &PyType_Type, &cls, &PyTuple_Type, &columns))
        return NULL;
    /* As tuple.__new__ checks: every class between cls and tuple must be defined
     * by a class statement (a C-made subtype such as time.struct_time keeps
     * fields of its own past its items), and the records must have no __dict__
     * (which could lead back to them). */
    PyTypeObject *base = cls;
    while (base != NULL && base != &PyTuple_Type && base->tp_dealloc == class_dealloc)
        base = base->tp_base;
    if (base != &PyTuple_Type || cls->tp_dictoffset != 0) {
        PyErr_Format(PyExc_TypeError, "records of %s cannot be made (a tuple type "
                     "defined in Python, without __dict__, is needed)", cls->tp_name);
        return NULL;
    }
    Py_ssize_t width = PyTuple_GET_SIZE(columns), count = 0;
    PyObject **fast = PyMem_Calloc((size_t)(width ? width : 1), sizeof(PyObject *));
    PyObject *made = NULL;
    if (fast == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < width; k++) {
        fast[k] = PySequence_Fast(PyTuple_GET_ITEM(columns, k), "a column must be a sequence");
        if (fast[k] == NULL)
            goto done;
        Py_ssize_t size = PySequence_Fast_GET_SIZE(fast[k]);
        if (k == 0)
            count = size;
        else if (size != count) {
            PyErr_SetString(PyExc_ValueError, "the columns differ in length");
            goto done;
        }
    }
    made = PyList_New(count);
    if (made == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
#if PY_VERSION_HEX >= 0x030E0000
        /* Newer tuples cache their hash, and tuple's own constructor sets that
         * cache up: a subtype's record is made through it, from a plain tuple. */
        int through_new = cls != &PyTuple_Type;
#else
        int through_new = 0;
#endif
        PyObject *record = through_new || cls == &PyTuple_Type ? PyTuple_New(width)
                                                               : cls->tp_alloc(cls, width);
        if (record == NULL) {
            Py_CLEAR(made);
            goto done;
        }
        for (Py_ssize_t k = 0; k < width; k++) {
            PyObject *item = PySequence_Fast_GET_ITEM(fast[k], i);
            Py_INCREF(item);
            PyTuple_SET_ITEM(record, k, item);
        }
        if (through_new) {
            PyObject *packed = PyTuple_Pack(1, record);
            Py_DECREF(record);
            record = packed == NULL ? NULL : PyTuple_Type.tp_new(cls, packed, NULL);
            Py_XDECREF(packed);
            if (record == NULL) {
                Py_CLEAR(made);
                goto done;
            }
        }
        /* The caller's promise (see lineage.kernels.records): no field leads back
         * to a record, so no record can be part of a reference cycle. */
        PyObject_GC_UnTrack(record);
        PyList_SET_ITEM(made, i, record);
    }
done:
    for (Py_ssize_t k = 0; k < width; k++)
        Py_XDECREF(fast[k]);
    PyMem_Free(fast);
    return made;
}

/* One credit to rank: its distance, numerator, handle, and place in the input. */
typedef struct {
    Py_ssize_t distance;
    PyObject *numerator; /* an exact int: comparing runs no Python code */
    PyObject *handle;    /* an exact str */
    Py_ssize_t at;
} ranked_credit;

static int
by_rank(const void *a, const void *b)
{
    const ranked_credit *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (PyObject_RichCompareBool(x->numerator, y->numerator, Py_GT) == 1)
        return -1; /* the larger share first */
    if (PyObject_RichCompareBool(x->numerator, y->numerator, Py_LT) == 1)
        return 1;
    int handles = PyUnicode_Compare(x->handle, y->handle);
    if (handles != 0)
        return handles;
    return x->at < y->at ? -1 : (x->at > y->at);
}

static PyObject *
rank(PyObject *module, PyObject *args)
{
    PyObject *distances, *numerators, *handles;
    if (!PyArg_ParseTuple(args, "O!O!O!:rank", &PyList_Type, &distances, &PyList_Type,
                          &numerators, &PyTuple_Type, &handles))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(distances);
    if (PyList_GET_SIZE(numerators) != count || PyTuple_GET_SIZE(handles) != count) {
        PyErr_SetString(PyExc_ValueError, "distances, numerators and handles differ in length");
        return NULL;
    }
    ranked_credit *order = PyMem_Malloc((size_t)(count ? count : 1) * sizeof(ranked_credit));
    if (order == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *distance = PyList_GET_ITEM(distances, i);
        order[i].numerator = PyList_GET_ITEM(numerators, i);
        order[i].handle = PyTuple_GET_ITEM(handles, i);
        order[i].at = i;
        if (!PyLong_CheckExact(distance) || !PyLong_CheckExact(order[i].numerator)
            || !PyUnicode_CheckExact(order[i].handle)) {
            PyErr_SetString(PyExc_TypeError, "distances and numerators must be ints, handles str");
            PyMem_Free(order);
            return NULL;
        }
        order[i].distance = PyLong_AsSsize_t(distance);
        if (order[i].distance == -1 && PyErr_Occurred()) {
            PyMem_Free(order);
            return NULL;
        }
    }
    qsort(order, (size_t)count, sizeof(ranked_credit), by_rank);
    PyObject *found = PyList_New(count);
    for (Py_ssize_t i = 0; found != NULL && i < count; i++) {
        PyObject *at = number_of(order[i].at);
        if (at == NULL)
            Py_CLEAR(found);
        else
            PyList_SET_ITEM(found, i, at);
    }
    PyMem_Free(order);
    return found;
}

static PyObject *
pass_on(PyObject *module, PyObject *args)
{
    PyObject *source_index, *whole, *passes, *base;
    if (!PyArg_ParseTuple(args, "OO!O!O!:pass_on", &source_index, &PyLong_Type, &whole,
                          &PyLong_Type, &passes, &PyLong_Type, &base))
        return NULL;
    if (!PyLong_CheckExact(whole) || !PyLong_CheckExact(passes) || !PyLong_CheckExact(base)) {
        PyErr_SetString(PyExc_TypeError, "whole, passes and base must be ints");
        return NULL;
    }
    Py_ssize_t *offsets, *flat;
    Py_ssize_t count = read_index(source_index, &offsets, &flat);
    if (count < 0)
        return NULL;
    PyObject *kept = PyList_New(count), *reach = PyList_New(count);
    PyObject *keeps = NULL, *one = NULL, *zero = NULL, *here = NULL;
    if (kept == NULL || reach == NULL)
        goto fail;
    /* Lists start with NULL items; every one is filled before they are returned. */
    keeps = PyNumber_Subtract(base, passes);
    one = PyLong_FromLong(1);
    zero = PyLong_FromLong(0);
    if (keeps == NULL || one == NULL || zero == NULL)
        goto fail;
    int halves = PyObject_RichCompareBool(passes, one, Py_EQ) == 1
                 && PyLong_AsLong(base) == 2 && !PyErr_Occurred();
    PyErr_Clear();
    if (count) {
        Py_INCREF(whole);
        PyList_SET_ITEM(reach, 0, whole);
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        here = PyList_GET_ITEM(reach, i);
        if (here == NULL) { /* not reached: nothing passed to it (only with r = 0) */
            Py_INCREF(zero);
            PyList_SET_ITEM(reach, i, zero);
            here = zero;
        }
        Py_INCREF(here);
        Py_ssize_t n = offsets[i + 1] - offsets[i];
        PyObject *keep, *passed;
        if (n == 0) {
            PyList_SET_ITEM(kept, i, here);
            here = NULL;
            continue;
        }
        if (halves && n == 1) {
            passed = PyNumber_Rshift(here, one);
            if (passed == NULL)
                goto fail;
            Py_INCREF(passed);
            keep = passed;
        }
        else {
            PyObject *scaled = PyNumber_Multiply(here, passes);
            PyObject *ways = PyLong_FromSsize_t(n);
            PyObject *divisor = ways == NULL ? NULL : PyNumber_Multiply(base, ways);
            passed = scaled == NULL || divisor == NULL ? NULL : PyNumber_FloorDivide(scaled, divisor);
            Py_XDECREF(scaled);
            Py_XDECREF(ways);
            Py_XDECREF(divisor);
            if (passed == NULL)
                goto fail;
            scaled = PyNumber_Multiply(here, keeps);
            keep = scaled == NULL ? NULL : PyNumber_FloorDivide(scaled, base);
            Py_XDECREF(scaled);
            if (keep == NULL) {
                Py_DECREF(passed);
                goto fail;
            }
        }
        PyList_SET_ITEM(kept, i, keep);
        for (Py_ssize_t k = offsets[i]; k < offsets[i + 1]; k++) {
            Py_ssize_t source = flat[k];
            PyObject *before = PyList_GET_ITEM(reach, source);
            PyObject *after;
            int reached = before == NULL ? 0 : PyObject_IsTrue(before);
            if (reached < 0) {
                Py_DECREF(passed);
                goto fail;
            }
            if (reached) {
                after = PyNumber_Add(before, passed);
                if (after == NULL) {
                    Py_DECREF(passed);
                    goto fail;
                }
            }
            else {
                Py_INCREF(passed);
                after = passed;
            }
            Py_XDECREF(before);
            PyList_SET_ITEM(reach, source, after);
        }
        Py_DECREF(passed);
        Py_CLEAR(here);
    }
    Py_DECREF(keeps);
    Py_DECREF(one);
    Py_DECREF(zero);
    PyMem_Free(offsets);
    PyMem_Free(flat);
    return Py_BuildValue("(NN)", kept, reach);
fail:
    Py_XDECREF(here);
    /* Fill the gaps so the lists can be released. */
    for (Py_ssize_t i = 0; kept != NULL && i < count; i++)
        if (PyList_GET_ITEM(kept, i) == NULL)
            PyList_SET_ITEM(kept, i, (Py_INCREF(Py_None), Py_None));
    for (Py_ssize_t i = 0; reach != NULL && i < count; i++)
        if (PyList_GET_ITEM(reach, i) == NULL)
            PyList_SET_ITEM(reach, i, (Py_INCREF(Py_None), Py_None));
    Py_XDECREF(kept);
    Py_XDECREF(reach);
    Py_XDECREF(keeps);
    Py_XDECREF(one);
    Py_XDECREF(zero);
    PyMem_Free(offsets);
    PyMem_Free(flat);
    return NULL;
}

static PyMethodDef methods[] = {
    {"take", take, METH_VARARGS, "See lineage.kernels.take."},
    {"plain", plain, METH_O, "See lineage.kernels.plain."},
    {"take_codes", take_codes, METH_VARARGS, "See lineage.kernels.take_codes."},
    {"walk_sources", walk_sources, METH_VARARGS, "See lineage.kernels.walk_sources."},
    {"localize", localize, METH_VARARGS, "See lineage.kernels.localize."},
    {"longest_path", longest_path, METH_O, "See lineage.kernels.longest_path."},
    {"relation_masks", relation_masks, METH_VARARGS, "See lineage.kernels.relation_masks."},
    {"group_by_author", group_by_author, METH_O, "See lineage.kernels.group_by_author."},
    {"group_sums", group_sums, METH_VARARGS, "See lineage.kernels.group_sums."},
    {"group_ors", group_ors, METH_VARARGS, "See lineage.kernels.group_ors."},
    {"gather_sorted", gather_sorted, METH_VARARGS, "See lineage.kernels.gather_sorted."},
    {"records", records, METH_VARARGS, "See lineage.kernels.records."},
    {"rank", rank, METH_VARARGS, "See lineage.kernels.rank."},
    {"pass_on", pass_on, METH_VARARGS, "See lineage.kernels.pass_on."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "lineage._kernels",
    "C versions of the loops in lineage.kernels (see there).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    numbers_made = PyList_New(0);
    singles_made = PyList_New(0);
    relation_key = PyUnicode_InternFromString("relation");
    if (numbers_made == NULL || singles_made == NULL || relation_key == NULL)
        return NULL;
    PyObject *probe = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){s:()}", "probe",
                                            (PyObject *)&PyTuple_Type, "__slots__");
    if (probe == NULL)
        return NULL;
    class_dealloc = ((PyTypeObject *)probe)->tp_dealloc;
    Py_DECREF(probe);
    return PyModule_Create(&module);
}
