/*
 * creation.c -- tensors made from nothing: zeros, ones, full, eye, arange,
 * linspace, and fill_.
 */
#include <math.h>

#include "core/loop.h"
#include "cpu/copy.h"

int ct_fill_(ct_tensor *t, ct_scalar value)
{
    int64_t buf[2] = {0, 0};
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

int ct_zero_(ct_tensor *t) { return ct_fill_(t, ct_scalar_int(0)); }

ct_tensor *ct_full(int ndim, const int64_t *sizes, ct_scalar value, ct_dtype dtype)
{
    ct_tensor *t = ct_empty(ndim, sizes, dtype);
    if (t)
        ct_fill_(t, value);
    return t;
}

ct_tensor *ct_zeros(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    return ct_full(ndim, sizes, ct_scalar_int(0), dtype);
}

ct_tensor *ct_ones(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    return ct_full(ndim, sizes, ct_scalar_int(1), dtype);
}

ct_tensor *ct_eye(int64_t n, int64_t m, ct_dtype dtype)
{
    if (m < 0)
        m = n;
    int64_t sizes[2] = {n, m};
    ct_tensor *t = ct_zeros(2, sizes, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    for (int64_t i = 0; i < n && i < m; i++)
        ct_scalar_store(ct_scalar_int(1), dtype, base + (size_t)(i * m + i) * es);
    return t;
}

ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype)
{
    if (step == 0 || !isfinite(start) || !isfinite(end) || !isfinite(step)) {
        ct_fail("arange: step must be non-zero and bounds finite (start %g, end %g, step %g)", start, end, step);
        return NULL;
    }
    if ((end - start) / step < 0) {
        ct_fail("arange: the sign of step %g does not lead from %g to %g", step, start, end);
        return NULL;
    }
    int64_t n = (int64_t)ceil((end - start) / step);
    ct_tensor *t = ct_empty(1, &n, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    int exact = !ct_dtype_is_float(dtype);
    for (int64_t i = 0; i < n; i++) {
        double v = start + (double)i * step;
        ct_scalar_store(exact ? ct_scalar_int((int64_t)v) : ct_scalar_float(v), dtype, base + (size_t)i * es);
    }
    return t;
}

ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype)
{
    if (steps < 0) {
        ct_fail("linspace: number of steps must be non-negative, got %lld", (long long)steps);
        return NULL;
    }
    ct_tensor *t = ct_empty(1, &steps, dtype);
    if (!t)
        return NULL;
    char *base = ct_tensor_data(t);
    size_t es = ct_dtype_size(dtype);
    double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
    for (int64_t i = 0; i < steps; i++) {
        /* fill from both ends so the last value is exactly `end` */
        double v = i < steps / 2 ? start + step * (double)i : end - step * (double)(steps - 1 - i);
        ct_scalar_store(ct_scalar_float(v), dtype, base + (size_t)i * es);
    }
    return t;
}
