/*
 * grad_util.h -- small helpers shared by the backward formulas.
 */
#ifndef CT_AUTOGRAD_GRAD_UTIL_H
#define CT_AUTOGRAD_GRAD_UTIL_H

#include "autograd/autograd.h"
#include "ops/raw.h"

/* Shape and dtype of a forward input, kept to shape its gradient. */
typedef struct ct_shape_info {
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    ct_dtype dtype;
} ct_shape_info;

void ct_shape_info_set(ct_shape_info *info, const ct_tensor *t);
/* Sums g back to the input's (pre-broadcast) shape and casts to its dtype;
 * consumes g (releases it), returns a new reference or NULL. */
ct_tensor *ct_grad_reduce(ct_tensor *g, const ct_shape_info *info);
/* Releases every non-NULL tensor in list[0..n) and returns -1. */
int ct_grad_fail(int n, ct_tensor **list);

/* In-place ops under autograd: refuses leaves that require grad and views
 * that require grad; returns 0 when the in-place op may proceed. */
int ct_ag_check_inplace(const char *op, ct_tensor *t);
/* Writes result into t and makes result's history t's history (consumes result). */
int ct_ag_commit_inplace(const char *op, ct_tensor *t, ct_tensor *result);

#endif
