/*
 * linalg.c -- dispatch for matrix products: mm, mv, bmm, matmul, dot, outer,
 * addmm.
 *
 * Every product goes through one batched plan: the last two dims of each
 * operand are its matrices (a 1-D operand is a row on the left, a column on
 * the right), the leading dims are batch dims broadcast against each other.
 * Operands are handed to BLAS with their own strides whenever BLAS can read
 * them (row-major with a leading dimension, or as a transpose); only a layout
 * BLAS cannot express is copied to contiguous first.
 */
#include <limits.h>

#include "core/loop.h"
#include "cpu/linalg.h"

/* Batches of products up to this size (m*n*k) are spread over the thread pool,
 * one product per task.  OpenBLAS runs such small gemms on the calling thread
 * (its own threads start far above this), so BLAS never runs multithreaded
 * inside our pool. */
#define PAR_MNK 32768
/* Work (multiply-adds) that makes one task worth handing to another thread. */
#define PAR_GRAIN_MNK 32768

typedef struct mm_side {
    ct_tensor *t; /* owned: the operand itself or its contiguous copy */
    ct_mat mat;   /* the first matrix */
    int64_t bstrides[CT_MAX_DIMS]; /* element strides along the output's batch dims (0: broadcast) */
} mm_side;

typedef struct mm_plan {
    ct_dtype dtype;
    int64_t m, n, k;
    int nb; /* batch dims */
    int64_t bsizes[CT_MAX_DIMS];
    int64_t nbatch;
    mm_side a, b;
    char *c; /* contiguous output: batch stride m * n, row stride n */
    double alpha, beta;
} mm_plan;

static int is_blas_dtype(ct_dtype d) { return d == CT_FLOAT32 || d == CT_FLOAT64; }

/* Device and dtype checks shared by every product. */
static int check_operands(const char *op, const ct_tensor *a, const ct_tensor *b)
{
    if (ct_check_same_device(op, a, b) < 0)
        return -1;
    if (a->storage->device.type != CT_CPU) {
        char dev[32];
        return ct_fail("%s: not implemented for tensors on %s", op, ct_device_str(a->storage->device, dev, sizeof dev));
    }
    if (a->dtype != b->dtype)
        return ct_fail("%s: expected both operands to have the same dtype, but got %s and %s", op,
                       ct_dtype_name(a->dtype), ct_dtype_name(b->dtype));
    if (a->dtype == CT_BOOL)
        return ct_fail("%s: not implemented for bool tensors", op);
    return 0;
}

static int fail_shapes(const char *op, const ct_tensor *a, const ct_tensor *b, int64_t ka, int64_t kb)
{
    char sa[128], sb[128];
    return ct_fail("%s: shapes %s and %s cannot be multiplied (%lld ~= %lld)", op, ct_shape_str(a, sa, sizeof sa),
                   ct_shape_str(b, sb, sizeof sb), (long long)ka, (long long)kb);
}

static int fail_dims(const char *op, const char *what, const ct_tensor *a, const ct_tensor *b)
{
    char sa[128], sb[128];
    return ct_fail("%s: expected %s, but got shapes %s and %s", op, what, ct_shape_str(a, sa, sizeof sa),
                   ct_shape_str(b, sb, sizeof sb));
}

/* The matrix geometry of operand t: a 1-D t is a row (left) or column (right). */
static void matrix_of(const ct_tensor *t, int left, int64_t *rows, int64_t *cols, ct_mat *mat)
{
    mat->data = ct_tensor_data(t);
    if (t->ndim == 1) {
        int64_t len = t->sizes[0], st = t->strides[0];
        *rows = left ? 1 : len;
        *cols = left ? len : 1;
        mat->rs = left ? len : st; /* the size-1 dim's stride is never used */
        mat->cs = left ? st : 1;
    } else {
        *rows = t->sizes[t->ndim - 2];
        *cols = t->sizes[t->ndim - 1];
        mat->rs = t->strides[t->ndim - 2];
        mat->cs = t->strides[t->ndim - 1];
    }
}

/* Strides of t's batch dims along the plan's nb output batch dims. */
static void batch_strides(const ct_tensor *t, int nb, const int64_t *bsizes, int64_t *out)
{
    int tnb = t->ndim > 2 ? t->ndim - 2 : 0;
    for (int i = 0; i < nb; i++) {
        int j = i - (nb - tnb);
        out[i] = (j < 0 || (t->sizes[j] == 1 && bsizes[i] != 1)) ? 0 : t->strides[j];
    }
}

/* Sets side->t to t (or to its contiguous copy when BLAS cannot read t's
 * matrices as they are) and fills in the geometry. */
static int prepare_side(mm_plan *p, mm_side *side, ct_tensor *t, int left, int need_blas)
{
    int64_t rows, cols;
    ct_mat mat;
    matrix_of(t, left, &rows, &cols, &mat);
    int trans;
    int64_t ld;
    if (need_blas && !ct_blas_layout(rows, cols, mat.rs, mat.cs, &trans, &ld))
        side->t = ct_raw_contiguous(t);
    else
        side->t = ct_retain(t);
    if (!side->t)
        return -1;
    matrix_of(side->t, left, &rows, &cols, &side->mat);
    batch_strides(side->t, p->nb, p->bsizes, side->bstrides);
    return 0;
}

/* With no batch dims on b, a's batch dims fold into its rows when they are
 * laid out like one longer matrix: one big gemm instead of many small ones. */
static void fold_batch_into_rows(mm_plan *p)
{
    const ct_tensor *t = p->a.t;
    if (p->nb == 0 || t->ndim != p->nb + 2)
        return;
    int64_t rows = 1, rs = 0, expected = 0;
    int have = 0;
    for (int d = t->ndim - 2; d >= 0; d--) {
        rows *= t->sizes[d];
        if (t->sizes[d] == 1)
            continue;
        if (!have) {
            rs = t->strides[d];
            expected = rs * t->sizes[d];
            have = 1;
        } else if (t->strides[d] != expected) {
            return;
        } else {
            expected *= t->sizes[d];
        }
    }
    if (is_blas_dtype(p->dtype)) {
        /* the folded product may be big enough for BLAS where each small one was not */
        int trans;
        int64_t ld;
        if (rows > INT_MAX || !ct_blas_layout(rows, p->k, have ? rs : p->k, p->a.mat.cs, &trans, &ld) ||
            !ct_blas_layout(p->k, p->n, p->b.mat.rs, p->b.mat.cs, &trans, &ld))
            return;
    }
    p->m = rows;
    p->a.mat.rs = have ? rs : p->k;
    p->nb = 0;
    p->nbatch = 1;
}

/* Which kernel one product of the plan takes. */
enum { K_GENERIC, K_SMALL, K_BLAS };
static int pick_kernel(const mm_plan *p, int in_pool)
{
    if (!is_blas_dtype(p->dtype))
        return K_GENERIC;
    double mnk = (double)p->m * (double)p->n * (double)p->k;
    /* in the pool, vector shapes stay off BLAS: OpenBLAS threads gemv early */
    if (p->k == 0 || mnk <= CT_GEMM_SMALL_MNK || (in_pool && (p->m == 1 || p->n == 1)))
        return K_SMALL;
    return K_BLAS;
}

/* Product number idx of the plan. */
static void run_one(const mm_plan *p, int64_t idx, int in_pool)
{
    int64_t es = (int64_t)ct_dtype_size(p->dtype);
    ct_mat a = p->a.mat, b = p->b.mat;
    char *c = p->c + idx * p->m * p->n * es;
    for (int d = p->nb - 1; d >= 0 && idx > 0; d--) {
        int64_t r = idx % p->bsizes[d];
        idx /= p->bsizes[d];
        a.data += r * p->a.bstrides[d] * es;
        b.data += r * p->b.bstrides[d] * es;
    }
    switch (pick_kernel(p, in_pool)) {
    case K_GENERIC: ct_cpu_gemm_generic(p->dtype, p->m, p->n, p->k, p->alpha, &a, &b, p->beta, c, p->n); break;
    case K_SMALL: ct_cpu_gemm_small(p->dtype, p->m, p->n, p->k, p->alpha, &a, &b, p->beta, c, p->n); break;
    default: ct_cpu_gemm_blas(p->dtype, p->m, p->n, p->k, p->alpha, &a, &b, p->beta, c, p->n); break;
    }
}

static void run_batch_range(void *ctx, int64_t begin, int64_t end)
{
    for (int64_t i = begin; i < end; i++)
        run_one(ctx, i, 1);
}

static void run_plan(const mm_plan *p)
{
    if (p->m == 0 || p->n == 0 || p->nbatch == 0)
        return;
    double mnk = (double)p->m * (double)p->n * (double)p->k;
    if (p->nbatch > 1 && (!is_blas_dtype(p->dtype) || mnk <= PAR_MNK)) {
        int64_t grain = mnk >= PAR_GRAIN_MNK ? 1 : (int64_t)(PAR_GRAIN_MNK / (mnk > 1 ? mnk : 1));
        ct_parallel_for(p->nbatch, grain, run_batch_range, (void *)p);
        return;
    }
    /* big products: one at a time, each free to use OpenBLAS's threads */
    for (int64_t i = 0; i < p->nbatch; i++)
        run_one(p, i, 0);
}

/*
 * alpha * (a @ b) (+ beta * init, init broadcast to the result when given and
 * beta != 0), with matmul's shape rules.  The caller has checked the operands
 * (check_operands) and the dims its op accepts; a and b have >= 1 dims.
 */
static ct_tensor *product(const char *op, ct_tensor *a, ct_tensor *b, const ct_tensor *init, double alpha,
                          double beta)
{
    mm_plan p = {.dtype = a->dtype, .alpha = alpha, .beta = init ? beta : 0};
    int64_t k2;
    ct_mat unused;
    matrix_of(a, 1, &p.m, &p.k, &unused);
    matrix_of(b, 0, &k2, &p.n, &unused);
    if (p.k != k2)
        return fail_shapes(op, a, b, p.k, k2), NULL;

    /* batch dims: broadcast, right-aligned */
    int anb = a->ndim > 2 ? a->ndim - 2 : 0, bnb = b->ndim > 2 ? b->ndim - 2 : 0;
    p.nb = anb > bnb ? anb : bnb;
    p.nbatch = 1;
    for (int i = 0; i < p.nb; i++) {
        int ia = i - (p.nb - anb), ib = i - (p.nb - bnb);
        int64_t sa = ia >= 0 ? a->sizes[ia] : 1, sb = ib >= 0 ? b->sizes[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char ta[128], tb[128];
            ct_fail("%s: shapes %s and %s cannot be broadcast in their batch dims (size %lld ~= %lld at dim %d)", op,
                    ct_shape_str(a, ta, sizeof ta), ct_shape_str(b, tb, sizeof tb), (long long)sa, (long long)sb,
                    i + 1);
            return NULL;
        }
        p.bsizes[i] = sa == 1 ? sb : sa;
        p.nbatch *= p.bsizes[i];
    }
    if (is_blas_dtype(p.dtype) && (p.m > INT_MAX || p.n > INT_MAX || p.k > INT_MAX)) {
        char ta[128], tb[128];
        ct_fail("%s: shapes %s and %s are too large for BLAS (a matrix dim exceeds %d)", op,
                ct_shape_str(a, ta, sizeof ta), ct_shape_str(b, tb, sizeof tb), INT_MAX);
        return NULL;
    }

    int ndim = 0;
    int64_t shape[CT_MAX_DIMS + 2];
    for (int i = 0; i < p.nb; i++)
        shape[ndim++] = p.bsizes[i];
    if (a->ndim > 1)
        shape[ndim++] = p.m;
    if (b->ndim > 1)
        shape[ndim++] = p.n;
    if (ndim > CT_MAX_DIMS) {
        ct_fail("%s: the result would have %d dims, at most %d are supported", op, ndim, CT_MAX_DIMS);
        return NULL;
    }
    ct_tensor *out = ct_empty(ndim, shape, p.dtype);
    if (!out)
        return NULL;
    if (init && beta != 0 && ct_raw_copy_(out, init) < 0) {
        ct_release(out);
        return NULL;
    }
    p.c = ct_tensor_data(out);

    int need_blas = pick_kernel(&p, 0) == K_BLAS;
    if (prepare_side(&p, &p.a, a, 1, need_blas) < 0) {
        ct_release(out);
        return NULL;
    }
    if (prepare_side(&p, &p.b, b, 0, need_blas) < 0) {
        ct_release(p.a.t);
        ct_release(out);
        return NULL;
    }
    if (bnb == 0)
        fold_batch_into_rows(&p);
    run_plan(&p);
    ct_release(p.a.t);
    ct_release(p.b.t);
    return out;
}

/* ---------------------------------------------------------------- public ops */

ct_tensor *ct_raw_mm(ct_tensor *a, ct_tensor *b)
{
    if (check_operands("mm", a, b) < 0)
        return NULL;
    if (a->ndim != 2 || b->ndim != 2)
        return fail_dims("mm", "2-D matrices", a, b), NULL;
    return product("mm", a, b, NULL, 1, 0);
}

ct_tensor *ct_raw_mv(ct_tensor *a, ct_tensor *v)
{
    if (check_operands("mv", a, v) < 0)
        return NULL;
    if (a->ndim != 2 || v->ndim != 1)
        return fail_dims("mv", "a 2-D matrix and a 1-D vector", a, v), NULL;
    return product("mv", a, v, NULL, 1, 0);
}

ct_tensor *ct_raw_bmm(ct_tensor *a, ct_tensor *b)
{
    if (check_operands("bmm", a, b) < 0)
        return NULL;
    if (a->ndim != 3 || b->ndim != 3)
        return fail_dims("bmm", "3-D tensors", a, b), NULL;
    if (a->sizes[0] != b->sizes[0]) {
        char sa[128], sb[128];
        ct_fail("bmm: shapes %s and %s have different batch sizes (%lld ~= %lld)", ct_shape_str(a, sa, sizeof sa),
                ct_shape_str(b, sb, sizeof sb), (long long)a->sizes[0], (long long)b->sizes[0]);
        return NULL;
    }
    return product("bmm", a, b, NULL, 1, 0);
}

ct_tensor *ct_raw_dot(ct_tensor *a, ct_tensor *b)
{
    if (check_operands("dot", a, b) < 0)
        return NULL;
    if (a->ndim != 1 || b->ndim != 1)
        return fail_dims("dot", "1-D tensors", a, b), NULL;
    return product("dot", a, b, NULL, 1, 0);
}

ct_tensor *ct_raw_matmul(ct_tensor *a, ct_tensor *b)
{
    if (check_operands("matmul", a, b) < 0)
        return NULL;
    if (a->ndim == 0 || b->ndim == 0)
        return fail_dims("matmul", "tensors with at least 1 dim", a, b), NULL;
    return product("matmul", a, b, NULL, 1, 0);
}

/* PyTorch computes outer as a column times a row, elementwise: any dtypes,
 * promoted. */
ct_tensor *ct_raw_outer(ct_tensor *a, ct_tensor *b)
{
    if (a->ndim != 1 || b->ndim != 1)
        return fail_dims("outer", "1-D tensors", a, b), NULL;
    ct_tensor *col = ct_raw_unsqueeze(a, 1);
    if (!col)
        return NULL;
    ct_tensor *out = ct_raw_binary(CT_MUL, col, b);
    ct_release(col);
    return out;
}

static int is_integral(double x) { return x >= -9.0e18 && x <= 9.0e18 && x == (double)(int64_t)x; }

ct_tensor *ct_raw_addmm(ct_tensor *c, ct_tensor *a, ct_tensor *b, double beta, double alpha)
{
    if (check_operands("addmm", a, b) < 0 || ct_check_same_device("addmm", c, a) < 0)
        return NULL;
    if (c->dtype != a->dtype) {
        ct_fail("addmm: expected input, mat1 and mat2 to have the same dtype, but got %s, %s and %s",
                ct_dtype_name(c->dtype), ct_dtype_name(a->dtype), ct_dtype_name(b->dtype));
        return NULL;
    }
    if (a->ndim != 2 || b->ndim != 2)
        return fail_dims("addmm", "2-D matrices", a, b), NULL;
    if (!ct_dtype_is_float(a->dtype) && (!is_integral(alpha) || !is_integral(beta))) {
        ct_fail("addmm: alpha and beta must be integers for %s tensors, got alpha %g and beta %g",
                ct_dtype_name(a->dtype), alpha, beta);
        return NULL;
    }
    if (a->sizes[1] != b->sizes[0])
        return fail_shapes("addmm", a, b, a->sizes[1], b->sizes[0]), NULL;
    int64_t shape[2] = {a->sizes[0], b->sizes[1]};
    int nd;
    int64_t bshape[CT_MAX_DIMS];
    if (ct_broadcast_shape("addmm", c->ndim, c->sizes, 2, shape, &nd, bshape) < 0 || nd != 2 ||
        bshape[0] != shape[0] || bshape[1] != shape[1]) {
        char sc[128], so[128];
        ct_fail("addmm: input of shape %s cannot be broadcast to the product's shape %s",
                ct_shape_str(c, sc, sizeof sc), ct_sizes_str(2, shape, so, sizeof so));
        return NULL;
    }
    return product("addmm", a, b, c, alpha, beta);
}
