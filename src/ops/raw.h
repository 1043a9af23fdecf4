/*
 * raw.h -- the dispatch layer's entry points for differentiable ops.
 *
 * ct_raw_<op> computes <op> without recording anything for autograd; the
 * public ct_<op> (src/autograd/) calls it and records a graph node when an
 * input requires grad.  Kernels and dispatch code call the raw forms.
 */
#ifndef CT_OPS_RAW_H
#define CT_OPS_RAW_H

#include "ctorch.h"

int ct_raw_fill_(ct_tensor *t, ct_scalar value);
int ct_raw_zero_(ct_tensor *t);
ct_tensor *ct_raw_contiguous(ct_tensor *t);
ct_tensor *ct_raw_clone(const ct_tensor *t);
ct_tensor *ct_raw_to_dtype(ct_tensor *t, ct_dtype dtype);
int ct_raw_copy_(ct_tensor *dst, const ct_tensor *src);
ct_tensor *ct_raw_view(ct_tensor *t, int ndim, const int64_t *sizes);
ct_tensor *ct_raw_reshape(ct_tensor *t, int ndim, const int64_t *sizes);
ct_tensor *ct_raw_flatten(ct_tensor *t, int start_dim, int end_dim);
ct_tensor *ct_raw_squeeze(ct_tensor *t);
ct_tensor *ct_raw_squeeze_dim(ct_tensor *t, int dim);
ct_tensor *ct_raw_unsqueeze(ct_tensor *t, int dim);
ct_tensor *ct_raw_transpose(ct_tensor *t, int dim0, int dim1);
ct_tensor *ct_raw_t(ct_tensor *t);
ct_tensor *ct_raw_permute(ct_tensor *t, const int *dims);
ct_tensor *ct_raw_expand(ct_tensor *t, int ndim, const int64_t *sizes);
ct_tensor *ct_raw_narrow(ct_tensor *t, int dim, int64_t start, int64_t length);
ct_tensor *ct_raw_select(ct_tensor *t, int dim, int64_t index);
ct_tensor *ct_raw_as_strided(ct_tensor *t, int ndim, const int64_t *sizes, const int64_t *strides,
                         int64_t offset);
ct_tensor *ct_raw_cat(int n, ct_tensor *const *tensors, int dim);
ct_tensor *ct_raw_stack(int n, ct_tensor *const *tensors, int dim);
int ct_raw_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int max_out);
int ct_raw_split_sizes(ct_tensor *t, int n, const int64_t *sizes, int dim, ct_tensor **out);
int ct_raw_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int max_out);
ct_tensor *ct_raw_unary(ct_unary_op op, ct_tensor *t);
int ct_raw_unary_(ct_unary_op op, ct_tensor *t);
ct_tensor *ct_raw_binary(ct_binary_op op, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_binary_scalar(ct_binary_op op, ct_tensor *a, ct_scalar s, int reversed);
int ct_raw_binary_(ct_binary_op op, ct_tensor *a, ct_tensor *b);
int ct_raw_binary_scalar_(ct_binary_op op, ct_tensor *a, ct_scalar s);
ct_tensor *ct_raw_add_scaled(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
int ct_raw_add_scaled_(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
ct_tensor *ct_raw_clamp(ct_tensor *t, const ct_scalar *min, const ct_scalar *max);
int ct_raw_clamp_(ct_tensor *t, const ct_scalar *min, const ct_scalar *max);
ct_tensor *ct_raw_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_leaky_relu(ct_tensor *t, double slope);
ct_tensor *ct_raw_elu(ct_tensor *t, double alpha);
ct_tensor *ct_raw_softplus(ct_tensor *t, double beta, double threshold);
ct_tensor *ct_raw_lerp(ct_tensor *a, ct_tensor *b, ct_tensor *weight);
ct_tensor *ct_raw_lerp_scalar(ct_tensor *a, ct_tensor *b, double weight);
ct_tensor *ct_raw_reduce(ct_reduce_op op, ct_tensor *t, int ndims, const int *dims, int keepdim);
ct_tensor *ct_raw_sum_to_size(ct_tensor *t, int ndim, const int64_t *sizes);
ct_tensor *ct_raw_var(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim);
ct_tensor *ct_raw_std(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim);
ct_tensor *ct_raw_norm(ct_tensor *t, double p, int ndims, const int *dims, int keepdim);
int ct_raw_max_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices);
int ct_raw_min_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices);
ct_tensor *ct_raw_cumsum(ct_tensor *t, int dim);
ct_tensor *ct_raw_mm(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_mv(ct_tensor *a, ct_tensor *v);
ct_tensor *ct_raw_bmm(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_matmul(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_dot(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_outer(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_raw_addmm(ct_tensor *c, ct_tensor *a, ct_tensor *b, double beta, double alpha);
ct_tensor *ct_raw_index_select(ct_tensor *t, int dim, ct_tensor *index);
ct_tensor *ct_raw_gather(ct_tensor *t, int dim, ct_tensor *index);
ct_tensor *ct_raw_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_raw_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_raw_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_raw_index_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_raw_index_copy_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_raw_index_fill_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value);
ct_tensor *ct_raw_masked_fill(ct_tensor *t, ct_tensor *mask, ct_scalar value);
int ct_raw_masked_fill_(ct_tensor *t, ct_tensor *mask, ct_scalar value);
ct_tensor *ct_raw_masked_select(ct_tensor *t, ct_tensor *mask);
int ct_raw_masked_scatter_(ct_tensor *t, ct_tensor *mask, ct_tensor *src);
int ct_raw_uniform_(ct_tensor *t, double low, double high);
int ct_raw_normal_(ct_tensor *t, double mean, double std);
int ct_raw_bernoulli_(ct_tensor *t, double p);
int ct_raw_random_int_(ct_tensor *t, int64_t low, int64_t high);

/* nn: linear and convolution (src/ops/conv.c) */
ct_tensor *ct_raw_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias);
/* Gradients of linear for grad [..., out]: each computed when its need_* flag is set (NULL otherwise). */
int ct_raw_linear_backward(ct_tensor *grad, ct_tensor *input, ct_tensor *weight, int need_input, int need_weight,
                           int need_bias, ct_tensor **grad_input, ct_tensor **grad_weight, ct_tensor **grad_bias);
ct_tensor *ct_raw_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const int64_t stride[2],
                         const int64_t padding[2], const int64_t dilation[2], int64_t groups);
/* Gradients of conv2d for grad (the output's shape); input's data is read
 * only for grad_weight, weight's only for grad_input. */
int ct_raw_conv2d_backward(ct_tensor *grad, ct_tensor *input, ct_tensor *weight, const int64_t stride[2],
                           const int64_t padding[2], const int64_t dilation[2], int64_t groups, int need_input,
                           int need_weight, int need_bias, ct_tensor **grad_input, ct_tensor **grad_weight,
                           ct_tensor **grad_bias);

/* nn: pooling, batch norm, dropout (src/ops/pool.c, src/ops/norm.c) */
struct ct_pool2d_geom; /* cpu/pool.h */
ct_tensor *ct_raw_max_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                             const int64_t padding[2], const int64_t dilation[2], int ceil_mode, ct_tensor **indices);
/* Also gives what the backward needs (each may be NULL): *argmax, the winners
 * as uint8 window taps (or int64 positions for windows over 255 taps), and the geometry. */
ct_tensor *ct_raw_max_pool2d_ex(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                                const int64_t padding[2], const int64_t dilation[2], int ceil_mode,
                                ct_tensor **indices, ct_tensor **argmax, struct ct_pool2d_geom *geom);
/* grad_output scattered to the winners (input's shape), and its adjoint
 * (x of input's shape gathered at the winners). */
ct_tensor *ct_raw_max_pool2d_backward(ct_tensor *grad_output, ct_tensor *argmax, const struct ct_pool2d_geom *g);
ct_tensor *ct_raw_max_pool2d_gather(ct_tensor *x, ct_tensor *argmax, const struct ct_pool2d_geom *g);
/* divisor_override: 0 for none; geom may be NULL. */
ct_tensor *ct_raw_avg_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                             const int64_t padding[2], int ceil_mode, int count_include_pad, int64_t divisor_override,
                             struct ct_pool2d_geom *geom);
ct_tensor *ct_raw_avg_pool2d_backward(ct_tensor *grad_output, const struct ct_pool2d_geom *g);
ct_tensor *ct_raw_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2], struct ct_pool2d_geom *geom);
ct_tensor *ct_raw_adaptive_avg_pool2d_backward(ct_tensor *grad_output, const struct ct_pool2d_geom *g);
/* *save_mean, *save_invstd (may be NULL): float64 [C], the statistics used
 * (the batch's when training, else the running ones). */
ct_tensor *ct_raw_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                             ct_tensor *bias, int training, double momentum, double eps, ct_tensor **save_mean,
                             ct_tensor **save_invstd);
/* The gradients wanted (a NULL out pointer: not wanted); training: through
 * the batch statistics.  weight may be NULL (all ones). */
int ct_raw_batch_norm_backward(ct_tensor *grad_output, ct_tensor *input, ct_tensor *weight, ct_tensor *save_mean,
                               ct_tensor *save_invstd, int training, ct_tensor **grad_input, ct_tensor **grad_weight,
                               ct_tensor **grad_bias);
/* *mask (may be NULL): uint8 keep mask of input's shape, contiguous; NULL
 * when not training. */
ct_tensor *ct_raw_dropout(ct_tensor *input, double p, int training, ct_tensor **mask);
/* grad_output * mask / (1 - p) (0 where p == 1). */
ct_tensor *ct_raw_dropout_backward(ct_tensor *grad_output, ct_tensor *mask, double p);

/* nn: softmax, losses, embedding, pad, one_hot (src/ops/softmax.c, src/ops/loss.c, src/ops/nn_misc.c) */
ct_tensor *ct_raw_softmax(ct_tensor *t, int dim);
ct_tensor *ct_raw_log_softmax(ct_tensor *t, int dim);
/* The input gradient of (log_)softmax from its output y and the output's gradient g. */
ct_tensor *ct_raw_softmax_backward(ct_tensor *y, ct_tensor *g, int dim, int log);
/* Class and index values are numbered from `base` (0 in the C API; the Lua
 * binding passes 1 so that its users' numbers need no conversion op);
 * ignore_index is in the same numbering. */
ct_tensor *ct_raw_class_loss(int cross_entropy, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                             ct_reduction reduction, int64_t ignore_index, double label_smoothing, int64_t base);
ct_tensor *ct_raw_class_loss_backward(int cross_entropy, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                      ct_tensor *grad, ct_reduction reduction, int64_t ignore_index,
                                      double label_smoothing, int64_t base);
/* Constants of that gradient for double backward: cross_entropy's is
 * grad * (*coef_a * softmax(input) - *coef_b), nll_loss's -grad * *coef_b
 * (coef_a has input's shape with C = 1; only for cross_entropy). */
int ct_raw_class_loss_coefs(int cross_entropy, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                            ct_reduction reduction, int64_t ignore_index, double label_smoothing, int64_t base,
                            ct_tensor **coef_a, ct_tensor **coef_b);
typedef enum ct_ploss_op { CT_LOSS_MSE, CT_LOSS_L1, CT_LOSS_SMOOTH_L1, CT_LOSS_BCE, CT_LOSS_BCE_LOGITS } ct_ploss_op;
ct_tensor *ct_raw_pointwise_loss(ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                 ct_tensor *pos_weight, ct_reduction reduction, double beta);
/* d loss / d input (wrt_target 0) or d loss / d target, in the broadcast shape of input and target. */
ct_tensor *ct_raw_pointwise_loss_backward(ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                          ct_tensor *pos_weight, ct_tensor *grad, ct_reduction reduction,
                                          double beta, int wrt_target);
ct_tensor *ct_raw_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx, int64_t base);
ct_tensor *ct_raw_embedding_backward(ct_tensor *grad, ct_tensor *indices, int64_t num_weights,
                                     int64_t padding_idx, int64_t base);
ct_tensor *ct_raw_pad_constant(ct_tensor *t, int n_pairs, const int64_t *pads, double value);
/* Padding of the last n_pairs (1 to 3) dims by reflection, replication or wrapping
 * (pads >= 0, as in ct_pad_constant); the backward sums g back onto the input. */
typedef enum ct_pad_mode { CT_PAD_REFLECT = 1, CT_PAD_REPLICATE, CT_PAD_CIRCULAR } ct_pad_mode;
ct_tensor *ct_raw_pad_mapped(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads);
ct_tensor *ct_raw_pad_mapped_backward(ct_tensor *grad, ct_pad_mode mode, int n_pairs, const int64_t *pads);
/* Recorded forms taking `base`, and of mapped padding (defined in src/autograd/grad_loss.c,
 * grad_nn_misc.c, src/ops/nn_misc.c). */
ct_tensor *ct_nll_loss_based(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                             int64_t ignore_index, int64_t base);
ct_tensor *ct_cross_entropy_based(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                                  int64_t ignore_index, double label_smoothing, int64_t base);
ct_tensor *ct_embedding_based(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx, int64_t base);
ct_tensor *ct_one_hot_based(ct_tensor *indices, int64_t num_classes, int64_t base);
ct_tensor *ct_pad_mapped(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads);

#endif
