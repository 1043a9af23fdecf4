/*
 * reduce.c -- dispatch for sum, mean, prod, amax, amin, all, any and
 * sum_to_size: dims, result dtypes (PyTorch's), output shapes.
 *
 * Kernels accumulate into a float64 or int64 tensor of the output shape;
 * the result is that tensor, finalized (mean divides) and cast to the
 * output dtype when it differs.
 */
#include <math.h>
#include <string.h>

#include "ops/reduce.h"

static const char *reduce_names[CT_NUM_REDUCE_OPS] = {
    [CT_SUM] = "sum", [CT_MEAN] = "mean", [CT_PROD] = "prod", [CT_AMAX] = "amax",
    [CT_AMIN] = "amin", [CT_ALL] = "all", [CT_ANY] = "any",
};

int ct_reduce_mask(const char *op, const ct_tensor *t, int ndims, const int *dims, bool *mask)
{
    if (ndims < 0 || ndims > CT_MAX_DIMS)
        return ct_fail("%s: %d dims given, at most %d are supported", op, ndims, CT_MAX_DIMS);
    for (int d = 0; d < t->ndim; d++)
        mask[d] = ndims == 0;
    bool seen_scalar_dim = false; /* a 0-dim tensor takes dim 1 (or -1) once */
    for (int i = 0; i < ndims; i++) {
        int d;
        if (ct_wrap_dim(op, dims[i], t->ndim, &d) < 0)
            return -1;
        bool *slot = t->ndim == 0 ? &seen_scalar_dim : &mask[d];
        if (*slot)
            return ct_fail("%s: dim %d appears more than once in the list of dims", op, d + 1);
        *slot = true;
    }
    return 0;
}

int ct_reduce_out_shape(const ct_tensor *t, const bool *mask, int keepdim, int64_t *sizes)
{
    int n = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (!mask[d])
            sizes[n++] = t->sizes[d];
        else if (keepdim)
            sizes[n++] = 1;
    }
    return n;
}

int64_t ct_reduce_count(const ct_tensor *t, const bool *mask)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        if (mask[d])
            n *= t->sizes[d];
    return n;
}

int ct_reduce_check_nonempty(const char *op, const ct_tensor *t, const bool *mask)
{
    for (int d = 0; d < t->ndim; d++) {
        if (mask[d] && t->sizes[d] == 0) {
            char shape[128];
            return ct_fail("%s: cannot reduce over dim %d of size 0 (input shape %s): the operation has "
                           "no identity",
                           op, d + 1, ct_shape_str(t, shape, sizeof shape));
        }
    }
    return 0;
}

int ct_reduce_check_float(const char *op, const ct_tensor *t)
{
    if (ct_dtype_is_float(t->dtype))
        return 0;
    return ct_fail("%s: expected a floating point dtype, got %s", op, ct_dtype_name(t->dtype));
}

ct_tensor *ct_reduce_acc(ct_red_kind kind, ct_tensor *t, const bool *mask, int keepdim, const double *center,
                         double p)
{
    int64_t sizes[CT_MAX_DIMS], out_strides[CT_MAX_DIMS];
    int ndim = ct_reduce_out_shape(t, mask, keepdim, sizes);
    ct_dtype acc_dtype = ct_reduce_acc_is_int(kind, t->dtype) ? CT_INT64 : CT_FLOAT64;
    ct_tensor *acc = ct_empty(ndim, sizes, acc_dtype);
    if (!acc)
        return NULL;
    /* the accumulator is contiguous over the kept dims */
    int64_t stride = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        out_strides[d] = mask[d] ? 0 : stride;
        if (!mask[d])
            stride *= t->sizes[d];
    }
    ct_reduce_geom g;
    ct_reduce_geom_build(&g, t->ndim, t->sizes, t->strides, out_strides, mask, false);
    ct_reduce_args a = {kind, t->dtype, ct_tensor_data(t), ct_tensor_data(acc), center, p};
    if (ct_cpu_reduce(&g, &a) < 0) {
        ct_release(acc);
        return NULL;
    }
    return acc;
}

/* The accumulator as the result: in place when the dtype matches, else cast. */
static ct_tensor *finish(ct_tensor *acc, ct_dtype out_dtype)
{
    if (acc->dtype == out_dtype)
        return acc;
    ct_tensor *out = ct_raw_to_dtype(acc, out_dtype);
    ct_release(acc);
    return out;
}

ct_tensor *ct_raw_reduce(ct_reduce_op op, ct_tensor *t, int ndims, const int *dims, int keepdim)
{
    if ((unsigned)op >= CT_NUM_REDUCE_OPS) {
        ct_fail("reduce: invalid op %d", (int)op);
        return NULL;
    }
    if ((unsigned)op >= CT_NUM_REDUCE_OPS) {
        ct_fail("reduce: invalid op %d", (int)op);
        return NULL;
    }
    const char *name = reduce_names[op];
    bool mask[CT_MAX_DIMS];
    if (ct_reduce_mask(name, t, ndims, dims, mask) < 0)
        return NULL;
    bool is_float = ct_dtype_is_float(t->dtype);
    ct_dtype out_dtype = t->dtype;
    ct_red_kind kind = CT_RK_SUM;
    switch (op) {
    case CT_SUM:
    case CT_PROD:
        out_dtype = is_float ? t->dtype : CT_INT64;
        kind = op == CT_SUM ? CT_RK_SUM : CT_RK_PROD;
        break;
    case CT_MEAN:
        if (ct_reduce_check_float(name, t) < 0)
            return NULL;
        break;
    case CT_AMAX:
    case CT_AMIN:
        if (ct_reduce_check_nonempty(name, t, mask) < 0)
            return NULL;
        kind = op == CT_AMAX ? CT_RK_MAX : CT_RK_MIN;
        break;
    case CT_ALL:
    case CT_ANY:
        out_dtype = CT_BOOL;
        kind = op == CT_ALL ? CT_RK_ALL : CT_RK_ANY;
        break;
    default: break;
    }
    ct_tensor *acc = ct_reduce_acc(kind, t, mask, keepdim, NULL, 0);
    if (!acc)
        return NULL;
    if (op == CT_MEAN) {
        double count = (double)ct_reduce_count(t, mask); /* 0 gives nan, as in PyTorch */
        double *v = (double *)ct_tensor_data(acc);
        int64_t n = ct_numel(acc);
        for (int64_t i = 0; i < n; i++)
            v[i] /= count;
    }
    return finish(acc, out_dtype);
}

ct_tensor *ct_raw_sum_to_size(ct_tensor *t, int ndim, const int64_t *sizes)
{
    if (ct_check_sizes("sum_to_size", ndim, sizes) < 0)
        return NULL;
    int lead = t->ndim - ndim;
    bool ok = lead >= 0;
    for (int i = 0; ok && i < ndim; i++)
        ok = sizes[i] == t->sizes[lead + i] || sizes[i] == 1;
    if (!ok) {
        char a[128], b[128];
        ct_fail("sum_to_size: size %s is not expandable to the tensor's shape %s",
                ct_sizes_str(ndim, sizes, a, sizeof a), ct_shape_str(t, b, sizeof b));
        return NULL;
    }
    int dims[CT_MAX_DIMS], n = 0;
    for (int d = 0; d < t->ndim; d++)
        if (d < lead || (sizes[d - lead] == 1 && t->sizes[d] != 1))
            dims[n++] = d;
    if (n == 0) /* already that shape, as in PyTorch the tensor itself */
        return ct_retain(t);
    ct_tensor *summed = ct_raw_reduce(CT_SUM, t, n, dims, 1);
    if (!summed)
        return NULL;
    ct_tensor *out = ct_raw_view(summed, ndim, sizes);
    ct_release(summed);
    return out;
}
