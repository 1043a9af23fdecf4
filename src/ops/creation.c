/*
 * creation.c -- tensors made from nothing: zeros, ones, full, eye, arange,
 * linspace, and fill_.
 */
#include <math.h>

#include "core/loop.h"
#include "cpu/copy.h"

int ct_raw_fill_(ct_tensor *t, ct_scalar value)
{
    int64_t buf[2] = {0, 0}; /* room for the widest dtype, suitably aligned */
    ct_scalar_store(value, t->dtype, buf);
    ct_loop loop;
    ct_loop_begin(&loop, t->ndim, t->sizes);
    ct_loop_add(&loop, t);
    ct_loop_add_raw(&loop, buf, NULL, ct_dtype_size(t->dtype));
    ct_loop_finish(&loop);
    ct_cpu_copy(&loop, t->dtype, t->dtype);
    ct_tensor_bump_version(t);
    return 0;
}

int ct_raw_zero_(ct_tensor *t) { return ct_raw_fill_(t, ct_scalar_int(0)); }

/* ct_empty + fill, with errors naming the op the user called. */
static ct_tensor *filled(const char *op, int ndim, const int64_t *sizes, ct_scalar value, ct_dtype dtype)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("%s: invalid dtype %d", op, (int)dtype);
        return NULL;
    }
    if (ct_check_sizes(op, ndim, sizes) < 0)
        return NULL;
    ct_tensor *t = ct_empty(ndim, sizes, dtype);
    if (t)
        ct_raw_fill_(t, value);
    return t;
}

ct_tensor *ct_full(int ndim, const int64_t *sizes, ct_scalar value, ct_dtype dtype)
{
    return filled("full", ndim, sizes, value, dtype);
}

ct_tensor *ct_zeros(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    return filled("zeros", ndim, sizes, ct_scalar_int(0), dtype);
}

ct_tensor *ct_ones(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    return filled("ones", ndim, sizes, ct_scalar_int(1), dtype);
}

/* n x m identity; m < 0 means square. */
ct_tensor *ct_eye(int64_t n, int64_t m, ct_dtype dtype)
{
    if (m < 0)
        m = n;
    if (n < 0) {
        ct_fail("eye: n must be non-negative, got %lld", (long long)n);
        return NULL;
    }
    int64_t sizes[2] = {n, m};
    ct_tensor *t = filled("eye", 2, sizes, ct_scalar_int(0), dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    for (int64_t i = 0; i < n && i < m; i++)
        ct_scalar_store(ct_scalar_int(1), dtype, base + (size_t)(i * m + i) * es);
    return t;
}

/* Integer arange, exact in int64.  PyTorch takes the length from the
 * original bounds (see ct_arange) but computes the values from the bounds
 * truncated to integers: arange(-0.5, 2, 1) is {0, 1, 2} and
 * arange(0, 10, 2.5) is {0, 2, 4, 6}; this does the same. */
static ct_tensor *arange_int(double start, double step, int64_t n, ct_dtype dtype)
{
    /* |values| < 2^62 keep s + i * d inside int64 for any i < n */
    double last = start + (double)(n > 0 ? n - 1 : 0) * trunc(step);
    if (fabs(start) >= 0x1p62 || fabs(step) >= 0x1p62 || fabs(last) >= 0x1p62) {
        ct_fail("arange: values from %g with step %g do not fit dtype %s", start, step, ct_dtype_name(dtype));
        return NULL;
    }
    int64_t s = (int64_t)start, d = (int64_t)step;
    ct_tensor *t = ct_empty(1, &n, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    if (dtype == CT_INT64) {
        int64_t *out = (int64_t *)base;
        for (int64_t i = 0; i < n; i++)
            out[i] = s + i * d;
    } else {
        for (int64_t i = 0; i < n; i++)
            ct_scalar_store(ct_scalar_int(s + i * d), dtype, base + (size_t)i * es);
    }
    return t;
}

/*
 * Values start, start + step, ... up to but excluding end.  As in PyTorch the
 * length is ceil((end - start) / step) computed in double (so
 * arange(1, 1.3, 0.1) has 4 elements, as there), and each floating value is
 * start + i * step computed in double, so no error accumulates.
 */
ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("arange: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (!isfinite(start) || !isfinite(end) || !isfinite(step)) {
        ct_fail("arange: start, end and step must be finite (start %g, end %g, step %g)", start, end, step);
        return NULL;
    }
    if (step == 0) {
        ct_fail("arange: step must be non-zero");
        return NULL;
    }
    if ((step > 0 && end < start) || (step < 0 && end > start)) {
        ct_fail("arange: the sign of step %g does not lead from %g to %g", step, start, end);
        return NULL;
    }
    double length = ceil((end - start) / step);
    if (!(length < 9.2e18)) {
        ct_fail("arange: %g elements are too many", length);
        return NULL;
    }
    int64_t n = (int64_t)length;
    if (!ct_dtype_is_float(dtype))
        return arange_int(start, step, n, dtype);
    ct_tensor *t = ct_empty(1, &n, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    if (dtype == CT_FLOAT32) {
        float *out = (float *)base;
        for (int64_t i = 0; i < n; i++)
            out[i] = (float)(start + (double)i * step);
    } else if (dtype == CT_FLOAT64) {
        double *out = (double *)base;
        for (int64_t i = 0; i < n; i++)
            out[i] = start + (double)i * step;
    } else {
        for (int64_t i = 0; i < n; i++)
            ct_scalar_store(ct_scalar_float(start + (double)i * step), dtype, base + (size_t)i * es);
    }
    return t;
}

/*
 * steps evenly spaced values from start to end inclusive.  Like PyTorch, the
 * first half is start + i * step and the second half end - (steps-1-i) * step,
 * so both ends are exact.
 */
ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("linspace: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (steps < 0) {
        ct_fail("linspace: number of steps must be non-negative, got %lld", (long long)steps);
        return NULL;
    }
    if (ct_check_sizes("linspace", 1, &steps) < 0)
        return NULL;
    ct_tensor *t = ct_empty(1, &steps, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; i++) {
        double v = (i < half || steps == 1) ? start + step * (double)i : end - step * (double)(steps - 1 - i);
        ct_scalar_store(ct_scalar_float(v), dtype, base + (size_t)i * es);
    }
    return t;
}
