/*
 * reduce.h -- CPU kernels for reductions (sum, prod, amax, var, norm ...),
 * arg-reductions (max/min with indices, argmax) and cumulative sums.
 *
 * The dispatch layer describes the work as a ct_reduce_geom: the kept dims
 * (one output element per kept coordinate) and the reduced dims, both
 * coalesced.  The kernels choose how to walk memory:
 *  - "inner": one accumulator per output element, folding a run of the
 *    reduced dims (the fast case when the reduced dims are innermost);
 *  - "rows": when a kept dim is innermost in memory (sum over dim 1 of
 *    [N, C]), a block of outputs is accumulated row by row so memory is read
 *    contiguously.
 * Large reductions with few outputs also split the reduced range into chunks
 * whose partial results are combined in a fixed order, so results do not
 * depend on the number of threads.
 */
#ifndef CT_CPU_REDUCE_H
#define CT_CPU_REDUCE_H

#include <stdbool.h>

#include "core/loop.h"

/* What a reduction kernel folds: the first six serve ct_raw_reduce (mean is a
 * sum divided afterwards), the rest var/std and norm. */
typedef enum ct_red_kind {
    CT_RK_SUM,
    CT_RK_PROD,
    CT_RK_MAX,
    CT_RK_MIN,
    CT_RK_ALL,
    CT_RK_ANY,
    CT_RK_SQDEV,   /* sum of (x - center)^2, center per output (NULL = 0) */
    CT_RK_ABS_SUM, /* sum |x| */
    CT_RK_ABS_MAX, /* max |x| */
    CT_RK_ABS_MIN, /* min |x| */
    CT_RK_NONZERO, /* count of x != 0 */
    CT_RK_POW_SUM, /* sum |x|^p */
} ct_red_kind;

typedef struct ct_reduce_geom {
    int nk; /* kept dims, in output order */
    int64_t ksize[CT_MAX_DIMS];
    int64_t kstride[CT_MAX_DIMS]; /* input strides, elements */
    int64_t kout[CT_MAX_DIMS];    /* output strides, elements */
    int nr; /* reduced dims, outermost first; at least one (a size-1 dummy when none) */
    int64_t rsize[CT_MAX_DIMS];
    int64_t rstride[CT_MAX_DIMS];
    int64_t rout; /* output stride along the reduced dim (cumsum only) */
    int64_t out_numel; /* product of ksize */
    int64_t red_numel; /* product of rsize */
} ct_reduce_geom;

/*
 * Describes a reduction of the tensor (ndim, sizes, in_strides) over the dims
 * with reduced[d] set.  out_strides[d] is the output's stride (elements) for
 * each kept dim (entries of reduced dims are only read when single_dim).
 * single_dim: exactly one dim is reduced and it is kept as is (arg
 * reductions and scans, which need its positions); otherwise reduced dims are
 * reordered by stride and coalesced.
 */
void ct_reduce_geom_build(ct_reduce_geom *g, int ndim, const int64_t *sizes, const int64_t *in_strides,
                          const int64_t *out_strides, const bool *reduced, bool single_dim);

/* True when the kernel accumulates this kind over this input dtype in int64
 * (integer and bool inputs of sum/prod/amax/amin/all/any); else in double. */
bool ct_reduce_acc_is_int(ct_red_kind kind, ct_dtype in_dtype);

typedef struct ct_reduce_args {
    ct_red_kind kind;
    ct_dtype in_dtype;
    const char *in;       /* first element of the input */
    void *acc_out;        /* out_numel contiguous double or int64 results */
    const double *center; /* CT_RK_SQDEV: per output element, indexed like acc_out */
    double p;             /* CT_RK_POW_SUM */
} ct_reduce_args;

/* Writes the reduction of every output element into acc_out (sums, not
 * means: the caller finalizes).  Returns -1 only when out of memory. */
int ct_cpu_reduce(const ct_reduce_geom *g, const ct_reduce_args *a);

/* ---- reduce_index.c: single-dim geometries (g->nr == 1) */

/* max (is_max) or min along the reduced dim: first occurrence wins ties, NaN
 * beats every number (the first NaN wins).  values (may be NULL) gets the
 * element itself in the input dtype, indices its 0-based position; both are
 * contiguous over the kept dims.  Returns -1 only when out of memory. */
int ct_cpu_arg_reduce(const ct_reduce_geom *g, bool is_max, ct_dtype dtype, const char *in, char *values,
                      int64_t *indices);

/* Inclusive running sum along the reduced dim, into out (out_dtype, strides
 * g->kout / g->rout), accumulated in double for floats and exactly in int64
 * for integers. */
void ct_cpu_cumsum(const ct_reduce_geom *g, ct_dtype in_dtype, const char *in, ct_dtype out_dtype, char *out);

/* ---- shared by the reduce*.c kernels */

/* How the output is split into groups (one output element, or a block of
 * up to CT_RED_BLOCK outputs along the innermost kept dim in "rows" mode)
 * and the reduced range into chunks; task t is group t / nchunks, chunk
 * t % nchunks. */
#define CT_RED_BLOCK 1024
typedef struct ct_red_split {
    const ct_reduce_geom *g;
    bool rows;
    int q;          /* rows: the kept dim walked contiguously */
    int64_t nblk;   /* rows: blocks along dim q */
    int64_t width;  /* outputs per group (largest) */
    int64_t ngroups;
    int64_t nchunks;
} ct_red_split;

/* allow_chunks: split the reduced range of few, large groups. */
void ct_red_split_init(ct_red_split *sp, const ct_reduce_geom *g, bool allow_chunks);
/* Group gi: input and output offsets (elements) and its number of outputs. */
void ct_red_group(const ct_red_split *sp, int64_t gi, int64_t *in_off, int64_t *out_off, int64_t *width);
/* The reduced index range of chunk c. */
void ct_red_chunk(const ct_red_split *sp, int64_t c, int64_t *r0, int64_t *r1);
/* Calls fn(ctx, p, n, stride) on runs of the innermost reduced dim covering
 * the reduced indices [r0, r1) from base (byte pointers and stride). */
typedef void (*ct_red_run_fn)(void *ctx, const char *p, int64_t n, int64_t stride);
void ct_red_walk(const ct_reduce_geom *g, const char *base, size_t elsize, int64_t r0, int64_t r1,
                 ct_red_run_fn fn, void *ctx);
/* Tasks worth of work below which a parallel_for stays serial. */
int64_t ct_red_grain(const ct_red_split *sp);

/* Walks the groups of an inner-mode split (one output each) in order,
 * without dividing per group. */
typedef struct ct_red_iter {
    int64_t coord[CT_MAX_DIMS];
    int64_t in_off, out_off; /* elements */
} ct_red_iter;

static inline void ct_red_iter_start(const ct_reduce_geom *g, int64_t gi, ct_red_iter *it)
{
    it->in_off = 0;
    it->out_off = 0;
    for (int i = g->nk - 1; i >= 0; i--) {
        it->coord[i] = gi % g->ksize[i];
        gi /= g->ksize[i];
        it->in_off += it->coord[i] * g->kstride[i];
        it->out_off += it->coord[i] * g->kout[i];
    }
}

static inline void ct_red_iter_next(const ct_reduce_geom *g, ct_red_iter *it)
{
    for (int i = g->nk - 1; i >= 0; i--) {
        it->in_off += g->kstride[i];
        it->out_off += g->kout[i];
        if (++it->coord[i] < g->ksize[i])
            return;
        it->in_off -= g->kstride[i] * g->ksize[i];
        it->out_off -= g->kout[i] * g->ksize[i];
        it->coord[i] = 0;
    }
}

/* reduce_loops.c: fold kernels over double (or int64, see
 * ct_reduce_acc_is_int) accumulators */
void ct_red_init_acc(const ct_reduce_args *a, bool acc_int, void *acc, int64_t w);
void ct_red_combine(const ct_reduce_args *a, bool acc_int, void *acc, const void *part, int64_t w);
/* max (is_max) or min of acc and x[0..n), NaN winning; vectorized. */
double ct_red_minmax_f32(const float *x, int64_t n, double acc, bool is_max);
double ct_red_minmax_f64(const double *x, int64_t n, double acc, bool is_max);
/* Inner mode with one reduced dim: output elements g0..g1-1 in order. */
void ct_red_inner_groups(const ct_reduce_geom *g, const ct_reduce_args *a, bool acc_int, int64_t g0, int64_t g1);
/* Folds n elements at p (byte stride s) into acc[0]. */
void ct_red_fold_run(const ct_reduce_args *a, bool acc_int, const char *p, int64_t n, int64_t s, void *acc,
                     double center);
/* For each of nrows rows (row r at p + r * row_step), folds element j (at
 * + j * s) into acc[j], for j < w. */
void ct_red_fold_rows(const ct_reduce_args *a, bool acc_int, const char *p, int64_t nrows, int64_t row_step,
                      int64_t w, int64_t s, void *acc, const double *center);

#endif
