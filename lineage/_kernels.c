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
#include <limits.h>
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

/* A map from numbers (>= 0) to numbers by open addressing: an ancestry's
 * bookkeeping (which works were met, each author's works) without a Python
 * dict, so without hashing int objects or making entries for them. A key and
 * its value sit side by side: one cache line per lookup. */
typedef struct {
    Py_ssize_t key; /* -1 where empty */
    Py_ssize_t value;
} map_entry;

typedef struct {
    map_entry *entries;
    Py_ssize_t mask; /* capacity - 1, a power of two */
    int shift;       /* 64 - log2(capacity) */
    Py_ssize_t used;
} number_map;

static int
map_start(number_map *map, Py_ssize_t expected)
{
    Py_ssize_t capacity = 16;
    int bits = 4;
    while (capacity < expected * 2) {
        capacity <<= 1;
        bits++;
    }
    map->entries = PyMem_Malloc((size_t)capacity * sizeof(map_entry));
    map->mask = capacity - 1;
    map->shift = 64 - bits;
    map->used = 0;
    if (map->entries == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(map->entries, 0xff, (size_t)capacity * sizeof(map_entry)); /* every key -1 */
    return 0;
}

static void
map_end(number_map *map)
{
    PyMem_Free(map->entries);
    map->entries = NULL;
}

/* The entry holding key, or the empty entry where it would go. */
static map_entry *
map_slot(const number_map *map, Py_ssize_t key)
{
    /* Fibonacci hashing: the product's top bits, which every bit of the key
     * reaches (its low bits stay zero for keys that are multiples of 2^k). */
    uint64_t hash = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    Py_ssize_t at = (Py_ssize_t)(hash >> map->shift);
    while (map->entries[at].key != -1 && map->entries[at].key != key)
        at = (at + 1) & map->mask;
    return &map->entries[at];
}

/* The value at key, or -1 if it has none. */
static Py_ssize_t
map_get(const number_map *map, Py_ssize_t key)
{
    map_entry *entry = map_slot(map, key);
    return entry->key == key ? entry->value : -1;
}

/* key -> value (replacing any value it had); -1 with MemoryError when full. */
static int
map_put(number_map *map, Py_ssize_t key, Py_ssize_t value)
{
    if ((map->used + 1) * 2 > map->mask + 1) {
        number_map bigger;
        if (map_start(&bigger, map->mask + 1) < 0)
            return -1;
        for (Py_ssize_t at = 0; at <= map->mask; at++)
            if (map->entries[at].key != -1)
                *map_slot(&bigger, map->entries[at].key) = map->entries[at];
        bigger.used = map->used;
        map_end(map);
        *map = bigger;
    }
    map_entry *entry = map_slot(map, key);
    if (entry->key != key) {
        entry->key = key;
        map->used++;
    }
    entry->value = value;
    return 0;
}

/* An array with room for at least `needed` items of `size` bytes: the same one,
 * or one twice as big (or as needed) holding the same items. NULL with
 * MemoryError when there is no memory; the array is then left as it was. */
static void *
grown(void *array, Py_ssize_t *capacity, Py_ssize_t needed, size_t size)
{
    if (needed <= *capacity)
        return array;
    Py_ssize_t bigger = *capacity * 2 > needed ? *capacity * 2 : needed;
    void *moved = PyMem_Realloc(array, (size_t)bigger * size);
    if (moved == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    *capacity = bigger;
    return moved;
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
    /* An untracked tuple is plain already (the kernels make their tuples so). */
    if (PyTuple_CheckExact(items) && !PyObject_GC_IsTracked(items)) {
        Py_INCREF(items);
        return items;
    }
    PyObject *made = PySequence_Tuple(items);
    if (made == NULL)
        return NULL;
    /* CPython's own rule for tuples (its collector untracks such tuples), applied now
     * instead of at the next collection: a tuple whose items are not containers
     * (ints, strings, ...) or are untracked tuples cannot be part of a cycle.
     * Any other container may be, even one not tracked yet (an empty dict). */
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(made); i++) {
        PyObject *item = PyTuple_GET_ITEM(made, i);
        if (PyObject_IS_GC(item) && !(PyTuple_CheckExact(item) && !PyObject_GC_IsTracked(item)))
            return made;
    }
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
                Py_ssize_t *more = grown(levels, &capacity, PyList_GET_SIZE(queue), sizeof *levels);
                if (more == NULL)
                    goto fail;
                levels = more;
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

/* A work met by ancestry_columns: its number, its int (owned; NULL when read
 * from the codes), its generation, and its sources: as read from the column
 * (owned), or, when that is NULL, its single source's number from the codes
 * (-1: none). */
typedef struct {
    Py_ssize_t number;
    PyObject *work;
    Py_ssize_t level;
    PyObject *found;
    Py_ssize_t single;
} met_work;

static int
latest_first(const void *a, const void *b)
{
    Py_ssize_t x = ((const met_work *)a)->number, y = ((const met_work *)b)->number;
    return x > y ? -1 : (x < y);
}

/* The citation codes of LineageGraph (two int64 per work), if given. */
typedef struct {
    Py_buffer view;
    const long long *code;
    Py_ssize_t works;
    PyObject *table; /* a list: the data the second code indexes */
} citation_codes;

/* Work `number`'s sources into `work` (found or single), as the codes say when
 * they can, else from the column. 0, or -1 with an exception set. */
static int
read_sources(PyObject *sources, citation_codes *codes, met_work *work)
{
    if (codes != NULL) {
        if (work->number >= codes->works) {
            PyErr_SetString(PyExc_IndexError, "work number out of range");
            return -1;
        }
        long long single = codes->code[2 * work->number];
        if (single > PY_SSIZE_T_MAX) {
            PyErr_SetString(PyExc_IndexError, "work number out of range");
            return -1;
        }
        if (single >= -1) {
            work->single = (Py_ssize_t)single;
            return 0;
        }
    }
    work->found = item_at(sources, work->number);
    return work->found == NULL ? -1 : 0;
}

/* The citation data of a work (a new reference), from the codes' table when its
 * sources came from the codes. */
static PyObject *
read_datum(PyObject *data, citation_codes *codes, met_work *work)
{
    if (work->found != NULL)
        return item_at(data, work->number);
    if (work->single < 0) {
        Py_INCREF(Py_None);
        return Py_None;
    }
    long long at = codes->code[2 * work->number + 1];
    if (at < 0 || at >= PyList_GET_SIZE(codes->table)) {
        PyErr_SetString(PyExc_IndexError, "a citation code out of range");
        return NULL;
    }
    PyObject *datum = PyList_GET_ITEM(codes->table, at);
    Py_INCREF(datum);
    return datum;
}

static PyObject *
ancestry_columns(PyObject *module, PyObject *args)
{
    PyObject *sources, *data, *start, *code_column = Py_None, *table = Py_None;
    if (!PyArg_ParseTuple(args, "OOO!|OO:ancestry_columns", &sources, &data, &PyLong_Type, &start,
                          &code_column, &table))
        return NULL;
    if (!PyLong_CheckExact(start)) {
        PyErr_SetString(PyExc_TypeError, "start must be a work number");
        return NULL;
    }
    Py_ssize_t first = as_number(start);
    if (first < 0)
        return NULL;
    citation_codes given, *codes = NULL;
    if (code_column != Py_None) {
        if (!PyList_CheckExact(table)) {
            PyErr_SetString(PyExc_TypeError, "codes come with their table, a list");
            return NULL;
        }
        if (PyObject_GetBuffer(code_column, &given.view, PyBUF_FORMAT | PyBUF_ND) < 0)
            return NULL;
        if (given.view.itemsize != 8 || given.view.format == NULL
            || strcmp(given.view.format, "q") != 0 || given.view.len % 16 != 0) {
            PyBuffer_Release(&given.view);
            PyErr_SetString(PyExc_TypeError, "codes must be an array('q'), two per work");
            return NULL;
        }
        given.code = given.view.buf;
        given.works = given.view.len / 16;
        given.table = table;
        codes = &given;
    }
    number_map seen; /* work number -> where it was met, later its place in the order */
    if (map_start(&seen, 1024) < 0) {
        if (codes != NULL)
            PyBuffer_Release(&codes->view);
        return NULL;
    }
    Py_ssize_t met = 0, capacity = 1024;
    met_work *walked = PyMem_Malloc((size_t)capacity * sizeof(met_work));
    PyObject *numbers = NULL, *distances = NULL, *index = NULL, *datums = NULL, *result = NULL;
    int backwards = 1;
    if (walked == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_INCREF(start);
    walked[met++] = (met_work){first, start, 0, NULL, -1};
    if (map_put(&seen, first, 0) < 0)
        goto done;
    /* Breadth first, as walk_sources: the first time a work is met is by a shortest path. */
    for (Py_ssize_t head = 0; head < met; head++) {
        if (read_sources(sources, codes, &walked[head]) < 0)
            goto done;
        PyObject *one, **items = NULL;
        Py_ssize_t n = walked[head].found != NULL ? spread(walked[head].found, &one, &items)
                                                  : walked[head].single >= 0;
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t source;
            if (items == NULL)
                source = walked[head].single;
            else if (!PyLong_CheckExact(items[k])) {
                PyErr_SetString(PyExc_TypeError, "a source must be a work number");
                goto done;
            }
            else if ((source = as_number(items[k])) < 0)
                goto done;
            if (source > walked[head].number)
                backwards = 0;
            if (map_get(&seen, source) >= 0)
                continue;
            met_work *more = grown(walked, &capacity, met + 1, sizeof *walked);
            if (more == NULL)
                goto done;
            walked = more;
            PyObject *work = items == NULL ? NULL : items[k];
            Py_XINCREF(work);
            walked[met++] = (met_work){source, work, walked[head].level + 1, NULL, -1};
            if (map_put(&seen, source, met - 1) < 0)
                goto done;
        }
    }
    if (!backwards) { /* a citation of a later work: the caller orders these itself */
        Py_INCREF(Py_None);
        result = Py_None;
        goto done;
    }
    /* Latest recorded first; along a chain the walk met them in that order
     * already, and then each work's place is where it was met. */
    for (Py_ssize_t i = 1; i < met; i++)
        if (walked[i].number > walked[i - 1].number) {
            qsort(walked, (size_t)met, sizeof(met_work), latest_first);
            for (Py_ssize_t k = 0; k < met; k++)
                if (map_put(&seen, walked[k].number, k) < 0)
                    goto done;
            break;
        }
    numbers = PyTuple_New(met);
    distances = PyTuple_New(met);
    index = PyTuple_New(met);
    datums = PyTuple_New(met);
    if (numbers == NULL || distances == NULL || index == NULL || datums == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < met; i++) {
        PyObject *number = walked[i].work;
        if (number != NULL)
            Py_INCREF(number);
        else if ((number = number_of(walked[i].number)) == NULL)
            goto done;
        PyTuple_SET_ITEM(numbers, i, number);
        PyObject *level = number_of(walked[i].level);
        if (level == NULL)
            goto done;
        PyTuple_SET_ITEM(distances, i, level);
        PyObject *local;
        if (walked[i].found == NULL) /* from the codes: one source or none */
            local = walked[i].single < 0 ? PyTuple_New(0)
                                         : single_of(map_get(&seen, walked[i].single));
        else {
            PyObject *one, **items;
            Py_ssize_t n = spread(walked[i].found, &one, &items);
            if (n == 1)
                local = single_of(map_get(&seen, PyLong_AsSsize_t(items[0])));
            else if ((local = PyTuple_New(n)) != NULL) {
                PyObject_GC_UnTrack(local); /* numbers only: see numbers_made */
                for (Py_ssize_t k = 0; k < n; k++) {
                    PyObject *at = number_of(map_get(&seen, PyLong_AsSsize_t(items[k])));
                    if (at == NULL) {
                        Py_CLEAR(local);
                        break;
                    }
                    PyTuple_SET_ITEM(local, k, at);
                }
            }
        }
        if (local == NULL)
            goto done;
        PyTuple_SET_ITEM(index, i, local);
        PyObject *datum = read_datum(data, codes, &walked[i]);
        if (datum == NULL)
            goto done;
        PyTuple_SET_ITEM(datums, i, datum);
    }
    /* Ints and tuples of ints cannot be part of a cycle (see plain). */
    PyObject_GC_UnTrack(numbers);
    PyObject_GC_UnTrack(distances);
    PyObject_GC_UnTrack(index);
    result = PyTuple_Pack(4, numbers, distances, index, datums);
done:
    Py_XDECREF(numbers);
    Py_XDECREF(distances);
    Py_XDECREF(index);
    Py_XDECREF(datums);
    for (Py_ssize_t i = 0; walked != NULL && i < met; i++) {
        Py_XDECREF(walked[i].work);
        Py_XDECREF(walked[i].found);
    }
    PyMem_Free(walked);
    map_end(&seen);
    if (codes != NULL)
        PyBuffer_Release(&codes->view);
    return result;
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
    /* A tuple (the same one if it is one): the items read below stay put even
     * if a collection in the middle runs Python code that changes a list. */
    PyObject *fast = frozen(authors);
    if (fast == NULL)
        return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    /* Each author (by order of first appearance): its int (borrowed from
     * authors), how many works it has, and then its tuple of them. */
    typedef struct {
        PyObject *author;
        Py_ssize_t works;
        PyObject *made;
        Py_ssize_t filled;
    } author_works;
    number_map place; /* member number -> index into found */
    author_works *found = NULL;
    Py_ssize_t known = 0, capacity = 0;
    PyObject *made = NULL;
    if (map_start(&place, 64) < 0) {
        Py_DECREF(fast);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *one, **items;
        Py_ssize_t n = spread(PySequence_Fast_GET_ITEM(fast, i), &one, &items);
        for (Py_ssize_t k = 0; k < n; k++) {
            if (!PyLong_CheckExact(items[k])) {
                PyErr_SetString(PyExc_TypeError, "an author must be a member number");
                goto fail;
            }
            Py_ssize_t member = as_number(items[k]);
            if (member < 0)
                goto fail;
            Py_ssize_t at = map_get(&place, member);
            if (at < 0) {
                author_works *more = grown(found, &capacity, known + 1, sizeof *found);
                if (more == NULL)
                    goto fail;
                found = more;
                at = known++;
                found[at] = (author_works){items[k], 0, NULL, 0};
                if (map_put(&place, member, at) < 0)
                    goto fail;
            }
            found[at].works++;
        }
    }
    /* A tuple per author (a one-work one from singles_made), filled in work order. */
    for (Py_ssize_t a = 0; a < known; a++)
        if (found[a].works > 1) {
            if ((found[a].made = PyTuple_New(found[a].works)) == NULL)
                goto fail;
            PyObject_GC_UnTrack(found[a].made); /* numbers only: see numbers_made */
        }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *one, **items;
        Py_ssize_t n = spread(PySequence_Fast_GET_ITEM(fast, i), &one, &items);
        for (Py_ssize_t k = 0; k < n; k++) {
            author_works *entry = &found[map_get(&place, PyLong_AsSsize_t(items[k]))];
            PyObject *number = entry->works > 1 ? number_of(i) : single_of(i);
            if (number == NULL)
                goto fail;
            if (entry->works > 1)
                PyTuple_SET_ITEM(entry->made, entry->filled++, number);
            else
                entry->made = number;
        }
    }
    if ((made = PyDict_New()) == NULL)
        goto fail;
    for (Py_ssize_t a = 0; a < known; a++)
        if (PyDict_SetItem(made, found[a].author, found[a].made) < 0)
            goto fail;
    goto done;
fail:
    Py_CLEAR(made);
done:
    for (Py_ssize_t a = 0; a < known; a++)
        Py_XDECREF(found[a].made);
    PyMem_Free(found);
    map_end(&place);
    Py_DECREF(fast);
    return made;
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
 * empty group): group_sums with +, group_ors with |, group_mins with the smaller. */
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

/* The smaller of two exact ints (a new reference): group_mins' fold. */
static PyObject *
smaller(PyObject *a, PyObject *b)
{
    int less = PyObject_RichCompareBool(b, a, Py_LT);
    if (less < 0)
        return NULL;
    PyObject *found = less ? b : a;
    Py_INCREF(found);
    return found;
}

static PyObject *
group_mins(PyObject *module, PyObject *args)
{
    return fold_groups(args, "OO!:group_mins", smaller);
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

/* Binary-scaled values (see lineage.kernels.pass_on and lineage.exact.scaled_normal):
 * mantissa << shift, the mantissa an exact int that is odd (or 0, with shift 0).
 * The helpers below return a new reference in *mantissa, or -1 with an exception
 * set (and *mantissa NULL). */

/* 1 if an exact int is 0, else 0. */
static int
is_zero(PyObject *value)
{
    return PyObject_Not(value) == 1;
}

/* Bits of exact ints through the public C API only (no digits, no private calls):
 * most values the kernels meet fit in a long long, whose bits C reads at once;
 * only larger ones go through Python's own int operations. */

#if PY_VERSION_HEX < 0x030D0000
/* 2**64 - 1, made once: a larger value's lowest 64 bits are value & low_mask. */
static PyObject *low_mask = NULL;
#endif
/* int.bit_length (the method of the type), looked up once: the bit count of a
 * value past a long long, called without looking it up on each value. */
static PyObject *int_bit_length = NULL;

/* The number of trailing zero bits of a nonzero 64-bit word. */
static int
word_trailing_zeros(unsigned long long word)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(word);
#else
    int zeros = 0;
    while (!(word & 1)) {
        word >>= 1;
        zeros++;
    }
    return zeros;
#endif
}

/* The number of bits of a 64-bit word (0 for 0). */
static int
word_bits(unsigned long long word)
{
#if defined(__GNUC__) || defined(__clang__)
    return word ? 64 - __builtin_clzll(word) : 0;
#else
    int bits = 0;
    for (; word; word >>= 1)
        bits++;
    return bits;
#endif
}

/* |value| of an exact int as a word: 1 if it fits (in *word), 0 if it does not,
 * -1 with an exception set. O(1): a larger int overflows after its top digits. */
static int
small_magnitude(PyObject *value, unsigned long long *word)
{
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (small == -1 && PyErr_Occurred())
        return -1;
    if (overflow)
        return 0;
    /* Negated as unsigned: LLONG_MIN's magnitude 2**63 fits too. */
    *word = small < 0 ? 0ULL - (unsigned long long)small : (unsigned long long)small;
    return 1;
}

/* The number of bits of an exact int's magnitude (int.bit_length), or -1 with an
 * exception set. */
static long long
bit_length(PyObject *value)
{
    unsigned long long word;
    int fits = small_magnitude(value, &word);
    if (fits != 0)
        return fits < 0 ? -1 : word_bits(word);
    PyObject *bits = PyObject_CallOneArg(int_bit_length, value);
    if (bits == NULL)
        return -1;
    long long count = PyLong_AsLongLong(bits);
    Py_DECREF(bits);
    return count;
}

/* A word with the trailing zeros of a nonzero exact int's lowest 64 bits (those
 * of its magnitude, or of its two's complement: the same zeros), or -1 with an
 * exception set. In time independent of the int's length, unlike
 * PyLong_AsUnsignedLongLongMask, which reads every digit of a large int. */
static int
low_word(PyObject *value, unsigned long long *word)
{
    int fits = small_magnitude(value, word);
    if (fits != 0)
        return fits < 0 ? -1 : 0;
#if PY_VERSION_HEX >= 0x030D0000
    /* The lowest bytes only, in two's complement: a negative value's have the
     * same trailing zeros as its magnitude's. */
    Py_ssize_t copied = PyLong_AsNativeBytes(value, word, sizeof(*word),
                                             Py_ASNATIVEBYTES_NATIVE_ENDIAN
                                                 | Py_ASNATIVEBYTES_UNSIGNED_BUFFER);
    return copied < 0 ? -1 : 0;
#else
    /* value & low_mask reads only the mask's digits of a positive value; a negative
     * one (rare here: shares are positive) is complemented in full first. */
    PyObject *low = PyNumber_And(value, low_mask);
    if (low == NULL)
        return -1;
    *word = PyLong_AsUnsignedLongLong(low);
    Py_DECREF(low);
    return *word == (unsigned long long)-1 && PyErr_Occurred() ? -1 : 0;
#endif
}

/* The number of trailing zero bits of a nonzero exact int, or -1 with an exception set. */
static Py_ssize_t
trailing_zeros(PyObject *value)
{
    /* Most values have a one in their lowest 64 bits, which says it. Only a value
     * whose lowest 64 bits are zero needs value & -value (its lowest one alone),
     * two passes over the value instead of one shift per 64 zeros. */
    unsigned long long low;
    if (low_word(value, &low) < 0)
        return -1;
    if (low != 0)
        return word_trailing_zeros(low);
    PyObject *negated = PyNumber_Negative(value);
    PyObject *lowest = negated == NULL ? NULL : PyNumber_And(value, negated);
    Py_XDECREF(negated);
    if (lowest == NULL)
        return -1;
    long long bits = bit_length(lowest);
    Py_DECREF(lowest);
    return bits < 0 ? -1 : (Py_ssize_t)bits - 1;
}

/* value << count or value >> count (count >= 0), a new reference. */
static PyObject *
shifted(PyObject *value, Py_ssize_t count, binaryfunc op)
{
    if (count == 0) {
        Py_INCREF(value);
        return value;
    }
    PyObject *by = PyLong_FromSsize_t(count);
    PyObject *moved = by == NULL ? NULL : op(value, by);
    Py_XDECREF(by);
    return moved;
}

/* *mantissa << *shift with its factors of two moved into the shift. Takes over the
 * reference in *mantissa. */
static int
scaled_normal(PyObject **mantissa, Py_ssize_t *shift)
{
    if (is_zero(*mantissa)) {
        *shift = 0;
        return 0;
    }
    Py_ssize_t twos = trailing_zeros(*mantissa);
    PyObject *odd = twos < 0 ? NULL : shifted(*mantissa, twos, PyNumber_Rshift);
    Py_CLEAR(*mantissa);
    if (odd == NULL)
        return -1;
    *mantissa = odd;
    *shift += twos;
    return 0;
}

/* (a << a_shift) + (b << b_shift), binary-scaled; a and b are borrowed. a_normal
 * and b_normal say which is known to be binary-scaled already (normal: odd, or 0):
 * a normal value plus one at a larger shift is odd plus even, odd, so that sum
 * needs no look at its bits. */
static int
scaled_sum(PyObject *a, Py_ssize_t a_shift, int a_normal, PyObject *b, Py_ssize_t b_shift,
           int b_normal, PyObject **mantissa, Py_ssize_t *shift)
{
    if (is_zero(a) || is_zero(b)) {
        *mantissa = is_zero(a) ? b : a;
        *shift = is_zero(a) ? b_shift : a_shift;
        Py_INCREF(*mantissa);
        return (is_zero(a) ? b_normal : a_normal) ? 0 : scaled_normal(mantissa, shift);
    }
    if (a_shift > b_shift) {
        PyObject *value = a;
        Py_ssize_t count = a_shift;
        a = b, a_shift = b_shift, a_normal = b_normal;
        b = value, b_shift = count;
    }
    PyObject *aligned = shifted(b, b_shift - a_shift, PyNumber_Lshift);
    *mantissa = aligned == NULL ? NULL : PyNumber_Add(a, aligned);
    Py_XDECREF(aligned);
    *shift = a_shift;
    if (*mantissa == NULL)
        return -1;
    return a_normal && b_shift > a_shift ? 0 : scaled_normal(mantissa, shift);
}

/* A nonzero factor or divisor split into its factors of two and its odd part (a
 * new reference). */
typedef struct {
    Py_ssize_t twos;
    PyObject *odd;
    int odd_is_one;
} split_number;

static int
split(PyObject *number, split_number *parts)
{
    parts->odd = NULL;
    if (is_zero(number)) {
        PyErr_SetString(PyExc_ZeroDivisionError, "pass_on: base must not be 0");
        return -1;
    }
    parts->twos = trailing_zeros(number);
    if (parts->twos < 0)
        return -1;
    parts->odd = shifted(number, parts->twos, PyNumber_Rshift);
    if (parts->odd == NULL)
        return -1;
    long odd = PyLong_AsLong(parts->odd);
    if (odd == -1 && PyErr_Occurred())
        PyErr_Clear(); /* too large for a long: not 1 */
    parts->odd_is_one = odd == 1;
    return 0;
}

/* (mantissa << shift) * times / divisor, exactly, binary-scaled, for a normal
 * mantissa (odd, or 0): times (NULL for 0) and divisor come split, so the result's
 * mantissa is the odd parts' product over the odd divisor, odd itself, and its
 * shift is counted from the twos, without reading its bits. ValueError if the
 * division is not exact. */
static int
times_over(PyObject *mantissa, Py_ssize_t shift, const split_number *times,
           const split_number *divisor, PyObject **result, Py_ssize_t *result_shift)
{
    if (times == NULL || is_zero(mantissa)) {
        *result = number_of(0);
        *result_shift = 0;
        return *result == NULL ? -1 : 0;
    }
    PyObject *value;
    if (times->odd_is_one) {
        Py_INCREF(mantissa);
        value = mantissa;
    }
    else if ((value = PyNumber_Multiply(mantissa, times->odd)) == NULL)
        return -1;
    if (!divisor->odd_is_one) {
        PyObject *parts = PyNumber_Divmod(value, divisor->odd);
        Py_DECREF(value);
        if (parts == NULL)
            return -1;
        if (!is_zero(PyTuple_GET_ITEM(parts, 1))) {
            Py_DECREF(parts);
            PyErr_SetString(PyExc_ValueError,
                            "pass_on: whole is not a multiple of every denominator");
            return -1;
        }
        value = PyTuple_GET_ITEM(parts, 0);
        Py_INCREF(value);
        Py_DECREF(parts);
    }
    shift += times->twos;
    if (shift < divisor->twos) {
        Py_DECREF(value);
        PyErr_SetString(PyExc_ValueError, "pass_on: whole is not a multiple of every denominator");
        return -1;
    }
    *result = value;
    *result_shift = shift - divisor->twos;
    return 0;
}

/* A list of n shifts as ints. */
static PyObject *
shift_list(const Py_ssize_t *shifts, Py_ssize_t count)
{
    PyObject *listed = PyList_New(count);
    for (Py_ssize_t i = 0; listed != NULL && i < count; i++) {
        PyObject *shift = number_of(shifts[i]);
        if (shift == NULL)
            Py_CLEAR(listed);
        else
            PyList_SET_ITEM(listed, i, shift);
    }
    return listed;
}

/* Fill a list's unset items (NULL) with 0, so that it can be returned or released. */
static int
filled(PyObject *listed)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(listed); i++)
        if (PyList_GET_ITEM(listed, i) == NULL) {
            PyObject *zero = number_of(0);
            if (zero == NULL) {
                PyList_SET_ITEM(listed, i, (Py_INCREF(Py_None), Py_None));
                return -1;
            }
            PyList_SET_ITEM(listed, i, zero);
        }
    return 0;
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
    PyObject *keeps = NULL, *ways = NULL, *divisor = NULL, *result = NULL, *here = NULL;
    Py_ssize_t *kept_shifts = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Py_ssize_t));
    Py_ssize_t *reach_shifts = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Py_ssize_t));
    /* Divisors: base for what a work keeps, base * n for what each of n sources gets
     * (split once per n, as n takes few values); factors: passes and keeps. */
    split_number by_base = {0, NULL, 0}, *by_ways = NULL;
    split_number by_passes = {0, NULL, 0}, by_keeps = {0, NULL, 0};
    Py_ssize_t split_ways = 0;
    if (kept == NULL || reach == NULL || kept_shifts == NULL || reach_shifts == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto fail;
    }
    /* Lists start with NULL items (0, not yet reached); each is set before use. */
    if ((keeps = PyNumber_Subtract(base, passes)) == NULL || split(base, &by_base) < 0
        || (!is_zero(passes) && split(passes, &by_passes) < 0)
        || (!is_zero(keeps) && split(keeps, &by_keeps) < 0))
        goto fail;
    /* Every mantissa below is normal (whole's is made so; times_over's and
     * scaled_sum's are), as times_over and scaled_sum's shortcut need. */
    const split_number *passing = is_zero(passes) ? NULL : &by_passes;
    const split_number *keeping = is_zero(keeps) ? NULL : &by_keeps;
    if (count) {
        Py_INCREF(whole);
        PyObject *start = whole;
        if (scaled_normal(&start, &reach_shifts[0]) < 0)
            goto fail;
        PyList_SET_ITEM(reach, 0, start);
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (PyList_GET_ITEM(reach, i) == NULL) { /* nothing passed to it (only with r = 0) */
            PyObject *zero = number_of(0);
            if (zero == NULL)
                goto fail;
            PyList_SET_ITEM(reach, i, zero);
        }
        /* Held: a citation of the work itself (outside the ancestry rules) replaces it. */
        here = PyList_GET_ITEM(reach, i);
        Py_INCREF(here);
        Py_ssize_t shift = reach_shifts[i];
        Py_ssize_t n = offsets[i + 1] - offsets[i];
        if (n == 0) {
            PyList_SET_ITEM(kept, i, here);
            here = NULL;
            kept_shifts[i] = shift;
            continue;
        }
        if (n > split_ways) {
            split_number *more = PyMem_Realloc(by_ways, (size_t)n * sizeof(split_number));
            if (more == NULL) {
                PyErr_NoMemory();
                goto fail;
            }
            by_ways = more;
            for (; split_ways < n; split_ways++)
                by_ways[split_ways].odd = NULL; /* split when first needed */
        }
        split_number *ways_divisor = &by_ways[n - 1];
        if (ways_divisor->odd == NULL) {
            ways = PyLong_FromSsize_t(n);
            divisor = ways == NULL ? NULL : PyNumber_Multiply(base, ways);
            if (divisor == NULL || split(divisor, ways_divisor) < 0)
                goto fail;
            Py_CLEAR(ways);
            Py_CLEAR(divisor);
        }
        PyObject *passed;
        Py_ssize_t passed_shift;
        if (times_over(here, shift, passing, ways_divisor, &passed, &passed_shift) < 0)
            goto fail;
        for (Py_ssize_t k = offsets[i]; k < offsets[i + 1]; k++) {
            Py_ssize_t source = flat[k];
            PyObject *before = PyList_GET_ITEM(reach, source);
            PyObject *after;
            if (before == NULL) {
                /* A work reached once holds the very int passed to it. */
                Py_INCREF(passed);
                after = passed;
                reach_shifts[source] = passed_shift;
            }
            else if (scaled_sum(before, reach_shifts[source], 1, passed, passed_shift, 1, &after,
                                &reach_shifts[source]) < 0) {
                Py_DECREF(passed);
                goto fail;
            }
            Py_XDECREF(before);
            PyList_SET_ITEM(reach, source, after);
        }
        Py_DECREF(passed);
        PyObject *keep;
        if (times_over(here, shift, keeping, &by_base, &keep, &kept_shifts[i]) < 0)
            goto fail;
        PyList_SET_ITEM(kept, i, keep);
        Py_CLEAR(here);
    }
    PyObject *kept_shift_list = shift_list(kept_shifts, count);
    PyObject *reach_shift_list = kept_shift_list == NULL ? NULL : shift_list(reach_shifts, count);
    if (reach_shift_list == NULL) {
        Py_XDECREF(kept_shift_list);
        goto fail;
    }
    result = Py_BuildValue("(NNNN)", kept, kept_shift_list, reach, reach_shift_list);
    kept = reach = NULL; /* given to the result (or released by Py_BuildValue) */
fail:
    Py_XDECREF(here);
    if (kept != NULL)
        filled(kept);
    if (reach != NULL)
        filled(reach);
    Py_XDECREF(kept);
    Py_XDECREF(reach);
    Py_XDECREF(keeps);
    Py_XDECREF(ways);
    Py_XDECREF(divisor);
    Py_XDECREF(by_base.odd);
    Py_XDECREF(by_passes.odd);
    Py_XDECREF(by_keeps.odd);
    for (Py_ssize_t k = 0; k < split_ways; k++)
        Py_XDECREF(by_ways[k].odd);
    PyMem_Free(by_ways);
    PyMem_Free(kept_shifts);
    PyMem_Free(reach_shifts);
    PyMem_Free(offsets);
    PyMem_Free(flat);
    return result;
}

/* A list or tuple of exact ints (what binary-scaled columns are made of). */
static int
exact_ints(PyObject *values, const char *what)
{
    if (!PyList_CheckExact(values) && !PyTuple_CheckExact(values)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list or tuple", what);
        return -1;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(values); i++)
        if (!PyLong_CheckExact(PySequence_Fast_GET_ITEM(values, i))) {
            PyErr_Format(PyExc_TypeError, "%s must be ints", what);
            return -1;
        }
    return 0;
}

static PyObject *
group_scaled_sums(PyObject *module, PyObject *args)
{
    PyObject *mantissas, *shifts, *groups;
    if (!PyArg_ParseTuple(args, "OOO!:group_scaled_sums", &mantissas, &shifts, &PyList_Type,
                          &groups))
        return NULL;
    if (exact_ints(mantissas, "mantissas") < 0 || exact_ints(shifts, "shifts") < 0)
        return NULL;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(mantissas);
    if (PySequence_Fast_GET_SIZE(shifts) != size) {
        PyErr_SetString(PyExc_ValueError, "mantissas and shifts differ in length");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(groups);
    PyObject *sums = PyList_New(count), *result = NULL;
    Py_ssize_t *sum_shifts = PyMem_Malloc((size_t)(count ? count : 1) * sizeof(Py_ssize_t));
    if (sums == NULL || sum_shifts == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *group = exact_group(PyList_GET_ITEM(groups, i));
        if (group == NULL)
            goto done;
        PyObject *total = number_of(0);
        Py_ssize_t total_shift = 0;
        for (Py_ssize_t k = 0; total != NULL && k < PySequence_Fast_GET_SIZE(group); k++) {
            Py_ssize_t at = as_number(PySequence_Fast_GET_ITEM(group, k));
            if (at >= size) {
                PyErr_SetString(PyExc_IndexError, "a work number out of range");
                at = -1;
            }
            Py_ssize_t shift = at < 0 ? -1 : PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(shifts, at));
            if (shift < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "a shift must not be negative");
                Py_CLEAR(total);
                break;
            }
            PyObject *sum;
            /* The total is normal; a mantissa need not be (a co-authored share is
             * multiplied first). */
            PyObject *mantissa = PySequence_Fast_GET_ITEM(mantissas, at);
            int failed
                = scaled_sum(total, total_shift, 1, mantissa, shift, 0, &sum, &total_shift) < 0;
            Py_DECREF(total);
            total = failed ? NULL : sum;
        }
        Py_DECREF(group);
        if (total == NULL)
            goto done;
        PyList_SET_ITEM(sums, i, total);
        sum_shifts[i] = total_shift;
    }
    PyObject *shift_column = shift_list(sum_shifts, count);
    if (shift_column != NULL) {
        result = Py_BuildValue("(NN)", sums, shift_column);
        sums = NULL;
    }
done:
    if (sums != NULL)
        filled(sums);
    Py_XDECREF(sums);
    PyMem_Free(sum_shifts);
    return result;
}

/* One credit to rank: its distance, share (binary-scaled: numerator << shift),
 * handle, and place in the input. */
typedef struct {
    Py_ssize_t distance;
    PyObject *numerator; /* an exact int: comparing runs no Python code */
    Py_ssize_t shift;
    int sign;             /* of the numerator: -1, 0 or 1 */
    long long magnitude;  /* bits of the whole value: the numerator's plus shift */
    PyObject *handle;     /* an exact str */
    Py_ssize_t at;
} ranked_credit;

/* Set when a comparison could not be made (no memory to align two shares); the
 * exception stays set, the remaining comparisons give 0, and rank fails. */
static int rank_failed = 0;

/* -1, 0 or 1 as x's share is below, equal to or above y's. */
static int
compare_shares(const ranked_credit *x, const ranked_credit *y)
{
    if (x->shift == y->shift) {
        if (PyObject_RichCompareBool(x->numerator, y->numerator, Py_GT) == 1)
            return 1;
        return PyObject_RichCompareBool(x->numerator, y->numerator, Py_LT) == 1 ? -1 : 0;
    }
    if (x->sign != y->sign)
        return x->sign < y->sign ? -1 : 1;
    if (x->sign == 0)
        return 0;
    if (x->magnitude != y->magnitude) {
        int larger = x->magnitude > y->magnitude ? 1 : -1;
        return x->sign > 0 ? larger : -larger;
    }
    /* As many bits in all: the one with the larger shift, aligned, decides. */
    const ranked_credit *high = x->shift > y->shift ? x : y, *low = high == x ? y : x;
    PyObject *aligned = shifted(high->numerator, high->shift - low->shift, PyNumber_Lshift);
    if (aligned == NULL) {
        rank_failed = 1;
        return 0;
    }
    int order = PyObject_RichCompareBool(aligned, low->numerator, Py_GT) == 1
                    ? 1
                    : -(PyObject_RichCompareBool(aligned, low->numerator, Py_LT) == 1);
    Py_DECREF(aligned);
    return high == x ? order : -order;
}

static int
by_rank(const void *a, const void *b)
{
    const ranked_credit *x = a, *y = b;
    if (rank_failed)
        return 0;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    int shares = compare_shares(x, y);
    if (shares != 0)
        return -shares; /* the larger share first */
    int handles = PyUnicode_Compare(x->handle, y->handle);
    if (handles != 0)
        return handles;
    return x->at < y->at ? -1 : (x->at > y->at);
}

static PyObject *
rank(PyObject *module, PyObject *args)
{
    PyObject *distances, *numerators, *shifts, *handles;
    if (!PyArg_ParseTuple(args, "O!O!OO!:rank", &PyList_Type, &distances, &PyList_Type,
                          &numerators, &shifts, &PyTuple_Type, &handles))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(distances);
    if (shifts != Py_None && !PyList_CheckExact(shifts)) {
        PyErr_SetString(PyExc_TypeError, "shifts must be a list or None");
        return NULL;
    }
    if (PyList_GET_SIZE(numerators) != count || PyTuple_GET_SIZE(handles) != count
        || (shifts != Py_None && PyList_GET_SIZE(shifts) != count)) {
        PyErr_SetString(PyExc_ValueError, "distances, numerators, shifts and handles differ in length");
        return NULL;
    }
    ranked_credit *order = PyMem_Malloc((size_t)(count ? count : 1) * sizeof(ranked_credit));
    if (order == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *distance = PyList_GET_ITEM(distances, i);
        PyObject *shift = shifts == Py_None ? NULL : PyList_GET_ITEM(shifts, i);
        order[i].numerator = PyList_GET_ITEM(numerators, i);
        order[i].handle = PyTuple_GET_ITEM(handles, i);
        order[i].at = i;
        if (!PyLong_CheckExact(distance) || !PyLong_CheckExact(order[i].numerator)
            || (shift != NULL && !PyLong_CheckExact(shift))
            || !PyUnicode_CheckExact(order[i].handle)) {
            PyErr_SetString(PyExc_TypeError,
                            "distances, numerators and shifts must be ints, handles str");
            goto fail;
        }
        order[i].distance = PyLong_AsSsize_t(distance);
        order[i].shift = shift == NULL ? 0 : PyLong_AsSsize_t(shift);
        if (order[i].shift < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "a shift must not be negative");
            goto fail;
        }
        if (order[i].distance == -1 && PyErr_Occurred())
            goto fail;
        order[i].sign = is_zero(order[i].numerator) ? 0 : 1;
        if (order[i].sign) {
            PyObject *zero = number_of(0);
            if (zero == NULL)
                goto fail;
            if (PyObject_RichCompareBool(order[i].numerator, zero, Py_LT) == 1)
                order[i].sign = -1;
            Py_DECREF(zero);
            long long bits = bit_length(order[i].numerator);
            if (bits < 0)
                goto fail;
            if (order[i].shift > LLONG_MAX - bits) {
                PyErr_SetString(PyExc_OverflowError, "a share's shift is too large");
                goto fail;
            }
            order[i].magnitude = bits + order[i].shift;
        }
        else
            order[i].magnitude = 0;
    }
    rank_failed = 0;
    /* Contributors come nearest first (by first appearance from W), so they are
     * often in order already: then one comparison per pair decides it. */
    for (Py_ssize_t i = 1; i < count; i++)
        if (by_rank(&order[i - 1], &order[i]) > 0) {
            qsort(order, (size_t)count, sizeof(ranked_credit), by_rank);
            break;
        }
    if (rank_failed) {
        rank_failed = 0;
        goto fail;
    }
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
fail:
    PyMem_Free(order);
    return NULL;
}

static PyMethodDef methods[] = {
    {"take", take, METH_VARARGS, "See lineage.kernels.take."},
    {"plain", plain, METH_O, "See lineage.kernels.plain."},
    {"take_codes", take_codes, METH_VARARGS, "See lineage.kernels.take_codes."},
    {"walk_sources", walk_sources, METH_VARARGS, "See lineage.kernels.walk_sources."},
    {"localize", localize, METH_VARARGS, "See lineage.kernels.localize."},
    {"ancestry_columns", ancestry_columns, METH_VARARGS,
     "See lineage.kernels.ancestry_columns."},
    {"longest_path", longest_path, METH_O, "See lineage.kernels.longest_path."},
    {"relation_masks", relation_masks, METH_VARARGS, "See lineage.kernels.relation_masks."},
    {"group_by_author", group_by_author, METH_O, "See lineage.kernels.group_by_author."},
    {"group_sums", group_sums, METH_VARARGS, "See lineage.kernels.group_sums."},
    {"group_ors", group_ors, METH_VARARGS, "See lineage.kernels.group_ors."},
    {"group_mins", group_mins, METH_VARARGS, "See lineage.kernels.group_mins."},
    {"gather_sorted", gather_sorted, METH_VARARGS, "See lineage.kernels.gather_sorted."},
    {"records", records, METH_VARARGS, "See lineage.kernels.records."},
    {"rank", rank, METH_VARARGS, "See lineage.kernels.rank."},
    {"pass_on", pass_on, METH_VARARGS, "See lineage.kernels.pass_on."},
    {"group_scaled_sums", group_scaled_sums, METH_VARARGS,
     "See lineage.kernels.group_scaled_sums."},
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
    int_bit_length = PyObject_GetAttrString((PyObject *)&PyLong_Type, "bit_length");
    if (numbers_made == NULL || singles_made == NULL || relation_key == NULL
        || int_bit_length == NULL)
        return NULL;
#if PY_VERSION_HEX < 0x030D0000
    if ((low_mask = PyLong_FromUnsignedLongLong(ULLONG_MAX)) == NULL)
        return NULL;
#endif
    PyObject *probe = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){s:()}", "probe",
                                            (PyObject *)&PyTuple_Type, "__slots__");
    if (probe == NULL)
        return NULL;
    class_dealloc = ((PyTypeObject *)probe)->tp_dealloc;
    Py_DECREF(probe);
    return PyModule_Create(&module);
}
