/* reduce.h -- helpers shared by the reduction dispatch files (reduce*.c). */
#ifndef CT_OPS_REDUCE_H
#define CT_OPS_REDUCE_H

#include "cpu/reduce.h"

/* The dims to reduce as a mask over t's dims (ndims == 0: all).  Wraps
 * negative dims; errors name op for a dim out of range or listed twice. */
int ct_reduce_mask(const char *op, const ct_tensor *t, int ndims, const int *dims, bool *mask);
/* Output shape of a reduction over mask; returns its ndim. */
int ct_reduce_out_shape(const ct_tensor *t, const bool *mask, int keepdim, int64_t *sizes);
/* Elements folded into each output. */
int64_t ct_reduce_count(const ct_tensor *t, const bool *mask);
/* Error unless every reduced dim is non-empty (ops without an identity). */
int ct_reduce_check_nonempty(const char *op, const ct_tensor *t, const bool *mask);
/* Runs kernel `kind` over the masked dims into a new float64 (or int64, see
 * ct_reduce_acc_is_int) tensor of the output shape. */
ct_tensor *ct_reduce_acc(ct_red_kind kind, ct_tensor *t, const bool *mask, int keepdim, const double *center,
                         double p);
/* "op: expected a floating point dtype, got int64" unless t is floating. */
int ct_reduce_check_float(const char *op, const ct_tensor *t);

#endif
