/*
 * linalg.c -- CPU kernels for matrix products.
 *
 * float32/float64 go to OpenBLAS (gemm, or gemv/dot when one side is a
 * vector), except tiny products, where a plain loop beats BLAS's call
 * overhead.  Other dtypes use a strided triple loop.
 */
#include <limits.h>
#include <string.h>

#include <cblas.h>

#include "cpu/linalg.h"

int ct_blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, int *trans, int64_t *ld)
{
    /* a size-1 dim's stride never matters, so it never rules a layout out */
    int64_t min_ld_direct = cols > 1 ? cols : 1;
    int64_t min_ld_trans = rows > 1 ? rows : 1;
    if ((cols <= 1 || cs == 1) && (rows <= 1 || rs >= min_ld_direct)) {
        *trans = 0;
        *ld = rows <= 1 ? min_ld_direct : rs;
    } else if ((rows <= 1 || rs == 1) && (cols <= 1 || cs >= min_ld_trans)) {
        *trans = 1;
        *ld = cols <= 1 ? min_ld_trans : cs;
    } else {
        return 0;
    }
    return *ld <= INT_MAX;
}

/* ---------------------------------------------------------------- BLAS */

/* c (m values, stride incc) = beta * c, where beta == 0 writes zeros even over NaN. */
static void scale_vector(ct_dtype dtype, int64_t m, double beta, char *c, int64_t incc)
{
    for (int64_t i = 0; i < m; i++) {
        if (dtype == CT_FLOAT32) {
            float *p = (float *)c + i * incc;
            *p = beta == 0 ? 0.0f : (float)beta * *p;
        } else {
            double *p = (double *)c + i * incc;
            *p = beta == 0 ? 0.0 : beta * *p;
        }
    }
}

void ct_cpu_gemm_blas(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                      const ct_mat *b, double beta, char *c, int64_t ldc)
{
    int ta, tb;
    int64_t lda, ldb;
    ct_blas_layout(m, k, a->rs, a->cs, &ta, &lda);
    ct_blas_layout(k, n, b->rs, b->cs, &tb, &ldb);
    int f32 = dtype == CT_FLOAT32;
    /* strides along k of a's row and b's column, for the vector forms */
    int inc_a = k > 1 ? (int)a->cs : 1;
    int inc_b = k > 1 ? (int)b->rs : 1;

    if (m == 1 && n == 1) {
        /* BLAS dot accumulates in the operand precision, like its gemm */
        double d = f32 ? (double)cblas_sdot((int)k, (const float *)a->data, inc_a, (const float *)b->data, inc_b)
                       : cblas_ddot((int)k, (const double *)a->data, inc_a, (const double *)b->data, inc_b);
        if (f32) {
            float *p = (float *)c;
            *p = (float)(alpha * d) + (beta == 0 ? 0.0f : (float)beta * *p);
        } else {
            double *p = (double *)c;
            *p = alpha * d + (beta == 0 ? 0.0 : beta * *p);
        }
        return;
    }
    if (n == 1) {
        /* matrix @ column: gemv over a, y is c's column (stride ldc) */
        if (beta == 0)
            scale_vector(dtype, m, 0, c, ldc); /* so gemv never sees stale NaNs */
        enum CBLAS_TRANSPOSE t = ta ? CblasTrans : CblasNoTrans;
        int rows = ta ? (int)k : (int)m, cols = ta ? (int)m : (int)k;
        if (f32)
            cblas_sgemv(CblasRowMajor, t, rows, cols, (float)alpha, (const float *)a->data, (int)lda,
                        (const float *)b->data, inc_b, (float)beta, (float *)c, (int)ldc);
        else
            cblas_dgemv(CblasRowMajor, t, rows, cols, alpha, (const double *)a->data, (int)lda,
                        (const double *)b->data, inc_b, beta, (double *)c, (int)ldc);
        return;
    }
    if (m == 1) {
        /* row @ matrix: y = op(b)^T x, y is c's first row */
        if (beta == 0)
            scale_vector(dtype, n, 0, c, 1);
        enum CBLAS_TRANSPOSE t = tb ? CblasNoTrans : CblasTrans;
        int rows = tb ? (int)n : (int)k, cols = tb ? (int)k : (int)n;
        if (f32)
            cblas_sgemv(CblasRowMajor, t, rows, cols, (float)alpha, (const float *)b->data, (int)ldb,
                        (const float *)a->data, inc_a, (float)beta, (float *)c, 1);
        else
            cblas_dgemv(CblasRowMajor, t, rows, cols, alpha, (const double *)b->data, (int)ldb,
                        (const double *)a->data, inc_a, beta, (double *)c, 1);
        return;
    }
    enum CBLAS_TRANSPOSE tra = ta ? CblasTrans : CblasNoTrans, trb = tb ? CblasTrans : CblasNoTrans;
    if (f32)
        cblas_sgemm(CblasRowMajor, tra, trb, (int)m, (int)n, (int)k, (float)alpha, (const float *)a->data,
                    (int)lda, (const float *)b->data, (int)ldb, (float)beta, (float *)c, (int)ldc);
    else
        cblas_dgemm(CblasRowMajor, tra, trb, (int)m, (int)n, (int)k, alpha, (const double *)a->data, (int)lda,
                    (const double *)b->data, (int)ldb, beta, (double *)c, (int)ldc);
}

/* ---------------------------------------------------------------- small products */

/* Row i of c accumulates alpha * a[i, p] * b[p, :] over p: the inner loop runs
 * along a row of b, contiguous in the common case, so it vectorizes. */
static void small_f32(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t ars, int64_t acs,
                      const float *b, int64_t brs, int64_t bcs, float beta, float *c, int64_t ldc)
{
    for (int64_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0) {
            for (int64_t j = 0; j < n; j++)
                ci[j] = 0;
        } else if (beta != 1) {
            for (int64_t j = 0; j < n; j++)
                ci[j] *= beta;
        }
        for (int64_t p = 0; p < k; p++) {
            float av = alpha * a[i * ars + p * acs];
            const float *bp = b + p * brs;
            if (bcs == 1) {
                for (int64_t j = 0; j < n; j++)
                    ci[j] += av * bp[j];
            } else {
                for (int64_t j = 0; j < n; j++)
                    ci[j] += av * bp[j * bcs];
            }
        }
    }
}

static void small_f64(int64_t m, int64_t n, int64_t k, double alpha, const double *a, int64_t ars, int64_t acs,
                      const double *b, int64_t brs, int64_t bcs, double beta, double *c, int64_t ldc)
{
    for (int64_t i = 0; i < m; i++) {
        double *ci = c + i * ldc;
        if (beta == 0) {
            for (int64_t j = 0; j < n; j++)
                ci[j] = 0;
        } else if (beta != 1) {
            for (int64_t j = 0; j < n; j++)
                ci[j] *= beta;
        }
        for (int64_t p = 0; p < k; p++) {
            double av = alpha * a[i * ars + p * acs];
            const double *bp = b + p * brs;
            if (bcs == 1) {
                for (int64_t j = 0; j < n; j++)
                    ci[j] += av * bp[j];
            } else {
                for (int64_t j = 0; j < n; j++)
                    ci[j] += av * bp[j * bcs];
            }
        }
    }
}

void ct_cpu_gemm_small(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                       const ct_mat *b, double beta, char *c, int64_t ldc)
{
    if (dtype == CT_FLOAT32)
        small_f32(m, n, k, (float)alpha, (const float *)a->data, a->rs, a->cs, (const float *)b->data, b->rs,
                  b->cs, (float)beta, (float *)c, ldc);
    else
        small_f64(m, n, k, alpha, (const double *)a->data, a->rs, a->cs, (const double *)b->data, b->rs, b->cs,
                  beta, (double *)c, ldc);
}

/* ---------------------------------------------------------------- other dtypes */

void ct_cpu_gemm_generic(ct_dtype dtype, int64_t m, int64_t n, int64_t k, double alpha, const ct_mat *a,
                         const ct_mat *b, double beta, char *c, int64_t ldc)
{
    int64_t es = (int64_t)ct_dtype_size(dtype);
    int exact = !ct_dtype_is_float(dtype);
    /* unsigned arithmetic: int64 overflow wraps instead of being undefined */
    uint64_t ialpha = (uint64_t)(int64_t)alpha, ibeta = (uint64_t)(int64_t)beta;
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            char *cp = c + (i * ldc + j) * es;
            const char *ap = a->data + i * a->rs * es;
            const char *bp = b->data + j * b->cs * es;
            if (exact) {
                uint64_t acc = 0;
                for (int64_t p = 0; p < k; p++)
                    acc += (uint64_t)ct_scalar_load(dtype, ap + p * a->cs * es).i *
                           (uint64_t)ct_scalar_load(dtype, bp + p * b->rs * es).i;
                acc *= ialpha;
                if (beta != 0)
                    acc += ibeta * (uint64_t)ct_scalar_load(dtype, cp).i;
                ct_scalar_store(ct_scalar_int((int64_t)acc), dtype, cp);
            } else {
                double acc = 0;
                for (int64_t p = 0; p < k; p++)
                    acc += ct_scalar_load(dtype, ap + p * a->cs * es).d * ct_scalar_load(dtype, bp + p * b->rs * es).d;
                acc *= alpha;
                if (beta != 0)
                    acc += beta * ct_scalar_load(dtype, cp).d;
                ct_scalar_store(ct_scalar_float(acc), dtype, cp);
            }
        }
    }
}
