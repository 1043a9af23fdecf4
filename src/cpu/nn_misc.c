/*
 * nn_misc.c -- embedding and one_hot kernels.
 *
 * The embedding backward adds each gradient row into the row of its index;
 * repeated indices make that a scatter-add, so threads split the embedding
 * dim (columns) rather than the indices: no two threads touch one element,
 * and the sums are in index order whatever the thread count.
 */
#include <string.h>

#include "cpu/nn_misc.h"

#define EMB_GRAIN 16384

int64_t ct_cpu_find_bad_index(const void *idx, ct_dtype dtype, int64_t n, int64_t base, int64_t limit)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t v = ct_index_value(idx, dtype, k) - base;
        if (v < 0 || v >= limit)
            return k;
    }
    return -1;
}

typedef struct emb_ctx {
    const char *weight;
    const void *idx;
    ct_dtype idx_dtype, dtype;
    int64_t n, base, row_bytes, dim, padding_idx;
    const char *g;
    char *out;
} emb_ctx;

static void emb_range(void *ctx, int64_t begin, int64_t end)
{
    const emb_ctx *c = ctx;
    for (int64_t k = begin; k < end; k++) {
        int64_t r = ct_index_value(c->idx, c->idx_dtype, k) - c->base;
        memcpy(c->out + k * c->row_bytes, c->weight + r * c->row_bytes, (size_t)c->row_bytes);
    }
}

void ct_cpu_embedding(const void *weight, const void *idx, ct_dtype idx_dtype, int64_t n, int64_t base,
                      int64_t row_bytes, void *out)
{
    emb_ctx c = {.weight = weight, .idx = idx, .idx_dtype = idx_dtype, .base = base, .row_bytes = row_bytes,
                 .out = out};
    int64_t per = row_bytes / 4 > 0 ? row_bytes / 4 : 1;
    ct_parallel_for(n, per >= EMB_GRAIN ? 1 : EMB_GRAIN / per, emb_range, &c);
}

/* Columns [begin, end) of every gradient row. */
static void emb_bwd_range(void *ctx, int64_t begin, int64_t end)
{
    const emb_ctx *c = ctx;
    int64_t n = c->n, dim = c->dim;
    for (int64_t k = 0; k < n; k++) {
        int64_t r = ct_index_value(c->idx, c->idx_dtype, k) - c->base;
        if (r == c->padding_idx)
            continue;
        if (c->dtype == CT_FLOAT32) {
            const float *g = (const float *)c->g + k * dim;
            float *w = (float *)c->out + r * dim;
            for (int64_t j = begin; j < end; j++)
                w[j] += g[j];
        } else {
            const double *g = (const double *)c->g + k * dim;
            double *w = (double *)c->out + r * dim;
            for (int64_t j = begin; j < end; j++)
                w[j] += g[j];
        }
    }
}

void ct_cpu_embedding_backward(ct_dtype dtype, const void *g, const void *idx, ct_dtype idx_dtype, int64_t n,
                               int64_t base, int64_t dim, int64_t padding_idx, void *gw)
{
    if (n == 0 || dim == 0)
        return;
    emb_ctx c = {.idx = idx, .idx_dtype = idx_dtype, .dtype = dtype, .n = n, .base = base, .dim = dim,
                 .padding_idx = padding_idx, .g = g, .out = gw};
    /* at least 16 columns per piece keeps whole cache lines per thread */
    int64_t grain = EMB_GRAIN / n;
    ct_parallel_for(dim, grain < 16 ? 16 : grain, emb_bwd_range, &c);
}

/* ---------------------------------------------------------------- mapped padding */

/* The output is walked in rows along the last padded dim: row r of plane p
 * reads the input row selected by the maps of the other padded dims. */
typedef struct pad_ctx {
    const ct_pad_geom *g;
    size_t elsize;
    ct_dtype dtype;
    const char *src;
    char *dst;
    int64_t rows_per_plane, in_plane, out_plane;
} pad_ctx;

/* Offset (in elements, within a plane) of the input row read by output row r. */
static int64_t source_row(const ct_pad_geom *g, int64_t r)
{
    int64_t off = 0, stride = g->in_sizes[g->k - 1];
    for (int d = g->k - 2; d >= 0; d--) {
        off += g->maps[d][r % g->out_sizes[d]] * stride;
        r /= g->out_sizes[d];
        stride *= g->in_sizes[d];
    }
    return off;
}

static void gather_rows(void *ctx, int64_t begin, int64_t end)
{
    const pad_ctx *c = ctx;
    const ct_pad_geom *g = c->g;
    int64_t W = g->out_sizes[g->k - 1];
    const int64_t *mw = g->maps[g->k - 1];
    for (int64_t row = begin; row < end; row++) {
        int64_t p = row / c->rows_per_plane, r = row % c->rows_per_plane;
        const char *s = c->src + (p * c->in_plane + source_row(g, r)) * (int64_t)c->elsize;
        char *o = c->dst + row * W * (int64_t)c->elsize;
        switch (c->elsize) {
        case 8:
            for (int64_t j = 0; j < W; j++)
                ((uint64_t *)o)[j] = ((const uint64_t *)s)[mw[j]];
            break;
        case 4:
            for (int64_t j = 0; j < W; j++)
                ((uint32_t *)o)[j] = ((const uint32_t *)s)[mw[j]];
            break;
        case 2:
            for (int64_t j = 0; j < W; j++)
                ((uint16_t *)o)[j] = ((const uint16_t *)s)[mw[j]];
            break;
        default:
            for (int64_t j = 0; j < W; j++)
                memcpy(o + j * (int64_t)c->elsize, s + mw[j] * (int64_t)c->elsize, c->elsize);
        }
    }
}

void ct_cpu_pad_gather(const ct_pad_geom *geom, size_t elsize, const void *in, void *out)
{
    pad_ctx c = {.g = geom, .elsize = elsize, .src = in, .dst = out, .rows_per_plane = 1, .in_plane = 1};
    for (int d = 0; d < geom->k; d++) {
        c.in_plane *= geom->in_sizes[d];
        if (d < geom->k - 1)
            c.rows_per_plane *= geom->out_sizes[d];
    }
    int64_t W = geom->out_sizes[geom->k - 1], rows = geom->outer * c.rows_per_plane;
    if (rows == 0 || W == 0)
        return;
    ct_parallel_for(rows, W >= EMB_GRAIN ? 1 : EMB_GRAIN / W, gather_rows, &c);
}

/* Planes [begin, end): each plane's input is written by its own output only. */
static void scatter_planes(void *ctx, int64_t begin, int64_t end)
{
    const pad_ctx *c = ctx;
    const ct_pad_geom *g = c->g;
    int64_t W = g->out_sizes[g->k - 1];
    const int64_t *mw = g->maps[g->k - 1];
    for (int64_t p = begin; p < end; p++) {
        for (int64_t r = 0; r < c->rows_per_plane; r++) {
            int64_t so = p * c->in_plane + source_row(g, r), go = (p * c->rows_per_plane + r) * W;
            if (c->dtype == CT_FLOAT32) {
                float *dst = (float *)c->dst + so;
                const float *src = (const float *)c->src + go;
                for (int64_t j = 0; j < W; j++)
                    dst[mw[j]] += src[j];
            } else {
                double *dst = (double *)c->dst + so;
                const double *src = (const double *)c->src + go;
                for (int64_t j = 0; j < W; j++)
                    dst[mw[j]] += src[j];
            }
        }
    }
}

void ct_cpu_pad_scatter_add(const ct_pad_geom *geom, ct_dtype dtype, const void *g, void *gi)
{
    pad_ctx c = {.g = geom, .dtype = dtype, .src = g, .dst = gi, .rows_per_plane = 1, .in_plane = 1};
    for (int d = 0; d < geom->k; d++) {
        c.in_plane *= geom->in_sizes[d];
        if (d < geom->k - 1)
            c.rows_per_plane *= geom->out_sizes[d];
    }
    c.out_plane = c.rows_per_plane * geom->out_sizes[geom->k - 1];
    if (geom->outer == 0 || c.out_plane == 0)
        return;
    ct_parallel_for(geom->outer, c.out_plane >= EMB_GRAIN ? 1 : EMB_GRAIN / c.out_plane, scatter_planes, &c);
}

void ct_cpu_one_hot(const void *idx, ct_dtype idx_dtype, int64_t n, int64_t base, int64_t classes, int64_t *out)
{
    for (int64_t k = 0; k < n; k++)
        out[k * classes + ct_index_value(idx, idx_dtype, k) - base] = 1;
}
