/*
 * reduce.c -- reduction geometry, the split of the work into tasks, and the
 * driver of the fold kernels (reduce_loops.c).  See reduce.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/reduce.h"

/* Elements of work per chunk when the reduced range of few outputs is split. */
#define RED_CHUNK_ELEMS 32768
#define RED_MAX_CHUNKS 64
/* A kept dim needs this many outputs to be worth the rows walk. */
#define RED_ROWS_MIN 4

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

void ct_reduce_geom_build(ct_reduce_geom *g, int ndim, const int64_t *sizes, const int64_t *in_strides,
                          const int64_t *out_strides, const bool *reduced, bool single_dim)
{
    g->nk = 0;
    g->nr = 0;
    g->rout = 0;
    for (int d = 0; d < ndim; d++) {
        if (reduced[d]) {
            if (single_dim || sizes[d] != 1) {
                g->rsize[g->nr] = sizes[d];
                g->rstride[g->nr] = in_strides[d];
                if (single_dim)
                    g->rout = out_strides[d];
                g->nr++;
            }
        } else if (sizes[d] != 1) {
            g->ksize[g->nk] = sizes[d];
            g->kstride[g->nk] = in_strides[d];
            g->kout[g->nk] = out_strides[d];
            g->nk++;
        }
    }
    g->out_numel = ct_shape_numel(g->nk, g->ksize);
    g->red_numel = ct_shape_numel(g->nr, g->rsize);

    if (!single_dim) {
        /* Reduction order is free: walk the reduced dims by decreasing stride
         * (innermost in memory last), then merge those that step as one. */
        for (int i = 1; i < g->nr; i++) {
            for (int j = i; j > 0 && abs64(g->rstride[j - 1]) < abs64(g->rstride[j]); j--) {
                int64_t s = g->rsize[j], st = g->rstride[j];
                g->rsize[j] = g->rsize[j - 1];
                g->rstride[j] = g->rstride[j - 1];
                g->rsize[j - 1] = s;
                g->rstride[j - 1] = st;
            }
        }
        int n = 0;
        for (int i = 0; i < g->nr; i++) {
            if (n > 0 && g->rstride[n - 1] == g->rstride[i] * g->rsize[i]) {
                g->rsize[n - 1] *= g->rsize[i];
                g->rstride[n - 1] = g->rstride[i];
            } else {
                g->rsize[n] = g->rsize[i];
                g->rstride[n] = g->rstride[i];
                n++;
            }
        }
        g->nr = n;
    }
    if (g->nr == 0) { /* nothing reduced: every output folds one element */
        g->nr = 1;
        g->rsize[0] = 1;
        g->rstride[0] = 0;
    }

    /* merge kept dims that step as one in both input and output */
    int n = 0;
    for (int i = 0; i < g->nk; i++) {
        if (n > 0 && g->kstride[n - 1] == g->kstride[i] * g->ksize[i] &&
            g->kout[n - 1] == g->kout[i] * g->ksize[i]) {
            g->ksize[n - 1] *= g->ksize[i];
            g->kstride[n - 1] = g->kstride[i];
            g->kout[n - 1] = g->kout[i];
        } else {
            g->ksize[n] = g->ksize[i];
            g->kstride[n] = g->kstride[i];
            g->kout[n] = g->kout[i];
            n++;
        }
    }
    g->nk = n;
}

void ct_red_split_init(ct_red_split *sp, const ct_reduce_geom *g, bool allow_chunks)
{
    sp->g = g;
    sp->rows = false;
    sp->q = -1;
    sp->nblk = 1;
    sp->width = 1;
    sp->ngroups = g->out_numel;
    sp->nchunks = 1;

    int q = -1;
    for (int i = 0; i < g->nk; i++)
        if (q < 0 || abs64(g->kstride[i]) < abs64(g->kstride[q]))
            q = i;
    int64_t inner_r = abs64(g->rstride[g->nr - 1]);
    /* rows when a kept dim is closer-packed than the reduced elements (or
     * nothing is really reduced) */
    if (q >= 0 && g->ksize[q] >= RED_ROWS_MIN && g->out_numel > 0 &&
        (g->red_numel == 1 || abs64(g->kstride[q]) < inner_r)) {
        sp->rows = true;
        sp->q = q;
        sp->nblk = (g->ksize[q] + CT_RED_BLOCK - 1) / CT_RED_BLOCK;
        sp->width = g->ksize[q] < CT_RED_BLOCK ? g->ksize[q] : CT_RED_BLOCK;
        sp->ngroups = g->out_numel / g->ksize[q] * sp->nblk;
    }
    if (allow_chunks && sp->ngroups < 8) {
        int64_t work = g->red_numel * sp->width;
        if (work >= 2 * RED_CHUNK_ELEMS) {
            int64_t c = work / RED_CHUNK_ELEMS;
            if (c > RED_MAX_CHUNKS)
                c = RED_MAX_CHUNKS;
            if (c > g->red_numel)
                c = g->red_numel;
            sp->nchunks = c;
        }
    }
}

void ct_red_group(const ct_red_split *sp, int64_t gi, int64_t *in_off, int64_t *out_off, int64_t *width)
{
    const ct_reduce_geom *g = sp->g;
    int64_t in = 0, out = 0, rem = gi;
    if (sp->rows) {
        int64_t blk = gi % sp->nblk;
        rem = gi / sp->nblk;
        int64_t j0 = blk * CT_RED_BLOCK;
        in = j0 * g->kstride[sp->q];
        out = j0 * g->kout[sp->q];
        *width = g->ksize[sp->q] - j0 < CT_RED_BLOCK ? g->ksize[sp->q] - j0 : CT_RED_BLOCK;
    } else {
        *width = 1;
    }
    for (int i = g->nk - 1; i >= 0; i--) {
        if (i == sp->q)
            continue;
        int64_t c = rem % g->ksize[i];
        rem /= g->ksize[i];
        in += c * g->kstride[i];
        out += c * g->kout[i];
    }
    *in_off = in;
    *out_off = out;
}

void ct_red_chunk(const ct_red_split *sp, int64_t c, int64_t *r0, int64_t *r1)
{
    int64_t n = sp->g->red_numel, k = sp->nchunks;
    int64_t q = n / k, r = n % k;
    *r0 = c * q + (c < r ? c : r);
    *r1 = *r0 + q + (c < r ? 1 : 0);
}

void ct_red_walk(const ct_reduce_geom *g, const char *base, size_t elsize, int64_t r0, int64_t r1,
                 ct_red_run_fn fn, void *ctx)
{
    if (r0 >= r1)
        return;
    int last = g->nr - 1;
    int64_t es = (int64_t)elsize;
    int64_t inner = g->rsize[last], istride = g->rstride[last] * es;
    if (last == 0) {
        fn(ctx, base + r0 * istride, r1 - r0, istride);
        return;
    }
    int64_t coord[CT_MAX_DIMS], rem = r0;
    for (int i = last; i >= 0; i--) {
        coord[i] = rem % g->rsize[i];
        rem /= g->rsize[i];
    }
    for (int64_t r = r0; r < r1;) {
        const char *p = base;
        for (int i = 0; i <= last; i++)
            p += coord[i] * g->rstride[i] * es;
        int64_t n = inner - coord[last];
        if (n > r1 - r)
            n = r1 - r;
        fn(ctx, p, n, istride);
        r += n;
        coord[last] += n;
        for (int i = last; i > 0 && coord[i] >= g->rsize[i]; i--) {
            coord[i] = 0;
            coord[i - 1]++;
        }
    }
}

int64_t ct_red_grain(const ct_red_split *sp)
{
    int64_t work = sp->g->red_numel / sp->nchunks * sp->width;
    if (work < 1)
        work = 1;
    return work >= CT_PARALLEL_GRAIN ? 1 : CT_PARALLEL_GRAIN / work;
}

/* ---------------------------------------------------------------- driver */

typedef struct {
    ct_red_split sp;
    const ct_reduce_args *a;
    bool acc_int;
    size_t elsize;
    char *partials; /* ngroups * nchunks * width accumulators when chunked */
} reduce_job;

typedef struct {
    const reduce_job *job;
    void *acc;
    double center;       /* inner walk */
    const double *cblk;  /* rows walk: centers of the block */
    int64_t width;       /* rows walk */
    int64_t row_stride;  /* rows walk: bytes between outputs of the block */
} fold_ctx;

static void fold_run_cb(void *ctx, const char *p, int64_t n, int64_t s)
{
    const fold_ctx *f = ctx;
    ct_red_fold_run(f->job->a, f->job->acc_int, p, n, s, f->acc, f->center);
}

static void fold_rows_cb(void *ctx, const char *p, int64_t n, int64_t s)
{
    const fold_ctx *f = ctx;
    ct_red_fold_rows(f->job->a, f->job->acc_int, p, n, s, f->width, f->row_stride, f->acc, f->cblk);
}

static void store_acc(const reduce_job *job, const void *acc, int64_t out_off, int64_t w)
{
    int64_t qs = job->sp.rows ? job->sp.g->kout[job->sp.q] : 0;
    char *out = job->a->acc_out;
    for (int64_t j = 0; j < w; j++)
        memcpy(out + (out_off + j * qs) * 8, (const char *)acc + j * 8, 8);
}

/* Inner mode, unchunked, several reduced dims: groups g0..g1-1 are output
 * elements in order. */
static void inner_groups(const reduce_job *job, int64_t g0, int64_t g1)
{
    const ct_reduce_args *a = job->a;
    const ct_reduce_geom *g = job->sp.g;
    int64_t es = (int64_t)job->elsize;
    double accd;
    int64_t acci;
    void *acc = job->acc_int ? (void *)&acci : (void *)&accd;
    char *out = a->acc_out;
    ct_red_iter it;
    ct_red_iter_start(g, g0, &it);
    for (int64_t gi = g0; gi < g1; gi++) {
        ct_red_init_acc(a, job->acc_int, acc, 1);
        double center = a->center ? a->center[it.out_off] : 0.0;
        const char *base = a->in + it.in_off * es;
        fold_ctx f = {job, acc, center, NULL, 1, 0};
        ct_red_walk(g, base, job->elsize, 0, g->red_numel, fold_run_cb, &f);
        memcpy(out + it.out_off * 8, acc, 8);
        ct_red_iter_next(g, &it);
    }
}

static void reduce_tasks(void *arg, int64_t t0, int64_t t1)
{
    const reduce_job *job = arg;
    if (job->sp.nchunks == 1 && !job->sp.rows) {
        if (job->sp.g->nr == 1)
            ct_red_inner_groups(job->sp.g, job->a, job->acc_int, t0, t1);
        else
            inner_groups(job, t0, t1);
        return;
    }
    const ct_reduce_args *a = job->a;
    const ct_reduce_geom *g = job->sp.g;
    int64_t nchunks = job->sp.nchunks;
    double accd[CT_RED_BLOCK], cblk[CT_RED_BLOCK];
    int64_t acci[CT_RED_BLOCK];
    void *acc = job->acc_int ? (void *)acci : (void *)accd;
    for (int64_t t = t0; t < t1; t++) {
        int64_t gi = t / nchunks, c = t % nchunks;
        int64_t in_off, out_off, w, r0, r1;
        ct_red_group(&job->sp, gi, &in_off, &out_off, &w);
        ct_red_chunk(&job->sp, c, &r0, &r1);
        ct_red_init_acc(a, job->acc_int, acc, w);
        fold_ctx f = {job, acc, 0.0, NULL, w, 0};
        const char *base = a->in + in_off * (int64_t)job->elsize;
        if (!job->sp.rows) {
            if (a->center)
                f.center = a->center[out_off];
            ct_red_walk(g, base, job->elsize, r0, r1, fold_run_cb, &f);
        } else {
            if (a->center) {
                for (int64_t j = 0; j < w; j++)
                    cblk[j] = a->center[out_off + j * g->kout[job->sp.q]];
                f.cblk = cblk;
            }
            f.row_stride = g->kstride[job->sp.q] * (int64_t)job->elsize;
            ct_red_walk(g, base, job->elsize, r0, r1, fold_rows_cb, &f);
        }
        if (nchunks == 1)
            store_acc(job, acc, out_off, w);
        else
            memcpy(job->partials + (gi * nchunks + c) * job->sp.width * 8, acc, (size_t)w * 8);
    }
}

bool ct_reduce_acc_is_int(ct_red_kind kind, ct_dtype in_dtype)
{
    return kind <= CT_RK_ANY && !ct_dtype_is_float(in_dtype);
}

int ct_cpu_reduce(const ct_reduce_geom *g, const ct_reduce_args *a)
{
    if (g->out_numel == 0)
        return 0;
    reduce_job job;
    ct_red_split_init(&job.sp, g, true);
    job.a = a;
    job.acc_int = ct_reduce_acc_is_int(a->kind, a->in_dtype);
    job.elsize = ct_dtype_size(a->in_dtype);
    job.partials = NULL;
    int64_t nchunks = job.sp.nchunks;
    if (nchunks > 1) {
        job.partials = malloc((size_t)(job.sp.ngroups * nchunks * job.sp.width) * 8);
        if (!job.partials)
            return ct_fail("reduce: out of memory for partial results");
    }
    ct_parallel_for(job.sp.ngroups * nchunks, ct_red_grain(&job.sp), reduce_tasks, &job);
    if (nchunks > 1) {
        /* combine the chunks of each group in order: deterministic results */
        for (int64_t gi = 0; gi < job.sp.ngroups; gi++) {
            int64_t in_off, out_off, w;
            ct_red_group(&job.sp, gi, &in_off, &out_off, &w);
            char *first = job.partials + gi * nchunks * job.sp.width * 8;
            for (int64_t c = 1; c < nchunks; c++)
                ct_red_combine(a, job.acc_int, first, first + c * job.sp.width * 8, w);
            store_acc(&job, first, out_off, w);
        }
        free(job.partials);
    }
    return 0;
}
