/*
 * grad_softmax.c -- autograd for softmax and log_softmax.
 *
 * Both save their output y.  The backward is one C kernel; when the engine
 * builds a graph of the backward (create_graph: grad mode is on while
 * backward runs) it is composed from recorded ops instead, so that it can be
 * differentiated again:
 *   softmax:     gi = y * (g - sum(g * y))
 *   log_softmax: gi = g - exp(y) * sum(g)      (sums over dim, kept)
 */
#include "autograd/grad_util.h"

typedef struct softmax_node {
    ct_node base;
    int dim, log;
    ct_saved out;
} softmax_node;

static void softmax_release_saved(ct_node *self) { ct_saved_reset(&((softmax_node *)self)->out); }

static ct_tensor *composed(const softmax_node *n, ct_tensor *y, ct_tensor *g)
{
    ct_tensor *prod = NULL, *s = NULL, *diff = NULL, *e = NULL, *r = NULL;
    int dims[1] = {n->dim};
    if (n->log) {
        if ((s = ct_reduce(CT_SUM, g, 1, dims, 1)) && (e = ct_unary(CT_EXP, y)) && (prod = ct_binary(CT_MUL, e, s)))
            r = ct_binary(CT_SUB, g, prod);
    } else {
        if ((prod = ct_binary(CT_MUL, g, y)) && (s = ct_reduce(CT_SUM, prod, 1, dims, 1)) &&
            (diff = ct_binary(CT_SUB, g, s)))
            r = ct_binary(CT_MUL, y, diff);
    }
    ct_release(prod);
    ct_release(s);
    ct_release(diff);
    ct_release(e);
    return r;
}

static int softmax_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    softmax_node *n = (softmax_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    ct_tensor *y = ct_saved_get(&n->out, self);
    if (!y)
        return -1;
    ct_tensor *g = grads[0];
    if (ct_ag_enabled())
        gi[0] = composed(n, y, g);
    else
        gi[0] = ct_raw_softmax_backward(y, g, n->dim, n->log);
    ct_release(y);
    return gi[0] ? 0 : -1;
}

static ct_tensor *record(int log, ct_tensor *t, int dim, ct_tensor *out)
{
    if (!out || !ct_ag_any_requires_grad(1, &t))
        return out;
    softmax_node *n = (softmax_node *)ct_ag_node_new(sizeof *n, log ? "LogSoftmaxBackward" : "SoftmaxBackward",
                                                     softmax_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = softmax_release_saved;
    n->log = log;
    ct_wrap_dim("softmax", dim, t->ndim, &n->dim); /* checked by the raw op */
    ct_saved_set(&n->out, out, &n->base, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_softmax(ct_tensor *t, int dim) { return record(0, t, dim, ct_raw_softmax(t, dim)); }

ct_tensor *ct_log_softmax(ct_tensor *t, int dim) { return record(1, t, dim, ct_raw_log_softmax(t, dim)); }
