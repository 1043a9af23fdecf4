/*
 * binary.c -- binary pointwise kernels.
 *
 * float32 and float64 have typed loops with unit-stride fast paths for the
 * arithmetic that dominates training; integer dtypes compute exactly in int64
 * and half types through float.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cpu/binary.h"

static bool is_predicate(ct_binary_op op) { return op >= CT_EQ; }

/* Python/PyTorch semantics: remainder takes the divisor's sign, floor division rounds down. */
static double rem_f64(double a, double b)
{
    double r = fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    return r;
}

static double apply_f64(ct_binary_op op, double a, double b)
{
    switch (op) {
    case CT_ADD: return a + b;
    case CT_SUB: return a - b;
    case CT_MUL: return a * b;
    case CT_DIV: return a / b;
    case CT_FLOOR_DIVIDE: return floor(a / b);
    case CT_REMAINDER: return rem_f64(a, b);
    case CT_POW: return pow(a, b);
    case CT_MAXIMUM: return (a != a || a > b) ? a : b;
    case CT_MINIMUM: return (a != a || a < b) ? a : b;
    case CT_ATAN2: return atan2(a, b);
    default: return 0;
    }
}

static float apply_f32(ct_binary_op op, float a, float b)
{
    switch (op) {
    case CT_ADD: return a + b;
    case CT_SUB: return a - b;
    case CT_MUL: return a * b;
    case CT_DIV: return a / b;
    case CT_FLOOR_DIVIDE: return floorf(a / b);
    case CT_REMAINDER: return (float)rem_f64(a, b);
    case CT_POW: return powf(a, b);
    case CT_MAXIMUM: return (a != a || a > b) ? a : b;
    case CT_MINIMUM: return (a != a || a < b) ? a : b;
    case CT_ATAN2: return atan2f(a, b);
    default: return 0;
    }
}

static bool predicate_f64(ct_binary_op op, double a, double b)
{
    switch (op) {
    case CT_EQ: return a == b;
    case CT_NE: return a != b;
    case CT_LT: return a < b;
    case CT_LE: return a <= b;
    case CT_GT: return a > b;
    case CT_GE: return a >= b;
    case CT_LOGICAL_AND: return a != 0 && b != 0;
    case CT_LOGICAL_OR: return a != 0 || b != 0;
    case CT_LOGICAL_XOR: return (a != 0) != (b != 0);
    default: return false;
    }
}

static bool predicate_i64(ct_binary_op op, int64_t a, int64_t b)
{
    switch (op) {
    case CT_EQ: return a == b;
    case CT_NE: return a != b;
    case CT_LT: return a < b;
    case CT_LE: return a <= b;
    case CT_GT: return a > b;
    case CT_GE: return a >= b;
    case CT_LOGICAL_AND: return a != 0 && b != 0;
    case CT_LOGICAL_OR: return a != 0 || b != 0;
    case CT_LOGICAL_XOR: return (a != 0) != (b != 0);
    default: return false;
    }
}

/* Integer arithmetic; division by zero was rejected by the caller. */
static int64_t apply_i64(ct_binary_op op, int64_t a, int64_t b)
{
    switch (op) {
    case CT_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
    case CT_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
    case CT_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
    case CT_FLOOR_DIVIDE: {
        if (b == -1)
            return (int64_t)(0 - (uint64_t)a);
        int64_t q = a / b;
        return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
    }
    case CT_REMAINDER: {
        if (b == -1)
            return 0;
        int64_t r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
    case CT_POW: {
        if (b < 0)
            return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
        uint64_t result = 1, base = (uint64_t)a;
        for (int64_t e = b; e > 0; e >>= 1) {
            if (e & 1)
                result *= base;
            base *= base;
        }
        return (int64_t)result;
    }
    case CT_MAXIMUM: return a > b ? a : b;
    case CT_MINIMUM: return a < b ? a : b;
    default: return 0;
    }
}

typedef struct {
    ct_binary_op op;
    ct_dtype dtype;
} binary_ctx;

static void loop_f32(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    if (s[0] == 4 && s[1] == 4 && (s[2] == 4 || s[2] == 0)) {
        float *o = (float *)d[0];
        const float *a = (const float *)d[1], *b = (const float *)d[2];
        if (s[2] == 0) { /* tensor op scalar, the other common case */
            float bv = *b;
            switch (op) {
            case CT_ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + bv; return;
            case CT_SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i] - bv; return;
            case CT_MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * bv; return;
            case CT_DIV: for (int64_t i = 0; i < n; i++) o[i] = a[i] / bv; return;
            default: for (int64_t i = 0; i < n; i++) o[i] = apply_f32(op, a[i], bv); return;
            }
        }
        switch (op) {
        case CT_ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + b[i]; return;
        case CT_SUB: for (int64_t i = 0; i < n; i++) o[i] = a[i] - b[i]; return;
        case CT_MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i]; return;
        case CT_DIV: for (int64_t i = 0; i < n; i++) o[i] = a[i] / b[i]; return;
        default: for (int64_t i = 0; i < n; i++) o[i] = apply_f32(op, a[i], b[i]); return;
        }
    }
    for (int64_t i = 0; i < n; i++)
        *(float *)(d[0] + i * s[0]) =
            apply_f32(op, *(const float *)(d[1] + i * s[1]), *(const float *)(d[2] + i * s[2]));
}

static void loop_f64(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    if (s[0] == 8 && s[1] == 8 && s[2] == 8) {
        double *o = (double *)d[0];
        const double *a = (const double *)d[1], *b = (const double *)d[2];
        switch (op) {
        case CT_ADD: for (int64_t i = 0; i < n; i++) o[i] = a[i] + b[i]; return;
        case CT_MUL: for (int64_t i = 0; i < n; i++) o[i] = a[i] * b[i]; return;
        default: for (int64_t i = 0; i < n; i++) o[i] = apply_f64(op, a[i], b[i]); return;
        }
    }
    for (int64_t i = 0; i < n; i++)
        *(double *)(d[0] + i * s[0]) =
            apply_f64(op, *(const double *)(d[1] + i * s[1]), *(const double *)(d[2] + i * s[2]));
}

/* Integer and half dtypes: load through ct_scalar, exact for integers. */
static void loop_generic(void *arg, char **d, const int64_t *s, int64_t n)
{
    const binary_ctx *c = arg;
    bool is_float = ct_dtype_is_float(c->dtype);
    for (int64_t i = 0; i < n; i++) {
        ct_scalar a = ct_scalar_load(c->dtype, d[1] + i * s[1]);
        ct_scalar b = ct_scalar_load(c->dtype, d[2] + i * s[2]);
        ct_scalar r;
        if (is_predicate(c->op))
            r = ct_scalar_bool(is_float ? predicate_f64(c->op, a.d, b.d) : predicate_i64(c->op, a.i, b.i));
        else if (is_float)
            r = ct_scalar_float((float)apply_f64(c->op, a.d, b.d));
        else
            r = ct_scalar_int(apply_i64(c->op, a.i, b.i));
        ct_scalar_store(r, is_predicate(c->op) ? CT_BOOL : c->dtype, d[0] + i * s[0]);
    }
}

static void loop_predicate_f32(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    for (int64_t i = 0; i < n; i++)
        *(uint8_t *)(d[0] + i * s[0]) =
            predicate_f64(op, *(const float *)(d[1] + i * s[1]), *(const float *)(d[2] + i * s[2]));
}

static void loop_predicate_f64(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    for (int64_t i = 0; i < n; i++)
        *(uint8_t *)(d[0] + i * s[0]) =
            predicate_f64(op, *(const double *)(d[1] + i * s[1]), *(const double *)(d[2] + i * s[2]));
}

/* Integer division by zero and integer powers with negative exponents have
 * no integer value: find them (in the right operand) before running. */
static void find_bad_operand(void *arg, char **d, const int64_t *s, int64_t n)
{
    const binary_ctx *c = arg;
    bool *found = (bool *)d[0];
    for (int64_t i = 0; i < n && !*found; i++) {
        int64_t v = ct_scalar_load(c->dtype, d[2] + i * s[2]).i;
        if (c->op == CT_POW ? v < 0 : v == 0)
            *found = true;
    }
}

/* int64 has its own loops: index arithmetic (1-based <-> 0-based) runs on it. */
static void loop_i64(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    for (int64_t i = 0; i < n; i++)
        *(int64_t *)(d[0] + i * s[0]) =
            apply_i64(op, *(const int64_t *)(d[1] + i * s[1]), *(const int64_t *)(d[2] + i * s[2]));
}

static void loop_predicate_i64(void *arg, char **d, const int64_t *s, int64_t n)
{
    ct_binary_op op = ((const binary_ctx *)arg)->op;
    for (int64_t i = 0; i < n; i++)
        *(uint8_t *)(d[0] + i * s[0]) =
            predicate_i64(op, *(const int64_t *)(d[1] + i * s[1]), *(const int64_t *)(d[2] + i * s[2]));
}

int ct_cpu_binary(ct_binary_op op, ct_dtype dtype, const ct_loop *loop)
{
    binary_ctx c = {op, dtype};
    if (!ct_dtype_is_float(dtype) && (op == CT_FLOOR_DIVIDE || op == CT_REMAINDER || op == CT_POW)) {
        bool found = false;
        ct_loop check = *loop;
        check.data[0] = (char *)&found;
        for (int i = 0; i < check.ndim; i++)
            check.strides[0][i] = 0;
        if (check.numel > 0)
            ct_loop_run_range(&check, find_bad_operand, &c, 0, check.numel);
        if (found && op == CT_POW)
            return ct_fail("pow: integers to negative integer powers are not allowed (%s)", ct_dtype_name(dtype));
        if (found)
            return ct_fail("%s: integer division by zero", ct_binary_name(op));
    }
    ct_loop_fn fn;
    if (is_predicate(op))
        fn = dtype == CT_FLOAT32 ? loop_predicate_f32
             : dtype == CT_FLOAT64 ? loop_predicate_f64
             : dtype == CT_INT64   ? loop_predicate_i64
                                   : loop_generic;
    else
        fn = dtype == CT_FLOAT32 ? loop_f32
             : dtype == CT_FLOAT64 ? loop_f64
             : dtype == CT_INT64   ? loop_i64
                                   : loop_generic;
    ct_loop_run(loop, fn, &c);
    return 0;
}
