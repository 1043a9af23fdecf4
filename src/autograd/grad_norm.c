/*
 * grad_norm.c -- the public batch_norm and dropout and their gradients.
 *
 * The first backward is one C pass (ct_raw_batch_norm_backward,
 * ct_raw_dropout_backward).  A backward that runs in grad mode with
 * something requiring grad (create_graph) is recorded instead: batch norm's
 * is built from public ops, so that it differentiates through the batch
 * statistics; dropout's is the same masked scaling, its own adjoint.
 */
#include "autograd/grad_util.h"

/* ---------------------------------------------------------------- batch norm */

typedef struct bn_node {
    ct_node base;
    ct_saved input, weight, save_mean, save_invstd;
    int training, has_weight;
    double eps;
    ct_dtype dtype;
} bn_node;

static void bn_release_saved(ct_node *self)
{
    bn_node *n = (bn_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->weight);
    ct_saved_reset(&n->save_mean);
    ct_saved_reset(&n->save_invstd);
}

/* A [C] tensor shaped [1, C, 1, ...] to broadcast against x. */
static ct_tensor *per_channel(ct_tensor *v, const ct_tensor *x)
{
    int64_t shape[CT_MAX_DIMS];
    for (int d = 0; d < x->ndim; d++)
        shape[d] = d == 1 ? x->sizes[1] : 1;
    return v ? ct_reshape(v, x->ndim, shape) : NULL;
}

static ct_tensor *mul(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_MUL, a, b) : NULL; }
static ct_tensor *sub(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_SUB, a, b) : NULL; }

/*
 * The backward from public ops, for create_graph.  With xhat = (x - mean) *
 * invstd and gw = g * weight:
 *   training: gx = invstd (gw - mean(gw) - xhat mean(gw xhat)), with mean
 *             and invstd recomputed from x so that they carry its graph;
 *   eval:     gx = invstd gw, the statistics being constants;
 *   gweight = sum(g xhat), gbias = sum(g), over every dim but 1.
 */
static int bn_backward_graph(const bn_node *n, const ct_node *self, ct_tensor *g, ct_tensor *x, ct_tensor *w,
                             ct_tensor *sm, ct_tensor *si, ct_tensor **gi)
{
    int dims[CT_MAX_DIMS], nd = 0;
    for (int d = 0; d < x->ndim; d++)
        if (d != 1)
            dims[nd++] = d;
    ct_tensor *t[16] = {0};
    ct_tensor *mean, *invstd;
    if (n->training) {
        mean = t[0] = ct_reduce(CT_MEAN, x, nd, dims, 1);
        t[1] = ct_var(x, nd, dims, 0, 1);
        t[2] = t[1] ? ct_binary_scalar(CT_ADD, t[1], ct_scalar_float(n->eps), 0) : NULL;
        invstd = t[3] = t[2] ? ct_unary(CT_RSQRT, t[2]) : NULL;
    } else {
        t[0] = ct_to_dtype(sm, x->dtype);
        mean = t[1] = per_channel(t[0], x);
        t[2] = ct_to_dtype(si, x->dtype);
        invstd = t[3] = per_channel(t[2], x);
    }
    t[4] = sub(x, mean);
    ct_tensor *xhat = t[5] = mul(t[4], invstd);
    ct_tensor *gw = w ? (t[7] = mul(g, t[6] = per_channel(w, x))) : g;
    int rc = xhat && gw ? 0 : -1;
    if (rc == 0 && ct_ag_needs_grad(self, 0)) {
        if (n->training) {
            t[8] = ct_reduce(CT_MEAN, gw, nd, dims, 1);
            t[9] = mul(gw, xhat);
            t[10] = t[9] ? ct_reduce(CT_MEAN, t[9], nd, dims, 1) : NULL;
            t[11] = sub(gw, t[8]);
            t[12] = mul(xhat, t[10]);
            t[13] = sub(t[11], t[12]);
            gi[0] = mul(invstd, t[13]);
        } else {
            gi[0] = mul(gw, invstd);
        }
        rc = gi[0] ? 0 : -1;
    }
    if (rc == 0 && ct_ag_needs_grad(self, 1)) {
        t[14] = mul(g, xhat);
        gi[1] = t[14] ? ct_reduce(CT_SUM, t[14], nd, dims, 0) : NULL;
        rc = gi[1] ? 0 : -1;
    }
    if (rc == 0 && ct_ag_needs_grad(self, 2)) {
        gi[2] = ct_reduce(CT_SUM, g, nd, dims, 0);
        rc = gi[2] ? 0 : -1;
    }
    for (int i = 0; i < 16; i++)
        ct_release(t[i]);
    return rc;
}

static int bn_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    bn_node *n = (bn_node *)self;
    ct_tensor *x = ct_saved_get(&n->input, self);
    ct_tensor *w = x && n->has_weight ? ct_saved_get(&n->weight, self) : NULL;
    ct_tensor *sm = x && (w || !n->has_weight) ? ct_saved_get(&n->save_mean, self) : NULL;
    ct_tensor *si = sm ? ct_saved_get(&n->save_invstd, self) : NULL;
    ct_tensor *g = si ? ct_to_dtype(grads[0], n->dtype) : NULL;
    int rc = -1;
    if (g) {
        ct_tensor *operands[3] = {g, x, w};
        if (ct_ag_any_requires_grad(3, operands))
            rc = bn_backward_graph(n, self, g, x, w, sm, si, gi);
        else
            rc = ct_raw_batch_norm_backward(g, x, w, sm, si, n->training, ct_ag_needs_grad(self, 0) ? &gi[0] : NULL,
                                            ct_ag_needs_grad(self, 1) ? &gi[1] : NULL,
                                            ct_ag_needs_grad(self, 2) ? &gi[2] : NULL);
    }
    ct_release(x);
    ct_release(w);
    ct_release(sm);
    ct_release(si);
    ct_release(g);
    return rc;
}

ct_tensor *ct_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                         ct_tensor *bias, int training, double momentum, double eps)
{
    ct_tensor *inputs[3] = {input, weight, bias};
    if (!ct_ag_any_requires_grad(3, inputs))
        return ct_raw_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, NULL, NULL);
    ct_tensor *sm = NULL, *si = NULL;
    ct_tensor *out = ct_raw_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, &sm, &si);
    if (!out)
        return NULL;
    bn_node *n = (bn_node *)ct_ag_node_new(sizeof *n, "NativeBatchNormBackward", bn_backward, 3, inputs, 1);
    if (n) {
        n->base.release_saved = bn_release_saved;
        n->training = training != 0;
        n->has_weight = weight != NULL;
        n->eps = eps;
        n->dtype = input->dtype;
        ct_saved_set(&n->input, input, NULL, 0);
        if (weight)
            ct_saved_set(&n->weight, weight, NULL, 0);
        ct_saved_set(&n->save_mean, sm, NULL, 0);
        ct_saved_set(&n->save_invstd, si, NULL, 0);
    }
    ct_release(sm);
    ct_release(si);
    return ct_ag_finish(out, n ? &n->base : NULL);
}

/* ---------------------------------------------------------------- dropout */

typedef struct dropout_node {
    ct_node base;
    ct_saved mask;
    double p;
    ct_dtype dtype;
} dropout_node;

static void dropout_release_saved(ct_node *self) { ct_saved_reset(&((dropout_node *)self)->mask); }

static ct_tensor *dropout_apply(ct_tensor *x, ct_tensor *mask, double p, const char *name);

static int dropout_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    dropout_node *n = (dropout_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    ct_tensor *mask = ct_saved_get(&n->mask, self);
    ct_tensor *g = mask ? ct_to_dtype(grads[0], n->dtype) : NULL;
    gi[0] = g ? dropout_apply(g, mask, n->p, "DropoutBackwardBackward") : NULL;
    ct_release(g);
    ct_release(mask);
    return gi[0] ? 0 : -1;
}

/* Records out = x * mask * scale (consumes out) when x requires grad. */
static ct_tensor *dropout_record(ct_tensor *out, ct_tensor *x, ct_tensor *mask, double p, const char *name)
{
    if (!out || !ct_ag_any_requires_grad(1, &x))
        return out;
    dropout_node *n = (dropout_node *)ct_ag_node_new(sizeof *n, name, dropout_backward, 1, &x, 1);
    if (n) {
        n->base.release_saved = dropout_release_saved;
        n->p = p;
        n->dtype = x->dtype;
        ct_saved_set(&n->mask, mask, NULL, 0);
    }
    return ct_ag_finish(out, n ? &n->base : NULL);
}

static ct_tensor *dropout_apply(ct_tensor *x, ct_tensor *mask, double p, const char *name)
{
    return dropout_record(ct_raw_dropout_backward(x, mask, p), x, mask, p, name);
}

ct_tensor *ct_dropout(ct_tensor *input, double p, int training)
{
    if (!training || !ct_ag_any_requires_grad(1, &input))
        return ct_raw_dropout(input, p, training, NULL);
    ct_tensor *mask = NULL;
    ct_tensor *out = ct_raw_dropout(input, p, training, &mask);
    out = dropout_record(out, input, mask, p, "DropoutBackward");
    ct_release(mask);
    return out;
}
