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

#endif
