/* pointwise.h -- helpers shared by the pointwise dispatch files (not installed). */
#ifndef CT_OPS_POINTWISE_H
#define CT_OPS_POINTWISE_H
#include "core/tensor.h"

/* Fails (naming `op` and t's shape) when an in-place write to t would hit one
 * memory location through several elements (an expanded, stride-0 dim). */
int ct_check_no_self_overlap(const char *op, const ct_tensor *t);

#endif
