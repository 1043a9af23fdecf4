/*
 * pointwise.c -- kernels for clamp, where, leaky_relu/elu/softplus, lerp,
 * isnan/isinf/isfinite and the allclose/equal comparison.
 *
 * float32 and float64 have typed loops; other dtypes go through ct_scalar
 * (exact int64 for integers, double for half types).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/pointwise.h"

/* ---------------------------------------------------------------- clamp */

typedef struct {
    ct_dtype dtype;
    bool has_min, has_max, nan_bound;
    double lo, hi;      /* float bounds (+-inf when absent) */
    int64_t ilo, ihi;   /* integer bounds */
} clamp_ctx;

static void clamp_f32(void *arg, char **d, const int64_t *s, int64_t n)
{
    const clamp_ctx *c = arg;
    float lo = (float)c->lo, hi = (float)c->hi;
    if (c->nan_bound) { /* PyTorch: a NaN bound makes every result NaN */
        for (int64_t i = 0; i < n; i++)
            *(float *)(d[0] + i * s[0]) = NAN;
        return;
    }
    if (s[0] == 4 && s[1] == 4) {
        float *o = (float *)d[0];
        const float *a = (const float *)d[1];
        for (int64_t i = 0; i < n; i++) {
            float v = a[i] < lo ? lo : a[i]; /* NaN inputs stay NaN */
            o[i] = v > hi ? hi : v;
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float v = *(const float *)(d[1] + i * s[1]);
        v = v < lo ? lo : v;
        *(float *)(d[0] + i * s[0]) = v > hi ? hi : v;
    }
}

static void clamp_f64(void *arg, char **d, const int64_t *s, int64_t n)
{
    const clamp_ctx *c = arg;
    for (int64_t i = 0; i < n; i++) {
        double v = *(const double *)(d[1] + i * s[1]);
        v = v < c->lo ? c->lo : v;
        v = v > c->hi ? c->hi : v;
        *(double *)(d[0] + i * s[0]) = c->nan_bound ? NAN : v;
    }
}

static void clamp_generic(void *arg, char **d, const int64_t *s, int64_t n)
{
    const clamp_ctx *c = arg;
    bool is_float = ct_dtype_is_float(c->dtype);
    for (int64_t i = 0; i < n; i++) {
        ct_scalar x = ct_scalar_load(c->dtype, d[1] + i * s[1]);
        ct_scalar r;
        if (is_float) {
            double v = x.d < c->lo ? c->lo : x.d;
            v = v > c->hi ? c->hi : v;
            r = ct_scalar_float(c->nan_bound ? NAN : v);
        } else {
            int64_t v = c->has_min && x.i < c->ilo ? c->ilo : x.i;
            v = c->has_max && v > c->ihi ? c->ihi : v;
            r = ct_scalar_int(v);
        }
        ct_scalar_store(r, c->dtype, d[0] + i * s[0]);
    }
}

void ct_cpu_clamp(ct_dtype dtype, const ct_scalar *min, const ct_scalar *max, const ct_loop *loop)
{
    /* integer bounds here are exact: a float bound made the dtype float */
    clamp_ctx c = {dtype, min != NULL, max != NULL, false, -INFINITY, INFINITY, INT64_MIN, INT64_MAX};
    if (min) {
        c.lo = min->d;
        c.ilo = min->i;
    }
    if (max) {
        c.hi = max->d;
        c.ihi = max->i;
    }
    c.nan_bound = c.lo != c.lo || c.hi != c.hi;
    ct_loop_fn fn = dtype == CT_FLOAT32 ? clamp_f32 : dtype == CT_FLOAT64 ? clamp_f64 : clamp_generic;
    ct_loop_run(loop, fn, &c);
}

/* ---------------------------------------------------------------- where */

/* out = cond ? a : b, moving elements as same-size integers. */
static void where_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    size_t elsize = *(const size_t *)arg;
    for (int64_t i = 0; i < n; i++) {
        bool take_a = *(const uint8_t *)(d[1] + i * s[1]) != 0;
        const char *src = take_a ? d[2] + i * s[2] : d[3] + i * s[3];
        char *dst = d[0] + i * s[0];
        switch (elsize) {
        case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
        case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
        case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
        default: *(uint64_t *)dst = *(const uint64_t *)src; break;
        }
    }
}

void ct_cpu_where(size_t elsize, const ct_loop *loop) { ct_loop_run(loop, where_loop, &elsize); }

/* ---------------------------------------------------------------- activations */

typedef struct {
    ct_activation act;
    double p0, p1;
    ct_dtype in, out;
} act_ctx;

static double act_value(const act_ctx *c, double x)
{
    switch (c->act) {
    case CT_ACT_LEAKY_RELU: return x > 0 ? x : x * c->p0;
    case CT_ACT_ELU: return x > 0 ? x : c->p0 * expm1(x);
    default: { /* softplus: linear above the threshold, as PyTorch */
        double bx = x * c->p0;
        return bx > c->p1 ? x : log1p(exp(bx)) / c->p0;
    }
    }
}

static void act_f32_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    const act_ctx *c = arg;
    float p0 = (float)c->p0, p1 = (float)c->p1;
    if (c->act == CT_ACT_LEAKY_RELU && s[0] == 4 && s[1] == 4) {
        float *o = (float *)d[0];
        const float *a = (const float *)d[1];
        for (int64_t i = 0; i < n; i++)
            o[i] = a[i] > 0 ? a[i] : a[i] * p0;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float x = *(const float *)(d[1] + i * s[1]), r;
        if (c->act == CT_ACT_LEAKY_RELU) {
            r = x > 0 ? x : x * p0;
        } else if (c->act == CT_ACT_ELU) {
            r = x > 0 ? x : p0 * expm1f(x);
        } else {
            float bx = x * p0;
            r = bx > p1 ? x : log1pf(expf(bx)) / p0;
        }
        *(float *)(d[0] + i * s[0]) = r;
    }
}

static void act_f64_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    const act_ctx *c = arg;
    for (int64_t i = 0; i < n; i++)
        *(double *)(d[0] + i * s[0]) = act_value(c, *(const double *)(d[1] + i * s[1]));
}

static void act_generic(void *arg, char **d, const int64_t *s, int64_t n)
{
    const act_ctx *c = arg;
    for (int64_t i = 0; i < n; i++) {
        ct_scalar x = ct_scalar_load(c->in, d[1] + i * s[1]);
        ct_scalar_store(ct_scalar_float(act_value(c, x.d)), c->out, d[0] + i * s[0]);
    }
}

void ct_cpu_activation(ct_activation act, double p0, double p1, ct_dtype in_dtype, ct_dtype out_dtype,
                       const ct_loop *loop)
{
    act_ctx c = {act, p0, p1, in_dtype, out_dtype};
    ct_loop_fn fn = act_generic;
    if (in_dtype == out_dtype && in_dtype == CT_FLOAT32)
        fn = act_f32_loop;
    else if (in_dtype == out_dtype && in_dtype == CT_FLOAT64)
        fn = act_f64_loop;
    ct_loop_run(loop, fn, &c);
}

/* ---------------------------------------------------------------- isnan / isinf / isfinite */

typedef struct {
    ct_float_class which;
    ct_dtype in;
} class_ctx;

static bool classify(ct_float_class which, double x)
{
    switch (which) {
    case CT_CLASS_NAN: return x != x;
    case CT_CLASS_INF: return x == INFINITY || x == -INFINITY;
    default: return x - x == 0; /* false for inf and nan */
    }
}

static void classify_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    const class_ctx *c = arg;
    for (int64_t i = 0; i < n; i++) {
        double x;
        if (c->in == CT_FLOAT32)
            x = *(const float *)(d[1] + i * s[1]);
        else if (c->in == CT_FLOAT64)
            x = *(const double *)(d[1] + i * s[1]);
        else
            x = ct_scalar_load(c->in, d[1] + i * s[1]).d;
        *(uint8_t *)(d[0] + i * s[0]) = classify(c->which, x);
    }
}

void ct_cpu_classify(ct_float_class which, ct_dtype in_dtype, const ct_loop *loop)
{
    class_ctx c = {which, in_dtype};
    ct_loop_run(loop, classify_loop, &c);
}

/* ---------------------------------------------------------------- lerp */

/* PyTorch's two-sided form: exact at w = 0 and at w = 1. */
static double lerp_f64(double a, double b, double w)
{
    return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}

static void lerp_f32_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float a = *(const float *)(d[1] + i * s[1]), b = *(const float *)(d[2] + i * s[2]);
        float w = *(const float *)(d[3] + i * s[3]);
        *(float *)(d[0] + i * s[0]) = w < 0.5f ? a + w * (b - a) : b - (b - a) * (1 - w);
    }
}

static void lerp_f64_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        *(double *)(d[0] + i * s[0]) = lerp_f64(*(const double *)(d[1] + i * s[1]),
                                                *(const double *)(d[2] + i * s[2]),
                                                *(const double *)(d[3] + i * s[3]));
}

static void lerp_generic(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_dtype dtype = *(const ct_dtype *)arg;
    for (int64_t i = 0; i < n; i++) {
        double a = ct_scalar_load(dtype, d[1] + i * s[1]).d, b = ct_scalar_load(dtype, d[2] + i * s[2]).d;
        double w = ct_scalar_load(dtype, d[3] + i * s[3]).d;
        ct_scalar_store(ct_scalar_float(lerp_f64(a, b, w)), dtype, d[0] + i * s[0]);
    }
}

void ct_cpu_lerp(ct_dtype dtype, const ct_loop *loop)
{
    ct_loop_fn fn = dtype == CT_FLOAT32 ? lerp_f32_loop : dtype == CT_FLOAT64 ? lerp_f64_loop : lerp_generic;
    ct_loop_run(loop, fn, &dtype);
}

/* ---------------------------------------------------------------- allclose / equal */

typedef struct {
    ct_dtype a, b;
    double rtol, atol;
    bool equal_nan, exact;
    bool ok; /* cleared by the first pair that fails */
} close_ctx;

static bool pair_close(const close_ctx *c, ct_scalar a, ct_scalar b)
{
    bool ints = a.kind != CT_SCALAR_FLOAT && b.kind != CT_SCALAR_FLOAT;
    if (ints && a.i == b.i)
        return true;
    if (c->exact)
        return !ints && a.d == b.d; /* NaN is never equal */
    double x = a.d, y = b.d;
    if (x != x || y != y)
        return c->equal_nan && x != x && y != y;
    if (x == y) /* also equal infinities */
        return true;
    if (isinf(x) || isinf(y))
        return false;
    return fabs(x - y) <= c->atol + c->rtol * fabs(y);
}

static void close_loop(void *arg, char **d, const int64_t *s, int64_t n)
{
    close_ctx *c = arg;
    for (int64_t i = 0; i < n && c->ok; i++)
        if (!pair_close(c, ct_scalar_load(c->a, d[1] + i * s[1]), ct_scalar_load(c->b, d[2] + i * s[2])))
            c->ok = false;
}

int ct_cpu_all_close(ct_dtype a_dtype, ct_dtype b_dtype, double rtol, double atol, int equal_nan,
                     int exact, const ct_loop *loop)
{
    close_ctx c = {a_dtype, b_dtype, rtol, atol, equal_nan != 0, exact != 0, true};
    /* serial: the shared flag gives an early exit without a data race */
    if (loop->numel > 0)
        ct_loop_run_range(loop, close_loop, &c, 0, loop->numel);
    return c.ok;
}
