/*
 * pointwise.c -- dispatch for clamp, where, leaky_relu/elu/softplus, lerp,
 * isnan/isinf/isfinite, allclose and equal.
 */
#include <stdio.h>

#include "core/loop.h"
#include "cpu/pointwise.h"
#include "ops/pointwise.h"
#include "ops/raw.h"

int ct_check_no_self_overlap(const char *op, const ct_tensor *t)
{
    for (int i = 0; i < t->ndim; i++)
        if (t->strides[i] == 0 && t->sizes[i] > 1) {
            char buf[128];
            return ct_fail("%s: the in-place target of shape %s has several elements in one memory "
                           "location (dim %d is expanded); clone it first",
                           op, ct_shape_str(t, buf, sizeof buf), i + 1);
        }
    return 0;
}

/* t converted to dtype (a new reference; t itself when it already matches). */
static ct_tensor *as_dtype(ct_tensor *t, ct_dtype dtype)
{
    return t->dtype == dtype ? ct_retain(t) : ct_raw_to_dtype(t, dtype);
}

/* Float dtype an activation of t computes in: t's own, or float32 for integers. */
static ct_dtype float_dtype(const ct_tensor *t) { return ct_dtype_is_float(t->dtype) ? t->dtype : CT_FLOAT32; }

/* 0 bool, 1 integer, 2 float: a scalar bound only matters across categories. */
static int category(ct_dtype d) { return d == CT_BOOL ? 0 : ct_dtype_is_float(d) ? 2 : 1; }

/* ---------------------------------------------------------------- clamp */

static ct_dtype clamp_dtype(const ct_tensor *t, const ct_scalar *min, const ct_scalar *max)
{
    ct_dtype d = t->dtype;
    const ct_scalar *bounds[2] = {min, max};
    for (int k = 0; k < 2; k++)
        if (bounds[k] && category(ct_scalar_dtype(*bounds[k])) > category(d))
            d = ct_scalar_dtype(*bounds[k]);
    return d;
}

static void run_clamp(ct_tensor *out, ct_tensor *src, const ct_scalar *min, const ct_scalar *max)
{
    ct_loop loop;
    ct_loop_begin(&loop, out->ndim, out->sizes);
    ct_loop_add(&loop, out);
    ct_loop_add(&loop, src);
    ct_loop_finish(&loop);
    ct_cpu_clamp(out->dtype, min, max, &loop);
}

ct_tensor *ct_raw_clamp(ct_tensor *t, const ct_scalar *min, const ct_scalar *max)
{
    if (!min && !max) {
        ct_fail("clamp: at least one of min and max must be given");
        return NULL;
    }
    ct_dtype dtype = clamp_dtype(t, min, max);
    ct_tensor *src = as_dtype(t, dtype);
    if (!src)
        return NULL;
    ct_tensor *out = ct_empty(t->ndim, t->sizes, dtype);
    if (out)
        run_clamp(out, src, min, max);
    ct_release(src);
    return out;
}

int ct_raw_clamp_(ct_tensor *t, const ct_scalar *min, const ct_scalar *max)
{
    if (!min && !max)
        return ct_fail("clamp_: at least one of min and max must be given");
    ct_dtype dtype = clamp_dtype(t, min, max);
    if (dtype != t->dtype)
        return ct_fail("clamp_: result type %s cannot be stored in the in-place target of type %s",
                       ct_dtype_name(dtype), ct_dtype_name(t->dtype));
    if (ct_check_no_self_overlap("clamp_", t) < 0)
        return -1;
    run_clamp(t, t, min, max);
    ct_tensor_bump_version(t);
    return 0;
}

/* ---------------------------------------------------------------- where */

ct_tensor *ct_raw_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b)
{
    if (cond->dtype != CT_BOOL && cond->dtype != CT_UINT8) {
        ct_fail("where: the condition must be a bool (or uint8) tensor, got %s", ct_dtype_name(cond->dtype));
        return NULL;
    }
    int nd1, ndim;
    int64_t s1[CT_MAX_DIMS], shape[CT_MAX_DIMS];
    if (ct_check_same_device("where", cond, a) < 0 || ct_check_same_device("where", cond, b) < 0 ||
        ct_broadcast_shape("where", cond->ndim, cond->sizes, a->ndim, a->sizes, &nd1, s1) < 0 ||
        ct_broadcast_shape("where", nd1, s1, b->ndim, b->sizes, &ndim, shape) < 0)
        return NULL;
    ct_dtype dtype = ct_result_type(a, b);
    ct_tensor *ca = as_dtype(a, dtype);
    ct_tensor *cb = ca ? as_dtype(b, dtype) : NULL;
    ct_tensor *out = cb ? ct_empty(ndim, shape, dtype) : NULL;
    if (out) {
        ct_loop loop;
        ct_loop_begin(&loop, ndim, shape);
        ct_loop_add(&loop, out);
        ct_loop_add(&loop, cond);
        ct_loop_add(&loop, ca);
        ct_loop_add(&loop, cb);
        ct_loop_finish(&loop);
        ct_cpu_where(ct_dtype_size(dtype), &loop);
    }
    ct_release(ca);
    ct_release(cb);
    return out;
}

/* ---------------------------------------------------------------- activations */

static ct_tensor *activation(ct_activation act, ct_tensor *t, double p0, double p1)
{
    ct_dtype dtype = float_dtype(t);
    ct_tensor *out = ct_empty(t->ndim, t->sizes, dtype);
    if (!out)
        return NULL;
    ct_loop loop;
    ct_loop_out_in(&loop, out, t);
    ct_cpu_activation(act, p0, p1, t->dtype, dtype, &loop);
    return out;
}

ct_tensor *ct_raw_leaky_relu(ct_tensor *t, double slope) { return activation(CT_ACT_LEAKY_RELU, t, slope, 0); }

ct_tensor *ct_raw_elu(ct_tensor *t, double alpha) { return activation(CT_ACT_ELU, t, alpha, 0); }

ct_tensor *ct_raw_softplus(ct_tensor *t, double beta, double threshold)
{
    if (beta == 0) {
        ct_fail("softplus: beta must not be 0");
        return NULL;
    }
    return activation(CT_ACT_SOFTPLUS, t, beta, threshold);
}

/* ---------------------------------------------------------------- isnan / isinf / isfinite */

static ct_tensor *classify(ct_float_class which, ct_tensor *t)
{
    ct_tensor *out = ct_empty(t->ndim, t->sizes, CT_BOOL);
    if (!out)
        return NULL;
    ct_loop loop;
    ct_loop_out_in(&loop, out, t);
    ct_cpu_classify(which, t->dtype, &loop);
    return out;
}

ct_tensor *ct_isnan(ct_tensor *t) { return classify(CT_CLASS_NAN, t); }
ct_tensor *ct_isinf(ct_tensor *t) { return classify(CT_CLASS_INF, t); }
ct_tensor *ct_isfinite(ct_tensor *t) { return classify(CT_CLASS_FINITE, t); }

/* ---------------------------------------------------------------- lerp */

/* weight is a tensor, or (weight == NULL) the number w. */
static ct_tensor *lerp(ct_tensor *a, ct_tensor *b, ct_tensor *weight, double w)
{
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (ct_check_same_device("lerp", a, b) < 0 ||
        ct_broadcast_shape("lerp", a->ndim, a->sizes, b->ndim, b->sizes, &ndim, shape) < 0)
        return NULL;
    if (weight && (ct_check_same_device("lerp", a, weight) < 0 ||
                   ct_broadcast_shape("lerp", ndim, shape, weight->ndim, weight->sizes, &ndim, shape) < 0))
        return NULL;
    ct_dtype dtype = ct_result_type(a, b);
    if (!ct_dtype_is_float(dtype) || (weight && !ct_dtype_is_float(weight->dtype))) {
        ct_fail("lerp: expected floating point tensors, got %s, %s and %s weight", ct_dtype_name(a->dtype),
                ct_dtype_name(b->dtype), weight ? ct_dtype_name(weight->dtype) : "a number");
        return NULL;
    }
    ct_tensor *ca = as_dtype(a, dtype);
    ct_tensor *cb = ca ? as_dtype(b, dtype) : NULL;
    ct_tensor *cw = cb && weight ? as_dtype(weight, dtype) : NULL;
    ct_tensor *out = cb && (cw || !weight) ? ct_empty(ndim, shape, dtype) : NULL;
    if (out) {
        int64_t wbuf = 0;
        ct_scalar_store(ct_scalar_float(w), dtype, &wbuf);
        ct_loop loop;
        ct_loop_begin(&loop, ndim, shape);
        ct_loop_add(&loop, out);
        ct_loop_add(&loop, ca);
        ct_loop_add(&loop, cb);
        if (cw)
            ct_loop_add(&loop, cw);
        else
            ct_loop_add_raw(&loop, &wbuf, NULL, ct_dtype_size(dtype));
        ct_loop_finish(&loop);
        ct_cpu_lerp(dtype, &loop);
    }
    ct_release(ca);
    ct_release(cb);
    ct_release(cw);
    return out;
}

ct_tensor *ct_raw_lerp(ct_tensor *a, ct_tensor *b, ct_tensor *weight) { return lerp(a, b, weight, 0); }

ct_tensor *ct_raw_lerp_scalar(ct_tensor *a, ct_tensor *b, double weight) { return lerp(a, b, NULL, weight); }

/* ---------------------------------------------------------------- allclose / equal */

int ct_allclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, int equal_nan, int *result)
{
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (ct_check_same_device("allclose", a, b) < 0 ||
        ct_broadcast_shape("allclose", a->ndim, a->sizes, b->ndim, b->sizes, &ndim, shape) < 0)
        return -1;
    if (rtol < 0 || atol < 0)
        return ct_fail("allclose: rtol and atol must be non-negative, got %g and %g", rtol, atol);
    char unused = 0;
    ct_loop loop;
    ct_loop_begin(&loop, ndim, shape);
    ct_loop_add_raw(&loop, &unused, NULL, 1);
    ct_loop_add(&loop, a);
    ct_loop_add(&loop, b);
    ct_loop_finish(&loop);
    *result = ct_cpu_all_close(a->dtype, b->dtype, rtol, atol, equal_nan, 0, &loop);
    return 0;
}

int ct_equal(ct_tensor *a, ct_tensor *b, int *result)
{
    if (ct_check_same_device("equal", a, b) < 0)
        return -1;
    *result = 0;
    if (a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->sizes[i] != b->sizes[i])
            return 0;
    char unused = 0;
    ct_loop loop;
    ct_loop_begin(&loop, a->ndim, a->sizes);
    ct_loop_add_raw(&loop, &unused, NULL, 1);
    ct_loop_add(&loop, a);
    ct_loop_add(&loop, b);
    ct_loop_finish(&loop);
    *result = ct_cpu_all_close(a->dtype, b->dtype, 0, 0, 0, 1, &loop);
    return 0;
}
