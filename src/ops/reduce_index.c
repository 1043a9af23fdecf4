/*
 * reduce_index.c -- dispatch for max/min along a dim (values and indices),
 * argmax/argmin and cumsum.  Indices are 0-based int64.
 */
#include <string.h>

#include "ops/reduce.h"

/* t's geometry, a 0-dim tensor seen as one element along one dim. */
typedef struct {
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    int64_t strides[CT_MAX_DIMS];
} shape_view;

static void view_of(const ct_tensor *t, shape_view *v)
{
    if (t->ndim == 0) {
        v->ndim = 1;
        v->sizes[0] = 1;
        v->strides[0] = 0;
    } else {
        v->ndim = t->ndim;
        memcpy(v->sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim);
        memcpy(v->strides, t->strides, sizeof(int64_t) * (size_t)t->ndim);
    }
}

/* Values (optional) and indices of the max or min along dim d of v, into
 * contiguous tensors of shape (ndim, sizes). */
static int arg_reduce(const char *name, bool is_max, const ct_tensor *t, const shape_view *v, int d, int ndim,
                      const int64_t *sizes, ct_tensor **values, ct_tensor **indices)
{
    if (v->sizes[d] == 0) {
        char shape[128];
        return ct_fail("%s: cannot reduce over dim %d of size 0 (input shape %s): the operation has no "
                       "identity",
                       name, d + 1, ct_shape_str(t, shape, sizeof shape));
    }
    ct_tensor *vals = NULL, *idx = ct_empty(ndim, sizes, CT_INT64);
    if (!idx)
        return -1;
    if (values) {
        vals = ct_empty(ndim, sizes, t->dtype);
        if (!vals) {
            ct_release(idx);
            return -1;
        }
    }
    bool mask[CT_MAX_DIMS];
    int64_t out_strides[CT_MAX_DIMS], stride = 1;
    for (int i = v->ndim - 1; i >= 0; i--) {
        mask[i] = i == d;
        out_strides[i] = i == d ? 0 : stride;
        if (i != d)
            stride *= v->sizes[i];
    }
    ct_reduce_geom g;
    ct_reduce_geom_build(&g, v->ndim, v->sizes, v->strides, out_strides, mask, true);
    if (ct_cpu_arg_reduce(&g, is_max, t->dtype, ct_tensor_data(t), vals ? ct_tensor_data(vals) : NULL,
                          (int64_t *)ct_tensor_data(idx)) < 0) {
        ct_release(vals);
        ct_release(idx);
        return -1;
    }
    if (values)
        *values = vals;
    *indices = idx;
    return 0;
}

/* Output shape of a reduction over dim d alone. */
static int dim_out_shape(const ct_tensor *t, int d, int keepdim, int64_t *sizes)
{
    int n = 0;
    for (int i = 0; i < t->ndim; i++) {
        if (i != d)
            sizes[n++] = t->sizes[i];
        else if (keepdim)
            sizes[n++] = 1;
    }
    return n;
}

static int minmax_dim(const char *name, bool is_max, ct_tensor *t, int dim, int keepdim, ct_tensor **values,
                      ct_tensor **indices)
{
    int d;
    if (ct_wrap_dim(name, dim, t->ndim, &d) < 0)
        return -1;
    shape_view v;
    view_of(t, &v);
    int64_t sizes[CT_MAX_DIMS];
    int ndim = dim_out_shape(t, d, keepdim, sizes);
    return arg_reduce(name, is_max, t, &v, d, ndim, sizes, values, indices);
}

int ct_raw_max_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices)
{
    return minmax_dim("max", true, t, dim, keepdim, values, indices);
}

int ct_raw_min_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices)
{
    return minmax_dim("min", false, t, dim, keepdim, values, indices);
}

static ct_tensor *arg_index(const char *name, bool is_max, ct_tensor *t, int dim, int all_dims, int keepdim)
{
    ct_tensor *idx = NULL;
    if (!all_dims) {
        if (minmax_dim(name, is_max, t, dim, keepdim, NULL, &idx) < 0)
            return NULL;
        return idx;
    }
    /* the flat position in row-major order: over a contiguous copy */
    int64_t numel = ct_numel(t);
    if (numel == 0) {
        char shape[128];
        ct_fail("%s: cannot take the %s of an empty tensor (shape %s)", name, name,
                ct_shape_str(t, shape, sizeof shape));
        return NULL;
    }
    ct_tensor *c = ct_raw_contiguous(t);
    if (!c)
        return NULL;
    shape_view v = {1, {numel}, {1}};
    int64_t sizes[CT_MAX_DIMS];
    int ndim = keepdim ? t->ndim : 0;
    for (int i = 0; i < ndim; i++)
        sizes[i] = 1;
    int rc = arg_reduce(name, is_max, c, &v, 0, ndim, sizes, NULL, &idx);
    ct_release(c);
    return rc < 0 ? NULL : idx;
}

ct_tensor *ct_argmax(ct_tensor *t, int dim, int all_dims, int keepdim)
{
    return arg_index("argmax", true, t, dim, all_dims, keepdim);
}

ct_tensor *ct_argmin(ct_tensor *t, int dim, int all_dims, int keepdim)
{
    return arg_index("argmin", false, t, dim, all_dims, keepdim);
}

ct_tensor *ct_raw_cumsum(ct_tensor *t, int dim)
{
    int d;
    if (ct_wrap_dim("cumsum", dim, t->ndim, &d) < 0)
        return NULL;
    ct_dtype out_dtype = ct_dtype_is_float(t->dtype) ? t->dtype : CT_INT64;
    ct_tensor *out = ct_empty(t->ndim, t->sizes, out_dtype);
    if (!out)
        return NULL;
    shape_view v, ov;
    view_of(t, &v);
    view_of(out, &ov);
    bool mask[CT_MAX_DIMS];
    for (int i = 0; i < v.ndim; i++)
        mask[i] = i == d;
    ct_reduce_geom g;
    ct_reduce_geom_build(&g, v.ndim, v.sizes, v.strides, ov.strides, mask, true);
    ct_cpu_cumsum(&g, t->dtype, ct_tensor_data(t), out_dtype, ct_tensor_data(out));
    return out;
}
