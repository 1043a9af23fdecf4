/* index.h -- CPU kernels for indexing: gather/scatter, masks, nonzero. */
#ifndef CT_CPU_INDEX_H
#define CT_CPU_INDEX_H
#include "core/loop.h"

/*
 * Indexed loops.  The loop runs over the shape of the index (broadcast as the
 * op needs), with operands in this order:
 *   gather:  0 = output, 1 = index, 2 = source whose indexed dim has stride 0
 *   scatter: 0 = target whose indexed dim has stride 0, 1 = index, 2 = source
 * An index value k moves the strided operand k * dim_stride bytes along the
 * indexed dim.  Index values were range-checked by the caller.
 */
typedef struct ct_index_kernel {
    ct_dtype dtype;       /* of the data operands (output, source, target) */
    ct_dtype index_dtype; /* int64 or int32 */
    int64_t dim_stride;   /* bytes between neighbours along the indexed dim */
} ct_index_kernel;

/* Runs on several threads when large (each output element is written once). */
void ct_cpu_gather(const ct_loop *loop, const ct_index_kernel *k);
/* Runs on the calling thread, in order, so repeated indices behave
 * deterministically: the last write wins, or every source value is added. */
void ct_cpu_scatter(const ct_loop *loop, const ct_index_kernel *k, int accumulate);

/* Checks every value of the loop's one operand (an index of index_dtype) is
 * in [0, size).  Returns 0, or -1 with the first offending value in *bad. */
int ct_cpu_check_indices(const ct_loop *loop, ct_dtype index_dtype, int64_t size, int64_t *bad);

/* Masks are bool or uint8 bytes; any nonzero byte selects. */
/* operands 0 = data (dtype), 1 = mask; value is one element of dtype */
void ct_cpu_masked_fill(const ct_loop *loop, ct_dtype dtype, const void *value);
/* operand 0 = mask; how many elements it selects */
int64_t ct_cpu_mask_count(const ct_loop *loop);
/* operands 0 = data, 1 = mask: the count selected elements go to out in order */
void ct_cpu_masked_select(const ct_loop *loop, ct_dtype dtype, void *out, int64_t count);
/* operands 0 = target, 1 = mask: selected elements take consecutive values
 * of src (contiguous, dtype), or all src[0] when src_step is 0 */
void ct_cpu_masked_scatter(const ct_loop *loop, ct_dtype dtype, const void *src, int src_step);

/* nonzero of a contiguous tensor: the count, then the [count, ndim] coordinates */
int64_t ct_cpu_count_nonzero(const void *data, int64_t n, ct_dtype dtype);
void ct_cpu_nonzero(const void *data, int ndim, const int64_t *sizes, ct_dtype dtype, int64_t *out);

#endif
