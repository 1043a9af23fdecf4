/* copy.h -- CPU copy/cast kernel. */
#ifndef CT_CPU_COPY_H
#define CT_CPU_COPY_H
#include "core/loop.h"

/* loop operands: 0 = destination (dst dtype), 1 = source (src dtype). */
void ct_cpu_copy(const ct_loop *loop, ct_dtype dst, ct_dtype src);

#endif
