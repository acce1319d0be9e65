/*
 * Lines of one shape read into float64 columns in one pass over their bytes.
 *
 * The fast paths (vaetui/core/formats/fastkv.py) learn a *shape* per kind of line: the line
 * with the bytes numbers are made of ("0123456789.+-") deleted. Reading a run of such lines
 * used to take three passes in Python (the shapes, the delimiters turned into spaces, the
 * numbers parsed by numpy or polars); this module does all three at once, per line:
 *
 *   - the line's bytes, numeric ones skipped, must equal the shape's template;
 *   - the line is cut into tokens at the separator bytes (a 256-byte map);
 *   - the wanted tokens are parsed as Python's float() parses them, correctly rounded.
 *
 * Anything unusual (another shape, another number of tokens, "nan", "inf", "1_0", a token
 * that is not a number) makes the whole read fail, and the caller reads the lines the slower
 * way, which decides. The module holds no state and needs only the C library and CPython.
 *
 * plain_newlines() is the line splitter's test for bytes that need no cleaning: ASCII or
 * strict UTF-8 with no control byte but tab, LF and CR, counting the LFs, in one vectorisable
 * pass (and one more over a chunk that is not ASCII).
 *
 * frame_refreshes() cuts a block of tqdm's \r refreshes into stripped segments, one per line,
 * their bars' glyphs cut out (vaetui/core/formats/fasttqdm.py defines them).
 *
 * vaetui/core/native.py is the interface; tests/unit/test_native.py holds each function to
 * Python's own answers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Powers of ten that a double holds exactly (Clinger's fast path). */
static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
#define MAX_EXACT_MANTISSA (UINT64_C(1) << 53)
/* A number longer than this is not read here (the caller's slower reader decides). */
#define MAX_NUMBER_BYTES 400

/* Digits, signs and dots: the bytes a shape does not keep. */
static unsigned char NUMERIC[256];
enum { NUMBER_BYTE = 1, SEPARATOR = 2 };

/* float()'s own conversion (David Gay's correctly rounded strtod); the GIL must be held. */
static int slow_number(const unsigned char *s, const unsigned char *e, double *out)
{
    char buffer[MAX_NUMBER_BYTES + 1];
    Py_ssize_t size = e - s;
    if (size > MAX_NUMBER_BYTES)
        return -1;
    memcpy(buffer, s, (size_t)size);
    buffer[size] = '\0';
    char *end = NULL;
    double value = PyOS_string_to_double(buffer, &end, NULL);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    if (end != buffer + size)
        return -1;
    *out = value;
    return 0;
}

typedef struct {
    const unsigned char *const *templates;
    const Py_ssize_t *template_sizes;
    Py_ssize_t template_count;
    /* Per byte: NUMBER_BYTE and SEPARATOR bits. */
    const unsigned char *kind;
    /* Per token index up to max_token: the first output column it fills (-1: none), and per
     * output column the next one the same token fills. */
    const Py_ssize_t *first_column;
    const Py_ssize_t *next_column;
    Py_ssize_t max_token;
    double *out;
    Py_ssize_t count;
    Py_ssize_t slow;
    Py_ssize_t numbers;
    PyThreadState *released;
} Scan;

enum scan_result { SCAN_OK, SCAN_FAILED, SCAN_SLOW, SCAN_OTHER_SHAPE };

#define IS_DIGIT(b) ((unsigned)((b) - '0') <= 9u)

/* A number's significant digits as an integer: at most 19 of them (more: ``overflow``). */
typedef struct {
    uint64_t value;
    int significant, overflow;
} Mantissa;

static inline void take_digit(Mantissa *mantissa, unsigned char digit)
{
    if (mantissa->value == 0 && digit == '0')
        return; /* a leading zero */
    if (mantissa->significant == 19) {
        mantissa->overflow = 1;
        return;
    }
    mantissa->value = mantissa->value * 10 + (uint64_t)(digit - '0');
    mantissa->significant++;
}

/*
 * Reads the wanted token ``token`` at ``*at`` as a number, checking its exponent letter
 * against the template at ``*t_at`` as it goes (digits, signs and dots are not in templates),
 * and stores it in each column it fills in row ``row``; moves both past it. SCAN_FAILED when
 * the token is not a plain decimal number (whatever the template: no template can make it
 * one), SCAN_OTHER_SHAPE when its exponent letter is not the template's.
 */
static enum scan_result read_number(Scan *scan, const unsigned char **at,
                                    const unsigned char *template_, Py_ssize_t *t_at,
                                    Py_ssize_t token, Py_ssize_t row)
{
    const unsigned char *start = *at, *p = start;
    int negative = 0;
    if (*p == '+' || *p == '-') {
        negative = (*p == '-');
        p++;
    }
    Mantissa mantissa = {0, 0, 0};
    int digits = 0, fraction = 0;
    for (; IS_DIGIT(*p); p++, digits++)
        take_digit(&mantissa, *p);
    if (*p == '.')
        for (p++; IS_DIGIT(*p); p++, digits++, fraction++)
            take_digit(&mantissa, *p);
    if (digits == 0)
        return SCAN_FAILED;
    long exponent = 0;
    Py_ssize_t t = *t_at;
    if (*p == 'e' || *p == 'E') {
        if (template_[t] != *p)
            return SCAN_OTHER_SHAPE;
        t++;
        p++;
        int exponent_negative = 0;
        if (*p == '+' || *p == '-') {
            exponent_negative = (*p == '-');
            p++;
        }
        if (!IS_DIGIT(*p))
            return SCAN_FAILED;
        for (; IS_DIGIT(*p); p++)
            if (exponent < 100000)
                exponent = exponent * 10 + (*p - '0');
        if (exponent_negative)
            exponent = -exponent;
    }
    if (!(scan->kind[*p] & SEPARATOR))
        return SCAN_FAILED; /* the token goes on: not a number */
    double value;
    long power = exponent - fraction;
    if (mantissa.value == 0) {
        value = negative ? -0.0 : 0.0;
    } else if (!mantissa.overflow && mantissa.value <= MAX_EXACT_MANTISSA && power <= 22 &&
               power >= -22) {
        /* Clinger's fast path: one correctly rounded operation on exact operands. */
        value = (double)mantissa.value;
        value = power >= 0 ? value * POW10[power] : value / POW10[-power];
        if (negative)
            value = -value;
    } else {
        /* Long mantissas (a writer's 17 digits) are left to a faster reader when common. */
        if (++scan->slow > 16 + scan->numbers / 8)
            return SCAN_SLOW;
        PyEval_RestoreThread(scan->released);
        int failed = slow_number(start, p, &value);
        scan->released = PyEval_SaveThread();
        if (failed)
            return SCAN_FAILED;
    }
    scan->numbers++;
    for (Py_ssize_t c = scan->first_column[token]; c >= 0; c = scan->next_column[c])
        scan->out[c * scan->count + row] = value;
    *at = p;
    *t_at = t;
    return SCAN_OK;
}

/* The line at p, ending with its '\n', checked against template ``which`` and its wanted
 * tokens stored in row ``row``; its number of tokens in ``*tokens`` and where its '\n' is in
 * ``*newline``. The caller makes sure that the data holds no NUL byte (so the template's own
 * closing NUL ends the comparison) and that no numeric byte is a separator. */
static enum scan_result scan_line(Scan *scan, Py_ssize_t which, const unsigned char *p,
                                  Py_ssize_t row, Py_ssize_t *tokens,
                                  const unsigned char **newline)
{
    const unsigned char *template_ = scan->templates[which];
    const unsigned char *kind = scan->kind;
    Py_ssize_t t = 0, token = 0;
    const unsigned char *q = p;
    for (;; token++) {
        /* Separators (the line's '\n' among them: no template holds one, so it ends them). */
        for (; kind[*q] & SEPARATOR; q++, t++)
            if (template_[t] != *q)
                goto separators_end;
        if (token <= scan->max_token && scan->first_column[token] >= 0) {
            enum scan_result r = read_number(scan, &q, template_, &t, token, row);
            if (r != SCAN_OK)
                return r;
            continue;
        }
        /* A token not read: every byte but the numeric ones must be the template's. */
        for (unsigned char k; !((k = kind[*q]) & SEPARATOR); q++) {
            if (!(k & NUMBER_BYTE)) {
                if (template_[t] != *q)
                    return SCAN_OTHER_SHAPE;
                t++;
            }
        }
    }
separators_end:
    if (*q != '\n' || t != scan->template_sizes[which])
        return SCAN_OTHER_SHAPE;
    *tokens = token;
    *newline = q;
    return SCAN_OK;
}

/* Lines of data[0:size] from ``row`` on, each ending with '\n', checked against the templates
 * and their tokens stored; the row after the last in ``*rows``. */
static enum scan_result scan_lines(Scan *scan, const unsigned char *data, Py_ssize_t size,
                                   Py_ssize_t *rows, Py_ssize_t *tokens_per_line)
{
    const unsigned char *p = data, *end = data + size;
    Py_ssize_t row = *rows, which = 0;
    while (p < end) {
        if (row == scan->count)
            return SCAN_FAILED;
        Py_ssize_t tokens = 0, tried = 0;
        const unsigned char *newline = NULL;
        enum scan_result r;
        /* The template the line before matched first: lines of one kind come in runs. */
        while ((r = scan_line(scan, which, p, row, &tokens, &newline)) == SCAN_OTHER_SHAPE) {
            if (++tried == scan->template_count)
                return SCAN_FAILED;
            which = (which + 1) % scan->template_count;
        }
        if (r != SCAN_OK)
            return r;
        if (*tokens_per_line < 0) {
            if (tokens <= scan->max_token)
                return SCAN_FAILED;
            *tokens_per_line = tokens;
        } else if (tokens != *tokens_per_line) {
            return SCAN_FAILED;
        }
        row++;
        p = newline + 1;
    }
    *rows = row;
    return SCAN_OK;
}

/* Every line of data[0:size] (the last newline optional) read, or why not. */
static enum scan_result scan_all(Scan *scan, const unsigned char *data, Py_ssize_t size)
{
    if (memchr(data, '\0', (size_t)size) != NULL)
        return SCAN_FAILED;
    Py_ssize_t rows = 0, tokens_per_line = -1;
    Py_ssize_t whole = size; /* the bytes of the lines that end in '\n' */
    while (whole > 0 && data[whole - 1] != '\n')
        whole--;
    enum scan_result r = scan_lines(scan, data, whole, &rows, &tokens_per_line);
    if (r == SCAN_OK && whole < size) {
        /* The last line, without its newline: read from a copy that has one. */
        unsigned char *copy = PyMem_RawMalloc((size_t)(size - whole) + 1);
        if (copy == NULL)
            return SCAN_FAILED;
        memcpy(copy, data + whole, (size_t)(size - whole));
        copy[size - whole] = '\n';
        r = scan_lines(scan, copy, size - whole + 1, &rows, &tokens_per_line);
        PyMem_RawFree(copy);
    }
    if (r == SCAN_OK && rows != scan->count)
        return SCAN_FAILED;
    return r;
}

PyDoc_STRVAR(read_shape_doc,
"read_shape(data, templates, separators, tokens, out, count) -> int\n\n"
"Reads ``count`` lines of ``data`` (``\\n``-separated, the last newline optional) into\n"
"``out``, a writable float64 buffer of ``count * len(tokens)`` values in column order\n"
"(column j of row i at ``j * count + i``): column j is token ``tokens[j]`` of each line,\n"
"tokens being split at the bytes b where ``separators[b]`` is not zero.\n\n"
"Returns 0 when every line, its numeric bytes (0-9 . + -) deleted, equals one of\n"
"``templates`` (a sequence of bytes), every line has as many tokens as the first, and every\n"
"wanted token is a number that float() reads (then ``out`` holds float()'s values); 1\n"
"otherwise; 2 when many numbers have more digits than a double rounds quickly (a faster\n"
"reader for those should read the lines). ``out`` is undefined unless 0 is returned.");

static PyObject *read_shape(PyObject *self, PyObject *args)
{
    Py_buffer data, separators, out;
    PyObject *templates, *tokens;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*Oy*Ow*n", &data, &templates, &separators, &tokens, &out,
                          &count))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t *first_column = NULL, *next_column = NULL, *template_sizes = NULL;
    const unsigned char **template_bytes = NULL;
    PyObject *sequence = PySequence_Fast(tokens, "tokens must be a sequence of ints");
    PyObject *shapes = PySequence_Fast(templates, "templates must be a sequence of bytes");
    if (sequence == NULL || shapes == NULL)
        goto done;
    Py_ssize_t columns = PySequence_Fast_GET_SIZE(sequence);
    Py_ssize_t template_count = PySequence_Fast_GET_SIZE(shapes);
    if (separators.len != 256 || count < 0 || columns == 0 || template_count == 0 ||
        out.len != (Py_ssize_t)sizeof(double) * columns * count) {
        PyErr_SetString(PyExc_ValueError,
                        "separators must be 256 bytes, templates not empty and out hold "
                        "count * len(tokens) doubles");
        goto done;
    }
    template_bytes = PyMem_Malloc(sizeof(unsigned char *) * (size_t)template_count);
    template_sizes = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)template_count);
    if (template_bytes == NULL || template_sizes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < template_count; i++) {
        PyObject *shape = PySequence_Fast_GET_ITEM(shapes, i);
        if (!PyBytes_Check(shape)) {
            PyErr_SetString(PyExc_TypeError, "templates must be bytes");
            goto done;
        }
        template_bytes[i] = (const unsigned char *)PyBytes_AS_STRING(shape);
        template_sizes[i] = PyBytes_GET_SIZE(shape);
    }
    Py_ssize_t max_token = -1;
    for (Py_ssize_t c = 0; c < columns; c++) {
        Py_ssize_t token = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(sequence, c));
        if (token == -1 && PyErr_Occurred())
            goto done;
        if (token < 0) {
            PyErr_SetString(PyExc_ValueError, "token indices must not be negative");
            goto done;
        }
        if (token > max_token)
            max_token = token;
    }
    first_column = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(max_token + 1));
    next_column = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)columns);
    if (first_column == NULL || next_column == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t <= max_token; t++)
        first_column[t] = -1;
    for (Py_ssize_t c = columns - 1; c >= 0; c--) {
        Py_ssize_t token = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(sequence, c));
        next_column[c] = first_column[token];
        first_column[token] = c;
    }
    unsigned char kind[256];
    for (int b = 0; b < 256; b++)
        kind[b] = (unsigned char)((NUMERIC[b] ? NUMBER_BYTE : 0) |
                                  (((const unsigned char *)separators.buf)[b] ? SEPARATOR : 0));
    Scan scan = {
        .templates = template_bytes,
        .template_sizes = template_sizes,
        .template_count = template_count,
        .kind = kind,
        .first_column = first_column,
        .next_column = next_column,
        .max_token = max_token,
        .out = out.buf,
        .count = count,
        .slow = 0,
        .numbers = 0,
        .released = NULL,
    };
    scan.released = PyEval_SaveThread();
    enum scan_result scanned = scan_all(&scan, data.buf, data.len);
    PyEval_RestoreThread(scan.released);
    result = PyLong_FromLong((long)scanned);
done:
    PyMem_Free(first_column);
    PyMem_Free(next_column);
    PyMem_Free(template_sizes);
    PyMem_Free((void *)template_bytes);
    Py_XDECREF(sequence);
    Py_XDECREF(shapes);
    PyBuffer_Release(&data);
    PyBuffer_Release(&separators);
    PyBuffer_Release(&out);
    return result;
}

/*
 * Whether data[0:size] is UTF-8 as Python's strict decoder accepts it (no overlong form, no
 * surrogate, nothing past U+10FFFF) holding neither U+009B (a C1 escape the line splitter
 * strips) nor U+FFFD (which it counts as a replaced byte).
 */
static int clean_utf8(const unsigned char *p, Py_ssize_t size)
{
    Py_ssize_t i = 0;
    while (i < size) {
        /* ASCII, eight bytes at a time. */
        while (i + 8 <= size) {
            uint64_t word;
            memcpy(&word, p + i, 8);
            if (word & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i == size)
            break;
        unsigned char b = p[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        Py_ssize_t length;
        unsigned char low = 0x80, high = 0xbf; /* the second byte's range */
        if (b >= 0xc2 && b <= 0xdf) {
            length = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            length = 3;
            if (b == 0xe0)
                low = 0xa0;
            else if (b == 0xed)
                high = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            length = 4;
            if (b == 0xf0)
                low = 0x90;
            else if (b == 0xf4)
                high = 0x8f;
        } else {
            return 0;
        }
        if (i + length > size || p[i + 1] < low || p[i + 1] > high)
            return 0;
        for (Py_ssize_t k = 2; k < length; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xbf)
                return 0;
        if (length == 2 && b == 0xc2 && p[i + 1] == 0x9b)
            return 0;
        if (length == 3 && b == 0xef && p[i + 1] == 0xbf && p[i + 2] == 0xbd)
            return 0;
        i += length;
    }
    return 1;
}

PyDoc_STRVAR(plain_newlines_doc,
"plain_newlines(data, utf8) -> int\n\n"
"The number of ``\\n`` bytes in ``data`` when it holds no control byte but tab, LF and CR\n"
"(no DEL) and is ASCII, or with ``utf8`` true, UTF-8 that decodes strictly and holds\n"
"neither U+009B nor U+FFFD; -1 when it is not.");

static PyObject *plain_newlines(PyObject *self, PyObject *args)
{
    Py_buffer data;
    int utf8 = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*p", &data, &utf8))
        return NULL;
    const unsigned char *p = data.buf;
    Py_ssize_t size = data.len, newlines = 0;
    int bad = 0, wide = 0;
    Py_BEGIN_ALLOW_THREADS
    /* Blocks of 255 bytes, counted in bytes: the loop vectorises, and a bad byte stops the
     * scan soon after. */
    for (Py_ssize_t start = 0; start < size && !bad; start += 255) {
        Py_ssize_t stop = start + 255 < size ? start + 255 : size;
        unsigned char control = 0, high = 0, block_newlines = 0;
        for (Py_ssize_t i = start; i < stop; i++) {
            unsigned char b = p[i];
            block_newlines += (unsigned char)(b == '\n');
            control |= (unsigned char)((b == 0x7f) |
                                       ((b < 0x20) & (b != '\n') & (b != '\t') & (b != '\r')));
            high |= (unsigned char)(b >> 7);
        }
        newlines += block_newlines;
        wide |= high;
        bad = control || (high && !utf8);
    }
    if (!bad && wide)
        bad = !clean_utf8(p, size);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(bad ? -1 : newlines);
}

/* Bytes that bytes.rstrip() takes off a segment (LF and CR end segments). */
static int padding(unsigned char b)
{
    return b == ' ' || b == '\t' || b == 0x0b || b == 0x0c;
}

/* A growable array of int64 values. */
typedef struct {
    int64_t *values;
    Py_ssize_t size, capacity;
} Int64s;

static int push(Int64s *array, int64_t value)
{
    if (array->size == array->capacity) {
        Py_ssize_t capacity = array->capacity ? array->capacity * 2 : 1024;
        int64_t *grown = PyMem_RawRealloc(array->values, sizeof(int64_t) * (size_t)capacity);
        if (grown == NULL)
            return -1;
        array->values = grown;
        array->capacity = capacity;
    }
    array->values[array->size++] = value;
    return 0;
}

static PyObject *as_bytes(const Int64s *array)
{
    return PyBytes_FromStringAndSize((const char *)array->values,
                                     (Py_ssize_t)sizeof(int64_t) * array->size);
}

enum frame_result { FRAMED, FRAME_ELSEWHERE, FRAME_NO_MEMORY };

/*
 * The refreshes of raw[0:size] (see frame_refreshes below) into ``virtual`` (at least size + 1
 * bytes) and the three arrays; FRAME_ELSEWHERE when a segment needs what only Python does
 * (it ends in a non-ASCII byte once its padding is off: maybe a no-break space) or a bar's
 * closing ``|`` opens another bar (which one is the bar depends on the regex's order).
 */
static enum frame_result frame(const unsigned char *raw, Py_ssize_t size, int64_t first_line,
                               unsigned char *virtual, Py_ssize_t *virtual_size, Int64s *starts,
                               Int64s *ends, Int64s *lines)
{
    unsigned char *out = virtual;
    int64_t line = first_line;
    Py_ssize_t start = 0;
    while (start < size) {
        Py_ssize_t term = start;
        while (term < size && raw[term] != '\n' && raw[term] != '\r')
            term++;
        Py_ssize_t end = term;
        while (end > start && padding(raw[end - 1]))
            end--;
        if (end > start) {
            if (raw[end - 1] >= 0x80)
                return FRAME_ELSEWHERE;
            if (push(starts, start) || push(ends, end) || push(lines, line))
                return FRAME_NO_MEMORY;
            /* Copied with each bar's glyphs (between "%|" and the next "|") left out. */
            Py_ssize_t copied = start;
            const unsigned char *pipe = memchr(raw + start, '|', (size_t)(end - start));
            while (pipe != NULL) {
                Py_ssize_t at = pipe - raw;
                const unsigned char *next =
                    at + 1 < end ? memchr(raw + at + 1, '|', (size_t)(end - at - 1)) : NULL;
                if (next == NULL)
                    break;
                if (at > start && raw[at - 1] == '%') {
                    Py_ssize_t close = next - raw;
                    if (raw[close - 1] == '%' && close + 1 < end &&
                        memchr(raw + close + 1, '|', (size_t)(end - close - 1)) != NULL)
                        return FRAME_ELSEWHERE;
                    memcpy(out, raw + copied, (size_t)(at + 1 - copied));
                    out += at + 1 - copied;
                    copied = close;
                    pipe = close + 1 < end
                               ? memchr(raw + close + 1, '|', (size_t)(end - close - 1))
                               : NULL;
                } else {
                    pipe = next;
                }
            }
            memcpy(out, raw + copied, (size_t)(end - copied));
            out += end - copied;
            *out++ = '\n';
        }
        if (term < size && raw[term] == '\n')
            line++;
        start = term + 1;
    }
    *virtual_size = out - virtual;
    return FRAMED;
}

PyDoc_STRVAR(frame_refreshes_doc,
"frame_refreshes(raw, first_line) -> (virtual, starts, ends, lines) | None\n\n"
"The segments of ``raw`` (split at ``\\n`` and ``\\r``, trailing spaces, tabs, VT and FF\n"
"taken off, blank ones left out): ``virtual`` holds them one per line with each bar's glyphs\n"
"(between ``%|`` and the next ``|`` of the segment) cut out; ``starts``, ``ends`` and\n"
"``lines`` are int64 arrays, as bytes, of where each segment is in ``raw`` and its physical\n"
"line (the first being ``first_line``). None when a segment ends in a non-ASCII byte once\n"
"stripped, or a bar's closing ``|`` could open another bar.");

static PyObject *frame_refreshes(PyObject *self, PyObject *args)
{
    Py_buffer raw;
    long long first_line;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*L", &raw, &first_line))
        return NULL;
    PyObject *result = NULL;
    Int64s starts = {NULL, 0, 0}, ends = {NULL, 0, 0}, lines = {NULL, 0, 0};
    PyObject *virtual = PyBytes_FromStringAndSize(NULL, raw.len + 1);
    if (virtual == NULL)
        goto done;
    Py_ssize_t virtual_size = 0;
    enum frame_result framed;
    Py_BEGIN_ALLOW_THREADS
    framed = frame(raw.buf, raw.len, (int64_t)first_line,
                   (unsigned char *)PyBytes_AS_STRING(virtual), &virtual_size, &starts, &ends,
                   &lines);
    Py_END_ALLOW_THREADS
    if (framed == FRAME_NO_MEMORY) {
        PyErr_NoMemory();
        goto done;
    }
    if (framed == FRAME_ELSEWHERE) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (_PyBytes_Resize(&virtual, virtual_size) < 0)
        goto done;
    result = Py_BuildValue("(ONNN)", virtual, as_bytes(&starts), as_bytes(&ends), as_bytes(&lines));
done:
    Py_XDECREF(virtual);
    PyMem_RawFree(starts.values);
    PyMem_RawFree(ends.values);
    PyMem_RawFree(lines.values);
    PyBuffer_Release(&raw);
    return result;
}

static PyMethodDef methods[] = {
    {"read_shape", read_shape, METH_VARARGS, read_shape_doc},
    {"plain_newlines", plain_newlines, METH_VARARGS, plain_newlines_doc},
    {"frame_refreshes", frame_refreshes, METH_VARARGS, frame_refreshes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "vaetui.core._native",
    "Lines of one shape read into float64 columns in one pass (see vaetui/core/native.py).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__native(void)
{
    for (const char *c = "0123456789.+-"; *c; c++)
        NUMERIC[(unsigned char)*c] = 1;
    return PyModule_Create(&module);
}
