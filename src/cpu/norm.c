/*
 * norm.c -- batch normalisation and dropout kernels.
 *
 * Batch norm works channel by channel (one task owns a channel: no shared
 * accumulators): statistics in two passes (mean, then squared deviations,
 * which stays accurate when the mean is large), then one pass writing the
 * output; a channel of a small CNN's batch stays in L2 between the passes.
 */
#include <math.h>
#include <string.h>

#include "core/loop.h"
#include "cpu/norm.h"
#include "cpu/random.h"

/* Elements per parallel task, roughly. */
#define BN_GRAIN_ELEMS 32768

/*
 * float32 sums over a channel.  A loop like `s += x[k]` does not vectorize
 * (float addition is not associative), so chunks of LANES elements add into
 * LANES float partial sums, a loop over independent array elements that
 * vectorizes; the partial sums fold into double every FLUSH_CHUNKS chunks, so
 * each float sum adds few terms.  Row remainders go straight to the double.
 */
#define LANES 64
#define FLUSH_CHUNKS 64

typedef struct lane_sums {
    float a[LANES], b[LANES];
    double sa, sb;
    int chunks;
} lane_sums;

static void lanes_init(lane_sums *l)
{
    memset(l, 0, sizeof *l);
}

static void lanes_flush(lane_sums *l)
{
    for (int j = 0; j < LANES; j++) {
        l->sa += l->a[j];
        l->sb += l->b[j];
        l->a[j] = l->b[j] = 0;
    }
    l->chunks = 0;
}

static void lanes_chunk_done(lane_sums *l)
{
    if (++l->chunks == FLUSH_CHUNKS)
        lanes_flush(l);
}

/* sa += sum of x[k * s] */
static void lanes_sum(lane_sums *l, const float *x, int64_t n, int64_t s)
{
    int64_t k = 0;
    if (s == 1)
        for (; k + LANES <= n; k += LANES) {
            for (int j = 0; j < LANES; j++)
                l->a[j] += x[k + j];
            lanes_chunk_done(l);
        }
    for (; k < n; k++)
        l->sa += x[k * s];
}

/* sa += sum of (x[k * s] - m)^2 */
static void lanes_sqdev(lane_sums *l, const float *x, int64_t n, int64_t s, float m)
{
    int64_t k = 0;
    if (s == 1)
        for (; k + LANES <= n; k += LANES) {
            for (int j = 0; j < LANES; j++) {
                float d = x[k + j] - m;
                l->a[j] += d * d;
            }
            lanes_chunk_done(l);
        }
    for (; k < n; k++) {
        double d = (double)x[k * s] - m;
        l->sa += d * d;
    }
}

/* sa += sum of g, sb += sum of g (x - m) */
static void lanes_gsums(lane_sums *l, const float *g, int64_t gs, const float *x, int64_t xs, int64_t n, float m)
{
    int64_t k = 0;
    if (gs == 1 && xs == 1)
        for (; k + LANES <= n; k += LANES) {
            for (int j = 0; j < LANES; j++) {
                l->a[j] += g[k + j];
                l->b[j] += g[k + j] * (x[k + j] - m);
            }
            lanes_chunk_done(l);
        }
    for (; k < n; k++) {
        l->sa += g[k * gs];
        l->sb += (double)g[k * gs] * ((double)x[k * xs] - m);
    }
}

static double load(const char *p, int64_t stride, int64_t c, ct_dtype dt, double def)
{
    if (!p)
        return def;
    return dt == CT_FLOAT64 ? ((const double *)p)[c * stride] : ((const float *)p)[c * stride];
}

static void store(char *p, int64_t stride, int64_t c, ct_dtype dt, double v)
{
    if (dt == CT_FLOAT64)
        ((double *)p)[c * stride] = v;
    else
        ((float *)p)[c * stride] = (float)v;
}

/* The mean and squared-deviation sum of channel c over the batch. */
static void channel_stats(const ct_bn_args *a, int64_t c, double *mean, double *ssd)
{
    int64_t M = a->n * a->l;
    if (a->dtype == CT_FLOAT64) {
        double sum = 0, ss = 0;
        for (int64_t i = 0; i < a->n; i++) {
            const double *x = (const double *)a->x + i * a->xs[0] + c * a->xs[1];
            for (int64_t k = 0; k < a->l; k++)
                sum += x[k * a->xs[2]];
        }
        *mean = sum / (double)M;
        for (int64_t i = 0; i < a->n; i++) {
            const double *x = (const double *)a->x + i * a->xs[0] + c * a->xs[1];
            for (int64_t k = 0; k < a->l; k++) {
                double d = x[k * a->xs[2]] - *mean;
                ss += d * d;
            }
        }
        *ssd = ss;
        return;
    }
    lane_sums l;
    lanes_init(&l);
    for (int64_t i = 0; i < a->n; i++)
        lanes_sum(&l, (const float *)a->x + i * a->xs[0] + c * a->xs[1], a->l, a->xs[2]);
    lanes_flush(&l);
    *mean = l.sa / (double)M;
    lanes_init(&l);
    for (int64_t i = 0; i < a->n; i++)
        lanes_sqdev(&l, (const float *)a->x + i * a->xs[0] + c * a->xs[1], a->l, a->xs[2], (float)*mean);
    lanes_flush(&l);
    *ssd = l.sa;
}

static void bn_forward_channels(void *ctx, int64_t begin, int64_t end)
{
    const ct_bn_args *a = ctx;
    int64_t M = a->n * a->l;
    for (int64_t c = begin; c < end; c++) {
        double mean = 0, invstd = 0;
        if (a->training && M > 0) {
            double ssd;
            channel_stats(a, c, &mean, &ssd);
            invstd = 1.0 / sqrt(ssd / (double)M + a->eps);
            double m = a->momentum;
            if (a->running_mean)
                store(a->running_mean, a->rms, c, a->dtype,
                      (1 - m) * load(a->running_mean, a->rms, c, a->dtype, 0) + m * mean);
            if (a->running_var && M > 1)
                store(a->running_var, a->rvs, c, a->dtype,
                      (1 - m) * load(a->running_var, a->rvs, c, a->dtype, 0) + m * ssd / (double)(M - 1));
        } else if (!a->training) {
            mean = load(a->running_mean, a->rms, c, a->dtype, 0);
            invstd = 1.0 / sqrt(load(a->running_var, a->rvs, c, a->dtype, 1) + a->eps);
        }
        a->save_mean[c] = mean;
        a->save_invstd[c] = invstd;
        double scale = load(a->weight, a->ws, c, a->dtype, 1) * invstd;
        double shift = load(a->bias, a->bs, c, a->dtype, 0);
        for (int64_t i = 0; i < a->n; i++) {
            int64_t off = i * a->xs[0] + c * a->xs[1], s = a->xs[2], yo = (i * a->c + c) * a->l;
            if (a->dtype == CT_FLOAT64) {
                const double *x = (const double *)a->x + off;
                double *y = (double *)a->y + yo;
                for (int64_t k = 0; k < a->l; k++)
                    y[k] = (x[k * s] - mean) * scale + shift;
            } else {
                const float *x = (const float *)a->x + off;
                float *y = (float *)a->y + yo, mf = (float)mean, sc = (float)scale, sh = (float)shift;
                if (s == 1)
                    for (int64_t k = 0; k < a->l; k++)
                        y[k] = (x[k] - mf) * sc + sh;
                else
                    for (int64_t k = 0; k < a->l; k++)
                        y[k] = (x[k * s] - mf) * sc + sh;
            }
        }
    }
}

static int64_t channel_grain(const ct_bn_args *a)
{
    int64_t per = a->n * a->l;
    int64_t grain = per > 0 ? BN_GRAIN_ELEMS / per : BN_GRAIN_ELEMS;
    return grain < 1 ? 1 : grain;
}

void ct_cpu_batch_norm(const ct_bn_args *a)
{
    ct_parallel_for(a->c, channel_grain(a), bn_forward_channels, (void *)a);
}

/* ---------------------------------------------------------------- batch norm backward */

/*
 * With xhat = (x - mean) * invstd and w the weight (1 without one):
 *   gb = sum g,  gw = sum g xhat,
 *   training: gx = w invstd (g - mean(g) - xhat mean(g xhat))   (through the batch statistics)
 *   eval:     gx = w invstd g.
 * The training form is written as gx = g A + (x - mean) B + C per channel.
 */
static void bn_backward_channels(void *ctx, int64_t begin, int64_t end)
{
    const ct_bn_args *a = ctx;
    int64_t M = a->n * a->l;
    int f64 = a->dtype == CT_FLOAT64;
    for (int64_t c = begin; c < end; c++) {
        double mean = a->save_mean[c], invstd = a->save_invstd[c];
        double sg = 0, sgd = 0;
        if (a->gw || a->gb || (a->gx && a->training)) {
            lane_sums l;
            lanes_init(&l);
            for (int64_t i = 0; i < a->n; i++) {
                int64_t xo = i * a->xs[0] + c * a->xs[1], go = i * a->gs[0] + c * a->gs[1];
                if (f64) {
                    const double *x = (const double *)a->x + xo, *g = (const double *)a->gy + go;
                    for (int64_t k = 0; k < a->l; k++) {
                        double gk = g[k * a->gs[2]];
                        sg += gk;
                        sgd += gk * (x[k * a->xs[2]] - mean);
                    }
                } else {
                    lanes_gsums(&l, (const float *)a->gy + go, a->gs[2], (const float *)a->x + xo, a->xs[2], a->l,
                                (float)mean);
                }
            }
            lanes_flush(&l);
            sg += l.sa;
            sgd += l.sb;
        }
        if (a->gw)
            store(a->gw, 1, c, a->dtype, sgd * invstd);
        if (a->gb)
            store(a->gb, 1, c, a->dtype, sg);
        if (!a->gx)
            continue;
        double A = load(a->weight, a->ws, c, a->dtype, 1) * invstd, B = 0, C = 0;
        if (a->training && M > 0) {
            B = -A * sgd * invstd * invstd / (double)M;
            C = -A * sg / (double)M;
        }
        for (int64_t i = 0; i < a->n; i++) {
            int64_t xo = i * a->xs[0] + c * a->xs[1], go = i * a->gs[0] + c * a->gs[1], o = (i * a->c + c) * a->l;
            int64_t xs = a->xs[2], gs = a->gs[2];
            if (f64) {
                const double *x = (const double *)a->x + xo, *g = (const double *)a->gy + go;
                double *gx = (double *)a->gx + o;
                for (int64_t k = 0; k < a->l; k++)
                    gx[k] = g[k * gs] * A + (x[k * xs] - mean) * B + C;
            } else {
                const float *x = (const float *)a->x + xo, *g = (const float *)a->gy + go;
                float *gx = (float *)a->gx + o, mf = (float)mean, Af = (float)A, Bf = (float)B, Cf = (float)C;
                if (xs == 1 && gs == 1)
                    for (int64_t k = 0; k < a->l; k++)
                        gx[k] = g[k] * Af + (x[k] - mf) * Bf + Cf;
                else
                    for (int64_t k = 0; k < a->l; k++)
                        gx[k] = g[k * gs] * Af + (x[k * xs] - mf) * Bf + Cf;
            }
        }
    }
}

void ct_cpu_batch_norm_backward(const ct_bn_args *a)
{
    ct_parallel_for(a->c, channel_grain(a), bn_backward_channels, (void *)a);
}

/* ---------------------------------------------------------------- dropout */

/* Blocks per chunk: the keep flags of a chunk are drawn first, then one
 * vectorizable pass applies them. */
#define DROPOUT_CHUNK_BLOCKS 64

void ct_cpu_dropout_blocks(void *ctx, int64_t begin, int64_t end)
{
    const ct_dropout_job *j = ctx;
    for (int64_t b0 = begin; b0 < end; b0 += DROPOUT_CHUNK_BLOCKS) {
        int64_t b1 = b0 + DROPOUT_CHUNK_BLOCKS < end ? b0 + DROPOUT_CHUNK_BLOCKS : end;
        int64_t first = 4 * b0, last = 4 * b1 < j->n ? 4 * b1 : j->n;
        uint8_t *m = j->mask + first;
        for (int64_t b = b0; b < b1; b++) {
            uint32_t r[4];
            ct_philox4x32_10(j->offset + (uint64_t)b, j->seed, r);
            for (int l = 0; l < 4 && 4 * b + l < j->n; l++)
                m[4 * (b - b0) + l] = (uint64_t)r[l] >= j->threshold;
        }
        int64_t cnt = last - first;
        if (j->dtype == CT_FLOAT64) {
            const double *x = (const double *)j->x + first;
            double *y = (double *)j->y + first, s = j->scale;
            for (int64_t k = 0; k < cnt; k++)
                y[k] = x[k] * (m[k] ? s : 0.0);
        } else {
            const float *x = (const float *)j->x + first;
            float *y = (float *)j->y + first, s = (float)j->scale;
            for (int64_t k = 0; k < cnt; k++)
                y[k] = x[k] * (m[k] ? s : 0.0f);
        }
    }
}

void ct_cpu_dropout_backward_f32(void *ctx, char **data, const int64_t *strides, int64_t n)
{
    float s = (float)*(const double *)ctx;
    if (strides[0] == sizeof(float) && strides[1] == sizeof(float) && strides[2] == 1) {
        float *o = (float *)data[0];
        const float *g = (const float *)data[1];
        const uint8_t *m = (const uint8_t *)data[2];
        for (int64_t k = 0; k < n; k++)
            o[k] = g[k] * (m[k] ? s : 0.0f);
        return;
    }
    for (int64_t k = 0; k < n; k++) {
        float g = *(const float *)(data[1] + k * strides[1]);
        uint8_t m = *(const uint8_t *)(data[2] + k * strides[2]);
        *(float *)(data[0] + k * strides[0]) = g * (m ? s : 0.0f);
    }
}

void ct_cpu_dropout_backward_f64(void *ctx, char **data, const int64_t *strides, int64_t n)
{
    double s = *(const double *)ctx;
    for (int64_t k = 0; k < n; k++) {
        double g = *(const double *)(data[1] + k * strides[1]);
        uint8_t m = *(const uint8_t *)(data[2] + k * strides[2]);
        *(double *)(data[0] + k * strides[0]) = g * (m ? s : 0.0);
    }
}
