/*
 * loss.h -- CPU kernels for the losses: the classification losses
 * (nll_loss, cross_entropy fused with log-softmax) and the elementwise ones
 * (mse, l1, smooth_l1, binary cross-entropy with and without logits).
 */
#ifndef CT_CPU_LOSS_H
#define CT_CPU_LOSS_H

#include "core/loop.h"

/* ---------------------------------------------------------------- classification
 * input is contiguous [N, C, inner] (float32/float64), target contiguous
 * [N, inner] (int64 or int32) numbered from `base`, weight contiguous [C]
 * of input's dtype or NULL.  Targets equal to ignore_index (in the same
 * numbering) count for nothing; the dispatch layer has checked that every
 * other target is a valid class. */
typedef struct ct_class_loss {
    int cross_entropy; /* else nll_loss */
    ct_dtype dtype;
    const void *input;
    const void *target;
    ct_dtype target_dtype;
    const void *weight;
    int64_t N, C, inner;
    int64_t ignore_index, base;
    double label_smoothing; /* cross_entropy only */
} ct_class_loss;

/* The class of sample k (0-based), or -1 when it is ignored. */
int64_t ct_class_loss_class(const ct_class_loss *a, int64_t k);
/* The first sample whose target is neither ignored nor in [0, C): its index,
 * or -1; *value gets the target's value.  Also sums the weights of the
 * counted targets into *total_weight (mean reduction divides by it). */
int64_t ct_class_loss_check(const ct_class_loss *a, int64_t *value, double *total_weight);
/* Per-sample losses into out ([N, inner], input's dtype), or their sum
 * when out is NULL. */
double ct_cpu_class_loss(const ct_class_loss *a, void *out);
/* Gradient with respect to the input, [N, C, inner] into gi.  The gradient of
 * sample k's loss is scaled by g[k * g_stride] (g of input's dtype; g_stride
 * 0 for a reduced loss) times `scale`. */
void ct_cpu_class_loss_backward(const ct_class_loss *a, const void *g, int64_t g_stride, double scale,
                                void *gi);
/* The constant parts of the gradient, for building it from recorded ops
 * (double backward): with p = softmax(input) over C and s = scale,
 *   cross_entropy: grad = g * (coef_a * p - coef_b),  nll: grad = -g * coef_b,
 * coef_a [N, 1, inner] (cross_entropy only; may be NULL otherwise) and
 * coef_b [N, C, inner], both of input's dtype. */
void ct_cpu_class_loss_coefs(const ct_class_loss *a, double scale, void *coef_a, void *coef_b);

/* ---------------------------------------------------------------- elementwise */
typedef struct ct_ploss {
    ct_ploss_op kind; /* ops/raw.h */
    ct_dtype dtype; /* float32 or float64, of every operand */
    double beta;    /* smooth_l1 */
    int has_weight, has_pos_weight;
} ct_ploss;

/* Loop operands: out, input, target[, pos_weight]: the unweighted loss per element. */
void ct_cpu_ploss(const ct_ploss *p, const ct_loop *loop);
/* Loop operands: input, target[, weight][, pos_weight]: the sum of the
 * (weighted) losses, accumulated in double in a fixed order. */
double ct_cpu_ploss_sum(const ct_ploss *p, const ct_loop *loop);
/* Loop operands: grad, input, target, then g (a tensor, or a raw scalar of
 * dtype) unless has_pos_weight, in which case pos_weight (and g is applied by
 * the caller).  Writes d loss / d input (wrt_target 0) or d loss / d target
 * times g (when given) times scale; weight is left to the caller. */
void ct_cpu_ploss_backward(const ct_ploss *p, int wrt_target, double scale, const ct_loop *loop);

#endif
