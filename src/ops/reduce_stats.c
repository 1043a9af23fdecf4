/*
 * reduce_stats.c -- dispatch for var, std and norm.
 *
 * var is two-pass: the means (accumulated in double), then the sum of
 * squared deviations from them, which avoids the cancellation of
 * sum(x^2) - n * mean^2.  Results keep the input's floating dtype.
 */
#include <math.h>

#include "ops/reduce.h"

static ct_tensor *finish(ct_tensor *acc, ct_dtype out_dtype)
{
    if (acc->dtype == out_dtype)
        return acc;
    ct_tensor *out = ct_raw_to_dtype(acc, out_dtype);
    ct_release(acc);
    return out;
}

static ct_tensor *variance(const char *name, ct_tensor *t, int ndims, const int *dims, int64_t correction,
                           int keepdim, bool take_sqrt)
{
    bool mask[CT_MAX_DIMS];
    if (ct_reduce_check_float(name, t) < 0 || ct_reduce_mask(name, t, ndims, dims, mask) < 0)
        return NULL;
    int64_t count = ct_reduce_count(t, mask);
    ct_tensor *mean = ct_reduce_acc(CT_RK_SUM, t, mask, keepdim, NULL, 0);
    if (!mean)
        return NULL;
    double *m = (double *)ct_tensor_data(mean);
    int64_t n = ct_numel(mean);
    for (int64_t i = 0; i < n; i++)
        m[i] /= (double)count;
    ct_tensor *acc = ct_reduce_acc(CT_RK_SQDEV, t, mask, keepdim, m, 0);
    ct_release(mean);
    if (!acc)
        return NULL;
    /* PyTorch divides by max(0, N - correction): inf or nan when that is 0 */
    double denom = (double)count - (double)correction;
    if (denom < 0)
        denom = 0;
    double *v = (double *)ct_tensor_data(acc);
    for (int64_t i = 0; i < n; i++) {
        v[i] /= denom;
        if (take_sqrt)
            v[i] = sqrt(v[i]);
    }
    return finish(acc, t->dtype);
}

ct_tensor *ct_raw_var(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim)
{
    return variance("var", t, ndims, dims, correction, keepdim, false);
}

ct_tensor *ct_raw_std(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim)
{
    return variance("std", t, ndims, dims, correction, keepdim, true);
}

ct_tensor *ct_raw_norm(ct_tensor *t, double p, int ndims, const int *dims, int keepdim)
{
    bool mask[CT_MAX_DIMS];
    if (ct_reduce_check_float("norm", t) < 0 || ct_reduce_mask("norm", t, ndims, dims, mask) < 0)
        return NULL;
    if (p != p) {
        ct_fail("norm: p must be a number, got nan");
        return NULL;
    }
    ct_red_kind kind;
    if (p == 2)
        kind = CT_RK_SQDEV; /* with no center: sum of squares */
    else if (p == 1)
        kind = CT_RK_ABS_SUM;
    else if (p == INFINITY)
        kind = CT_RK_ABS_MAX;
    else if (p == -INFINITY)
        kind = CT_RK_ABS_MIN;
    else if (p == 0)
        kind = CT_RK_NONZERO;
    else
        kind = CT_RK_POW_SUM;
    if ((kind == CT_RK_ABS_MAX || kind == CT_RK_ABS_MIN) && ct_reduce_check_nonempty("norm", t, mask) < 0)
        return NULL;
    ct_tensor *acc = ct_reduce_acc(kind, t, mask, keepdim, NULL, p);
    if (!acc)
        return NULL;
    double *v = (double *)ct_tensor_data(acc);
    int64_t n = ct_numel(acc);
    if (kind == CT_RK_SQDEV) {
        for (int64_t i = 0; i < n; i++)
            v[i] = sqrt(v[i]);
    } else if (kind == CT_RK_POW_SUM) {
        for (int64_t i = 0; i < n; i++)
            v[i] = pow(v[i], 1.0 / p);
    }
    return finish(acc, t->dtype);
}
