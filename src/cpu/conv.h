/*
 * conv.h -- CPU kernels for 2-d convolution: im2col/col2im, and the forward
 * and backward drivers that run them with OpenBLAS gemms.
 *
 * The drivers take raw pointers (element strides for the operands that may be
 * strided views) and never allocate tensors; they take scratch memory with
 * ct_alloc and return -1 (with ct_fail) only when that fails.
 */
#ifndef CT_CPU_CONV_H
#define CT_CPU_CONV_H

#include "core/tensor.h"

/* Geometry of one convolution: input [n, c, h, w], weight [o, c / groups, kh, kw],
 * output [n, o, oh, ow]. */
typedef struct ct_conv_geom {
    int64_t n, c, h, w;
    int64_t o, kh, kw;
    int64_t oh, ow;
    int64_t sh, sw; /* stride */
    int64_t ph, pw; /* padding (both sides) */
    int64_t dh, dw; /* dilation */
    int64_t groups;
} ct_conv_geom;

/* out (contiguous [n, o, oh, ow]) = conv(x, w) + bias.
 * x: element strides xs[4] (n, c, h, w); w: contiguous; bias: NULL or o
 * elements at element stride bs. float32/float64. */
int ct_cpu_conv2d_forward(ct_dtype dtype, const ct_conv_geom *g, const char *x, const int64_t xs[4], const char *w,
                          const char *bias, int64_t bs, char *out);

/* Gradients of the convolution, each written when its pointer is not NULL:
 * gx (contiguous, input's shape), gw (contiguous, weight's shape), gb ([o]).
 * gy: element strides gs[4]; x: strides xs[4]; w: contiguous. */
int ct_cpu_conv2d_backward(ct_dtype dtype, const ct_conv_geom *g, const char *gy, const int64_t gs[4], const char *x,
                           const int64_t xs[4], const char *w, char *gx, char *gw, char *gb);

/* Each of the m rows of c (row stride ld) = the n values of v (element stride vs). */
void ct_cpu_fill_rows(ct_dtype dtype, char *c, int64_t m, int64_t n, int64_t ld, const char *v, int64_t vs);

/* Column sums of an m x n matrix (element strides rs, cs) into out[n]
 * (accumulated in double; float32/float64). */
void ct_cpu_column_sums(ct_dtype dtype, int64_t m, int64_t n, const char *a, int64_t rs, int64_t cs, char *out);

#endif
