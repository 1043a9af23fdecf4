/* norm.h -- CPU kernels of batch normalisation and dropout. */
#ifndef CT_CPU_NORM_H
#define CT_CPU_NORM_H
#include "core/tensor.h"

/* Batch norm over an input viewed as [n, c, l] (float32 or float64): element
 * (i, ch, k) of x sits at x + i*xs[0] + ch*xs[1] + k*xs[2] elements, and of
 * gy likewise with gs.  Per-channel vectors are given as data and an element
 * stride (data NULL: absent) in the input's dtype; save_mean / save_invstd
 * are [c] doubles.  Outputs y and gx are contiguous [n, c, l]; gw and gb
 * contiguous [c].  Channels run in parallel. */
typedef struct ct_bn_args {
    ct_dtype dtype;
    int64_t n, c, l;
    const char *x;
    int64_t xs[3];
    const char *weight, *bias;
    int64_t ws, bs;
    char *running_mean, *running_var;
    int64_t rms, rvs;
    int training;
    double momentum, eps;
    double *save_mean, *save_invstd;
    char *y;
    /* backward */
    const char *gy;
    int64_t gs[3];
    char *gx, *gw, *gb;
} ct_bn_args;

/* y = (x - mean) * invstd * weight + bias with the batch's statistics
 * (training: also updates the running ones, unbiased variance) or the
 * running ones; fills save_mean and save_invstd. */
void ct_cpu_batch_norm(const ct_bn_args *a);
/* gx, gw, gb (each may be NULL) from gy, x and the saved statistics. */
void ct_cpu_batch_norm_backward(const ct_bn_args *a);

/* Dropout over n contiguous elements: element i keeps (mask 1, y = x *
 * scale) unless 32-bit lane i % 4 of Philox block offset + i / 4 is below
 * threshold (= ceil(p * 2^32)); a dropped element gives x * 0. */
typedef struct ct_dropout_job {
    ct_dtype dtype;
    const char *x;
    char *y;
    uint8_t *mask;
    int64_t n;
    uint64_t seed, offset, threshold;
    double scale;
} ct_dropout_job;

/* Fills blocks [begin, end) of four elements (a ct_range_fn; ctx is the job). */
void ct_cpu_dropout_blocks(void *job, int64_t begin, int64_t end);
/* Inner loops over (gx, gy, mask): gx = gy * (mask ? scale : 0); ctx
 * points at the scale (a double). */
void ct_cpu_dropout_backward_f32(void *ctx, char **data, const int64_t *strides, int64_t n);
void ct_cpu_dropout_backward_f64(void *ctx, char **data, const int64_t *strides, int64_t n);

#endif
