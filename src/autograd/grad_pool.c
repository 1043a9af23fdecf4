/*
 * grad_pool.c -- the public pooling ops and their gradients.
 *
 * Each pooling is linear in its input once the windows (and, for max
 * pooling, the winners) are fixed, so its backward is the adjoint linear map:
 * the kernel's backward pass.  That backward is itself recorded when grad
 * mode is on (create_graph), with the forward map as its own backward, so
 * gradients of any order work while the first backward stays one C pass.
 */
#include "autograd/grad_util.h"
#include "cpu/pool.h"

typedef enum pool_kind { PK_MAX, PK_AVG, PK_ADAPTIVE } pool_kind;

typedef struct pool_node {
    ct_node base;
    pool_kind kind;
    int adjoint; /* 0: the node maps input -> output (forward); 1: output -> input (a backward) */
    ct_pool2d_geom geom;
    ct_dtype dtype;
    ct_saved argmax; /* max pooling's winners */
} pool_node;

static void pool_release_saved(ct_node *self) { ct_saved_reset(&((pool_node *)self)->argmax); }

static const char *node_name(pool_kind kind, int adjoint)
{
    switch (kind) {
    case PK_MAX: return adjoint ? "MaxPool2DBackwardBackward" : "MaxPool2DBackward";
    case PK_AVG: return adjoint ? "AvgPool2DBackwardBackward" : "AvgPool2DBackward";
    default: return adjoint ? "AdaptiveAvgPool2DBackwardBackward" : "AdaptiveAvgPool2DBackward";
    }
}

/* The linear map of (kind, adjoint) applied to x, without recording. */
static ct_tensor *pool_apply(const ct_pool2d_geom *g, pool_kind kind, int adjoint, ct_tensor *x, ct_tensor *argmax)
{
    switch (kind) {
    case PK_MAX: return adjoint ? ct_raw_max_pool2d_backward(x, argmax, g) : ct_raw_max_pool2d_gather(x, argmax, g);
    case PK_AVG:
        if (adjoint)
            return ct_raw_avg_pool2d_backward(x, g);
        return ct_raw_avg_pool2d(x, (int64_t[2]){g->kh, g->kw}, (int64_t[2]){g->sh, g->sw},
                                 (int64_t[2]){g->ph, g->pw}, g->ceil_mode, g->count_include_pad, g->divisor, NULL);
    default:
        if (adjoint)
            return ct_raw_adaptive_avg_pool2d_backward(x, g);
        return ct_raw_adaptive_avg_pool2d(x, (int64_t[2]){g->oh, g->ow}, NULL);
    }
}

static ct_tensor *pool_recorded(const ct_pool2d_geom *g, pool_kind kind, int adjoint, ct_tensor *x,
                                ct_tensor *argmax);

static int pool_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    pool_node *n = (pool_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    ct_tensor *argmax = NULL;
    if (n->kind == PK_MAX && !(argmax = ct_saved_get(&n->argmax, self)))
        return -1;
    ct_tensor *g = ct_to_dtype(grads[0], n->dtype);
    gi[0] = g ? pool_recorded(&n->geom, n->kind, !n->adjoint, g, argmax) : NULL;
    ct_release(g);
    ct_release(argmax);
    return gi[0] ? 0 : -1;
}

/* Records out = map(x) when x requires grad; consumes out. */
static ct_tensor *record(ct_tensor *out, ct_tensor *x, const ct_pool2d_geom *g, pool_kind kind, int adjoint,
                         ct_tensor *argmax)
{
    if (!out || !ct_ag_any_requires_grad(1, &x))
        return out;
    pool_node *n = (pool_node *)ct_ag_node_new(sizeof *n, node_name(kind, adjoint), pool_backward, 1, &x, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = pool_release_saved;
    n->kind = kind;
    n->adjoint = adjoint;
    n->geom = *g;
    n->dtype = x->dtype;
    if (argmax)
        ct_saved_set(&n->argmax, argmax, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

static ct_tensor *pool_recorded(const ct_pool2d_geom *g, pool_kind kind, int adjoint, ct_tensor *x,
                                ct_tensor *argmax)
{
    return record(pool_apply(g, kind, adjoint, x, argmax), x, g, kind, adjoint, argmax);
}

ct_tensor *ct_max_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                         const int64_t dilation[2], int ceil_mode, ct_tensor **indices)
{
    if (!ct_ag_any_requires_grad(1, &input))
        return ct_raw_max_pool2d(input, kernel, stride, padding, dilation, ceil_mode, indices);
    ct_tensor *argmax = NULL;
    ct_pool2d_geom g;
    ct_tensor *out = ct_raw_max_pool2d_ex(input, kernel, stride, padding, dilation, ceil_mode, indices, &argmax, &g);
    out = record(out, input, &g, PK_MAX, 0, argmax);
    ct_release(argmax);
    if (!out && indices) {
        ct_release(*indices);
        *indices = NULL;
    }
    return out;
}

ct_tensor *ct_avg_pool2d_divisor(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                                 const int64_t padding[2], int ceil_mode, int count_include_pad,
                                 int64_t divisor_override)
{
    ct_pool2d_geom g;
    ct_tensor *out = ct_raw_avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, &g);
    return record(out, input, &g, PK_AVG, 0, NULL);
}

ct_tensor *ct_avg_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2], const int64_t padding[2],
                         int ceil_mode, int count_include_pad)
{
    return ct_avg_pool2d_divisor(input, kernel, stride, padding, ceil_mode, count_include_pad, 0);
}

ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2])
{
    ct_pool2d_geom g;
    ct_tensor *out = ct_raw_adaptive_avg_pool2d(input, output_size, &g);
    return record(out, input, &g, PK_ADAPTIVE, 0, NULL);
}
