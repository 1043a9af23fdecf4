/*
 * conv_kernels.c -- the building blocks of the convolution schedules:
 * OpenBLAS gemm calls, im2col/col2im of one channel plane, and small row
 * kernels (gathers, bias fills, transposes, sums).
 */
#include <cblas.h>
#include <string.h>

#include "core/loop.h"
#include "cpu/conv_kernels.h"

/* Output columns [*lo, *hi) whose input column ow * s + off lies in [0, size). */
static void valid_range(int64_t off, int64_t s, int64_t size, int64_t out_size, int64_t *lo, int64_t *hi)
{
    int64_t l = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t h = size - off <= 0 ? 0 : (size - off + s - 1) / s;
    if (h > out_size)
        h = out_size;
    if (l > h)
        l = h;
    *lo = l;
    *hi = h;
}

/* ---------------------------------------------------------------- gemm */

/* Row-major c = a @ b + beta * c, op(a) m x k, op(b) k x n (ta/tb: stored transposed). */
void ct_conv_gemm(ct_dtype dt, int ta, int tb, int64_t m, int64_t n, int64_t k, const char *a, int64_t lda,
                  const char *b, int64_t ldb, double beta, char *c, int64_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0) { /* BLAS rejects lda 0; the product is empty */
        for (int64_t i = 0; i < m; i++) {
            if (dt == CT_FLOAT32) {
                float *r = (float *)c + i * ldc;
                for (int64_t j = 0; j < n; j++)
                    r[j] = beta == 0 ? 0.0f : (float)beta * r[j];
            } else {
                double *r = (double *)c + i * ldc;
                for (int64_t j = 0; j < n; j++)
                    r[j] = beta == 0 ? 0.0 : beta * r[j];
            }
        }
        return;
    }
    enum CBLAS_TRANSPOSE tra = ta ? CblasTrans : CblasNoTrans, trb = tb ? CblasTrans : CblasNoTrans;
    if (dt == CT_FLOAT32)
        cblas_sgemm(CblasRowMajor, tra, trb, (int)m, (int)n, (int)k, 1.0f, (const float *)a, (int)lda,
                    (const float *)b, (int)ldb, (float)beta, (float *)c, (int)ldc);
    else
        cblas_dgemm(CblasRowMajor, tra, trb, (int)m, (int)n, (int)k, 1.0, (const double *)a, (int)lda,
                    (const double *)b, (int)ldb, beta, (double *)c, (int)ldc);
}

/* Splits size into the fewest pieces of at most max(limit, 1): the piece size. */
static int64_t piece(int64_t size, int64_t limit)
{
    if (limit < 1)
        limit = 1;
    if (size <= limit)
        return size;
    int64_t pieces = (size + limit - 1) / limit;
    return (size + pieces - 1) / pieces;
}

/* The same product in blocks small enough that OpenBLAS never starts its
 * threads: for calls made from inside the thread pool.  The longest of m, n,
 * k is cut first (k in steps that accumulate with beta = 1). */
void ct_conv_gemm_st(ct_dtype dt, int ta, int tb, int64_t m, int64_t n, int64_t k, const char *a, int64_t lda,
                     const char *b, int64_t ldb, double beta, char *c, int64_t ldc)
{
    int64_t es = (int64_t)ct_dtype_size(dt);
    if (k == 0 || m * n * k <= CT_CONV_BLAS_ST_MNK) {
        ct_conv_gemm(dt, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    int64_t mb = m, nb = n, kb = k;
    int64_t *dim[3] = {&mb, &nb, &kb};
    int cut[3] = {0, 0, 0};
    while (mb * nb * kb > CT_CONV_BLAS_ST_MNK) {
        int big = -1;
        for (int i = 0; i < 3; i++)
            if (!cut[i] && *dim[i] > 1 && (big < 0 || *dim[i] > *dim[big]))
                big = i;
        if (big < 0)
            break;
        cut[big] = 1;
        int64_t rest = mb * nb * kb / *dim[big];
        *dim[big] = piece(*dim[big], CT_CONV_BLAS_ST_MNK / rest);
    }
    for (int64_t i = 0; i < m; i += mb) {
        int64_t mi = m - i < mb ? m - i : mb;
        for (int64_t j = 0; j < n; j += nb) {
            int64_t nj = n - j < nb ? n - j : nb;
            for (int64_t p = 0; p < k; p += kb) {
                int64_t kp = k - p < kb ? k - p : kb;
                const char *ai = a + (ta ? p * lda + i : i * lda + p) * es;
                const char *bj = b + (tb ? j * ldb + p : p * ldb + j) * es;
                ct_conv_gemm(dt, ta, tb, mi, nj, kp, ai, lda, bj, ldb, p == 0 ? beta : 1, c + (i * ldc + j) * es, ldc);
            }
        }
    }
}

/* ---------------------------------------------------------------- im2col / col2im */

/* Fills the kh * kw rows of one input channel plane xp (element strides sH,
 * sW) into col, starting at dst (row length ld elements).  Rows of the
 * output that fall in the padding are zeroed in one block; the rest are
 * plain loops (rows are short: a memcpy/memset call per row costs more). */
static void im2col_plane_f32(const ct_conv_geom *g, const float *xp, int64_t sH, int64_t sW, float *dst, int64_t ld)
{
    int64_t OW = g->ow, step = g->sw * sW;
    for (int64_t ki = 0; ki < g->kh; ki++) {
        int64_t ih0 = ki * g->dh - g->ph, rlo, rhi;
        valid_range(ih0, g->sh, g->h, g->oh, &rlo, &rhi);
        for (int64_t kj = 0; kj < g->kw; kj++) {
            float *row = dst + (ki * g->kw + kj) * ld;
            int64_t iw0 = kj * g->dw - g->pw, lo, hi;
            valid_range(iw0, g->sw, g->w, OW, &lo, &hi);
            if (rlo > 0)
                memset(row, 0, sizeof(float) * (size_t)(rlo * OW));
            if (rhi < g->oh)
                memset(row + rhi * OW, 0, sizeof(float) * (size_t)((g->oh - rhi) * OW));
            for (int64_t oh = rlo; oh < rhi; oh++) {
                float *restrict d = row + oh * OW;
                const float *restrict s = xp + (oh * g->sh + ih0) * sH + (lo * g->sw + iw0) * sW; /* column lo */
                if (lo > 0)
                    for (int64_t ow = 0; ow < lo; ow++)
                        d[ow] = 0;
                if (step == 1) {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow] = s[ow - lo];
                } else {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow] = s[(ow - lo) * step];
                }
                if (hi < OW)
                    for (int64_t ow = hi; ow < OW; ow++)
                        d[ow] = 0;
            }
        }
    }
}

static void im2col_plane_f64(const ct_conv_geom *g, const double *xp, int64_t sH, int64_t sW, double *dst, int64_t ld)
{
    int64_t OW = g->ow, step = g->sw * sW;
    for (int64_t ki = 0; ki < g->kh; ki++) {
        int64_t ih0 = ki * g->dh - g->ph, rlo, rhi;
        valid_range(ih0, g->sh, g->h, g->oh, &rlo, &rhi);
        for (int64_t kj = 0; kj < g->kw; kj++) {
            double *row = dst + (ki * g->kw + kj) * ld;
            int64_t iw0 = kj * g->dw - g->pw, lo, hi;
            valid_range(iw0, g->sw, g->w, OW, &lo, &hi);
            if (rlo > 0)
                memset(row, 0, sizeof(double) * (size_t)(rlo * OW));
            if (rhi < g->oh)
                memset(row + rhi * OW, 0, sizeof(double) * (size_t)((g->oh - rhi) * OW));
            for (int64_t oh = rlo; oh < rhi; oh++) {
                double *restrict d = row + oh * OW;
                const double *restrict s = xp + (oh * g->sh + ih0) * sH + (lo * g->sw + iw0) * sW;
                if (lo > 0)
                    for (int64_t ow = 0; ow < lo; ow++)
                        d[ow] = 0;
                if (step == 1) {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow] = s[ow - lo];
                } else {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow] = s[(ow - lo) * step];
                }
                if (hi < OW)
                    for (int64_t ow = hi; ow < OW; ow++)
                        d[ow] = 0;
            }
        }
    }
}

void ct_conv_im2col_plane(const ct_conv_geom *g, ct_dtype dt, const char *xp, int64_t sH, int64_t sW, char *dst,
                          int64_t ld)
{
    if (dt == CT_FLOAT32)
        im2col_plane_f32(g, (const float *)xp, sH, sW, (float *)dst, ld);
    else
        im2col_plane_f64(g, (const double *)xp, sH, sW, (double *)dst, ld);
}

/* Adds the kh * kw rows of col (from src, row length ld) into one contiguous
 * [h, w] plane of the input gradient, which the caller has zeroed. */
static void col2im_plane_f32(const ct_conv_geom *g, const float *src, int64_t ld, float *gp)
{
    int64_t OW = g->ow;
    for (int64_t ki = 0; ki < g->kh; ki++) {
        for (int64_t kj = 0; kj < g->kw; kj++) {
            const float *row = src + (ki * g->kw + kj) * ld;
            int64_t ih0 = ki * g->dh - g->ph, iw0 = kj * g->dw - g->pw;
            int64_t lo, hi;
            valid_range(iw0, g->sw, g->w, OW, &lo, &hi);
            for (int64_t oh = 0; oh < g->oh; oh++) {
                int64_t ih = oh * g->sh + ih0;
                if (ih < 0 || ih >= g->h)
                    continue;
                const float *s = row + oh * OW;
                float *d = gp + ih * g->w + lo * g->sw + iw0;
                if (g->sw == 1) {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow - lo] += s[ow];
                } else {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[(ow - lo) * g->sw] += s[ow];
                }
            }
        }
    }
}

static void col2im_plane_f64(const ct_conv_geom *g, const double *src, int64_t ld, double *gp)
{
    int64_t OW = g->ow;
    for (int64_t ki = 0; ki < g->kh; ki++) {
        for (int64_t kj = 0; kj < g->kw; kj++) {
            const double *row = src + (ki * g->kw + kj) * ld;
            int64_t ih0 = ki * g->dh - g->ph, iw0 = kj * g->dw - g->pw;
            int64_t lo, hi;
            valid_range(iw0, g->sw, g->w, OW, &lo, &hi);
            for (int64_t oh = 0; oh < g->oh; oh++) {
                int64_t ih = oh * g->sh + ih0;
                if (ih < 0 || ih >= g->h)
                    continue;
                const double *s = row + oh * OW;
                double *d = gp + ih * g->w + lo * g->sw + iw0;
                if (g->sw == 1) {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[ow - lo] += s[ow];
                } else {
                    for (int64_t ow = lo; ow < hi; ow++)
                        d[(ow - lo) * g->sw] += s[ow];
                }
            }
        }
    }
}

/* col2im of one channel: zeroes the plane, then adds col's rows into it. */
void ct_conv_col2im_plane(const ct_conv_geom *g, ct_dtype dt, const char *src, int64_t ld, char *gp)
{
    memset(gp, 0, (size_t)(g->h * g->w) * ct_dtype_size(dt));
    if (dt == CT_FLOAT32)
        col2im_plane_f32(g, (const float *)src, ld, (float *)gp);
    else
        col2im_plane_f64(g, (const double *)src, ld, (double *)gp);
}

/* ---------------------------------------------------------------- small row kernels */

/* dst[0..n) = src[0..n) at element stride ss (a copy: float and double bits). */
void ct_conv_copy_row(ct_dtype dt, char *dst, const char *src, int64_t ss, int64_t n)
{
    if (ss == 1) {
        memcpy(dst, src, (size_t)n * ct_dtype_size(dt));
    } else if (dt == CT_FLOAT32) {
        for (int64_t i = 0; i < n; i++)
            ((float *)dst)[i] = ((const float *)src)[i * ss];
    } else {
        for (int64_t i = 0; i < n; i++)
            ((double *)dst)[i] = ((const double *)src)[i * ss];
    }
}

/* Copies one [o, oh, ow] sample of gy (strides gs[1..3]) into rows of dst
 * (row stride ld): the [o, P] matrix the gemms read. */
void ct_conv_gather_sample(const ct_conv_geom *g, ct_dtype dt, const char *gy, const int64_t gs[4], char *dst,
                           int64_t ld)
{
    size_t es = ct_dtype_size(dt);
    for (int64_t oc = 0; oc < g->o; oc++) {
        const char *src = gy + (size_t)(oc * gs[1]) * es;
        char *d = dst + (size_t)(oc * ld) * es;
        if (gs[2] == g->ow * gs[3]) {
            ct_conv_copy_row(dt, d, src, gs[3], ct_conv_plane(g));
        } else {
            for (int64_t oh = 0; oh < g->oh; oh++)
                ct_conv_copy_row(dt, d + (size_t)(oh * g->ow) * es, src + (size_t)(oh * gs[2]) * es, gs[3], g->ow);
        }
    }
}

/* Sets the n values of each of m rows (row stride ld) to bias[row] (element stride bs). */
void ct_conv_fill_bias_rows(ct_dtype dt, char *c, int64_t m, int64_t n, int64_t ld, const char *bias, int64_t bs)
{
    for (int64_t i = 0; i < m; i++) {
        if (dt == CT_FLOAT32) {
            float v = ((const float *)bias)[i * bs], *r = (float *)c + i * ld;
            for (int64_t j = 0; j < n; j++)
                r[j] = v;
        } else {
            double v = ((const double *)bias)[i * bs], *r = (double *)c + i * ld;
            for (int64_t j = 0; j < n; j++)
                r[j] = v;
        }
    }
}

void ct_cpu_fill_rows(ct_dtype dt, char *c, int64_t m, int64_t n, int64_t ld, const char *v, int64_t vs)
{
    size_t es = ct_dtype_size(dt);
    for (int64_t i = 0; i < m; i++)
        ct_conv_copy_row(dt, c + (size_t)(i * ld) * es, v, vs, n);
}

void ct_cpu_column_sums(ct_dtype dt, int64_t m, int64_t n, const char *a, int64_t rs, int64_t cs, char *out)
{
    double acc[256];
    for (int64_t j0 = 0; j0 < n; j0 += 256) {
        int64_t nb = n - j0 < 256 ? n - j0 : 256;
        for (int64_t j = 0; j < nb; j++)
            acc[j] = 0;
        for (int64_t i = 0; i < m; i++) {
            if (dt == CT_FLOAT32) {
                const float *r = (const float *)a + i * rs + j0 * cs;
                for (int64_t j = 0; j < nb; j++)
                    acc[j] += r[j * cs];
            } else {
                const double *r = (const double *)a + i * rs + j0 * cs;
                for (int64_t j = 0; j < nb; j++)
                    acc[j] += r[j * cs];
            }
        }
        for (int64_t j = 0; j < nb; j++) {
            if (dt == CT_FLOAT32)
                ((float *)out)[j0 + j] = (float)acc[j];
            else
                ((double *)out)[j0 + j] = acc[j];
        }
    }
}

/* out[o, p] = t[p, o] (+ bias[o]) for an [og, P] block of out. */
void ct_conv_transpose_bias(ct_dtype dt, const char *t, int64_t og, int64_t P, const char *bias, int64_t bs, char *out)
{
    for (int64_t o = 0; o < og; o++) {
        if (dt == CT_FLOAT32) {
            float b = bias ? ((const float *)bias)[o * bs] : 0.0f, *d = (float *)out + o * P;
            const float *s = (const float *)t + o;
            for (int64_t p = 0; p < P; p++)
                d[p] = s[p * og] + b;
        } else {
            double b = bias ? ((const double *)bias)[o * bs] : 0.0, *d = (double *)out + o * P;
            const double *s = (const double *)t + o;
            for (int64_t p = 0; p < P; p++)
                d[p] = s[p * og] + b;
        }
    }
}

/* gb[oc] = sum of gy over samples and pixels, one channel per task. */
typedef struct bias_ctx {
    const ct_conv_geom *g;
    ct_dtype dt;
    const char *gy;
    const int64_t *gs;
    char *gb;
} bias_ctx;

static void bias_grad_range(void *ctx, int64_t begin, int64_t end)
{
    const bias_ctx *b = ctx;
    const ct_conv_geom *g = b->g;
    size_t es = ct_dtype_size(b->dt);
    for (int64_t oc = begin; oc < end; oc++) {
        double acc = 0;
        for (int64_t s = 0; s < g->n; s++)
            for (int64_t oh = 0; oh < g->oh; oh++) {
                const char *r = b->gy + (size_t)(s * b->gs[0] + oc * b->gs[1] + oh * b->gs[2]) * es;
                int64_t st = b->gs[3];
                if (b->dt == CT_FLOAT32) {
                    float part = 0; /* a float run vectorizes; rows are short */
                    for (int64_t ow = 0; ow < g->ow; ow++)
                        part += ((const float *)r)[ow * st];
                    acc += part;
                } else {
                    for (int64_t ow = 0; ow < g->ow; ow++)
                        acc += ((const double *)r)[ow * st];
                }
            }
        if (b->dt == CT_FLOAT32)
            ((float *)b->gb)[oc] = (float)acc;
        else
            ((double *)b->gb)[oc] = acc;
    }
}

void ct_conv_bias_grad(ct_dtype dt, const ct_conv_geom *g, const char *gy, const int64_t gs[4], char *gb)
{
    bias_ctx b = {g, dt, gy, gs, gb};
    int64_t per = g->n * ct_conv_plane(g);
    ct_parallel_for(g->o, per >= 32768 ? 1 : 32768 / (per > 0 ? per : 1), bias_grad_range, &b);
}
