/*
 * softmax.c -- dispatch for softmax and log_softmax (forward and the
 * backward kernels that autograd calls).
 */
#include <string.h>

#include "cpu/softmax.h"

/* float32/float64 only, as the kernels. */
static int check_float(const char *op, const ct_tensor *t)
{
    if (t->dtype != CT_FLOAT32 && t->dtype != CT_FLOAT64)
        return ct_fail("%s: expected a float32 or float64 tensor, got %s (convert it with :float() or "
                       "pass {dtype=...})",
                       op, ct_dtype_name(t->dtype));
    if (t->storage->device.type != CT_CPU)
        return ct_fail("%s: only CPU tensors are supported", op);
    return 0;
}

/* [outer, D, inner] around dim (already wrapped). */
static void split_dims(const ct_tensor *t, int dim, int64_t *outer, int64_t *D, int64_t *inner)
{
    *outer = 1;
    *inner = 1;
    *D = t->ndim ? t->sizes[dim] : 1;
    for (int k = 0; k < dim; k++)
        *outer *= t->sizes[k];
    for (int k = dim + 1; k < t->ndim; k++)
        *inner *= t->sizes[k];
}

static ct_tensor *softmax_any(const char *op, int log, ct_tensor *t, int dim)
{
    int d;
    if (check_float(op, t) < 0 || ct_wrap_dim(op, dim, t->ndim, &d) < 0)
        return NULL;
    ct_tensor *out = ct_empty(t->ndim, t->sizes, t->dtype);
    if (!out)
        return NULL;
    if (ct_is_contiguous(t)) {
        int64_t outer, D, inner;
        split_dims(t, d, &outer, &D, &inner);
        ct_cpu_softmax(t->dtype, log, ct_tensor_data(t), ct_tensor_data(out), outer, D, inner);
    } else {
        ct_cpu_softmax_strided(log, t, d, ct_tensor_data(out));
    }
    return out;
}

ct_tensor *ct_raw_softmax(ct_tensor *t, int dim) { return softmax_any("softmax", 0, t, dim); }

ct_tensor *ct_raw_log_softmax(ct_tensor *t, int dim) { return softmax_any("log_softmax", 1, t, dim); }

ct_tensor *ct_raw_softmax_backward(ct_tensor *y, ct_tensor *g, int dim, int log)
{
    const char *op = log ? "log_softmax_backward" : "softmax_backward";
    int d;
    if (check_float(op, y) < 0 || ct_wrap_dim(op, dim, y->ndim, &d) < 0)
        return NULL;
    if (g->ndim != y->ndim || memcmp(g->sizes, y->sizes, sizeof(int64_t) * (size_t)y->ndim) != 0) {
        char a[128], b[128];
        ct_fail("%s: the gradient has shape %s but the output has shape %s", op, ct_shape_str(g, a, sizeof a),
                ct_shape_str(y, b, sizeof b));
        return NULL;
    }
    ct_tensor *yc = ct_raw_contiguous(y);
    ct_tensor *gc = g->dtype == y->dtype ? ct_raw_contiguous(g) : ct_raw_to_dtype(g, y->dtype);
    ct_tensor *gcc = gc && !ct_is_contiguous(gc) ? ct_raw_contiguous(gc) : (gc ? ct_retain(gc) : NULL);
    ct_tensor *gi = yc && gcc ? ct_empty(y->ndim, y->sizes, y->dtype) : NULL;
    if (gi) {
        int64_t outer, D, inner;
        split_dims(y, d, &outer, &D, &inner);
        ct_cpu_softmax_backward(y->dtype, log, ct_tensor_data(yc), ct_tensor_data(gcc), ct_tensor_data(gi),
                                outer, D, inner);
    }
    ct_release(yc);
    ct_release(gc);
    ct_release(gcc);
    return gi;
}
