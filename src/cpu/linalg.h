/* linalg.h -- CPU kernels for matrix products (OpenBLAS and plain loops). */
#ifndef CT_CPU_LINALG_H
#define CT_CPU_LINALG_H
#include "core/tensor.h"

/* One matrix operand: rows x cols elements at data, element strides rs/cs. */
typedef struct ct_mat {
    char *data;
    int64_t rs, cs;
} ct_mat;

/* Products below this many multiply-adds (m*n*k) skip BLAS: its call
 * overhead is larger than the work. */
#define CT_GEMM_SMALL_MNK 1024

/* Whether a rows x cols matrix with element strides rs/cs can go to row-major
 * BLAS as is: directly (*trans = 0) or as the transpose of a stored matrix
 * (*trans = 1), with leading dimension *ld. */
int ct_blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, int *trans, int64_t *ld);

/* c = alpha * (a @ b) + beta * c for one m x n x k product; c is row-major with
 * row stride ldc.  beta == 0 never reads c.  k == 0 gives beta * c.
 *
 * ct_cpu_gemm_blas: float32/float64; a and b must have a BLAS layout (above).
 *   May use OpenBLAS's threads: call it from the calling thread only.
 * ct_cpu_gemm_small: float32/float64, any strides; plain loops, safe inside
 *   the thread pool.
 * ct_cpu_gemm_generic: every other dtype except bool, any strides; integers
 *   are exact in int64 (wrapping like C's unsigned arithmetic), float16 and
 *   bfloat16 accumulate in double. */
void ct_cpu_gemm_blas(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                      const ct_mat *b, double beta, char *c, int64_t ldc);
void ct_cpu_gemm_small(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                       const ct_mat *b, double beta, char *c, int64_t ldc);
void ct_cpu_gemm_generic(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                         const ct_mat *b, double beta, char *c, int64_t ldc);

#endif
