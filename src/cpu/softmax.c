/*
 * softmax.c -- softmax / log_softmax kernels, forward and backward.
 *
 * Each row (the D values along the softmax dim) is done in three passes:
 * max, sum of exp(x - max), then the output.  Sums run in eight partial
 * accumulators so the compiler can vectorize them (a single accumulator
 * would force a serial add chain); float32 uses the vectorizable
 * ct_exp_nonpos_f32/ct_log_f32.  Work is split over rows (or over blocks of lanes
 * when the softmax dim is not innermost) with ct_parallel_for.
 */
#include <math.h>

#include "cpu/softmax.h"

/* Elements of work below which a call stays on one thread. */
#define SOFTMAX_GRAIN 8192
/* Inner positions handled together by the block kernel. */
#define LANES 64

/* ---------------------------------------------------------------- row helpers (stride 1) */

static float row_dot_f32(const float *a, const float *b, int64_t n)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[i + k] * b[i + k];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static float row_sum_f32(const float *a, int64_t n)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[i + k];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += a[i];
    return s;
}

static double row_dot_f64(const double *a, const double *b, int64_t n)
{
    double acc[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++)
            acc[k] += (b ? a[i + k] * b[i + k] : a[i + k]);
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; i < n; i++)
        s += b ? a[i] * b[i] : a[i];
    return s;
}

double ct_row_logsumexp_f32(const float *x, int64_t stride, int64_t D)
{
    if (stride == 1) {
        float m = ct_row_max_f32(x, D);
        return (double)m + log((double)ct_row_sum_exp_f32(x, NULL, D, m));
    }
    float m = -INFINITY;
    for (int64_t d = 0; d < D; d++) {
        float v = x[d * stride];
        m = v > m || v != v ? v : m;
    }
    double s = 0;
    for (int64_t d = 0; d < D; d++)
        s += (double)ct_exp_nonpos_f32(x[d * stride] - m);
    return (double)m + log(s);
}

double ct_row_logsumexp_f64(const double *x, int64_t stride, int64_t D)
{
    if (stride == 1) {
        double m = ct_row_max_f64(x, D);
        return m + log(ct_row_sum_exp_f64(x, NULL, D, m));
    }
    double m = -INFINITY;
    for (int64_t d = 0; d < D; d++) {
        double v = x[d * stride];
        m = v > m || v != v ? v : m;
    }
    double s = 0;
    for (int64_t d = 0; d < D; d++)
        s += exp(x[d * stride] - m);
    return m + log(s);
}

/* ---------------------------------------------------------------- forward */

typedef struct fwd_ctx {
    ct_dtype dtype;
    int log;
    const char *in;
    char *out;
    int64_t D, inner, nchunks; /* nchunks: lane blocks per outer index (block kernel) */
} fwd_ctx;

static void rows_f32(const fwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D;
    for (int64_t r = begin; r < end; r++) {
        const float *x = (const float *)c->in + r * D;
        float *y = (float *)c->out + r * D;
        float m = ct_row_max_f32(x, D);
        if (c->log) {
            /* (x - m) - log(sum): exact where m + log(sum) would round */
            float ls = ct_log_f32(ct_row_sum_exp_f32(x, NULL, D, m));
            for (int64_t i = 0; i < D; i++)
                y[i] = (x[i] - m) - ls;
        } else {
            float inv = 1.0f / ct_row_sum_exp_f32(x, y, D, m);
            for (int64_t i = 0; i < D; i++)
                y[i] *= inv;
        }
    }
}

static void rows_f64(const fwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D;
    for (int64_t r = begin; r < end; r++) {
        const double *x = (const double *)c->in + r * D;
        double *y = (double *)c->out + r * D;
        double m = ct_row_max_f64(x, D);
        if (c->log) {
            double ls = log(ct_row_sum_exp_f64(x, NULL, D, m));
            for (int64_t i = 0; i < D; i++)
                y[i] = (x[i] - m) - ls;
        } else {
            double inv = 1.0 / ct_row_sum_exp_f64(x, y, D, m);
            for (int64_t i = 0; i < D; i++)
                y[i] *= inv;
        }
    }
}

/* Block kernel: unit u covers lanes [j0, j0 + L) of outer index u / nchunks. */
static void blocks_f32(const fwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D, inner = c->inner;
    float mx[LANES], sm[LANES];
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->nchunks, j0 = (u % c->nchunks) * LANES;
        int64_t L = inner - j0 < LANES ? inner - j0 : LANES;
        const float *x = (const float *)c->in + o * D * inner + j0;
        float *y = (float *)c->out + o * D * inner + j0;
        for (int64_t j = 0; j < L; j++) {
            mx[j] = x[j];
            sm[j] = 0;
        }
        for (int64_t d = 1; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                float v = x[d * inner + j];
                mx[j] = v > mx[j] || v != v ? v : mx[j];
            }
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                float e = ct_exp_nonpos_f32(x[d * inner + j] - mx[j]);
                if (!c->log)
                    y[d * inner + j] = e;
                sm[j] += e;
            }
        if (c->log) {
            for (int64_t j = 0; j < L; j++)
                sm[j] = ct_log_f32(sm[j]);
            for (int64_t d = 0; d < D; d++)
                for (int64_t j = 0; j < L; j++)
                    y[d * inner + j] = (x[d * inner + j] - mx[j]) - sm[j];
        } else {
            for (int64_t j = 0; j < L; j++)
                sm[j] = 1.0f / sm[j];
            for (int64_t d = 0; d < D; d++)
                for (int64_t j = 0; j < L; j++)
                    y[d * inner + j] *= sm[j];
        }
    }
}

static void blocks_f64(const fwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D, inner = c->inner;
    double mx[LANES], sm[LANES];
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->nchunks, j0 = (u % c->nchunks) * LANES;
        int64_t L = inner - j0 < LANES ? inner - j0 : LANES;
        const double *x = (const double *)c->in + o * D * inner + j0;
        double *y = (double *)c->out + o * D * inner + j0;
        for (int64_t j = 0; j < L; j++) {
            mx[j] = x[j];
            sm[j] = 0;
        }
        for (int64_t d = 1; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                double v = x[d * inner + j];
                mx[j] = v > mx[j] || v != v ? v : mx[j];
            }
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                double e = exp(x[d * inner + j] - mx[j]);
                if (!c->log)
                    y[d * inner + j] = e;
                sm[j] += e;
            }
        if (c->log) {
            for (int64_t j = 0; j < L; j++)
                sm[j] = log(sm[j]);
            for (int64_t d = 0; d < D; d++)
                for (int64_t j = 0; j < L; j++)
                    y[d * inner + j] = (x[d * inner + j] - mx[j]) - sm[j];
        } else {
            for (int64_t j = 0; j < L; j++)
                sm[j] = 1.0 / sm[j];
            for (int64_t d = 0; d < D; d++)
                for (int64_t j = 0; j < L; j++)
                    y[d * inner + j] *= sm[j];
        }
    }
}

static void fwd_range(void *ctx, int64_t begin, int64_t end)
{
    const fwd_ctx *c = ctx;
    if (c->inner == 1) {
        if (c->dtype == CT_FLOAT32)
            rows_f32(c, begin, end);
        else
            rows_f64(c, begin, end);
    } else if (c->dtype == CT_FLOAT32) {
        blocks_f32(c, begin, end);
    } else {
        blocks_f64(c, begin, end);
    }
}

/* Number of work units and the grain for a [outer, D, inner] job. */
static int64_t plan_units(int64_t outer, int64_t D, int64_t inner, int64_t *nchunks, int64_t *grain)
{
    int64_t per_unit;
    if (inner == 1) {
        *nchunks = 1;
        per_unit = D;
    } else {
        *nchunks = (inner + LANES - 1) / LANES;
        per_unit = D * (inner < LANES ? inner : LANES);
    }
    *grain = per_unit >= SOFTMAX_GRAIN ? 1 : SOFTMAX_GRAIN / (per_unit > 0 ? per_unit : 1);
    return outer * *nchunks;
}

void ct_cpu_softmax(ct_dtype dtype, int log, const void *in, void *out, int64_t outer, int64_t D,
                    int64_t inner)
{
    if (outer == 0 || D == 0 || inner == 0)
        return;
    fwd_ctx c = {.dtype = dtype, .log = log, .in = in, .out = out, .D = D, .inner = inner};
    int64_t grain;
    int64_t units = plan_units(outer, D, inner, &c.nchunks, &grain);
    ct_parallel_for(units, grain, fwd_range, &c);
}

/* ---------------------------------------------------------------- forward, any strides */

typedef struct strided_ctx {
    int log;
    const ct_tensor *in;
    int dim;
    char *out;
    int64_t D, inner;
} strided_ctx;

static void strided_range(void *ctx, int64_t begin, int64_t end)
{
    const strided_ctx *c = ctx;
    const ct_tensor *t = c->in;
    ct_dtype dt = t->dtype;
    const char *base = ct_tensor_data(t);
    int64_t D = c->D, sd = t->strides[c->dim];
    for (int64_t r = begin; r < end; r++) {
        /* r enumerates the positions of the other dims in row-major order */
        int64_t off = 0, rest = r;
        for (int k = t->ndim - 1; k >= 0; k--) {
            if (k == c->dim)
                continue;
            off += (rest % t->sizes[k]) * t->strides[k];
            rest /= t->sizes[k];
        }
        int64_t obase = (r / c->inner) * D * c->inner + r % c->inner;
        if (dt == CT_FLOAT32) {
            const float *x = (const float *)base + off;
            float *y = (float *)c->out + obase;
            double lse = ct_row_logsumexp_f32(x, sd, D);
            for (int64_t d = 0; d < D; d++) {
                double v = (double)x[d * sd] - lse;
                y[d * c->inner] = (float)(c->log ? v : exp(v));
            }
        } else {
            const double *x = (const double *)base + off;
            double *y = (double *)c->out + obase;
            double lse = ct_row_logsumexp_f64(x, sd, D);
            for (int64_t d = 0; d < D; d++) {
                double v = x[d * sd] - lse;
                y[d * c->inner] = c->log ? v : exp(v);
            }
        }
    }
}

void ct_cpu_softmax_strided(int log, const ct_tensor *in, int dim, void *out)
{
    int64_t D = in->ndim ? in->sizes[dim] : 1, inner = 1, outer = 1;
    for (int k = dim + 1; k < in->ndim; k++)
        inner *= in->sizes[k];
    for (int k = 0; k < dim; k++)
        outer *= in->sizes[k];
    if (outer * inner == 0 || D == 0)
        return;
    strided_ctx c = {.log = log, .in = in, .dim = dim, .out = out, .D = D, .inner = inner};
    int64_t grain = D >= SOFTMAX_GRAIN ? 1 : SOFTMAX_GRAIN / D;
    ct_parallel_for(outer * inner, grain, strided_range, &c);
}

/* ---------------------------------------------------------------- backward */

typedef struct bwd_ctx {
    ct_dtype dtype;
    int log;
    const char *y, *g;
    char *gi;
    int64_t D, inner, nchunks;
} bwd_ctx;

static void bwd_rows_f32(const bwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D;
    for (int64_t r = begin; r < end; r++) {
        const float *y = (const float *)c->y + r * D, *g = (const float *)c->g + r * D;
        float *gi = (float *)c->gi + r * D;
        if (c->log) {
            float s = row_sum_f32(g, D);
            for (int64_t i = 0; i < D; i++)
                gi[i] = g[i] - ct_exp_nonpos_f32(y[i]) * s;
        } else {
            float s = row_dot_f32(g, y, D);
            for (int64_t i = 0; i < D; i++)
                gi[i] = y[i] * (g[i] - s);
        }
    }
}

static void bwd_rows_f64(const bwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D;
    for (int64_t r = begin; r < end; r++) {
        const double *y = (const double *)c->y + r * D, *g = (const double *)c->g + r * D;
        double *gi = (double *)c->gi + r * D;
        if (c->log) {
            double s = row_dot_f64(g, NULL, D);
            for (int64_t i = 0; i < D; i++)
                gi[i] = g[i] - exp(y[i]) * s;
        } else {
            double s = row_dot_f64(g, y, D);
            for (int64_t i = 0; i < D; i++)
                gi[i] = y[i] * (g[i] - s);
        }
    }
}

static void bwd_blocks_f32(const bwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D, inner = c->inner;
    float s[LANES];
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->nchunks, j0 = (u % c->nchunks) * LANES;
        int64_t L = inner - j0 < LANES ? inner - j0 : LANES;
        int64_t at = o * D * inner + j0;
        const float *y = (const float *)c->y + at, *g = (const float *)c->g + at;
        float *gi = (float *)c->gi + at;
        for (int64_t j = 0; j < L; j++)
            s[j] = 0;
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++)
                s[j] += c->log ? g[d * inner + j] : g[d * inner + j] * y[d * inner + j];
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                int64_t k = d * inner + j;
                gi[k] = c->log ? g[k] - ct_exp_nonpos_f32(y[k]) * s[j] : y[k] * (g[k] - s[j]);
            }
    }
}

static void bwd_blocks_f64(const bwd_ctx *c, int64_t begin, int64_t end)
{
    int64_t D = c->D, inner = c->inner;
    double s[LANES];
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->nchunks, j0 = (u % c->nchunks) * LANES;
        int64_t L = inner - j0 < LANES ? inner - j0 : LANES;
        int64_t at = o * D * inner + j0;
        const double *y = (const double *)c->y + at, *g = (const double *)c->g + at;
        double *gi = (double *)c->gi + at;
        for (int64_t j = 0; j < L; j++)
            s[j] = 0;
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++)
                s[j] += c->log ? g[d * inner + j] : g[d * inner + j] * y[d * inner + j];
        for (int64_t d = 0; d < D; d++)
            for (int64_t j = 0; j < L; j++) {
                int64_t k = d * inner + j;
                gi[k] = c->log ? g[k] - exp(y[k]) * s[j] : y[k] * (g[k] - s[j]);
            }
    }
}

static void bwd_range(void *ctx, int64_t begin, int64_t end)
{
    const bwd_ctx *c = ctx;
    if (c->inner == 1) {
        if (c->dtype == CT_FLOAT32)
            bwd_rows_f32(c, begin, end);
        else
            bwd_rows_f64(c, begin, end);
    } else if (c->dtype == CT_FLOAT32) {
        bwd_blocks_f32(c, begin, end);
    } else {
        bwd_blocks_f64(c, begin, end);
    }
}

void ct_cpu_softmax_backward(ct_dtype dtype, int log, const void *y, const void *g, void *gi,
                             int64_t outer, int64_t D, int64_t inner)
{
    if (outer == 0 || D == 0 || inner == 0)
        return;
    bwd_ctx c = {.dtype = dtype, .log = log, .y = y, .g = g, .gi = gi, .D = D, .inner = inner};
    int64_t grain;
    int64_t units = plan_units(outer, D, inner, &c.nchunks, &grain);
    ct_parallel_for(units, grain, bwd_range, &c);
}
