/* pool.h -- CPU kernels of 2-D pooling: max, average and adaptive average, forward and backward. */
#ifndef CT_CPU_POOL_H
#define CT_CPU_POOL_H
#include "core/tensor.h"

/* The geometry of one 2-D pooling: input planes [n, c, ih, iw] to output
 * planes [n, c, oh, ow].  Window (oy, ox) covers rows oy*sh - ph + i*dh for
 * i in [0, kh) and columns ox*sw - pw + j*dw for j in [0, kw).  Adaptive
 * pooling uses only n, c, ih, iw, oh, ow. */
typedef struct ct_pool2d_geom {
    int ndim; /* 3: [C, H, W] input; 4: [N, C, H, W] */
    int64_t n, c, ih, iw, oh, ow;
    int64_t kh, kw, sh, sw, ph, pw, dh, dw;
    int ceil_mode;
    int count_include_pad; /* avg */
    int64_t divisor;       /* avg: divisor_override, 0 when none */
} ct_pool2d_geom;

/* A max pool records which window tap won as one byte, tap = i * kw + j,
 * when the window has at most 255 taps; 255 marks a window lying wholly in
 * the padding (output -inf, no gradient). */
#define CT_POOL_NO_TAP 255
#define CT_POOL_MAX_TAPS 255

/* Element (n, c, h, w) of a strided operand sits at data + n*s[0] + c*s[1] +
 * h*s[2] + w*s[3] elements.  Outputs and gradients written here are
 * contiguous.  dtype is float32 or float64.  Each runs in parallel over the
 * n*c planes. */

/* out [n, c, oh, ow]; idx (int64 positions h*iw + w in the plane, -1 for an
 * empty window) and taps may each be NULL. */
void ct_cpu_max_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4], char *out,
                       int64_t *idx, uint8_t *taps);
/* gin [n, c, ih, iw] = the scatter-sum of gout into the winning positions
 * given by taps (when not NULL) or by idx. */
void ct_cpu_max_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout, const int64_t go_s[4],
                                const int64_t *idx, const uint8_t *taps, char *gin);
/* The adjoint of the backward: out [n, c, oh, ow] = x at each winning position. */
void ct_cpu_max_pool2d_gather(const ct_pool2d_geom *g, ct_dtype dtype, const char *x, const int64_t x_s[4],
                              const int64_t *idx, const uint8_t *taps, char *out);

void ct_cpu_avg_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4], char *out);
void ct_cpu_avg_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout, const int64_t go_s[4],
                                char *gin);

void ct_cpu_adaptive_avg_pool2d(const ct_pool2d_geom *g, ct_dtype dtype, const char *in, const int64_t in_s[4],
                                char *out);
void ct_cpu_adaptive_avg_pool2d_backward(const ct_pool2d_geom *g, ct_dtype dtype, const char *gout,
                                         const int64_t go_s[4], char *gin);

#endif
