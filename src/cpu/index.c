/*
 * index.c -- CPU kernels for indexing: gather/scatter loops (which also serve
 * index_select, index_add_, index_copy_, index_fill_), masks and nonzero.
 *
 * Gathering and scattering move whole elements, so they work on bytes by
 * element size; a run that shares one index (a row of index_select along
 * dim 1, a slice of index_add_) becomes a single memcpy.  Only scatter_add
 * does arithmetic: typed float32/float64 loops, exact int64 for integers.
 */
#include <string.h>

#include "cpu/index.h"

/* One element of es bytes. */
static inline void move_elem(char *dst, const char *src, size_t es)
{
    switch (es) {
    case 1: *dst = *src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
    }
}

/* n elements from src (byte stride ss, 0 repeats one value) to dst (byte stride ds). */
static void copy_run(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n, size_t es)
{
    if (ds == (int64_t)es && ss == (int64_t)es) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        move_elem(dst + i * ds, src + i * ss, es);
}

static inline int64_t load_index(ct_dtype dtype, const char *p)
{
    return dtype == CT_INT64 ? *(const int64_t *)p : (int64_t)*(const int32_t *)p;
}

/* ---------------------------------------------------------------- gather */

static void gather_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    const ct_index_kernel *k = arg;
    size_t es = ct_dtype_size(k->dtype);
    if (s[1] == 0) { /* the whole run reads one source slice: a row copy */
        int64_t i = load_index(k->index_dtype, d[1]);
        copy_run(d[0], s[0], d[2] + i * k->dim_stride, s[2], n, es);
        return;
    }
    if (k->dtype == CT_FLOAT32 && k->index_dtype == CT_INT64 && s[0] == 4) {
        float *out = (float *)d[0];
        for (int64_t j = 0; j < n; j++) {
            int64_t i = *(const int64_t *)(d[1] + j * s[1]);
            out[j] = *(const float *)(d[2] + j * s[2] + i * k->dim_stride);
        }
        return;
    }
    for (int64_t j = 0; j < n; j++) {
        int64_t i = load_index(k->index_dtype, d[1] + j * s[1]);
        move_elem(d[0] + j * s[0], d[2] + j * s[2] + i * k->dim_stride, es);
    }
}

void ct_cpu_gather(const ct_loop *loop, const ct_index_kernel *k)
{
    ct_loop_run(loop, gather_inner, (void *)k);
}

/* ---------------------------------------------------------------- scatter */

static void scatter_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    const ct_index_kernel *k = arg;
    size_t es = ct_dtype_size(k->dtype);
    if (s[1] == 0) { /* one target slice for the whole run */
        int64_t i = load_index(k->index_dtype, d[1]);
        copy_run(d[0] + i * k->dim_stride, s[0], d[2], s[2], n, es);
        return;
    }
    for (int64_t j = 0; j < n; j++) {
        int64_t i = load_index(k->index_dtype, d[1] + j * s[1]);
        move_elem(d[0] + j * s[0] + i * k->dim_stride, d[2] + j * s[2], es);
    }
}

/* target += source, exact for integers (bool: logical or). */
static void add_generic(ct_dtype dtype, char *dst, const char *src)
{
    ct_scalar a = ct_scalar_load(dtype, dst), b = ct_scalar_load(dtype, src);
    if (a.kind == CT_SCALAR_FLOAT)
        ct_scalar_store(ct_scalar_float(a.d + b.d), dtype, dst);
    else
        ct_scalar_store(ct_scalar_int((int64_t)((uint64_t)a.i + (uint64_t)b.i)), dtype, dst);
}

static void scatter_add_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    const ct_index_kernel *k = arg;
    int64_t ds = k->dim_stride;
    switch (k->dtype) {
    case CT_FLOAT32:
        for (int64_t j = 0; j < n; j++) {
            int64_t i = load_index(k->index_dtype, d[1] + j * s[1]);
            *(float *)(d[0] + j * s[0] + i * ds) += *(const float *)(d[2] + j * s[2]);
        }
        break;
    case CT_FLOAT64:
        for (int64_t j = 0; j < n; j++) {
            int64_t i = load_index(k->index_dtype, d[1] + j * s[1]);
            *(double *)(d[0] + j * s[0] + i * ds) += *(const double *)(d[2] + j * s[2]);
        }
        break;
    default:
        for (int64_t j = 0; j < n; j++) {
            int64_t i = load_index(k->index_dtype, d[1] + j * s[1]);
            add_generic(k->dtype, d[0] + j * s[0] + i * ds, d[2] + j * s[2]);
        }
        break;
    }
}

void ct_cpu_scatter(const ct_loop *loop, const ct_index_kernel *k, int accumulate)
{
    if (loop->numel == 0) /* run_range cannot start in an empty shape */
        return;
    ct_loop_run_range(loop, accumulate ? scatter_add_inner : scatter_inner, (void *)k, 0, loop->numel);
}

/* ---------------------------------------------------------------- index checks */

typedef struct {
    ct_dtype dtype;
    int64_t size;
    int found;
    int64_t bad;
} check_ctx;

static void check_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    check_ctx *c = arg;
    if (c->found)
        return;
    for (int64_t j = 0; j < n; j++) {
        int64_t v = load_index(c->dtype, d[0] + j * s[0]);
        if (v < 0 || v >= c->size) {
            c->found = 1;
            c->bad = v;
            return;
        }
    }
}

int ct_cpu_check_indices(const ct_loop *loop, ct_dtype index_dtype, int64_t size, int64_t *bad)
{
    check_ctx c = {index_dtype, size, 0, 0};
    if (loop->numel == 0)
        return 0;
    ct_loop_run_range(loop, check_inner, &c, 0, loop->numel);
    if (c.found)
        *bad = c.bad;
    return c.found ? -1 : 0;
}

/* ---------------------------------------------------------------- masks */

typedef struct {
    ct_dtype dtype;
    const char *value;
} fill_ctx;

static void masked_fill_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    const fill_ctx *c = arg;
    const uint8_t *m = (const uint8_t *)d[1];
    if (c->dtype == CT_FLOAT32 && s[0] == 4 && s[1] == 1) {
        float *o = (float *)d[0], v;
        memcpy(&v, c->value, sizeof v);
        for (int64_t j = 0; j < n; j++) /* a select, not a branch: vectorizes */
            o[j] = m[j] ? v : o[j];
        return;
    }
    size_t es = ct_dtype_size(c->dtype);
    for (int64_t j = 0; j < n; j++)
        if (m[j * s[1]])
            move_elem(d[0] + j * s[0], c->value, es);
}

void ct_cpu_masked_fill(const ct_loop *loop, ct_dtype dtype, const void *value)
{
    fill_ctx c = {dtype, value};
    ct_loop_run(loop, masked_fill_inner, &c);
}

static void count_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    int64_t count = 0;
    if (s[0] == 1) {
        const uint8_t *m = (const uint8_t *)d[0];
        for (int64_t j = 0; j < n; j++)
            count += m[j] != 0;
        *(int64_t *)arg += count;
        return;
    }
    for (int64_t j = 0; j < n; j++)
        count += *(const uint8_t *)(d[0] + j * s[0]) != 0;
    *(int64_t *)arg += count;
}

int64_t ct_cpu_mask_count(const ct_loop *loop)
{
    int64_t count = 0;
    if (loop->numel == 0)
        return 0;
    ct_loop_run_range(loop, count_inner, &count, 0, loop->numel);
    return count;
}

typedef struct {
    size_t es;
    char *cursor;       /* next output slot (select) or source value (scatter) */
    int64_t step;       /* bytes the cursor moves per selected element */
    char *end;          /* one past the last output slot (select) */
} mask_walk;

static void masked_select_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    mask_walk *w = arg;
    if (w->es == 4 && s[0] == 4 && s[1] == 1) { /* float32/int32, contiguous */
        /* branch-free: always write, advance only past selected values; the
         * slot after the last selected one does not exist, so stop there */
        const uint32_t *a = (const uint32_t *)d[0];
        const uint8_t *m = (const uint8_t *)d[1];
        uint32_t *o = (uint32_t *)w->cursor, *end = (uint32_t *)w->end;
        for (int64_t j = 0; j < n && o < end; j++) {
            *o = a[j];
            o += m[j] != 0;
        }
        w->cursor = (char *)o;
        return;
    }
    for (int64_t j = 0; j < n; j++)
        if (*(const uint8_t *)(d[1] + j * s[1])) {
            move_elem(w->cursor, d[0] + j * s[0], w->es);
            w->cursor += w->step;
        }
}

void ct_cpu_masked_select(const ct_loop *loop, ct_dtype dtype, void *out, int64_t count)
{
    mask_walk w = {ct_dtype_size(dtype), out, (int64_t)ct_dtype_size(dtype),
                   (char *)out + count * (int64_t)ct_dtype_size(dtype)};
    if (loop->numel == 0)
        return;
    ct_loop_run_range(loop, masked_select_inner, &w, 0, loop->numel);
}

static void masked_scatter_inner(void *arg, char **d, const int64_t *s, int64_t n)
{
    mask_walk *w = arg;
    for (int64_t j = 0; j < n; j++)
        if (*(const uint8_t *)(d[1] + j * s[1])) {
            move_elem(d[0] + j * s[0], w->cursor, w->es);
            w->cursor += w->step;
        }
}

void ct_cpu_masked_scatter(const ct_loop *loop, ct_dtype dtype, const void *src, int src_step)
{
    size_t es = ct_dtype_size(dtype);
    mask_walk w = {es, (char *)src, src_step ? (int64_t)es : 0, NULL};
    if (loop->numel == 0)
        return;
    ct_loop_run_range(loop, masked_scatter_inner, &w, 0, loop->numel);
}

/* ---------------------------------------------------------------- nonzero */

static inline int is_nonzero(ct_dtype dtype, const char *p)
{
    switch (dtype) {
    case CT_FLOAT32: return *(const float *)p != 0;
    case CT_FLOAT64: return *(const double *)p != 0;
    case CT_INT64: return *(const int64_t *)p != 0;
    case CT_INT32: return *(const int32_t *)p != 0;
    case CT_FLOAT16:
    case CT_BFLOAT16: return (*(const uint16_t *)p & 0x7fff) != 0; /* +0 and -0 are zero */
    default: return *(const uint8_t *)p != 0;
    }
}

int64_t ct_cpu_count_nonzero(const void *data, int64_t n, ct_dtype dtype)
{
    int64_t count = 0;
    if (dtype == CT_FLOAT32) {
        const float *f = data;
        for (int64_t i = 0; i < n; i++)
            count += f[i] != 0;
        return count;
    }
    size_t es = ct_dtype_size(dtype);
    for (int64_t i = 0; i < n; i++)
        count += is_nonzero(dtype, (const char *)data + (size_t)i * es);
    return count;
}

void ct_cpu_nonzero(const void *data, int ndim, const int64_t *sizes, ct_dtype dtype, int64_t *out)
{
    int64_t n = ct_shape_numel(ndim, sizes), coord[CT_MAX_DIMS] = {0};
    size_t es = ct_dtype_size(dtype);
    for (int64_t i = 0; i < n; i++) {
        if (is_nonzero(dtype, (const char *)data + (size_t)i * es)) {
            memcpy(out, coord, sizeof(int64_t) * (size_t)ndim);
            out += ndim;
        }
        for (int d = ndim - 1; d >= 0; d--) { /* next row-major coordinate */
            if (++coord[d] < sizes[d])
                break;
            coord[d] = 0;
        }
    }
}
