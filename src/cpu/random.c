/*
 * random.c -- CPU kernels filling contiguous memory with random values.
 *
 * Element i's value is a pure function of (seed, offset, i): it comes from
 * lane i % vpb of Philox block offset + i / vpb, whatever range of elements
 * this call covers, so the result does not depend on how the work is split
 * over threads.
 */
#include <math.h>

#include "cpu/random.h"

#define CT_TWO_PI 6.283185307179586

int ct_random_per_block(const ct_random_job *j)
{
    switch (j->kind) {
    case CT_RAND_UNIFORM:
    case CT_RAND_NORMAL: return j->dtype == CT_FLOAT64 ? 2 : 4;
    case CT_RAND_INT: return j->range <= UINT64_C(0x100000000) ? 4 : 2;
    default: return 4;
    }
}

/* The vpb values of one block, before scaling: uniforms in [0, 1),
 * standard normals, 0/1 draws or integer offsets in [0, range). */
static void block_values(const ct_random_job *j, const uint32_t r[4], int64_t first, double v[4])
{
    switch (j->kind) {
    case CT_RAND_UNIFORM:
        if (j->dtype == CT_FLOAT64) {
            v[0] = ct_u53(r[0], r[1]);
            v[1] = ct_u53(r[2], r[3]);
        } else {
            for (int l = 0; l < 4; l++)
                v[l] = (double)(r[l] >> 8) * 0x1.0p-24;
        }
        break;
    case CT_RAND_NORMAL:
        if (j->dtype == CT_FLOAT64) {
            double rad = sqrt(-2.0 * log(ct_u53_open0(r[0], r[1]))), th = CT_TWO_PI * ct_u53(r[2], r[3]);
            v[0] = rad * cos(th);
            v[1] = rad * sin(th);
        } else {
            for (int l = 0; l < 4; l += 2) {
                double rad = sqrt(-2.0 * log((double)((r[l] >> 8) + 1) * 0x1.0p-24));
                double th = CT_TWO_PI * (double)(r[l + 1] >> 8) * 0x1.0p-24;
                v[l] = rad * cos(th);
                v[l + 1] = rad * sin(th);
            }
        }
        break;
    case CT_RAND_BERNOULLI:
    case CT_RAND_BERNOULLI_TENSOR:
        for (int l = 0; l < 4; l++) {
            double p = j->a;
            int64_t i = first + l;
            if (j->p && i < j->numel) { /* the last block may run past the end */
                if (j->p_dtype == CT_FLOAT32)
                    p = ((const float *)j->p)[i];
                else if (j->p_dtype == CT_FLOAT64)
                    p = ((const double *)j->p)[i];
                else
                    p = ct_scalar_load(j->p_dtype, j->p + (size_t)i * ct_dtype_size(j->p_dtype)).d;
            }
            v[l] = (double)r[l] * 0x1.0p-32 < p;
        }
        break;
    case CT_RAND_INT:
        /* an integer offset below 2^53 is exact in a double; wider ones go
         * through fill_int */
        for (int l = 0; l < 4; l++)
            v[l] = (double)(r[l] % j->range);
        break;
    }
}

static void store_value(const ct_random_job *j, int64_t i, double v)
{
    switch (j->dtype) {
    case CT_FLOAT32: ((float *)j->data)[i] = (float)v; break;
    case CT_FLOAT64: ((double *)j->data)[i] = v; break;
    case CT_INT64: ((int64_t *)j->data)[i] = (int64_t)v; break;
    case CT_INT32: ((int32_t *)j->data)[i] = (int32_t)v; break;
    default:
        ct_scalar_store(ct_dtype_is_float(j->dtype) ? ct_scalar_float(v) : ct_scalar_int((int64_t)v), j->dtype,
                        j->data + (size_t)i * ct_dtype_size(j->dtype));
        break;
    }
}

static void store_int(const ct_random_job *j, int64_t i, int64_t v)
{
    switch (j->dtype) {
    case CT_INT64: ((int64_t *)j->data)[i] = v; break;
    case CT_INT32: ((int32_t *)j->data)[i] = (int32_t)v; break;
    default: ct_scalar_store(ct_scalar_int(v), j->dtype, j->data + (size_t)i * ct_dtype_size(j->dtype)); break;
    }
}

/* The hot paths, float32 uniform and normal, in single precision.  Each
 * handles whole blocks; a partial block at either end of the range goes
 * through a 4-value buffer. */
static void uniform_block_f32(const ct_random_job *j, uint64_t blk, float lo, float span, float below, float hi,
                              float *v)
{
    uint32_t r[4];
    ct_philox4x32_10(j->offset + blk, j->seed, r);
    for (int l = 0; l < 4; l++) {
        float x = lo + span * ((float)(r[l] >> 8) * 0x1.0p-24f);
        v[l] = x < hi ? x : below; /* rounding must not reach high */
    }
}

static void normal_block_f32(const ct_random_job *j, uint64_t blk, float mean, float sd, float *v)
{
    uint32_t r[4];
    ct_philox4x32_10(j->offset + blk, j->seed, r);
    for (int l = 0; l < 4; l += 2) {
        float rad = sd * sqrtf(-2.0f * logf((float)((r[l] >> 8) + 1) * 0x1.0p-24f));
        float th = (float)CT_TWO_PI * ((float)(r[l + 1] >> 8) * 0x1.0p-24f);
        v[l] = mean + rad * cosf(th);
        v[l + 1] = mean + rad * sinf(th);
    }
}

static void fill_f32(const ct_random_job *j, int64_t begin, int64_t end)
{
    float *out = (float *)j->data;
    float a = (float)j->a, b = (float)j->b, span = b - a;
    float below = a < b ? nextafterf(b, -INFINITY) : a, hi = a < b ? b : INFINITY;
    int uniform = j->kind == CT_RAND_UNIFORM;
    int64_t i = begin;
    while (i < end) {
        uint64_t blk = (uint64_t)i / 4;
        int64_t l0 = i - (int64_t)blk * 4;
        if (l0 == 0 && i + 4 <= end) {
            if (uniform)
                uniform_block_f32(j, blk, a, span, below, hi, out + i);
            else
                normal_block_f32(j, blk, a, b, out + i);
            i += 4;
            continue;
        }
        float v[4];
        if (uniform)
            uniform_block_f32(j, blk, a, span, below, hi, v);
        else
            normal_block_f32(j, blk, a, b, v);
        for (int64_t l = l0; l < 4 && i < end; l++, i++)
            out[i] = v[l];
    }
}

/* integer ranges wider than 2^32: two lanes of 64 bits */
static void fill_wide_int(const ct_random_job *j, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end;) {
        uint32_t r[4];
        int64_t blk = i / 2;
        ct_philox4x32_10(j->offset + (uint64_t)blk, j->seed, r);
        for (int64_t l = i - blk * 2; l < 2 && i < end; l++, i++) {
            uint64_t u = ((uint64_t)r[2 * l + 1] << 32) | r[2 * l];
            store_int(j, i, (int64_t)((uint64_t)j->ilow + u % j->range));
        }
    }
}

void ct_cpu_random_fill(void *job, int64_t begin, int64_t end)
{
    const ct_random_job *j = job;
    if (j->dtype == CT_FLOAT32 && (j->kind == CT_RAND_UNIFORM || j->kind == CT_RAND_NORMAL)) {
        fill_f32(j, begin, end);
        return;
    }
    int vpb = ct_random_per_block(j);
    if (j->kind == CT_RAND_INT && vpb == 2) {
        fill_wide_int(j, begin, end);
        return;
    }
    double below = nextafter(j->b, -INFINITY);
    for (int64_t i = begin; i < end;) {
        uint32_t r[4];
        double v[4];
        int64_t blk = i / vpb;
        ct_philox4x32_10(j->offset + (uint64_t)blk, j->seed, r);
        block_values(j, r, blk * vpb, v);
        for (int64_t l = i - blk * vpb; l < vpb && i < end; l++, i++) {
            switch (j->kind) {
            case CT_RAND_UNIFORM: {
                double x = j->a + (j->b - j->a) * v[l];
                store_value(j, i, x < j->b || j->a == j->b ? x : below);
                if (j->dtype != CT_FLOAT64 && j->a < j->b) {
                    /* float16/bfloat16 rounding may still reach high */
                    char *dst = j->data + (size_t)i * ct_dtype_size(j->dtype);
                    if (ct_scalar_load(j->dtype, dst).d >= j->b)
                        store_value(j, i, j->a);
                }
                break;
            }
            case CT_RAND_NORMAL: store_value(j, i, j->a + j->b * v[l]); break;
            case CT_RAND_INT: store_int(j, i, (int64_t)((uint64_t)j->ilow + (uint64_t)v[l])); break;
            default: store_value(j, i, v[l]); break;
            }
        }
    }
}
