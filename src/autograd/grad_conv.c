/*
 * grad_conv.c -- autograd for linear and conv2d.
 *
 * Both backwards run as C kernels (ct_raw_*_backward).  When the engine
 * builds a graph of the backward itself (create_graph: grad mode is on while
 * a backward runs), they are recorded instead:
 *  - linear's gradients are products and a sum, so they come from the public
 *    ops (matmul, mm, sum), which record themselves;
 *  - conv2d's gradients come from the same C kernel, recorded as one node
 *    "ConvolutionBackwardBackward" whose own backward is again made of
 *    recorded conv2d forwards and backwards, so derivatives of any order work.
 */
#include "autograd/grad_util.h"

/* ---------------------------------------------------------------- linear */

typedef struct linear_node {
    ct_node base;
    ct_saved input, weight;
} linear_node;

static void linear_release_saved(ct_node *self)
{
    linear_node *n = (linear_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->weight);
}

/* The gradients built from recorded public ops, for double backward. */
static int linear_backward_graph(ct_tensor *g, ct_tensor *x, ct_tensor *w, const int need[3], ct_tensor **gi)
{
    int64_t nout = w->sizes[0], nin = w->sizes[1];
    int64_t rows = nin > 0 ? ct_numel(x) / nin : 1;
    if (nin == 0)
        for (int d = 0; d < x->ndim - 1; d++)
            rows *= x->sizes[d];
    int64_t gshape[2] = {rows, nout}, xshape[2] = {rows, nin};
    if (need[0])
        gi[0] = ct_matmul(g, w);
    ct_tensor *g2 = need[1] || need[2] ? ct_reshape(g, 2, gshape) : NULL;
    if (need[1]) {
        ct_tensor *gt = g2 ? ct_t(g2) : NULL;
        ct_tensor *x2 = gt ? ct_reshape(x, 2, xshape) : NULL;
        gi[1] = x2 ? ct_mm(gt, x2) : NULL;
        ct_release(gt);
        ct_release(x2);
    }
    if (need[2] && g2) {
        int dim0 = 0;
        gi[2] = ct_reduce(CT_SUM, g2, 1, &dim0, 0);
    }
    ct_release(g2);
    for (int j = 0; j < 3; j++)
        if (need[j] && !gi[j])
            return ct_grad_fail(3, gi);
    return 0;
}

static int linear_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    linear_node *n = (linear_node *)self;
    int need[3] = {ct_ag_needs_grad(self, 0), ct_ag_needs_grad(self, 1), ct_ag_needs_grad(self, 2)};
    ct_tensor *x = ct_saved_get(&n->input, self);
    ct_tensor *w = x ? ct_saved_get(&n->weight, self) : NULL;
    int rc = -1;
    if (x && w) {
        if (ct_is_grad_enabled()) {
            ct_tensor *g = ct_to_dtype(grads[0], x->dtype); /* a seed may come in another dtype */
            rc = g ? linear_backward_graph(g, x, w, need, gi) : -1;
            ct_release(g);
        } else
            rc = ct_raw_linear_backward(grads[0], x, w, need[0], need[1], need[2], &gi[0], &gi[1], &gi[2]);
    }
    ct_release(x);
    ct_release(w);
    return rc;
}

ct_tensor *ct_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias)
{
    ct_tensor *out = ct_raw_linear(input, weight, bias);
    ct_tensor *inputs[3] = {input, weight, bias};
    if (!out || !ct_ag_any_requires_grad(3, inputs))
        return out;
    linear_node *n = (linear_node *)ct_ag_node_new(sizeof *n, "LinearBackward", linear_backward, 3, inputs, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = linear_release_saved;
    ct_saved_set(&n->input, input, NULL, 0);
    ct_saved_set(&n->weight, weight, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

/* ---------------------------------------------------------------- conv2d */

typedef struct conv_params {
    int64_t stride[2], padding[2], dilation[2], groups;
} conv_params;

typedef struct conv_node {
    ct_node base;
    ct_saved input, weight;
    conv_params p;
} conv_node;

/* The node of a recorded conv2d backward: inputs (grad, input, weight),
 * outputs (grad_input, grad_weight, grad_bias). */
typedef struct conv_bwd_node {
    ct_node base;
    ct_saved grad, input, weight;
    conv_params p;
    int made[3]; /* which outputs exist and carry this node as history */
} conv_bwd_node;

static ct_tensor *conv_with(const conv_params *p, ct_tensor *x, ct_tensor *w, ct_tensor *b)
{
    return ct_conv2d(x, w, b, p->stride, p->padding, p->dilation, p->groups);
}

static void conv_release_saved(ct_node *self)
{
    conv_node *n = (conv_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->weight);
}

static void conv_bwd_release_saved(ct_node *self)
{
    conv_bwd_node *n = (conv_bwd_node *)self;
    ct_saved_reset(&n->grad);
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->weight);
}

static int conv_bwd_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi);

/* The gradients of conv2d (those flagged in need), computed by the C kernel
 * and, when grad mode is on and grad/input/weight require grad, recorded. */
static int conv_backward_recorded(const conv_params *p, ct_tensor *g, ct_tensor *x, ct_tensor *w, const int need[3],
                                  ct_tensor **out)
{
    if (ct_raw_conv2d_backward(g, x, w, p->stride, p->padding, p->dilation, p->groups, need[0], need[1], need[2],
                               &out[0], &out[1], &out[2]) < 0)
        return -1;
    ct_tensor *inputs[3] = {g, x, w};
    if (!ct_ag_any_requires_grad(3, inputs))
        return 0;
    /* grad_input depends on (grad, weight), grad_weight on (grad, input), grad_bias on grad */
    int rg = ct_ag_requires_grad(g), rx = ct_ag_requires_grad(x), rw = ct_ag_requires_grad(w);
    int track[3] = {out[0] && (rg || rw), out[1] && (rg || rx), out[2] && rg};
    if (!track[0] && !track[1] && !track[2])
        return 0;
    conv_bwd_node *n = (conv_bwd_node *)ct_ag_node_new(sizeof *n, "ConvolutionBackwardBackward", conv_bwd_backward,
                                                       3, inputs, 3);
    if (!n)
        return ct_grad_fail(3, out);
    n->base.release_saved = conv_bwd_release_saved;
    n->p = *p;
    ct_saved_set(&n->grad, g, NULL, 0);
    ct_saved_set(&n->input, x, NULL, 0);
    ct_saved_set(&n->weight, w, NULL, 0);
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        n->made[i] = track[i];
        if (track[i])
            rc = ct_ag_set_history(out[i], &n->base, i);
    }
    ct_node_release(&n->base);
    return rc < 0 ? ct_grad_fail(3, out) : 0;
}

/* Backward of the backward.  With gx = Dx(g, w), gw = Dw(x, g), gb = sum(g),
 * all linear in g and bilinear overall, and incoming ggx, ggw, ggb:
 *   d/dg = conv2d(ggx, w, ggb) + conv2d(x, ggw)
 *   d/dx = Dx(g, ggw)   (the input gradient of a conv with weight ggw)
 *   d/dw = Dw(ggx, g)   (the weight gradient of a conv with input ggx) */
static int conv_bwd_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    conv_bwd_node *n = (conv_bwd_node *)self;
    ct_tensor *ggx = n->made[0] ? grads[0] : NULL, *ggw = n->made[1] ? grads[1] : NULL;
    ct_tensor *ggb = n->made[2] ? grads[2] : NULL;
    ct_tensor *g = ct_saved_get(&n->grad, self);
    ct_tensor *x = g ? ct_saved_get(&n->input, self) : NULL;
    ct_tensor *w = x ? ct_saved_get(&n->weight, self) : NULL;
    int rc = w ? 0 : -1;
    if (rc == 0 && ct_ag_needs_grad(self, 0)) {
        ct_tensor *t = ggx ? conv_with(&n->p, ggx, w, ggb) : NULL;
        if (ggx && !t)
            rc = -1;
        if (rc == 0 && ggw) {
            ct_tensor *u = conv_with(&n->p, x, ggw, ggx ? NULL : ggb);
            if (!u) {
                rc = -1;
            } else if (t) {
                ct_tensor *sum = ct_binary(CT_ADD, t, u);
                ct_release(t);
                ct_release(u);
                t = sum;
                rc = sum ? 0 : -1;
            } else {
                t = u;
            }
        }
        if (rc == 0 && !t && ggb) { /* only the bias gradient: ggb broadcast over g */
            int64_t shape[CT_MAX_DIMS];
            for (int d = 0; d < g->ndim; d++)
                shape[d] = 1;
            shape[g->ndim - 3] = ggb->sizes[0];
            ct_tensor *v = ct_reshape(ggb, g->ndim, shape);
            t = v ? ct_expand(v, g->ndim, g->sizes) : NULL;
            ct_release(v);
            if (!t)
                rc = -1;
        }
        gi[0] = t;
    }
    if (rc == 0 && ct_ag_needs_grad(self, 1) && ggw) {
        int need[3] = {1, 0, 0};
        ct_tensor *out[3] = {NULL, NULL, NULL};
        rc = conv_backward_recorded(&n->p, g, x, ggw, need, out);
        gi[1] = out[0];
    }
    if (rc == 0 && ct_ag_needs_grad(self, 2) && ggx) {
        int need[3] = {0, 1, 0};
        ct_tensor *out[3] = {NULL, NULL, NULL};
        rc = conv_backward_recorded(&n->p, g, ggx, w, need, out);
        gi[2] = out[1];
    }
    ct_release(g);
    ct_release(x);
    ct_release(w);
    return rc < 0 ? ct_grad_fail(3, gi) : 0;
}

static int conv_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    conv_node *n = (conv_node *)self;
    int need[3] = {ct_ag_needs_grad(self, 0), ct_ag_needs_grad(self, 1), ct_ag_needs_grad(self, 2)};
    ct_tensor *x = ct_saved_get(&n->input, self);
    ct_tensor *w = x ? ct_saved_get(&n->weight, self) : NULL;
    int rc = -1;
    if (x && w)
        rc = conv_backward_recorded(&n->p, grads[0], x, w, need, gi);
    ct_release(x);
    ct_release(w);
    return rc;
}

ct_tensor *ct_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const int64_t stride[2],
                     const int64_t padding[2], const int64_t dilation[2], int64_t groups)
{
    ct_tensor *out = ct_raw_conv2d(input, weight, bias, stride, padding, dilation, groups);
    ct_tensor *inputs[3] = {input, weight, bias};
    if (!out || !ct_ag_any_requires_grad(3, inputs))
        return out;
    conv_node *n = (conv_node *)ct_ag_node_new(sizeof *n, "ConvolutionBackward", conv_backward, 3, inputs, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = conv_release_saved;
    for (int i = 0; i < 2; i++) {
        n->p.stride[i] = stride[i];
        n->p.padding[i] = padding[i];
        n->p.dilation[i] = dilation[i];
    }
    n->p.groups = groups;
    ct_saved_set(&n->input, input, NULL, 0);
    ct_saved_set(&n->weight, weight, NULL, 0);
    return ct_ag_finish(out, &n->base);
}
