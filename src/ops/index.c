/*
 * index.c -- dispatch for indexing along a dim: index_select, gather,
 * scatter, scatter_add_, index_add_, index_copy_, index_fill_.
 *
 * All of them are one loop over the shape of the (broadcast) index, with the
 * indexed tensor's own step along `dim` replaced by the index value (see
 * cpu/index.h): index_select is a gather with a 1-D index spread over the
 * other dims, index_add_/index_copy_/index_fill_ are scatters likewise.
 * Every index value is checked before anything is written, so an error never
 * leaves a half-modified tensor.
 */
#include <string.h>

#include "core/loop.h"
#include "cpu/index.h"

/* A tensor's geometry with 0-D treated as 1-D of size 1, so loops and checks
 * need no special case for scalars. */
typedef struct {
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    int64_t strides[CT_MAX_DIMS];
} geom;

static void geom_of(const ct_tensor *t, geom *g)
{
    if (t->ndim == 0) {
        g->ndim = 1;
        g->sizes[0] = 1;
        g->strides[0] = 0;
        return;
    }
    g->ndim = t->ndim;
    memcpy(g->sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim);
    memcpy(g->strides, t->strides, sizeof(int64_t) * (size_t)t->ndim);
}

static int check_index_dtype(const char *op, const ct_tensor *index)
{
    if (index->dtype != CT_INT64 && index->dtype != CT_INT32)
        return ct_fail("%s: the index must be an int64 or int32 tensor, got %s", op,
                       ct_dtype_name(index->dtype));
    return 0;
}

/* Every value of index in [0, size); the message gives the value 1-based. */
static int check_index_values(const char *op, const ct_tensor *index, int dim, int64_t size)
{
    ct_loop loop;
    ct_loop_begin(&loop, index->ndim, index->sizes);
    ct_loop_add(&loop, index);
    ct_loop_finish(&loop);
    int64_t bad;
    if (ct_cpu_check_indices(&loop, index->dtype, size, &bad) < 0)
        return ct_fail("%s: index %lld is out of range for dim %d of size %lld", op,
                       (long long)bad + 1, dim + 1, (long long)size);
    return 0;
}

/* An operand that does not move along `dim` (the index value moves it). */
static void add_pinned(ct_loop *loop, const ct_tensor *t, const geom *g, int dim)
{
    int64_t strides[CT_MAX_DIMS];
    memcpy(strides, g->strides, sizeof(int64_t) * (size_t)g->ndim);
    strides[dim] = 0;
    ct_loop_add_raw(loop, ct_tensor_data(t), strides, ct_dtype_size(t->dtype));
}

/* A 0-D or 1-D index spread over the loop's shape: it moves along dim only. */
static void add_spread_index(ct_loop *loop, const ct_tensor *index, int dim)
{
    int64_t strides[CT_MAX_DIMS] = {0};
    strides[dim] = index->ndim == 1 ? index->strides[0] : 0;
    ct_loop_add_raw(loop, ct_tensor_data(index), strides, ct_dtype_size(index->dtype));
}

static ct_index_kernel kernel_for(const ct_tensor *t, const geom *g, int dim, const ct_tensor *index)
{
    ct_index_kernel k = {t->dtype, index->dtype, g->strides[dim] * (int64_t)ct_dtype_size(t->dtype)};
    return k;
}

/* ---------------------------------------------------------------- gathers */

ct_tensor *ct_raw_index_select(ct_tensor *t, int dim, ct_tensor *index)
{
    const char *op = "index_select";
    int d;
    char a[128];
    if (ct_check_same_device(op, t, index) < 0 || check_index_dtype(op, index) < 0 ||
        ct_wrap_dim(op, dim, t->ndim, &d) < 0)
        return NULL;
    if (index->ndim > 1) {
        ct_fail("%s: the index must be 0-D or 1-D, got shape %s", op, ct_shape_str(index, a, sizeof a));
        return NULL;
    }
    geom g;
    geom_of(t, &g);
    if (check_index_values(op, index, d, g.sizes[d]) < 0)
        return NULL;
    int64_t n = ct_numel(index);
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, g.sizes, sizeof(int64_t) * (size_t)g.ndim);
    shape[d] = n;
    /* a 0-D input gives the index's shape */
    ct_tensor *out = t->ndim == 0 ? ct_empty(index->ndim, index->sizes, t->dtype)
                                  : ct_empty(g.ndim, shape, t->dtype);
    if (!out)
        return NULL;
    int64_t out_strides[CT_MAX_DIMS];
    ct_contiguous_strides(g.ndim, shape, out_strides);
    ct_loop loop;
    ct_loop_begin(&loop, g.ndim, shape);
    ct_loop_add_raw(&loop, ct_tensor_data(out), out_strides, ct_dtype_size(t->dtype));
    add_spread_index(&loop, index, d);
    add_pinned(&loop, t, &g, d);
    ct_loop_finish(&loop);
    ct_index_kernel k = kernel_for(t, &g, d, index);
    ct_cpu_gather(&loop, &k);
    return out;
}

/* index has t's number of dims and is no larger than `bound` outside dim
 * (and nowhere larger than `src` when given). */
static int check_gather_shapes(const char *op, const geom *gt, const geom *gi, const geom *gs, int d,
                               const ct_tensor *t, const ct_tensor *index, const ct_tensor *src)
{
    char a[128], b[128];
    if (gi->ndim != gt->ndim)
        return ct_fail("%s: the index %s must have as many dims as the %s %s", op,
                       ct_shape_str(index, a, sizeof a), src ? "target" : "input", ct_shape_str(t, b, sizeof b));
    for (int i = 0; i < gi->ndim; i++)
        if (i != d && gi->sizes[i] > gt->sizes[i])
            return ct_fail("%s: the index %s is larger than the %s %s at dim %d", op,
                           ct_shape_str(index, a, sizeof a), src ? "target" : "input",
                           ct_shape_str(t, b, sizeof b), i + 1);
    if (gs) {
        if (gs->ndim != gi->ndim)
            return ct_fail("%s: the index %s must have as many dims as the source %s", op,
                           ct_shape_str(index, a, sizeof a), ct_shape_str(src, b, sizeof b));
        for (int i = 0; i < gi->ndim; i++)
            if (gi->sizes[i] > gs->sizes[i])
                return ct_fail("%s: the index %s is larger than the source %s at dim %d", op,
                               ct_shape_str(index, a, sizeof a), ct_shape_str(src, b, sizeof b), i + 1);
    }
    return 0;
}

ct_tensor *ct_raw_gather(ct_tensor *t, int dim, ct_tensor *index)
{
    const char *op = "gather";
    int d;
    if (ct_check_same_device(op, t, index) < 0 || check_index_dtype(op, index) < 0 ||
        ct_wrap_dim(op, dim, t->ndim, &d) < 0)
        return NULL;
    geom gt, gi;
    geom_of(t, &gt);
    geom_of(index, &gi);
    if (check_gather_shapes(op, &gt, &gi, NULL, d, t, index, NULL) < 0 ||
        check_index_values(op, index, d, gt.sizes[d]) < 0)
        return NULL;
    ct_tensor *out = ct_empty(index->ndim, index->sizes, t->dtype);
    if (!out)
        return NULL;
    int64_t out_strides[CT_MAX_DIMS];
    ct_contiguous_strides(gi.ndim, gi.sizes, out_strides);
    ct_loop loop;
    ct_loop_begin(&loop, gi.ndim, gi.sizes);
    ct_loop_add_raw(&loop, ct_tensor_data(out), out_strides, ct_dtype_size(t->dtype));
    ct_loop_add_raw(&loop, ct_tensor_data(index), gi.strides, ct_dtype_size(index->dtype));
    add_pinned(&loop, t, &gt, d);
    ct_loop_finish(&loop);
    ct_index_kernel k = kernel_for(t, &gt, d, index);
    ct_cpu_gather(&loop, &k);
    return out;
}

/* ---------------------------------------------------------------- scatters */

/* The source as the kernel reads it: t's dtype, and never sharing memory with
 * t (a write could otherwise change a value before it is read). */
static ct_tensor *prepare_source(ct_tensor *t, ct_tensor *src)
{
    if (src->dtype != t->dtype)
        return ct_raw_to_dtype(src, t->dtype);
    return ct_same_storage(src, t) ? ct_raw_clone(src) : ct_retain(src);
}

static ct_tensor *prepare_index(ct_tensor *t, ct_tensor *index)
{
    return ct_same_storage(index, t) ? ct_raw_clone(index) : ct_retain(index);
}

static int scatter_impl(const char *op, ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                        int accumulate)
{
    int d;
    if (ct_check_same_device(op, t, index) < 0 || ct_check_same_device(op, t, src) < 0 ||
        check_index_dtype(op, index) < 0 || ct_wrap_dim(op, dim, t->ndim, &d) < 0)
        return -1;
    geom gt, gi, gs;
    geom_of(t, &gt);
    geom_of(index, &gi);
    geom_of(src, &gs);
    int scalar_src = src->ndim == 0; /* one value for every position */
    if (check_gather_shapes(op, &gt, &gi, scalar_src ? NULL : &gs, d, t, index, src) < 0 ||
        check_index_values(op, index, d, gt.sizes[d]) < 0)
        return -1;
    if (scalar_src)
        memset(gs.strides, 0, sizeof gs.strides);
    ct_tensor *s = prepare_source(t, src), *ix = s ? prepare_index(t, index) : NULL;
    if (!ix) {
        ct_release(s);
        return -1;
    }
    ct_loop loop;
    ct_loop_begin(&loop, gi.ndim, gi.sizes);
    add_pinned(&loop, t, &gt, d);
    ct_loop_add_raw(&loop, ct_tensor_data(ix), gi.strides, ct_dtype_size(ix->dtype));
    ct_loop_add_raw(&loop, ct_tensor_data(s), gs.strides, ct_dtype_size(s->dtype));
    ct_loop_finish(&loop);
    ct_index_kernel k = kernel_for(t, &gt, d, ix);
    ct_cpu_scatter(&loop, &k, accumulate);
    ct_release(s);
    ct_release(ix);
    ct_tensor_bump_version(t);
    return 0;
}

int ct_raw_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return scatter_impl("scatter_", t, dim, index, src, 0);
}

int ct_raw_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return scatter_impl("scatter_add_", t, dim, index, src, 1);
}

ct_tensor *ct_raw_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    ct_tensor *out = ct_raw_clone(t);
    if (out && scatter_impl("scatter", out, dim, index, src, 0) < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* t.select(dim, index[k]) (op)= src.select(dim, k) for each k; src NULL means
 * the scalar value.  src must have t's shape with dim sized numel(index). */
static int index_put_impl(const char *op, ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                          ct_scalar value, int accumulate)
{
    int d;
    char a[128], b[128], c[128];
    if (ct_check_same_device(op, t, index) < 0 || (src && ct_check_same_device(op, t, src) < 0) ||
        check_index_dtype(op, index) < 0 || ct_wrap_dim(op, dim, t->ndim, &d) < 0)
        return -1;
    if (index->ndim > 1)
        return ct_fail("%s: the index must be 0-D or 1-D, got shape %s", op, ct_shape_str(index, a, sizeof a));
    geom gt, gs;
    geom_of(t, &gt);
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, gt.sizes, sizeof(int64_t) * (size_t)gt.ndim);
    shape[d] = ct_numel(index);
    if (src) {
        geom_of(src, &gs);
        int same = gs.ndim == gt.ndim && memcmp(gs.sizes, shape, sizeof(int64_t) * (size_t)gt.ndim) == 0;
        if (!same)
            return ct_fail("%s: the source shape %s must be %s: the target's shape %s with dim %d "
                           "sized by the index (%lld)", op, ct_shape_str(src, a, sizeof a),
                           ct_sizes_str(gt.ndim, shape, b, sizeof b), ct_shape_str(t, c, sizeof c), d + 1,
                           (long long)shape[d]);
    }
    if (check_index_values(op, index, d, gt.sizes[d]) < 0)
        return -1;
    ct_tensor *s = NULL, *ix = prepare_index(t, index);
    if (!ix)
        return -1;
    int64_t value_buf[2] = {0, 0};
    if (src) {
        s = prepare_source(t, src);
        if (!s) {
            ct_release(ix);
            return -1;
        }
        geom_of(s, &gs);
    } else {
        ct_scalar_store(value, t->dtype, value_buf);
    }
    ct_loop loop;
    ct_loop_begin(&loop, gt.ndim, shape);
    add_pinned(&loop, t, &gt, d);
    add_spread_index(&loop, ix, d);
    if (s)
        ct_loop_add_raw(&loop, ct_tensor_data(s), gs.strides, ct_dtype_size(s->dtype));
    else
        ct_loop_add_raw(&loop, value_buf, NULL, ct_dtype_size(t->dtype));
    ct_loop_finish(&loop);
    ct_index_kernel k = kernel_for(t, &gt, d, ix);
    ct_cpu_scatter(&loop, &k, accumulate);
    ct_release(s);
    ct_release(ix);
    ct_tensor_bump_version(t);
    return 0;
}

int ct_raw_index_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_put_impl("index_add_", t, dim, index, src, ct_scalar_int(0), 1);
}

int ct_raw_index_copy_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_put_impl("index_copy_", t, dim, index, src, ct_scalar_int(0), 0);
}

int ct_raw_index_fill_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value)
{
    return index_put_impl("index_fill_", t, dim, index, NULL, value, 0);
}
