/*
 * grad_loss.c -- autograd for the losses.
 *
 * cross_entropy is one fused node (PyTorch records LogSoftmax + NllLoss).
 * Targets and weights get no gradient, except the elementwise losses'
 * target, which does (as in PyTorch).  Backward runs the C kernels; under
 * create_graph (grad mode on while backward runs) it is composed from
 * recorded ops so that it can be differentiated again.
 */
#include <string.h>

#include "autograd/grad_util.h"

/* ---------------------------------------------------------------- nll_loss, cross_entropy */

typedef struct class_node {
    ct_node base;
    int ce;
    ct_saved input, target, weight;
    int has_weight;
    ct_reduction reduction;
    int64_t ignore_index, index_base;
    double label_smoothing;
} class_node;

static void class_release_saved(ct_node *self)
{
    class_node *n = (class_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->target);
    ct_saved_reset(&n->weight);
}

/* The gradient from recorded ops: g * (coef_a * softmax(x) - coef_b) or -g * coef_b. */
static ct_tensor *class_composed(class_node *n, ct_tensor *x, ct_tensor *t, ct_tensor *w, ct_tensor *g)
{
    ct_tensor *ca = NULL, *cb = NULL, *gb = NULL, *p = NULL, *ap = NULL, *diff = NULL, *r = NULL;
    int class_dim = x->ndim == 1 ? 0 : 1;
    if (ct_raw_class_loss_coefs(n->ce, x, t, w, n->reduction, n->ignore_index, n->label_smoothing, n->index_base,
                                n->ce ? &ca : NULL, &cb) < 0)
        return NULL;
    /* an unreduced loss's gradient has the target's shape: give it the class dim back */
    gb = n->reduction == CT_REDUCTION_NONE && x->ndim > 1 ? ct_unsqueeze(g, class_dim) : ct_retain(g);
    if (gb) {
        if (n->ce) {
            if ((p = ct_softmax(x, class_dim)) && (ap = ct_binary(CT_MUL, ca, p)) && (diff = ct_binary(CT_SUB, ap, cb)))
                r = ct_binary(CT_MUL, gb, diff);
        } else if ((diff = ct_binary(CT_MUL, gb, cb))) {
            r = ct_unary(CT_NEG, diff);
        }
    }
    ct_release(ca);
    ct_release(cb);
    ct_release(gb);
    ct_release(p);
    ct_release(ap);
    ct_release(diff);
    return r;
}

static int class_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    class_node *n = (class_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    ct_tensor *x = ct_saved_get(&n->input, self);
    ct_tensor *t = x ? ct_saved_get(&n->target, self) : NULL;
    ct_tensor *w = t && n->has_weight ? ct_saved_get(&n->weight, self) : NULL;
    if (t && (w || !n->has_weight)) {
        if (ct_ag_enabled())
            gi[0] = class_composed(n, x, t, w, grads[0]);
        else
            gi[0] = ct_raw_class_loss_backward(n->ce, x, t, w, grads[0], n->reduction, n->ignore_index,
                                               n->label_smoothing, n->index_base);
    }
    ct_release(x);
    ct_release(t);
    ct_release(w);
    return gi[0] ? 0 : -1;
}

static ct_tensor *class_loss(int ce, ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                             int64_t ignore_index, double label_smoothing, int64_t base)
{
    ct_tensor *out = ct_raw_class_loss(ce, input, target, weight, reduction, ignore_index, label_smoothing, base);
    if (!out || !ct_ag_any_requires_grad(1, &input))
        return out;
    class_node *n = (class_node *)ct_ag_node_new(sizeof *n, ce ? "CrossEntropyLossBackward" : "NllLossBackward",
                                                 class_backward, 1, &input, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = class_release_saved;
    n->ce = ce;
    n->reduction = reduction;
    n->ignore_index = ignore_index;
    n->index_base = base;
    n->label_smoothing = label_smoothing;
    n->has_weight = weight != NULL;
    ct_saved_set(&n->input, input, NULL, 0);
    ct_saved_set(&n->target, target, NULL, 0);
    if (weight)
        ct_saved_set(&n->weight, weight, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_nll_loss_based(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                             int64_t ignore_index, int64_t base)
{
    return class_loss(0, input, target, weight, reduction, ignore_index, 0, base);
}

ct_tensor *ct_cross_entropy_based(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                                  int64_t ignore_index, double label_smoothing, int64_t base)
{
    return class_loss(1, input, target, weight, reduction, ignore_index, label_smoothing, base);
}

ct_tensor *ct_nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                       int64_t ignore_index)
{
    return class_loss(0, input, target, weight, reduction, ignore_index, 0, 0);
}

ct_tensor *ct_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction,
                            int64_t ignore_index, double label_smoothing)
{
    return class_loss(1, input, target, weight, reduction, ignore_index, label_smoothing, 0);
}

/* ---------------------------------------------------------------- elementwise losses */

typedef struct ploss_node {
    ct_node base;
    ct_ploss_op op;
    ct_saved input, target, weight, pos_weight;
    int has_weight, has_pos_weight;
    ct_reduction reduction;
    double beta;
    ct_shape_info info[2]; /* input, target */
    int64_t numel;         /* of the loss before reduction */
} ploss_node;

static void ploss_release_saved(ct_node *self)
{
    ploss_node *n = (ploss_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->target);
    ct_saved_reset(&n->weight);
    ct_saved_reset(&n->pos_weight);
}

/* Tensors made along a composed formula, released together. */
typedef struct scratch {
    ct_tensor *t[16];
    int n, failed;
} scratch;

static ct_tensor *keep(scratch *s, ct_tensor *t)
{
    if (t && s->n == (int)(sizeof s->t / sizeof s->t[0])) { /* cannot happen with the formulas below */
        ct_release(t);
        ct_fail("loss backward: too many intermediate tensors");
        t = NULL;
    }
    if (!t)
        s->failed = 1;
    else
        s->t[s->n++] = t;
    return t;
}

static void drop(scratch *s)
{
    for (int i = 0; i < s->n; i++)
        ct_release(s->t[i]);
}

static ct_tensor *bin(scratch *s, ct_binary_op op, ct_tensor *a, ct_tensor *b)
{
    return s->failed ? NULL : keep(s, ct_binary(op, a, b));
}
static ct_tensor *mul(scratch *s, ct_tensor *a, ct_tensor *b) { return bin(s, CT_MUL, a, b); }
static ct_tensor *sub(scratch *s, ct_tensor *a, ct_tensor *b) { return bin(s, CT_SUB, a, b); }
static ct_tensor *scal(scratch *s, ct_binary_op op, ct_tensor *a, double v, int reversed)
{
    return s->failed ? NULL : keep(s, ct_binary_scalar(op, a, ct_scalar_float(v), reversed));
}
static ct_tensor *un(scratch *s, ct_unary_op op, ct_tensor *a) { return s->failed ? NULL : keep(s, ct_unary(op, a)); }
static ct_tensor *splus(scratch *s, ct_tensor *a) { return s->failed ? NULL : keep(s, ct_softplus(a, 1.0, 20.0)); }

/* d loss / d (input or target), unweighted and without g, from recorded ops.
 * Every helper returns NULL once one has failed, so failures fall through. */
static ct_tensor *ploss_derivative(scratch *s, ploss_node *n, int wrt_target, ct_tensor *x, ct_tensor *y,
                                   ct_tensor *pw)
{
    ct_tensor *d = NULL, *r = NULL;
    switch (n->op) {
    case CT_LOSS_MSE:
        r = scal(s, CT_MUL, sub(s, x, y), wrt_target ? -2.0 : 2.0, 0);
        break;
    case CT_LOSS_L1:
        r = un(s, CT_SIGN, wrt_target ? sub(s, y, x) : sub(s, x, y));
        break;
    case CT_LOSS_SMOOTH_L1:
        d = wrt_target ? sub(s, y, x) : sub(s, x, y);
        if (n->beta == 0) {
            r = un(s, CT_SIGN, d);
        } else {
            ct_tensor *inside = scal(s, CT_LT, un(s, CT_ABS, d), n->beta, 0);
            ct_tensor *lin = scal(s, CT_DIV, d, n->beta, 0), *sg = un(s, CT_SIGN, d);
            r = s->failed ? NULL : keep(s, ct_where(inside, lin, sg));
        }
        break;
    case CT_LOSS_BCE:
        if (wrt_target) { /* log(1 - x) - log(x) */
            r = sub(s, un(s, CT_LOG, scal(s, CT_SUB, x, 1.0, 1)), un(s, CT_LOG, x));
        } else { /* (x - y) / max(x (1 - x), 1e-12) */
            ct_scalar lo = ct_scalar_float(1e-12);
            ct_tensor *den = mul(s, x, scal(s, CT_SUB, x, 1.0, 1));
            ct_tensor *cl = s->failed ? NULL : keep(s, ct_clamp(den, &lo, NULL));
            r = bin(s, CT_DIV, sub(s, x, y), cl);
        }
        break;
    case CT_LOSS_BCE_LOGITS:
        if (wrt_target) { /* -x, or -softplus(x) + pw * softplus(-x) */
            if (!pw)
                r = un(s, CT_NEG, x);
            else
                r = sub(s, mul(s, pw, splus(s, un(s, CT_NEG, x))), splus(s, x));
        } else if (!pw) { /* sigmoid(x) - y */
            r = sub(s, un(s, CT_SIGMOID, x), y);
        } else { /* (pw y + 1 - y) sigmoid(x) - pw y */
            ct_tensor *py = mul(s, pw, y);
            ct_tensor *coef = sub(s, scal(s, CT_ADD, py, 1.0, 0), y);
            r = sub(s, mul(s, coef, un(s, CT_SIGMOID, x)), py);
        }
        break;
    }
    return s->failed ? NULL : r;
}

static ct_tensor *ploss_composed(ploss_node *n, int wrt_target, ct_tensor *x, ct_tensor *y, ct_tensor *w,
                                 ct_tensor *pw, ct_tensor *g)
{
    scratch s = {.n = 0, .failed = 0};
    ct_tensor *r = ploss_derivative(&s, n, wrt_target, x, y, pw);
    if (r && n->reduction == CT_REDUCTION_MEAN)
        r = scal(&s, CT_DIV, r, (double)n->numel, 0);
    if (r && w)
        r = mul(&s, r, w);
    if (r)
        r = mul(&s, r, g);
    ct_tensor *out = r ? ct_retain(r) : NULL;
    drop(&s);
    return out;
}

static int ploss_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    ploss_node *n = (ploss_node *)self;
    ct_tensor *x = ct_saved_get(&n->input, self);
    ct_tensor *y = x ? ct_saved_get(&n->target, self) : NULL;
    ct_tensor *w = y && n->has_weight ? ct_saved_get(&n->weight, self) : NULL;
    ct_tensor *pw = y && n->has_pos_weight ? ct_saved_get(&n->pos_weight, self) : NULL;
    int ok = y && (w || !n->has_weight) && (pw || !n->has_pos_weight);
    for (int j = 0; ok && j < 2; j++) {
        if (!ct_ag_needs_grad(self, j))
            continue;
        ct_tensor *r;
        if (ct_ag_enabled())
            r = ploss_composed(n, j, x, y, w, pw, grads[0]);
        else
            r = ct_raw_pointwise_loss_backward(n->op, x, y, w, pw, grads[0], n->reduction, n->beta, j);
        gi[j] = ct_grad_reduce(r, &n->info[j]);
        ok = gi[j] != NULL;
    }
    ct_release(x);
    ct_release(y);
    ct_release(w);
    ct_release(pw);
    return ok ? 0 : ct_grad_fail(2, gi);
}

static const char *ploss_node_name(ct_ploss_op op)
{
    switch (op) {
    case CT_LOSS_MSE: return "MseLossBackward";
    case CT_LOSS_L1: return "L1LossBackward";
    case CT_LOSS_SMOOTH_L1: return "SmoothL1LossBackward";
    case CT_LOSS_BCE: return "BinaryCrossEntropyBackward";
    case CT_LOSS_BCE_LOGITS: return "BinaryCrossEntropyWithLogitsBackward";
    }
    return "LossBackward";
}

static ct_tensor *ploss(ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_tensor *pos_weight,
                        ct_reduction reduction, double beta)
{
    ct_tensor *out = ct_raw_pointwise_loss(op, input, target, weight, pos_weight, reduction, beta);
    ct_tensor *inputs[2] = {input, target};
    if (!out || !ct_ag_any_requires_grad(2, inputs))
        return out;
    ploss_node *n = (ploss_node *)ct_ag_node_new(sizeof *n, ploss_node_name(op), ploss_backward, 2, inputs, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = ploss_release_saved;
    n->op = op;
    n->reduction = reduction;
    n->beta = beta;
    n->has_weight = weight != NULL;
    n->has_pos_weight = pos_weight != NULL;
    ct_shape_info_set(&n->info[0], input);
    ct_shape_info_set(&n->info[1], target);
    int nd;
    int64_t shape[CT_MAX_DIMS];
    ct_broadcast_shape("loss", input->ndim, input->sizes, target->ndim, target->sizes, &nd, shape);
    n->numel = ct_shape_numel(nd, shape);
    ct_saved_set(&n->input, input, NULL, 0);
    ct_saved_set(&n->target, target, NULL, 0);
    if (weight)
        ct_saved_set(&n->weight, weight, NULL, 0);
    if (pos_weight)
        ct_saved_set(&n->pos_weight, pos_weight, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_mse_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction)
{
    return ploss(CT_LOSS_MSE, input, target, NULL, NULL, reduction, 0);
}

ct_tensor *ct_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction)
{
    return ploss(CT_LOSS_L1, input, target, NULL, NULL, reduction, 0);
}

ct_tensor *ct_smooth_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double beta)
{
    return ploss(CT_LOSS_SMOOTH_L1, input, target, NULL, NULL, reduction, beta);
}

ct_tensor *ct_binary_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight, ct_reduction reduction)
{
    return ploss(CT_LOSS_BCE, input, target, weight, NULL, reduction, 0);
}

ct_tensor *ct_binary_cross_entropy_with_logits(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                               ct_tensor *pos_weight, ct_reduction reduction)
{
    return ploss(CT_LOSS_BCE_LOGITS, input, target, weight, pos_weight, reduction, 0);
}
