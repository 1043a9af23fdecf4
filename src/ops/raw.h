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

/* nn: pooling, batch norm, dropout (src/ops/pool.c, src/ops/norm.c) */

/* nn: softmax, losses, embedding, pad, one_hot (src/ops/softmax.c, src/ops/loss.c, src/ops/nn_misc.c) */

#endif
