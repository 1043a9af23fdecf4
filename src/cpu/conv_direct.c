/*
 * conv_direct.c -- direct float32 convolution for few output channels per
 * group (4 to 16), on CPUs with AVX2 and FMA.
 *
 * With so few output channels a gemm is a thin product that OpenBLAS runs
 * far below its peak, and im2col costs as much as the product.  Here the
 * output channels of one pixel sit in one or two 8-float vectors: for a block
 * of pixels of one output row, every kernel tap r adds x(pixel + off[r]) *
 * wT[r] to the pixel's vectors, the accumulators staying in registers over
 * all taps.  The weight gradient is the same loop turned around: for a block
 * of taps, every pixel adds x(pixel + off[r]) * gyT[pixel] to the tap's
 * vectors.  Inputs are read in place (any strides) unless padded, when the
 * sample is first copied into a zero-bordered buffer.
 *
 * The kernels are written with GCC vector types (float x 8) and built for
 * AVX2/FMA with a target attribute; ct_conv_direct_ok checks the CPU.  Block
 * sizes are compile-time constants (the always-inline block functions are
 * called with literal sizes), so the accumulators are registers.
 */
#include <string.h>

#include "cpu/conv_kernels.h"

typedef float v8f __attribute__((vector_size(32)));

#define TARGET __attribute__((target("avx2,fma")))
#define BLOCK_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

int ct_conv_direct_ok(ct_dtype dt, const ct_conv_geom *g)
{
    int64_t og = g->o / g->groups;
    if (dt != CT_FLOAT32 || og < 4 || og > CT_CONV_DIRECT_MAX_CHANNELS)
        return 0;
    __builtin_cpu_init(); /* idempotent; reads what libgcc found at start-up */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int64_t ct_conv_direct_lanes(const ct_conv_geom *g) { return g->o / g->groups <= 8 ? 8 : 16; }

int64_t ct_conv_direct_units(const ct_conv_geom *g)
{
    int64_t lanes = ct_conv_direct_lanes(g);
    return g->groups * ((g->o / g->groups + lanes - 1) / lanes);
}

/* Output channels of unit u: the first, and how many are real (the rest of
 * its lanes are padding). */
static int64_t unit_channels(const ct_conv_geom *g, int64_t u, int64_t *first)
{
    int64_t lanes = ct_conv_direct_lanes(g), og = g->o / g->groups;
    int64_t per = (og + lanes - 1) / lanes, gi = u / per, bi = u % per;
    *first = gi * og + bi * lanes;
    return og - bi * lanes < lanes ? og - bi * lanes : lanes;
}

void ct_conv_direct_pack(const ct_conv_geom *g, const float *w, const float *bias, int64_t bs, float *wp, float *bp)
{
    int64_t lanes = ct_conv_direct_lanes(g), units = ct_conv_direct_units(g), kg = ct_conv_kgroup(g);
    memset(wp, 0, sizeof(float) * (size_t)(units * kg * lanes));
    memset(bp, 0, sizeof(float) * (size_t)(units * lanes));
    for (int64_t u = 0; u < units; u++) {
        int64_t first, n = unit_channels(g, u, &first);
        for (int64_t o = 0; o < n; o++) {
            const float *wr = w + (first + o) * kg;
            for (int64_t r = 0; r < kg; r++)
                wp[(u * kg + r) * lanes + o] = wr[r];
            if (bias)
                bp[u * lanes + o] = bias[(first + o) * bs];
        }
    }
}

void ct_conv_direct_unpack(const ct_conv_geom *g, const float *acc, float *gw, int add)
{
    int64_t lanes = ct_conv_direct_lanes(g), units = ct_conv_direct_units(g), kg = ct_conv_kgroup(g);
    for (int64_t u = 0; u < units; u++) {
        int64_t first, n = unit_channels(g, u, &first);
        for (int64_t o = 0; o < n; o++) {
            float *d = gw + (first + o) * kg;
            const float *s = acc + u * kg * lanes + o;
            if (add)
                for (int64_t r = 0; r < kg; r++)
                    d[r] += s[r * lanes];
            else
                for (int64_t r = 0; r < kg; r++)
                    d[r] = s[r * lanes];
        }
    }
}

/* ---------------------------------------------------------------- work buffers */

int ct_conv_direct_work_init(ct_conv_direct_work *wk, const ct_conv_geom *g, const int64_t xs[4])
{
    int64_t kg = ct_conv_kgroup(g), lanes = ct_conv_direct_lanes(g);
    int padded = g->ph > 0 || g->pw > 0;
    int64_t hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw;
    size_t buf = sizeof(float) * (size_t)(ct_conv_plane(g) * lanes);
    size_t pad = padded ? sizeof(float) * (size_t)(g->c * hp * wp) : 0;
    size_t off = sizeof(int64_t) * (size_t)kg;
    wk->g = g;
    wk->bytes = buf + ((pad + 63) & ~(size_t)63) + off;
    wk->mem = ct_alloc(wk->bytes);
    if (!wk->mem)
        return -1;
    wk->buf = wk->mem;
    wk->pad = padded ? (float *)((char *)wk->mem + buf) : NULL;
    wk->off = (int64_t *)((char *)wk->mem + buf + ((pad + 63) & ~(size_t)63));
    if (padded) {
        memset(wk->pad, 0, pad); /* the border stays zero; samples overwrite the inside */
        wk->s[0] = hp * wp;
        wk->s[1] = wp;
        wk->s[2] = 1;
    } else {
        wk->s[0] = xs[1];
        wk->s[1] = xs[2];
        wk->s[2] = xs[3];
    }
    int64_t cg = g->c / g->groups;
    for (int64_t ci = 0; ci < cg; ci++)
        for (int64_t ki = 0; ki < g->kh; ki++)
            for (int64_t kj = 0; kj < g->kw; kj++)
                wk->off[(ci * g->kh + ki) * g->kw + kj] = ci * wk->s[0] + ki * g->dh * wk->s[1] + kj * g->dw * wk->s[2];
    return 0;
}

void ct_conv_direct_work_free(ct_conv_direct_work *wk) { ct_free(wk->mem, wk->bytes); }

/* The sample as the kernels read it: x itself, or its padded copy. */
static const float *source(ct_conv_direct_work *wk, const float *xn, const int64_t xs[4])
{
    const ct_conv_geom *g = wk->g;
    if (!wk->pad)
        return xn;
    for (int64_t ci = 0; ci < g->c; ci++)
        for (int64_t ih = 0; ih < g->h; ih++) {
            float *d = wk->pad + ci * wk->s[0] + (ih + g->ph) * wk->s[1] + g->pw;
            const float *s = xn + ci * xs[1] + ih * xs[2];
            for (int64_t iw = 0; iw < g->w; iw++)
                d[iw] = s[iw * xs[3]];
        }
    /* the kernels index from the padded origin */
    return wk->pad;
}

/* ---------------------------------------------------------------- forward */

/* np pixels (input step pstep apart) x nv vectors of output channels:
 * out[q] = bias + sum over the k taps of x[off[r] + q * pstep] * wT[r]. */
BLOCK_INLINE void fwd_block(int np, int nv, const float *xp, int64_t pstep, const int64_t *off, int64_t k,
                            const v8f *wT, const v8f *bias, v8f *out)
{
    v8f a[8][2];
    for (int q = 0; q < np; q++)
        for (int v = 0; v < nv; v++)
            a[q][v] = bias[v];
    for (int64_t r = 0; r < k; r++) {
        const v8f *wr = wT + r * nv;
        const float *xr = xp + off[r];
        for (int q = 0; q < np; q++) {
            float xv = xr[q * pstep];
            for (int v = 0; v < nv; v++)
                a[q][v] += xv * wr[v];
        }
    }
    for (int q = 0; q < np; q++)
        for (int v = 0; v < nv; v++)
            out[q * nv + v] = a[q][v];
}

TARGET static void fwd_pixels(int np, int nv, const float *xp, int64_t pstep, const int64_t *off, int64_t k,
                              const v8f *wT, const v8f *bias, v8f *out)
{
    if (nv == 1) {
        switch (np) {
        case 1: fwd_block(1, 1, xp, pstep, off, k, wT, bias, out); break;
        case 2: fwd_block(2, 1, xp, pstep, off, k, wT, bias, out); break;
        case 3: fwd_block(3, 1, xp, pstep, off, k, wT, bias, out); break;
        case 4: fwd_block(4, 1, xp, pstep, off, k, wT, bias, out); break;
        case 5: fwd_block(5, 1, xp, pstep, off, k, wT, bias, out); break;
        case 6: fwd_block(6, 1, xp, pstep, off, k, wT, bias, out); break;
        case 7: fwd_block(7, 1, xp, pstep, off, k, wT, bias, out); break;
        default: fwd_block(8, 1, xp, pstep, off, k, wT, bias, out); break;
        }
    } else {
        switch (np) {
        case 1: fwd_block(1, 2, xp, pstep, off, k, wT, bias, out); break;
        case 2: fwd_block(2, 2, xp, pstep, off, k, wT, bias, out); break;
        case 3: fwd_block(3, 2, xp, pstep, off, k, wT, bias, out); break;
        case 4: fwd_block(4, 2, xp, pstep, off, k, wT, bias, out); break;
        default: fwd_block(5, 2, xp, pstep, off, k, wT, bias, out); break;
        }
    }
}

/* Pixels per block: the largest size up to the register budget (8 with one
 * vector per pixel, 5 with two) that divides n, or the budget itself. */
static int block_size(int nv, int64_t n)
{
    int max = nv == 1 ? 8 : 5;
    for (int b = max; b >= 4; b--)
        if (n % b == 0)
            return b;
    return max;
}

void ct_conv_direct_forward(ct_conv_direct_work *wk, const float *xn, const int64_t xs[4], const float *wp,
                            const float *bp, float *outn)
{
    const ct_conv_geom *g = wk->g;
    int64_t lanes = ct_conv_direct_lanes(g), units = ct_conv_direct_units(g), kg = ct_conv_kgroup(g);
    int64_t cg = g->c / g->groups, og = g->o / g->groups, P = ct_conv_plane(g), OW = g->ow;
    int nv = (int)(lanes / 8), bs = block_size(nv, OW);
    const float *src = source(wk, xn, xs);
    int64_t pstep = g->sw * wk->s[2];
    v8f *buf = (v8f *)wk->buf;
    for (int64_t u = 0; u < units; u++) {
        int64_t first, n = unit_channels(g, u, &first);
        const float *xg = src + first / og * cg * wk->s[0];
        const v8f *wT = (const v8f *)(wp + u * kg * lanes), *bias = (const v8f *)(bp + u * lanes);
        for (int64_t oh = 0; oh < g->oh; oh++) {
            const float *xrow = xg + oh * g->sh * wk->s[1];
            for (int64_t ow = 0; ow < OW; ow += bs) {
                int np = OW - ow < bs ? (int)(OW - ow) : bs;
                fwd_pixels(np, nv, xrow + ow * pstep, pstep, wk->off, kg, wT, bias, buf + (oh * OW + ow) * nv);
            }
        }
        /* [P, lanes] -> the unit's rows of out */
        const float *t = wk->buf;
        for (int64_t o = 0; o < n; o++) {
            float *d = outn + (first + o) * P;
            for (int64_t p = 0; p < P; p++)
                d[p] = t[p * lanes + o];
        }
    }
}

/* ---------------------------------------------------------------- weight gradient */

/* acc[i] (nv vectors, tap off[i]) += sum over the pixels of x[pixel + off[i]] * gyT[pixel]. */
BLOCK_INLINE void wgrad_block(int nr, int nv, const ct_conv_geom *g, const float *xg, int64_t rstep, int64_t pstep,
                              const int64_t *off, const v8f *gyT, v8f *acc)
{
    v8f a[8][2];
    int64_t o[8];
    for (int i = 0; i < nr; i++) {
        o[i] = off[i];
        for (int v = 0; v < nv; v++)
            a[i][v] = acc[i * nv + v];
    }
    for (int64_t oh = 0; oh < g->oh; oh++) {
        const float *xrow = xg + oh * rstep;
        const v8f *grow = gyT + oh * g->ow * nv;
        for (int64_t ow = 0; ow < g->ow; ow++) {
            const float *px = xrow + ow * pstep;
            const v8f *gp = grow + ow * nv;
            for (int i = 0; i < nr; i++) {
                float xv = px[o[i]];
                for (int v = 0; v < nv; v++)
                    a[i][v] += xv * gp[v];
            }
        }
    }
    for (int i = 0; i < nr; i++)
        for (int v = 0; v < nv; v++)
            acc[i * nv + v] = a[i][v];
}

TARGET static void wgrad_taps(int nr, int nv, const ct_conv_geom *g, const float *xg, int64_t rstep, int64_t pstep,
                              const int64_t *off, const v8f *gyT, v8f *acc)
{
    if (nv == 1) {
        switch (nr) {
        case 1: wgrad_block(1, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 2: wgrad_block(2, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 3: wgrad_block(3, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 4: wgrad_block(4, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 5: wgrad_block(5, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 6: wgrad_block(6, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        case 7: wgrad_block(7, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        default: wgrad_block(8, 1, g, xg, rstep, pstep, off, gyT, acc); break;
        }
    } else {
        switch (nr) {
        case 1: wgrad_block(1, 2, g, xg, rstep, pstep, off, gyT, acc); break;
        case 2: wgrad_block(2, 2, g, xg, rstep, pstep, off, gyT, acc); break;
        case 3: wgrad_block(3, 2, g, xg, rstep, pstep, off, gyT, acc); break;
        case 4: wgrad_block(4, 2, g, xg, rstep, pstep, off, gyT, acc); break;
        default: wgrad_block(5, 2, g, xg, rstep, pstep, off, gyT, acc); break;
        }
    }
}

void ct_conv_direct_wgrad(ct_conv_direct_work *wk, const float *xn, const int64_t xs[4], const float *gyn,
                          const int64_t gs[4], float *acc)
{
    const ct_conv_geom *g = wk->g;
    int64_t lanes = ct_conv_direct_lanes(g), units = ct_conv_direct_units(g), kg = ct_conv_kgroup(g);
    int64_t cg = g->c / g->groups, og = g->o / g->groups, P = ct_conv_plane(g);
    int nv = (int)(lanes / 8), bs = block_size(nv, kg);
    const float *src = source(wk, xn, xs);
    int64_t rstep = g->sh * wk->s[1], pstep = g->sw * wk->s[2];
    for (int64_t u = 0; u < units; u++) {
        int64_t first, n = unit_channels(g, u, &first);
        /* the unit's gradient as [P, lanes], zero past its real channels */
        for (int64_t o = 0; o < lanes; o++) {
            float *d = wk->buf + o;
            if (o >= n) {
                for (int64_t p = 0; p < P; p++)
                    d[p * lanes] = 0;
                continue;
            }
            const float *s = gyn + (first + o) * gs[1];
            for (int64_t oh = 0; oh < g->oh; oh++)
                for (int64_t ow = 0; ow < g->ow; ow++)
                    d[(oh * g->ow + ow) * lanes] = s[oh * gs[2] + ow * gs[3]];
        }
        const float *xg = src + first / og * cg * wk->s[0];
        v8f *au = (v8f *)(acc + u * kg * lanes);
        for (int64_t r = 0; r < kg; r += bs) {
            int nr = kg - r < bs ? (int)(kg - r) : bs;
            wgrad_taps(nr, nv, g, xg, rstep, pstep, wk->off + r, (const v8f *)wk->buf, au + r * nv);
        }
    }
}
