/*
 * pool.c -- 2-D pooling kernels over [n, c, h, w] planes.
 *
 * Every kernel handles one plane at a time and runs the planes in parallel;
 * a plane of a small CNN fits in L1, so the backward passes zero their
 * gradient plane and scatter into it without any cross-thread conflict.
 * Sums accumulate in the tensor's own type, as PyTorch's CPU kernels do.
 */
#include <math.h>
#include <string.h>

#include "core/loop.h"
#include "cpu/pool.h"

/* Plane elements per parallel task, roughly. */
#define POOL_GRAIN_ELEMS 16384

/* The taps i in [*lo, *hi) of a window that starts at `start` and steps by
 * d (k taps) which land inside [0, size). */
static void tap_range(int64_t start, int64_t d, int64_t k, int64_t size, int64_t *lo, int64_t *hi)
{
    int64_t a, b;
    if (d == 1) {
        a = start < 0 ? -start : 0;
        b = size - start;
    } else {
        a = start < 0 ? (-start + d - 1) / d : 0;
        b = start <= size - 1 ? (size - 1 - start) / d + 1 : 0;
    }
    if (b > k)
        b = k;
    *lo = a;
    *hi = b > a ? b : a;
}

/* A 2x2 window with stride 2, no padding or dilation, every window inside
 * the input, unit column stride: the common CNN case. */
static int is_2x2(const ct_pool2d_geom *g, const int64_t *s)
{
    return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0 && g->dh == 1 &&
           g->dw == 1 && 2 * g->oh <= g->ih && 2 * g->ow <= g->iw && s[3] == 1;
}

typedef struct pool_job {
    const ct_pool2d_geom *g;
    int f64;
    const char *src;
    int64_t s[4];
    char *dst;
    int64_t *idx;
    uint8_t *taps;
} pool_job;

static void run_planes(const pool_job *job, ct_range_fn fn)
{
    const ct_pool2d_geom *g = job->g;
    int64_t per_plane = g->ih * g->iw + g->oh * g->ow;
    int64_t grain = per_plane > 0 ? POOL_GRAIN_ELEMS / per_plane : 1;
    ct_parallel_for(g->n * g->c, grain < 1 ? 1 : grain, fn, (void *)job);
}

/* The first element of plane p of a strided operand. */
static const char *plane_of(const pool_job *job, int64_t p)
{
    int64_t nn = p / job->g->c, cc = p % job->g->c;
    size_t es = job->f64 ? sizeof(double) : sizeof(float);
    return job->src + (size_t)(nn * job->s[0] + cc * job->s[1]) * es;
}

/* ---------------------------------------------------------------- max pool forward */

/* Ties keep the first maximum in window order; a NaN always wins (the last
 * one), so NaNs propagate as in PyTorch. */
static void max_plane_2x2_f32(const ct_pool2d_geom *g, const float *in, const int64_t *s, float *out, int64_t *idx,
                              uint8_t *taps)
{
    const int64_t ow = g->ow, iw = g->iw; /* locals: the uint8 stores may alias *g */
    for (int64_t oy = 0; oy < g->oh; oy++) {
        const float *r0 = in + 2 * oy * s[2], *r1 = r0 + s[2];
        float *o = out + oy * ow;
        /* branch-free selects, so that the loops vectorize (random data
         * would mispredict every branch) */
        if (!taps && !idx) {
            for (int64_t ox = 0; ox < ow; ox++) {
                float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
                float m = (b > a) | (b != b) ? b : a;
                m = (c > m) | (c != c) ? c : m;
                o[ox] = (d > m) | (d != d) ? d : m;
            }
            continue;
        }
        if (taps) {
            /* the tap is tracked as a float and narrowed to bytes in a second
             * loop: a loop storing bytes would vectorize 16 outputs at a time,
             * more than a row of a small CNN has */
            uint8_t *tr = taps + oy * ow;
            for (int64_t x0 = 0; x0 < ow; x0 += 64) {
                int64_t n = ow - x0 < 64 ? ow - x0 : 64;
                float tf[64];
                const float *p0 = r0 + 2 * x0, *p1 = r1 + 2 * x0;
                float *oo = o + x0;
                for (int64_t k = 0; k < n; k++) {
                    float a = p0[2 * k], b = p0[2 * k + 1], c = p1[2 * k], d = p1[2 * k + 1];
                    float m = a, t = 0;
                    int kb = (b > m) | (b != b);
                    t = kb ? 1.0f : t;
                    m = kb ? b : m;
                    int kc = (c > m) | (c != c);
                    t = kc ? 2.0f : t;
                    m = kc ? c : m;
                    int kd = (d > m) | (d != d);
                    tf[k] = kd ? 3.0f : t;
                    oo[k] = kd ? d : m;
                }
                for (int64_t k = 0; k < n; k++)
                    tr[x0 + k] = (uint8_t)(int)tf[k];
            }
        }
        if (idx) /* rare (return_indices) */
            for (int64_t ox = 0; ox < ow; ox++) {
                float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
                float m = a;
                int t = 0;
                if ((b > m) | (b != b)) { m = b; t = 1; }
                if ((c > m) | (c != c)) { m = c; t = 2; }
                if ((d > m) | (d != d)) { m = d; t = 3; }
                o[ox] = m;
                idx[oy * ow + ox] = (2 * oy + (t >> 1)) * iw + 2 * ox + (t & 1);
            }
    }
}

/* Any window, float32: the running maximum of a row of up to 64 outputs is
 * kept in arrays and each window tap (in window order) updates all of them
 * at once, a branch-free loop over outputs that vectorizes; a per-output
 * loop over taps would mispredict on every compare with random data. */
static void max_plane_f32(const ct_pool2d_geom *g, const float *in, const int64_t *s, float *out, int64_t *idx,
                          uint8_t *taps)
{
    /* locals: the uint8 stores may alias *g */
    const int64_t kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, ph = g->ph, pw = g->pw, dh = g->dh, dw = g->dw;
    const int64_t ih = g->ih, iw = g->iw, oh = g->oh, ow = g->ow, s2 = s[2], s3 = s[3];
    for (int64_t oy = 0; oy < oh; oy++) {
        int64_t h0 = oy * sh - ph, ilo, ihi;
        tap_range(h0, dh, kh, ih, &ilo, &ihi);
        for (int64_t x0 = 0; x0 < ow; x0 += 64) {
            int64_t n = ow - x0 < 64 ? ow - x0 : 64;
            float m[64], t[64]; /* running maximum, and its tap i * kw + j (-1: none yet) */
            for (int64_t k = 0; k < n; k++) {
                m[k] = -INFINITY;
                t[k] = -1;
            }
            for (int64_t i = ilo; i < ihi; i++) {
                const float *row = in + (h0 + i * dh) * s2;
                for (int64_t j = 0; j < kw; j++) {
                    /* the outputs ox whose column ox * sw + off lies inside [0, iw) */
                    int64_t off = j * dw - pw;
                    int64_t lo = off < 0 ? (-off + sw - 1) / sw : 0;
                    int64_t hi = iw - off > 0 ? (iw - off - 1) / sw + 1 : 0;
                    lo = lo > x0 ? lo : x0;
                    hi = hi < x0 + n ? hi : x0 + n;
                    float tap = (float)(i * kw + j);
                    for (int64_t ox = lo; ox < hi; ox++) {
                        float v = row[(ox * sw + off) * s3], cur = m[ox - x0];
                        int take = (v > cur) | (v != v);
                        m[ox - x0] = take ? v : cur;
                        t[ox - x0] = take ? tap : t[ox - x0];
                    }
                }
            }
            for (int64_t k = 0; k < n; k++)
                out[oy * ow + x0 + k] = m[k];
            if (!taps && !idx)
                continue;
            for (int64_t k = 0; k < n; k++) {
                int64_t w0 = (x0 + k) * sw - pw, jlo, jhi;
                tap_range(w0, dw, kw, iw, &jlo, &jhi);
                int empty = ilo >= ihi || jlo >= jhi;
                /* no tap beat -inf: PyTorch names the window's first real position */
                int64_t best = t[k] >= 0 ? (int64_t)t[k] : ilo * kw + jlo, bi = best / kw, bj = best - bi * kw;
                if (taps)
                    taps[oy * ow + x0 + k] = empty ? CT_POOL_NO_TAP : (uint8_t)best;
                if (idx)
                    idx[oy * ow + x0 + k] = empty ? -1 : (h0 + bi * dh) * iw + w0 + bj * dw;
            }
        }
    }
}

static void max_plane_f64(const ct_pool2d_geom *g, const double *in, const int64_t *s, double *out, int64_t *idx,
                          uint8_t *taps)
{
    const int64_t kw = g->kw, dh = g->dh, dw = g->dw; /* locals: the uint8 stores may alias *g */
    for (int64_t oy = 0; oy < g->oh; oy++) {
        int64_t h0 = oy * g->sh - g->ph, ilo, ihi;
        tap_range(h0, g->dh, g->kh, g->ih, &ilo, &ihi);
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t w0 = ox * g->sw - g->pw, jlo, jhi;
            tap_range(w0, g->dw, g->kw, g->iw, &jlo, &jhi);
            double m = -INFINITY;
            int64_t best = ilo * kw + jlo; /* tap i * kw + j; selects rather than branches */
            for (int64_t i = ilo; i < ihi; i++) {
                const double *row = in + (h0 + i * dh) * s[2] + w0 * s[3];
                for (int64_t j = jlo; j < jhi; j++) {
                    double v = row[j * dw * s[3]];
                    int take = (v > m) | (v != v);
                    m = take ? v : m;
                    best = take ? i * kw + j : best;
                }
            }
            int64_t o = oy * g->ow + ox, bi = best / kw, bj = best - bi * kw;
            int empty = ilo >= ihi || jlo >= jhi;
            out[o] = m;
            if (idx)
                idx[o] = empty ? -1 : (h0 + bi * dh) * g->iw + w0 + bj * dw;
            if (taps)
                taps[o] = empty ? CT_POOL_NO_TAP : (uint8_t)best;
        }
    }
}

static void max_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    const ct_pool2d_geom *g = job->g;
    int64_t on = g->oh * g->ow;
    int fast = is_2x2(g, job->s);
    for (int64_t p = begin; p < end; p++) {
        const char *in = plane_of(job, p);
        int64_t *idx = job->idx ? job->idx + p * on : NULL;
        uint8_t *taps = job->taps ? job->taps + p * on : NULL;
        if (job->f64)
            max_plane_f64(g, (const double *)in, job->s, (double *)job->dst + p * on, idx, taps);
        else if (fast)
            max_plane_2x2_f32(g, (const float *)in, job->s, (float *)job->dst + p * on, idx, taps);
        else
            max_plane_f32(g, (const float *)in, job->s, (float *)job->dst + p * on, idx, taps);
    }
}

void ct_cpu_max_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4], char *out,
                       int64_t *idx, uint8_t *taps)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = in, .dst = out, .idx = idx, .taps = taps};
    memcpy(job.s, in_s, sizeof job.s);
    run_planes(&job, max_planes);
}

/* ---------------------------------------------------------------- max pool backward and its adjoint */

/* Position in the input plane of output o's winner, or -1. */
static int64_t winner(const ct_pool2d_geom *g, const int64_t *idx, const uint8_t *taps, int64_t oy, int64_t ox)
{
    int64_t o = oy * g->ow + ox;
    if (!taps)
        return idx[o];
    int t = taps[o];
    if (t == CT_POOL_NO_TAP)
        return -1;
    int64_t i = t / g->kw, j = t - i * g->kw;
    return (oy * g->sh - g->ph + i * g->dh) * g->iw + ox * g->sw - g->pw + j * g->dw;
}

/* 2x2 windows with stride 2 tile the input: each output writes its 2x2 block
 * whole (the winner gets the gradient, the rest 0), with branch-free selects
 * that vectorize; only rows and columns no window covers are zeroed apart. */
static void max_bwd_plane_2x2_f32(const ct_pool2d_geom *g, const float *go, const int64_t *s, const uint8_t *taps,
                                  float *gin)
{
    const int64_t ow = g->ow, iw = g->iw, s3 = s[3]; /* locals: uint8 loads may alias *g */
    for (int64_t oy = 0; oy < g->oh; oy++) {
        const float *row = go + oy * s[2];
        const uint8_t *tr = taps + oy * ow;
        float *top = gin + 2 * oy * iw, *bot = top + iw;
        /* taps widened to floats first, so the main loop works 4 outputs at a time */
        for (int64_t x0 = 0; x0 < ow; x0 += 64) {
            int64_t n = ow - x0 < 64 ? ow - x0 : 64;
            float tf[64], vbuf[64];
            for (int64_t k = 0; k < n; k++)
                tf[k] = (float)tr[x0 + k];
            const float *v = row + x0;
            if (s3 != 1) {
                for (int64_t k = 0; k < n; k++)
                    vbuf[k] = row[(x0 + k) * s3];
                v = vbuf;
            }
            float *t0 = top + 2 * x0, *b0 = bot + 2 * x0;
            for (int64_t k = 0; k < n; k++) {
                float t = tf[k], val = v[k];
                t0[2 * k] = t == 0.0f ? val : 0.0f;
                t0[2 * k + 1] = t == 1.0f ? val : 0.0f;
                b0[2 * k] = t == 2.0f ? val : 0.0f;
                b0[2 * k + 1] = t == 3.0f ? val : 0.0f;
            }
        }
        for (int64_t w = 2 * ow; w < iw; w++)
            top[w] = bot[w] = 0.0f;
    }
    if (2 * g->oh < g->ih)
        memset(gin + 2 * g->oh * iw, 0, (size_t)((g->ih - 2 * g->oh) * iw) * sizeof(float));
}

static void max_bwd_plane_f32(const ct_pool2d_geom *g, const float *go, const int64_t *s, const int64_t *idx,
                              const uint8_t *taps, float *gin)
{
    memset(gin, 0, (size_t)(g->ih * g->iw) * sizeof(float));
    for (int64_t oy = 0; oy < g->oh; oy++) {
        const float *row = go + oy * s[2];
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t pos = winner(g, idx, taps, oy, ox);
            if (pos >= 0)
                gin[pos] += row[ox * s[3]];
        }
    }
}

static void max_bwd_plane_f64(const ct_pool2d_geom *g, const double *go, const int64_t *s, const int64_t *idx,
                              const uint8_t *taps, double *gin)
{
    memset(gin, 0, (size_t)(g->ih * g->iw) * sizeof(double));
    for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t pos = winner(g, idx, taps, oy, ox);
            if (pos >= 0)
                gin[pos] += go[oy * s[2] + ox * s[3]];
        }
}

static void max_bwd_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    const ct_pool2d_geom *g = job->g;
    int64_t on = g->oh * g->ow, in = g->ih * g->iw;
    int64_t unit[4] = {0, 0, 0, 1};
    int fast = is_2x2(g, unit);
    for (int64_t p = begin; p < end; p++) {
        const char *go = plane_of(job, p);
        const int64_t *idx = job->idx ? job->idx + p * on : NULL;
        const uint8_t *taps = job->taps ? job->taps + p * on : NULL;
        if (job->f64)
            max_bwd_plane_f64(g, (const double *)go, job->s, idx, taps, (double *)job->dst + p * in);
        else if (fast && taps)
            max_bwd_plane_2x2_f32(g, (const float *)go, job->s, taps, (float *)job->dst + p * in);
        else
            max_bwd_plane_f32(g, (const float *)go, job->s, idx, taps, (float *)job->dst + p * in);
    }
}

void ct_cpu_max_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout, const int64_t go_s[4],
                                const int64_t *idx, const uint8_t *taps, char *gin)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = gout, .dst = gin, .idx = (int64_t *)idx,
                    .taps = (uint8_t *)taps};
    memcpy(job.s, go_s, sizeof job.s);
    run_planes(&job, max_bwd_planes);
}

static void gather_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    const ct_pool2d_geom *g = job->g;
    int64_t on = g->oh * g->ow;
    for (int64_t p = begin; p < end; p++) {
        const char *x = plane_of(job, p);
        const int64_t *idx = job->idx ? job->idx + p * on : NULL;
        const uint8_t *taps = job->taps ? job->taps + p * on : NULL;
        for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t pos = winner(g, idx, taps, oy, ox);
                int64_t at = pos < 0 ? 0 : (pos / g->iw) * job->s[2] + (pos % g->iw) * job->s[3];
                if (job->f64)
                    ((double *)job->dst)[p * on + oy * g->ow + ox] = pos < 0 ? 0 : ((const double *)x)[at];
                else
                    ((float *)job->dst)[p * on + oy * g->ow + ox] = pos < 0 ? 0 : ((const float *)x)[at];
            }
    }
}

void ct_cpu_max_pool2d_gather(const ct_pool2d_geom *g, ct_dtype dtype, const char *x, const int64_t x_s[4],
                              const int64_t *idx, const uint8_t *taps, char *out)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = x, .dst = out, .idx = (int64_t *)idx,
                    .taps = (uint8_t *)taps};
    memcpy(job.s, x_s, sizeof job.s);
    run_planes(&job, gather_planes);
}

/* ---------------------------------------------------------------- average pool */

/* Window (oy, ox) of an average pool: the rows [*hs, *he) and columns
 * [*ws, *we) it covers inside the input, and what its sum is divided by:
 * PyTorch's rule, where a window counts the padding it covers (clipped at
 * the far padding edge) when count_include_pad is set. */
static int64_t avg_window(const ct_pool2d_geom *g, int64_t oy, int64_t ox, int64_t *hs, int64_t *he, int64_t *ws,
                          int64_t *we)
{
    int64_t h0 = oy * g->sh - g->ph, w0 = ox * g->sw - g->pw;
    int64_t h1 = h0 + g->kh < g->ih + g->ph ? h0 + g->kh : g->ih + g->ph;
    int64_t w1 = w0 + g->kw < g->iw + g->pw ? w0 + g->kw : g->iw + g->pw;
    int64_t padded = (h1 - h0) * (w1 - w0);
    *hs = h0 > 0 ? h0 : 0;
    *ws = w0 > 0 ? w0 : 0;
    *he = h1 < g->ih ? h1 : g->ih;
    *we = w1 < g->iw ? w1 : g->iw;
    if (g->divisor)
        return g->divisor;
    return g->count_include_pad ? padded : (*he - *hs) * (*we - *ws);
}

static void avg_plane_f32(const ct_pool2d_geom *g, const float *in, const int64_t *s, float *out)
{
    for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t hs, he, ws, we, div = avg_window(g, oy, ox, &hs, &he, &ws, &we);
            float sum = 0;
            for (int64_t h = hs; h < he; h++)
                for (int64_t w = ws; w < we; w++)
                    sum += in[h * s[2] + w * s[3]];
            out[oy * g->ow + ox] = hs < he && ws < we ? sum / (float)div : 0.0f;
        }
}

static void avg_plane_f64(const ct_pool2d_geom *g, const double *in, const int64_t *s, double *out)
{
    for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t hs, he, ws, we, div = avg_window(g, oy, ox, &hs, &he, &ws, &we);
            double sum = 0;
            for (int64_t h = hs; h < he; h++)
                for (int64_t w = ws; w < we; w++)
                    sum += in[h * s[2] + w * s[3]];
            out[oy * g->ow + ox] = hs < he && ws < we ? sum / (double)div : 0.0;
        }
}

static void avg_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    int64_t on = job->g->oh * job->g->ow;
    for (int64_t p = begin; p < end; p++) {
        const char *in = plane_of(job, p);
        if (job->f64)
            avg_plane_f64(job->g, (const double *)in, job->s, (double *)job->dst + p * on);
        else
            avg_plane_f32(job->g, (const float *)in, job->s, (float *)job->dst + p * on);
    }
}

void ct_cpu_avg_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4], char *out)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = in, .dst = out};
    memcpy(job.s, in_s, sizeof job.s);
    run_planes(&job, avg_planes);
}

static void avg_bwd_plane_f32(const ct_pool2d_geom *g, const float *go, const int64_t *s, float *gin)
{
    memset(gin, 0, (size_t)(g->ih * g->iw) * sizeof(float));
    for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t hs, he, ws, we, div = avg_window(g, oy, ox, &hs, &he, &ws, &we);
            float v = go[oy * s[2] + ox * s[3]] / (float)div;
            for (int64_t h = hs; h < he; h++)
                for (int64_t w = ws; w < we; w++)
                    gin[h * g->iw + w] += v;
        }
}

static void avg_bwd_plane_f64(const ct_pool2d_geom *g, const double *go, const int64_t *s, double *gin)
{
    memset(gin, 0, (size_t)(g->ih * g->iw) * sizeof(double));
    for (int64_t oy = 0; oy < g->oh; oy++)
        for (int64_t ox = 0; ox < g->ow; ox++) {
            int64_t hs, he, ws, we, div = avg_window(g, oy, ox, &hs, &he, &ws, &we);
            double v = go[oy * s[2] + ox * s[3]] / (double)div;
            for (int64_t h = hs; h < he; h++)
                for (int64_t w = ws; w < we; w++)
                    gin[h * g->iw + w] += v;
        }
}

static void avg_bwd_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    int64_t in = job->g->ih * job->g->iw;
    for (int64_t p = begin; p < end; p++) {
        const char *go = plane_of(job, p);
        if (job->f64)
            avg_bwd_plane_f64(job->g, (const double *)go, job->s, (double *)job->dst + p * in);
        else
            avg_bwd_plane_f32(job->g, (const float *)go, job->s, (float *)job->dst + p * in);
    }
}

void ct_cpu_avg_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout, const int64_t go_s[4],
                                char *gin)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = gout, .dst = gin};
    memcpy(job.s, go_s, sizeof job.s);
    run_planes(&job, avg_bwd_planes);
}

/* ---------------------------------------------------------------- adaptive average pool */

/* Bin i of n over size: [floor(i*size/n), ceil((i+1)*size/n)). */
static void bin(int64_t i, int64_t n, int64_t size, int64_t *start, int64_t *end)
{
    *start = i * size / n;
    *end = ((i + 1) * size + n - 1) / n;
}

static void adaptive_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    const ct_pool2d_geom *g = job->g;
    const int64_t *s = job->s;
    int64_t on = g->oh * g->ow;
    for (int64_t p = begin; p < end; p++) {
        const char *in = plane_of(job, p);
        for (int64_t oy = 0; oy < g->oh; oy++) {
            int64_t hs, he;
            bin(oy, g->oh, g->ih, &hs, &he);
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t ws, we;
                bin(ox, g->ow, g->iw, &ws, &we);
                int64_t count = (he - hs) * (we - ws), o = p * on + oy * g->ow + ox;
                if (job->f64) {
                    const double *x = (const double *)in;
                    double sum = 0;
                    for (int64_t h = hs; h < he; h++)
                        for (int64_t w = ws; w < we; w++)
                            sum += x[h * s[2] + w * s[3]];
                    ((double *)job->dst)[o] = sum / (double)count;
                } else {
                    const float *x = (const float *)in;
                    float sum = 0;
                    for (int64_t h = hs; h < he; h++)
                        for (int64_t w = ws; w < we; w++)
                            sum += x[h * s[2] + w * s[3]];
                    ((float *)job->dst)[o] = sum / (float)count;
                }
            }
        }
    }
}

void ct_cpu_adaptive_avg_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4],
                                char *out)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = in, .dst = out};
    memcpy(job.s, in_s, sizeof job.s);
    run_planes(&job, adaptive_planes);
}

static void adaptive_bwd_planes(void *ctx, int64_t begin, int64_t end)
{
    const pool_job *job = ctx;
    const ct_pool2d_geom *g = job->g;
    const int64_t *s = job->s;
    int64_t in = g->ih * g->iw;
    size_t es = job->f64 ? sizeof(double) : sizeof(float);
    for (int64_t p = begin; p < end; p++) {
        const char *go = plane_of(job, p);
        memset(job->dst + (size_t)(p * in) * es, 0, (size_t)in * es);
        for (int64_t oy = 0; oy < g->oh; oy++) {
            int64_t hs, he;
            bin(oy, g->oh, g->ih, &hs, &he);
            for (int64_t ox = 0; ox < g->ow; ox++) {
                int64_t ws, we;
                bin(ox, g->ow, g->iw, &ws, &we);
                double count = (double)((he - hs) * (we - ws));
                if (job->f64) {
                    double v = ((const double *)go)[oy * s[2] + ox * s[3]] / count;
                    double *gin = (double *)job->dst + p * in;
                    for (int64_t h = hs; h < he; h++)
                        for (int64_t w = ws; w < we; w++)
                            gin[h * g->iw + w] += v;
                } else {
                    float v = ((const float *)go)[oy * s[2] + ox * s[3]] / (float)count;
                    float *gin = (float *)job->dst + p * in;
                    for (int64_t h = hs; h < he; h++)
                        for (int64_t w = ws; w < we; w++)
                            gin[h * g->iw + w] += v;
                }
            }
        }
    }
}

void ct_cpu_adaptive_avg_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout,
                                         const int64_t go_s[4], char *gin)
{
    pool_job job = {.g = g, .f64 = dtype == CT_FLOAT64, .src = gout, .dst = gin};
    memcpy(job.s, go_s, sizeof job.s);
    run_planes(&job, adaptive_bwd_planes);
}
