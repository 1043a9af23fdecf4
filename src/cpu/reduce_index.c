/*
 * reduce_index.c -- reductions along one dim that need positions: max/min
 * with indices (and argmax/argmin), and the running sum.
 *
 * They share the group/chunk split of reduce.c.  Floating values compare as
 * double, integers as int64.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/reduce.h"

static inline double load_d(ct_dtype dtype, const char *p)
{
    if (dtype == CT_FLOAT32)
        return *(const float *)p;
    if (dtype == CT_FLOAT64)
        return *(const double *)p;
    return ct_scalar_load(dtype, p).d;
}

/* v replaces the best so far b: strictly better (so the first of equal
 * values stays), or the first NaN */
static inline bool better_d(bool is_max, double v, double b)
{
    if (v != v)
        return b == b;
    return is_max ? v > b : v < b;
}

static inline bool better_i(bool is_max, int64_t v, int64_t b) { return is_max ? v > b : v < b; }

/* ---------------------------------------------------------------- max/min with index */

typedef struct {
    ct_red_split sp;
    bool is_max;
    bool is_float;
    ct_dtype dtype;
    const char *in;
    char *values;
    int64_t *indices;
    /* per group, chunk and output: best value (double or int64) and index */
    char *part_val;
    int64_t *part_idx;
} arg_job;

/* Contiguous float runs go by blocks: the block's max (or min) comes from
 * the vector kernel, and only a block that beats the best so far is
 * searched for the first position of that value. */
#define ARG_BLOCK 512

static void arg_blocks_f32(bool is_max, const float *x, int64_t r0, int64_t r1, double *best, int64_t *idx)
{
    for (int64_t r = r0; r < r1; r += ARG_BLOCK) {
        int64_t n = r1 - r < ARG_BLOCK ? r1 - r : ARG_BLOCK;
        double m = ct_red_minmax_f32(x + r, n, is_max ? -INFINITY : INFINITY, is_max);
        if (*idx >= 0 && !better_d(is_max, m, *best))
            continue;
        for (int64_t j = 0; j < n; j++) {
            double v = x[r + j];
            if (m != m ? v != v : v == m) {
                *best = m;
                *idx = r + j;
                break;
            }
        }
    }
}

static void arg_blocks_f64(bool is_max, const double *x, int64_t r0, int64_t r1, double *best, int64_t *idx)
{
    for (int64_t r = r0; r < r1; r += ARG_BLOCK) {
        int64_t n = r1 - r < ARG_BLOCK ? r1 - r : ARG_BLOCK;
        double m = ct_red_minmax_f64(x + r, n, is_max ? -INFINITY : INFINITY, is_max);
        if (*idx >= 0 && !better_d(is_max, m, *best))
            continue;
        for (int64_t j = 0; j < n; j++) {
            double v = x[r + j];
            if (m != m ? v != v : v == m) {
                *best = m;
                *idx = r + j;
                break;
            }
        }
    }
}

/* Element by element, for short or strided float runs; s in elements. */
static void arg_scan_f32(bool is_max, const float *x, int64_t s, int64_t r0, int64_t r1, double *best,
                         int64_t *idx)
{
    if (*idx < 0 && r0 < r1) {
        *best = x[r0 * s];
        *idx = r0++;
    }
    double b = *best;
    int64_t bi = *idx;
    if (is_max) {
        for (int64_t r = r0; r < r1; r++) {
            double v = x[r * s];
            if (v > b || (v != v && b == b)) {
                b = v;
                bi = r;
            }
        }
    } else {
        for (int64_t r = r0; r < r1; r++) {
            double v = x[r * s];
            if (v < b || (v != v && b == b)) {
                b = v;
                bi = r;
            }
        }
    }
    *best = b;
    *idx = bi;
}

static void arg_scan_f64(bool is_max, const double *x, int64_t s, int64_t r0, int64_t r1, double *best,
                         int64_t *idx)
{
    if (*idx < 0 && r0 < r1) {
        *best = x[r0 * s];
        *idx = r0++;
    }
    double b = *best;
    int64_t bi = *idx;
    if (is_max) {
        for (int64_t r = r0; r < r1; r++) {
            double v = x[r * s];
            if (v > b || (v != v && b == b)) {
                b = v;
                bi = r;
            }
        }
    } else {
        for (int64_t r = r0; r < r1; r++) {
            double v = x[r * s];
            if (v < b || (v != v && b == b)) {
                b = v;
                bi = r;
            }
        }
    }
    *best = b;
    *idx = bi;
}

/* Best of elements r0..r1-1 of the output at byte offset base; idx < 0 = none yet. */
static void arg_run(const arg_job *job, const char *base, int64_t r0, int64_t r1, void *best, int64_t *idx)
{
    int64_t es = (int64_t)ct_dtype_size(job->dtype);
    int64_t s = job->sp.g->rstride[0] * es;
    bool long_run = r1 - r0 >= 64;
    if (job->dtype == CT_FLOAT32 && s == 4 && long_run) {
        arg_blocks_f32(job->is_max, (const float *)base, r0, r1, best, idx);
    } else if (job->dtype == CT_FLOAT64 && s == 8 && long_run) {
        arg_blocks_f64(job->is_max, (const double *)base, r0, r1, best, idx);
    } else if (job->dtype == CT_FLOAT32) {
        arg_scan_f32(job->is_max, (const float *)base, s / es, r0, r1, best, idx);
    } else if (job->dtype == CT_FLOAT64) {
        arg_scan_f64(job->is_max, (const double *)base, s / es, r0, r1, best, idx);
    } else if (job->is_float) {
        double b = *(double *)best;
        int64_t bi = *idx;
        for (int64_t r = r0; r < r1; r++) {
            double v = load_d(job->dtype, base + r * s);
            if (bi < 0 || better_d(job->is_max, v, b)) {
                b = v;
                bi = r;
            }
        }
        *(double *)best = b;
        *idx = bi;
    } else {
        int64_t b = *(int64_t *)best, bi = *idx;
        for (int64_t r = r0; r < r1; r++) {
            int64_t v = ct_scalar_load(job->dtype, base + r * s).i;
            if (bi < 0 || better_i(job->is_max, v, b)) {
                b = v;
                bi = r;
            }
        }
        *(int64_t *)best = b;
        *idx = bi;
    }
}

/* Rows of contiguous float outputs, branch-free so they vectorize. */
static void arg_rows_f32(bool is_max, const char *base, int64_t s, int64_t w, int64_t r0, int64_t r1, double *b,
                         int64_t *idx)
{
    /* positions as doubles (exact far beyond any dim size): with every lane
     * double-wide, the selects vectorize on plain SSE2 */
    double pos[CT_RED_BLOCK];
    const float *x = (const float *)(base + r0 * s);
    for (int64_t j = 0; j < w; j++) {
        b[j] = x[j];
        pos[j] = (double)r0;
    }
    for (int64_t r = r0 + 1; r < r1; r++) {
        x = (const float *)(base + r * s);
        double rd = (double)r;
        if (is_max) {
            for (int64_t j = 0; j < w; j++) {
                double v = x[j], bj = b[j];
                int take = (v > bj) | ((v != v) & (bj == bj));
                b[j] = take ? v : bj;
                pos[j] = take ? rd : pos[j];
            }
        } else {
            for (int64_t j = 0; j < w; j++) {
                double v = x[j], bj = b[j];
                int take = (v < bj) | ((v != v) & (bj == bj));
                b[j] = take ? v : bj;
                pos[j] = take ? rd : pos[j];
            }
        }
    }
    for (int64_t j = 0; j < w; j++)
        idx[j] = (int64_t)pos[j];
}

static void arg_rows_f64(bool is_max, const char *base, int64_t s, int64_t w, int64_t r0, int64_t r1, double *b,
                         int64_t *idx)
{
    /* positions as doubles (exact far beyond any dim size): with every lane
     * double-wide, the selects vectorize on plain SSE2 */
    double pos[CT_RED_BLOCK];
    const double *x = (const double *)(base + r0 * s);
    for (int64_t j = 0; j < w; j++) {
        b[j] = x[j];
        pos[j] = (double)r0;
    }
    for (int64_t r = r0 + 1; r < r1; r++) {
        x = (const double *)(base + r * s);
        double rd = (double)r;
        if (is_max) {
            for (int64_t j = 0; j < w; j++) {
                double v = x[j], bj = b[j];
                int take = (v > bj) | ((v != v) & (bj == bj));
                b[j] = take ? v : bj;
                pos[j] = take ? rd : pos[j];
            }
        } else {
            for (int64_t j = 0; j < w; j++) {
                double v = x[j], bj = b[j];
                int take = (v < bj) | ((v != v) & (bj == bj));
                b[j] = take ? v : bj;
                pos[j] = take ? rd : pos[j];
            }
        }
    }
    for (int64_t j = 0; j < w; j++)
        idx[j] = (int64_t)pos[j];
}

/* Rows walk: w outputs, j-th at base + j * js bytes; r0 < r1. */
static void arg_rows(const arg_job *job, const char *base, int64_t js, int64_t w, int64_t r0, int64_t r1,
                     void *best, int64_t *idx)
{
    int64_t s = job->sp.g->rstride[0] * (int64_t)ct_dtype_size(job->dtype);
    if (job->dtype == CT_FLOAT32 && js == 4) {
        arg_rows_f32(job->is_max, base, s, w, r0, r1, best, idx);
        return;
    }
    if (job->dtype == CT_FLOAT64 && js == 8) {
        arg_rows_f64(job->is_max, base, s, w, r0, r1, best, idx);
        return;
    }
    for (int64_t r = r0; r < r1; r++) {
        const char *row = base + r * s;
        if (job->is_float) {
            double *b = best;
            for (int64_t j = 0; j < w; j++) {
                double v = load_d(job->dtype, row + j * js);
                if (idx[j] < 0 || better_d(job->is_max, v, b[j])) {
                    b[j] = v;
                    idx[j] = r;
                }
            }
        } else {
            int64_t *b = best;
            for (int64_t j = 0; j < w; j++) {
                int64_t v = ct_scalar_load(job->dtype, row + j * js).i;
                if (idx[j] < 0 || better_i(job->is_max, v, b[j])) {
                    b[j] = v;
                    idx[j] = r;
                }
            }
        }
    }
}

static void arg_store(const arg_job *job, int64_t in_off, int64_t out_off, int64_t w, const int64_t *idx)
{
    const ct_reduce_geom *g = job->sp.g;
    size_t es = ct_dtype_size(job->dtype);
    int64_t qs_out = job->sp.rows ? g->kout[job->sp.q] : 0;
    int64_t qs_in = job->sp.rows ? g->kstride[job->sp.q] : 0;
    for (int64_t j = 0; j < w; j++) {
        int64_t o = out_off + j * qs_out;
        job->indices[o] = idx[j];
        if (job->values) {
            int64_t src = in_off + j * qs_in + idx[j] * g->rstride[0];
            memcpy(job->values + o * (int64_t)es, job->in + src * (int64_t)es, es);
        }
    }
}

static void arg_tasks(void *arg, int64_t t0, int64_t t1)
{
    const arg_job *job = arg;
    const ct_reduce_geom *g = job->sp.g;
    int64_t nchunks = job->sp.nchunks;
    int64_t es = (int64_t)ct_dtype_size(job->dtype);
    if (nchunks == 1 && !job->sp.rows) { /* one output per group, in order */
        ct_red_iter it;
        ct_red_iter_start(g, t0, &it);
        for (int64_t t = t0; t < t1; t++) {
            double bd = 0;
            int64_t bi = 0, idx = -1;
            void *best = job->is_float ? (void *)&bd : (void *)&bi;
            arg_run(job, job->in + it.in_off * es, 0, g->rsize[0], best, &idx);
            arg_store(job, it.in_off, it.out_off, 1, &idx);
            ct_red_iter_next(g, &it);
        }
        return;
    }
    double bestd[CT_RED_BLOCK];
    int64_t besti[CT_RED_BLOCK], idx[CT_RED_BLOCK];
    void *best = job->is_float ? (void *)bestd : (void *)besti;
    for (int64_t t = t0; t < t1; t++) {
        int64_t gi = t / nchunks, c = t % nchunks;
        int64_t in_off, out_off, w, r0, r1;
        ct_red_group(&job->sp, gi, &in_off, &out_off, &w);
        ct_red_chunk(&job->sp, c, &r0, &r1);
        for (int64_t j = 0; j < w; j++) {
            idx[j] = -1;
            bestd[j] = 0;
            besti[j] = 0;
        }
        const char *base = job->in + in_off * es;
        if (job->sp.rows)
            arg_rows(job, base, g->kstride[job->sp.q] * es, w, r0, r1, best, idx);
        else
            arg_run(job, base, r0, r1, best, idx);
        if (nchunks == 1) {
            arg_store(job, in_off, out_off, w, idx);
        } else {
            int64_t slot = (gi * nchunks + c) * job->sp.width;
            memcpy(job->part_val + slot * 8, best, (size_t)w * 8);
            memcpy(job->part_idx + slot, idx, (size_t)w * 8);
        }
    }
}

int ct_cpu_arg_reduce(const ct_reduce_geom *g, bool is_max, ct_dtype dtype, const char *in, char *values,
                      int64_t *indices)
{
    if (g->out_numel == 0)
        return 0;
    arg_job job;
    ct_red_split_init(&job.sp, g, true);
    job.is_max = is_max;
    job.is_float = ct_dtype_is_float(dtype);
    job.dtype = dtype;
    job.in = in;
    job.values = values;
    job.indices = indices;
    job.part_val = NULL;
    job.part_idx = NULL;
    int64_t nchunks = job.sp.nchunks;
    size_t nslots = (size_t)(job.sp.ngroups * nchunks * job.sp.width);
    if (nchunks > 1) {
        job.part_val = malloc(nslots * 8);
        job.part_idx = malloc(nslots * 8);
        if (!job.part_val || !job.part_idx) {
            free(job.part_val);
            free(job.part_idx);
            return ct_fail("%s: out of memory for partial results", is_max ? "max" : "min");
        }
    }
    ct_parallel_for(job.sp.ngroups * nchunks, ct_red_grain(&job.sp), arg_tasks, &job);
    if (nchunks > 1) {
        /* chunks in order, a later one winning only when strictly better:
         * the first occurrence stays */
        for (int64_t gi = 0; gi < job.sp.ngroups; gi++) {
            int64_t in_off, out_off, w;
            ct_red_group(&job.sp, gi, &in_off, &out_off, &w);
            int64_t first = gi * nchunks * job.sp.width;
            double *bd = (double *)job.part_val + first;
            int64_t *bi = (int64_t *)job.part_val + first;
            int64_t *ix = job.part_idx + first;
            for (int64_t c = 1; c < nchunks; c++) {
                int64_t slot = first + c * job.sp.width;
                for (int64_t j = 0; j < w; j++) {
                    int64_t pi = job.part_idx[slot + j];
                    if (pi < 0)
                        continue;
                    bool take = ix[j] < 0;
                    if (!take)
                        take = job.is_float ? better_d(is_max, ((double *)job.part_val)[slot + j], bd[j])
                                            : better_i(is_max, ((int64_t *)job.part_val)[slot + j], bi[j]);
                    if (take) {
                        memcpy(job.part_val + (first + j) * 8, job.part_val + (slot + j) * 8, 8);
                        ix[j] = pi;
                    }
                }
            }
            arg_store(&job, in_off, out_off, w, ix);
        }
        free(job.part_val);
        free(job.part_idx);
    }
    return 0;
}

/* ---------------------------------------------------------------- cumsum */

typedef struct {
    ct_red_split sp;
    ct_dtype in_dtype, out_dtype;
    const char *in;
    char *out;
} scan_job;

static inline void store_d(ct_dtype dtype, char *p, double v)
{
    if (dtype == CT_FLOAT32)
        *(float *)p = (float)v;
    else if (dtype == CT_FLOAT64)
        *(double *)p = v;
    else
        ct_scalar_store(ct_scalar_float(v), dtype, p);
}

/* Running sums of w outputs (j-th at ip + j * ijs, op + j * ojs) along n
 * steps of is / os bytes. */
static void scan_group(const scan_job *job, const char *ip, char *op, int64_t w, int64_t ijs, int64_t ojs)
{
    const ct_reduce_geom *g = job->sp.g;
    int64_t n = g->rsize[0];
    int64_t is = g->rstride[0] * (int64_t)ct_dtype_size(job->in_dtype);
    int64_t os = g->rout * (int64_t)ct_dtype_size(job->out_dtype);
    double accd[CT_RED_BLOCK];
    int64_t acci[CT_RED_BLOCK];
    for (int64_t j = 0; j < w; j++) {
        accd[j] = 0;
        acci[j] = 0;
    }
    ct_dtype it = job->in_dtype, ot = job->out_dtype;
    if (it == CT_FLOAT32 && ot == CT_FLOAT32 && (w == 1 || (ijs == 4 && ojs == 4))) {
        for (int64_t r = 0; r < n; r++) {
            const float *x = (const float *)(ip + r * is);
            float *o = (float *)(op + r * os);
            for (int64_t j = 0; j < w; j++) {
                accd[j] += x[j];
                o[j] = (float)accd[j];
            }
        }
        return;
    }
    if (it == CT_FLOAT64 && ot == CT_FLOAT64 && (w == 1 || (ijs == 8 && ojs == 8))) {
        for (int64_t r = 0; r < n; r++) {
            const double *x = (const double *)(ip + r * is);
            double *o = (double *)(op + r * os);
            for (int64_t j = 0; j < w; j++) {
                accd[j] += x[j];
                o[j] = accd[j];
            }
        }
        return;
    }
    bool is_float = ct_dtype_is_float(it);
    for (int64_t r = 0; r < n; r++) {
        const char *irow = ip + r * is;
        char *orow = op + r * os;
        for (int64_t j = 0; j < w; j++) {
            if (is_float) {
                accd[j] += load_d(it, irow + j * ijs);
                store_d(ot, orow + j * ojs, accd[j]);
            } else {
                acci[j] = (int64_t)((uint64_t)acci[j] + (uint64_t)ct_scalar_load(it, irow + j * ijs).i);
                ct_scalar_store(ct_scalar_int(acci[j]), ot, orow + j * ojs);
            }
        }
    }
}

static void scan_tasks(void *arg, int64_t t0, int64_t t1)
{
    const scan_job *job = arg;
    const ct_reduce_geom *g = job->sp.g;
    int64_t ies = (int64_t)ct_dtype_size(job->in_dtype), oes = (int64_t)ct_dtype_size(job->out_dtype);
    if (!job->sp.rows) {
        ct_red_iter it;
        ct_red_iter_start(g, t0, &it);
        for (int64_t t = t0; t < t1; t++) {
            scan_group(job, job->in + it.in_off * ies, job->out + it.out_off * oes, 1, 0, 0);
            ct_red_iter_next(g, &it);
        }
        return;
    }
    for (int64_t t = t0; t < t1; t++) {
        int64_t in_off, out_off, w;
        ct_red_group(&job->sp, t, &in_off, &out_off, &w);
        scan_group(job, job->in + in_off * ies, job->out + out_off * oes, w, g->kstride[job->sp.q] * ies,
                   g->kout[job->sp.q] * oes);
    }
}

void ct_cpu_cumsum(const ct_reduce_geom *g, ct_dtype in_dtype, const char *in, ct_dtype out_dtype, char *out)
{
    if (g->out_numel == 0 || g->red_numel == 0)
        return;
    scan_job job;
    ct_red_split_init(&job.sp, g, false);
    job.in_dtype = in_dtype;
    job.out_dtype = out_dtype;
    job.in = in;
    job.out = out;
    ct_parallel_for(job.sp.ngroups, ct_red_grain(&job.sp), scan_tasks, &job);
}
