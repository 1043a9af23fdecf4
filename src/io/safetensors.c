/*
 * safetensors.c -- the safetensors format: an 8-byte little-endian header
 * length N, N bytes of JSON
 *   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
 *    "data_offsets": [begin, end]}, ...}
 * and the byte buffer the offsets point into (row-major, little-endian).
 *
 * Reading is strict, as in the reference implementation: the JSON must have
 * exactly this shape, names appear once, and the tensors tile the buffer
 * exactly (no overlap, no gap, nothing after the last one).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"
#include "io/json.h"

/* the reference implementation's largest header */
#define ST_MAX_HEADER 100000000ull

static const struct {
    ct_dtype dtype;
    const char *name;
    int rank; /* data order: larger elements first (the reference's Reverse(dtype)) */
} st_dtypes[] = {
    {CT_INT64, "I64", 0}, {CT_FLOAT64, "F64", 1}, {CT_FLOAT32, "F32", 2}, {CT_INT32, "I32", 3},
    {CT_BFLOAT16, "BF16", 4}, {CT_FLOAT16, "F16", 5}, {CT_UINT8, "U8", 6}, {CT_BOOL, "BOOL", 7},
};
#define ST_NUM_DTYPES (sizeof st_dtypes / sizeof st_dtypes[0])

static int dtype_index(ct_dtype d)
{
    for (size_t i = 0; i < ST_NUM_DTYPES; i++)
        if (st_dtypes[i].dtype == d)
            return (int)i;
    return -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* First string appearing twice among n (sorting a copy), or NULL; -1 in *failed on OOM. */
static const char *duplicate(int64_t n, const char *const *s, int *failed)
{
    const char **sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    *failed = !sorted;
    if (!sorted)
        return NULL;
    if (n > 0)
        memcpy(sorted, s, (size_t)n * sizeof *sorted);
    if (n > 1)
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    const char *dup = NULL;
    for (int64_t i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

/* ================================================================ saving */

typedef struct st_order {
    int rank;
    const char *name;
    int64_t index;
} st_order;

static int by_rank_name(const void *x, const void *y)
{
    const st_order *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    return strcmp(a->name, b->name);
}

static int by_name(const void *x, const void *y)
{
    const st_order *a = x, *b = y;
    return strcmp(a->name, b->name);
}

static int check_save_args(const char *op, int64_t n, const char *const *names, ct_tensor *const *tensors,
                           int64_t n_meta, const char *const *keys, const char *const *values)
{
    if (n < 0 || n_meta < 0 || (n > 0 && (!names || !tensors)) || (n_meta > 0 && (!keys || !values)))
        return ct_fail("%s: bad arguments", op);
    for (int64_t i = 0; i < n; i++) {
        if (!names[i] || !tensors[i])
            return ct_fail("%s: name or tensor %lld is NULL", op, (long long)i + 1);
        if (!*names[i] || !ct_utf8_valid((const unsigned char *)names[i], strlen(names[i])))
            return ct_fail("%s: tensor names must be non-empty UTF-8 strings (name %lld)", op, (long long)i + 1);
        if (strcmp(names[i], "__metadata__") == 0)
            return ct_fail("%s: '__metadata__' cannot name a tensor", op);
        if (tensors[i]->storage->device.type != CT_CPU)
            return ct_fail("%s: tensor '%.200s' is not on the CPU (move it with :cpu() first)", op, names[i]);
        if (dtype_index(tensors[i]->dtype) < 0)
            return ct_fail("%s: tensor '%.200s' has dtype %s, which safetensors files cannot hold", op,
                           names[i], ct_dtype_name(tensors[i]->dtype));
    }
    for (int64_t i = 0; i < n_meta; i++) {
        if (!keys[i] || !values[i])
            return ct_fail("%s: metadata entry %lld is NULL", op, (long long)i + 1);
        if (!ct_utf8_valid((const unsigned char *)keys[i], strlen(keys[i])) ||
            !ct_utf8_valid((const unsigned char *)values[i], strlen(values[i])))
            return ct_fail("%s: metadata must be UTF-8 strings (entry '%.200s')", op, keys[i]);
    }
    int failed;
    const char *dup = duplicate(n, names, &failed);
    if (!failed && dup)
        return ct_fail("%s: the name '%.200s' appears twice", op, dup);
    if (!failed)
        dup = duplicate(n_meta, keys, &failed);
    if (!failed && dup)
        return ct_fail("%s: the metadata key '%.200s' appears twice", op, dup);
    return failed ? ct_fail("%s: out of memory", op) : 0;
}

static int put_int(ct_buf *b, int64_t v)
{
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    return ct_buf_put(b, tmp, (size_t)k);
}

static int build_header(ct_buf *h, int64_t n, const st_order *order, const char *const *names,
                        ct_tensor *const *tensors, int64_t n_meta, const char *const *keys,
                        const char *const *values, st_order *meta_order)
{
    int rc = ct_buf_put(h, "{", 1);
    if (n_meta > 0) {
        rc |= ct_buf_put(h, "\"__metadata__\":{", 16);
        for (int64_t k = 0; k < n_meta; k++) {
            int64_t i = meta_order[k].index;
            if (k)
                rc |= ct_buf_put(h, ",", 1);
            rc |= ct_json_put_string(h, keys[i], strlen(keys[i]));
            rc |= ct_buf_put(h, ":", 1);
            rc |= ct_json_put_string(h, values[i], strlen(values[i]));
        }
        rc |= ct_buf_put(h, "}", 1);
    }
    int64_t offset = 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t i = order[k].index;
        ct_tensor *t = tensors[i];
        if (k || n_meta > 0)
            rc |= ct_buf_put(h, ",", 1);
        rc |= ct_json_put_string(h, names[i], strlen(names[i]));
        rc |= ct_buf_put(h, ":{\"dtype\":\"", 11);
        const char *dn = st_dtypes[dtype_index(t->dtype)].name;
        rc |= ct_buf_put(h, dn, strlen(dn));
        rc |= ct_buf_put(h, "\",\"shape\":[", 11);
        for (int d = 0; d < t->ndim; d++) {
            if (d)
                rc |= ct_buf_put(h, ",", 1);
            rc |= put_int(h, t->sizes[d]);
        }
        int64_t nbytes = ct_numel(t) * (int64_t)ct_dtype_size(t->dtype);
        rc |= ct_buf_put(h, "],\"data_offsets\":[", 18);
        rc |= put_int(h, offset);
        rc |= ct_buf_put(h, ",", 1);
        rc |= put_int(h, offset + nbytes);
        rc |= ct_buf_put(h, "]}", 2);
        offset += nbytes;
    }
    rc |= ct_buf_put(h, "}", 1);
    /* spaces so that the data starts at a multiple of 8 */
    while (rc == 0 && h->len % 8 != 0)
        rc = ct_buf_put(h, " ", 1);
    return rc ? -1 : 0;
}

static int write_tensor(ct_writer *w, ct_tensor *t)
{
    ct_tensor *c = ct_raw_contiguous(t);
    if (!c)
        return -1;
    size_t el = ct_dtype_size(c->dtype);
    int rc = ct_writer_write_le(w, ct_tensor_data(c), (size_t)ct_numel(c), el);
    ct_release(c);
    return rc;
}

int ct_safetensors_save_op(const char *op, const char *path, int64_t n, const char *const *names,
                           ct_tensor *const *tensors, int64_t n_meta, const char *const *keys,
                           const char *const *values)
{
    if (check_save_args(op, n, names, tensors, n_meta, keys, values) < 0)
        return -1;
    st_order *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    st_order *meta_order = malloc((size_t)(n_meta ? n_meta : 1) * sizeof *meta_order);
    ct_buf h = {0};
    int rc = -1;
    if (!order || !meta_order) {
        ct_fail("%s: out of memory", op);
        goto done;
    }
    for (int64_t i = 0; i < n; i++)
        order[i] = (st_order){st_dtypes[dtype_index(tensors[i]->dtype)].rank, names[i], i};
    qsort(order, (size_t)n, sizeof *order, by_rank_name);
    for (int64_t i = 0; i < n_meta; i++)
        meta_order[i] = (st_order){0, keys[i], i};
    qsort(meta_order, (size_t)n_meta, sizeof *meta_order, by_name);
    if (ct_buf_put(&h, "\0\0\0\0\0\0\0\0", 8) < 0 ||
        build_header(&h, n, order, names, tensors, n_meta, keys, values, meta_order) < 0)
        goto done;
    ct_put_le_u64(h.data, h.len - 8);
    ct_writer w;
    if (ct_writer_open(&w, op, path) < 0)
        goto done;
    if (ct_writer_write(&w, h.data, h.len) < 0)
        goto abort;
    for (int64_t k = 0; k < n; k++)
        if (write_tensor(&w, tensors[order[k].index]) < 0)
            goto abort;
    rc = ct_writer_commit(&w);
    goto done;
abort:
    ct_writer_abort(&w);
done:
    ct_buf_free(&h);
    free(order);
    free(meta_order);
    return rc;
}

/* ================================================================ loading */

typedef struct st_entry {
    char *name;
    ct_dtype dtype;
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    int64_t begin, end;
} st_entry;

typedef struct st_header {
    st_entry *entries;
    int64_t count, cap;
    char **meta_keys, **meta_values;
    int64_t meta_count, meta_cap;
    int has_meta;
} st_header;

static void header_free(st_header *h)
{
    for (int64_t i = 0; i < h->count; i++)
        free(h->entries[i].name);
    for (int64_t i = 0; i < h->meta_count; i++) {
        free(h->meta_keys[i]);
        free(h->meta_values[i]);
    }
    free(h->entries);
    free(h->meta_keys);
    free(h->meta_values);
    memset(h, 0, sizeof *h);
}

static int grow(void **p, int64_t *cap, size_t elsize)
{
    int64_t n = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, (size_t)n * elsize);
    if (!q)
        return ct_fail("out of memory");
    *p = q;
    *cap = n;
    return 0;
}

static int parse_metadata(ct_json *j, st_header *h, ct_buf *s)
{
    if (h->has_meta)
        return ct_json_fail(j, "'__metadata__' appears twice");
    h->has_meta = 1;
    if (ct_json_expect(j, '{') < 0)
        return -1;
    if (ct_json_accept(j, '}'))
        return 0;
    do {
        if (h->meta_count == h->meta_cap) {
            int64_t cap = h->meta_cap;
            if (grow((void **)&h->meta_keys, &cap, sizeof(char *)) < 0 ||
                grow((void **)&h->meta_values, &h->meta_cap, sizeof(char *)) < 0)
                return -1;
        }
        char *key = NULL, *value = NULL;
        if (ct_json_string(j, s) < 0 || !(key = strdup((char *)s->data)))
            return -1;
        if (ct_json_expect(j, ':') < 0) {
            free(key);
            return -1;
        }
        ct_json_ws(j);
        if (j->pos >= j->n || j->s[j->pos] != '"') {
            free(key);
            return ct_json_fail(j, "metadata values must be strings");
        }
        if (ct_json_string(j, s) < 0 || !(value = strdup((char *)s->data))) {
            free(key);
            return -1;
        }
        h->meta_keys[h->meta_count] = key;
        h->meta_values[h->meta_count++] = value;
    } while (ct_json_accept(j, ','));
    return ct_json_expect(j, '}');
}

static int parse_shape(ct_json *j, st_entry *e)
{
    if (ct_json_expect(j, '[') < 0)
        return -1;
    if (ct_json_accept(j, ']'))
        return 0;
    do {
        if (e->ndim == CT_MAX_DIMS)
            return ct_json_fail(j, "a shape with more than %d dims", CT_MAX_DIMS);
        if (ct_json_uint(j, &e->sizes[e->ndim++]) < 0)
            return -1;
    } while (ct_json_accept(j, ','));
    return ct_json_expect(j, ']');
}

static int parse_tensor_info(ct_json *j, st_entry *e, ct_buf *s)
{
    int have_dtype = 0, have_shape = 0, have_offsets = 0;
    if (ct_json_expect(j, '{') < 0)
        return -1;
    if (!ct_json_accept(j, '}')) {
        do {
            if (ct_json_string(j, s) < 0 || ct_json_expect(j, ':') < 0)
                return -1;
            const char *key = (const char *)s->data;
            if (strcmp(key, "dtype") == 0 && !have_dtype) {
                have_dtype = 1;
                if (ct_json_string(j, s) < 0)
                    return -1;
                size_t i = 0;
                while (i < ST_NUM_DTYPES && strcmp(st_dtypes[i].name, (const char *)s->data) != 0)
                    i++;
                if (i == ST_NUM_DTYPES)
                    return ct_fail("%s: %s holds tensor '%.200s' of dtype %.20s, which ctorch does not "
                                   "support (F64 F32 F16 BF16 I64 I32 U8 BOOL)",
                                   j->op, j->path, e->name, (const char *)s->data);
                e->dtype = st_dtypes[i].dtype;
            } else if (strcmp(key, "shape") == 0 && !have_shape) {
                have_shape = 1;
                if (parse_shape(j, e) < 0)
                    return -1;
            } else if (strcmp(key, "data_offsets") == 0 && !have_offsets) {
                have_offsets = 1;
                if (ct_json_expect(j, '[') < 0 || ct_json_uint(j, &e->begin) < 0 || ct_json_expect(j, ',') < 0 ||
                    ct_json_uint(j, &e->end) < 0 || ct_json_expect(j, ']') < 0)
                    return -1;
            } else {
                return ct_json_fail(j, "unexpected or repeated key '%.40s' in tensor '%.100s'", key, e->name);
            }
        } while (ct_json_accept(j, ','));
        if (ct_json_expect(j, '}') < 0)
            return -1;
    }
    if (!have_dtype || !have_shape || !have_offsets)
        return ct_json_fail(j, "tensor '%.100s' lacks its dtype, shape or data_offsets", e->name);
    return 0;
}

static int parse_header(ct_json *j, st_header *h)
{
    ct_buf s = {0};
    int rc = -1;
    if (ct_json_expect(j, '{') < 0)
        goto done;
    if (!ct_json_accept(j, '}')) {
        do {
            if (ct_json_string(j, &s) < 0 || ct_json_expect(j, ':') < 0)
                goto done;
            if (strcmp((const char *)s.data, "__metadata__") == 0) {
                if (parse_metadata(j, h, &s) < 0)
                    goto done;
                continue;
            }
            if (h->count == h->cap && grow((void **)&h->entries, &h->cap, sizeof *h->entries) < 0)
                goto done;
            st_entry *e = &h->entries[h->count];
            memset(e, 0, sizeof *e);
            if (!(e->name = strdup((const char *)s.data)))
                goto done;
            h->count++;
            if (parse_tensor_info(j, e, &s) < 0)
                goto done;
        } while (ct_json_accept(j, ','));
        if (ct_json_expect(j, '}') < 0)
            goto done;
    }
    ct_json_ws(j);
    if (j->pos != j->n) {
        ct_json_fail(j, "text after the header's object");
        goto done;
    }
    rc = 0;
done:
    ct_buf_free(&s);
    return rc;
}

static int by_begin(const void *x, const void *y)
{
    const st_entry *a = x, *b = y;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    return a->end < b->end ? -1 : a->end > b->end;
}

/* Names unique, sizes match the dtype, tensors tile the buffer exactly. */
static int check_layout(const char *op, const char *path, st_header *h, uint64_t buffer)
{
    int failed;
    const char *dup = NULL;
    char **names = malloc((size_t)(h->count ? h->count : 1) * sizeof *names);
    if (names) {
        for (int64_t i = 0; i < h->count; i++)
            names[i] = h->entries[i].name;
        dup = duplicate(h->count, (const char *const *)names, &failed);
        free(names);
    }
    if (!names || failed)
        return ct_fail("%s: out of memory", op);
    if (dup)
        return ct_fail("%s: %s is corrupt (tensor '%.200s' appears twice in the header)", op, path, dup);
    dup = duplicate(h->meta_count, (const char *const *)h->meta_keys, &failed);
    if (failed)
        return ct_fail("%s: out of memory", op);
    if (dup)
        return ct_fail("%s: %s is corrupt (metadata key '%.200s' appears twice)", op, path, dup);
    for (int64_t i = 0; i < h->count; i++) {
        st_entry *e = &h->entries[i];
        int64_t bytes = (int64_t)ct_dtype_size(e->dtype);
        for (int d = 0; d < e->ndim; d++)
            if (__builtin_mul_overflow(bytes, e->sizes[d], &bytes))
                return ct_fail("%s: %s is corrupt (tensor '%.200s' is too large)", op, path, e->name);
        if (e->end < e->begin || e->end - e->begin != bytes)
            return ct_fail("%s: %s is corrupt (tensor '%.200s' has data_offsets [%lld, %lld] but its dtype and "
                           "shape need %lld bytes)",
                           op, path, e->name, (long long)e->begin, (long long)e->end, (long long)bytes);
    }
    if (h->count > 1)
        qsort(h->entries, (size_t)h->count, sizeof *h->entries, by_begin);
    int64_t at = 0;
    for (int64_t i = 0; i < h->count; i++) {
        st_entry *e = &h->entries[i];
        if ((uint64_t)e->end > buffer)
            return ct_fail("%s: %s is truncated (tensor '%.200s' needs bytes %lld..%lld of a data buffer of "
                           "%llu bytes)",
                           op, path, e->name, (long long)e->begin, (long long)e->end, (unsigned long long)buffer);
        if (e->begin < at)
            return ct_fail("%s: %s is corrupt (tensor '%.200s' overlaps the tensor before it)", op, path,
                           e->name);
        if (e->begin > at)
            return ct_fail("%s: %s is corrupt (bytes %lld..%lld of the data belong to no tensor)", op, path,
                           (long long)at, (long long)e->begin);
        at = e->end;
    }
    if ((uint64_t)at != buffer)
        return ct_fail("%s: %s is corrupt (%llu bytes after the last tensor's data)", op, path,
                       (unsigned long long)(buffer - (uint64_t)at));
    return 0;
}

static int read_tensors(ct_reader *r, uint64_t data_start, st_header *h, ct_named_tensors *out)
{
    out->names = calloc((size_t)(h->count ? h->count : 1), sizeof *out->names);
    out->tensors = calloc((size_t)(h->count ? h->count : 1), sizeof *out->tensors);
    if (!out->names || !out->tensors)
        return ct_fail("%s: out of memory", r->op);
    out->count = h->count;
    for (int64_t i = 0; i < h->count; i++) {
        st_entry *e = &h->entries[i];
        out->names[i] = e->name; /* moved */
        e->name = NULL;
        ct_tensor *t = ct_empty(e->ndim, e->sizes, e->dtype);
        if (!t)
            return -1;
        out->tensors[i] = t;
        size_t el = ct_dtype_size(e->dtype);
        if (ct_reader_read(r, data_start + (uint64_t)e->begin, ct_tensor_data(t), (size_t)(e->end - e->begin),
                           "tensor data") < 0)
            return -1;
        if (!ct_host_is_little_endian())
            ct_swap_bytes(ct_tensor_data(t), (size_t)ct_numel(t), el);
    }
    out->meta_count = h->meta_count;
    out->meta_keys = h->meta_keys;
    out->meta_values = h->meta_values;
    h->meta_keys = h->meta_values = NULL;
    h->meta_count = 0;
    return 0;
}

int ct_safetensors_save(const char *path, int64_t n, const char *const *names, ct_tensor *const *tensors,
                        int64_t n_meta, const char *const *keys, const char *const *values)
{
    return ct_safetensors_save_op("ct_safetensors_save", path, n, names, tensors, n_meta, keys, values);
}

int ct_safetensors_load(const char *path, ct_named_tensors *out)
{
    return ct_safetensors_load_op("ct_safetensors_load", path, out);
}

int ct_safetensors_load_op(const char *op, const char *path, ct_named_tensors *out)
{
    memset(out, 0, sizeof *out);
    ct_reader r;
    st_header h = {0};
    unsigned char *text = NULL, len8[8];
    int rc = -1;
    if (ct_reader_open(&r, op, path) < 0)
        return -1;
    if (ct_reader_read(&r, 0, len8, 8, "header length") < 0)
        goto done;
    uint64_t n = ct_le_u64(len8);
    if (n > ST_MAX_HEADER) {
        ct_fail("%s: %s is corrupt (a header of %llu bytes, more than the %llu allowed)", op, path,
                (unsigned long long)n, ST_MAX_HEADER);
        goto done;
    }
    if (n > r.size - 8) {
        ct_fail("%s: %s is truncated (expected %llu bytes of JSON header at offset 8, file has %llu)", op, path,
                (unsigned long long)n, (unsigned long long)r.size);
        goto done;
    }
    text = malloc(n ? (size_t)n : 1);
    if (!text) {
        ct_fail("%s: out of memory", op);
        goto done;
    }
    if (ct_reader_read(&r, 8, text, (size_t)n, "JSON header") < 0)
        goto done;
    ct_json j = {text, (size_t)n, 0, op, r.path};
    if (parse_header(&j, &h) < 0 || check_layout(op, r.path, &h, r.size - 8 - n) < 0 ||
        read_tensors(&r, 8 + n, &h, out) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0)
        ct_named_tensors_free(out);
    header_free(&h);
    free(text);
    ct_reader_close(&r);
    return rc;
}
