/*
 * conv_kernels.h -- the pieces the convolution schedules (conv.c) are built
 * from: gemm calls, im2col/col2im of one channel plane, and small row
 * kernels.  Internal to src/cpu.
 */
#ifndef CT_CPU_CONV_KERNELS_H
#define CT_CPU_CONV_KERNELS_H

#include "cpu/conv.h"

/* OpenBLAS runs a gemm of up to this many multiply-adds on the calling thread
 * (SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD in its interface/gemm.c). */
#define CT_CONV_BLAS_ST_MNK 262144

static inline int64_t ct_conv_plane(const ct_conv_geom *g) { return g->oh * g->ow; }
/* Rows of one group's col: (c / groups) * kh * kw. */
static inline int64_t ct_conv_kgroup(const ct_conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

/* A 1x1, stride-1, unpadded convolution over an input whose [h, w] planes are
 * contiguous: each sample is already the [c, P] matrix the gemm needs. */
static inline int ct_conv_is_pointwise(const ct_conv_geom *g, const int64_t xs[4])
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 && xs[3] == 1 &&
           (xs[2] == g->w || g->h == 1) && xs[1] >= g->h * g->w;
}

/* Row-major c = op(a) @ op(b) + beta * c, op(a) m x k, op(b) k x n (ta/tb:
 * stored transposed); float32/float64.  May use OpenBLAS's threads. */
void ct_conv_gemm(ct_dtype dt, int ta, int tb, int64_t m, int64_t n, int64_t k, const char *a, int64_t lda,
                  const char *b, int64_t ldb, double beta, char *c, int64_t ldc);
/* The same in blocks that keep OpenBLAS on the calling thread (for the pool). */
void ct_conv_gemm_st(ct_dtype dt, int ta, int tb, int64_t m, int64_t n, int64_t k, const char *a, int64_t lda,
                     const char *b, int64_t ldb, double beta, char *c, int64_t ldc);

/* The kh * kw col rows of one input channel plane xp (element strides sH,
 * sW), written from dst on (row length ld). */
void ct_conv_im2col_plane(const ct_conv_geom *g, ct_dtype dt, const char *xp, int64_t sH, int64_t sW, char *dst,
                          int64_t ld);
/* The input-gradient plane (contiguous [h, w], overwritten) of one channel
 * from its kh * kw dcol rows at src (row length ld). */
void ct_conv_col2im_plane(const ct_conv_geom *g, ct_dtype dt, const char *src, int64_t ld, char *gp);

/* dst[0..n) = src[0..n) at element stride ss. */
void ct_conv_copy_row(ct_dtype dt, char *dst, const char *src, int64_t ss, int64_t n);
/* One [o, oh, ow] sample of gy (strides gs[1..3]) as rows of dst (row stride ld). */
void ct_conv_gather_sample(const ct_conv_geom *g, ct_dtype dt, const char *gy, const int64_t gs[4], char *dst,
                           int64_t ld);
/* The n values of each of m rows (row stride ld) = bias[row] (element stride bs). */
void ct_conv_fill_bias_rows(ct_dtype dt, char *c, int64_t m, int64_t n, int64_t ld, const char *bias, int64_t bs);
/* out[o, p] = t[p, o] (+ bias[o]) for an [og, P] block of out. */
void ct_conv_transpose_bias(ct_dtype dt, const char *t, int64_t og, int64_t P, const char *bias, int64_t bs,
                            char *out);
/* gb[o] = sum of gy over samples and pixels (over the thread pool). */
void ct_conv_bias_grad(ct_dtype dt, const ct_conv_geom *g, const char *gy, const int64_t gs[4], char *gb);

/* ---- conv_direct.c: float32 kernels for 4..CT_CONV_DIRECT_MAX_CHANNELS
 * output channels per group (AVX2/FMA).  Output channels go in units of
 * `lanes` (8 or 16) within a group; weights are packed as wT [units][kg][lanes]
 * (zeros past the group's channels), the bias as [units][lanes]. */
#define CT_CONV_DIRECT_MAX_CHANNELS 16
int ct_conv_direct_ok(ct_dtype dt, const ct_conv_geom *g);
int64_t ct_conv_direct_lanes(const ct_conv_geom *g);
int64_t ct_conv_direct_units(const ct_conv_geom *g);
void ct_conv_direct_pack(const ct_conv_geom *g, const float *w, const float *bias, int64_t bs, float *wp, float *bp);
/* gw (contiguous [o, kg]) = (or += with add) the packed weight gradient acc. */
void ct_conv_direct_unpack(const ct_conv_geom *g, const float *acc, float *gw, int add);

/* One thread's scratch: a [P, lanes] buffer, the zero-bordered copy of a
 * padded sample, and the taps' offsets in the strides s of what is read. */
typedef struct ct_conv_direct_work {
    const ct_conv_geom *g;
    float *buf;
    float *pad;   /* NULL without padding: samples are read in place */
    int64_t *off; /* [kg] */
    int64_t s[3]; /* channel, row, column strides of the source */
    void *mem;
    size_t bytes;
} ct_conv_direct_work;
int ct_conv_direct_work_init(ct_conv_direct_work *wk, const ct_conv_geom *g, const int64_t xs[4]); /* -1: no memory */
void ct_conv_direct_work_free(ct_conv_direct_work *wk);
/* out_n (contiguous [o, P]) = conv(x_n) + bias for one sample (x_n: strides xs). */
void ct_conv_direct_forward(ct_conv_direct_work *wk, const float *xn, const int64_t xs[4], const float *wp,
                            const float *bp, float *outn);
/* acc (packed like the weight) += the weight gradient of one sample (gy_n: strides gs). */
void ct_conv_direct_wgrad(ct_conv_direct_work *wk, const float *xn, const int64_t xs[4], const float *gyn,
                          const int64_t gs[4], float *acc);

#endif
