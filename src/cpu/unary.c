/*
 * unary.c -- unary pointwise kernels.
 *
 * float32 and float64 have typed loops; the ops training leans on (exp, log,
 * sqrt, tanh, sigmoid, relu, neg, abs) get unit-stride loops the compiler
 * vectorizes.  Everything else (integers, bool, half types, and float math
 * on integer inputs, which PyTorch returns as float32) goes through one
 * generic loop: exact int64 for integer-preserving ops, double otherwise.
 */
/* CMakeLists.txt compiles this file with -fno-math-errno -fno-trapping-math
 * so that those loops (sqrtf, and the selects in ct_exp_f32 ...) vectorize. */
#include <math.h>
#include <stdbool.h>

#include "cpu/unary.h"

/* Python's round: halves go to the even neighbour (the default FP rounding mode). */
static double round_half_even(double x) { return nearbyint(x); }
static float round_half_even_f32(float x) { return nearbyintf(x); }

double ct_unary_f64(ct_unary_op op, double x)
{
    switch (op) {
    case CT_NEG: return -x;
    case CT_ABS: return fabs(x);
    case CT_SIGN: return (double)((x > 0) - (x < 0)); /* PyTorch: sign(nan) = 0 */
    case CT_EXP: return exp(x);
    case CT_LOG: return log(x);
    case CT_LOG2: return log2(x);
    case CT_LOG10: return log10(x);
    case CT_LOG1P: return log1p(x);
    case CT_EXPM1: return expm1(x);
    case CT_SQRT: return sqrt(x);
    case CT_RSQRT: return 1.0 / sqrt(x);
    case CT_SIN: return sin(x);
    case CT_COS: return cos(x);
    case CT_TAN: return tan(x);
    case CT_ASIN: return asin(x);
    case CT_ACOS: return acos(x);
    case CT_ATAN: return atan(x);
    case CT_SINH: return sinh(x);
    case CT_COSH: return cosh(x);
    case CT_TANH: return tanh(x);
    case CT_SIGMOID: return ct_sigmoid_f64(x);
    case CT_RELU: return x < 0 ? 0.0 : x; /* keeps NaN */
    case CT_FLOOR: return floor(x);
    case CT_CEIL: return ceil(x);
    case CT_ROUND: return round_half_even(x);
    case CT_TRUNC: return trunc(x);
    case CT_FRAC: return x - trunc(x);
    case CT_RECIPROCAL: return 1.0 / x;
    case CT_SQUARE: return x * x;
    case CT_ERF: return erf(x);
    case CT_LOGICAL_NOT: return x == 0;
    default: return 0;
    }
}

static float unary_f32(ct_unary_op op, float x)
{
    switch (op) {
    case CT_NEG: return -x;
    case CT_ABS: return fabsf(x);
    case CT_SIGN: return (float)((x > 0) - (x < 0));
    case CT_EXP: return ct_exp_f32(x);
    case CT_LOG: return ct_log_f32(x);
    case CT_LOG2: return log2f(x);
    case CT_LOG10: return log10f(x);
    case CT_LOG1P: return log1pf(x);
    case CT_EXPM1: return expm1f(x);
    case CT_SQRT: return sqrtf(x);
    case CT_RSQRT: return 1.0f / sqrtf(x);
    case CT_SIN: return sinf(x);
    case CT_COS: return cosf(x);
    case CT_TAN: return tanf(x);
    case CT_ASIN: return asinf(x);
    case CT_ACOS: return acosf(x);
    case CT_ATAN: return atanf(x);
    case CT_SINH: return sinhf(x);
    case CT_COSH: return coshf(x);
    case CT_TANH: return ct_tanh_f32(x);
    case CT_SIGMOID: return ct_sigmoid_f32(x);
    case CT_RELU: return x < 0 ? 0.0f : x;
    case CT_FLOOR: return floorf(x);
    case CT_CEIL: return ceilf(x);
    case CT_ROUND: return round_half_even_f32(x);
    case CT_TRUNC: return truncf(x);
    case CT_FRAC: return x - truncf(x);
    case CT_RECIPROCAL: return 1.0f / x;
    case CT_SQUARE: return x * x;
    case CT_ERF: return erff(x);
    case CT_LOGICAL_NOT: return x == 0;
    default: return 0;
    }
}

/* Integer-preserving ops; overflow wraps like the hardware (abs/neg of INT64_MIN). */
int64_t ct_unary_i64(ct_unary_op op, int64_t x)
{
    switch (op) {
    case CT_NEG: return (int64_t)(0 - (uint64_t)x);
    case CT_ABS: return x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
    case CT_SIGN: return (x > 0) - (x < 0);
    case CT_RELU: return x < 0 ? 0 : x;
    case CT_SQUARE: return (int64_t)((uint64_t)x * (uint64_t)x);
    case CT_FRAC: return 0;
    case CT_LOGICAL_NOT: return x == 0;
    default: return x; /* floor, ceil, round, trunc: integers are already whole */
    }
}

typedef struct {
    ct_unary_op op;
    ct_dtype in, out;
} unary_ctx;

/* Unit-stride float32: one plain loop per hot op so each vectorizes. */
static bool contiguous_f32(ct_unary_op op, float *o, const float *a, int64_t n)
{
    switch (op) {
    case CT_NEG: for (int64_t i = 0; i < n; i++) o[i] = -a[i]; return true;
    case CT_ABS: for (int64_t i = 0; i < n; i++) o[i] = fabsf(a[i]); return true;
    case CT_EXP: for (int64_t i = 0; i < n; i++) o[i] = ct_exp_f32(a[i]); return true;
    case CT_LOG: for (int64_t i = 0; i < n; i++) o[i] = ct_log_f32(a[i]); return true;
    case CT_SQRT: for (int64_t i = 0; i < n; i++) o[i] = sqrtf(a[i]); return true;
    case CT_RSQRT: for (int64_t i = 0; i < n; i++) o[i] = 1.0f / sqrtf(a[i]); return true;
    case CT_TANH: for (int64_t i = 0; i < n; i++) o[i] = ct_tanh_f32(a[i]); return true;
    case CT_SIGMOID: for (int64_t i = 0; i < n; i++) o[i] = ct_sigmoid_f32(a[i]); return true;
    case CT_RELU: for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? 0.0f : a[i]; return true;
    case CT_SQUARE: for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i]; return true;
    case CT_RECIPROCAL: for (int64_t i = 0; i < n; i++) o[i] = 1.0f / a[i]; return true;
    default: return false;
    }
}

static void loop_f32(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_unary_op op = ((const unary_ctx *)arg)->op;
    if (s[0] == 4 && s[1] == 4) {
        float *o = (float *)d[0];
        const float *a = (const float *)d[1];
        if (contiguous_f32(op, o, a, n))
            return;
        for (int64_t i = 0; i < n; i++)
            o[i] = unary_f32(op, a[i]);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        *(float *)(d[0] + i * s[0]) = unary_f32(op, *(const float *)(d[1] + i * s[1]));
}

static void loop_f64(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_unary_op op = ((const unary_ctx *)arg)->op;
    if (s[0] == 8 && s[1] == 8) {
        double *o = (double *)d[0];
        const double *a = (const double *)d[1];
        switch (op) {
        case CT_NEG: for (int64_t i = 0; i < n; i++) o[i] = -a[i]; return;
        case CT_ABS: for (int64_t i = 0; i < n; i++) o[i] = fabs(a[i]); return;
        case CT_SQRT: for (int64_t i = 0; i < n; i++) o[i] = sqrt(a[i]); return;
        case CT_RELU: for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? 0.0 : a[i]; return;
        case CT_SQUARE: for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i]; return;
        default: for (int64_t i = 0; i < n; i++) o[i] = ct_unary_f64(op, a[i]); return;
        }
    }
    for (int64_t i = 0; i < n; i++)
        *(double *)(d[0] + i * s[0]) = ct_unary_f64(op, *(const double *)(d[1] + i * s[1]));
}

/* Any other dtype pair, through ct_scalar. */
static void loop_generic(void *arg, char **d, const int64_t *s, int64_t n)
{
    const unary_ctx *c = arg;
    bool float_math = ct_dtype_is_float(c->in) || ct_dtype_is_float(c->out);
    for (int64_t i = 0; i < n; i++) {
        ct_scalar x = ct_scalar_load(c->in, d[1] + i * s[1]);
        ct_scalar r;
        if (c->op == CT_LOGICAL_NOT)
            r = ct_scalar_bool(x.kind == CT_SCALAR_FLOAT ? x.d == 0 : x.i == 0);
        else if (float_math)
            r = ct_scalar_float(ct_unary_f64(c->op, x.d));
        else
            r = ct_scalar_int(ct_unary_i64(c->op, x.i));
        ct_scalar_store(r, c->out, d[0] + i * s[0]);
    }
}

void ct_cpu_unary(ct_unary_op op, ct_dtype in_dtype, ct_dtype out_dtype, const ct_loop *loop)
{
    unary_ctx c = {op, in_dtype, out_dtype};
    ct_loop_fn fn = loop_generic;
    if (op != CT_LOGICAL_NOT && in_dtype == out_dtype) {
        if (in_dtype == CT_FLOAT32)
            fn = loop_f32;
        else if (in_dtype == CT_FLOAT64)
            fn = loop_f64;
    }
    ct_loop_run(loop, fn, &c);
}
