/* binary.h -- CPU kernels for binary pointwise ops. */
#ifndef CT_CPU_BINARY_H
#define CT_CPU_BINARY_H
#include "core/loop.h"

/* loop operands: 0 = out, 1 = a, 2 = b.  a and b are of `dtype`; out is of
 * `dtype` too, except bool for comparisons and logical ops. */
int ct_cpu_binary(ct_binary_op op, ct_dtype dtype, const ct_loop *loop);

#endif
