/*
 * dtype.c -- dtype facts, PyTorch's promotion rules, and scalar conversion.
 */
#include <math.h>
#include <string.h>

#include "core/tensor.h"

static const struct {
    const char *name;
    size_t size;
    int is_float;
    int rank; /* position in the promotion lattice */
} dtype_info[CT_NUM_DTYPES] = {
    [CT_FLOAT32] = {"float32", 4, 1, 5},
    [CT_FLOAT64] = {"float64", 8, 1, 6},
    [CT_INT64] = {"int64", 8, 0, 3},
    [CT_INT32] = {"int32", 4, 0, 2},
    [CT_UINT8] = {"uint8", 1, 0, 1},
    [CT_BOOL] = {"bool", 1, 0, 0},
    [CT_FLOAT16] = {"float16", 2, 1, 4},
    [CT_BFLOAT16] = {"bfloat16", 2, 1, 4},
};

const char *ct_dtype_name(ct_dtype dtype)
{
    return (unsigned)dtype < CT_NUM_DTYPES ? dtype_info[dtype].name : "invalid";
}

int ct_dtype_from_name(const char *name, ct_dtype *out)
{
    static const struct { const char *alias; ct_dtype dtype; } aliases[] = {
        {"float", CT_FLOAT32}, {"double", CT_FLOAT64}, {"long", CT_INT64}, {"int", CT_INT32},
        {"byte", CT_UINT8}, {"half", CT_FLOAT16},
    };
    for (int i = 0; i < CT_NUM_DTYPES; i++)
        if (strcmp(name, dtype_info[i].name) == 0) {
            *out = (ct_dtype)i;
            return 0;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(name, aliases[i].alias) == 0) {
            *out = aliases[i].dtype;
            return 0;
        }
    return ct_fail("unknown dtype '%s'", name);
}

size_t ct_dtype_size(ct_dtype dtype) { return (unsigned)dtype < CT_NUM_DTYPES ? dtype_info[dtype].size : 0; }
int ct_dtype_is_float(ct_dtype dtype) { return (unsigned)dtype < CT_NUM_DTYPES && dtype_info[dtype].is_float; }

ct_dtype ct_promote_types(ct_dtype a, ct_dtype b)
{
    if (a == b)
        return a;
    /* float16 with bfloat16 has no common 16-bit type */
    if ((a == CT_FLOAT16 && b == CT_BFLOAT16) || (a == CT_BFLOAT16 && b == CT_FLOAT16))
        return CT_FLOAT32;
    return dtype_info[a].rank >= dtype_info[b].rank ? a : b;
}

/* 0 bool, 1 integer, 2 float */
static int dtype_category(ct_dtype d)
{
    return d == CT_BOOL ? 0 : ct_dtype_is_float(d) ? 2 : 1;
}

ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b)
{
    int a_dim = a->ndim > 0, b_dim = b->ndim > 0;
    if (a_dim == b_dim)
        return ct_promote_types(a->dtype, b->dtype);
    /* A 0-dim tensor beside a dimensioned one only matters when it is of a
     * higher category, and then its own dtype wins (int32 tensor + 0-dim
     * float64 gives float64, bool tensor + 0-dim uint8 gives uint8). */
    const ct_tensor *dimmed = a_dim ? a : b, *zero = a_dim ? b : a;
    if (dtype_category(zero->dtype) > dtype_category(dimmed->dtype))
        return zero->dtype;
    return dimmed->dtype;
}

ct_dtype ct_scalar_dtype(ct_scalar s)
{
    return s.kind == CT_SCALAR_BOOL ? CT_BOOL : s.kind == CT_SCALAR_INT ? CT_INT64 : CT_FLOAT32;
}

ct_dtype ct_result_type_scalar(const ct_tensor *a, ct_scalar s)
{
    ct_dtype sd = ct_scalar_dtype(s);
    if (dtype_category(sd) > dtype_category(a->dtype))
        return sd;
    return a->dtype;
}

ct_scalar ct_scalar_float(double d) { return (ct_scalar){CT_SCALAR_FLOAT, (int64_t)0, d}; }
ct_scalar ct_scalar_int(int64_t i) { return (ct_scalar){CT_SCALAR_INT, i, (double)i}; }
ct_scalar ct_scalar_bool(int b) { return (ct_scalar){CT_SCALAR_BOOL, b != 0, b != 0}; }

/* float16: IEEE half, round to nearest even */
float ct_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) {
                mant <<= 1;
                exp--;
            }
            bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000 | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t ct_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7fffffff;
    if (absx >= 0x7f800000) /* inf or nan */
        return sign | 0x7c00 | (absx > 0x7f800000 ? 0x200 : 0);
    if (absx >= 0x477ff000) /* rounds to >= 65520: overflow */
        return sign | 0x7c00;
    if (absx < 0x38800000) { /* subnormal half */
        float a;
        memcpy(&a, &absx, 4);
        return sign | (uint16_t)lrintf(a * 16777216.0f); /* a / 2^-24 */
    }
    uint32_t rounded = absx + 0xfff + ((absx >> 13) & 1);
    return sign | (uint16_t)((rounded - 0x38000000) >> 13);
}

float ct_bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t ct_float_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((x >> 16) | 0x40);
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

/* Double to integer without undefined behaviour for NaN or out-of-range values. */
static int64_t double_to_int64(double d)
{
    if (!(d == d))
        return 0;
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

void ct_scalar_store(ct_scalar s, ct_dtype dtype, void *dst)
{
    int exact = s.kind != CT_SCALAR_FLOAT;
    int64_t i = exact ? s.i : double_to_int64(s.d);
    switch (dtype) {
    case CT_FLOAT32: *(float *)dst = exact ? (float)s.i : (float)s.d; break;
    case CT_FLOAT64: *(double *)dst = exact ? (double)s.i : s.d; break;
    case CT_INT64: *(int64_t *)dst = i; break;
    case CT_INT32: *(int32_t *)dst = (int32_t)(uint32_t)i; break;
    case CT_UINT8: *(uint8_t *)dst = (uint8_t)i; break;
    case CT_BOOL: *(uint8_t *)dst = exact ? s.i != 0 : s.d != 0; break;
    case CT_FLOAT16: *(uint16_t *)dst = ct_float_to_half(exact ? (float)s.i : (float)s.d); break;
    case CT_BFLOAT16: *(uint16_t *)dst = ct_float_to_bf16(exact ? (float)s.i : (float)s.d); break;
    default: break;
    }
}

ct_scalar ct_scalar_load(ct_dtype dtype, const void *src)
{
    switch (dtype) {
    case CT_FLOAT32: return ct_scalar_float(*(const float *)src);
    case CT_FLOAT64: return ct_scalar_float(*(const double *)src);
    case CT_INT64: return ct_scalar_int(*(const int64_t *)src);
    case CT_INT32: return ct_scalar_int(*(const int32_t *)src);
    case CT_UINT8: return ct_scalar_int(*(const uint8_t *)src);
    case CT_BOOL: return ct_scalar_bool(*(const uint8_t *)src);
    case CT_FLOAT16: return ct_scalar_float(ct_half_to_float(*(const uint16_t *)src));
    case CT_BFLOAT16: return ct_scalar_float(ct_bf16_to_float(*(const uint16_t *)src));
    default: return ct_scalar_int(0);
    }
}
