/*
 * nn_misc.h -- CPU kernels for embedding (row gather and its scatter-add
 * backward) and one_hot.
 */
#ifndef CT_CPU_NN_MISC_H
#define CT_CPU_NN_MISC_H

#include "core/loop.h"

/* Index k of a contiguous int64/int32 index array. */
static inline int64_t ct_index_value(const void *idx, ct_dtype dtype, int64_t k)
{
    return dtype == CT_INT64 ? ((const int64_t *)idx)[k] : ((const int32_t *)idx)[k];
}

/* The first k whose idx[k] - base is outside [0, limit), or -1. */
int64_t ct_cpu_find_bad_index(const void *idx, ct_dtype dtype, int64_t n, int64_t base, int64_t limit);
/* out[k, :] = weight[idx[k] - base, :] for n indices; rows of row_bytes bytes, contiguous. */
void ct_cpu_embedding(const void *weight, const void *idx, ct_dtype idx_dtype, int64_t n, int64_t base,
                      int64_t row_bytes, void *out);
/* gw (zeroed, [num, dim] of dtype float32/float64) += g rows at idx - base,
 * skipping padding_idx (0-based; -1: none). */
void ct_cpu_embedding_backward(ct_dtype dtype, const void *g, const void *idx, ct_dtype idx_dtype, int64_t n,
                               int64_t base, int64_t dim, int64_t padding_idx, void *gw);
/* Padding by index maps (reflect, replicate, circular): in [outer, s_1..s_k]
 * and out [outer, o_1..o_k], both contiguous, k <= 3; maps[d][i] is the
 * input index along padded dim d that output index i reads.
 * gather: out = in at the mapped positions (any dtype of elsize bytes);
 * scatter_add: gi (zeroed) += g at the mapped positions (float32/float64). */
typedef struct ct_pad_geom {
    int64_t outer;
    int k;
    int64_t in_sizes[3], out_sizes[3];
    const int64_t *maps[3];
} ct_pad_geom;
void ct_cpu_pad_gather(const ct_pad_geom *geom, size_t elsize, const void *in, void *out);
void ct_cpu_pad_scatter_add(const ct_pad_geom *geom, ct_dtype dtype, const void *g, void *gi);
/* out (int64 [n, classes], zeroed) gets a 1 at idx[k] - base of row k. */
void ct_cpu_one_hot(const void *idx, ct_dtype idx_dtype, int64_t n, int64_t base, int64_t classes, int64_t *out);

#endif
