/*
 * unary.h -- CPU kernels for unary pointwise ops, and float32 versions of
 * exp/log/tanh/sigmoid written so that the compiler can vectorize loops that
 * call them (libm's are opaque calls that block vectorization).
 */
#ifndef CT_CPU_UNARY_H
#define CT_CPU_UNARY_H

#include <math.h>
#include <string.h>

#include "core/loop.h"

/* loop operands: 0 = out (of out_dtype), 1 = in (of in_dtype).  The caller
 * has chosen out_dtype by the op's dtype rules. */
void ct_cpu_unary(ct_unary_op op, ct_dtype in_dtype, ct_dtype out_dtype, const ct_loop *loop);

/* The op on one float64 value / one int64 value (integer-preserving ops only). */
double ct_unary_f64(ct_unary_op op, double x);
int64_t ct_unary_i64(ct_unary_op op, int64_t x);

/* ---- vectorizable float32 math: branch-free (selects only), no calls. */

static inline float ct_bits_to_f32(int32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline int32_t ct_f32_to_bits(float f)
{
    int32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* exp(x) = 2^n * exp(r) with n = round(x / ln2) and |r| <= ln2 / 2; exp(r)
 * by a degree-7 polynomial (Cephes' expf coefficients).  2^n is applied as
 * two factors so that results in the subnormal range stay exact-ish.
 * Max error about 1 ulp. */
static inline float ct_exp_f32(float x)
{
    /* the clamps keep n in [-150, 129]; NaN passes through both */
    float xc = x < -104.0f ? -104.0f : x;
    xc = xc > 89.0f ? 89.0f : xc;
    /* round to nearest via the 1.5 * 2^23 trick (no call to rintf) */
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - n * 0.693359375f; /* ln2 split in two for an exact r */
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t ni = (int32_t)(n == n ? n : 0.0f); /* NaN to int is undefined */
    int32_t n1 = ni / 2;
    /* biased exponents are in [52, 192]: the shifts stay in range */
    float s1 = ct_bits_to_f32((n1 + 127) << 23);
    float s2 = ct_bits_to_f32((ni - n1 + 127) << 23);
    return p * s1 * s2;
}

/* log(x) = e * ln2 + log(m) with m in [sqrt(1/2), sqrt(2)); log(1 + t) by
 * Cephes' logf polynomial.  Subnormals are scaled up first. */
static inline float ct_log_f32(float x)
{
    int sub = x < 1.17549435e-38f;
    float xs = sub ? x * 8388608.0f : x;
    int32_t bits = ct_f32_to_bits(xs);
    int32_t e = ((bits >> 23) & 0xff) - 126 - (sub ? 23 : 0);
    float m = ct_bits_to_f32((bits & 0x007fffff) | 0x3f000000); /* [0.5, 1) */
    int small = m < 0.707106781186547524f;
    e = small ? e - 1 : e;
    float t = small ? m + m - 1.0f : m - 1.0f;
    float z = t * t;
    float y = 7.0376836292e-2f;
    y = y * t - 1.1514610310e-1f;
    y = y * t + 1.1676998740e-1f;
    y = y * t - 1.2420140846e-1f;
    y = y * t + 1.4249322787e-1f;
    y = y * t - 1.6668057665e-1f;
    y = y * t + 2.0000714765e-1f;
    y = y * t - 2.4999993993e-1f;
    y = y * t + 3.3333331174e-1f;
    y = y * t * z;
    float fe = (float)e;
    y = y - 2.12194440e-4f * fe;
    y = y - 0.5f * z;
    float r = t + y + 0.693359375f * fe;
    r = x == INFINITY ? x : r;
    r = x == 0.0f ? -INFINITY : r;
    r = x < 0.0f ? NAN : r;
    return x != x ? x : r;
}

/* tanh: an odd polynomial near 0 (Cephes' tanhf), (1 - e) / (1 + e) with
 * e = exp(-2|x|) elsewhere, where there is no cancellation. */
static inline float ct_tanh_f32(float x)
{
    float ax = fabsf(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    p = p * z * x + x;
    float e = ct_exp_f32(-2.0f * ax);
    float t = (1.0f - e) / (1.0f + e);
    t = x < 0.0f ? -t : t;
    return ax < 0.625f ? p : t;
}

/* sigmoid without overflow: e = exp(-|x|) is in (0, 1], so 1 / (1 + e) and
 * e / (1 + e) are both safe for any x (+-1000 give 1 and 0). */
static inline float ct_sigmoid_f32(float x)
{
    float e = ct_exp_f32(-fabsf(x));
    float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

static inline double ct_sigmoid_f64(double x)
{
    double e = exp(-fabs(x));
    double s = 1.0 / (1.0 + e);
    return x >= 0.0 ? s : e * s;
}

#endif
