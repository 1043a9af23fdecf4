/*
 * softmax.h -- CPU kernels for softmax and log_softmax and their backward.
 *
 * The dispatch layer sees the tensor as [outer, D, inner] with D the softmax
 * dim.  Contiguous data takes a row kernel (inner == 1, rows of D adjacent
 * values) or a block kernel (inner > 1: a lane per inner position, so the
 * loops run along contiguous memory); other strides take a strided row loop.
 * float32 and float64 only; outputs are contiguous.
 */
#ifndef CT_CPU_SOFTMAX_H
#define CT_CPU_SOFTMAX_H

#include <math.h>

#include "core/loop.h"
#include "cpu/unary.h"

/* out = (log_)softmax of contiguous in, both [outer, D, inner]. */
void ct_cpu_softmax(ct_dtype dtype, int log, const void *in, void *out, int64_t outer, int64_t D,
                    int64_t inner);
/* The same for an input of any strides; out is contiguous with in's shape. */
void ct_cpu_softmax_strided(int log, const ct_tensor *in, int dim, void *out);
/* Backward from the output y and its gradient g (contiguous, [outer, D, inner]):
 * softmax: gi = y * (g - sum_D(g * y)); log_softmax: gi = g - exp(y) * sum_D(g). */
void ct_cpu_softmax_backward(ct_dtype dtype, int log, const void *y, const void *g, void *gi,
                             int64_t outer, int64_t D, int64_t inner);

/* log(sum(exp(x))) of D values at x, stride apart (in elements), computed
 * stably as max + log(sum(exp(x - max))); shared with the cross-entropy
 * kernels.  A row holding NaN gives NaN. */
double ct_row_logsumexp_f32(const float *x, int64_t stride, int64_t D);
double ct_row_logsumexp_f64(const double *x, int64_t stride, int64_t D);

/* exp(x) for the x <= 0 of softmax (x minus its row max; log_softmax
 * outputs): ct_exp_f32 without the overflow side, and results below
 * e^-87 (about 2^-126) are 0, as they vanish next to the max's exp(0) = 1.
 * NaN stays NaN. */
static inline float ct_exp_nonpos_f32(float x)
{
    float xc = x < -87.0f ? -87.0f : x;
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t ni = (int32_t)(n == n ? n : 0.0f); /* n in [-126, 0]: a normal 2^n */
    float v = p * ct_bits_to_f32((ni + 127) << 23);
    return x < -87.0f ? 0.0f : v;
}

/* ---- row helpers (stride 1), inline so that loops over rows keep their
 * constants in registers.  Partial sums in 8 (4) lanes let the compiler
 * vectorize.  (A NaN in a row makes its sum of exps NaN.) */

static inline float ct_row_max_f32(const float *x, int64_t n)
{
    float m = -INFINITY;
    int64_t i = 0;
    if (n >= 8) {
        float a[8];
        for (int k = 0; k < 8; k++)
            a[k] = x[k];
        for (i = 8; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++)
                a[k] = x[i + k] > a[k] ? x[i + k] : a[k];
        for (int k = 0; k < 8; k++)
            m = a[k] > m || a[k] != a[k] ? a[k] : m;
    }
    for (; i < n; i++)
        m = x[i] > m || x[i] != x[i] ? x[i] : m;
    return m;
}

static inline double ct_row_max_f64(const double *x, int64_t n)
{
    double m = -INFINITY;
    int64_t i = 0;
    if (n >= 4) {
        double a[4];
        for (int k = 0; k < 4; k++)
            a[k] = x[k];
        for (i = 4; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; k++)
                a[k] = x[i + k] > a[k] ? x[i + k] : a[k];
        for (int k = 0; k < 4; k++)
            m = a[k] > m || a[k] != a[k] ? a[k] : m;
    }
    for (; i < n; i++)
        m = x[i] > m || x[i] != x[i] ? x[i] : m;
    return m;
}

/* sum(exp(x - m)), also writing each exp to e when e is not NULL. */
static inline float ct_row_sum_exp_f32(const float *x, float *e, int64_t n, float m)
{
    float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    if (e) {
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++) {
                float v = ct_exp_nonpos_f32(x[i + k] - m);
                e[i + k] = v;
                a[k] += v;
            }
    } else {
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; k++)
                a[k] += ct_exp_nonpos_f32(x[i + k] - m);
    }
    float s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++) {
        float v = ct_exp_nonpos_f32(x[i] - m);
        if (e)
            e[i] = v;
        s += v;
    }
    return s;
}

static inline double ct_row_sum_exp_f64(const double *x, double *e, int64_t n, double m)
{
    double a[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            double v = exp(x[i + k] - m);
            if (e)
                e[i + k] = v;
            a[k] += v;
        }
    double s = (a[0] + a[1]) + (a[2] + a[3]);
    for (; i < n; i++) {
        double v = exp(x[i] - m);
        if (e)
            e[i] = v;
        s += v;
    }
    return s;
}

#endif
