/*
 * reduce_loops.c -- the fold kernels of the reductions.
 *
 * Floating inputs accumulate in double (so float32 sums of millions of
 * elements stay exact to float32 precision); integer and bool inputs of
 * sum/prod/amax/amin/all/any accumulate exactly in int64 (sums and products
 * wrap around like PyTorch's).  Contiguous float32/float64 runs of the hot
 * kinds use 8 independent accumulators, which the compiler vectorizes
 * without reassociating anything itself, and sums are pairwise over blocks
 * so rounding error grows with log(n), not n.
 */
#include <math.h>
#include <string.h>

#include "cpu/reduce.h"

/* Pairwise sums recurse down to blocks of this many elements. */
#define PAIRWISE_BLOCK 256

/* ---------------------------------------------------------------- one element */

static inline double fold_d(ct_red_kind k, double acc, double x, double c, double p)
{
    switch (k) {
    case CT_RK_SUM: return acc + x;
    case CT_RK_PROD: return acc * x;
    /* NaN wins: once acc is NaN no comparison replaces it */
    case CT_RK_MAX: return (x > acc || x != x) ? x : acc;
    case CT_RK_MIN: return (x < acc || x != x) ? x : acc;
    case CT_RK_ALL: return (acc != 0 && x != 0) ? 1.0 : 0.0;
    case CT_RK_ANY: return (acc != 0 || x != 0) ? 1.0 : 0.0;
    case CT_RK_SQDEV: {
        double d = x - c;
        return acc + d * d;
    }
    case CT_RK_ABS_SUM: return acc + fabs(x);
    case CT_RK_ABS_MAX: {
        double ax = fabs(x);
        return (ax > acc || ax != ax) ? ax : acc;
    }
    case CT_RK_ABS_MIN: {
        double ax = fabs(x);
        return (ax < acc || ax != ax) ? ax : acc;
    }
    case CT_RK_NONZERO: return acc + (x != 0 ? 1.0 : 0.0);
    case CT_RK_POW_SUM: return acc + pow(fabs(x), p);
    }
    return acc;
}

static inline int64_t fold_i(ct_red_kind k, int64_t acc, int64_t x)
{
    switch (k) {
    case CT_RK_SUM: return (int64_t)((uint64_t)acc + (uint64_t)x);
    case CT_RK_PROD: return (int64_t)((uint64_t)acc * (uint64_t)x);
    case CT_RK_MAX: return x > acc ? x : acc;
    case CT_RK_MIN: return x < acc ? x : acc;
    case CT_RK_ALL: return acc != 0 && x != 0;
    case CT_RK_ANY: return acc != 0 || x != 0;
    default: return acc;
    }
}

static inline double load_d(ct_dtype dtype, const char *p)
{
    if (dtype == CT_FLOAT32)
        return *(const float *)p;
    if (dtype == CT_FLOAT64)
        return *(const double *)p;
    return ct_scalar_load(dtype, p).d;
}

/* ---------------------------------------------------------------- contiguous runs */

static double sum_f32(const float *x, int64_t n)
{
    if (n < 16) { /* short runs: four chains instead of the lanes' setup */
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
            a0 += x[i];
            a1 += x[i + 1];
            a2 += x[i + 2];
            a3 += x[i + 3];
        }
        for (; i < n; i++)
            a0 += x[i];
        return (a0 + a1) + (a2 + a3);
    }
    if (n > PAIRWISE_BLOCK) {
        int64_t h = (n / 2) & ~(int64_t)7;
        return sum_f32(x, h) + sum_f32(x + h, n - h);
    }
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            a[k] += x[i + k];
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++)
        s += x[i];
    return s;
}

static double sum_f64(const double *x, int64_t n)
{
    if (n < 16) { /* short runs: four chains instead of the lanes' setup */
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
            a0 += x[i];
            a1 += x[i + 1];
            a2 += x[i + 2];
            a3 += x[i + 3];
        }
        for (; i < n; i++)
            a0 += x[i];
        return (a0 + a1) + (a2 + a3);
    }
    if (n > PAIRWISE_BLOCK) {
        int64_t h = (n / 2) & ~(int64_t)7;
        return sum_f64(x, h) + sum_f64(x + h, n - h);
    }
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            a[k] += x[i + k];
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++)
        s += x[i];
    return s;
}

/* sum of (x - c)^2 */
static double sqdev_f32(const float *x, int64_t n, double c)
{
    if (n > PAIRWISE_BLOCK) {
        int64_t h = (n / 2) & ~(int64_t)7;
        return sqdev_f32(x, h, c) + sqdev_f32(x + h, n - h, c);
    }
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            double d = x[i + k] - c;
            a[k] += d * d;
        }
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++)
        s += (x[i] - c) * (x[i] - c);
    return s;
}

static double sqdev_f64(const double *x, int64_t n, double c)
{
    if (n > PAIRWISE_BLOCK) {
        int64_t h = (n / 2) & ~(int64_t)7;
        return sqdev_f64(x, h, c) + sqdev_f64(x + h, n - h, c);
    }
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) {
            double d = x[i + k] - c;
            a[k] += d * d;
        }
    double s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++)
        s += (x[i] - c) * (x[i] - c);
    return s;
}

/* max (is_max) or min of acc and x[0..n), NaN winning.  16 lanes; the lane
 * loop must stay a loop (GCC unrolls it into scalar code otherwise) so it
 * becomes compare-and-blend vector code. */
double ct_red_minmax_f32(const float *x, int64_t n, double acc, bool is_max)
{
    ct_red_kind kind = is_max ? CT_RK_MAX : CT_RK_MIN;
    if (n < 64) { /* too short for the lanes to pay off */
        for (int64_t i = 0; i < n; i++)
            acc = fold_d(kind, acc, x[i], 0, 0);
        return acc;
    }
    float m[16];
    for (int k = 0; k < 16; k++)
        m[k] = (float)acc; /* exact: acc is ±inf, NaN or an earlier float32 element */
    int64_t i = 0;
    if (is_max) {
        for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 1
            for (int k = 0; k < 16; k++) {
                float v = x[i + k];
                m[k] = (v > m[k] || v != v) ? v : m[k];
            }
        }
    } else {
        for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 1
            for (int k = 0; k < 16; k++) {
                float v = x[i + k];
                m[k] = (v < m[k] || v != v) ? v : m[k];
            }
        }
    }
    for (int k = 0; k < 16; k++)
        acc = fold_d(kind, acc, m[k], 0, 0);
    for (; i < n; i++)
        acc = fold_d(kind, acc, x[i], 0, 0);
    return acc;
}

double ct_red_minmax_f64(const double *x, int64_t n, double acc, bool is_max)
{
    ct_red_kind kind = is_max ? CT_RK_MAX : CT_RK_MIN;
    if (n < 64) { /* too short for the lanes to pay off */
        for (int64_t i = 0; i < n; i++)
            acc = fold_d(kind, acc, x[i], 0, 0);
        return acc;
    }
    double m[16];
    for (int k = 0; k < 16; k++)
        m[k] = acc;
    int64_t i = 0;
    if (is_max) {
        for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 1
            for (int k = 0; k < 16; k++) {
                double v = x[i + k];
                m[k] = (v > m[k] || v != v) ? v : m[k];
            }
        }
    } else {
        for (; i + 16 <= n; i += 16) {
#pragma GCC unroll 1
            for (int k = 0; k < 16; k++) {
                double v = x[i + k];
                m[k] = (v < m[k] || v != v) ? v : m[k];
            }
        }
    }
    for (int k = 0; k < 16; k++)
        acc = fold_d(kind, acc, m[k], 0, 0);
    for (; i < n; i++)
        acc = fold_d(kind, acc, x[i], 0, 0);
    return acc;
}

/* ---------------------------------------------------------------- runs (inner walk) */

static double run_double(const ct_reduce_args *a, const char *p, int64_t n, int64_t s, double acc, double c)
{
    ct_red_kind k = a->kind;
    if (a->in_dtype == CT_FLOAT32 && s == 4) {
        const float *x = (const float *)p;
        switch (k) {
        case CT_RK_SUM: return acc + sum_f32(x, n);
        case CT_RK_SQDEV: return acc + sqdev_f32(x, n, c);
        case CT_RK_MAX: return ct_red_minmax_f32(x, n, acc, true);
        case CT_RK_MIN: return ct_red_minmax_f32(x, n, acc, false);
        default:
            for (int64_t i = 0; i < n; i++)
                acc = fold_d(k, acc, x[i], c, a->p);
            return acc;
        }
    }
    if (a->in_dtype == CT_FLOAT64 && s == 8) {
        const double *x = (const double *)p;
        switch (k) {
        case CT_RK_SUM: return acc + sum_f64(x, n);
        case CT_RK_SQDEV: return acc + sqdev_f64(x, n, c);
        case CT_RK_MAX: return ct_red_minmax_f64(x, n, acc, true);
        case CT_RK_MIN: return ct_red_minmax_f64(x, n, acc, false);
        default:
            for (int64_t i = 0; i < n; i++)
                acc = fold_d(k, acc, x[i], c, a->p);
            return acc;
        }
    }
    if (a->in_dtype == CT_FLOAT32) {
        for (int64_t i = 0; i < n; i++)
            acc = fold_d(k, acc, *(const float *)(p + i * s), c, a->p);
        return acc;
    }
    if (a->in_dtype == CT_FLOAT64) {
        for (int64_t i = 0; i < n; i++)
            acc = fold_d(k, acc, *(const double *)(p + i * s), c, a->p);
        return acc;
    }
    for (int64_t i = 0; i < n; i++)
        acc = fold_d(k, acc, ct_scalar_load(a->in_dtype, p + i * s).d, c, a->p);
    return acc;
}

static int64_t run_int(const ct_reduce_args *a, const char *p, int64_t n, int64_t s, int64_t acc)
{
    if (a->in_dtype == CT_INT64 && a->kind == CT_RK_SUM && s == 8) {
        const int64_t *x = (const int64_t *)p;
        uint64_t u = (uint64_t)acc; /* unsigned: wraps instead of overflowing */
        for (int64_t i = 0; i < n; i++)
            u += (uint64_t)x[i];
        return (int64_t)u;
    }
    for (int64_t i = 0; i < n; i++)
        acc = fold_i(a->kind, acc, ct_scalar_load(a->in_dtype, p + i * s).i);
    return acc;
}

void ct_red_fold_run(const ct_reduce_args *a, bool acc_int, const char *p, int64_t n, int64_t s, void *acc,
                     double center)
{
    if (acc_int) {
        int64_t *ai = acc;
        ai[0] = run_int(a, p, n, s, ai[0]);
    } else {
        double *ad = acc;
        ad[0] = run_double(a, p, n, s, ad[0], center);
    }
}

/* ---------------------------------------------------------------- rows (rows walk) */

static void row_double(const ct_reduce_args *a, const char *p, int64_t w, int64_t s, double *acc,
                       const double *c)
{
    ct_red_kind k = a->kind;
    if (a->in_dtype == CT_FLOAT32 && s == 4) {
        const float *x = (const float *)p;
        switch (k) {
        case CT_RK_SUM:
            for (int64_t j = 0; j < w; j++)
                acc[j] += x[j];
            return;
        case CT_RK_MAX:
            for (int64_t j = 0; j < w; j++) {
                double v = x[j];
                acc[j] = (v > acc[j] || v != v) ? v : acc[j];
            }
            return;
        case CT_RK_MIN:
            for (int64_t j = 0; j < w; j++) {
                double v = x[j];
                acc[j] = (v < acc[j] || v != v) ? v : acc[j];
            }
            return;
        case CT_RK_SQDEV:
            if (c) {
                for (int64_t j = 0; j < w; j++) {
                    double d = x[j] - c[j];
                    acc[j] += d * d;
                }
            } else {
                for (int64_t j = 0; j < w; j++)
                    acc[j] += (double)x[j] * x[j];
            }
            return;
        default: break;
        }
    }
    if (a->in_dtype == CT_FLOAT64 && s == 8) {
        const double *x = (const double *)p;
        switch (k) {
        case CT_RK_SUM:
            for (int64_t j = 0; j < w; j++)
                acc[j] += x[j];
            return;
        case CT_RK_MAX:
            for (int64_t j = 0; j < w; j++)
                acc[j] = (x[j] > acc[j] || x[j] != x[j]) ? x[j] : acc[j];
            return;
        case CT_RK_MIN:
            for (int64_t j = 0; j < w; j++)
                acc[j] = (x[j] < acc[j] || x[j] != x[j]) ? x[j] : acc[j];
            return;
        case CT_RK_SQDEV:
            if (c) {
                for (int64_t j = 0; j < w; j++) {
                    double d = x[j] - c[j];
                    acc[j] += d * d;
                }
            } else {
                for (int64_t j = 0; j < w; j++)
                    acc[j] += x[j] * x[j];
            }
            return;
        default: break;
        }
    }
    for (int64_t j = 0; j < w; j++)
        acc[j] = fold_d(k, acc[j], load_d(a->in_dtype, p + j * s), c ? c[j] : 0.0, a->p);
}

static void row_int(const ct_reduce_args *a, const char *p, int64_t w, int64_t s, int64_t *acc)
{
    if (a->in_dtype == CT_INT64 && a->kind == CT_RK_SUM && s == 8) {
        const int64_t *x = (const int64_t *)p;
        for (int64_t j = 0; j < w; j++)
            acc[j] = (int64_t)((uint64_t)acc[j] + (uint64_t)x[j]);
        return;
    }
    for (int64_t j = 0; j < w; j++)
        acc[j] = fold_i(a->kind, acc[j], ct_scalar_load(a->in_dtype, p + j * s).i);
}

void ct_red_fold_rows(const ct_reduce_args *a, bool acc_int, const char *p, int64_t nrows, int64_t row_step,
                      int64_t w, int64_t s, void *acc, const double *center)
{
    for (int64_t r = 0; r < nrows; r++) {
        if (acc_int)
            row_int(a, p + r * row_step, w, s, acc);
        else
            row_double(a, p + r * row_step, w, s, acc, center);
    }
}

/* ---------------------------------------------------------------- identities and combining */

void ct_red_init_acc(const ct_reduce_args *a, bool acc_int, void *acc, int64_t w)
{
    if (acc_int) {
        int64_t v = 0;
        switch (a->kind) {
        case CT_RK_PROD: case CT_RK_ALL: v = 1; break;
        case CT_RK_MAX: v = INT64_MIN; break;
        case CT_RK_MIN: v = INT64_MAX; break;
        default: v = 0; break;
        }
        int64_t *ai = acc;
        for (int64_t j = 0; j < w; j++)
            ai[j] = v;
        return;
    }
    double v = 0;
    switch (a->kind) {
    case CT_RK_PROD: case CT_RK_ALL: v = 1; break;
    case CT_RK_MAX: case CT_RK_ABS_MAX: v = -INFINITY; break;
    case CT_RK_MIN: case CT_RK_ABS_MIN: v = INFINITY; break;
    default: v = 0; break;
    }
    double *ad = acc;
    for (int64_t j = 0; j < w; j++)
        ad[j] = v;
}

void ct_red_combine(const ct_reduce_args *a, bool acc_int, void *acc, const void *part, int64_t w)
{
    if (acc_int) {
        int64_t *ai = acc;
        const int64_t *pi = part;
        for (int64_t j = 0; j < w; j++)
            ai[j] = fold_i(a->kind, ai[j], pi[j]);
        return;
    }
    /* partial results combine like elements, except that sums of anything add */
    ct_red_kind k;
    switch (a->kind) {
    case CT_RK_PROD: case CT_RK_MAX: case CT_RK_MIN: case CT_RK_ALL: case CT_RK_ANY: k = a->kind; break;
    case CT_RK_ABS_MAX: k = CT_RK_MAX; break;
    case CT_RK_ABS_MIN: k = CT_RK_MIN; break;
    default: k = CT_RK_SUM; break;
    }
    double *ad = acc;
    const double *pd = part;
    for (int64_t j = 0; j < w; j++)
        ad[j] = fold_d(k, ad[j], pd[j], 0, 0);
}

void ct_red_inner_groups(const ct_reduce_geom *g, const ct_reduce_args *a, bool acc_int, int64_t g0, int64_t g1)
{
    int64_t es = (int64_t)ct_dtype_size(a->in_dtype);
    int64_t n = g->rsize[0], s = g->rstride[0] * es;
    char *out = a->acc_out;
    ct_red_iter it;
    ct_red_iter_start(g, g0, &it);
    for (int64_t gi = g0; gi < g1; gi++) {
        const char *p = a->in + it.in_off * es;
        if (acc_int) {
            int64_t acc;
            ct_red_init_acc(a, true, &acc, 1);
            acc = run_int(a, p, n, s, acc);
            memcpy(out + it.out_off * 8, &acc, 8);
        } else {
            double acc;
            ct_red_init_acc(a, false, &acc, 1);
            acc = run_double(a, p, n, s, acc, a->center ? a->center[it.out_off] : 0.0);
            memcpy(out + it.out_off * 8, &acc, 8);
        }
        ct_red_iter_next(g, &it);
    }
}
