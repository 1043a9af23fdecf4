/*
 * conv.c -- CPU kernels for 2-d convolution.
 *
 * A convolution is a gemm over im2col columns: for one sample and group,
 * col [kg, P] holds in row (ci, ki, kj) and column (oh, ow) the input pixel
 * that kernel tap meets at that output position (zero in the padding), so
 * out_g [og, P] = w_g [og, kg] @ col.  The backward is two more gemms:
 * gw_g += gy_g @ col^T and dcol = w_g^T @ gy_g, which col2im scatters back
 * onto the input.  A 1x1, stride-1, unpadded convolution needs no col: the
 * input sample itself is the [c, P] matrix.
 *
 * Three ways to run it, measured against PyTorch on LeNet- and
 * AlexNet-sized layers (2 cores):
 *  - direct (conv_direct.c): float32 with 4 to 16 output channels per group
 *    on AVX2/FMA CPUs skips im2col and gemm for the forward and the weight
 *    gradient; the input gradient still goes through gemm and col2im.  Samples
 *    are spread over the thread pool.
 *  - per sample (see use_per_sample): the pool takes samples; each thread
 *    fills its own col (small enough to stay in its cache) and runs gemms
 *    small enough that OpenBLAS keeps them on that thread.  Weight gradients
 *    are summed per thread, then added up.  This beat handing OpenBLAS big
 *    gemms for every layer whose weight is small (up to AlexNet's first).
 *  - batched: samples go in chunks; im2col and col2im of a chunk are spread
 *    over the pool, and each gemm covers the whole chunk (columns of every
 *    sample side by side), big enough for OpenBLAS's own threads.  For big
 *    weights (AlexNet's second layer), where the gemm is nearly all the work.
 */
#include <stdatomic.h>
#include <string.h>

#include "core/loop.h"
#include "cpu/conv_kernels.h"

/* Samples are spread over the pool (each gemm on one thread) when one group's
 * weight [og, kg] is at most this many elements, so that the gemm blocks that
 * keep OpenBLAS on one thread are still 32 columns wide; bigger convs go to
 * OpenBLAS's own threads in big gemms. */
#define PER_SAMPLE_MAX_WEIGHT (CT_CONV_BLAS_ST_MNK / 32)
/* Bytes of col the batched schedule fills per chunk: big gemms, while the
 * buffer still sits in the shared cache. */
#define CHUNK_COL_BYTES ((int64_t)4 << 20)
/* ... but at least this many columns per gemm, however big col gets. */
#define CHUNK_MIN_COLUMNS 2048

/* ---------------------------------------------------------------- per-sample schedule */

/* Whether a per-sample forward gemm runs transposed: outT [P, og] = col^T @ w^T,
 * then transposed into out.  OpenBLAS runs short-P products (deep layers'
 * small images) faster that way round. */
static int forward_transposed(const ct_conv_geom *g)
{
    return ct_conv_plane(g) <= 512 && g->o / g->groups >= 8;
}

/* Scratch elements of one sample's forward: its col (none for a pointwise
 * conv), then room for a transposed result. */
static int64_t forward_scratch(const ct_conv_geom *g, const int64_t xs[4])
{
    int64_t n = ct_conv_is_pointwise(g, xs) ? 0 : g->c * g->kh * g->kw * ct_conv_plane(g);
    return n + (forward_transposed(g) ? g->o * ct_conv_plane(g) : 0);
}

/* One sample's forward: out_n = w @ col(x_n) + bias; col: forward_scratch elements. */
static void forward_sample(const ct_conv_geom *g, ct_dtype dt, const char *xn, const int64_t xs[4], const char *w,
                           const char *bias, int64_t bs, char *outn, char *col, int in_pool)
{
    size_t es = ct_dtype_size(dt);
    int64_t P = ct_conv_plane(g), og = g->o / g->groups, cg = g->c / g->groups, kg = ct_conv_kgroup(g);
    const char *src = col;
    int64_t ld = P;
    if (ct_conv_is_pointwise(g, xs)) {
        src = xn;
        ld = xs[1];
    } else {
        for (int64_t ci = 0; ci < g->c; ci++)
            ct_conv_im2col_plane(g, dt, xn + (size_t)(ci * xs[1]) * es, xs[2], xs[3],
                                 col + (size_t)(ci * g->kh * g->kw * P) * es, P);
    }
    int trans = forward_transposed(g);
    char *tbuf = src == col ? col + (size_t)(g->c * g->kh * g->kw * P) * es : col;
    if (bias && !trans)
        ct_conv_fill_bias_rows(dt, outn, g->o, P, P, bias, bs);
    for (int64_t gi = 0; gi < g->groups; gi++) {
        const char *wg = w + (size_t)(gi * og * kg) * es;
        const char *cgp = src + (size_t)(gi * (src == col ? kg : cg) * ld) * es;
        char *og_out = outn + (size_t)(gi * og * P) * es;
        if (trans) {
            if (in_pool)
                ct_conv_gemm_st(dt, 1, 1, P, og, kg, cgp, ld, wg, kg, 0, tbuf, og);
            else
                ct_conv_gemm(dt, 1, 1, P, og, kg, cgp, ld, wg, kg, 0, tbuf, og);
            ct_conv_transpose_bias(dt, tbuf, og, P, bias ? bias + (size_t)(gi * og * bs) * es : NULL, bs, og_out);
        } else if (in_pool) {
            ct_conv_gemm_st(dt, 0, 0, og, P, kg, wg, kg, cgp, ld, bias ? 1 : 0, og_out, P);
        } else {
            ct_conv_gemm(dt, 0, 0, og, P, kg, wg, kg, cgp, ld, bias ? 1 : 0, og_out, P);
        }
    }
}

typedef struct fwd_ctx {
    const ct_conv_geom *g;
    ct_dtype dt;
    const char *x;
    const int64_t *xs;
    const char *w, *bias;
    int64_t bs;
    char *out;
    const float *wp, *bp; /* packed weight and bias for the direct kernels, or NULL */
    atomic_int failed;
} fwd_ctx;

static void forward_range(void *ctx, int64_t begin, int64_t end)
{
    fwd_ctx *f = ctx;
    const ct_conv_geom *g = f->g;
    size_t es = ct_dtype_size(f->dt);
    if (f->wp) {
        ct_conv_direct_work wk;
        if (ct_conv_direct_work_init(&wk, g, f->xs) < 0) {
            atomic_store(&f->failed, 1);
            return;
        }
        for (int64_t s = begin; s < end; s++)
            ct_conv_direct_forward(&wk, (const float *)f->x + s * f->xs[0], f->xs, f->wp, f->bp,
                                   (float *)f->out + s * g->o * ct_conv_plane(g));
        ct_conv_direct_work_free(&wk);
        return;
    }
    size_t col_bytes = (size_t)forward_scratch(g, f->xs) * es;
    char *col = ct_alloc(col_bytes);
    if (!col) {
        atomic_store(&f->failed, 1);
        return;
    }
    for (int64_t s = begin; s < end; s++)
        forward_sample(g, f->dt, f->x + (size_t)(s * f->xs[0]) * es, f->xs, f->w, f->bias, f->bs,
                       f->out + (size_t)(s * g->o * ct_conv_plane(g)) * es, col, 1);
    ct_free(col, col_bytes);
}

/* Backward of the samples of one task, summing its weight gradient into gw. */
typedef struct bwd_ctx {
    const ct_conv_geom *g;
    ct_dtype dt;
    const char *gy, *x, *w;
    const int64_t *gs, *xs;
    char *gx;
    char **gw_parts; /* per task; NULL: no weight gradient */
    int direct;      /* gw_parts are packed and summed by the direct kernel */
    int64_t ntasks;
    atomic_int failed;
} bwd_ctx;

static void backward_samples(bwd_ctx *b, int64_t s0, int64_t s1, char *gw, char *col, char *gyb, int in_pool)
{
    const ct_conv_geom *g = b->g;
    ct_dtype dt = b->dt;
    size_t es = ct_dtype_size(dt);
    int64_t P = ct_conv_plane(g), og = g->o / g->groups, cg = g->c / g->groups, kg = ct_conv_kgroup(g);
    int pointwise = ct_conv_is_pointwise(g, b->xs);
    int gy_direct = b->gs[3] == 1 && (b->gs[2] == g->ow || g->oh == 1) && b->gs[1] >= P;
    if (!gw && !b->gx)
        return;
    for (int64_t s = s0; s < s1; s++) {
        const char *gyn = b->gy + (size_t)(s * b->gs[0]) * es, *xn = b->x + (size_t)(s * b->xs[0]) * es;
        int64_t gld = b->gs[1];
        if (!gy_direct) {
            ct_conv_gather_sample(g, dt, gyn, b->gs, gyb, P);
            gyn = gyb;
            gld = P;
        }
        if (gw) {
            const char *src = xn;
            int64_t ld = b->xs[1];
            if (!pointwise) {
                for (int64_t ci = 0; ci < g->c; ci++)
                    ct_conv_im2col_plane(g, dt, xn + (size_t)(ci * b->xs[1]) * es, b->xs[2], b->xs[3],
                                         col + (size_t)(ci * g->kh * g->kw * P) * es, P);
                src = col;
                ld = P;
            }
            for (int64_t gi = 0; gi < g->groups; gi++) {
                const char *gyg = gyn + (size_t)(gi * og * gld) * es;
                const char *cgp = src + (size_t)(gi * (pointwise ? cg : kg) * ld) * es;
                char *gwg = gw + (size_t)(gi * og * kg) * es;
                double beta = s == s0 ? 0 : 1;
                if (in_pool)
                    ct_conv_gemm_st(dt, 0, 1, og, kg, P, gyg, gld, cgp, ld, beta, gwg, kg);
                else
                    ct_conv_gemm(dt, 0, 1, og, kg, P, gyg, gld, cgp, ld, beta, gwg, kg);
            }
        }
        if (b->gx) {
            char *gxn = b->gx + (size_t)(s * g->c * g->h * g->w) * es;
            char *dst = pointwise ? gxn : col; /* pointwise: dcol is the input gradient itself */
            for (int64_t gi = 0; gi < g->groups; gi++) {
                const char *wg = b->w + (size_t)(gi * og * kg) * es;
                const char *gyg = gyn + (size_t)(gi * og * gld) * es;
                char *dg = dst + (size_t)(gi * kg * P) * es;
                if (in_pool)
                    ct_conv_gemm_st(dt, 1, 0, kg, P, og, wg, kg, gyg, gld, 0, dg, P);
                else
                    ct_conv_gemm(dt, 1, 0, kg, P, og, wg, kg, gyg, gld, 0, dg, P);
            }
            if (!pointwise)
                for (int64_t ci = 0; ci < g->c; ci++)
                    ct_conv_col2im_plane(g, dt, col + (size_t)(ci * g->kh * g->kw * P) * es, P,
                                         gxn + (size_t)(ci * g->h * g->w) * es);
        }
    }
}

static void backward_tasks(void *ctx, int64_t begin, int64_t end)
{
    bwd_ctx *b = ctx;
    const ct_conv_geom *g = b->g;
    size_t es = ct_dtype_size(b->dt);
    size_t col_bytes = (size_t)(g->c * g->kh * g->kw * ct_conv_plane(g)) * es;
    size_t gy_bytes = (size_t)(g->o * ct_conv_plane(g)) * es;
    char *col = ct_alloc(col_bytes), *gyb = ct_alloc(gy_bytes);
    ct_conv_direct_work wk = {0};
    int ok = col && gyb && (!b->direct || ct_conv_direct_work_init(&wk, g, b->xs) == 0);
    if (!ok) {
        atomic_store(&b->failed, 1);
    } else {
        for (int64_t t = begin; t < end; t++) {
            int64_t s0 = g->n * t / b->ntasks, s1 = g->n * (t + 1) / b->ntasks;
            if (b->direct) /* the weight gradient here, the input gradient by gemm below */
                for (int64_t s = s0; s < s1; s++)
                    ct_conv_direct_wgrad(&wk, (const float *)b->x + s * b->xs[0], b->xs,
                                         (const float *)b->gy + s * b->gs[0], b->gs, (float *)b->gw_parts[t]);
            char *gw = b->gw_parts && !b->direct ? b->gw_parts[t] : NULL;
            backward_samples(b, s0, s1, gw, col, gyb, 1);
        }
    }
    if (b->direct && wk.mem)
        ct_conv_direct_work_free(&wk);
    ct_free(col, col_bytes);
    ct_free(gyb, gy_bytes);
}

/* ---------------------------------------------------------------- batched schedule */

/* im2col of samples [0, m) of a chunk: x at the chunk's first sample; col
 * rows hold the samples' columns side by side (row length m * P). */
typedef struct chunk_ctx {
    const ct_conv_geom *g;
    ct_dtype dt;
    const char *x;
    const int64_t *xs;
    char *col;  /* [c * kh * kw, m * P] */
    char *tmp;  /* [o, m * P] */
    char *dst;  /* out or gx at the chunk's first sample */
    const char *bias;
    int64_t bs;
    int64_t m;
    int trans; /* scatter: tmp holds [m * P, o] instead of [o, m * P] */
} chunk_ctx;

static void im2col_chunk_range(void *ctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = ctx;
    const ct_conv_geom *g = k->g;
    size_t es = ct_dtype_size(k->dt);
    int64_t P = ct_conv_plane(g), ld = k->m * P;
    for (int64_t t = begin; t < end; t++) {
        int64_t s = t / g->c, ci = t % g->c;
        ct_conv_im2col_plane(g, k->dt, k->x + (size_t)(s * k->xs[0] + ci * k->xs[1]) * es, k->xs[2], k->xs[3],
                             k->col + (size_t)(ci * g->kh * g->kw * ld + s * P) * es, ld);
    }
}

static void col2im_chunk_range(void *ctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = ctx;
    const ct_conv_geom *g = k->g;
    size_t es = ct_dtype_size(k->dt);
    int64_t P = ct_conv_plane(g), ld = k->m * P;
    for (int64_t t = begin; t < end; t++) {
        int64_t s = t / g->c, ci = t % g->c;
        ct_conv_col2im_plane(g, k->dt, k->col + (size_t)(ci * g->kh * g->kw * ld + s * P) * es, ld,
                             k->dst + (size_t)((s * g->c + ci) * g->h * g->w) * es);
    }
}

/* out[s, oc, :] = tmp[oc, s * P : (s + 1) * P] + bias[oc] */
static void scatter_chunk_range(void *ctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = ctx;
    const ct_conv_geom *g = k->g;
    size_t es = ct_dtype_size(k->dt);
    int64_t P = ct_conv_plane(g), ld = k->m * P;
    for (int64_t t = begin; t < end; t++) {
        int64_t s = t / g->o, oc = t % g->o;
        const char *src = k->tmp + (size_t)(oc * ld + s * P) * es;
        char *d = k->dst + (size_t)((s * g->o + oc) * P) * es;
        if (k->trans) { /* tmp is [m * P, o] */
            const char *ts = k->tmp + (size_t)(s * P * g->o + oc) * es;
            if (k->dt == CT_FLOAT32) {
                float b = k->bias ? ((const float *)k->bias)[oc * k->bs] : 0.0f;
                for (int64_t p = 0; p < P; p++)
                    ((float *)d)[p] = ((const float *)ts)[p * g->o] + b;
            } else {
                double b = k->bias ? ((const double *)k->bias)[oc * k->bs] : 0.0;
                for (int64_t p = 0; p < P; p++)
                    ((double *)d)[p] = ((const double *)ts)[p * g->o] + b;
            }
        } else if (!k->bias) {
            memcpy(d, src, (size_t)P * es);
        } else if (k->dt == CT_FLOAT32) {
            float b = ((const float *)k->bias)[oc * k->bs];
            for (int64_t p = 0; p < P; p++)
                ((float *)d)[p] = ((const float *)src)[p] + b;
        } else {
            double b = ((const double *)k->bias)[oc * k->bs];
            for (int64_t p = 0; p < P; p++)
                ((double *)d)[p] = ((const double *)src)[p] + b;
        }
    }
}

/* tmp[:, s * P : (s + 1) * P] = gy[s] for the chunk's samples (x, xs: gy). */
static void gather_chunk_range(void *ctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = ctx;
    size_t es = ct_dtype_size(k->dt);
    int64_t P = ct_conv_plane(k->g);
    for (int64_t s = begin; s < end; s++)
        ct_conv_gather_sample(k->g, k->dt, k->x + (size_t)(s * k->xs[0]) * es, k->xs, k->tmp + (size_t)(s * P) * es,
                              k->m * P);
}

/* Samples per chunk: col of about CHUNK_COL_BYTES, at least one sample. */
static int64_t chunk_samples(const ct_conv_geom *g, size_t es)
{
    int64_t per = g->c * g->kh * g->kw * ct_conv_plane(g) * (int64_t)es;
    int64_t m = per > 0 ? CHUNK_COL_BYTES / per : g->n;
    int64_t wide = (CHUNK_MIN_COLUMNS + ct_conv_plane(g) - 1) / ct_conv_plane(g); /* gemms at least this wide */
    if (m < wide)
        m = wide;
    if (m < 1)
        m = 1;
    return m < g->n ? m : g->n;
}

/* Pool grain: tasks of about 32k elements. */
static int64_t grain_for(int64_t per_task)
{
    return per_task >= 32768 ? 1 : 32768 / (per_task > 0 ? per_task : 1);
}

static int forward_batched(const ct_conv_geom *g, ct_dtype dt, const char *x, const int64_t xs[4], const char *w,
                           const char *bias, int64_t bs, char *out)
{
    size_t es = ct_dtype_size(dt);
    int64_t P = ct_conv_plane(g), og = g->o / g->groups, kg = ct_conv_kgroup(g), K = g->c * g->kh * g->kw;
    int64_t mc = ct_conv_is_pointwise(g, xs) ? 1 : chunk_samples(g, es);
    if (mc == 1) { /* one sample at a time, straight into out */
        size_t col_bytes = (size_t)forward_scratch(g, xs) * es;
        char *col = ct_alloc(col_bytes);
        if (!col)
            return ct_fail("conv2d: out of memory for a %zu-byte im2col buffer", col_bytes);
        for (int64_t s = 0; s < g->n; s++)
            forward_sample(g, dt, x + (size_t)(s * xs[0]) * es, xs, w, bias, bs, out + (size_t)(s * g->o * P) * es,
                           col, 0);
        ct_free(col, col_bytes);
        return 0;
    }
    size_t col_bytes = (size_t)(K * mc * P) * es, tmp_bytes = (size_t)(g->o * mc * P) * es;
    char *col = ct_alloc(col_bytes), *tmp = ct_alloc(tmp_bytes);
    if (!col || !tmp) {
        ct_free(col, col_bytes);
        ct_free(tmp, tmp_bytes);
        return ct_fail("conv2d: out of memory for a %zu-byte im2col buffer", col_bytes + tmp_bytes);
    }
    for (int64_t s0 = 0; s0 < g->n; s0 += mc) {
        int64_t m = g->n - s0 < mc ? g->n - s0 : mc;
        chunk_ctx k = {g, dt, x + (size_t)(s0 * xs[0]) * es, xs, col, tmp, out + (size_t)(s0 * g->o * P) * es,
                       bias, bs, m, 1};
        ct_parallel_for(m * g->c, grain_for(g->kh * g->kw * P), im2col_chunk_range, &k);
        /* tmp [m * P, o] = col^T @ w^T: a little faster in OpenBLAS than [o, m * P] */
        for (int64_t gi = 0; gi < g->groups; gi++)
            ct_conv_gemm(dt, 1, 1, m * P, og, kg, col + (size_t)(gi * kg * m * P) * es, m * P,
                         w + (size_t)(gi * og * kg) * es, kg, 0, tmp + (size_t)(gi * og) * es, g->o);
        ct_parallel_for(m * g->o, grain_for(P), scatter_chunk_range, &k);
    }
    ct_free(col, col_bytes);
    ct_free(tmp, tmp_bytes);
    return 0;
}

static int backward_batched(const ct_conv_geom *g, ct_dtype dt, const char *gy, const int64_t gs[4], const char *x,
                            const int64_t xs[4], const char *w, char *gx, char *gw)
{
    size_t es = ct_dtype_size(dt);
    int64_t P = ct_conv_plane(g), og = g->o / g->groups, kg = ct_conv_kgroup(g), K = g->c * g->kh * g->kw;
    int64_t mc = ct_conv_is_pointwise(g, xs) ? 1 : chunk_samples(g, es);
    if (mc == 1) {
        size_t col_bytes = (size_t)(K * P) * es, gy_bytes = (size_t)(g->o * P) * es;
        char *col = ct_alloc(col_bytes), *gyb = ct_alloc(gy_bytes);
        if (!col || !gyb) {
            ct_free(col, col_bytes);
            ct_free(gyb, gy_bytes);
            return ct_fail("conv2d: out of memory for a %zu-byte im2col buffer", col_bytes + gy_bytes);
        }
        bwd_ctx b = {.g = g, .dt = dt, .gy = gy, .x = x, .w = w, .gs = gs, .xs = xs, .gx = gx, .ntasks = 1};
        backward_samples(&b, 0, g->n, gw, col, gyb, 0);
        ct_free(col, col_bytes);
        ct_free(gyb, gy_bytes);
        return 0;
    }
    size_t col_bytes = (size_t)(K * mc * P) * es, tmp_bytes = (size_t)(g->o * mc * P) * es;
    char *col = ct_alloc(col_bytes), *tmp = ct_alloc(tmp_bytes);
    if (!col || !tmp) {
        ct_free(col, col_bytes);
        ct_free(tmp, tmp_bytes);
        return ct_fail("conv2d: out of memory for a %zu-byte im2col buffer", col_bytes + tmp_bytes);
    }
    for (int64_t s0 = 0; s0 < g->n; s0 += mc) {
        int64_t m = g->n - s0 < mc ? g->n - s0 : mc, ld = m * P;
        chunk_ctx gk = {g, dt, gy + (size_t)(s0 * gs[0]) * es, gs, col, tmp, NULL, NULL, 0, m, 0};
        ct_parallel_for(m, grain_for(g->o * P), gather_chunk_range, &gk);
        if (gw) {
            chunk_ctx k = {g, dt, x + (size_t)(s0 * xs[0]) * es, xs, col, tmp, NULL, NULL, 0, m, 0};
            ct_parallel_for(m * g->c, grain_for(g->kh * g->kw * P), im2col_chunk_range, &k);
            for (int64_t gi = 0; gi < g->groups; gi++)
                ct_conv_gemm(dt, 0, 1, og, kg, ld, tmp + (size_t)(gi * og * ld) * es, ld,
                             col + (size_t)(gi * kg * ld) * es, ld, s0 == 0 ? 0 : 1,
                             gw + (size_t)(gi * og * kg) * es, kg);
        }
        if (gx) {
            for (int64_t gi = 0; gi < g->groups; gi++)
                ct_conv_gemm(dt, 1, 0, kg, ld, og, w + (size_t)(gi * og * kg) * es, kg,
                             tmp + (size_t)(gi * og * ld) * es, ld, 0, col + (size_t)(gi * kg * ld) * es, ld);
            chunk_ctx k = {g, dt, NULL, NULL, col, tmp, gx + (size_t)(s0 * g->c * g->h * g->w) * es, NULL, 0, m,
                           0};
            ct_parallel_for(m * g->c, grain_for(g->kh * g->kw * P), col2im_chunk_range, &k);
        }
    }
    ct_free(col, col_bytes);
    ct_free(tmp, tmp_bytes);
    return 0;
}

/* ---------------------------------------------------------------- drivers */

/* Spread samples over the pool when there are several, the pool has threads,
 * and one sample's gemms are small enough to run well on one thread. */
static int use_per_sample(const ct_conv_geom *g)
{
    int64_t weight = g->o / g->groups * ct_conv_kgroup(g);
    return g->n > 1 && ct_get_num_threads() > 1 && weight <= PER_SAMPLE_MAX_WEIGHT;
}

int ct_cpu_conv2d_forward(ct_dtype dt, const ct_conv_geom *g, const char *x, const int64_t xs[4], const char *w,
                          const char *bias, int64_t bs, char *out)
{
    if (g->n == 0 || g->o == 0)
        return 0;
    int direct = ct_conv_direct_ok(dt, g);
    if (!direct && !use_per_sample(g))
        return forward_batched(g, dt, x, xs, w, bias, bs, out);
    fwd_ctx f = {.g = g, .dt = dt, .x = x, .xs = xs, .w = w, .bias = bias, .bs = bs, .out = out};
    size_t wp_bytes = 0;
    float *wp = NULL;
    if (direct) {
        int64_t packed = ct_conv_direct_units(g) * ct_conv_kgroup(g) * ct_conv_direct_lanes(g);
        wp_bytes = sizeof(float) * (size_t)(packed + ct_conv_direct_units(g) * ct_conv_direct_lanes(g));
        if (!(wp = ct_alloc(wp_bytes)))
            return ct_fail("conv2d: out of memory for packed weights");
        f.wp = wp;
        f.bp = wp + packed;
        ct_conv_direct_pack(g, (const float *)w, (const float *)bias, bs, wp, wp + packed);
    }
    atomic_init(&f.failed, 0);
    ct_parallel_for(g->n, 1, forward_range, &f);
    ct_free(wp, wp_bytes);
    if (atomic_load(&f.failed))
        return ct_fail("conv2d: out of memory for an im2col buffer");
    return 0;
}

int ct_cpu_conv2d_backward(ct_dtype dt, const ct_conv_geom *g, const char *gy, const int64_t gs[4], const char *x,
                           const int64_t xs[4], const char *w, char *gx, char *gw, char *gb)
{
    size_t es = ct_dtype_size(dt);
    int64_t wnumel = g->o * ct_conv_kgroup(g);
    if (gb) {
        ct_conv_bias_grad(dt, g, gy, gs, gb);
    }
    if (!gx && !gw)
        return 0;
    if (g->n == 0 || g->o == 0) { /* empty sums */
        if (gw)
            memset(gw, 0, (size_t)wnumel * es);
        if (gx)
            memset(gx, 0, (size_t)(g->n * g->c * g->h * g->w) * es);
        return 0;
    }
    int direct = gw && ct_conv_direct_ok(dt, g);
    if (!direct && !use_per_sample(g))
        return backward_batched(g, dt, gy, gs, x, xs, w, gx, gw);
    int64_t ntasks = ct_get_num_threads();
    if (ntasks > g->n)
        ntasks = g->n;
    char *parts[64] = {0};
    if (ntasks > 64)
        ntasks = 64;
    /* per-task weight gradients: packed for the direct kernel (all tasks, zeroed),
     * else task 0 sums into gw itself and the others into their own buffers */
    size_t part_bytes = direct ? sizeof(float) * (size_t)(ct_conv_direct_units(g) * ct_conv_kgroup(g) *
                                                          ct_conv_direct_lanes(g))
                               : (size_t)wnumel * es;
    int first = direct ? 0 : 1, rc = 0;
    if (gw) {
        parts[0] = gw;
        for (int64_t t = first; t < ntasks && rc == 0; t++) {
            if (!(parts[t] = ct_alloc(part_bytes)))
                rc = ct_fail("conv2d: out of memory for weight gradient buffers");
            else if (direct)
                memset(parts[t], 0, part_bytes);
        }
    }
    if (rc == 0) {
        bwd_ctx b = {.g = g, .dt = dt, .gy = gy, .x = x, .w = w, .gs = gs, .xs = xs, .gx = gx,
                     .gw_parts = gw ? parts : NULL, .direct = direct, .ntasks = ntasks};
        atomic_init(&b.failed, 0);
        ct_parallel_for(ntasks, 1, backward_tasks, &b);
        if (atomic_load(&b.failed))
            rc = ct_fail("conv2d: out of memory for an im2col buffer");
    }
    if (rc == 0 && gw) {
        for (int64_t t = 0; t < ntasks; t++) {
            if (direct)
                ct_conv_direct_unpack(g, (const float *)parts[t], (float *)gw, t > 0);
            else if (t == 0)
                continue;
            else if (dt == CT_FLOAT32)
                for (int64_t i = 0; i < wnumel; i++)
                    ((float *)gw)[i] += ((const float *)parts[t])[i];
            else
                for (int64_t i = 0; i < wnumel; i++)
                    ((double *)gw)[i] += ((const double *)parts[t])[i];
        }
    }
    for (int64_t t = first; t < ntasks; t++)
        ct_free(parts[t], part_bytes);
    return rc;
}
